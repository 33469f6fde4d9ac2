"""Lesson 06 (policy gradients to GRPO): group-relative advantages, the advantages of a group
with k right answers, and the share of groups that DAPO's dynamic sampling drops."""

from __future__ import annotations

import math

import torch

from minimoe.exercises import close, exercise
from minimoe.rl import group_advantages


def right_and_wrong_advantages(k: int, group_size: int) -> tuple[float, float]:
    """GRPO's Â of a right answer and of a wrong answer in a group of G = ``group_size`` 0/1
    rewards of which ``k`` are 1 (0 < k < G), with the sample std (dividing by G − 1):

        mean = k/G,   std² = k(G − k) / (G(G − 1))
        Â_right = (1 − k/G)/std = sqrt((G − k)(G − 1) / (kG))
        Â_wrong = −(k/G)/std   = −sqrt(k(G − 1) / ((G − k)G))

    (``group_advantages`` also adds 1e-6 to the std, which changes the sixth digit.)
    """
    if not 0 < k < group_size:
        raise ValueError(
            f"need 0 < k < group_size (a group with both right and wrong answers), got k={k}, "
            f"group_size={group_size}"
        )
    g = group_size
    return math.sqrt((g - k) * (g - 1) / (k * g)), -math.sqrt(k * (g - 1) / ((g - k) * g))


def equal_reward_share(p: float, group_size: int) -> float:
    """The probability that G = ``group_size`` independent answers, each right with probability
    ``p``, are all right or all wrong: p^G + (1 − p)^G. Such a group has advantages 0 and no
    gradient; DAPO's dynamic sampling drops it."""
    return p**group_size + (1 - p) ** group_size


# ------------------------------------------------------------------------ 06.group_advantages


def _advantages_without_std(rewards, group_size):
    return group_advantages(rewards, group_size, normalize_std=False)


def _advantages_population_std(rewards, group_size):
    grouped = rewards.float().view(-1, group_size)
    centred = grouped - grouped.mean(dim=1, keepdim=True)
    out = centred / (grouped.std(dim=1, keepdim=True, unbiased=False) + 1e-6)
    return torch.where(centred.abs().amax(dim=1, keepdim=True) == 0, 0.0, out).reshape(-1)


def _advantages_global_mean(rewards, group_size):
    grouped = rewards.float().view(-1, group_size)
    out = (grouped - grouped.mean()) / (grouped.std(dim=1, keepdim=True) + 1e-6)
    equal = (grouped == grouped[:, :1]).all(dim=1, keepdim=True)
    return torch.where(equal, 0.0, out).reshape(-1)


def _advantages_without_zero_guard(rewards, group_size):
    grouped = rewards.float().view(-1, group_size)
    centred = grouped - grouped.mean(dim=1, keepdim=True)
    return (centred / (grouped.std(dim=1, keepdim=True) + 1e-6)).reshape(-1)


def _advantages_std_without_eps(rewards, group_size):
    grouped = rewards.float().view(-1, group_size)
    centred = grouped - grouped.mean(dim=1, keepdim=True)
    return (centred / grouped.std(dim=1, keepdim=True)).reshape(-1)


@exercise(
    "06.group_advantages",
    reference=group_advantages,
    hints=(
        "Each prompt is its own little experiment: compare every answer only with the other "
        "answers to the same prompt, never with the whole batch. And a prompt whose answers all "
        "scored the same has nothing to teach.",
        "Reshape the rewards to (groups, group_size). Per row: subtract the row's mean, divide by "
        "the row's sample std (torch's default, dividing by G - 1) plus 1e-6. Rows whose rewards "
        "are all equal get exactly 0, then flatten back.",
        "grouped = rewards.float().view(-1, group_size); centred = grouped - grouped.mean(dim=1, "
        "keepdim=True); adv = centred / (grouped.std(dim=1, keepdim=True) + 1e-6); all_equal = "
        "(grouped == grouped[:, :1]).all(dim=1, keepdim=True); "
        "return torch.where(all_equal, 0.0, adv).reshape(-1)",
    ),
    wrong=[
        _advantages_without_std,
        _advantages_population_std,
        _advantages_global_mean,
        _advantages_without_zero_guard,
        _advantages_std_without_eps,
    ],
)
def _check_group_advantages(candidate) -> None:
    generator = torch.Generator().manual_seed(0)
    cases = [
        (torch.tensor([1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]), 4),
        (torch.tensor([1.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]), 4),
        (torch.tensor([0.7] * 8 + [1.0, 0.0] * 4), 8),  # equal rewards must give exactly 0
        (torch.tensor([3.0, 1.0]), 2),
        (torch.rand(24, generator=generator), 6),
    ]
    for rewards, group_size in cases:
        got = candidate(rewards.clone(), group_size)
        close(
            torch.as_tensor(got).reshape(-1),
            group_advantages(rewards, group_size),
            f"group_advantages({rewards.tolist()!r:.60}, group_size={group_size})",
            tol=1e-5,
        )


