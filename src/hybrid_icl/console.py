"""Live progress of a local Snakemake run on the console.

``python -m hybrid_icl.console <snakemake command ...>`` (what ``make run`` does) runs Snakemake,
passes its output through unchanged, and adds a progress view: jobs done / total with an estimate
of the training time left (from the measured speed of each model, as ``status`` estimates it), and
for each running training job its step, loss and ETA, read from the job's log. On a terminal the
view stays at the bottom and updates in place every second; otherwise (CI, cluster logs, a file)
it is one plain line every ``HYBRID_ICL_PROGRESS_EVERY`` seconds (default 60). The exit code is
Snakemake's. The view only reads: Snakemake's output and the running jobs' log files.
"""

from __future__ import annotations

import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from .jobs import ATTEMPT_HEADER

_DONE = re.compile(r"^(\d+) of (\d+) steps \(\d+%\) done")
_TOTAL = re.compile(r"^total\s+(\d+)$")  # the last row of Snakemake's job stats, printed before any job
_RULE = re.compile(r"^(?:local)?(?:rule|checkpoint) (\S+):$")
_FINISHED = re.compile(r"^Finished job(?:id)?:? (\d+)")
_STEP = re.compile(r"^step (\d+)/(\d+) loss (\S+) .*ETA (?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?\s*$")
ESTIMATE_EVERY = 60.0  # seconds between estimates of the training time left (reads the run folders)


@dataclass
class Job:
    """A job Snakemake started: its rule, wildcards and log file."""

    rule: str
    wildcards: str = ""
    log: str | None = None


@dataclass
class TrainingLine:
    """The newest progress line of a training job's log."""

    step: int
    steps: int
    loss: float
    eta: float  # seconds left, counted from now


@dataclass
class Progress:
    """What the view shows, updated from Snakemake's output lines."""

    done: int = 0
    total: int | None = None
    running: dict[str, Job] = field(default_factory=dict)  # jobid -> job
    _block: Job | None = None

    def feed(self, line: str) -> None:
        text = line.strip()
        if match := _DONE.match(text):
            self.done, self.total = int(match.group(1)), int(match.group(2))
        elif (match := _TOTAL.match(text)) and self.total is None:
            self.total = int(match.group(1))
        elif match := _RULE.match(text):
            self._block = Job(match.group(1))
        elif self._block is not None and text.startswith("log: "):
            self._block.log = text[len("log: "):].split(" (")[0].split(", ")[0]
        elif self._block is not None and text.startswith("wildcards: "):
            self._block.wildcards = text[len("wildcards: "):]
        elif self._block is not None and text.startswith("jobid: "):
            self.running[text[len("jobid: "):]] = self._block
        elif match := _FINISHED.match(text):
            self.running.pop(match.group(1), None)
        if not text:
            self._block = None


def training_line(log: str | Path, now: float | None = None) -> TrainingLine | None:
    """The newest 'step a/b loss x ... ETA ...' line of a job log's current attempt, its ETA counted
    from ``now`` (the line was written at the file's modification time)."""
    path = Path(log)
    try:
        with open(path, "rb") as fh:
            fh.seek(max(0, path.stat().st_size - 8192))
            tail = fh.read().decode(errors="replace")
        written = path.stat().st_mtime
    except OSError:
        return None
    for line in reversed(tail.split(ATTEMPT_HEADER)[-1].splitlines()):
        if match := _STEP.match(line.strip()):
            hours, minutes, seconds = (int(g or 0) for g in match.group(4, 5, 6))
            eta = 3600 * hours + 60 * minutes + seconds - ((now or time.time()) - written)
            return TrainingLine(int(match.group(1)), int(match.group(2)), float(match.group(3)), max(0.0, eta))
    return None


def configfiles(command: list[str]) -> list[str]:
    """The --configfile values of a Snakemake command line (the Snakefile's default if none)."""
    if "--configfile" not in command:
        return ["config/config.yaml"]
    values = []
    for arg in command[command.index("--configfile") + 1:]:
        if arg.startswith("-"):
            break
        values.append(arg)
    return values


def training_left(paths: list[str]) -> tuple[float, int] | None:
    """(serial training seconds left, runs whose model has no measured speed yet) of a suite, from
    its run folders as ``status`` estimates them; None when the suite cannot be read."""
    from .status import measured_speeds_basis, remaining_seconds, suite_status
    from .suite import load_suite

    try:
        suite = load_suite(*paths)
        runs = suite_status(suite)
        left, unknown = remaining_seconds(runs, measured=measured_speeds_basis(suite, runs))
    except Exception:  # noqa: BLE001 - the view must never stop the run; Snakemake reports bad configs
        return None
    return left, len(unknown)


