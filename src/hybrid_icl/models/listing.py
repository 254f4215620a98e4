"""`python -m hybrid_icl models`: every registered architecture with its recipe and parameter count."""

from __future__ import annotations

import argparse
import json

from .icl import build_model
from .zoo import ZOO_NOTES, list_architectures


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--d-model", type=int, default=256, help="model width (default 256)")
    parser.add_argument("--n-layer", type=int, default=12, help="layers (default 12)")
    parser.add_argument("--n-head", type=int, default=8, help="attention heads (default 8)")
    parser.add_argument("--expand", type=int, default=2, help="Mamba expansion (default 2)")
    parser.add_argument("--x-dim", type=int, default=20, help="token input size for the read-in (default 20)")
    parser.add_argument("--json", action="store_true", help="print a JSON list instead of a table")


def describe(args: argparse.Namespace) -> list[dict]:
    """One row per architecture: name, leading and layer recipes, parameter count, note."""
    rows = []
    for name in list_architectures():
        cfg = {"arch": name, "d_model": args.d_model, "n_layer": args.n_layer, "n_head": args.n_head, "expand": args.expand}
        if name == "interleave" and args.n_layer % 2:
            cfg["n_layer"] += 1
        rec = build_model(cfg, x_dim=args.x_dim, y_dim=1, max_points=64).run_record()
        rows.append({
            "name": name,
            "leading": rec["leading"],
            "layers": rec["layers"],
            "input_positions": rec["spec"]["input_positions"],
            "final_norm": rec["spec"]["final_norm"],
            "params": rec["n_params"],
            "note": ZOO_NOTES.get(name, ""),
        })
    return rows


def _compress(layers: list[str]) -> str:
    """['a', 'a', 'b', 'b'] -> 'a x2, b x2' (runs of equal recipes); cycles of two shown as (a, b) xk."""
    if len(layers) >= 2 and len(set(layers)) == 2 and all(l == layers[i % 2] for i, l in enumerate(layers)):
        return f"({layers[0]}, {layers[1]}) x{len(layers) // 2}"
    out, i = [], 0
    while i < len(layers):
        j = i
        while j < len(layers) and layers[j] == layers[i]:
            j += 1
        out.append(f"{layers[i]} x{j - i}")
        i = j
    return ", ".join(out)


def run(args: argparse.Namespace) -> int:
    rows = describe(args)
    if args.json:
        print(json.dumps(rows, indent=1))
        return 0
    print(f"d_model={args.d_model} n_layer={args.n_layer} n_head={args.n_head} expand={args.expand}"
          "   recipe: norm|mixer[+rope]|ffn|bias")
    width = max(len(r["name"]) for r in rows)
    for r in rows:
        lead = f"lead [{', '.join(r['leading'])}] + " if r["leading"] else ""
        pos = "learned pos + " if r["input_positions"] == "learned" else ""
        print(f"{r['name']:<{width}}  {r['params']:>11,}  {pos}{lead}{_compress(r['layers'])} + final {r['final_norm']}")
    return 0
