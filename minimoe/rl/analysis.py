"""Analyses for lesson 07: which tokens PPO clipping drops, and what bf16 does to the ratio r.

Two questions from MiniMax-M1's RL section (arXiv 2506.13585, §3.1 and §3.2), asked of a real
model:

1. **Fork tokens.** After the first update on a batch, rare tokens (low π_θold) tend to have the
   largest ratios r = π_θ/π_θold, so PPO's trust region cuts their gradient in every later
   off-policy update; CISPO keeps it. :func:`replay_updates` makes several updates on one
   rollout batch and records r before each; :func:`token_view`, :func:`clip_rate_by_probability`
   and :func:`per_token_gradient` take those tensors apart.
2. **Precision.** If the sampler computes probabilities in bf16 and the trainer in fp32, r ≠ 1
   before any training, and clipping treats that noise as a policy change.
   :func:`cast_copy`, :func:`sampler_and_trainer_logprobs`, :func:`head_logprobs`,
   :func:`probability_agreement` and :func:`ratio_noise` measure it.

Everything but :func:`replay_updates`, :func:`sampler_and_trainer_logprobs` and
:func:`final_hidden` (which run a model) is a pure function of tensors. Per-token tensors are ``(batch, seq)`` with a
``mask`` that is 1 on response tokens, as in :mod:`minimoe.rl.losses`.
"""

from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass

import torch
from torch import nn

from minimoe.env import model_device
from minimoe.generate import generate, sample_next
from minimoe.rl.advantages import group_advantages
from minimoe.rl.losses import LossConfig, default_config, get_policy_loss
from minimoe.rl.metrics import trust_region_mask
from minimoe.rl.rollout import Rollout, token_logprobs
from minimoe.tasks import TOKENIZER
from minimoe.train.sft import make_optimizer

__all__ = [
    "ProbabilityBin",
    "ReplayResult",
    "TokenView",
    "UpdateSnapshot",
    "cast_copy",
    "clip_rate_by_probability",
    "final_hidden",
    "gradient_weight_curve",
    "head_logprobs",
    "head_precision_sweep",
    "highlight_tokens",
    "per_token_gradient",
    "probability_agreement",
    "ratio_noise",
    "replay_updates",
    "sampler_and_trainer_logprobs",
    "token_view",
]


# --------------------------------------------------------------------------------------------
# 1. Fork tokens: several off-policy updates on one batch


@dataclass
class UpdateSnapshot:
    """The batch as the policy saw it just before one optimizer update.

    Attributes:
        update: 1 for the first update (on-policy, r ≡ 1), 2 for the second, and so on.
        logp: ``(batch, seq)`` log π_θ of the sampled tokens before this update (detached).
        ratio: ``(batch, seq)`` r = π_θ / π_θold before this update.
        metrics: the loss's metrics at this update (``clip_fraction``, ``dropped_gradient_mass``…).
    """

    update: int
    logp: torch.Tensor
    ratio: torch.Tensor
    metrics: dict[str, float]


@dataclass
class ReplayResult:
    """What :func:`replay_updates` recorded.

    Attributes:
        old_logp: ``(batch, seq)`` log π_θold, the policy that sampled the batch.
        advantages: ``(batch,)`` group-relative advantages Â_i.
        mask: ``(batch, seq)`` response mask.
        snapshots: one :class:`UpdateSnapshot` per update, in order.
        final_logp: ``(batch, seq)`` log π_θ after the last update.
    """

    old_logp: torch.Tensor
    advantages: torch.Tensor
    mask: torch.Tensor
    snapshots: list[UpdateSnapshot]
    final_logp: torch.Tensor


def replay_updates(
    model: nn.Module,
    rollout: Rollout,
    *,
    loss: str = "cispo",
    updates: int = 4,
    lr: float = 1e-4,
    loss_config: LossConfig | None = None,
    normalize_std: bool = True,
    grad_clip: float = 1.0,
) -> ReplayResult:
    """Make ``updates`` optimizer steps on one rollout batch and record r before each.

    This is one step of :func:`minimoe.rl.trainer.rl_step` (same optimizer, advantages and loss)
    with every intermediate ratio kept, so that lesson 07 can see which tokens leave the trust
    region as π_θ drifts from π_θold. ``model`` is updated in place.
    """
    if updates < 1:
        raise ValueError(f"updates must be at least 1, got {updates}")
    loss_fn = get_policy_loss(loss)
    config = loss_config or default_config(loss)
    optimizer = make_optimizer(model, lr, (0.9, 0.95), 0.0)
    advantages = group_advantages(rollout.rewards, rollout.group_size, normalize_std=normalize_std)
    mask = rollout.response_mask
    was_training = model.training
    model.train()
    with torch.no_grad():
        old_logp, _ = token_logprobs(model, rollout.ids, rollout.attention_mask)
    snapshots = []
    for update in range(1, updates + 1):
        logp, _ = token_logprobs(model, rollout.ids, rollout.attention_mask)
        out = loss_fn(logp, old_logp, advantages, mask, config=config)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        optimizer.step()
        current = logp.detach()
        snapshots.append(UpdateSnapshot(update, current, (current - old_logp).exp(), out.metrics))
    with torch.no_grad():
        final_logp, _ = token_logprobs(model, rollout.ids, rollout.attention_mask)
    model.train(was_training)
    return ReplayResult(old_logp, advantages, mask, snapshots, final_logp)


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


