"""The paper's twelve architectures and MambaFormer as published, and the reference-code switches.

``PAPER`` is written from the paper's figure 1a and its public code (in-context-learning-2024/
in-context, conf/include/models/{base,composed}.yml, src/models/{transformer,hybrid}.py), ``PARK``
from Park et al.'s code (krafton-ai/mambaformer-icl, src/models.py, mamba_ssm/models/
mixer_seq_simple.py): never from the zoo. Each model is built and its modules are inspected.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import nn

from hybrid_icl.config import load_config, resolve_run
from hybrid_icl.provenance import run_key
from hybrid_icl.models import PAPER_TWELVE, build_model, validate_model_config
from hybrid_icl.models.attention import CausalSelfAttention
from hybrid_icl.models.feedforward import GeluMLP, SwiGLU
from hybrid_icl.models.icl import interleave
from hybrid_icl.models.mamba import MambaMixer
from hybrid_icl.models.norms import RMSNorm

pytestmark = pytest.mark.usefixtures("one_thread")

N_LAYER, D, X_DIM, POINTS = 3, 32, 5, 20
NORMS = {"layer": nn.LayerNorm, "rms": RMSNorm}
FFNS = {"gelu": GeluMLP, "swiglu": SwiGLU, "mamba": MambaMixer, "none": type(None)}
MIXERS = {"attention": CausalSelfAttention, "mamba": MambaMixer}

# name: (Table 3 row, learned input positions, leading Mamba block, mixer, RoPE, ffn, norm,
#        biases of (attention, ffn) in the reference code)
# GPT-2 blocks carry biases, LLaMA's attention and MLP and Mamba's projections do not; RoPE attention
# is LLaMA's attention, so a GPT-2 variant with RoPE loses its attention biases in the reference.
PAPER = {
    "gpt2":                     ("1",   True,  False, "attention", False, "gelu",   "layer", (True, True)),
    "gpt2_rms":                 ("1.1", True,  False, "attention", False, "gelu",   "rms",   (True, True)),
    "gpt2_rope":                ("1.2", False, False, "attention", True,  "gelu",   "layer", (False, True)),
    "gpt2_swiglu":              ("1.3", True,  False, "attention", False, "swiglu", "layer", (True, False)),
    "gpt2_rms_swiglu":          ("1.4", True,  False, "attention", False, "swiglu", "rms",   (True, False)),
    "gpt2_rms_rope":            ("1.5", False, False, "attention", True,  "gelu",   "rms",   (False, True)),
    "gpt2_rope_swiglu":         ("1.6", False, False, "attention", True,  "swiglu", "layer", (False, False)),
    "llama":                    ("2",   False, False, "attention", True,  "swiglu", "rms",   (False, False)),
    "llama_norope_mamba_first": ("2.1", False, True,  "attention", False, "swiglu", "rms",   (False, False)),
    "llama_mamba_ffn":          ("2.2", False, False, "attention", True,  "mamba",  "rms",   (False, False)),
    "llama_norope_mamba_ffn":   ("2.3", False, True,  "attention", False, "mamba",  "rms",   (False, False)),
    "mamba":                    ("3",   False, False, "mamba",     False, "none",   "rms",   (False, False)),
}
# Park et al.: a leading Mamba block, then attention (no positions) and Mamba blocks, LayerNorm;
# nanoGPT attention with biases, mamba-ssm's Mamba without projection biases.
PARK = {"mambaformer": (False, True, "attention", False, "mamba", "layer", (True, False))}


def build(arch: str, **kw) -> nn.Module:
    torch.manual_seed(0)
    cfg = {"arch": arch, "d_model": D, "n_layer": N_LAYER, "n_head": 4, "d_state": 4, **kw}
    return build_model(cfg, X_DIM, 1, POINTS)


def linear_biases(module: nn.Module | None) -> set[bool]:
    """{True}/{False}: whether the block's linear layers have biases (dt_proj's own bias excluded)."""
    if module is None:
        return set()
    return {m.bias is not None for name, m in module.named_modules() if isinstance(m, nn.Linear)
            and name not in ("x_proj", "dt_proj")}


def assert_built_as(model, positions, leading, mixer, rope, ffn, norm, biases) -> None:
    assert (model.positions is not None) == positions
    assert len(model.layers) == N_LAYER
    assert len(model.leading) == int(leading)
    for block in model.leading:  # a Mamba mixer alone, pre-norm, own residual
        assert isinstance(block.mixer, MambaMixer) and block.ffn is None
        assert type(block.norm1) is NORMS[norm]
        assert linear_biases(block.mixer) == {biases[1] if ffn == "mamba" else False}
    for layer in model.layers:
        assert type(layer.mixer) is MIXERS[mixer]
        assert type(layer.ffn) is FFNS[ffn]
        assert type(layer.norm1) is NORMS[norm]
        assert ffn == "none" or type(layer.norm2) is NORMS[norm]
        if mixer == "attention":
            assert (layer.mixer.rotary is not None) == rope
            assert linear_biases(layer.mixer) == {biases[0]}
        assert ffn == "none" or linear_biases(layer.ffn) == {biases[1]}
    assert type(model.final_norm) is NORMS[norm]


def test_the_data_covers_exactly_the_papers_twelve():
    assert tuple(PAPER) == PAPER_TWELVE


@pytest.mark.parametrize("name", list(PAPER))
def test_each_paper_name_builds_the_papers_model(name):
    row, positions, leading, mixer, rope, ffn, norm, reference_biases = PAPER[name]
    # Ours keeps the family's biases in every block: GPT-2 variants everywhere, LLaMA variants nowhere.
    ours = (name.startswith("gpt2"),) * 2
    assert_built_as(build(name), positions, leading, mixer, rope, ffn, norm, ours)
    assert_built_as(build(name, biases="reference"), positions, leading, mixer, rope, ffn, norm, reference_biases)


def test_mambaformer_is_park_et_als():
    positions, leading, mixer, rope, ffn, norm, park_biases = PARK["mambaformer"]
    assert_built_as(build("mambaformer"), positions, leading, mixer, rope, ffn, norm, (True, True))
    model = build("mambaformer", biases="reference")
    assert_built_as(model, positions, leading, mixer, rope, ffn, norm, park_biases)
    names = {n for n, _ in model.named_parameters()}
    assert not any(n.endswith(("in_proj.bias", "out_proj.bias")) for n in names)
    assert any(n.endswith("conv1d.bias") for n in names) and any(n.endswith("dt_proj.bias") for n in names)


def test_the_old_23_wiring_is_kept_under_its_own_name():
    model = build("llama_norope_mamba_ffn_noleading")
    assert len(model.leading) == 0
    assert_built_as(model, False, False, "attention", False, "mamba", "rms", (False, False))


# -- mamba_residual ------------------------------------------------------------------------------


def stream(model, xs, ys) -> list[torch.Tensor]:
    """The residual stream after the read-in and after every block: [(B, 2N, d), ...]."""
    h = model.read_in(interleave(xs, ys, model.width))
    out = [h]
    for block in [*model.leading, *model.layers]:
        h = block(h)
        out.append(h)
    return out


def silence_sublayers(model) -> None:
    """Zero every residual output projection: each sub-layer then adds nothing to the stream."""
    for module in model.modules():
        if getattr(module, "is_residual_out", False):
            nn.init.zeros_(module.weight)
            if module.bias is not None:
                nn.init.zeros_(module.bias)


@pytest.mark.parametrize("residual", ["single", "doubled"])
def test_doubled_residual_doubles_the_stream_at_every_mamba_block(residual):
    model = build("llama_norope_mamba_ffn", mamba_residual=residual)
    silence_sublayers(model)
    g = torch.Generator().manual_seed(0)
    xs, ys = torch.randn(2, 6, X_DIM, generator=g), torch.randn(2, 6, 1, generator=g)
    with torch.no_grad():
        hs = stream(model, xs, ys)
    factor = 2.0 if residual == "doubled" else 1.0  # one Mamba sub-layer per block (attention: single)
    for i, h in enumerate(hs):
        torch.testing.assert_close(h, hs[0] * factor**i, rtol=1e-6, atol=0)


def test_doubled_residual_is_the_references_marker_arithmetic():
    """Reference: a MambaBlock returns r + mamba(norm(r)); the backbone's residual marker adds r again."""
    model = build("llama_mamba_ffn", mamba_residual="doubled").eval()
    layer = model.layers[0]
    h = torch.randn(2, 8, D, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        r = h + layer.mixer(layer.norm1(h))  # attention sub-layer: one residual
        mamba_block = r + layer.ffn(layer.norm2(r))
        torch.testing.assert_close(layer(h), r + mamba_block)


def test_doubled_residual_needs_a_mamba_block():
    problems = validate_model_config("m", {"arch": "gpt2", "d_model": D, "n_layer": 2, "n_head": 4,
                                           "mamba_residual": "doubled"})
    assert problems == ["models.m.mamba_residual: the architecture has no Mamba blocks to wrap"]


# -- init ----------------------------------------------------------------------------------------


def torch_default_bound(linear: nn.Linear | nn.Conv1d) -> float:
    """PyTorch's kaiming_uniform(a=sqrt(5)) bound, 1/sqrt(fan_in); its std is bound/sqrt(3)."""
    fan_in = linear.weight[0].numel()
    return 1.0 / math.sqrt(fan_in)


def assert_torch_default(linear: nn.Module, scale: float = 1.0) -> None:
    """Weights within the bound, their std that of U(-bound, bound) within 4 standard errors
    (relative standard error of a uniform sample's std: sqrt(0.2 / n))."""
    bound = scale * torch_default_bound(linear)
    w = linear.weight.detach()
    assert w.abs().max() <= bound
    assert abs(w.std().item() * math.sqrt(3) / bound - 1) < 4 * math.sqrt(0.2 / w.numel())


def assert_normal(linear: nn.Linear, std: float) -> None:
    assert abs(linear.weight.std().item() - std) < 0.1 * std
    assert linear.bias is None or not linear.bias.any()


@pytest.mark.parametrize("name", ["gpt2_rms", "gpt2_swiglu", "gpt2_rms_swiglu"])
def test_reference_init_gives_the_hybrids_an_n01_position_table(name):
    assert abs(build(name, init="reference").positions.weight.std().item() - 1.0) < 0.05
    assert abs(build(name).positions.weight.std().item() - 0.02) < 0.001
    assert abs(build("gpt2", init="reference").positions.weight.std().item() - 0.02) < 0.001  # GPT2Model's


def test_reference_init_of_a_hybrid_keeps_each_library_blocks_own_init():
    model = build("gpt2_rms_swiglu", init="reference", biases="reference")
    layer = model.layers[0]
    assert_normal(layer.mixer.qkv, 0.02)  # GPT-2 attention: transformers' Conv1D, no residual scaling
    assert_normal(layer.mixer.out, 0.02)
    for linear in (layer.ffn.gate, layer.ffn.up, layer.ffn.down):  # LLaMA's MLP: PyTorch's default
        assert_torch_default(linear)
    assert_torch_default(model.read_in)
    assert_torch_default(model.read_out)
    mamba = build("llama_mamba_ffn", init="reference").layers[0].ffn
    for linear in (mamba.in_proj, mamba.x_proj, mamba.out_proj, mamba.dt_proj, mamba.conv1d):
        assert_torch_default(linear)
    # dt_proj's bias is PyTorch's too, U(+-1/sqrt(dt_rank)), not Mamba's inverse-softplus of [1e-3, 0.1]
    assert mamba.dt_proj.bias.abs().max() <= 1 / math.sqrt(mamba.dt_rank)
    assert torch.nn.functional.softplus(mamba.dt_proj.bias).min() > 0.1  # steps above all of Mamba's range


def test_reference_init_of_the_base_models_is_their_model_classes():
    llama = build("llama", init="reference")
    n_res = 2 * N_LAYER
    assert_normal(llama.layers[0].mixer.out, 0.02)  # LlamaModel: no residual scaling
    assert_normal(build("llama").layers[0].mixer.out, 0.02 / math.sqrt(n_res))  # ours
    gpt2 = build("gpt2", init="reference")
    assert_normal(gpt2.layers[0].mixer.out, 0.02 / math.sqrt(n_res))  # GPT2Model scales c_proj
    assert_torch_default(gpt2.read_in)
    mamba = build("mamba", init="reference").layers[0].mixer
    for linear in (mamba.in_proj, mamba.x_proj, mamba.out_proj):
        assert_torch_default(linear)
    dt = torch.nn.functional.softplus(mamba.dt_proj.bias)  # Mamba's own: log-uniform in [1e-3, 0.1]
    assert dt.min() >= 1e-3 * 0.999 and dt.max() <= 0.1 * 1.001


def test_reference_init_of_mambaformer_is_mamba_ssms():
    model = build("mambaformer", init="reference")
    n_blocks = 2 * N_LAYER  # Park's n_layer counts attention and Mamba blocks, not the leading one
    for mamba in [model.leading[0].mixer, *(layer.ffn for layer in model.layers)]:
        assert_torch_default(mamba.out_proj, scale=1 / math.sqrt(n_blocks))
        assert_torch_default(mamba.in_proj)
        assert not mamba.in_proj.bias.any()  # biases zeroed (ours keeps them unless biases: reference)
    attention = model.layers[0].mixer
    assert_torch_default(attention.out)  # nanoGPT attention's c_proj is not rescaled
    assert not attention.qkv.bias.any()


def test_sinusoidal_start_takes_the_schemes_scale():
    table = build("gpt2_rms", init="reference", position_init="sinusoidal").positions.weight
    assert abs(table.pow(2).mean().sqrt().item() - 1.0) < 0.01


# -- defaults and identity -----------------------------------------------------------------------


@pytest.mark.parametrize("name", [*PAPER_TWELVE, "mambaformer", "standard_hybrid", "interleave"])
def test_switches_at_their_defaults_change_nothing(name):
    sizes = {"n_layer": 4} if name == "interleave" else {}  # interleave needs an even n_layer
    implicit = build(name, **sizes)
    defaults = {"init": "gpt2", "biases": "recipe", "mamba_residual": "single"}
    explicit = build(name, **sizes, **defaults)
    a, b = implicit.state_dict(), explicit.state_dict()
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
    xs, ys = torch.randn(2, 5, X_DIM), torch.randn(2, 5, 1)
    torch.testing.assert_close(implicit(xs, ys), explicit(xs, ys), rtol=0, atol=0)


@pytest.mark.parametrize("key, value", [("init", "reference"), ("biases", "reference"), ("mamba_residual", "doubled")])
def test_each_switch_is_part_of_the_runs_identity_and_its_record(key, value):
    config = load_config(Path(__file__).resolve().parents[1] / "config" / "smoke.yaml")
    before = run_key(resolve_run(config, next(iter(config["tasks"])), "mamba", 0))
    config["models"]["mamba"][key] = value
    assert run_key(resolve_run(config, next(iter(config["tasks"])), "mamba", 0)) != before
    assert build("mamba", **{key: value}).run_record()["sizes"][key] == value


@pytest.mark.parametrize("key", ["init", "biases", "mamba_residual"])
def test_unknown_switch_values_are_named(key):
    problems = validate_model_config("m", {"arch": "mamba", "d_model": D, "n_layer": 2, key: "sometimes"})
    assert len(problems) == 1 and problems[0].startswith(f"models.m.{key}: unknown value 'sometimes'")
