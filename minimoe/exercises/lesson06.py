"""Lesson 06 (policy gradients to GRPO): group-relative advantages and PPO's clipped surrogate."""

from __future__ import annotations

import torch

from minimoe.exercises import close, exercise
from minimoe.rl import group_advantages
from minimoe.rl.losses import ppo_clip_objective

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
        "View the rewards as (groups, group_size). From each reward subtract ITS group's mean, "
        "divide by that group's sample std (torch's default, dividing by G - 1) plus 1e-6, and "
        "give a group whose rewards are all equal exactly 0 (torch.where), before flattening back.",
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


# ------------------------------------------------------------------------ 06.ppo_clip_objective


def _objective_without_min(ratio, advantages, eps_low, eps_high):
    return ratio * advantages


def _objective_clip_without_min(ratio, advantages, eps_low, eps_high):
    return ratio.clamp(1 - eps_low, 1 + eps_high) * advantages


def _objective_with_max(ratio, advantages, eps_low, eps_high):
    return torch.max(ratio * advantages, ratio.clamp(1 - eps_low, 1 + eps_high) * advantages)


def _objective_wrong_sign(ratio, advantages, eps_low, eps_high):
    return -ppo_clip_objective(ratio, advantages, eps_low, eps_high)


def _objective_edges_swapped(ratio, advantages, eps_low, eps_high):
    return ppo_clip_objective(ratio, advantages, eps_high, eps_low)


def _gradient(output: torch.Tensor, ratio: torch.Tensor) -> torch.Tensor:
    """d(output.sum())/d(ratio); zeros when the output does not depend on ratio at all."""
    if not output.requires_grad:
        return torch.zeros_like(ratio)
    (grad,) = torch.autograd.grad(output.sum(), ratio, allow_unused=True)
    return torch.zeros_like(ratio) if grad is None else grad


@exercise(
    "06.ppo_clip_objective",
    reference=ppo_clip_objective,
    hints=(
        "Return torch.min(ratio * advantages, ratio.clamp(1 - eps_low, 1 + eps_high) * "
        "advantages): the objective to MAXIMISE, element by element. The min is what makes "
        "clipping one-sided.",
    ),
    wrong=[
        _objective_without_min,
        _objective_clip_without_min,
        _objective_with_max,
        _objective_wrong_sign,
        _objective_edges_swapped,
    ],
)
def _check_ppo_clip_objective(candidate) -> None:
    grid = torch.tensor([0.3, 0.7, 0.79, 0.85, 1.0, 1.1, 1.19, 1.3, 2.0, 5.0])
    for advantage in (1.0, -1.0, 2.5, -0.4, 0.0):
        for eps_low, eps_high in ((0.2, 0.2), (0.1, 0.1), (0.2, 0.28)):
            ratio = grid.clone().requires_grad_(True)
            advantages = torch.full_like(grid, advantage)
            got = torch.as_tensor(candidate(ratio, advantages, eps_low, eps_high))
            got_grad = _gradient(got, ratio)
            reference_ratio = grid.clone().requires_grad_(True)
            want = ppo_clip_objective(reference_ratio, advantages, eps_low, eps_high)
            (want_grad,) = torch.autograd.grad(want.sum(), reference_ratio)
            what = (
                f"ppo_clip_objective(r, Â={advantage}, eps_low={eps_low}, eps_high={eps_high}) "
                f"at r = {grid.tolist()}"
            )
            close(got.detach(), want.detach(), what)
            close(got_grad, want_grad, f"the gradient d/dr of {what}")
