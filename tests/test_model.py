from __future__ import annotations

import pytest
import torch
from tiny import LLLS, seeded

from minimoe.config import MiniMoEConfig
from minimoe.model import HybridCache, MiniMoE, count_parameters

SMALL = LLLS


def _model(config: MiniMoEConfig = SMALL, seed: int = 0) -> MiniMoE:
    return seeded(config, seed)


@pytest.mark.parametrize("norm", ["post", "pre"])
def test_prefill_plus_decode_equals_full_forward(norm):
    model = _model(SMALL.replace(norm=norm))
    ids = torch.randint(0, 50, (2, 13))
    with torch.no_grad():
        full = model(ids).logits
        out = model(ids[:, :9])
        steps = [out.logits]
        for t in range(9, 13):
            out = model(ids[:, t : t + 1], cache=out.cache)
            steps.append(out.logits)
    assert out.cache.length == 13
    torch.testing.assert_close(torch.cat(steps, dim=1), full, atol=1e-5, rtol=1e-4)


def test_left_padded_batch_equals_unpadded_rows():
    model = _model()
    rows = [torch.randint(1, 50, (n,)) for n in (11, 6, 9)]
    width = max(len(r) for r in rows)
    ids = torch.zeros(3, width, dtype=torch.long)
    mask = torch.zeros(3, width, dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, width - len(r) :] = r
        mask[i, width - len(r) :] = 1
    with torch.no_grad():
        batched = model(ids, attention_mask=mask)
        step = model(torch.tensor([[7], [8], [9]]), cache=batched.cache)
        for i, r in enumerate(rows):
            alone = model(r[None])
            torch.testing.assert_close(
                batched.logits[i, width - len(r) :], alone.logits[0], atol=1e-5, rtol=1e-4
            )
            alone_step = model(torch.tensor([[7 + i]]), cache=alone.cache)
            torch.testing.assert_close(step.logits[i], alone_step.logits[0], atol=1e-5, rtol=1e-4)


def test_hybrid_cache_memory_grows_only_in_softmax_layers():
    model = _model()
    with torch.no_grad():
        short = model(torch.randint(0, 50, (1, 8))).cache
        long = model(torch.randint(0, 50, (1, 16))).cache
    assert isinstance(short, HybridCache)
    cfg = SMALL
    # Lightning: one (heads, d, d) fp32 state per layer, whatever the length.
    lightning_bytes = 3 * cfg.num_heads * cfg.head_dim**2 * 4
    # Softmax: keys and values, (kv_heads, length, d) each, in the model dtype.
    kv_bytes_per_token = 2 * cfg.num_kv_heads * cfg.head_dim * 4
    assert short.nbytes() == lightning_bytes + 8 * kv_bytes_per_token
    assert long.nbytes() - short.nbytes() == 8 * kv_bytes_per_token


def test_aux_loss_is_coef_times_layer_sum_and_reaches_routers():
    model = _model(SMALL.replace(aux_loss_coef=0.1))
    out = model(torch.randint(0, 50, (2, 6)))
    layer_sum = sum(s.aux_loss for s in out.stats)
    torch.testing.assert_close(out.aux_loss, 0.1 * layer_sum)
    assert len(out.stats) == SMALL.num_layers
    out.aux_loss.backward()
    assert all(layer.mlp.gate.weight.grad.abs().sum() > 0 for layer in model.layers)


def test_fp32_lm_head_in_bfloat16_model():
    model = _model().to(torch.bfloat16)
    logits = model(torch.randint(0, 50, (1, 5))).logits
    assert logits.dtype == torch.float32
    plain = _model(SMALL.replace(fp32_lm_head=False)).to(torch.bfloat16)
    assert plain(torch.randint(0, 50, (1, 5))).logits.dtype == torch.bfloat16


@pytest.mark.parametrize(
    "config",
    [
        SMALL,
        SMALL.replace(tie_embeddings=True),
        SMALL.replace(head_dim=12, num_kv_heads=4, top_k=1, layer_pattern="LS"),
        MiniMoEConfig.preset("tiny"),
    ],
)
def test_analytic_parameter_count_matches_the_module(config):
    model = MiniMoE(config)
    total, active = count_parameters(model)
    assert (total, active) == count_parameters(config)
    assert total == sum(p.numel() for p in model.parameters())
    per_expert = 3 * config.hidden_size * config.expert_hidden
    embeddings = config.vocab_size * config.hidden_size * (1 if config.tie_embeddings else 2)
    expected_active = (
        total - embeddings - config.num_layers * (config.num_experts - config.top_k) * per_expert
    )
    assert active == expected_active


def test_minimax_m1_counts_round_to_the_published_456b_and_45_9b():
    total, active = count_parameters(MiniMoEConfig.preset("minimax-m1"))
    assert round(total / 1e9) == 456
    assert round(active / 1e9, 1) == 45.9


def test_bad_inputs_raise_helpful_errors():
    with pytest.raises(ValueError, match="multiple of num_kv_heads"):
        MiniMoE(SMALL.replace(num_kv_heads=3))
    with pytest.raises(TypeError, match="MiniMoEConfig"):
        MiniMoE({"hidden_size": 32})  # type: ignore[arg-type]
    model = _model()
    with pytest.raises(ValueError, match="batch, seq"):
        model(torch.zeros(5, dtype=torch.long))
    with pytest.raises(ValueError, match="attention_mask shape"):
        model(torch.zeros(1, 5, dtype=torch.long), attention_mask=torch.ones(1, 4))


def test_tiny_model_learns_a_repeating_sequence():
    torch.manual_seed(0)
    model = MiniMoE(MiniMoEConfig.preset("tiny", vocab_size=16, num_layers=4, layer_pattern="LLLS"))
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-2)
    ids = torch.arange(17).remainder(8)[None].repeat(2, 1)
    losses = []
    for _ in range(10):
        out = model(ids[:, :-1])
        loss = torch.nn.functional.cross_entropy(out.logits.reshape(-1, 16), ids[:, 1:].reshape(-1))
        optimizer.zero_grad()
        (loss + out.aux_loss).backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.25 * losses[0]
