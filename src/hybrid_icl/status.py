"""Where a suite's training stands: every run trained, partial, stale or not started, with times.

``python -m hybrid_icl status --configfile <suite> [<slice> ...]`` reads the run folders only (no
Snakemake, nothing is written). A run is *current* when the key stamped in its resume folder is the
key of the settings and training code that would train it now; otherwise Snakemake retrains it.
Training times are the runs' own measurements (``wall_time`` of the training log or of the newest
checkpoint, summed over resumes); the remaining time is an estimate from those measurements. The
loss shown is the newest logged training loss, so a run stuck on a plateau shows before it ends.
"""

from __future__ import annotations

import statistics
from dataclasses import asdict, dataclass
from pathlib import Path

from .artifacts import ArtifactError, load_csv, verify_torch
from .checkpoint import load_latest
from .curriculum import Curriculum
from .provenance import RUN_KEY_FILE
from .suite import Suite
from .train import model_file_fix

STATES = ("trained", "partial", "stale", "corrupt", "not started")


@dataclass
class RunStatus:
    """One (task, model, seed) run of a suite as found on disk."""

    task: str
    model: str
    seed: int
    state: str  # one of STATES; "stale": trained or checkpointed under other settings or code;
    # "corrupt": its model.pt fails its checksum or does not load (the note says what to do)
    steps_done: int
    steps: int
    seconds: float | None  # measured training time so far (None: nothing measured)
    work_done: float  # in-context examples per prompt summed over the steps done (see example_steps)
    work: float  # the same over all steps
    loss: float | None = None  # newest logged training loss (mean over its log window; always finite:
    # training stops before logging a non-finite loss)
    note: str = ""  # e.g. "stopped at step 120 (diverged ...)"


def example_steps(task_cfg: dict, steps: int) -> float:
    """In-context examples per prompt summed over the first ``steps`` steps of the task's curriculum:
    the measure of training work (a step's cost grows about linearly with the prompt at these sizes)."""
    points = Curriculum.from_task(task_cfg).points
    stride = points.interval if points.interval > 0 else max(steps, 1)  # the value changes only every interval
    return float(sum(points.value(first) * (min(first + stride, steps) - first) for first in range(0, steps, stride)))


def inspect_run(suite: Suite, task: str, model: str, seed: int) -> RunStatus:
    """The state of one run of ``suite`` from its folder."""
    where = {"task": task, "model": model, "seed": seed}
    resume = suite.layout.file("resume", **where)
    steps = int(suite.training_settings(task, model)["steps"])
    task_cfg = suite.task_settings(task)
    status = RunStatus(task, model, seed, "not started", 0, steps, None, 0.0, example_steps(task_cfg, steps))
    stamp = resume / RUN_KEY_FILE
    current = stamp.is_file() and stamp.read_text().strip() == suite.run_key(task, model, seed)
    log_path = suite.layout.file("train_log", **where)
    model_path = suite.layout.file("model", **where)
    if model_path.is_file() and log_path.is_file():
        try:
            verify_torch(model_path, model_file_fix(model_path))
            log = load_csv(log_path, model_file_fix(model_path).replace("delete it", "delete model.pt"))
            if len(log) and not {"step", "wall_time", "loss"} <= set(log.columns):
                raise ArtifactError(f"{log_path} lacks the step, loss and wall_time columns")
        except ArtifactError as err:
            status.state, status.note = "corrupt", str(err)
            return status
        if len(log):
            status.steps_done, status.seconds = int(log["step"].iloc[-1]), float(log["wall_time"].iloc[-1])
            status.loss = float(log["loss"].iloc[-1])
        status.work_done = example_steps(task_cfg, status.steps_done)
        status.state = "trained" if current else "stale"
        if status.steps_done < steps:
            status.note = f"stopped at step {status.steps_done} (diverged, see its log)"
        return status
    saved = load_latest(resume, tidy=False) if stamp.is_file() else None
    if saved is not None:
        state = saved["train_state"]
        status.state = "partial" if current else "stale"
        status.steps_done, status.seconds = int(state.step), float(state.elapsed)
        status.loss = float(state.rows[-1]["loss"]) if state.rows else None
        status.work_done = example_steps(task_cfg, status.steps_done)
    return status


