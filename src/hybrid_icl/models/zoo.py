"""The named architectures (the paper's twelve plus MambaFormer and three hybrids) as raw specs.

Every entry is plain data in the format of ``recipe.py``; ``build_model`` sizes it from the model
config. ``ZOO_NOTES`` says, per name, what differs from its parent besides the name.
"""

from __future__ import annotations

import copy


def _layer(norm: str, mixer: str, ffn: str, bias: bool, positions: str = "none") -> dict:
    return {"norm": norm, "mixer": mixer, "positions": positions, "ffn": ffn, "bias": bias}


def _gpt2_family(norm: str = "layer", rope: bool = False, ffn: str = "gelu") -> dict:
    """GPT-2 (biases everywhere) with one or more of RMSNorm / RoPE / SwiGLU swapped in."""
    return {
        "layers": [_layer(norm, "attention", ffn, True, "rope" if rope else "none")],
        "input_positions": "none" if rope else "learned",
        "final_norm": norm,
    }


def _llama_family(rope: bool = True, ffn: str = "swiglu", leading_mamba: bool = False) -> dict:
    """LLaMA (RMSNorm, no biases, RoPE, SwiGLU) with RoPE and/or SwiGLU swapped out."""
    return {
        "layers": [_layer("rms", "attention", ffn, False, "rope" if rope else "none")],
        "leading": [_layer("rms", "mamba", "none", False)] if leading_mamba else [],
        "input_positions": "none",
        "final_norm": "rms",
    }


ZOO: dict[str, dict] = {
    "gpt2": _gpt2_family(),
    "gpt2_rms": _gpt2_family(norm="rms"),
    "gpt2_rope": _gpt2_family(rope=True),
    "gpt2_swiglu": _gpt2_family(ffn="swiglu"),
    "gpt2_rms_swiglu": _gpt2_family(norm="rms", ffn="swiglu"),
    "gpt2_rms_rope": _gpt2_family(norm="rms", rope=True),
    "gpt2_rope_swiglu": _gpt2_family(rope=True, ffn="swiglu"),
    "llama": _llama_family(),
    "llama_norope_mamba_first": _llama_family(rope=False, leading_mamba=True),
    "llama_mamba_ffn": _llama_family(ffn="mamba"),
    "llama_norope_mamba_ffn": _llama_family(rope=False, ffn="mamba", leading_mamba=True),
    "mamba": {"layers": [_layer("rms", "mamba", "none", False)], "input_positions": "none", "final_norm": "rms"},
    # Park et al. 2024: a Mamba block in place of positional encodings, then attention (no positions)
    # with Mamba in place of the MLP; GPT-2-style LayerNorm and biases.
    "mambaformer": {
        "layers": [_layer("layer", "attention", "mamba", True)],
        "leading": [_layer("layer", "mamba", "none", True)],
        "input_positions": "none",
        "final_norm": "layer",
    },
    # Park et al.'s "standard hybrid": GPT-2 with each MLP replaced by a Mamba block (keeps learned positions).
    "standard_hybrid": {
        "layers": [_layer("layer", "attention", "mamba", True)],
        "input_positions": "learned",
        "final_norm": "layer",
    },
    # Alternating whole layers: a Mamba layer, then a LLaMA layer (needs an even n_layer).
    "interleave": {
        "layers": [_layer("rms", "mamba", "none", False), _layer("rms", "attention", "swiglu", False, "rope")],
        "input_positions": "none",
        "final_norm": "rms",
    },
    # (2.3) without its leading Mamba block: not a model of the paper.
    "llama_norope_mamba_ffn_noleading": _llama_family(rope=False, ffn="mamba"),
}

PAPER_TWELVE = (
    "gpt2", "gpt2_rms", "gpt2_rope", "gpt2_swiglu", "gpt2_rms_swiglu", "gpt2_rms_rope", "gpt2_rope_swiglu",
    "llama", "llama_norope_mamba_first", "llama_mamba_ffn", "llama_norope_mamba_ffn", "mamba",
)

ZOO_NOTES: dict[str, str] = {
    "gpt2": "LayerNorm, learned absolute positions, attention + GELU MLP, biases in every linear layer.",
    "gpt2_rms": "RMSNorm in place of LayerNorm (also the final norm); keeps biases and learned positions.",
    "gpt2_rope": "RoPE in every attention layer in place of learned input positions.",
    "gpt2_swiglu": "SwiGLU (with biases) in place of the GELU MLP; hidden size set by swiglu_hidden.",
    "gpt2_rms_swiglu": "RMSNorm and SwiGLU (with biases).",
    "gpt2_rms_rope": "RMSNorm and RoPE.",
    "gpt2_rope_swiglu": "RoPE and SwiGLU (with biases).",
    "llama": "RMSNorm, RoPE, SwiGLU and NO biases: differs from gpt2_rms_rope_swiglu by the biases too.",
    "llama_norope_mamba_first": "LLaMA without RoPE; one leading Mamba block (own residual) supplies order.",
    "llama_mamba_ffn": "LLaMA with a Mamba block in place of every SwiGLU.",
    "llama_norope_mamba_ffn": (
        "LLaMA without RoPE and with Mamba in place of SwiGLU; one leading Mamba block supplies order "
        "(MambaFormer's wiring with LLaMA parts)."
    ),
    "mamba": "Mamba v1 blocks (RMSNorm, selective scan, no MLP), final RMSNorm.",
    "mambaformer": "Park et al. 2024: leading Mamba, attention without positions, Mamba in place of MLP; LayerNorm.",
    "standard_hybrid": "Park et al.'s standard hybrid: GPT-2 with Mamba in place of every MLP.",
    "interleave": "Alternating layers: Mamba layer, then LLaMA layer (n_layer must be even).",
    "llama_norope_mamba_ffn_noleading": (
        "llama_norope_mamba_ffn WITHOUT the leading Mamba block (not a paper model): order comes only "
        "from the Mamba feed-forward blocks."
    ),
}


def zoo_spec(name: str) -> dict:
    """A deep copy of the raw spec registered under ``name`` (KeyError if unknown)."""
    return copy.deepcopy(ZOO[name])


def list_architectures() -> list[str]:
    """Registered architecture names, the paper's twelve first."""
    return list(ZOO)
