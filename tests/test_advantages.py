"""Tests for minimoe.rl.advantages (and the reward-side metric zero_variance_group_fraction)."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minimoe.rl import (
    group_advantages,
    reinforce_baseline_advantages,
    zero_variance_group_fraction,
)


def test_group_advantages_hand_computed():
    # Group [1, 0, 0, 0]: mean 0.25; deviations 0.75, -0.25, -0.25, -0.25;
    # sum of squares 0.5625 + 3 * 0.0625 = 0.75; sample variance 0.75 / 3 = 0.25; std 0.5
    # -> Â = [1.5, -0.5, -0.5, -0.5].
    # Group [1, 0, 0, 1]: mean 0.5, deviations ±0.5, variance 1 / 3, std 1/sqrt(3)
    # -> Â = ±0.5 * sqrt(3).
    rewards = torch.tensor([1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0])
    h = 0.5 * math.sqrt(3)
    expected = torch.tensor([1.5, -0.5, -0.5, -0.5, h, -h, -h, h])
    torch.testing.assert_close(group_advantages(rewards, 4, eps=0.0), expected)
    # with the default eps = 1e-6 the values move by about 1e-6 relative
    torch.testing.assert_close(group_advantages(rewards, 4), expected, rtol=1e-5, atol=1e-5)


def test_group_advantages_uses_sample_std():
    rewards = torch.tensor([3.0, 1.0, 4.0, 1.0, 5.0, 9.0])
    adv = group_advantages(rewards, 3, eps=0.0).view(2, 3)
    # sample std (Bessel) of the normalised advantages is exactly 1 in every group
    torch.testing.assert_close(adv.std(dim=1), torch.ones(2))
    torch.testing.assert_close(adv.mean(dim=1), torch.zeros(2), atol=1e-6, rtol=0)


def test_mean_only_is_dr_grpo():
    # [1, 0, 0, 0] - 0.25 = [0.75, -0.25, -0.25, -0.25]; [2, 4] - 3 = [-1, 1]
    rewards = torch.tensor([1.0, 0.0, 0.0, 0.0])
    expected = torch.tensor([0.75, -0.25, -0.25, -0.25])
    torch.testing.assert_close(group_advantages(rewards, 4, normalize_std=False), expected)
    torch.testing.assert_close(
        group_advantages(torch.tensor([2.0, 4.0]), 2, normalize_std=False),
        torch.tensor([-1.0, 1.0]),
    )


@pytest.mark.parametrize("value", [0.0, 1.0, 0.1, 0.3, -7.7, 1e6])
@pytest.mark.parametrize("eps", [0.0, 1e-6])
def test_zero_variance_groups_give_exact_zeros(value, eps):
    # 0.1 and 0.3 are not exact in binary: the group mean rounds, and without the explicit
    # zeroing (R - mean) / (0 + eps) would be far from 0 (or NaN when eps = 0).
    rewards = torch.tensor([value] * 5 + [1.0, 0.0, 0.0, 0.0, 0.0])
    for adv in (
        group_advantages(rewards, 5, eps=eps),
        group_advantages(rewards, 5, normalize_std=False),
        reinforce_baseline_advantages(rewards, 5),
    ):
        assert torch.isfinite(adv).all()
        assert torch.equal(adv[:5], torch.zeros(5))
        assert adv[5:].abs().sum() > 0


def test_leave_one_out_hand_computed():
    # Â_i = R_i - mean of the others: [1,0,0,0] -> [1 - 0, 0 - 1/3, 0 - 1/3, 0 - 1/3]
    rewards = torch.tensor([1.0, 0.0, 0.0, 0.0, 2.0, 6.0])
    expected = torch.tensor([1.0, -1 / 3, -1 / 3, -1 / 3])
    torch.testing.assert_close(reinforce_baseline_advantages(rewards[:4], 4), expected)
    # groups of 2: [2, 6] -> [2 - 6, 6 - 2]
    torch.testing.assert_close(
        reinforce_baseline_advantages(rewards[4:], 2), torch.tensor([-4.0, 4.0])
    )
    # and it is the mean baseline scaled by G / (G - 1)
    torch.testing.assert_close(
        reinforce_baseline_advantages(rewards[:4], 4),
        group_advantages(rewards[:4], 4, normalize_std=False) * 4 / 3,
    )


def test_groups_are_independent_and_contiguous():
    rewards = torch.tensor([0.0, 1.0, 1.0, 5.0, 5.0, 7.0])
    whole = group_advantages(rewards, 3)
    torch.testing.assert_close(whole[:3], group_advantages(rewards[:3], 3))
    torch.testing.assert_close(whole[3:], group_advantages(rewards[3:], 3))


def test_integer_and_bool_rewards_are_accepted():
    as_float = group_advantages(torch.tensor([1.0, 0.0, 1.0, 1.0]), 2)
    torch.testing.assert_close(group_advantages(torch.tensor([1, 0, 1, 1]), 2), as_float)
    torch.testing.assert_close(
        reinforce_baseline_advantages(torch.tensor([True, False]), 2), torch.tensor([1.0, -1.0])
    )


@pytest.mark.parametrize(
    ("rewards", "group_size", "match"),
    [
        (torch.zeros(6), 4, "multiple of group_size"),
        (torch.zeros(0), 2, "multiple of group_size"),
        (torch.zeros(2, 4), 4, "1-D"),
        (torch.zeros(4), 1, "group_size must be an int >= 2"),
        (torch.zeros(4), 2.0, "group_size must be an int >= 2"),
    ],
)
def test_bad_input_raises(rewards, group_size, match):
    with pytest.raises(ValueError, match=match):
        group_advantages(rewards, group_size)
    with pytest.raises(ValueError, match=match):
        reinforce_baseline_advantages(rewards, group_size)


def test_bad_types_and_eps():
    with pytest.raises(TypeError, match="torch.Tensor"):
        group_advantages([1.0, 0.0], 2)
    with pytest.raises(ValueError, match="eps"):
        group_advantages(torch.tensor([1.0, 0.0]), 2, eps=-1.0)


def test_zero_variance_group_fraction():
    rewards = torch.tensor([1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.5, 0.5])
    # groups of 2: [1,1] equal, [0,1] not, [0,0] equal, [.5,.5] equal -> 3/4
    assert zero_variance_group_fraction(rewards, 2).item() == pytest.approx(0.75)
    # groups of 4: neither group constant
    assert zero_variance_group_fraction(rewards, 4).item() == 0.0
    with pytest.raises(ValueError, match="multiple of group_size"):
        zero_variance_group_fraction(rewards, 3)


@settings(max_examples=60, deadline=None)
@given(
    groups=st.integers(1, 5),
    group_size=st.integers(2, 6),
    data=st.data(),
)
def test_advantages_finite_and_centred(groups, group_size, data):
    values = data.draw(
        st.lists(
            st.sampled_from([0.0, 1.0, 0.1, -3.0]) | st.floats(-1e3, 1e3),
            min_size=groups * group_size,
            max_size=groups * group_size,
        )
    )
    rewards = torch.tensor(values, dtype=torch.float64)
    for adv in (
        group_advantages(rewards, group_size),
        group_advantages(rewards, group_size, normalize_std=False),
        reinforce_baseline_advantages(rewards, group_size),
    ):
        assert adv.shape == rewards.shape
        assert torch.isfinite(adv).all()
        grouped = adv.view(groups, group_size)
        scale = 1.0 + rewards.abs().max().item()
        assert grouped.sum(dim=1).abs().max().item() <= 1e-9 * scale * group_size
