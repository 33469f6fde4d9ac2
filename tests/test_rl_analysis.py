"""Tests for minimoe.rl.analysis: the fork-token and precision analyses of lesson 07."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import task_model

from minimoe.rl.analysis import (
    cast_copy,
    clip_rate_by_probability,
    final_hidden,
    gradient_weight_curve,
    head_logprobs,
    head_precision_sweep,
    highlight_tokens,
    per_token_gradient,
    probability_agreement,
    ratio_noise,
    replay_updates,
    sampler_and_trainer_logprobs,
    token_view,
)
from minimoe.rl.rollout import collect_rollout
from minimoe.tasks import TOKENIZER, make_dataset

_model = task_model


PROBLEMS = make_dataset("sorting", 8, seed=0, difficulty=3)


def _batch():
    """Two rows of four tokens; the last token of row 1 is padding."""
    old_logp = torch.log(torch.tensor([[0.9, 0.05, 0.5, 0.3], [0.2, 0.95, 0.01, 0.6]]))
    ratio = torch.tensor([[1.0, 3.0, 1.1, 0.5], [0.7, 1.01, 5.0, 2.0]])
    advantages = torch.tensor([1.0, -1.0])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0]])
    return old_logp, ratio, advantages, mask


# --------------------------------------------------------------------------------------------
# Fork tokens


def test_token_view_flattens_response_tokens_and_marks_both_clip_sides():
    old_logp, ratio, advantages, mask = _batch()
    view = token_view(old_logp, ratio, advantages, mask, eps_low=0.2, eps_high=0.2)
    assert view.ratio.tolist() == pytest.approx([1.0, 3.0, 1.1, 0.5, 0.7, 1.01, 5.0])
    assert view.old_prob.tolist() == pytest.approx([0.9, 0.05, 0.5, 0.3, 0.2, 0.95, 0.01])
    # row 0 (Â > 0): r = 3.0 is above 1.2; row 1 (Â < 0): r = 0.7 is below 0.8
    assert view.clipped_high.tolist() == [False, True, False, False, False, False, False]
    assert view.clipped_low.tolist() == [False, False, False, False, True, False, False]
    assert view.clipped.sum().item() == 2


def test_token_view_rejects_mismatched_shapes():
    old_logp, ratio, advantages, mask = _batch()
    with pytest.raises(ValueError, match="share one"):
        token_view(old_logp, ratio[:, :3], advantages, mask)


@settings(max_examples=50, deadline=None)
@given(
    old=st.lists(st.floats(0.001, 1.0), min_size=1, max_size=20),
    new=st.lists(st.floats(0.001, 1.0), min_size=1, max_size=20),
    eps=st.floats(0.01, 1.0),
)
def test_only_tokens_below_one_over_one_plus_eps_can_be_clipped_above(old, new, eps):
    n = min(len(old), len(new))
    old_p, new_p = torch.tensor([old[:n]]), torch.tensor([new[:n]])
    view = token_view(old_p.log(), new_p / old_p, torch.ones(1), torch.ones(1, n), eps, eps)
    assert bool((view.old_prob[view.clipped_high] < 1 / (1 + eps)).all())


def test_clip_rate_by_probability_counts_every_token_once():
    old_prob = torch.tensor([0.05, 0.2, 0.2, 0.95, 1.0, 0.5])
    clipped = torch.tensor([True, True, False, False, False, False])
    bins = clip_rate_by_probability(old_prob, clipped, edges=(0.0, 0.1, 0.5, 1.0))
    assert [b.tokens for b in bins] == [1, 2, 3]  # 1.0 lands in the last bin, 0.5 in [0.5, 1]
    assert [b.clipped for b in bins] == [1, 1, 0]
    assert [b.clip_rate for b in bins] == [1.0, 0.5, 0.0]


@pytest.mark.parametrize("edges", [(0.5,), (0.0, 0.5, 0.5), (1.0, 0.0)])
def test_clip_rate_by_probability_rejects_bad_edges(edges):
    with pytest.raises(ValueError, match="increasing"):
        clip_rate_by_probability(torch.ones(2), torch.zeros(2, dtype=torch.bool), edges)


def test_per_token_gradient_dapo_drops_clipped_tokens_cispo_keeps_them():
    old_logp, ratio, advantages, mask = _batch()
    logp = old_logp + ratio.log()
    clipped = (torch.tensor([[0, 1, 0, 0], [1, 0, 0, 0]]) == 1) & mask.bool()
    dapo = per_token_gradient("dapo", logp, old_logp, advantages, mask)
    cispo = per_token_gradient("cispo", logp, old_logp, advantages, mask)
    assert dapo[clipped].abs().sum() == 0
    assert bool((cispo[clipped] != 0).all())
    # CISPO: ∂L/∂logp_t = −min(r, 1 + ε^IS_high)·Â / N on every response token, N = 7
    expected = -ratio.clamp(max=5.0) * advantages[:, None] / 7 * mask
    torch.testing.assert_close(cispo, expected)


def test_gradient_weight_curve_matches_the_masks():
    r = torch.tensor([0.5, 1.0, 1.3, 6.0])
    up = gradient_weight_curve(r, 1.0, eps_low=0.2, eps_high=0.2, is_eps_high=4.0)
    assert up["ppo"].tolist() == pytest.approx([0.5, 1.0, 0.0, 0.0])
    assert up["cispo"].tolist() == pytest.approx([0.5, 1.0, 1.3, 5.0])
    down = gradient_weight_curve(r, -2.0, eps_low=0.2, eps_high=0.2, is_eps_high=4.0)
    assert down["ppo"].tolist() == pytest.approx([0.0, -2.0, -2.6, -12.0])
    assert down["cispo"].tolist() == pytest.approx([-1.0, -2.0, -2.6, -10.0])


def test_highlight_tokens_brackets_flagged_response_tokens():
    ids = torch.tensor(TOKENIZER.encode("21:#12<eos>", add_bos=True))
    # 8 ids, 7 predictions; predictions 3..6 write "#12<eos>"
    mask = torch.tensor([0, 0, 0, 1, 1, 1, 1], dtype=torch.float)
    flags = torch.tensor([True, False, False, False, True, False, False])
    assert highlight_tokens(ids, mask, flags) == "#[1]2<eos>"


def test_replay_updates_records_ratios_before_each_update():
    model = _model()
    rollout = collect_rollout(
        model, PROBLEMS[:4], 4, max_new_tokens=6, generator=torch.Generator().manual_seed(0)
    )
    rollout.rewards = torch.tensor([1.0, 0.0, 0.0, 1.0] * 4)  # every group has a signal
    before = [p.detach().clone() for p in model.parameters()]
    replay = replay_updates(model, rollout, loss="cispo", updates=3, lr=1e-2)
    assert [s.update for s in replay.snapshots] == [1, 2, 3]
    keep = replay.mask.bool()
    torch.testing.assert_close(replay.snapshots[0].ratio[keep], torch.ones(int(keep.sum())))
    assert replay.snapshots[0].metrics["clip_fraction"] == 0.0
    assert not torch.equal(replay.snapshots[2].ratio[keep], replay.snapshots[0].ratio[keep])
    assert any(not torch.equal(a, p) for a, p in zip(before, model.parameters()))
    assert replay.advantages.shape == (16,)
    with pytest.raises(ValueError, match="at least 1"):
        replay_updates(model, rollout, updates=0)


# --------------------------------------------------------------------------------------------
# Precision


def test_cast_copy_leaves_the_original_alone():
    model = _model()
    twin = cast_copy(model, torch.bfloat16, fp32_lm_head=False)
    assert twin.lm_head.weight.dtype == torch.bfloat16 and not twin.config.fp32_lm_head
    assert model.lm_head.weight.dtype == torch.float32 and model.config.fp32_lm_head
    assert not twin.training


def test_sampler_and_trainer_agree_when_they_are_the_same_fp32_model():
    model = _model()
    prompts = [p.prompt for p in PROBLEMS[:3]]
    generator = torch.Generator().manual_seed(0)
    sampled, trained = sampler_and_trainer_logprobs(
        model, model, prompts, max_new_tokens=5, generator=generator
    )
    assert sampled.shape == trained.shape and sampled.dim() == 1 and len(sampled) >= 3
    torch.testing.assert_close(sampled, trained, atol=1e-4, rtol=0)
    twin = cast_copy(model, torch.bfloat16, fp32_lm_head=False)
    sampled, trained = sampler_and_trainer_logprobs(twin, model, prompts, max_new_tokens=5)
    assert sampled.shape == trained.shape


def test_final_hidden_feeds_the_lm_head():
    model = _model()
    ids, mask = TOKENIZER.batch_encode([p.prompt for p in PROBLEMS[:2]])
    hidden = final_hidden(model, ids, mask)
    with torch.no_grad():
        logits = model(ids, attention_mask=mask).logits
    torch.testing.assert_close(hidden @ model.lm_head.weight.T, logits)
    assert not model.norm._forward_hooks  # the hook is removed


def test_head_logprobs_in_fp32_is_log_softmax_and_bf16_only_rounds():
    generator = torch.Generator().manual_seed(0)
    hidden, weight = (
        torch.randn(2, 3, 8, generator=generator),
        torch.randn(5, 8, generator=generator),
    )
    tokens = torch.tensor([[0, 1, 4], [2, 2, 3]])
    exact = torch.log_softmax(hidden @ weight.T, -1).gather(-1, tokens[..., None])[..., 0]
    torch.testing.assert_close(head_logprobs(hidden, weight, tokens, torch.float32), exact)
    rounded = head_logprobs(hidden, weight, tokens, torch.bfloat16)
    assert rounded.dtype == torch.float32
    assert 0 < (rounded - exact).abs().max() < 0.2


def test_head_precision_sweep_reports_larger_logits_at_larger_scales():
    generator = torch.Generator().manual_seed(0)
    hidden, weight = (
        torch.randn(64, 16, generator=generator),
        torch.randn(24, 16, generator=generator),
    )
    rows = head_precision_sweep(hidden, weight, (1.0, 4.0), generator)
    assert [row["scale"] for row in rows] == [1.0, 4.0]
    assert rows[1]["max_abs_logit"] == pytest.approx(4 * rows[0]["max_abs_logit"], rel=1e-5)
    assert all(0.9 < row["pearson"] <= 1.0 and row["ratio_std"] >= 0 for row in rows)
    with pytest.raises(ValueError, match="positions"):
        head_precision_sweep(hidden[None], weight)


def test_probability_agreement_of_identical_and_of_known_differences():
    p = torch.tensor([0.1, 0.5, 0.9])
    same = probability_agreement(p, p)
    assert same["max_abs_diff"] == 0 and same["pearson"] == pytest.approx(1.0)
    shifted = probability_agreement(p, p + torch.tensor([0.0, 0.1, -0.2]))
    assert shifted["max_abs_diff"] == pytest.approx(0.2)
    assert shifted["mean_abs_diff"] == pytest.approx(0.1)
    with pytest.raises(ValueError, match="same length"):
        probability_agreement(p, p[:2])


def test_ratio_noise_is_zero_for_identical_logprobs_and_counts_outliers():
    logp = torch.log(torch.tensor([[0.5, 0.2, 0.9, 0.3]]))
    mask = torch.tensor([[1.0, 1.0, 1.0, 0.0]])
    assert ratio_noise(logp, logp, mask) == {
        "std": 0.0,
        "mean_abs_dev": 0.0,
        "max_abs_log": 0.0,
        "outside": 0.0,
    }
    # r = 1.5, 1.0, 0.5 on the masked tokens; the padded token's r = 100 is ignored
    sampler = logp - torch.log(torch.tensor([[1.5, 1.0, 0.5, 100.0]]))
    noise = ratio_noise(logp, sampler, mask)
    assert noise["outside"] == pytest.approx(2 / 3)
    assert noise["max_abs_log"] == pytest.approx(math.log(2))
    assert noise["mean_abs_dev"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="no tokens"):
        ratio_noise(logp, logp, torch.zeros_like(mask))
