"""Figure: each architecture's layer stack side by side, as coloured boxes (paper-ready)."""

from __future__ import annotations

from pathlib import Path

from .recipe import ArchSpec, LayerRecipe, resolve_spec
from .zoo import zoo_spec

COLOURS = {
    "layer": "#d9d9d9", "rms": "#a6a6a6",                       # norms: greys
    "attention": "#4c72b0", "attention+rope": "#8172b2",        # mixers
    "mamba": "#dd8452",
    "gelu": "#55a868", "swiglu": "#c7e9c0",                     # feed-forward
    "learned": "#c44e52", "readout": "#f2f2f2",
}
LABELS = {"layer": "LayerNorm", "rms": "RMSNorm", "attention": "attention", "attention+rope": "attention + RoPE",
          "mamba": "Mamba", "gelu": "GELU MLP", "swiglu": "SwiGLU", "learned": "learned positions"}


def _blocks(recipe: LayerRecipe) -> list[tuple[str, str]]:
    """(colour key, text) for the sub-layers of one recipe, bottom to top."""
    out = []
    if recipe.mixer != "none":
        key = "attention+rope" if recipe.positions == "rope" else recipe.mixer
        out += [(recipe.norm, ""), (key, LABELS[key] + ("" if recipe.bias else "\n(no bias)"))]
    if recipe.ffn != "none":
        key = recipe.ffn if recipe.ffn != "mamba" else "mamba"
        out += [(recipe.norm, ""), (key, LABELS[key] + ("" if recipe.bias or recipe.ffn == "mamba" else "\n(no bias)"))]
    return out


def _spec(item, n_layer: int) -> tuple[str, ArchSpec]:
    if isinstance(item, str):
        return item, resolve_spec(zoo_spec(item), n_layer + (n_layer % 2 if item == "interleave" else 0))
    name, raw = item
    return name, resolve_spec(raw, n_layer)


def draw_architectures(names_or_specs, out_path_pdf, out_path_png, n_layer: int = 2) -> None:
    """Draw every architecture (zoo name, or (name, raw spec) pair) as a column of boxes.

    Bottom to top: read-in, learned positions (if any), leading blocks (hatched), ``n_layer`` layers
    (one pre-norm residual per sub-layer; thin grey bars are the norms), final norm, read-out.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle

    specs = [_spec(x, n_layer) for x in names_or_specs]
    rows = []
    for name, spec in specs:
        col = [("readout", "read-in", False)]
        if spec.input_positions == "learned":
            col.append(("learned", "+ learned positions", False))
        for r in spec.leading:
            col += [(k, t, True) for k, t in _blocks(r)]
        for i, r in enumerate(spec.layers):
            col += [(k, t, False) for k, t in _blocks(r)]
            col.append(("sep", f"layer {i + 1}", False))
        if spec.final_norm != "none":
            col.append((spec.final_norm, "", False))
        col.append(("readout", "read-out", False))
        rows.append((name, col))

    height = lambda key: 0.25 if key in ("layer", "rms") else (0.08 if key == "sep" else 1.0)
    tallest = max(sum(height(k) for k, _, _ in col) for _, col in rows)
    fig, ax = plt.subplots(figsize=(1.25 * len(rows) + 1.2, 0.42 * tallest + 1.6))
    for i, (name, col) in enumerate(rows):
        y = 0.0
        for key, text, leading in col:
            h = height(key)
            if key != "sep":
                ax.add_patch(Rectangle((i + 0.06, y), 0.88, h, facecolor=COLOURS[key], edgecolor="black",
                                       linewidth=0.5, hatch="///" if leading else None))
                if text:
                    dark = key in ("attention", "attention+rope")
                    ax.text(i + 0.5, y + h / 2, text, ha="center", va="center", fontsize=6.2,
                            color="white" if dark else "black")
            y += h
        ax.text(i + 0.5, -0.35, name.replace("_", "_\n"), ha="center", va="top", fontsize=7)
    ax.set_xlim(0, len(rows))
    ax.set_ylim(-1.6, tallest + 0.2)
    ax.axis("off")
    legend = [Patch(facecolor=COLOURS[k], edgecolor="black", linewidth=0.5, label=LABELS[k])
              for k in ("layer", "rms", "attention", "attention+rope", "mamba", "gelu", "swiglu", "learned")]
    legend.append(Patch(facecolor="white", edgecolor="black", hatch="///", label="leading block"))
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, 1.08), ncol=5, fontsize=6.5, frameon=False)
    fig.tight_layout()
    for path in (out_path_pdf, out_path_png):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=200, bbox_inches="tight")
    plt.close(fig)
