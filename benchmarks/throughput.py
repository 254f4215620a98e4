"""Training throughput of the zoo (ours) and of transformers' GPT-2 / LLaMA / Mamba, side by side.

One training step = forward + backward + AdamW step on a batch of random prompts, timed after warm-up:
the median step of a round, best of ``--rounds`` rounds that visit all models in turn.
Sizes are in tokens (2 x points). Writes <out>/throughput.csv and <out>/throughput.pdf/.png
(step time vs length, log-log) and prints a table with ratios (ours / transformers, X / gpt2, and
per_doubling: the step-time growth per doubling of the length from the previous length).

    python benchmarks/throughput.py --quick
    python benchmarks/throughput.py --lengths 80 160 320 640 1280 --threads 2
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from hybrid_icl.allocator import malloc_mode, reexec_with_heap_malloc
from hybrid_icl.models import build_model, list_architectures

HF_NAMES = {"gpt2": "hf_gpt2", "llama": "hf_llama", "mamba": "hf_mamba"}


def hf_model(kind: str, d: int, n_layer: int, n_head: int, length: int, expand: int) -> torch.nn.Module:
    """transformers' model of the same size, driven through inputs_embeds (no vocabulary used)."""
    import transformers as tf

    if kind == "gpt2":
        cfg = tf.GPT2Config(n_embd=d, n_layer=n_layer, n_head=n_head, n_positions=length, resid_pdrop=0.0,
                            embd_pdrop=0.0, attn_pdrop=0.0, vocab_size=8)
        return tf.GPT2Model(cfg)
    if kind == "llama":
        cfg = tf.LlamaConfig(hidden_size=d, intermediate_size=int(round(8 * d / 3)), num_hidden_layers=n_layer,
                             num_attention_heads=n_head, num_key_value_heads=n_head, max_position_embeddings=length,
                             vocab_size=8)
        return tf.LlamaModel(cfg)
    cfg = tf.MambaConfig(hidden_size=d, state_size=16, num_hidden_layers=n_layer, expand=expand, vocab_size=8)
    return tf.MambaModel(cfg)


class HFWrapper(torch.nn.Module):
    """Same read-in / read-out as ours around a transformers backbone."""

    def __init__(self, backbone: torch.nn.Module, d: int, width: int):
        super().__init__()
        self.backbone, self.read_in, self.read_out = backbone, torch.nn.Linear(width, d), torch.nn.Linear(d, 1)

    def forward(self, xs, ys):
        from hybrid_icl.models.icl import interleave

        h = self.backbone(inputs_embeds=self.read_in(interleave(xs, ys, xs.shape[-1]))).last_hidden_state
        return self.read_out(h[:, ::2])


