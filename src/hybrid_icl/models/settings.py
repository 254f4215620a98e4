"""Model config: keys, defaults, validation, and resolution of ``arch`` / inline ``layers`` to a spec.

A model config is one entry of a suite's ``models:`` mapping, e.g. ``{arch: gpt2, d_model: 64,
n_layer: 4, n_head: 4}``, or an inline hybrid ``{layers: [{mixer: mamba}, {mixer: attention,
positions: rope, ffn: swiglu}], d_model: 64, n_layer: 4, n_head: 4}``. Inline spec keys given
together with ``arch`` override the zoo entry's.
"""

from __future__ import annotations

from dataclasses import MISSING, asdict, dataclass, fields

from ..values import is_int, is_real

from .recipe import SPEC_KEYS, ArchSpec, resolve_spec, spec_problems
from .scan import BACKENDS
from .zoo import ZOO, zoo_spec

SWIGLU_HIDDEN = ("matched", "4x")
POSITION_INITS = ("normal", "sinusoidal")
# Reference-code behaviours (docs/architectures.md, "Differences from the reference code"); the first
# value of each is ours and the default.
CHOICES = {
    "init": ("gpt2", "reference"),
    "biases": ("recipe", "reference"),
    "mamba_residual": ("single", "doubled"),
}


@dataclass(frozen=True)
class ModelSizes:
    """Every size/knob of a model, defaults filled in."""

    d_model: int
    n_layer: int
    n_head: int | None = None
    mlp_ratio: float = 4
    swiglu_hidden: str = "matched"
    d_state: int = 16
    d_conv: int = 4
    expand: int = 2
    dt_rank: int | str = "auto"
    scan: str = "auto"
    dropout: float = 0.0
    position_init: str = "normal"
    init: str = "gpt2"
    biases: str = "recipe"
    mamba_residual: str = "single"

    def as_dict(self) -> dict:
        return asdict(self)


# The defaults of the optional sizes, from ModelSizes (their one source).
SIZE_DEFAULTS = {f.name: f.default for f in fields(ModelSizes) if f.default is not MISSING and f.name != "n_head"}
REQUIRED = ("d_model", "n_layer")
KNOWN_KEYS = ("arch", *SPEC_KEYS, *REQUIRED, "n_head", *SIZE_DEFAULTS)


def _has_mamba(raw: dict) -> bool:
    """Whether a raw spec has a Mamba mixer or feed-forward block anywhere (malformed parts ignored)."""
    parts = [raw.get(part) for part in ("layers", "leading")]
    recipes = [r for part in parts if isinstance(part, list) for r in part if isinstance(r, dict)]
    return any("mamba" in (r.get("mixer"), r.get("ffn")) for r in recipes)


def raw_spec(cfg: dict) -> dict:
    """The zoo entry named by ``arch`` (if any), overridden by inline spec keys."""
    spec = zoo_spec(cfg["arch"]) if "arch" in cfg else {}
    spec.update({k: cfg[k] for k in SPEC_KEYS if k in cfg})
    return spec


