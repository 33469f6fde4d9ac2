"""Designing to a budget: validated choices, FLOPs per token, time estimates and the budget gate."""

from __future__ import annotations

import pytest

from minimoe.design import (
    CACHE_TOKENS,
    Plan,
    StageTimes,
    check_design,
    design_config,
    estimate_seconds,
    flops_per_token,
    measure_stage_times,
    summarize_design,
)
from minimoe.flops import Architecture, hybrid_cache_bytes, prefill_flops
from minimoe.model import MiniMoE, count_parameters
from minimoe.rl.trainer import RLConfig
from minimoe.tasks import TOKENIZER
from minimoe.train import SFTConfig
from tests.tiny import SORT_TWO, task_model

PLAN = Plan(
    sft=SFTConfig(steps=100, batch_size=64, eval_every=0),
    rl=RLConfig(steps=10, prompts_per_step=16, group_size=8, updates_per_batch=2),
    eval_answers=1000,
    budget=1.5,
)
REFERENCE = design_config()
TIMES = StageTimes(REFERENCE, seq_len=24, sft_step=0.5, rl_step=3.0, answer=0.005)


def test_design_config_starts_from_tiny_with_the_course_vocabulary():
    config = design_config(layer_pattern="LLLS", num_experts=8)
    assert config.vocab_size == TOKENIZER.vocab_size
    assert (config.layer_pattern, config.num_experts, config.hidden_size) == ("LLLS", 8, 64)


@pytest.mark.parametrize(
    "choices, message",
    [
        ({"vocab_size": 10}, "not design choices"),
        ({"hidden_size": 1024}, "hidden_size=1024 is outside the capstone's range 16 to 256"),
        ({"num_experts": 0}, "num_experts=0 is outside"),
        ({"top_k": 2.0}, "top_k=2.0 is outside"),
        ({"layer_pattern": "LLLLLLLLLLLLLS"}, "1 to 12 letters"),
        ({"layer_pattern": "LX"}, "unknown letters"),
        ({"num_experts": 2, "top_k": 3}, "top_k=3 is larger than num_experts=2"),
        ({"hidden_size": 50}, "not divisible by num_heads=4"),
    ],
)
def test_design_config_refuses_what_is_out_of_range_or_inconsistent(choices, message):
    with pytest.raises(ValueError, match=message):
        design_config(**choices)


def test_flops_per_token_is_a_prefill_over_the_sequence_per_token():
    config = design_config(num_experts=8, top_k=1)
    arch = Architecture.from_config(config)
    assert flops_per_token(config, 24) == prefill_flops(arch, 24).total / 24
    # More experts at the same top-k add parameters, but FLOPs only in the router (d per expert).
    extra = flops_per_token(design_config(num_experts=16), 24) - flops_per_token(REFERENCE, 24)
    assert extra == 2 * REFERENCE.num_layers * REFERENCE.hidden_size * (16 - 4)


def test_estimate_scales_the_measured_times_by_flops():
    assert estimate_seconds(REFERENCE, PLAN, TIMES) == pytest.approx(
        {"sft": 50.0, "rl": 30.0, "evaluation": 5.0}
    )
    wide = design_config(hidden_size=128)
    ratio = flops_per_token(wide, 24) / flops_per_token(REFERENCE, 24)
    assert estimate_seconds(wide, PLAN, TIMES)["sft"] == pytest.approx(50.0 * ratio)


def test_summary_reports_counts_cache_and_time():
    config = design_config(layer_pattern="LLLS")
    summary = summarize_design(config, PLAN, TIMES)
    assert (summary.total_parameters, summary.active_parameters) == count_parameters(
        MiniMoE(config)
    )
    assert summary.cache_bytes == hybrid_cache_bytes(config, CACHE_TOKENS)
    assert summary.softmax_cache_bytes > 3 * summary.cache_bytes  # 2 of 8 layers keep keys
    lines = "\n".join(summary.lines())
    assert "6 lightning, 2 softmax" in lines
    # The reference takes 50 + 30 + 5 s; the budget is 1.5 times that.
    assert summary.reference_seconds == pytest.approx(85.0)
    assert "fits the budget of 128 s (1.5× the reference's 85 s on this CPU)" in lines


def test_check_design_refuses_an_estimate_over_budget_with_the_numbers():
    assert check_design(REFERENCE, PLAN, TIMES).fits
    with pytest.raises(
        ValueError, match=r"would take about \d+ s \(sft .*over the budget of 128 s"
    ):
        check_design(design_config(hidden_size=256, expert_hidden=256), PLAN, TIMES)


def test_measured_stage_times_are_positive_and_leave_the_model_as_it_was():
    model = task_model()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    plan = Plan(
        sft=SFTConfig(steps=5, batch_size=4, warmup=0, eval_every=0),
        rl=RLConfig(steps=5, prompts_per_step=2, group_size=2, updates_per_batch=1),
        eval_answers=10,
    )
    times = measure_stage_times(model, SORT_TWO, SORT_TWO, plan, answers=4)
    assert times.config == model.config
    assert times.seq_len == 8  # <bos>, 2 digits, ":", "#", 2 digits, <eos>
    assert min(times.sft_step, times.rl_step, times.answer) > 0
    assert all((before[k] == v).all() for k, v in model.state_dict().items())


def test_plan_refuses_a_budget_of_nothing():
    with pytest.raises(ValueError, match="budget > 0"):
        Plan(PLAN.sft, PLAN.rl, eval_answers=10, budget=0)


def test_the_budget_moves_with_the_machine():
    """A CPU twice as slow doubles the reference and the design alike: the verdict stays."""
    config = design_config(hidden_size=96)
    slow = StageTimes(REFERENCE, 24, 2 * TIMES.sft_step, 2 * TIMES.rl_step, 2 * TIMES.answer)
    fast, slower = summarize_design(config, PLAN, TIMES), summarize_design(config, PLAN, slow)
    assert slower.total_seconds == pytest.approx(2 * fast.total_seconds)
    assert slower.fits == fast.fits