def render(progress: Progress, elapsed: float, left: tuple[float, int] | None, now: float | None = None) -> list[str]:
    """The view's lines: overall progress, then one line per running training job."""
    from .status import unmeasured_runs
    from .train import format_duration

    trainings = [(job, training_line(job.log, now)) for job in progress.running.values()
                 if job.rule == "train" and job.log]
    total = "?" if progress.total is None else progress.total
    head = f"progress: {progress.done}/{total} jobs done, {len(progress.running)} running, {format_duration(elapsed)}"
    if left is not None:
        seconds, unknown = left
        parallel = max(1, len(trainings))
        head += f"; training left ~{format_duration(seconds / parallel)} at {parallel} in parallel"
        head += f" ({unmeasured_runs(unknown)} not counted)" if unknown else ""
    lines = [head]
    for job, line in trainings:
        label = job.wildcards.replace("task=", "").replace("model=", "").replace("seed=", "s").replace(", ", "/")
        lines.append(f"  train {label}: " + (
            f"step {line.step}/{line.steps} loss {line.loss:.4g} ETA {format_duration(line.eta)}" if line
            else "starting"))
    return lines


class Screen:
    """Relays Snakemake's lines and keeps the view below them (in place on a terminal)."""

    def __init__(self, stream=sys.stdout, every: float | None = None):
        self.stream, self.tty = stream, stream.isatty()
        self.every = every if every is not None else (1.0 if self.tty else float(
            os.environ.get("HYBRID_ICL_PROGRESS_EVERY", 60)))
        self.shown = 0  # lines of the view currently on screen (terminal only)

    def relay(self, line: str) -> None:
        self._erase()
        self.stream.write(line if line.endswith("\n") else line + "\n")
        self.stream.flush()

    def show(self, lines: list[str]) -> None:
        self._erase()
        if self.tty:  # each line cut to the terminal's width: a wrapped line would not be erased
            width = shutil.get_terminal_size().columns - 1
            self.stream.write("\x1b[2m" + "\n".join(line[:width] for line in lines) + "\x1b[0m\n")
            self.shown = len(lines)
        else:
            self.stream.write("; ".join(line.strip() for line in lines) + "\n")
        self.stream.flush()

    def _erase(self) -> None:
        if self.tty and self.shown:
            self.stream.write(f"\x1b[{self.shown}F\x1b[J")
            self.shown = 0


class Estimate:
    """``training_left`` of a suite, recomputed every ``ESTIMATE_EVERY`` seconds in a background thread
    (it reads every run folder, which must not hold up the relayed output)."""

    def __init__(self, paths: list[str]):
        self.value: tuple[float, int] | None = None
        self.paths = paths
        threading.Thread(target=self._loop, daemon=True).start()

    def _loop(self) -> None:
        while True:
            self.value = training_left(self.paths)
            time.sleep(ESTIMATE_EVERY)


def run(command: list[str], screen: Screen) -> int:
    """Run ``command`` (Snakemake), relaying its output under the progress view; its exit code."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
                             env=env)
    lines: queue.Queue[str | None] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in child.stdout] + [lines.put(None)], daemon=True).start()
    handlers = (signal.signal(signal.SIGINT, signal.SIG_IGN),  # Ctrl-C reaches Snakemake too: it stops its jobs
                signal.signal(signal.SIGTERM, lambda *_: child.terminate()))
    try:
        return relay(child, lines, screen, Estimate(configfiles(command)))
    finally:
        signal.signal(signal.SIGINT, handlers[0])
        signal.signal(signal.SIGTERM, handlers[1])


def relay(child: subprocess.Popen, lines: queue.Queue, screen: Screen, estimate: Estimate) -> int:
    """Relay ``lines`` (the child's output, None at its end) and show the view every ``screen.every`` s."""
    progress, started = Progress(), time.time()
    shown = 0.0 if screen.tty else started  # plain lines: the first after ``every`` seconds
    while True:
        try:
            line = lines.get(timeout=0.25)
        except queue.Empty:
            line = ""
        if line is None:
            break
        if line:
            progress.feed(line)
            screen.relay(line)
        now = time.time()
        if now - shown >= screen.every:
            screen.show(render(progress, now - started, estimate.value, now))
            shown = now
    code = child.wait()
    screen.show(render(progress, time.time() - started, estimate.value))  # the final state stays
    return code


def main(argv: list[str] | None = None) -> int:
    command = list(sys.argv[1:] if argv is None else argv)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("usage: python -m hybrid_icl.console <snakemake command ...>", file=sys.stderr)
        return 2
    return run(command, Screen())


if __name__ == "__main__":
    sys.exit(main())
