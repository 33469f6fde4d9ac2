"""Accounting arithmetic (minimoe.flops) against what built models measure: parameter counts,
the caches a model builds, torch's FLOP counter, and the published sizes of the paper-scale
architectures."""

from __future__ import annotations

import pytest
import torch

from minimoe.config import MiniMoEConfig
from minimoe.flops import (
    ARCHITECTURES,
    DEEPSEEK_R1,
    MINIMAX_M1,
    QWEN3_235B,
    REPORT_LENGTHS,
    Architecture,
    FlopCount,
    attention_flops,
    cache_bytes,
    comparison_rows,
    counted_flops,
    decode_flops,
    expert_parameters,
    generation_flops,
    hybrid_cache_bytes,
    kv_cache_bytes,
    lightning_decode_flops,
    lightning_prefill_flops,
    lightning_state_bytes,
    parameter_counts,
    prefill_flops,
    report_comparison,
)
from minimoe.generation import generate
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


# ------------------------------------------------------------------------------ FLOPs

SCHEDULES = ["S", "L", "LLLS"]  # all-softmax, all-lightning, hybrid
# The presets the course trains, and a wider one with 8 heads and small tiles.
SHAPES = {
    "tiny": MiniMoEConfig.preset("tiny", num_layers=4, max_seq_len=2048),
    "small": MiniMoEConfig.preset("small", num_layers=4, max_seq_len=2048),
    "wide": MiniMoEConfig.preset(
        "tiny", num_layers=4, hidden_size=128, num_heads=8, expert_hidden=96, block_size=16
    ),
}


def _model(config: MiniMoEConfig, pattern: str, seed: int = 0) -> tuple[MiniMoE, Architecture]:
    config = config.replace(layer_pattern=pattern)
    torch.manual_seed(seed)
    return MiniMoE(config).eval(), Architecture.from_config(config)


def _rank_one_updates(arch: Architecture, batch: int) -> int:
    """The lightning decode update kᵀv, elementwise in minimoe, so the counter misses it."""
    return batch * arch.count("L") * 2 * arch.num_heads * arch.head_dim**2


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("pattern", SCHEDULES)
# one short block; several; the CPU inference path (slow: the math path's 1100² scores)
@pytest.mark.parametrize("n", [5, 70, pytest.param(1100, marks=pytest.mark.slow)])
def test_prefill_matches_the_flop_counter(shape, pattern, n):
    model, arch = _model(SHAPES[shape], pattern)
    ids = torch.randint(0, arch.vocab_size, (2, n))
    with torch.no_grad():
        measured = counted_flops(lambda: model(ids))
    predicted = prefill_flops(arch, n, causal=False).times(2).total
    assert predicted == pytest.approx(measured, rel=0.05)
    if pattern == "S":  # every product is a counted matmul: exact
        assert predicted == measured


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("pattern", SCHEDULES)
@pytest.mark.parametrize("context", [3, 64, 1100])
def test_decode_with_a_cache_matches_the_flop_counter(shape, pattern, context):
    model, arch = _model(SHAPES[shape], pattern)
    ids = torch.randint(0, arch.vocab_size, (2, context + 1))
    with torch.no_grad():
        cache = model(ids[:, :context]).cache
        measured = counted_flops(lambda: model(ids[:, context:], cache=cache))
    predicted = decode_flops(arch, context).times(2).total
    assert predicted == pytest.approx(measured, rel=0.05)
    # What the counter misses is exactly the rank-one state updates.
    assert predicted - measured == _rank_one_updates(arch, batch=2)


def test_wide_heads_widen_the_decode_gap_but_it_stays_the_rank_one_update():
    # Two heads of 64 on a 96-wide stream: the uncounted kᵀv is a larger share (about 7%).
    config = MiniMoEConfig.preset("tiny", num_layers=4, hidden_size=96, num_heads=2, head_dim=64)
    model, arch = _model(config.replace(num_kv_heads=1), "L")
    ids = torch.randint(0, arch.vocab_size, (1, 9))
    with torch.no_grad():
        cache = model(ids[:, :8]).cache
        measured = counted_flops(lambda: model(ids[:, 8:], cache=cache))
    assert decode_flops(arch, 8).total - measured == _rank_one_updates(arch, batch=1)