def validate_model_config(name: str, cfg: dict) -> list[str]:
    """Every problem with one model config, as lines 'models.<name>.<key>: <what is wrong>'."""
    where = f"models.{name}"
    if not isinstance(cfg, dict):
        return [f"{where}: must be a mapping, got {cfg!r}"]
    problems = [f"{where}.{k}: unknown key (allowed: {', '.join(KNOWN_KEYS)})" for k in cfg if k not in KNOWN_KEYS]
    if "arch" in cfg and cfg["arch"] not in ZOO:
        problems.append(f"{where}.arch: unknown architecture {cfg['arch']!r} (known: {', '.join(ZOO)})")
        return problems
    if "arch" not in cfg and "layers" not in cfg:
        problems.append(f"{where}: give arch (one of {', '.join(ZOO)}) or an inline layers: recipe list")
        return problems
    for key in REQUIRED:
        if key not in cfg:
            problems.append(f"{where}.{key}: missing (a positive integer)")
    for key in ("d_model", "n_layer", "n_head", "d_state", "d_conv", "expand"):
        if key in cfg and not (is_int(cfg[key]) and cfg[key] > 0):
            problems.append(f"{where}.{key}: must be a positive integer, got {cfg[key]!r}")
    if "mlp_ratio" in cfg and not (is_real(cfg["mlp_ratio"]) and cfg["mlp_ratio"] > 0):
        problems.append(f"{where}.mlp_ratio: must be a positive number, got {cfg['mlp_ratio']!r}")
    given = {**SIZE_DEFAULTS, **cfg}  # absent keys take their defaults (valid by construction)
    if given["swiglu_hidden"] not in SWIGLU_HIDDEN:
        problems.append(f"{where}.swiglu_hidden: unknown value {cfg['swiglu_hidden']!r} (allowed: matched, 4x)")
    rank = given["dt_rank"]
    if rank != "auto" and not (is_int(rank) and rank > 0):
        problems.append(f"{where}.dt_rank: must be 'auto' or a positive integer, got {rank!r}")
    if given["scan"] not in BACKENDS:
        problems.append(f"{where}.scan: unknown scan path {cfg['scan']!r} (allowed: {', '.join(BACKENDS)})")
    if given["position_init"] not in POSITION_INITS:
        problems.append(
            f"{where}.position_init: unknown value {cfg['position_init']!r} (allowed: {', '.join(POSITION_INITS)})"
        )
    for key, allowed in CHOICES.items():
        if given[key] not in allowed:
            problems.append(f"{where}.{key}: unknown value {cfg[key]!r} (allowed: {', '.join(allowed)})")
    drop = given["dropout"]
    if not (is_real(drop) and 0 <= drop < 1):
        problems.append(f"{where}.dropout: must be a number in [0, 1), got {drop!r}")

    spec = raw_spec(cfg)
    if given["position_init"] != SIZE_DEFAULTS["position_init"] and spec.get("input_positions", "none") != "learned":
        problems.append(f"{where}.position_init: the architecture has no learned input positions to initialise")
    if cfg.get("mamba_residual") == "doubled" and not _has_mamba(spec):
        problems.append(f"{where}.mamba_residual: the architecture has no Mamba blocks to wrap")
    n_layer = cfg.get("n_layer")
    problems += spec_problems(spec, n_layer if is_int(n_layer) else None, where)
    if any(p.startswith(f"{where}.layers") or p.startswith(f"{where}.leading") for p in problems):
        return problems
    recipes = spec["layers"] + spec.get("leading", [])
    if any(r.get("mixer") == "attention" for r in recipes):
        n_head, d_model = cfg.get("n_head"), cfg.get("d_model")
        if n_head is None:
            problems.append(f"{where}.n_head: missing (the architecture has attention layers)")
        elif is_int(n_head) and n_head > 0 and is_int(d_model) and d_model > 0:
            if d_model % n_head:
                problems.append(f"{where}.d_model: {d_model} is not divisible by n_head={n_head}")
            elif any(r.get("positions") == "rope" for r in recipes) and (d_model // n_head) % 2:
                problems.append(f"{where}.n_head: RoPE needs an even head size, d_model/n_head = {d_model // n_head}")
    return problems


def resolve_config(cfg: dict, name: str = "model") -> tuple[str, ArchSpec, ModelSizes]:
    """(architecture name, resolved spec, sizes) of a config; ValueError listing every problem."""
    problems = validate_model_config(name, cfg)
    if problems:
        raise ValueError("invalid model config:\n  " + "\n  ".join(problems))
    sizes = ModelSizes(**{k: cfg[k] for k in ModelSizes.__dataclass_fields__ if k in cfg})
    arch = cfg.get("arch", "custom")
    if "arch" in cfg and any(k in cfg for k in SPEC_KEYS):
        arch += "+custom"
    return arch, resolve_spec(raw_spec(cfg), sizes.n_layer), sizes
