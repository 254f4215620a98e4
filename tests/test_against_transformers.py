"""Our blocks against transformers' implementations with copied weights (test-only dependency).

Small random configs, never downloaded weights. Each test runs the whole stack: the library's
model with ``inputs_embeds`` against our positions + layers + final norm.
"""

from __future__ import annotations

import pytest
import torch

transformers = pytest.importorskip("transformers")

from hybrid_icl.models import build_model  # noqa: E402

D, LAYERS, HEADS, LENGTH = 32, 2, 4, 16


pytestmark = pytest.mark.usefixtures("one_thread")


def ours(arch: str, **kw):
    torch.manual_seed(0)
    return build_model({"arch": arch, "d_model": D, "n_layer": LAYERS, "n_head": HEADS, **kw}, 3, 1, LENGTH).eval()


def backbone(model, h: torch.Tensor) -> torch.Tensor:
    """Our model without read-in/read-out: (B, L, d) -> (B, L, d)."""
    if model.positions is not None:
        h = h + model.positions(torch.arange(h.shape[1]))
    for layer in [*model.leading, *model.layers]:
        h = layer(h)
    return model.final_norm(h)


def randomise(module: torch.nn.Module) -> None:
    """Non-trivial values everywhere (norm weights/biases too), so a mis-copied tensor shows."""
    torch.manual_seed(1)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn_like(p) * 0.2 + float(p.ndim == 1))  # vectors (norms, biases) around 1


def compare(theirs: torch.Tensor, mine: torch.Tensor) -> None:
    torch.testing.assert_close(mine, theirs, rtol=1e-5, atol=1e-5)


def test_gpt2_matches_transformers_gpt2model():
    cfg = transformers.GPT2Config(n_embd=D, n_layer=LAYERS, n_head=HEADS, n_positions=2 * LENGTH, n_inner=4 * D,
                                  activation_function="gelu_new", resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                                  layer_norm_epsilon=1e-5)
    ref = transformers.GPT2Model(cfg).eval()
    randomise(ref)
    model = ours("gpt2")
    with torch.no_grad():
        model.positions.weight.copy_(ref.wpe.weight[: model.positions.num_embeddings])
        for blk, layer in zip(ref.h, model.layers):
            layer.norm1.load_state_dict(blk.ln_1.state_dict())
            layer.norm2.load_state_dict(blk.ln_2.state_dict())
            layer.mixer.qkv.weight.copy_(blk.attn.c_attn.weight.T)  # Conv1D stores (in, out)
            layer.mixer.qkv.bias.copy_(blk.attn.c_attn.bias)
            layer.mixer.out.weight.copy_(blk.attn.c_proj.weight.T)
            layer.mixer.out.bias.copy_(blk.attn.c_proj.bias)
            layer.ffn.fc.weight.copy_(blk.mlp.c_fc.weight.T)
            layer.ffn.fc.bias.copy_(blk.mlp.c_fc.bias)
            layer.ffn.proj.weight.copy_(blk.mlp.c_proj.weight.T)
            layer.ffn.proj.bias.copy_(blk.mlp.c_proj.bias)
        model.final_norm.load_state_dict(ref.ln_f.state_dict())
        h = torch.randn(2, 2 * LENGTH, D)
        compare(ref(inputs_embeds=h).last_hidden_state, backbone(model, h))


def test_llama_matches_transformers_llamamodel():
    model = ours("llama")
    hidden = model.layers[0].ffn.gate.out_features
    cfg = transformers.LlamaConfig(hidden_size=D, intermediate_size=hidden, num_hidden_layers=LAYERS,
                                   num_attention_heads=HEADS, num_key_value_heads=HEADS, rms_norm_eps=1e-5,
                                   max_position_embeddings=2 * LENGTH, attention_bias=False, mlp_bias=False,
                                   vocab_size=8)
    ref = transformers.LlamaModel(cfg).eval()
    randomise(ref)
    with torch.no_grad():
        for blk, layer in zip(ref.layers, model.layers):
            layer.norm1.weight.copy_(blk.input_layernorm.weight)
            layer.norm2.weight.copy_(blk.post_attention_layernorm.weight)
            att = blk.self_attn
            layer.mixer.qkv.weight.copy_(torch.cat([att.q_proj.weight, att.k_proj.weight, att.v_proj.weight]))
            layer.mixer.out.weight.copy_(att.o_proj.weight)
            layer.ffn.gate.weight.copy_(blk.mlp.gate_proj.weight)
            layer.ffn.up.weight.copy_(blk.mlp.up_proj.weight)
            layer.ffn.down.weight.copy_(blk.mlp.down_proj.weight)
        model.final_norm.weight.copy_(ref.norm.weight)
        h = torch.randn(2, 2 * LENGTH, D)
        compare(ref(inputs_embeds=h).last_hidden_state, backbone(model, h))


@pytest.mark.parametrize("scan", ["torch", "sequential"])
def test_mamba_matches_transformers_mambamodel_slow_path(scan):
    model = ours("mamba", scan=scan, expand=2, d_state=16, d_conv=4)
    mixer = model.layers[0].mixer
    cfg = transformers.MambaConfig(hidden_size=D, state_size=16, num_hidden_layers=LAYERS, expand=2, conv_kernel=4,
                                   time_step_rank=mixer.dt_rank, use_bias=False, use_conv_bias=True,
                                   layer_norm_epsilon=1e-5, vocab_size=8)
    ref = transformers.MambaModel(cfg).eval()
    randomise(ref)
    with torch.no_grad():
        for blk in ref.layers:
            blk.mixer.A_log.copy_(torch.log(torch.rand_like(blk.mixer.A_log) * 4 + 0.5))  # A < 0, varied
        for blk, layer in zip(ref.layers, model.layers):
            layer.norm1.weight.copy_(blk.norm.weight)
            layer.mixer.load_state_dict(blk.mixer.state_dict(), strict=True)
        model.final_norm.weight.copy_(ref.norm_f.weight)
        h = torch.randn(2, LENGTH, D)
        compare(ref(inputs_embeds=h).last_hidden_state, backbone(model, h))
