"""The heap allocator setting: environment merging, the one-time restart, and its effect on page faults."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hybrid_icl.allocator import ENV, HEAP_ONLY, OPT_OUT, malloc_mode, with_heap_malloc

linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc tunables are Linux-only")


def test_heap_setting_is_added_to_other_tunables_once():
    env = with_heap_malloc({"PATH": "/bin", ENV: "glibc.cpu.hwcaps=-AVX512F"})
    assert env[ENV] == f"glibc.cpu.hwcaps=-AVX512F:{HEAP_ONLY}"
    assert env["PATH"] == "/bin"
    assert with_heap_malloc(env) == env  # idempotent
    assert with_heap_malloc({})[ENV] == HEAP_ONLY
    assert malloc_mode(env) == "heap" and malloc_mode({}) == "system"


def test_a_users_own_mmap_setting_or_opt_out_is_left_alone():
    user = {ENV: "glibc.malloc.mmap_max=65536"}
    assert with_heap_malloc(user) == user
    assert malloc_mode(user) == "custom"
    opt_out = {OPT_OUT: "system", ENV: "glibc.cpu.hwcaps=-AVX512F"}
    assert with_heap_malloc(opt_out) == opt_out
    assert malloc_mode(opt_out) == "system"


def run_python(code: str, env: dict[str, str]) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return out.stdout.split()


@linux_only
def test_reexec_restarts_the_process_once_with_the_setting():
    env = {k: v for k, v in os.environ.items() if k != ENV}
    code = (
        "import os; print('start');"
        "from hybrid_icl.allocator import reexec_with_heap_malloc; reexec_with_heap_malloc();"
        "print(os.environ['GLIBC_TUNABLES'])"
    )
    assert run_python(code, env) == ["start", "start", HEAP_ONLY]  # first process replaced, second kept


FAULTS_PER_STEP = """
import resource, torch
torch.manual_seed(0)
torch.set_num_threads(1)
faults = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_minflt
mlp = torch.nn.Sequential(torch.nn.Linear(128, 256), torch.nn.GELU(), torch.nn.Linear(256, 128))
x = torch.randn(64, 640, 128)  # activations of 20 and 40 MB, as at long contexts: above glibc's mmap ceiling
def step():
    mlp(x).square().mean().backward()
for _ in range(4):  # warm-up: the heap grows to its working size
    step()
start = faults()
for _ in range(5):
    step()
print((faults() - start) / 5)
"""


@linux_only
def test_heap_setting_stops_training_steps_faulting_fresh_pages():
    """glibc's default maps every activation above 32 MB afresh and faults in all its pages, every step.

    Measured: 6-30 thousand faults per step with the default (fewer on a machine under load, where
    glibc's adaptive threshold has already grown), 0-2 thousand with the heap setting."""
    base = {k: v for k, v in os.environ.items() if k != ENV}
    system = float(run_python(FAULTS_PER_STEP, base)[-1])
    heap = float(run_python(FAULTS_PER_STEP, with_heap_malloc(base))[-1])
    assert system > 3_000, f"expected fresh pages every step with glibc's default, saw {system} faults"
    assert heap < 0.3 * system, f"heap setting still faults {heap} pages per step (default {system})"


@linux_only
def test_cli_training_runs_with_the_heap_setting(tmp_path):
    """`python -m hybrid_icl train` restarts itself once with the setting and says so."""
    env = {k: v for k, v in os.environ.items() if k != ENV}
    config = Path(__file__).resolve().parents[1] / "config" / "smoke.yaml"
    out = subprocess.run([sys.executable, "-m", "hybrid_icl", "train", "--configfile", str(config), "--task", "linear",
                          "--model", "gpt2", "--out", str(tmp_path)], env=env, check=True, capture_output=True, text=True)
    assert "malloc: heap" in out.stdout.splitlines()
    assert (tmp_path / "model.pt").is_file()