def suite_status(suite: Suite) -> list[RunStatus]:
    """Every run of the suite's experiment grid, in config order."""
    return [inspect_run(suite, *run) for run in suite.runs]


def runs_outside_grid(suite: Suite) -> list[RunStatus]:
    """Runs on disk in the suite's folder that its grid leaves out (e.g. another slice's), of tasks and
    models the suite's config still defines: their measured speeds sharpen a slice's estimate."""
    in_grid = set(suite.runs)
    on_disk = [(run["task"], run["model"], int(run["seed"])) for run in suite.layout.found("run")
               if run["seed"].isdigit()]
    return [inspect_run(suite, *run) for run in on_disk if run not in in_grid
            and run[0] in suite.config["tasks"] and run[1] in suite.config["models"]]


def part_status(part: Suite, whole: Suite, known: list[RunStatus]) -> list[RunStatus]:
    """Every run of ``part`` (a file layered over the ``whole`` suite) judged by the part's own
    settings and folder; a status in ``known`` (read for ``whole``) is reused only where the part
    has the same folder and that run the same key."""
    by_run = {(r.task, r.model, r.seed): r for r in known}
    same_root = part.layout.root == whole.layout.root
    return [
        by_run[run] if same_root and run in by_run and part.run_key(*run) == whole.run_key(*run)
        else inspect_run(part, *run)
        for run in part.runs
    ]


def run_count(count: int) -> str:
    """'1 run', '3 runs'."""
    return f"{count} run{'' if count == 1 else 's'}"


def unmeasured_runs(count: int) -> str:
    """E.g. '1 run of unmeasured models', '3 runs of unmeasured models'."""
    return f"{run_count(count)} of unmeasured models"


def state_counts(runs: list[RunStatus]) -> dict[str, int]:
    """How many of ``runs`` are in each of STATES."""
    return {state: sum(r.state == state for r in runs) for state in STATES}


def measured_speeds_basis(suite: Suite, runs: list[RunStatus]) -> list[RunStatus]:
    """The runs whose measured speeds estimate ``runs``' time left: the grid's and the others on disk."""
    return runs + runs_outside_grid(suite)


def check_selection(grid: list[tuple[str, str, int]], tasks: list[str] | None, models: list[str] | None) -> None:
    """Raise ValueError naming every task and model asked for that the suite's (task, model, seed)
    ``grid`` does not train; cheap, so it runs before any run folder is read."""
    problems = []
    for kind, wanted, names in (("task", tasks, [t for t, _, _ in grid]), ("model", models, [m for _, m, _ in grid])):
        unknown = sorted(set(wanted or ()) - set(names))
        if unknown:
            problems.append(f"{kind} {', '.join(unknown)} is not in this suite's experiments "
                            f"(it has: {', '.join(dict.fromkeys(names))})")
    if problems:
        raise ValueError("; ".join(problems))


def selected(runs: list[RunStatus], tasks: list[str] | None, models: list[str] | None) -> list[RunStatus]:
    """The runs of the given tasks and models (None: all)."""
    return [r for r in runs if (not tasks or r.task in tasks) and (not models or r.model in models)]


def seconds_per_example_step(runs: list[RunStatus]) -> dict[str, float]:
    """Per model: median measured training seconds per step and in-context example of the prompt.

    Every run with a measured time counts, stale ones too (a code or setting change rarely changes
    the speed much); this is the basis of the remaining-time estimate.
    """
    rates: dict[str, list[float]] = {}
    for run in runs:
        if run.seconds and run.work_done:
            rates.setdefault(run.model, []).append(run.seconds / run.work_done)
    return {model: statistics.median(values) for model, values in rates.items()}