@pytest.mark.parametrize("pattern", SCHEDULES)
def test_generation_is_one_prefill_then_decode_steps(pattern):
    arch = Architecture.from_config(SHAPES["tiny"].replace(layer_pattern=pattern))
    prompt, new = 7, 12
    steps = [decode_flops(arch, prompt + j) for j in range(new - 1)]
    expected = sum(steps, prefill_flops(arch, prompt))
    assert generation_flops(arch, new, prompt) == expected
    assert generation_flops(arch, 1, prompt) == prefill_flops(arch, prompt)
    assert generation_flops(arch, 0, prompt) == FlopCount()


def test_generation_matches_counting_a_real_generate_call():
    model, arch = _model(SHAPES["tiny"], "S")
    prompt = torch.randint(0, arch.vocab_size, (1, 10))
    measured = counted_flops(lambda: generate(model, prompt, max_new_tokens=20, temperature=0))
    # The counter sees the math path's full prompt score matrix, not its causal half.
    full_prefill = prefill_flops(arch, 10, causal=False).total - prefill_flops(arch, 10).total
    assert generation_flops(arch, 20, prompt=10).total + full_prefill == measured


@pytest.mark.parametrize("pattern", SCHEDULES)
@pytest.mark.parametrize("dtype, size", [(torch.float32, 4), (torch.bfloat16, 2)])
def test_cache_bytes_match_the_model_cache(pattern, dtype, size):
    model, arch = _model(SHAPES["tiny"], pattern)
    model = model.to(dtype)
    ids = torch.randint(0, arch.vocab_size, (3, 40))
    with torch.no_grad():
        cache = model(ids).cache
        cache = model(ids[:, :1], cache=cache).cache
    assert cache_bytes(arch, 41, batch=3, bytes_per_value=size).total == cache.nbytes()


def test_all_lightning_cache_does_not_grow():
    arch = Architecture.from_config(SHAPES["tiny"].replace(layer_pattern="L"))
    sizes = {cache_bytes(arch, n, bytes_per_value=4).total for n in (1, 1000, 1_000_000)}
    assert len(sizes) == 1


def test_decode_costs_grow_with_context_only_in_softmax_and_mla_layers():
    for arch, grows in ((MINIMAX_M1, True), (DEEPSEEK_R1, True), (QWEN3_235B, True)):
        assert (decode_flops(arch, 2000).total > decode_flops(arch, 1000).total) is grows
    lightning = Architecture.from_config(SHAPES["tiny"].replace(layer_pattern="L"))
    assert decode_flops(lightning, 10) == decode_flops(lightning, 100_000)


def test_softmax_and_lightning_layers_cost_the_same_at_a_context_of_one_head_dim():
    heads, d = 64, 128
    assert attention_flops(heads, d, d, pairs=d) == lightning_decode_flops(heads, d)
    assert attention_flops(heads, d, d, pairs=2 * d) == 2 * lightning_decode_flops(heads, d)


