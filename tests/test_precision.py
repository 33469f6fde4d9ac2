"""Lesson 07's precision experiment: a bf16 sampler against an fp32 trainer, and the LM head."""

from __future__ import annotations

import math

import pytest
import torch
from tiny import task_model

from minimoe.experiments.precision import (
    cast_copy,
    final_hidden,
    head_logprobs,
    head_precision_sweep,
    probability_agreement,
    ratio_noise,
    sampler_and_trainer_logprobs,
    truncated_is_weight,
)
from minimoe.tasks import TOKENIZER, make_dataset

_model = task_model


PROBLEMS = make_dataset("sorting", 8, seed=0, difficulty=3)


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
    assert all(0.9 < row["pearson"] < 1.0 for row in rows)
    # larger logits, larger rounding error in bf16: r spreads more
    assert rows[1]["ratio_std"] > rows[0]["ratio_std"] > 0
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


def test_truncated_is_weight_is_the_probability_ratio_capped():
    sampler = torch.tensor([0.5, 0.1, 0.4, 0.9]).log()
    trainer = torch.tensor([0.5, 0.3, 0.2, 0.9]).log()
    weight = truncated_is_weight(trainer, sampler, cap=2.0)
    torch.testing.assert_close(weight, torch.tensor([1.0, 2.0, 0.5, 1.0]))
    assert truncated_is_weight(trainer, sampler, cap=5.0)[1].item() == pytest.approx(3.0)
    assert not truncated_is_weight(trainer.requires_grad_(True), sampler).requires_grad


@pytest.mark.parametrize(
    "kwargs, match",
    [({"cap": 0.0}, "cap"), ({"sampler_logp": torch.zeros(3)}, "same shape")],
)
def test_truncated_is_weight_rejects_bad_input(kwargs, match):
    args = {"trainer_logp": torch.zeros(4), "sampler_logp": torch.zeros(4), **kwargs}
    with pytest.raises(ValueError, match=match):
        truncated_is_weight(**args)