# --------------------------------------------------------------------------------------------
# 2. Precision: a bf16 sampler and an fp32 trainer


def cast_copy(model: nn.Module, dtype: torch.dtype, fp32_lm_head: bool) -> nn.Module:
    """A copy of ``model`` with every weight cast to ``dtype``, for use as a low-precision sampler.

    ``fp32_lm_head=True`` keeps the output layer's matrix product in float32 (M1's fix, §3.2;
    ``MiniMoEConfig.fp32_lm_head``); False runs it in ``dtype`` too. ``model`` is left untouched.
    """
    twin = copy.deepcopy(model).to(dtype)
    twin.config = dataclasses.replace(twin.config, fp32_lm_head=fp32_lm_head)
    return twin.eval()


def sampler_and_trainer_logprobs(
    sampler: nn.Module,
    trainer: nn.Module,
    prompts: list[str],
    *,
    max_new_tokens: int,
    generator: torch.Generator | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """log π of every generated token, as the sampler saw it and as the trainer recomputes it.

    ``sampler`` generates at temperature 1 token by token with its cache and records the
    log-probability of each token it draws (``generate``'s ``logprobs``). ``trainer`` then
    scores the same sequences in one full forward pass, as the RL loss does. With the same
    weights and the same arithmetic the two agree to rounding; MiniMax-M1 found they did not
    in its training and inference engines (§3.2, Fig. 3). ``sampler`` may be ``trainer`` itself.

    Returns:
        ``(sampler_logp, trainer_logp)``, each ``(tokens,)`` over the generated tokens
        (``<eos>`` included, padding after it excluded).
    """
    ids, prompt_mask = TOKENIZER.batch_encode(prompts, left_pad=True)
    device = model_device(sampler)
    ids, prompt_mask = ids.to(device), prompt_mask.to(device)
    out = generate(
        sampler,
        ids,
        attention_mask=prompt_mask,
        max_new_tokens=max_new_tokens,
        eos_id=TOKENIZER.eos_id,
        generator=generator,
    )
    generated = torch.arange(out.tokens.shape[1], device=device) < out.lengths.unsqueeze(1)
    full_ids = torch.cat([ids, out.tokens], dim=1)
    full_mask = torch.cat([prompt_mask, generated.long()], dim=1)
    was_training = trainer.training
    trainer.eval()
    with torch.no_grad():
        logp, _ = token_logprobs(trainer, full_ids, full_mask)
    trainer.train(was_training)
    # column t of logp predicts ids[:, t + 1]; the first generated token sits at prompt_len
    trainer_logp = logp[:, ids.shape[1] - 1 :]
    return out.logprobs[generated].float(), trainer_logp[generated]


def final_hidden(model: nn.Module, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The hidden states the LM head reads (after the final norm), ``(batch, seq, hidden)``.

    ``ids`` and ``attention_mask`` are moved to the model's device; so is the result.
    """
    device = model_device(model)
    ids, attention_mask = ids.to(device), attention_mask.to(device)
    captured: list[torch.Tensor] = []
    handle = model.norm.register_forward_hook(lambda _m, _i, out: captured.append(out.detach()))
    try:
        with torch.no_grad():
            model(ids, attention_mask=attention_mask)
    finally:
        handle.remove()
    return captured[0]


def head_logprobs(
    hidden: torch.Tensor, weight: torch.Tensor, tokens: torch.Tensor, dtype: torch.dtype
) -> torch.Tensor:
    """log softmax(hidden · Wᵀ)[token], with the product hidden · Wᵀ computed in ``dtype``.

    Args:
        hidden: ``(batch, seq, hidden)`` final hidden states at the predicting positions.
        weight: ``(vocab, hidden)`` LM-head matrix W.
        tokens: ``(batch, seq)`` the tokens whose log-probability to return.
        dtype: precision of the logits (the inputs are rounded to it first, as a kernel would).

    Returns:
        ``(batch, seq)`` float32 log-probabilities (log-softmax in float32).
    """
    logits = hidden.to(dtype) @ weight.to(dtype).T
    logp = torch.log_softmax(logits.float(), dim=-1)
    return logp.gather(-1, tokens.unsqueeze(-1)).squeeze(-1)


def head_precision_sweep(
    hidden: torch.Tensor,
    weight: torch.Tensor,
    scales: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0),
    generator: torch.Generator | None = None,
) -> list[dict[str, float]]:
    """How a bf16 LM head's error grows with the size of the logits.

    For each scale s the head is s·W (a sharper, more confident model with larger logits, as
    large activations give). One token per position is sampled from the float32 distribution,
    and its probability under a bf16 head is compared with the float32 head's. bf16 keeps about
    three significant digits, so a logit z comes out with an error of order |z|·2⁻⁸ and the ratio
    r = π_bf16 / π_fp32 spreads more as |z| grows.

    Args:
        hidden: ``(positions, hidden)`` final hidden states (from :func:`final_hidden`).
        weight: ``(vocab, hidden)`` LM-head matrix.

    Returns:
        One dict per scale: ``scale``, ``max_abs_logit``, ``pearson`` (of the two probabilities,
        as in :func:`probability_agreement`) and ``ratio_std`` (std of r).
    """
    if hidden.dim() != 2 or weight.dim() != 2 or hidden.shape[1] != weight.shape[1]:
        raise ValueError(
            f"need hidden (positions, hidden) and weight (vocab, hidden), got "
            f"{tuple(hidden.shape)} and {tuple(weight.shape)}"
        )
    rows = []
    for scale in scales:
        scaled = weight * scale
        logits = hidden.float() @ scaled.float().T
        tokens = sample_next(logits, generator=generator)[:, None]
        reference = head_logprobs(hidden[None], scaled, tokens.T, torch.float32)[0]
        rounded = head_logprobs(hidden[None], scaled, tokens.T, torch.bfloat16)[0]
        agreement = probability_agreement(reference.exp(), rounded.exp())
        rows.append(
            {
                "scale": float(scale),
                "max_abs_logit": logits.abs().max().item(),
                "pearson": agreement["pearson"],
                "ratio_std": (rounded - reference).exp().std().item(),
            }
        )
    return rows


def probability_agreement(reference: torch.Tensor, other: torch.Tensor) -> dict[str, float]:
    """How closely two computations of the same token probabilities agree.

    Args:
        reference, other: ``(tokens,)`` probabilities (not log-probabilities) of the same tokens.

    Returns:
        ``max_abs_diff``, ``mean_abs_diff`` and ``pearson``, the correlation coefficient MiniMax-M1
        plots for training- vs inference-mode probabilities (its Fig. 3).
    """
    if reference.shape != other.shape or reference.dim() != 1 or reference.numel() < 2:
        raise ValueError(
            f"need two 1-D tensors of the same length >= 2, got {tuple(reference.shape)} "
            f"and {tuple(other.shape)}"
        )
    a, b = reference.double(), other.double()
    diff = (a - b).abs()
    return {
        "max_abs_diff": diff.max().item(),
        "mean_abs_diff": diff.mean().item(),
        "pearson": torch.corrcoef(torch.stack([a, b]))[0, 1].item(),
    }


def ratio_noise(
    logp_train: torch.Tensor,
    logp_sampler: torch.Tensor,
    mask: torch.Tensor,
    eps_low: float = 0.2,
    eps_high: float = 0.2,
) -> dict[str, float]:
    """The importance ratio r = π_train / π_sampler of the same weights, over response tokens.

    With identical weights r should be exactly 1; whatever spread it has is numerical noise that
    a PPO-style loss cannot tell from a real policy change.

    Returns:
        ``std`` of r, ``mean_abs_dev`` (mean |r − 1|), ``max_abs_log`` (largest |log r|) and
        ``outside`` (share of tokens with r outside [1 − ε_low, 1 + ε_high], which PPO would clip
        for one sign of Â).
    """
    keep = mask.bool()
    log_r = (logp_train - logp_sampler)[keep].double()
    if log_r.numel() == 0:
        raise ValueError("the mask selects no tokens")
    r = log_r.exp()
    outside = (r > 1.0 + eps_high) | (r < 1.0 - eps_low)
    return {
        "std": r.std().item() if r.numel() > 1 else 0.0,
        "mean_abs_dev": (r - 1).abs().mean().item(),
        "max_abs_log": log_r.abs().max().item(),
        "outside": outside.double().mean().item(),
    }
