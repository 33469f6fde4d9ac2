"""Lesson 07 (CISPO): the clipped-importance-sampling policy loss."""

from __future__ import annotations

import torch

from minimoe.exercises import close, exercise
from minimoe.rl import LossConfig
from minimoe.rl.losses import cispo


def cispo_loss(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    is_eps_high: float = 4.0,
) -> torch.Tensor:
    """CISPO's loss (MiniMax-M1 Eq. 4-5), the library's ``cispo`` with no lower bound:

        L = −(1/N) Σ_i Σ_t sg(min(r_{i,t}, 1 + ε^IS_high)) · Â_i · log π_θ(o_{i,t}),   N = Σ mask

    Args:
        logp, old_logp, mask: ``(batch, seq)``; advantages: ``(batch,)``.
    """
    return cispo(logp, old_logp, advantages, mask, config=LossConfig(is_eps_high=is_eps_high)).loss


def _weights(logp, old_logp, mask):
    return (logp - old_logp).exp(), mask.float()


def _cispo_without_stop_gradient(logp, old_logp, advantages, mask, is_eps_high=4.0):
    ratio, mask = _weights(logp, old_logp, mask)
    per_token = -ratio.clamp(max=1 + is_eps_high) * advantages[:, None] * logp
    return (per_token * mask).sum() / mask.sum()


def _cispo_with_lower_bound(logp, old_logp, advantages, mask, is_eps_high=4.0):
    ratio, mask = _weights(logp, old_logp, mask)
    weight = ratio.clamp(1 - 0.2, 1 + is_eps_high).detach()
    return (-weight * advantages[:, None] * logp * mask).sum() / mask.sum()


def _cispo_per_sequence_mean(logp, old_logp, advantages, mask, is_eps_high=4.0):
    ratio, mask = _weights(logp, old_logp, mask)
    per_token = -ratio.clamp(max=1 + is_eps_high).detach() * advantages[:, None] * logp
    return ((per_token * mask).sum(dim=1) / mask.sum(dim=1)).mean()


def _cispo_ppo_min(logp, old_logp, advantages, mask, is_eps_high=4.0):
    ratio, mask = _weights(logp, old_logp, mask)
    adv = advantages[:, None]
    per_token = -torch.min(ratio * adv, ratio.clamp(max=1 + is_eps_high) * adv)
    return (per_token * mask).sum() / mask.sum()


def _cispo_absolute_cap(logp, old_logp, advantages, mask, is_eps_high=4.0):
    ratio, mask = _weights(logp, old_logp, mask)
    weight = ratio.clamp(max=is_eps_high).detach()
    return (-weight * advantages[:, None] * logp * mask).sum() / mask.sum()


def _cispo_without_mask(logp, old_logp, advantages, mask, is_eps_high=4.0):
    ratio, _ = _weights(logp, old_logp, mask)
    return (-ratio.clamp(max=1 + is_eps_high).detach() * advantages[:, None] * logp).mean()


@exercise(
    "07.cispo_loss",
    reference=cispo_loss,
    hints=(
        "weight = (logp - old_logp).exp().clamp(max=1 + is_eps_high).detach(); per token "
        "-weight * advantages[:, None] * logp; sum over the mask and divide by the number of "
        "response tokens in the whole batch. No lower bound, no min(): the weight is a constant "
        "(detach), so every token keeps the gradient -weight * Â * ∇log π.",
    ),
    wrong=[
        _cispo_without_stop_gradient,
        _cispo_with_lower_bound,
        _cispo_per_sequence_mean,
        _cispo_ppo_min,
        _cispo_absolute_cap,
        _cispo_without_mask,
    ],
)
def _check_cispo_loss(candidate) -> None:
    generator = torch.Generator().manual_seed(0)
    batch, seq = 6, 7
    old_logp = -torch.rand(batch, seq, generator=generator) * 3.0
    # ratios from about 0.2 to 8, so that both caps and the missing floor matter
    log_ratio = torch.empty(batch, seq).uniform_(-1.6, 2.1, generator=generator)
    new_logp = (old_logp + log_ratio).clamp(max=0.0)
    advantages = torch.tensor([1.2, -0.8, 0.5, -1.5, 0.0, 0.9])
    lengths = torch.tensor([7, 3, 5, 1, 4, 6])
    mask = (torch.arange(seq) < lengths[:, None]).float()
    for is_eps_high in (4.0, 0.5):
        logp = new_logp.clone().requires_grad_(True)
        got = candidate(logp, old_logp, advantages, mask, is_eps_high)
        assert torch.is_tensor(got) and got.dim() == 0, "return the loss as a 0-dim tensor"
        assert got.requires_grad, "the loss must have a gradient through logp"
        (got_grad,) = torch.autograd.grad(got, logp)
        reference_logp = new_logp.clone().requires_grad_(True)
        want = cispo_loss(reference_logp, old_logp, advantages, mask, is_eps_high)
        (want_grad,) = torch.autograd.grad(want, reference_logp)
        what = f"cispo_loss(..., is_eps_high={is_eps_high})"
        close(got.detach(), want.detach(), what, tol=1e-5)
        close(got_grad, want_grad, f"the gradient of {what} with respect to logp", tol=1e-5)
