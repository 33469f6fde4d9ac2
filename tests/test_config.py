from __future__ import annotations

import json

import pytest

from minimoe.config import PRESETS, MiniMoEConfig


def test_defaults_fill_head_dim_and_half_rotary():
    cfg = MiniMoEConfig(hidden_size=64, num_heads=4)
    assert cfg.head_dim == 16
    assert cfg.rotary_dim == 8  # RoPE on half the head, as in M1


def test_layer_types_repeat_the_pattern():
    cfg = MiniMoEConfig(num_layers=10, layer_pattern="LLS")
    assert cfg.layer_types == ["lightning", "lightning", "softmax"] * 3 + ["lightning"]


def test_m1_preset_schedule_and_deepnorm_alpha():
    cfg = MiniMoEConfig.preset("minimax-m1")
    types = cfg.layer_types
    assert types.count("softmax") == 10 and types.count("lightning") == 70
    assert [i for i, t in enumerate(types) if t == "softmax"] == list(range(7, 80, 8))
    assert cfg.alpha == pytest.approx(3.5565588200778455)  # the released config's value
    assert cfg.attention_width == 8192 != cfg.hidden_size


def test_pre_norm_alpha_is_one():
    assert MiniMoEConfig(norm="pre").alpha == 1.0
    assert MiniMoEConfig(residual_alpha=1.0).alpha == 1.0


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_round_trip_through_json(name):
    cfg = MiniMoEConfig.preset(name)
    again = MiniMoEConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert again == cfg


def test_replace_and_preset_overrides():
    cfg = MiniMoEConfig.preset("tiny", num_layers=4)
    assert cfg.num_layers == 4
    assert cfg.replace(top_k=1).top_k == 1
    assert cfg.top_k == 2  # the original is unchanged (configs are frozen)


def test_unknown_keys_are_named():
    with pytest.raises(ValueError, match="hiden_size"):
        MiniMoEConfig.from_dict({"hiden_size": 64})
    with pytest.raises(ValueError, match="unknown preset"):
        MiniMoEConfig.preset("gpt-5")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"hidden_size": 65, "num_heads": 4}, "not divisible by num_heads"),
        ({"layer_pattern": "LLX"}, "unknown letters"),
        ({"layer_pattern": ""}, "empty"),
        ({"top_k": 5, "num_experts": 4}, "top_k=5 is larger than num_experts=4"),
        ({"num_heads": 4, "num_kv_heads": 3}, "multiple of num_kv_heads"),
        ({"rotary_dim": 7}, "even number between 2 and head_dim"),
        ({"rotary_dim": 32}, "even number between 2 and head_dim=16"),
        ({"rotary_dim": 0}, "even number between 2"),
        ({"hidden_size": 0}, "hidden_size must be a positive integer"),
        ({"num_experts": -1}, "num_experts must be a positive integer"),
        ({"norm": "sandwich"}, "norm must be one of"),
        ({"capacity_factor": 0.0}, "capacity_factor"),
        ({"norm": "pre", "residual_alpha": 2.0}, "residual_alpha"),
        ({"aux_loss_coef": -1.0}, "aux_loss_coef"),
    ],
)
def test_bad_configs_say_what_to_fix(changes, message):
    with pytest.raises(ValueError, match=message):
        MiniMoEConfig(**changes)
