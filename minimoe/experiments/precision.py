"""Lesson 07's precision experiment: what a bf16 sampler does to the importance ratio r.

MiniMax-M1 (arXiv 2506.13585, §3.2) found that its training and inference engines computed
different probabilities for the same tokens with the same weights; computing the LM head in fp32
fixed it. Where the mismatch shows depends on who supplies π_old:

- the trainer recomputes π_old with its own model (verl's default, and minimoe's RL trainer):
  r = π_θ/π_old is exactly 1 at the first update, but the samples came from π_sampler, so the
  gradient is silently off-policy. Truncated importance sampling (TIS) corrects it with the
  per-token weight min(π_train/π_sampler, C) (:func:`truncated_is_weight`);
- the sampler's own log-probabilities serve as π_old: then π_train/π_sampler sits inside r from
  the first update, and the clip (or CISPO's cap) treats that noise as a policy change.

:func:`cast_copy` makes a low-precision sampler, :func:`sampler_and_trainer_logprobs` measures
both sides on generated text, and :func:`final_hidden`, :func:`head_logprobs`,
:func:`head_precision_sweep`, :func:`probability_agreement`, :func:`ratio_noise` and
:func:`truncated_is_weight` take the difference apart.

Everything but :func:`sampler_and_trainer_logprobs` and :func:`final_hidden` (which run a model)
is a pure function of tensors.
"""

from __future__ import annotations

import copy
import dataclasses

import torch
from torch import nn

from minimoe.rl.rollout import token_logprobs
from minimoe.train.evaluate import complete_prompts

__all__ = [
    "cast_copy",
    "final_hidden",
    "head_logprobs",
    "head_precision_sweep",
    "probability_agreement",
    "ratio_noise",
    "sampler_and_trainer_logprobs",
    "truncated_is_weight",
]


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
    done = complete_prompts(sampler, prompts, max_new_tokens=max_new_tokens, generator=generator)
    generated = done.completion_mask.bool()
    was_training = trainer.training
    trainer.eval()
    with torch.no_grad():
        logp, _ = token_logprobs(trainer, done.ids, done.attention_mask)
    trainer.train(was_training)
    # column t of logp predicts ids[:, t + 1]; the first generated token sits at prompt_len
    trainer_logp = logp[:, done.prompt_ids.shape[1] - 1 :]
    return done.output.logprobs[generated].float(), trainer_logp[generated]


def final_hidden(model: nn.Module, ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """The hidden states the LM head reads (after the final norm), ``(batch, seq, hidden)``."""
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
        tokens = torch.multinomial(logits.softmax(-1), 1, generator=generator)
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


def truncated_is_weight(
    trainer_logp: torch.Tensor, sampler_logp: torch.Tensor, cap: float = 2.0
) -> torch.Tensor:
    """The truncated importance-sampling (TIS) weight of each sampled token:

        w = min(π_train(o_t) / π_sampler(o_t), C)

    Tokens drawn by a sampler whose probabilities differ from the trainer's are off-policy for
    the trainer even before any update. Multiplying each token's policy-gradient term by
    sg(w) corrects for that, as importance sampling does; truncating at C (verl's docs give 1.5
    to 5 as typical token-level caps) bounds the variance that a few large ratios would add,
    at the price of a small bias. (Yao, Liu et al., "Your Efficient RL Framework Secretly
    Brings You Off-Policy RL Training", 2025.)

    Args:
        trainer_logp, sampler_logp: the same tokens' log-probabilities, any shape (e.g. the
            ``(tokens,)`` pair from :func:`sampler_and_trainer_logprobs`).
        cap: C > 0.

    Returns:
        ``w`` of the same shape, detached.
    """
    if trainer_logp.shape != sampler_logp.shape:
        raise ValueError(
            f"trainer_logp {tuple(trainer_logp.shape)} and sampler_logp "
            f"{tuple(sampler_logp.shape)} must have the same shape"
        )
    if not cap > 0:
        raise ValueError(f"cap must be > 0, got {cap}")
    return (trainer_logp.detach() - sampler_logp.detach()).exp().clamp(max=cap)
