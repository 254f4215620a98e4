"""Each architecture's layer stack as a column of labelled boxes: the data of the architecture
figure (drawn by ``plots.architectures_figure``)."""

from __future__ import annotations

from .recipe import ArchSpec, LayerRecipe, resolve_spec
from .zoo import zoo_spec

LABELS = {"layer": "LayerNorm", "rms": "RMSNorm", "attention": "attention", "attention+rope": "attention + RoPE",
          "mamba": "Mamba", "gelu": "GELU MLP", "swiglu": "SwiGLU", "learned": "learned positions"}

Box = tuple[str, str, bool]  # (kind: a LABELS key, "readout" or "sep"; text; part of a leading block)


def _blocks(recipe: LayerRecipe) -> list[tuple[str, str]]:
    """(kind, text) for the sub-layers of one recipe, bottom to top."""
    out = []
    if recipe.mixer != "none":
        key = "attention+rope" if recipe.positions == "rope" else recipe.mixer
        out += [(recipe.norm, ""), (key, LABELS[key] + ("" if recipe.bias else "\n(no bias)"))]
    if recipe.ffn != "none":
        out += [(recipe.norm, ""),
                (recipe.ffn, LABELS[recipe.ffn] + ("" if recipe.bias or recipe.ffn == "mamba" else "\n(no bias)"))]
    return out


def _spec(item, n_layer: int) -> tuple[str, ArchSpec]:
    if isinstance(item, str):
        return item, resolve_spec(zoo_spec(item), n_layer + (n_layer % 2 if item == "interleave" else 0))
    name, raw = item
    return name, resolve_spec(raw, n_layer)


def architecture_columns(names_or_specs, n_layer: int = 2) -> list[tuple[str, list[Box]]]:
    """(name, boxes bottom to top) of every architecture (zoo name, or (name, raw spec) pair).

    Bottom to top: read-in, learned positions (if any), leading blocks, ``n_layer`` layers (a norm
    box before each sub-layer, a "sep" box after each layer), final norm, read-out.
    """
    columns = []
    for name, spec in (_spec(x, n_layer) for x in names_or_specs):
        col: list[Box] = [("readout", "read-in", False)]
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
        columns.append((name, col))
    return columns
