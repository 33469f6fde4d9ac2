"""Per-batch diagnostics for policy-gradient training, as pure functions.

Shapes follow the policy losses: per-token tensors are ``(batch, seq)``, ``mask`` is 1 on
response tokens and 0 on prompt and padding, ``advantages`` is ``(batch,)`` (one Â_i per
completion) or ``(batch, seq)``. ``ratio`` is r_{i,t} = π_θ(o_{i,t}) / π_θold(o_{i,t}).
Every function averages over response tokens only and returns a 0-dim tensor (detach it, or
call ``.item()``, before logging).
"""

from __future__ import annotations

import torch

__all__ = [
    "approx_kl",
    "clip_fraction",
    "clip_statistics_by_token",
    "dropped_gradient_mass",
    "entropy",
    "is_weight_clip_fraction",
    "kl_k3",
    "masked_mean",
    "max_ratio",
    "mean_ratio",
    "trust_region_mask",
    "zero_variance_group_fraction",
]


def masked_mean(values: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Mean of ``values`` over the positions where ``mask`` is 1; 0 when the mask is empty."""
    mask = mask.to(values.dtype)
    return (values * mask).sum() / mask.sum().clamp(min=1.0)


def _per_token(advantages: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """Broadcast ``(batch,)`` advantages to ``(batch, seq)``; pass ``(batch, seq)`` through."""
    return advantages.unsqueeze(-1).expand_as(like) if advantages.dim() == 1 else advantages


def kl_k3(log_ratio: torch.Tensor) -> torch.Tensor:
    """Schulman's k3 estimator, per token: k3 = exp(d) − d − 1 with d = log(p(x) / q(x)), x ∼ q.

    Its expectation under q is KL(q ‖ p); it is never negative and has low variance. GRPO's KL
    penalty uses d = log π_ref − log π_θ (samples from π_θ, so it estimates KL(π_θ ‖ π_ref)).
    """
    return torch.expm1(log_ratio) - log_ratio


def approx_kl(logp: torch.Tensor, old_logp: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """How far the policy has moved since sampling: token-mean k3 estimate of KL(π_θold ‖ π_θ).

    The tokens were sampled from π_θold, so d = log r = logp − old_logp. Zero while on-policy.
    """
    return masked_mean(kl_k3((logp - old_logp).detach()), mask)


def trust_region_mask(
    ratio: torch.Tensor, advantages: torch.Tensor, eps_low: float, eps_high: float
) -> torch.Tensor:
    """MiniMax-M1's Eq. 7 mask M_{i,t}, the trust region PPO's clipped objective implies.

        M = 0  if Â > 0 and r > 1 + ε_high      (the token is already more likely: stop pushing)
        M = 0  if Â < 0 and r < 1 − ε_low       (the token is already less likely: stop pushing)
        M = 1  otherwise

    Returns a bool tensor of ``ratio``'s shape, True where M = 1. Where M = 0 the min() in
    PPO/GRPO/DAPO picks the constant, clipped branch, so those tokens get zero gradient.
    """
    adv = _per_token(advantages, ratio)
    above = (adv > 0) & (ratio > 1.0 + eps_high)
    below = (adv < 0) & (ratio < 1.0 - eps_low)
    return ~(above | below)


def clip_fraction(
    ratio: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    eps_low: float,
    eps_high: float,
) -> torch.Tensor:
    """Fraction of response tokens outside the trust region (M = 0 in ``trust_region_mask``).

    For PPO-style losses these are the tokens that get no gradient. For CISPO and REINFORCE,
    which keep every token, it is the share PPO clipping at the same ε *would* have dropped.
    """
    outside = ~trust_region_mask(ratio, advantages, eps_low, eps_high)
    return masked_mean(outside.to(ratio.dtype), mask)


def dropped_gradient_mass(
    ratio: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    eps_low: float,
    eps_high: float,
) -> torch.Tensor:
    """Share of the policy-gradient weight that PPO clipping removes.

    Without clipping, the surrogate r·Â gives token t the gradient r·Â·∇log π (because
    ∇r = r·∇log π), so its weight on ∂loss/∂logp_t is |r_{i,t}·Â_{i,t}|. Clipping sets the
    weight of tokens with M = 0 to zero. We report

        dropped = Σ_{i,t} mask·(1 − M)·|r·Â|  /  Σ_{i,t} mask·|r·Â|         (0 when the sum is 0)

    with every response token counted once. DAPO and Dr. GRPO divide every token by the same
    normaliser, so for them this is exactly the share of Σ_t |∂loss/∂logp_t| (of the unclipped
    loss) that clipping zeroes; for GRPO, which scales completion i by 1/|o_i|, it is the
    token-weighted version. It is a property of the batch (r, Â, ε), so it can be compared across losses:
    under CISPO it reads "what PPO would have thrown away".
    """
    adv = _per_token(advantages, ratio)
    weight = (ratio * adv).abs() * mask.to(ratio.dtype)
    outside = ~trust_region_mask(ratio, advantages, eps_low, eps_high)
    total = weight.sum()
    return torch.where(total > 0, (weight * outside).sum() / total.clamp(min=1e-30), 0.0)


def clip_statistics_by_token(
    ratio: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    old_logp: torch.Tensor,
    fork_probability: float,
    eps_low: float,
    eps_high: float,
) -> dict[str, torch.Tensor]:
    """:func:`clip_fraction` and :func:`dropped_gradient_mass` on two kinds of response token.

    *Fork* tokens are the rare, uncertain ones: the sampling policy gave them π_θold <
    ``fork_probability`` (MiniMax-M1's "low-probability tokens ... that serve as forks in
    reasoning paths", §3.1). *Common* tokens are the rest. Returns ``fork_share`` (the forks'
    share of the response tokens) and, for each kind, ``clip_fraction_fork`` /
    ``clip_fraction_common`` (the share of those tokens outside the trust region) and
    ``dropped_gradient_mass_fork`` / ``dropped_gradient_mass_common`` (the share of those tokens'
    gradient weight |r·Â| that PPO's clip removes). Each is 0 when it has no token to count.
    """
    if not 0 < fork_probability < 1:
        raise ValueError(
            f"fork_probability must lie strictly between 0 and 1, got {fork_probability}"
        )
    fork = (old_logp.detach().exp() < fork_probability).to(mask.dtype) * mask
    common = mask - fork
    out = {"fork_share": masked_mean(fork, mask)}
    for name, part in (("fork", fork), ("common", common)):
        out[f"clip_fraction_{name}"] = clip_fraction(ratio, advantages, part, eps_low, eps_high)
        out[f"dropped_gradient_mass_{name}"] = dropped_gradient_mass(
            ratio, advantages, part, eps_low, eps_high
        )
    return out


def is_weight_clip_fraction(
    ratio: torch.Tensor, mask: torch.Tensor, is_eps_low: float | None, is_eps_high: float
) -> torch.Tensor:
    """CISPO: fraction of response tokens whose IS weight was truncated, r̂ = clip(r) ≠ r.

    Truncated means r > 1 + ε^IS_high, or r < 1 − ε^IS_low when a lower bound is set
    (``is_eps_low=None`` is MiniMax-M1's choice: no lower bound).
    """
    clipped = ratio > 1.0 + is_eps_high
    if is_eps_low is not None:
        clipped = clipped | (ratio < 1.0 - is_eps_low)
    return masked_mean(clipped.to(ratio.dtype), mask)


def mean_ratio(ratio: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Token-mean of r over response tokens (1 while on-policy)."""
    return masked_mean(ratio, mask)


def max_ratio(ratio: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Largest r over response tokens (0 when the mask is empty; r itself is always > 0)."""
    return torch.where(mask > 0, ratio, 0.0).max()


def entropy(logits: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Token-mean entropy H = −Σ_v p_v log p_v of the full next-token distribution.

    Args:
        logits: ``(batch, seq, vocab)`` logits at the positions that predicted each token
            (already divided by the sampling temperature if you want the sampler's entropy).
        mask: ``(batch, seq)`` response mask.

    Computed in float32 at least, since bf16 log-softmax loses the small probabilities that
    dominate the tail. Gradients flow, so it can also serve as an entropy bonus.
    """
    if logits.dim() != 3 or logits.shape[:2] != mask.shape:
        raise ValueError(
            f"logits must be (batch, seq, vocab) matching mask (batch, seq); got logits "
            f"{tuple(logits.shape)} and mask {tuple(mask.shape)}"
        )
    logits = logits.float() if logits.dtype in (torch.float16, torch.bfloat16) else logits
    log_p = torch.log_softmax(logits, dim=-1)
    per_token = -(log_p.exp() * log_p).sum(dim=-1)
    return masked_mean(per_token, mask)


def zero_variance_group_fraction(rewards: torch.Tensor, group_size: int) -> torch.Tensor:
    """Fraction of prompts whose G rewards are all equal, so their advantages and gradient are 0.

    A high value means the batch teaches nothing: the task is too easy or too hard for the
    current policy (DAPO's dynamic sampling drops such groups and samples more).
    """
    if rewards.dim() != 1 or group_size < 1 or rewards.numel() % group_size or not rewards.numel():
        raise ValueError(
            f"rewards must be 1-D with a positive multiple of group_size={group_size} entries, "
            f"got shape {tuple(rewards.shape)}"
        )
    grouped = rewards.view(-1, group_size)
    return (grouped == grouped[:, :1]).all(dim=1).float().mean()
