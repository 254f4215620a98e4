"""Models: composable pure-torch layers, architectures as data, and the ICL wrapper.

Public API::

    build_model(model_cfg, x_dim, y_dim, max_points) -> ICLModel
    validate_model_config(name, cfg) -> list[str]
    list_architectures() -> list[str]
    selective_scan(u, delta, A, B, C, D=None, z=None, delta_bias=None, delta_softplus=False, backend="auto")
    selective_scan_sequential(...)   # reference / test oracle
"""

from .icl import ICLModel, build_model
from .recipe import ArchSpec, LayerRecipe
from .scan import resolve_backend, selective_scan, selective_scan_sequential, selective_scan_torch
from .settings import SIZE_DEFAULTS, validate_model_config
from .zoo import PAPER_TWELVE, ZOO, ZOO_NOTES, list_architectures

__all__ = [
    "ArchSpec", "ICLModel", "LayerRecipe", "PAPER_TWELVE", "SIZE_DEFAULTS", "ZOO", "ZOO_NOTES",
    "build_model", "list_architectures", "resolve_backend", "selective_scan", "selective_scan_sequential",
    "selective_scan_torch", "validate_model_config",
]
