"""Zoo, build_model, the ICL wrapper and config validation."""

from __future__ import annotations

import argparse
import json

import pytest
import torch

from hybrid_icl.models import ZOO, build_model, list_architectures, validate_model_config
from hybrid_icl.models.stack import ResidualLayer

SMALL = {"d_model": 16, "n_layer": 2, "n_head": 2}


pytestmark = pytest.mark.usefixtures("one_thread")


def small(arch: str, **kw) -> dict:
    return {"arch": arch, **SMALL, **kw}


def prompts(b=3, n=7, dx=5, dy=1, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(b, n, dx, generator=g), torch.randn(b, n, dy, generator=g)


@pytest.mark.parametrize("arch", list(ZOO))
def test_every_architecture_is_causal(arch):
    torch.manual_seed(0)
    model = build_model(small(arch), x_dim=5, y_dim=1, max_points=7).eval()
    xs, ys = prompts()
    with torch.no_grad():
        base = model(xs, ys)
        assert base.shape == (3, 7, 1)
        for t in (0, 3, 5):  # preds[:, :t+1] may depend on x_0..x_t, y_0..y_{t-1} only
            xs2, ys2 = xs.clone(), ys.clone()
            xs2[:, t + 1:] += torch.randn_like(xs2[:, t + 1:])
            ys2[:, t:] += torch.randn_like(ys2[:, t:])
            out = model(xs2, ys2)
            torch.testing.assert_close(out[:, : t + 1], base[:, : t + 1], rtol=0, atol=1e-6)
            assert (out[:, t + 1:] - base[:, t + 1:]).abs().max() > 1e-4  # the perturbation does reach later points


@pytest.mark.parametrize("arch", ["gpt2", "llama", "mamba", "mambaformer"])
def test_init_is_deterministic_given_seed(arch):
    def params():
        torch.manual_seed(123)
        return build_model(small(arch), 5, 1, 7).state_dict()

    a, b = params(), params()
    assert all(torch.equal(a[k], b[k]) for k in a)


def test_exactly_one_residual_per_sublayer():
    """With every residual output projection zeroed, a layer must be the identity (no h <- 2h + f(h))."""
    torch.manual_seed(0)
    model = build_model(small("llama_mamba_ffn"), 5, 1, 7)
    for module in model.modules():
        if getattr(module, "is_residual_out", False):
            torch.nn.init.zeros_(module.weight)
    h = torch.randn(2, 9, 16)
    for layer in model.layers:
        torch.testing.assert_close(layer(h), h)


def test_run_record_is_json_and_names_scan_path():
    rec = build_model(small("mambaformer"), 5, 1, 7).run_record()
    json.dumps(rec)
    assert rec["arch"] == "mambaformer" and rec["scan"] == "torch" and rec["n_params"] > 0
    assert len(rec["spec"]["layers"]) == 2 and rec["spec"]["leading"][0]["mixer"] == "mamba"
    assert build_model(small("gpt2"), 5, 1, 7).run_record()["scan"] is None


def test_y_wider_than_x_and_multi_output():
    model = build_model(small("gpt2"), x_dim=2, y_dim=4, max_points=6)
    xs, ys = prompts(n=6, dx=2, dy=4)
    assert model(xs, ys).shape == (3, 6, 4)


def test_learned_positions_reject_longer_prompts():
    model = build_model(small("gpt2"), 5, 1, max_points=4)
    with pytest.raises(ValueError, match="max_points"):
        model(*prompts(n=5))


def test_sinusoidal_position_init_is_the_scaled_sin_cos_table():
    model = build_model(small("gpt2", position_init="sinusoidal"), 5, 1, max_points=10)
    table = model.positions.weight.detach()  # (20, 16)
    p, i = 7, 3  # position 7, frequency index 3: columns 6 (sin) and 7 (cos)
    angle = torch.tensor(p / 10000 ** (2 * i / 16))
    amplitude = 0.02 * 2**0.5
    assert torch.allclose(table[p, 2 * i], amplitude * angle.sin(), atol=1e-7)
    assert torch.allclose(table[p, 2 * i + 1], amplitude * angle.cos(), atol=1e-7)
    assert abs(table.pow(2).mean().sqrt().item() - 0.02) < 1e-4  # same scale as the N(0, 0.02) default
    assert model.positions.weight.requires_grad  # the table is still trained
    default = build_model(small("gpt2"), 5, 1, max_points=10).positions.weight.detach()
    assert not torch.allclose(default, table)


def test_inline_layers_cycle_and_exact_lists():
    cfg = {"layers": [{"mixer": "mamba"}, {"mixer": "attention", "positions": "rope", "ffn": "swiglu"}],
           "d_model": 16, "n_layer": 4, "n_head": 2}
    rec = build_model(cfg, 5, 1, 7).run_record()
    assert [l["mixer"] for l in rec["spec"]["layers"]] == ["mamba", "attention", "mamba", "attention"]
    assert rec["arch"] == "custom"
    three = {**cfg, "n_layer": 3, "layers": [{"mixer": "mamba"}, {"mixer": "attention"}, {"mixer": "mamba", "ffn": "gelu"}]}
    assert [l["ffn"] for l in build_model(three, 5, 1, 7).run_record()["spec"]["layers"]] == ["none", "none", "gelu"]


def test_inline_hybrid_trains():
    torch.manual_seed(0)
    cfg = {"layers": [{"mixer": "mamba", "norm": "rms"}, {"mixer": "attention", "ffn": "gelu", "norm": "layer", "bias": True}],
           "leading": [{"mixer": "mamba"}], "d_model": 32, "n_layer": 2, "n_head": 4}
    model = build_model(cfg, 4, 1, 10)
    g = torch.Generator().manual_seed(1)
    xs = torch.randn(32, 10, 4, generator=g)
    ys = xs @ torch.randn(4, 1, generator=g)  # one fixed linear map: learnable in weights
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(40):
        opt.zero_grad()
        loss = (model(xs, ys) - ys).pow(2).mean()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert sum(losses[-5:]) / 5 < 0.5 * sum(losses[:5]) / 5


def ffn_params(arch: str, **kw) -> int:
    model = build_model({"arch": arch, "d_model": 64, "n_layer": 2, "n_head": 4, **kw}, 5, 1, 7)
    return sum(p.numel() for layer in model.layers for p in layer.ffn.parameters())


def test_matched_swiglu_has_the_parameters_of_the_gelu_mlp():
    gelu = ffn_params("gpt2")
    matched = ffn_params("gpt2_swiglu", swiglu_hidden="matched")
    wide = ffn_params("gpt2_swiglu", swiglu_hidden="4x")
    assert abs(matched / gelu - 1) < 0.02
    assert 1.4 < wide / gelu < 1.6  # 3 matrices at 4d vs 2: +50% in the FFN
    total = lambda a, **kw: build_model({"arch": a, "d_model": 64, "n_layer": 4, "n_head": 4, **kw}, 5, 1, 7).n_params()
    assert abs(total("gpt2_rope_swiglu") / total("gpt2_rope") - 1) < 0.02
    assert abs(total("llama") / total("gpt2_rms_rope") - 1) < 0.03  # differs by biases only


@pytest.mark.parametrize(
    "cfg, key",
    [
        ({"arch": "gpt3", **SMALL}, "models.m.arch"),
        ({"arch": "gpt2", "d_model": 15, "n_layer": 2, "n_head": 4}, "models.m.d_model"),
        ({"arch": "gpt2", "d_model": 0, "n_layer": 2, "n_head": 2}, "models.m.d_model"),
        ({"arch": "gpt2", "d_model": 16, "n_layer": -1, "n_head": 2}, "models.m.n_layer"),
        ({"arch": "gpt2", **SMALL, "widht": 3}, "models.m.widht"),
        ({"arch": "llama", "d_model": 16, "n_layer": 2}, "models.m.n_head"),
        ({"arch": "mamba", "d_model": 16, "n_layer": 2, "scan": "gpu"}, "models.m.scan"),
        ({"arch": "gpt2_swiglu", **SMALL, "swiglu_hidden": "8/3"}, "models.m.swiglu_hidden"),
        ({"arch": "mamba", "d_model": 16, "n_layer": 2, "d_state": 0}, "models.m.d_state"),
        ({"layers": [{"mixer": "conv"}], **SMALL}, "models.m.layers[0].mixer"),
        ({"layers": [{"mixer": "attention", "ffn": "moe"}], **SMALL}, "models.m.layers[0].ffn"),
        ({"layers": [{"mixer": "mamba", "positions": "rope"}], **SMALL}, "models.m.layers[0].positions"),
        ({"layers": [{"mixer": "mamba", "colour": 1}], **SMALL}, "models.m.layers[0].colour"),
        ({"layers": [{"mixer": "mamba"}] * 3, **SMALL}, "models.m.layers"),
        ({"arch": "interleave", "d_model": 16, "n_layer": 3, "n_head": 2}, "models.m.layers"),
        ({"layers": [{"mixer": "attention"}], "input_positions": "sinusoidal", **SMALL}, "models.m.input_positions"),
        ({"d_model": 16, "n_layer": 2}, "models.m"),
        ({"arch": "gpt2", **SMALL, "position_init": "rope"}, "models.m.position_init"),
        ({"arch": "llama", **SMALL, "position_init": "sinusoidal"}, "models.m.position_init"),
    ],
)
def test_validate_rejects_bad_configs_naming_the_key(cfg, key):
    problems = validate_model_config("m", cfg)
    assert problems, cfg
    assert any(p.startswith(key + ":") or p.startswith(key + " ") or p.startswith(key + ".") for p in problems), problems
    with pytest.raises(ValueError):
        build_model(cfg, 5, 1, 7)


@pytest.mark.parametrize("arch", list(ZOO))
def test_validate_accepts_every_zoo_entry(arch):
    assert validate_model_config("m", {"arch": arch, "d_model": 32, "n_layer": 4, "n_head": 4}) == []


def test_listing_prints_every_architecture(capsys):
    from hybrid_icl.models import listing

    parser = argparse.ArgumentParser()
    listing.add_arguments(parser)
    assert listing.run(parser.parse_args(["--d-model", "32", "--n-layer", "2", "--n-head", "2", "--json"])) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == list_architectures()
    assert all(r["params"] > 0 and r["layers"] for r in rows)
    assert listing.run(parser.parse_args([])) == 0
    assert "mambaformer" in capsys.readouterr().out