def test_causal_prefill_counts_only_the_lower_triangle():
    arch = Architecture.from_config(SHAPES["tiny"].replace(layer_pattern="S"))
    n, heads, d = 100, arch.num_heads, arch.head_dim
    gap = prefill_flops(arch, n, causal=False).attention - prefill_flops(arch, n).attention
    assert gap == arch.num_layers * 2 * heads * 2 * d * (n * n - n * (n + 1) // 2)
    # Lightning: whole tiles against their lower triangles, block by block.
    full = lightning_prefill_flops(2, 8, 10, 4, causal=False)
    causal = lightning_prefill_flops(2, 8, 10, 4, causal=True)
    assert full - causal == 2 * 4 * 8 * (4 * 4 - 10 + 4 * 4 - 10 + 2 * 2 - 3)


def _active_billions(arch: Architecture, with_embeddings: bool) -> float:
    per_token = decode_flops(arch, 0)
    active = (per_token.projections + per_token.ffn) / 2
    if with_embeddings:  # the LM head and the embedding matrix
        active += per_token.lm_head
    return active / 1e9


def test_paper_architectures_reproduce_their_published_active_parameters():
    # M1: "45.9 billion activations", without embeddings (MiniMax's convention).
    assert _active_billions(MINIMAX_M1, with_embeddings=False) == pytest.approx(45.9, rel=0.002)
    # DeepSeek-V3/R1: "37B activated". (README_WEIGHTS says 36.7B including 0.9B + 0.9B of
    # embedding and head; the config gives 37.6B.)
    assert _active_billions(DEEPSEEK_R1, with_embeddings=True) == pytest.approx(37, rel=0.02)
    # Qwen3-235B-A22B (secondary shapes): about 22B.
    assert _active_billions(QWEN3_235B, with_embeddings=True) == pytest.approx(22, rel=0.02)


def test_cache_sizes_of_the_paper_architectures():
    # M1 at 1M tokens: 10 softmax layers of 8 key/value heads of 128 in bf16, plus 70 float32
    # lightning states of 64 × 128 × 128.
    m1 = cache_bytes(MINIMAX_M1, 1_000_000)
    assert m1.kv == 10 * 2 * 8 * 128 * 1_000_000 * 2
    assert m1.state == 70 * 64 * 128 * 128 * 4 and m1.latent == 0
    # R1 at 128K: 61 layers of a 512 + 64 latent in bf16, about 9.2 GB.
    r1 = cache_bytes(DEEPSEEK_R1, 131_072)
    assert r1.latent == 61 * 576 * 131_072 * 2 and r1.kv == r1.state == 0
    assert r1.total / 1e9 == pytest.approx(9.2, abs=0.05)
    naive = cache_bytes(DEEPSEEK_R1.replace(mla_form="naive"), 131_072)
    assert naive.kv / r1.latent == pytest.approx(128 * (192 + 128) / 576)


def test_absorbed_mla_does_more_attention_work_than_naive():
    naive = DEEPSEEK_R1.replace(mla_form="naive")
    per_context = [
        decode_flops(a, 1).attention - decode_flops(a, 0).attention for a in (DEEPSEEK_R1, naive)
    ]
    assert per_context[0] / per_context[1] == pytest.approx((576 + 512) / (192 + 128))
    # The weights every token uses are the same in both forms.
    assert decode_flops(DEEPSEEK_R1, 0).projections == decode_flops(naive, 0).projections


@pytest.mark.parametrize(
    "changes, message",
    [
        (dict(layer_pattern="LX"), "layer_pattern"),
        (dict(layer_pattern="M", kv_lora_rank=0), "kv_lora_rank"),
        (dict(layer_pattern="S", num_kv_heads=3), "num_kv_heads"),
        (dict(top_k=300), "top_k"),
        (dict(mla_form="fused"), "mla_form"),
        (dict(dense_layers=99), "dense_layers"),
        (dict(hidden_size=0), "hidden_size"),
    ],
)
def test_architecture_rejects_bad_shapes(changes, message):
    base = QWEN3_235B if changes.get("layer_pattern") == "S" else DEEPSEEK_R1
    with pytest.raises(ValueError, match=message):
        base.replace(**changes)


def test_functions_reject_negative_lengths():
    with pytest.raises(ValueError, match="context"):
        decode_flops(MINIMAX_M1, -1)
    with pytest.raises(ValueError, match="prompt"):
        generation_flops(MINIMAX_M1, 10, prompt=0)
    with pytest.raises(TypeError, match="MiniMoEConfig"):
        Architecture.from_config("minimax-m1")


def test_comparison_rows_and_the_report_claims():
    rows = comparison_rows()
    assert {row["model"] for row in rows} == set(ARCHITECTURES)
    assert [row["tokens"] for row in rows if row["model"] == "m1"] == list(REPORT_LENGTHS)
    assert all(set(row) == {"model", "tokens", "flops"} for row in rows)
    comparison = report_comparison()
    at_64k = REPORT_LENGTHS.index(65_536)
    assert comparison.ratios["R1 naive MLA"][at_64k] < 0.5
    assert comparison.ratios["R1 absorbed MLA"][at_64k] < 0.5
    # M1's advantage is attention alone: without it, M1 is the dearer model per token.
    assert comparison.ratios["weights only (no attention)"][0] > 1
    text = comparison.text()
    assert "less than 50%" in text and "about 25%" in text and "secondary" in text


@pytest.mark.slow
def test_the_flops_command_prints_writes_json_and_a_plot(tmp_path, capsys):
    import json

    from minimoe.cli import main

    path, plot = tmp_path / "flops.json", tmp_path / "flops.png"
    assert main(["flops", "--json", str(path), "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "DeepSeek-R1 (absorbed MLA)" in out and "R1 naive MLA" in out and "secondary" in out
    rows = json.loads(path.read_text())
    assert rows == comparison_rows()
    assert plot.stat().st_size > 10_000