def time_steps(model: torch.nn.Module, batch: int, points: int, x_dim: int, steps: int, warmup: int) -> tuple[float, float]:
    """(median seconds per training step, peak MB): RSS high-water on CPU, CUDA max allocated on GPU."""
    device = next(model.parameters()).device
    xs, ys = torch.randn(batch, points, x_dim, device=device), torch.randn(batch, points, 1, device=device)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = (model(xs, ys) - ys).pow(2).mean()
        loss.backward()
        opt.step()

    for _ in range(warmup):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        if device.type == "cuda":
            torch.cuda.synchronize()
        times.append(time.perf_counter() - start)
    if device.type == "cuda":
        peak = torch.cuda.max_memory_allocated() / 2**20
    else:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # process high-water, MB
    return statistics.median(times), peak


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--archs", nargs="+", default=None, help="zoo names (default: all)")
    p.add_argument("--lengths", nargs="+", type=int, default=[80, 160, 320, 640, 1280], help="tokens")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--d-model", type=int, default=64)
    p.add_argument("--n-layer", type=int, default=4)
    p.add_argument("--n-head", type=int, default=4)
    p.add_argument("--expand", type=int, default=2)
    p.add_argument("--x-dim", type=int, default=20)
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--warmup", type=int, default=2)
    p.add_argument("--rounds", type=int, default=2, help="time every model this often, interleaved; keep the best")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--no-transformers", action="store_true", help="skip transformers' models")
    p.add_argument("--hf-mamba-max-length", type=int, default=160, help="its CPU path is quadratic in backward")
    p.add_argument("--quick", action="store_true", help="gpt2, llama, mamba at 80 and 160 tokens, 3 steps")
    p.add_argument("--out", default="results/benchmarks")
    p.add_argument("--malloc", choices=["heap", "system"], default="heap",
                   help="heap: restart with large tensors kept on glibc's heap, as pipeline jobs run "
                        "(hybrid_icl/allocator.py); system: as started (glibc's default: fresh mmap per "
                        "large tensor); the table's malloc column says which one ran")
    args = p.parse_args(argv)
    if args.malloc == "heap":
        reexec_with_heap_malloc()
    if args.quick:
        args.archs = args.archs or ["gpt2", "llama", "mamba"]
        args.lengths, args.steps, args.warmup = [80, 160], 3, 1
    torch.set_num_threads(args.threads)
    archs = args.archs or list_architectures()
    rows = []
    for length in args.lengths:
        points = length // 2
        candidates = [(a, "ours", a) for a in archs]
        if not args.no_transformers:
            candidates += [(HF_NAMES[a], "transformers", a) for a in archs if a in HF_NAMES]
        models = {}
        for name, impl, base in candidates:
            if name == "hf_mamba" and length > args.hf_mamba_max_length and args.device == "cpu":
                continue
            torch.manual_seed(0)
            if impl == "ours":
                n_layer = args.n_layer + (args.n_layer % 2 if base == "interleave" else 0)
                model = build_model({"arch": base, "d_model": args.d_model, "n_layer": n_layer, "n_head": args.n_head,
                                     "expand": args.expand}, args.x_dim, 1, points)
            else:
                model = HFWrapper(hf_model(base, args.d_model, args.n_layer, args.n_head, length, args.expand),
                                  args.d_model, args.x_dim)
            models[name] = (impl, base, model.to(args.device).train())
        best: dict[str, tuple[float, float]] = {}
        for _ in range(args.rounds):  # interleaved rounds: a burst of load hits one round, not one model
            for name, (_, _, model) in models.items():
                sec, peak = time_steps(model, args.batch, points, args.x_dim, args.steps, args.warmup)
                best[name] = min(best.get(name, (sec, peak)), (sec, peak))
        for name, (impl, base, model) in models.items():
            sec, peak = best[name]
            rows.append({"model": name, "impl": impl, "arch": base, "tokens": length, "step_s": sec,
                         "steps_per_s": 1 / sec, "peak_mb": peak,
                         "params": sum(q.numel() for q in model.parameters()), "threads": args.threads,
                         "device": args.device, "malloc": malloc_mode(os.environ)})
            print(f"{name:>26} {length:>5} tokens  {1000 * sec:9.1f} ms/step", flush=True)
    table = pd.DataFrame(rows)
    report(table, Path(args.out))
    return 0


def report(table: pd.DataFrame, out: Path) -> None:
    """Add ratios, print, write CSV and the figure."""
    out.mkdir(parents=True, exist_ok=True)
    step = table.set_index(["model", "tokens"])["step_s"]
    ratio_hf, ratio_gpt2 = [], []
    for _, r in table.iterrows():
        hf = (HF_NAMES.get(r["arch"]), r["tokens"])
        ratio_hf.append(r["step_s"] / step[hf] if r["impl"] == "ours" and hf in step.index else float("nan"))
        g = ("gpt2" if r["impl"] == "ours" else "hf_gpt2", r["tokens"])
        ratio_gpt2.append(r["step_s"] / step[g] if g in step.index else float("nan"))
    table["ours_over_transformers"] = ratio_hf
    table["over_gpt2"] = ratio_gpt2
    previous = table.groupby("model")[["step_s", "tokens"]].shift(1)  # same model, the length before
    table["per_doubling"] = (table["step_s"] / previous["step_s"]) ** (1 / np.log2(table["tokens"] / previous["tokens"]))
    table.to_csv(out / "throughput.csv", index=False)
    with pd.option_context("display.width", 160, "display.max_rows", 500):
        print(table[["model", "tokens", "step_s", "steps_per_s", "peak_mb", "params", "ours_over_transformers",
                     "over_gpt2", "per_doubling"]].round(3).to_string(index=False))
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    for name, grp in table.groupby("model", sort=False):
        dashed = name.startswith("hf_")
        ax.plot(grp["tokens"], grp["step_s"], "--o" if dashed else "-o", ms=3, lw=1.2, label=name)
    ax.set(xscale="log", yscale="log", xlabel="sequence length (tokens)", ylabel="training step (s)",
           title=f"fwd+bwd+AdamW, {table['device'].iloc[0]}, "
                 f"{table['threads'].iloc[0]} threads, {table['malloc'].iloc[0]} malloc")
    ax.legend(fontsize=6, ncol=2, frameon=False)
    ax.grid(alpha=0.3, which="both")
    fig.tight_layout()
    fig.savefig(out / "throughput.pdf")
    fig.savefig(out / "throughput.png", dpi=150)
    plt.close(fig)


if __name__ == "__main__":
    raise SystemExit(main())
