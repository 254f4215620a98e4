"""Training one model on one task: curriculum, checkpoint/resume, divergence, determinism.

``train_run`` is what the Snakemake ``train`` rule calls. All settings come from the resolved run
dict (``config.resolve_run``). Resumable state lives in ``resume_dir`` (outside the rule's declared
outputs); a rerun of the same job continues from its newest valid checkpoint and produces the same
weights and log, bit for bit on CPU, as an uninterrupted run.
"""

from __future__ import annotations

import contextlib
import logging
import math
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import torch

from . import accel
from .artifacts import ArtifactWriteError, load_torch, save_table, save_torch
from .atomic import atomic_write_text
from .checkpoint import load_latest, save_checkpoint
from .config import TRAINING_DEFAULTS, stable_seed, task_params
from .curriculum import Curriculum
from .device import pick_device
from .models import build_model
from .provenance import RUN_KEY_FILE, run_key
from .tasks import Task, make_task

log = logging.getLogger(__name__)

LOG_COLUMNS = ["step", "loss", "d_active", "n_points", "lr", "wall_time"]


@dataclass
class TrainState:
    """Everything needed to continue a run exactly where it stopped."""

    step: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)
    window: list[float] = field(default_factory=list)
    last_finite_loss: float | None = None
    elapsed: float = 0.0


def learning_rate(step: int, settings: dict) -> float:
    """Linear warm-up to ``lr``, then constant or cosine decay to 0 at ``steps``."""
    base, warmup, total = settings["lr"], settings["warmup_steps"], settings["steps"]
    if warmup and step < warmup:
        return base * (step + 1) / warmup
    if settings["schedule"] == "cosine":
        progress = (step - warmup) / max(1, total - warmup)
        return base * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))
    return base


def make_optimizer(params, settings: dict, **options) -> torch.optim.Optimizer:
    """Adam or AdamW from the training settings; ``options`` go to the constructor (e.g. fused=True)."""
    kind = settings["optimizer"].lower()
    kwargs = dict(lr=settings["lr"], betas=tuple(settings["betas"]), weight_decay=settings["weight_decay"], **options)
    if kind == "adamw":
        return torch.optim.AdamW(params, **kwargs)
    if kind == "adam":
        return torch.optim.Adam(params, **kwargs)
    raise ValueError(f"training.optimizer: unknown optimizer {settings['optimizer']!r} (use adam or adamw)")


def build_run(run: dict) -> tuple[Task, torch.nn.Module, Curriculum]:
    """The task, freshly initialised model (seeded) and curriculum of a resolved run."""
    task_cfg = run["task"]
    task = make_task(task_cfg["kind"], task_params(task_cfg))
    torch.manual_seed(stable_seed("init", run["seed"]))
    return task, run_model(run, task), Curriculum.from_task(task_cfg)


def run_model(run: dict, task: Task) -> torch.nn.Module:
    """An untrained model of the run's architecture, sized for its task."""
    return build_model(run["model"], task.x_dim, task.y_dim, max_points=max_points(run["task"]))


def max_points(task_cfg: dict) -> int:
    """Positions a model is built for: the longest prompt it sees, or ``max_points`` if larger
    (room for out-of-distribution evaluation on longer contexts)."""
    eval_points = (task_cfg.get("eval") or {}).get("n_points", 0)
    return max(task_cfg["n_points"], eval_points, task_cfg.get("max_points", 0))


def weighted_loss(task: Task, preds: torch.Tensor, ys: torch.Tensor, d_active: int) -> torch.Tensor:
    """Normalised squared error over the scored positions. preds, ys: (B, N, dy) -> scalar."""
    per_point = (preds - ys).pow(2).mean(-1) / task.error_scale(d_active)  # (B, N)
    mask = task.loss_mask(ys.shape[1]).to(per_point)
    return (per_point * mask).sum(-1).mean() / mask.sum()


