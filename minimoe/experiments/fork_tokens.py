"""Lesson 07's fork-token experiment: which tokens PPO's clip drops, and what CISPO keeps.

MiniMax-M1's RL section (arXiv 2506.13585, §3.1) argues that after the first update on a batch,
rare tokens (low π_θold), often the "forks" where a reasoning path turns, tend to have the largest
ratios r = π_θ/π_θold, so PPO's trust region cuts their gradient in every later off-policy
update, while CISPO keeps it. :func:`replay_updates` makes several updates on one rollout batch
with the RL trainer's own update loop and records every one; :func:`token_view`,
:func:`clip_rate_by_probability`, :func:`per_token_gradient`, :func:`gradient_weight_curve` and
:func:`highlight_tokens` take those tensors apart.

Everything but :func:`replay_updates` (which trains a model) is a pure function of tensors.
Per-token tensors are ``(batch, seq)`` with a ``mask`` that is 1 on response tokens, as in
:mod:`minimoe.rl.losses`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from minimoe.rl.losses import LossConfig, get_policy_loss
from minimoe.rl.metrics import trust_region_mask
from minimoe.rl.rollout import Rollout
from minimoe.rl.trainer import (
    PolicyUpdate,
    RLConfig,
    make_policy_batch,
    reference_model,
    update_policy,
)
from minimoe.tasks import TOKENIZER
from minimoe.train.optim import make_optimizer

__all__ = [
    "ProbabilityBin",
    "ReplayResult",
    "TokenView",
    "clip_rate_by_probability",
    "gradient_weight_curve",
    "highlight_tokens",
    "per_token_gradient",
    "replay_updates",
    "token_view",
]


@dataclass
class ReplayResult:
    """What :func:`replay_updates` recorded.

    Attributes:
        old_logp: ``(batch, seq)`` log π_θold, the policy that sampled the batch.
        advantages: ``(batch,)`` group-relative advantages Â_i.
        mask: ``(batch, seq)`` response mask.
        updates: one :class:`~minimoe.rl.trainer.PolicyUpdate` per optimizer step, in order:
            log π_θ and r before the step, each token's gradient weight and the loss's metrics.
    """

    old_logp: torch.Tensor
    advantages: torch.Tensor
    mask: torch.Tensor
    updates: list[PolicyUpdate]


def replay_updates(model: nn.Module, rollout: Rollout, config: RLConfig) -> ReplayResult:
    """Make ``config.updates_per_batch`` optimizer steps on one rollout batch; record each.

    This is one step of the RL trainer (:func:`minimoe.rl.trainer.rl_step`) on a batch you
    sampled yourself: the same optimizer (:func:`~minimoe.train.optim.make_optimizer` with
    ``config.lr``, ``config.betas`` and ``config.weight_decay``, fresh as at the start of
    :func:`~minimoe.rl.trainer.train_rl`, and its learning-rate warm-up), the same advantages,
    loss and reference model, and the same update loop
    (:func:`~minimoe.rl.trainer.update_policy`), with every update kept, so that lesson 07 can
    see which tokens leave the trust region as π_θ drifts from π_θold. ``model`` is updated in
    place, in training mode as in the trainer, and left in the mode it was in.
    """
    was_training = model.training
    model.train()
    optimizer = make_optimizer(model, config.lr, config.betas, config.weight_decay)
    batch = make_policy_batch(model, rollout, config, reference_model(model, config))
    updates = update_policy(model, optimizer, batch, config)
    model.train(was_training)
    return ReplayResult(batch.old_logp, batch.advantages, batch.mask, updates)


@dataclass
class TokenView:
    """Every response token of a batch as flat ``(tokens,)`` tensors, ready to scatter-plot.

    Attributes:
        old_prob: π_θold of the sampled token.
        ratio: r = π_θ / π_θold.
        advantage: Â of the token's completion.
        clipped_high: Â > 0 and r > 1 + ε_high (PPO stops pushing the token up).
        clipped_low: Â < 0 and r < 1 − ε_low (PPO stops pushing the token down).
    """

    old_prob: torch.Tensor
    ratio: torch.Tensor
    advantage: torch.Tensor
    clipped_high: torch.Tensor
    clipped_low: torch.Tensor

    @property
    def clipped(self) -> torch.Tensor:
        """Outside the trust region on either side: M = 0 in MiniMax-M1's Eq. 7."""
        return self.clipped_high | self.clipped_low


