"""The live console view: Snakemake's output parsed into jobs done / running, each training job's
step, loss and ETA from its log, in place on a terminal and as plain lines otherwise."""

from __future__ import annotations

import io
import os
import sys
import time

from hybrid_icl import console
from hybrid_icl.jobs import ATTEMPT_HEADER

SNAKEMAKE_OUTPUT = """\
Job stats:
job      count
-----  -------
train        2
total        3

[Sun Dec  6 09:00:44 2026]
localrule train:
    output: results/s/runs/linear/gpt2/s1/model.pt, results/s/runs/linear/gpt2/s1/train_log.csv
    log: {log}
    jobid: 4
    reason: Missing output files: results/s/runs/linear/gpt2/s1/model.pt
    wildcards: task=linear, model=gpt2, seed=1
    resources: tmpdir=/tmp, runtime=60, gpu=1

[Sun Dec  6 09:00:45 2026]
localrule eval_set:
    output: results/s/data/linear/s1/eval_set.pt
    log: results/s/logs/eval_set/linear/s1.log
    jobid: 7
    wildcards: task=linear, seed=1

[Sun Dec  6 09:00:50 2026]
Finished jobid: 7 (Rule: eval_set)
1 of 3 steps (33%) done
"""


def job_log(tmp_path, *attempts: str):
    log = tmp_path / "s1.log"
    log.write_text("".join(f"{ATTEMPT_HEADER} 2026-12-06 on host\n{text}" for text in attempts))
    return log


def test_snakemake_output_gives_jobs_done_total_and_running(tmp_path):
    progress = console.Progress()
    for line in SNAKEMAKE_OUTPUT.format(log="logs/train/linear/gpt2/s1.log").splitlines(keepends=True):
        progress.feed(line)
    assert (progress.done, progress.total) == (1, 3)
    assert list(progress.running) == ["4"]
    job = progress.running["4"]
    assert (job.rule, job.log, job.wildcards) == ("train", "logs/train/linear/gpt2/s1.log",
                                                 "task=linear, model=gpt2, seed=1")
    progress.feed("Finished jobid: 4 (Rule: train)\n")
    assert progress.running == {}


def test_the_newest_step_of_the_current_attempt_with_its_eta_counted_from_now(tmp_path):
    log = job_log(tmp_path, "step 100/900 loss 0.9000 d=5 n=21 10.0 steps/s ETA 1m20s\n",
                  "resuming\nstep 300/900 loss 0.5123 d=5 n=21 9.8 steps/s ETA 1h02m\nINFO something\n")
    written = time.time() - 120
    os.utime(log, (written, written))
    line = console.training_line(log, now=written + 120)
    assert (line.step, line.steps, line.loss) == (300, 900, 0.5123)
    assert line.eta == 3600 + 2 * 60 - 120
    assert console.training_line(job_log(tmp_path, "malloc: heap\n")) is None  # started, no step yet
    assert console.training_line(tmp_path / "missing.log") is None


def test_the_view_shows_each_training_job(tmp_path):
    log = job_log(tmp_path, "step 300/900 loss 0.5123 d=5 n=21 9.8 steps/s ETA 2m00s\n")
    progress = console.Progress()
    for line in SNAKEMAKE_OUTPUT.format(log=log).splitlines(keepends=True):
        progress.feed(line)
    lines = console.render(progress, elapsed=65, left=(600.0, 2), now=log.stat().st_mtime)
    assert lines[0] == ("progress: 1/3 jobs done, 1 running, 1m05s; training left ~10m00s at 1 in parallel "
                        "(2 runs of unmeasured models not counted)")
    assert lines[1] == "  train linear/gpt2/s1: step 300/900 loss 0.5123 ETA 2m00s"
    one = console.render(progress, elapsed=65, left=(600.0, 1), now=log.stat().st_mtime)[0]
    assert one.endswith("(1 run of unmeasured models not counted)")


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_the_view_is_redrawn_below_the_relayed_lines():
    screen = console.Screen(FakeTerminal())
    screen.show(["progress: a", "  train x"])
    screen.relay("rule train:\n")
    screen.show(["progress: b"])
    text = screen.stream.getvalue()
    assert text.index("progress: a") < text.index("\x1b[2F\x1b[J") < text.index("rule train:") < text.index(
        "progress: b")


def test_elsewhere_the_view_is_one_plain_line():
    stream = io.StringIO()
    screen = console.Screen(stream, every=60)
    screen.show(["progress: 1/3 jobs done", "  train linear/gpt2/s1: starting"])
    assert stream.getvalue() == "progress: 1/3 jobs done; train linear/gpt2/s1: starting\n"


def test_run_relays_the_output_adds_progress_lines_and_keeps_the_exit_code(tmp_path):
    log = tmp_path / "train.log"
    fake = (f"import time, pathlib\n"
            f"print({SNAKEMAKE_OUTPUT.format(log=log)!r}, flush=True)\n"
            f"pathlib.Path({str(log)!r}).write_text('step 5/10 loss 0.25 d=5 n=21 1.0 steps/s ETA 0m05s\\n')\n"
            f"time.sleep(1.5)\n"
            f"raise SystemExit(3)\n")
    stream = io.StringIO()
    code = console.run([sys.executable, "-c", fake], console.Screen(stream, every=0.5))
    out = stream.getvalue()
    assert code == 3
    assert "localrule train:" in out and "1 of 3 steps (33%) done" in out
    assert "progress: 1/3 jobs done, 1 running" in out and "train linear/gpt2/s1: step 5/10 loss 0.25" in out


def test_configfiles_are_read_from_the_command():
    assert console.configfiles(["snakemake", "--cores", "2", "--configfile", "a.yaml", "b.yaml", "-n"]) == [
        "a.yaml", "b.yaml"]
    assert console.configfiles(["snakemake"]) == ["config/config.yaml"]