@dataclass
class Session:
    """What the training loop of one run works with (built by ``open_session``)."""

    run: dict
    settings: dict
    device: torch.device
    task: Task
    model: torch.nn.Module
    curriculum: Curriculum
    optimizer: torch.optim.Optimizer
    forward: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    losses: accel.DeviceLosses
    data_gen: torch.Generator
    resume_dir: Path
    progress: Callable[[str], None]


def open_session(run: dict, resume_dir: Path, progress: Callable[[str], None]) -> Session:
    """Threads, determinism, device; the seeded task, model and curriculum; optimiser and data stream."""
    settings = {**TRAINING_DEFAULTS, **run["training"]}
    torch.set_num_threads(int(settings["threads"]))
    torch.use_deterministic_algorithms(True, warn_only=True)
    device = pick_device(settings["device"], progress)
    accel.configure_matmul(settings, device)
    task, model, curriculum = build_run(run)
    model.to(device)
    optimizer = make_optimizer(model.parameters(), settings, **accel.optimizer_options(settings, device))
    return Session(
        run, settings, device, task, model, curriculum, optimizer,
        forward=accel.forward_fn(model, settings),
        losses=accel.DeviceLosses(int(settings["log_every"]), device),
        data_gen=torch.Generator().manual_seed(stable_seed("data", run["task_name"], run["seed"])),
        resume_dir=resume_dir, progress=progress,
    )


def resume(session: Session) -> TrainState:
    """Claim the resume folder for this run's key; restore its newest checkpoint, if any."""
    claim_resume_dir(session.resume_dir, run_key(session.run), session.progress)
    saved = load_latest(session.resume_dir)
    if saved is None:
        return TrainState()
    session.model.load_state_dict(saved["model"])
    session.optimizer.load_state_dict(saved["optimizer"])
    session.data_gen.set_state(saved["data_rng"])
    torch.set_rng_state(saved["torch_rng"])
    state = saved["train_state"]
    session.progress(f"resuming from checkpoint at step {state.step} in {session.resume_dir}")
    return state


def train_step(session: Session, step: int) -> tuple[int, int]:
    """One optimiser step at ``step`` of the curriculum; the loss stays on the device. Returns
    (d_active, n_points) of the batch."""
    s = session
    d_active, n_points = s.curriculum.at(step)
    for group in s.optimizer.param_groups:
        group["lr"] = learning_rate(step, s.settings)
    batch = s.task.training_batch(int(s.settings["batch_size"]), n_points, s.data_gen, d_active=d_active).to(s.device)
    with accel.autocast(s.settings, s.device):
        preds = s.forward(batch.xs, batch.ys)
    loss = weighted_loss(s.task, preds.float(), batch.ys, d_active)
    s.losses.add(step, loss)  # no host sync: read back every log_every steps
    s.optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if s.settings.get("grad_clip"):
        torch.nn.utils.clip_grad_norm_(s.model.parameters(), float(s.settings["grad_clip"]))
    s.optimizer.step()
    return d_active, n_points


def log_row(session: Session, state: TrainState, d_active: int, n_points: int, elapsed: float, rate: float) -> None:
    """Append the log window's mean loss to ``state.rows`` and print a progress line."""
    total = int(session.settings["steps"])
    state.elapsed = elapsed
    state.rows.append(
        {
            "step": state.step,
            "loss": sum(state.window) / len(state.window),
            "d_active": d_active,
            "n_points": n_points,
            "lr": session.optimizer.param_groups[0]["lr"],
            "wall_time": round(state.elapsed, 3),
        }
    )
    state.window = []
    eta = (total - state.step) / max(rate, 1e-9)
    session.progress(
        f"step {state.step}/{total} loss {state.rows[-1]['loss']:.4f} d={d_active} n={n_points} "
        f"{rate:.1f} steps/s ETA {format_duration(eta)}"
    )


def save_resume_point(session: Session, state: TrainState) -> None:
    """A resumable checkpoint: weights, optimiser, both random streams and the loop's state."""
    save_checkpoint(
        session.resume_dir,
        state.step,
        {
            "model": session.model.state_dict(),
            "optimizer": session.optimizer.state_dict(),
            "data_rng": session.data_gen.get_state(),
            "torch_rng": torch.get_rng_state(),
            "train_state": state,
        },
        keep=int(session.settings["keep_checkpoints"]),
    )