# ---------------------------------------------------------------- 06.right_and_wrong_advantages


def _pair_population_std(k, group_size):
    right, wrong = right_and_wrong_advantages(k, group_size)
    scale = math.sqrt(group_size / (group_size - 1))
    return right * scale, wrong * scale


def _pair_without_std(k, group_size):
    return 1 - k / group_size, -k / group_size


def _pair_swapped(k, group_size):
    right, wrong = right_and_wrong_advantages(k, group_size)
    return -wrong, -right


def _pair_wrong_sign(k, group_size):
    right, wrong = right_and_wrong_advantages(k, group_size)
    return right, -wrong


def _pair_std_of_k_over_g(k, group_size):
    p = k / group_size
    std = math.sqrt(p * (1 - p) / (group_size - 1))  # the std of the mean, not of one reward
    return (1 - p) / std, -p / std


PAIR_CASES = [(1, 4), (3, 4), (1, 8), (4, 8), (7, 8), (2, 16), (1, 16), (1, 2)]


@exercise(
    "06.right_and_wrong_advantages",
    reference=right_and_wrong_advantages,
    hints=(
        "With 0/1 rewards a group is described by two numbers, k and G: the mean reward follows "
        "from them, and so does the spread, because every reward is either 0 or 1. Work out the "
        "mean, then the sum of squared deviations, then divide.",
        "The mean is k/G. A right answer deviates by 1 - k/G, a wrong one by -k/G; add up k "
        "squared deviations of the first kind and G - k of the second, divide by G - 1 (the "
        "sample variance), take the square root, and divide each deviation by it.",
        "std = math.sqrt(k * (group_size - k) / (group_size * (group_size - 1))); "
        "return (1 - k / group_size) / std, -(k / group_size) / std",
    ),
    wrong=[
        _pair_population_std,
        _pair_without_std,
        _pair_swapped,
        _pair_wrong_sign,
        _pair_std_of_k_over_g,
    ],
)
def _check_right_and_wrong_advantages(candidate) -> None:
    for k, g in PAIR_CASES:
        got = candidate(k, g)
        assert len(got) == 2, f"return a pair (Â of a right answer, Â of a wrong answer), got {got}"
        rewards = torch.tensor([1.0] * k + [0.0] * (g - k), dtype=torch.float64)
        measured = group_advantages(rewards, g)
        want = (measured[0].item(), measured[-1].item())
        what = f"right_and_wrong_advantages(k={k}, group_size={g}) (right, wrong)"
        close(torch.tensor([float(v) for v in got]), torch.tensor(want), what, tol=1e-4)


# ------------------------------------------------------------------------ 06.equal_reward_share


@exercise(
    "06.equal_reward_share",
    reference=equal_reward_share,
    hints=(
        "A group teaches nothing in two ways: every answer right, or every answer wrong. The "
        "answers are drawn independently, so the probability of each way is a product.",
        "All G right has probability p multiplied by itself G times; all G wrong, (1 - p) "
        "multiplied by itself G times. The two cannot happen together, so add them.",
        "return p**group_size + (1 - p) ** group_size",
    ),
    wrong=[
        lambda p, g: p**g,
        lambda p, g: (1 - p) ** g,
        lambda p, g: 1 - p**g - (1 - p) ** g,
        lambda p, g: p ** (g - 1) + (1 - p) ** (g - 1),
        lambda p, g: (p**g + (1 - p) ** g) / 2,
    ],
)
def _check_equal_reward_share(candidate) -> None:
    for g in (2, 8, 16):
        for p in (0.0, 0.1, 0.4, 0.5, 0.9, 1.0):
            close(
                float(candidate(p, g)),
                equal_reward_share(p, g),
                f"equal_reward_share(p={p}, group_size={g})",
                tol=1e-9,
            )
