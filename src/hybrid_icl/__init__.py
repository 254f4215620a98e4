"""hybrid_icl: in-context learning of function classes by GPT-2, LLaMA, Mamba and their hybrids."""

__version__ = "0.1.0"