def remaining_seconds(runs: list[RunStatus], measured: list[RunStatus] | None = None) -> tuple[float, list[RunStatus]]:
    """Estimated serial training time still to do for ``runs``, and those with no measured run of their
    model; the speeds come from ``measured`` (default: ``runs``), e.g. the whole suite for a selection."""
    rates = seconds_per_example_step(runs if measured is None else measured)
    total, unknown = 0.0, []
    for run in runs:
        if run.state == "trained":
            continue
        done = run.work_done if run.state == "partial" else 0.0  # stale runs retrain from step 0
        if run.model in rates:
            total += rates[run.model] * (run.work - done)
        else:
            unknown.append(run)
    return total, unknown


def report(runs: list[RunStatus], source: str, measured: list[RunStatus] | None = None) -> str:
    """A table of every run and a summary: counts by state, measured and estimated training time
    (speeds from ``measured``, as in ``remaining_seconds``)."""
    from .train import format_duration

    lines = [f"{source}: {len(runs)} runs", ""]
    width_task = max([len("task")] + [len(r.task) for r in runs])
    width_model = max([len("model")] + [len(r.model) for r in runs])
    lines.append(f"{'task':<{width_task}}  {'model':<{width_model}}  seed  {'state':<11}  {'steps':>13}  "
                 f"{'loss':>8}  time")
    for r in runs:
        time = format_duration(r.seconds) if r.seconds is not None else "-"
        loss = f"{r.loss:.4g}" if r.loss is not None else "-"
        lines.append(f"{r.task:<{width_task}}  {r.model:<{width_model}}  {r.seed:>4}  {r.state:<11}  "
                     f"{f'{r.steps_done}/{r.steps}':>13}  {loss:>8}  {time}{'  ' + r.note if r.note else ''}")
    counts = state_counts(runs)
    trained = [r for r in runs if r.state == "trained"]
    seconds_trained = sum(r.seconds or 0.0 for r in trained)
    left, unknown = remaining_seconds(runs, measured)
    lines += [
        "",
        f"trained      {counts['trained']} of {len(runs)} runs, {format_duration(seconds_trained)} of training "
        "measured (each run's own time, summed: jobs that ran side by side overlap)",
        f"partial      {counts['partial']} (a rerun resumes from the newest checkpoint)",
        f"stale        {counts['stale']} (trained or checkpointed under other settings or code: retrained)",
        *([f"corrupt      {counts['corrupt']} (model.pt unusable: see the run's note)"] if counts["corrupt"] else []),
        f"not started  {counts['not started']}",
    ]
    if counts["trained"] < len(runs):
        estimate = (f"~{format_duration(left)} of training, one run after another (scaled from the "
                    "measured runs of each model by steps and prompt length)") if len(unknown) < len(runs) - len(trained) else ""
        if unknown:
            names = sorted({r.model for r in unknown})
            models = ", ".join(names) if len(names) <= 6 else f"{len(names)} models"
            estimate += "; " if estimate else ""
            estimate += f"{run_count(len(unknown))} not estimated: no run of {models} measured yet"
        lines.append(f"remaining    {estimate}")
    return "\n".join(lines)


def parts_report(parts: dict[str, list[RunStatus]], whole: list[RunStatus], measured: list[RunStatus]) -> str:
    """One line per part of a suite (its name -> its runs), then one for the ``whole`` suite: runs by
    state and training time left one run after another, speeds from ``measured`` (as in ``report``)."""
    from .train import format_duration

    width = max([len("(whole suite)")] + [len(name) for name in parts])
    lines = [f"{'part':<{width}}  runs  {'  '.join(STATES)}  training left (one after another)"]
    for name, runs in {**parts, "(whole suite)": whole}.items():
        counts = state_counts(runs)
        left, unknown = remaining_seconds(runs, measured)
        todo = len(runs) - counts["trained"]
        estimate = "-" if not todo else f"~{format_duration(left)}" if not unknown else (
            f"~{format_duration(left)} + {unmeasured_runs(len(unknown))}")
        columns = "  ".join(f"{counts[state]:>{len(state)}}" for state in STATES)
        lines.append(f"{name:<{width}}  {len(runs):>4}  {columns}  {estimate}")
    return "\n".join(lines)


def as_records(runs: list[RunStatus]) -> list[dict]:
    return [asdict(r) for r in runs]
