"""Advantages for outcome rewards: one scalar reward R_i per sampled completion o_i.

Rewards arrive as a flat tensor of shape ``(groups * group_size,)``: the G = group_size
completions of one prompt sit next to each other, prompt after prompt. Every function here
returns one advantage Â_i per completion, shape ``(groups * group_size,)``; the policy losses
broadcast it over the completion's tokens.

Why a baseline at all: the policy gradient E[R ∇log π(o|q)] stays unbiased when any number b
that does not depend on o itself is subtracted from R, and a good b (close to the expected
reward of the prompt) cuts the variance a lot. The G completions of the same prompt give a
free estimate of that expectation; no value network is needed.
"""

from __future__ import annotations

import torch

__all__ = ["group_advantages", "reinforce_baseline_advantages"]


def _grouped(rewards: torch.Tensor, group_size: int) -> torch.Tensor:
    """Check ``rewards`` and view it as ``(groups, group_size)``."""
    if not isinstance(rewards, torch.Tensor):
        raise TypeError(f"rewards must be a torch.Tensor, got {type(rewards).__name__}")
    if rewards.dim() != 1:
        raise ValueError(
            f"rewards must be 1-D with shape (groups * group_size,), got shape {tuple(rewards.shape)}"
        )
    if isinstance(group_size, bool) or not isinstance(group_size, int) or group_size < 2:
        raise ValueError(
            f"group_size must be an int >= 2 (a baseline needs at least two completions "
            f"per prompt), got {group_size!r}"
        )
    if rewards.numel() == 0 or rewards.numel() % group_size != 0:
        raise ValueError(
            f"rewards has {rewards.numel()} entries, which is not a positive multiple of "
            f"group_size={group_size}; keep all completions of a prompt together"
        )
    if not rewards.is_floating_point():
        rewards = rewards.to(torch.get_default_dtype())  # 0/1 rewards often come as ints or bools
    return rewards.view(-1, group_size)


def _all_equal(grouped: torch.Tensor) -> torch.Tensor:
    """``(groups, 1)`` bool: True where every reward of the group is identical.

    Such a group carries no learning signal. Its advantages are set to exactly zero: rounding in
    the mean could otherwise leave values like 1e-9, which dividing by (std + eps) with
    eps = 1e-6 would blow up to 1e-3.
    """
    return (grouped == grouped[:, :1]).all(dim=1, keepdim=True)


def group_advantages(
    rewards: torch.Tensor, group_size: int, normalize_std: bool = True, eps: float = 1e-6
) -> torch.Tensor:
    """GRPO's group-relative advantage (DeepSeekMath; DeepSeek-R1 Eq. 3; MiniMax-M1 Eq. 2).

        Â_i = (R_i − mean_j R_j) / (std_j R_j + eps)      j over the G completions of one prompt

    ``std`` is the *sample* standard deviation (Bessel's correction, divide by G − 1). The papers
    write std(·) without saying which; the reference implementations of GRPO (Hugging Face TRL's
    ``GRPOTrainer`` and verl's ``compute_grpo_outcome_advantage``) both call ``torch.std``, whose
    default is the sample std, and we follow them. (The population std, dividing by G, would
    make every advantage larger by the constant factor sqrt(G / (G − 1)).)

    ``normalize_std=False`` gives Dr. GRPO's advantage Â_i = R_i − mean_j R_j: dividing by the
    std up-weights groups that are almost all right or all wrong ("difficulty bias").

    A group whose rewards are all equal gets Â_i = 0 exactly (never NaN).

    Args:
        rewards: ``(groups * group_size,)`` rewards R_i, groups contiguous.
        group_size: G, completions sampled per prompt (>= 2).
        normalize_std: divide by the group's std (GRPO) or not (Dr. GRPO).
        eps: added to the std so that near-constant groups do not explode.

    Returns:
        ``(groups * group_size,)`` advantages Â_i, same dtype as ``rewards`` (float).
    """
    if eps < 0:
        raise ValueError(f"eps must be >= 0, got {eps}")
    grouped = _grouped(rewards, group_size)
    centred = grouped - grouped.mean(dim=1, keepdim=True)
    if normalize_std:
        centred = centred / (grouped.std(dim=1, keepdim=True) + eps)
    return torch.where(_all_equal(grouped), 0.0, centred).reshape(-1)


def reinforce_baseline_advantages(rewards: torch.Tensor, group_size: int) -> torch.Tensor:
    """REINFORCE with a leave-one-out baseline (RLOO; verl's ``rloo`` estimator).

        Â_i = R_i − (1 / (G − 1)) Σ_{j ≠ i} R_j  =  G / (G − 1) · (R_i − mean_j R_j)

    Each completion's baseline is the mean reward of the *other* completions of its prompt, so
    it does not depend on o_i and the gradient estimate stays unbiased. The plain group mean
    (``group_advantages(..., normalize_std=False)``) includes R_i itself and shrinks every
    advantage by (G − 1) / G; the difference is only that constant scale, but the leave-one-out
    form is the textbook-correct REINFORCE baseline. No division by the std.

    Args:
        rewards: ``(groups * group_size,)`` rewards R_i, groups contiguous.
        group_size: G >= 2.

    Returns:
        ``(groups * group_size,)`` advantages Â_i; exactly zero for groups of equal rewards.
    """
    grouped = _grouped(rewards, group_size)
    others_mean = (grouped.sum(dim=1, keepdim=True) - grouped) / (group_size - 1)
    return torch.where(_all_equal(grouped), 0.0, grouped - others_mean).reshape(-1)