def run_loop(session: Session, state: TrainState) -> tuple[str, str, float]:
    """Train from ``state.step`` to the last step, logging, snapshotting and checkpointing on the way.

    Returns (status, message, start time): "completed", or "diverged" with the run, step and loss."""
    settings, total = session.settings, int(session.settings["steps"])
    started = time.time() - state.elapsed
    window_start, window_steps = time.time(), 0
    session.model.train()
    with explain_resource_errors(session.run, state, session.progress):
        while state.step < total:
            d_active, n_points = train_step(session, state.step)
            state.step += 1
            window_steps += 1
            log_now = state.step % int(settings["log_every"]) == 0 or state.step == total
            checkpoint_now = state.step % int(settings["checkpoint_every"]) == 0 and state.step < total
            if log_now or checkpoint_now:
                bad = take_losses(state, session.losses)
                if bad is not None:
                    state.step, bad_loss = bad
                    message = (
                        f"run {run_label(session.run)} diverged at step {state.step}: "
                        f"loss is {bad_loss}; last finite loss {state.last_finite_loss}"
                    )
                    session.progress(f"ERROR: {message}")
                    return "diverged", message, started
            if log_now:
                now = time.time()
                log_row(session, state, d_active, n_points, now - started, window_steps / max(now - window_start, 1e-9))
                window_start, window_steps = now, 0
            if settings.get("snapshot_every") and state.step % int(settings["snapshot_every"]) == 0:
                save_snapshot(session.resume_dir, state.step, session.model)
            if checkpoint_now:
                state.elapsed = time.time() - started
                save_resume_point(session, state)
    return "completed", "", started


def train_run(
    run: dict,
    model_path: Path,
    log_path: Path,
    resume_dir: Path,
    progress: Callable[[str], None] = print,
) -> dict:
    """Train (or resume) one run; write ``model_path`` and ``log_path``. Returns the run summary."""
    session = open_session(run, resume_dir, progress)
    state = resume(session)
    status, message, started = run_loop(session, state)
    summary = {
        "status": status,
        "message": message,
        "steps_done": state.step,
        "final_loss": state.last_finite_loss,
        "wall_time": round(time.time() - started, 3),
        "device": str(session.device),
        **accel.peak_memory_mb(session.device),
    }
    snapshots = load_snapshots(resume_dir, session.settings.get("snapshot_every"), state.step, model_path)
    with explain_resource_errors(run, state, progress):
        write_outputs(run, session.model, state, summary, model_path, log_path, snapshots)
    return summary


def take_losses(state: TrainState, losses: accel.DeviceLosses) -> tuple[int, float] | None:
    """Move the losses kept on the device into ``state`` (window, last finite loss), in step order.

    Returns (step, loss) of the first non-finite loss (later ones are dropped), or None."""
    first_step, values = losses.drain()
    for offset, value in enumerate(values):
        if not math.isfinite(value):
            return first_step + offset, value
        state.window.append(value)
        state.last_finite_loss = value
    return None


def run_label(run: dict) -> str:
    return f"{run['task_name']}/{run['model_name']}/s{run['seed']}"


OOM_MESSAGES = ("out of memory", "can't allocate memory")  # torch CUDA / CPU allocator


def is_out_of_memory(err: BaseException) -> bool:
    """Python (MemoryError) or torch allocator (RuntimeError, CUDA or CPU) memory exhaustion."""
    text = str(err).lower()
    return isinstance(err, MemoryError) or (isinstance(err, RuntimeError) and any(m in text for m in OOM_MESSAGES))


