"""The reference code's choices as rules: which library block each part of a layer stands for, and
which model class builds each architecture.

The paper's code (github.com/in-context-learning-2024/in-context, ``src/models/``, transformers
4.39.3) builds GPT-2, LLaMA and Mamba with transformers' model classes and every other architecture
from bare transformers modules (its ``HybridBackbone``). Park et al. (github.com/krafton-ai/
mambaformer-icl, ``src/models.py``) build MambaFormer and the standard hybrid with mamba-ssm's
``MixerModel``. A block's *origin* is the library block the reference uses for it.
"""

from __future__ import annotations

from .recipe import LayerRecipe

GPT2, LLAMA, MAMBA = "gpt2", "llama", "mamba"

# Zoo name -> the reference's model class. Anything else (the other paper hybrids, our extra
# architectures, a zoo entry changed by inline keys) is built like the paper's HybridBackbone.
BUILDERS = {
    "gpt2": "gpt2_model",             # transformers GPT2Model
    "llama": "llama_model",           # transformers LlamaModel
    "mamba": "mamba_model",           # transformers MambaModel
    "mambaformer": "mixer_model",     # mamba-ssm MixerModel (Park et al.)
    "standard_hybrid": "mixer_model",
}
HYBRID = "hybrid_backbone"


def builder(arch: str) -> str:
    """The reference's model class for a model's ``arch`` (``HYBRID`` when it has none of its own)."""
    return BUILDERS.get(arch, HYBRID)


def origin(recipe: LayerRecipe, part: str) -> str:
    """The library block the reference uses for a layer's ``part`` ('mixer' or 'ffn').

    Attention with RoPE or without biases is LLaMA's (the reference has no other RoPE attention);
    other attention and the GELU MLP are GPT-2's; SwiGLU is LLaMA's MLP; Mamba is Mamba's mixer.
    """
    kind = recipe.mixer if part == "mixer" else recipe.ffn
    if kind == "attention":
        return LLAMA if recipe.positions == "rope" or not recipe.bias else GPT2
    return {"gelu": GPT2, "swiglu": LLAMA, "mamba": MAMBA}[kind]


def has_bias(recipe: LayerRecipe, part: str, biases: str) -> bool:
    """Whether a layer's ``part`` gets biases in its linear layers.

    ``biases: recipe`` follows the recipe's ``bias`` for every block. ``biases: reference`` keeps
    them only where the reference's block has them: GPT-2 attention and MLP, never LLaMA attention,
    LLaMA's SwiGLU MLP or Mamba's in/out projections (Mamba's convolution and dt projection always
    have biases).
    """
    return recipe.bias and (biases == "recipe" or origin(recipe, part) == GPT2)