def token_view(
    old_logp: torch.Tensor,
    ratio: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    eps_low: float = 0.2,
    eps_high: float = 0.2,
) -> TokenView:
    """Flatten the response tokens of ``(batch, seq)`` tensors and mark the clipped ones.

    ``advantages`` is ``(batch,)`` or ``(batch, seq)``. Since π_θ ≤ 1, a token can only reach
    r > 1 + ε_high if π_θold < 1 / (1 + ε_high): up-clipping can only ever hit the less likely
    tokens, whatever the model.
    """
    if ratio.shape != old_logp.shape or mask.shape != old_logp.shape:
        raise ValueError(
            f"old_logp, ratio and mask must share one (batch, seq) shape; got "
            f"{tuple(old_logp.shape)}, {tuple(ratio.shape)} and {tuple(mask.shape)}"
        )
    adv = advantages.unsqueeze(-1).expand_as(ratio) if advantages.dim() == 1 else advantages
    keep = mask.bool()
    outside = ~trust_region_mask(ratio, adv, eps_low, eps_high)
    high = outside & (adv > 0)
    return TokenView(
        old_prob=old_logp[keep].exp(),
        ratio=ratio[keep],
        advantage=adv[keep],
        clipped_high=high[keep],
        clipped_low=(outside & ~high)[keep],
    )


@dataclass(frozen=True)
class ProbabilityBin:
    """Tokens whose π_θold lies in [low, high), and the share of them that were clipped."""

    low: float
    high: float
    tokens: int
    clipped: int

    @property
    def clip_rate(self) -> float:
        return self.clipped / self.tokens if self.tokens else 0.0


def clip_rate_by_probability(
    old_prob: torch.Tensor,
    clipped: torch.Tensor,
    edges: tuple[float, ...] = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0),
) -> list[ProbabilityBin]:
    """How often tokens are clipped, bin by bin of their old probability π_θold.

    Bins are [edges[i], edges[i+1]); the last one also holds π_θold = 1 exactly.
    """
    if old_prob.shape != clipped.shape:
        raise ValueError(
            f"old_prob {tuple(old_prob.shape)} and clipped {tuple(clipped.shape)} must match"
        )
    if len(edges) < 2 or any(a >= b for a, b in zip(edges, edges[1:])):
        raise ValueError(f"edges must be at least two increasing numbers, got {edges}")
    bins = []
    for i, (low, high) in enumerate(zip(edges, edges[1:])):
        last = i == len(edges) - 2
        inside = (old_prob >= low) & ((old_prob <= high) if last else (old_prob < high))
        bins.append(ProbabilityBin(low, high, int(inside.sum()), int((inside & clipped).sum())))
    return bins


def per_token_gradient(
    loss: str,
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    config: LossConfig | None = None,
) -> torch.Tensor:
    """∂L/∂log π_θ(o_{i,t}) for every token: the weight each token's gradient gets under ``loss``.

    The model's parameter gradient is Σ_t (∂L/∂log π_t)·∇_θ log π_t, so a zero here means the token
    teaches the model nothing in this update. Returns a ``(batch, seq)`` tensor (0 off the mask).
    """
    leaf = logp.detach().clone().requires_grad_(True)
    out = get_policy_loss(loss)(leaf, old_logp, advantages, mask, config=config)
    (grad,) = torch.autograd.grad(out.loss, leaf)
    return grad


def gradient_weight_curve(
    ratio: torch.Tensor,
    advantage: float,
    *,
    eps_low: float = 0.2,
    eps_high: float = 0.2,
    is_eps_high: float = 4.0,
) -> dict[str, torch.Tensor]:
    """How much gradient one token gets, as a function of its ratio r, under PPO and CISPO.

    For a token with advantage Â, the parameter gradient of the objective is w·Â·∇log π with

        PPO/GRPO/DAPO:  w = r inside the trust region, 0 outside it (M1 Eq. 7's mask)
        CISPO:          w = min(r, 1 + ε^IS_high)  for every token (no lower bound)

    Returns ``{"ppo": w·Â, "cispo": w·Â}``, each shaped like ``ratio``. Lesson 07's explorer
    plots these for a range of r.
    """
    ppo = torch.where(
        trust_region_mask(ratio, torch.tensor(advantage), eps_low, eps_high), ratio, 0.0
    )
    cispo = ratio.clamp(max=1.0 + is_eps_high)
    return {"ppo": ppo * advantage, "cispo": cispo * advantage}


def highlight_tokens(ids: torch.Tensor, mask: torch.Tensor, flags: torch.Tensor) -> str:
    """The response of one row as text, each flagged token in square brackets.

    Args:
        ids: ``(seq,)`` token ids of the whole row (prompt and response).
        mask: ``(seq - 1,)`` response mask over predicted positions (column t predicts ids[t+1]).
        flags: ``(seq - 1,)`` bool, e.g. a row of ``~trust_region_mask(...)``.
    """
    pieces = []
    for t in range(mask.shape[0]):
        if mask[t] > 0:
            text = TOKENIZER.decode([int(ids[t + 1])], skip_special=False)
            pieces.append(f"[{text}]" if flags[t] else text)
    return "".join(pieces)
