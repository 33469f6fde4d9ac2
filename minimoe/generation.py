"""Batched sampling with the hybrid cache: prefill the prompt once, then one token per step.

Each step costs the same in a lightning layer (a fixed-size state) and grows with the length
only in the softmax layers (their KV cache): the point of the 7:1 hybrid.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from minimoe.model import MiniMoE


def sample_next(
    logits: torch.Tensor,
    temperature: float = 1.0,
    top_p: float = 1.0,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Pick one token per row from next-token logits.

    temperature τ scales the logits (p ∝ exp(z/τ)); τ = 0 means greedy (argmax).
    top_p keeps the smallest set of most probable tokens whose probability reaches top_p
    (nucleus sampling), then renormalises; the most probable token is always kept.

    Args:
        logits: (batch, vocab).
        temperature: τ >= 0.
        top_p: in (0, 1].
        generator: a seeded ``torch.Generator`` for reproducible draws. When it lives on another
            device than ``logits`` (a CPU generator, a model on a GPU), the draw is made on the
            generator's device, so a seed gives the same tokens wherever the model runs.

    Returns:
        (batch,) long token ids.
    """
    if logits.ndim != 2:
        raise ValueError(f"logits must be (batch, vocab), got shape {tuple(logits.shape)}")
    if temperature < 0:
        raise ValueError(f"temperature must be >= 0 (0 = greedy), got {temperature}")
    if not 0 < top_p <= 1:
        raise ValueError(f"top_p must be in (0, 1], got {top_p}")
    if temperature == 0:
        return logits.argmax(dim=-1)
    probs = torch.softmax(logits.float() / temperature, dim=-1)
    if top_p < 1:
        sorted_probs, order = probs.sort(dim=-1, descending=True)
        # Drop a token when the tokens ranked above it already reach top_p.
        mass_before = sorted_probs.cumsum(dim=-1) - sorted_probs
        sorted_probs = sorted_probs.masked_fill(mass_before >= top_p, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
    if generator is not None and generator.device != probs.device:
        draws = torch.multinomial(probs.to(generator.device), num_samples=1, generator=generator)
        return draws.squeeze(-1).to(probs.device)
    return torch.multinomial(probs, num_samples=1, generator=generator).squeeze(-1)


@dataclass
class GenerationOutput:
    """Result of :func:`generate`.

    Attributes:
        tokens: (batch, steps) generated ids; after a row's eos, ``pad_id``.
        lengths: (batch,) generated tokens per row, its eos included.
        finished: (batch,) True where the row produced eos.
        logprobs: (batch, steps) log π(token) under softmax(logits / T) at the sampling
            temperature T (the untempered softmax when T = 0), before any top-p truncation;
            0 after eos. Without top-p, the sampling policy's log-probabilities, as RL needs.
    """

    tokens: torch.Tensor
    lengths: torch.Tensor
    finished: torch.Tensor
    logprobs: torch.Tensor


@torch.no_grad()
def generate(
    model: MiniMoE,
    prompt_ids: torch.Tensor,
    attention_mask: torch.Tensor | None = None,
    max_new_tokens: int = 32,
    temperature: float = 1.0,
    top_p: float = 1.0,
    eos_id: int | None = None,
    pad_id: int = 0,
    generator: torch.Generator | None = None,
) -> GenerationOutput:
    """Sample continuations for a batch of prompts.

    Args:
        model: a :class:`MiniMoE` (put it in eval mode yourself if it has dropout-like state).
        prompt_ids: (batch, prompt_len), LEFT-padded so that every prompt ends at the last column.
        attention_mask: (batch, prompt_len) 1 for real tokens, 0 for padding; None if unpadded.
        max_new_tokens: most tokens to generate per row.
        temperature, top_p, generator: see :func:`sample_next`.
        eos_id: a row stops after producing this id; None generates max_new_tokens for all.
        pad_id: written after a row's eos.

    Returns:
        :class:`GenerationOutput`.
    """
    if prompt_ids.ndim != 2 or prompt_ids.shape[1] == 0:
        raise ValueError(f"prompt_ids must be (batch, prompt_len>0), got {tuple(prompt_ids.shape)}")
    if max_new_tokens < 1:
        raise ValueError(f"max_new_tokens must be >= 1, got {max_new_tokens}")
    if attention_mask is not None and not torch.all(attention_mask[:, -1] == 1):
        raise ValueError(
            "prompts must be LEFT-padded: every row's last position must be a real token "
            "(attention_mask[:, -1] == 1)"
        )
    total = prompt_ids.shape[1] + max_new_tokens
    if total > model.config.max_seq_len:
        raise ValueError(
            f"prompt length {prompt_ids.shape[1]} + max_new_tokens {max_new_tokens} = {total} "
            f"exceeds config.max_seq_len={model.config.max_seq_len}"
        )
    batch = prompt_ids.shape[0]
    device = prompt_ids.device
    finished = torch.zeros(batch, dtype=torch.bool, device=device)
    lengths = torch.zeros(batch, dtype=torch.long, device=device)
    tokens, logprobs = [], []

    out = model(prompt_ids, attention_mask=attention_mask)  # prefill: the whole prompt at once
    out.cache.reserve(total)  # room for every token to come: each step then writes one in place
    for step in range(max_new_tokens):
        logits = out.logits[:, -1]
        next_ids = sample_next(logits, temperature, top_p, generator)
        scale = temperature if temperature > 0 else 1.0
        next_logprobs = torch.log_softmax(logits.float() / scale, dim=-1).gather(
            1, next_ids[:, None]
        )
        next_ids = next_ids.masked_fill(finished, pad_id)
        tokens.append(next_ids)
        logprobs.append(next_logprobs.squeeze(1).masked_fill(finished, 0.0))
        lengths += (~finished).long()
        if eos_id is not None:
            finished |= next_ids == eos_id
            if bool(finished.all()):
                break
        if step + 1 < max_new_tokens:
            out = model(next_ids[:, None], cache=out.cache)
    return GenerationOutput(
        tokens=torch.stack(tokens, dim=1),
        lengths=lengths,
        finished=finished,
        logprobs=torch.stack(logprobs, dim=1),
    )
