"""Retraining follows what a run uses: its task module, the blocks it builds, its architecture spec;
never docstrings, comments, unused zoo entries or other tasks' code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import hybrid_icl
from hybrid_icl.models import zoo
from hybrid_icl.provenance import run_code_version, source_digest, task_code_files

MODELS = {
    "gpt2": {"arch": "gpt2", "d_model": 16, "n_layer": 2, "n_head": 2},
    "llama": {"arch": "llama", "d_model": 16, "n_layer": 2, "n_head": 2},
    "mamba": {"arch": "mamba", "d_model": 16, "n_layer": 2, "d_state": 4},
}
KINDS = ("linear", "many_outlier", "sparse_linear")


@pytest.fixture
def root(tmp_path) -> Path:
    """A copy of the package's sources to edit."""
    copy = tmp_path / "hybrid_icl"
    shutil.copytree(Path(hybrid_icl.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    return copy


def versions(root: Path) -> dict[tuple[str, str], str]:
    return {(kind, model): run_code_version(kind, cfg, root) for kind in KINDS for model, cfg in MODELS.items()}


def edit(root: Path, relative: str, old: str, new: str) -> None:
    path = root / relative
    text = path.read_text()
    assert old in text, (relative, old)
    path.write_text(text.replace(old, new, 1))


def add_code(root: Path, relative: str) -> None:
    """A statement at the end of a module: a change to its code."""
    with open(root / relative, "a") as fh:
        fh.write("\nEDITED = 1\n")


def changed(before: dict, after: dict) -> set[tuple[str, str]]:
    return {key for key in before if before[key] != after[key]}


def test_docstrings_comments_and_layout_never_retrain(root):
    before = versions(root)
    edit(root, "models/attention.py", '"""', '"""Edited docstring. ')
    edit(root, "train.py", "\nimport ", "\n# a comment\n\n\nimport ")
    edit(root, "tasks/linear.py", '"""', '"""Another line.\n\n')
    assert versions(root) == before
    assert source_digest(root / "train.py") == source_digest(Path(hybrid_icl.__file__).parent / "train.py")


def test_editing_the_attention_block_retrains_only_runs_with_attention(root):
    before = versions(root)
    add_code(root, "models/attention.py")
    assert changed(before, versions(root)) == {(k, m) for k in KINDS for m in ("gpt2", "llama")}


def test_editing_the_mamba_scan_retrains_only_runs_with_mamba(root):
    before = versions(root)
    add_code(root, "models/scan.py")
    assert changed(before, versions(root)) == {(k, "mamba") for k in KINDS}


def test_an_unused_zoo_entry_retrains_nothing(root, monkeypatch):
    before = versions(root)
    edit(root, "models/zoo.py", "\nZOO: dict[str, dict] = {", "\nZOO: dict[str, dict] = {\n    \"extra\": {},")
    monkeypatch.setitem(zoo.ZOO, "extra_hybrid", {"layers": [{"mixer": "mamba", "ffn": "swiglu"}]})
    assert versions(root) == before


def test_changing_a_zoo_entry_retrains_only_runs_of_that_architecture(root, monkeypatch):
    before = versions(root)
    gpt2 = dict(zoo.ZOO["gpt2"], final_norm="rms")
    monkeypatch.setitem(zoo.ZOO, "gpt2", gpt2)
    assert changed(before, versions(root)) == {(k, "gpt2") for k in KINDS}


def test_a_tasks_code_retrains_only_its_runs_and_shared_code_all(root):
    assert {p.name for p in task_code_files("sparse_linear", root)} == {"sparse_linear.py", "_sampling.py", "base.py", "values.py"}
    before = versions(root)
    for unrelated in ("tasks/__init__.py", "baselines/least_squares.py", "plots.py", "evaluate.py"):
        add_code(root, unrelated)
    assert versions(root) == before
    add_code(root, "tasks/many_outlier.py")
    assert changed(before, versions(root)) == {("many_outlier", m) for m in MODELS}
    for shared in ("tasks/_sampling.py", "models/stack.py", "models/norms.py", "train.py"):
        now = versions(root)
        add_code(root, shared)
        assert changed(now, versions(root)) == set(now), shared