@contextlib.contextmanager
def explain_resource_errors(run: dict, state: TrainState, progress: Callable[[str], None]) -> Iterator[None]:
    """Say which run failed for lack of memory or disk, at which step, and what to do; the error still fails the job."""
    try:
        yield
    except ArtifactWriteError as err:  # checkpoints, snapshots, model.pt, the log: disk full or unwritable
        progress(f"ERROR: run {run_label(run)} stopped at step {state.step}: {err}")
        raise
    except (MemoryError, RuntimeError) as err:
        if is_out_of_memory(err):
            progress(
                f"ERROR: run {run_label(run)} ran out of memory at step {state.step}: reduce "
                "training.batch_size (or the model size) or give the job more memory (training.mem_mb), "
                "then rerun the same target to resume from the last checkpoint"
            )
        raise


def claim_resume_dir(resume_dir: Path, key: str, progress: Callable[[str], None]) -> None:
    """Make ``resume_dir`` belong to the run with this key; state of any other run there is discarded.

    A changed setting or training code gives a new key, so a rerun never resumes from stale state.
    """
    resume_dir = Path(resume_dir)
    stamp = resume_dir / RUN_KEY_FILE
    if resume_dir.exists() and (not stamp.exists() or stamp.read_text().strip() != key):
        progress(f"discarding resume state of a different run configuration in {resume_dir}")
        shutil.rmtree(resume_dir)
    if not stamp.exists():
        resume_dir.mkdir(parents=True, exist_ok=True)
        atomic_write_text(stamp, key + "\n")


def cpu_weights(model: torch.nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.detach().cpu().clone() for k, v in model.state_dict().items()}


def snapshot_path(resume_dir: Path, step: int) -> Path:
    return Path(resume_dir) / "snapshots" / f"step_{step:09d}.pt"


def save_snapshot(resume_dir: Path, step: int, model: torch.nn.Module) -> None:
    """Keep the weights at ``step`` for the training-progress evaluation (survives restarts; checksummed)."""
    save_torch(cpu_weights(model), snapshot_path(resume_dir, step))


def load_snapshots(resume_dir: Path, every: int | None, steps_done: int, model_path: Path) -> dict[int, dict]:
    """{step: weights} of every snapshot a run that trained ``steps_done`` steps must have kept.

    A missing or corrupt snapshot is an ArtifactError naming it: it cannot be rebuilt without
    retraining, so the fix is to delete the resume folder and rerun the training target.
    """
    if not every:
        return {}
    fix = f"delete {resume_dir} and rerun target {model_path} to retrain the run (a snapshot cannot be rebuilt)"
    steps = range(int(every), steps_done + 1, int(every))
    return {step: load_torch(snapshot_path(resume_dir, step), fix) for step in steps}


def write_outputs(
    run: dict, model, state: TrainState, summary: dict, model_path: Path, log_path: Path, snapshots: dict
) -> None:
    """Write the final model (with its resolved run config, run record and snapshots) and the log, atomically."""
    record = model.run_record() if hasattr(model, "run_record") else {}
    payload = {
        "state_dict": cpu_weights(model),
        "run": run,
        "run_record": record,
        "summary": summary,
        "snapshots": snapshots,
    }
    save_torch(payload, model_path)
    save_table(pd.DataFrame(state.rows, columns=LOG_COLUMNS), log_path)


def model_file_fix(model_path: Path) -> str:
    """What to do about an unusable model.pt."""
    return (f"delete it and rerun target {model_path} (or the same snakemake command): training resumes "
            "from the run's newest checkpoint in resume/, or retrains")


def load_model_file(model_path: Path) -> dict:
    """The payload of a trained model file (weights, run, summary, snapshots), checksum verified."""
    return load_torch(model_path, model_file_fix(model_path))


def load_trained(model_path: Path, device: str | torch.device = "cpu") -> tuple[dict, torch.nn.Module | None, Task]:
    """Load a trained model file: (payload, model in eval mode or None if diverged, task)."""
    payload = load_model_file(model_path)
    run = payload["run"]
    task = make_task(run["task"]["kind"], task_params(run["task"]))
    if payload["summary"]["status"] != "completed":
        return payload, None, task
    model = run_model(run, task)
    model.load_state_dict(payload["state_dict"])
    return payload, model.to(device).eval(), task


def format_duration(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}h{minutes:02d}m" if hours else f"{minutes}m{secs:02d}s"
