"""Accounting arithmetic (minimoe.flops) against what built models measure."""

from __future__ import annotations

import pytest
import torch

from minimoe.config import MiniMoEConfig
from minimoe.flops import (
    expert_parameters,
    hybrid_cache_bytes,
    kv_cache_bytes,
    lightning_state_bytes,
    parameter_counts,
)
from minimoe.model import MiniMoE, count_parameters

SMALL = dict(vocab_size=40, hidden_size=32, expert_hidden=24, block_size=4, max_seq_len=64)
CONFIGS = [
    MiniMoEConfig.preset("tiny", **SMALL, num_layers=4, layer_pattern="LLLS"),
    MiniMoEConfig.preset("tiny", **SMALL, num_layers=3, layer_pattern="S", num_kv_heads=2),
    MiniMoEConfig.preset("tiny", **SMALL, num_layers=2, layer_pattern="L"),
    MiniMoEConfig.preset("tiny", **SMALL, num_layers=5, layer_pattern="LS", tie_embeddings=True),
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.layer_pattern}x{c.num_layers}")
@pytest.mark.parametrize("dtype, bytes_per_value", [(torch.float32, 4), (torch.bfloat16, 2)])
def test_measured_hybrid_cache_equals_the_formula(config, dtype, bytes_per_value):
    torch.manual_seed(0)
    model = MiniMoE(config).to(dtype).eval()
    for batch, prompt, decoded in [(1, 1, 0), (3, 10, 0), (2, 7, 5)]:
        with torch.no_grad():
            cache = model(torch.randint(0, 40, (batch, prompt))).cache
            for _ in range(decoded):  # one token at a time, as generation does
                cache = model(torch.randint(0, 40, (batch, 1)), cache=cache).cache
        expected = hybrid_cache_bytes(config, prompt + decoded, batch, bytes_per_value)
        assert cache.nbytes() == expected, (batch, prompt, decoded)


def test_lightning_states_stay_float32_in_a_bfloat16_model():
    config = CONFIGS[2]
    model = MiniMoE(config).to(torch.bfloat16).eval()
    with torch.no_grad():
        cache = model(torch.zeros(1, 6, dtype=torch.long)).cache
    assert {state.dtype for state in cache.layers} == {torch.float32}
    assert cache.nbytes() == lightning_state_bytes(2, config.num_heads, config.head_dim)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"{c.layer_pattern}x{c.num_layers}")
def test_parameter_counts_equal_the_built_models(config):
    model = MiniMoE(config)
    assert parameter_counts(config) == count_parameters(model) == count_parameters(config)
    expert = model.layers[0].mlp.experts[0]
    assert sum(p.numel() for p in expert.parameters()) == expert_parameters(32, 24)


def test_m1_counts_match_its_published_totals():
    total, active = parameter_counts(MiniMoEConfig.preset("minimax-m1"))
    assert total / 1e9 == pytest.approx(456, rel=0.01)
    assert active / 1e9 == pytest.approx(45.9, rel=0.01)


def test_kv_cache_of_m1_softmax_layers_at_a_million_tokens():
    m1 = MiniMoEConfig.preset("minimax-m1")
    softmax_layers = m1.layer_types.count("softmax")
    assert softmax_layers == 10
    total = kv_cache_bytes(softmax_layers, m1.num_kv_heads, m1.head_dim, 1_000_000)
    assert total == 2 * 10 * 8 * 128 * 1_000_000 * 2  # ≈ 41 GB in bfloat16
    assert kv_cache_bytes(1, 1, 1, 1, bytes_per_value=4) == 8
    with pytest.raises(ValueError, match="n must be non-negative"):
        kv_cache_bytes(1, 1, 1, -1)


def test_lightning_state_of_m1_does_not_depend_on_length():
    # 70 lightning layers × 64 heads × 128 × 128 float32 values.
    assert lightning_state_bytes(70, 64, 128) == 70 * 64 * 128 * 128 * 4
    # One layer's state equals one softmax layer's cache at 512 tokens (8 kv heads, same bytes).
    assert lightning_state_bytes(1, 64, 128, 2) == kv_cache_bytes(1, 8, 128, 512, 2)
    with pytest.raises(ValueError, match="non-negative"):
        lightning_state_bytes(1, -1, 128)


def test_hybrid_cache_of_m1_is_the_sum_of_its_parts():
    m1 = MiniMoEConfig.preset("minimax-m1")
    states = lightning_state_bytes(70, m1.num_heads, m1.head_dim)
    caches = kv_cache_bytes(10, m1.num_kv_heads, m1.head_dim, 1000, bytes_per_value=2)
    assert hybrid_cache_bytes(m1, 1000, batch=3, bytes_per_value=2) == 3 * (states + caches)
    with pytest.raises(ValueError, match="batch"):
        hybrid_cache_bytes(m1, 10, batch=-1)
