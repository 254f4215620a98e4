"""Layer recipes: an architecture is data.

A *recipe* describes one residual layer of the stack::

    {norm: layer|rms, mixer: attention|mamba|none, positions: none|rope, ffn: gelu|swiglu|mamba|none,
     bias: bool}

and an *architecture spec* is the list of layer recipes plus what surrounds them::

    {layers: [recipe, ...], leading: [recipe, ...], input_positions: learned|none,
     final_norm: layer|rms|none}

``layers`` is cycled to ``n_layer`` (a one-entry list repeats, two entries alternate, ...), or given
with exactly ``n_layer`` entries. ``leading`` blocks run once before the stack (MambaFormer's first
Mamba block). Keys left out of a recipe take ``RECIPE_DEFAULTS``: anything not named is absent.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

NORMS = ("layer", "rms")
MIXERS = ("attention", "mamba", "none")
POSITIONS = ("none", "rope")
FFNS = ("gelu", "swiglu", "mamba", "none")
INPUT_POSITIONS = ("learned", "none")
FINAL_NORMS = ("layer", "rms", "none")

RECIPE_DEFAULTS = {"norm": "rms", "positions": "none", "ffn": "none", "bias": False}
RECIPE_KEYS = ("norm", "mixer", "positions", "ffn", "bias")
SPEC_KEYS = ("layers", "leading", "input_positions", "final_norm")
SPEC_DEFAULTS = {"leading": [], "input_positions": "none", "final_norm": "rms"}


@dataclass(frozen=True)
class LayerRecipe:
    """One pre-norm residual layer: h += mixer(norm(h)); h += ffn(norm(h)) (absent parts skipped)."""

    mixer: str
    norm: str = "rms"
    positions: str = "none"
    ffn: str = "none"
    bias: bool = False

    def as_dict(self) -> dict:
        return asdict(self)

    def short(self) -> str:
        """Compact text, e.g. ``rms|attention+rope|swiglu|nobias``."""
        mixer = self.mixer + ("+rope" if self.positions == "rope" else "")
        return f"{self.norm}|{mixer}|{self.ffn}|{'bias' if self.bias else 'nobias'}"


@dataclass(frozen=True)
class ArchSpec:
    """A resolved architecture: exactly one recipe per layer, plus leading blocks and extras."""

    layers: tuple[LayerRecipe, ...]
    leading: tuple[LayerRecipe, ...] = field(default_factory=tuple)
    input_positions: str = "none"
    final_norm: str = "rms"

    def as_dict(self) -> dict:
        return {
            "layers": [r.as_dict() for r in self.layers],
            "leading": [r.as_dict() for r in self.leading],
            "input_positions": self.input_positions,
            "final_norm": self.final_norm,
        }

    def uses(self, kind: str) -> bool:
        """Whether any block mixes or feeds forward with ``kind`` ('attention' or 'mamba')."""
        return any(kind in (r.mixer, r.ffn) for r in self.leading + self.layers)


def recipe_problems(recipe, where: str) -> list[str]:
    """Human-readable problems with one raw recipe (a dict); ``where`` prefixes each message."""
    if not isinstance(recipe, dict):
        return [f"{where}: a layer recipe must be a mapping, got {recipe!r}"]
    problems = [f"{where}.{k}: unknown key (allowed: {', '.join(RECIPE_KEYS)})" for k in recipe if k not in RECIPE_KEYS]
    if "mixer" not in recipe:
        problems.append(f"{where}.mixer: missing (one of {', '.join(MIXERS)})")
    for key, allowed in (("norm", NORMS), ("mixer", MIXERS), ("positions", POSITIONS), ("ffn", FFNS)):
        if key in recipe and recipe[key] not in allowed:
            problems.append(f"{where}.{key}: unknown block kind {recipe[key]!r} (allowed: {', '.join(allowed)})")
    if "bias" in recipe and not isinstance(recipe["bias"], bool):
        problems.append(f"{where}.bias: must be true or false, got {recipe['bias']!r}")
    if recipe.get("positions", "none") == "rope" and recipe.get("mixer") != "attention":
        problems.append(f"{where}.positions: 'rope' needs mixer: attention, got mixer {recipe.get('mixer')!r}")
    if recipe.get("mixer") == "none" and recipe.get("ffn", "none") == "none":
        problems.append(f"{where}: a layer with mixer: none and ffn: none does nothing")
    return problems


def spec_problems(raw: dict, n_layer: int | None, where: str) -> list[str]:
    """Problems with a raw spec mapping (``layers`` etc.); ``n_layer`` checks the layer count."""
    problems = []
    layers = raw.get("layers")
    if not isinstance(layers, list) or not layers:
        return [f"{where}.layers: must be a non-empty list of layer recipes, got {layers!r}"]
    for i, r in enumerate(layers):
        problems += recipe_problems(r, f"{where}.layers[{i}]")
    if isinstance(n_layer, int) and n_layer > 0 and len(layers) > n_layer:
        problems.append(f"{where}.layers: {len(layers)} recipes but n_layer={n_layer} (give <= n_layer to cycle)")
    elif isinstance(n_layer, int) and n_layer > 0 and n_layer % len(layers) and len(layers) != n_layer:
        problems.append(
            f"{where}.layers: {len(layers)} recipes do not cycle evenly to n_layer={n_layer} "
            f"(give a divisor of n_layer or exactly n_layer recipes)"
        )
    leading = raw.get("leading", [])
    if not isinstance(leading, list):
        problems.append(f"{where}.leading: must be a list of layer recipes, got {leading!r}")
    else:
        for i, r in enumerate(leading):
            problems += recipe_problems(r, f"{where}.leading[{i}]")
    if raw.get("input_positions", "none") not in INPUT_POSITIONS:
        problems.append(
            f"{where}.input_positions: unknown value {raw['input_positions']!r} (allowed: {', '.join(INPUT_POSITIONS)})"
        )
    if raw.get("final_norm", "rms") not in FINAL_NORMS:
        problems.append(f"{where}.final_norm: unknown value {raw['final_norm']!r} (allowed: {', '.join(FINAL_NORMS)})")
    return problems


def make_recipe(raw: dict) -> LayerRecipe:
    """A validated raw recipe -> LayerRecipe (defaults filled in)."""
    return LayerRecipe(**{**RECIPE_DEFAULTS, **raw})


def resolve_spec(raw: dict, n_layer: int) -> ArchSpec:
    """A raw spec (already checked by ``spec_problems``) -> ArchSpec with exactly ``n_layer`` layers."""
    problems = spec_problems(raw, n_layer, "spec")
    if problems:
        raise ValueError("; ".join(problems))
    raw = {**SPEC_DEFAULTS, **raw}
    cycle = [make_recipe(r) for r in raw["layers"]]
    layers = tuple(cycle[i % len(cycle)] for i in range(n_layer))
    return ArchSpec(
        layers=layers,
        leading=tuple(make_recipe(r) for r in raw["leading"]),
        input_positions=raw["input_positions"],
        final_norm=raw["final_norm"],
    )
