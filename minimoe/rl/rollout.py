"""Rollouts: sample a group of completions per prompt, score them, and get their log-probabilities.

All tensors of a rollout share one layout: row i is ``<pad>… <bos> prompt completion <pad>…``
(prompts left-padded so that generation starts in the same column, completions right-padded after
their ``<eos>``). Log-probabilities are per *predicted* position: column t of ``logp`` is
log π(ids[:, t+1] | ids[:, :t+1]), so every per-token tensor has ``seq - 1`` columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from minimoe.rl.metrics import entropy as masked_entropy
from minimoe.tasks import Problem
from minimoe.train.evaluate import complete_prompts


@dataclass
class Rollout:
    """One batch of sampled completions, ``group_size`` consecutive rows per prompt."""

    ids: torch.Tensor  # (batch, seq) prompt + completion token ids
    attention_mask: torch.Tensor  # (batch, seq) 1 on real tokens
    response_mask: torch.Tensor  # (batch, seq - 1) 1 where ids[:, 1:] is a completion token
    rewards: torch.Tensor  # (batch,) verifier rewards
    completions: list[str]
    problems: list[Problem]
    group_size: int

    @property
    def response_lengths(self) -> torch.Tensor:
        return self.response_mask.sum(dim=1)


@torch.no_grad()
def collect_rollout(
    model: nn.Module,
    problems: Sequence[Problem],
    group_size: int,
    *,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_p: float = 1.0,
    generator: torch.Generator | None = None,
) -> Rollout:
    """Sample ``group_size`` completions for each problem with the model's hybrid cache and score them."""
    if group_size < 1:
        raise ValueError(f"group_size must be at least 1, got {group_size}")
    was_training = model.training
    model.eval()
    expanded = [p for p in problems for _ in range(group_size)]
    done = complete_prompts(
        model,
        [p.prompt for p in expanded],
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        top_p=top_p,
        generator=generator,
    )
    model.train(was_training)
    # A completion runs up to and including its first <eos>; generate pads the rest.
    response_mask = torch.cat([torch.zeros_like(done.prompt_mask), done.completion_mask], dim=1)
    completions = done.texts()
    rewards = torch.tensor(
        [p.verify(c) for p, c in zip(expanded, completions)], device=done.ids.device
    )
    return Rollout(
        done.ids,
        done.attention_mask,
        response_mask[:, 1:].float(),
        rewards,
        completions,
        expanded,
        group_size,
    )


def token_logprobs(
    model: nn.Module,
    ids: torch.Tensor,
    attention_mask: torch.Tensor,
    response_mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """log π(ids[:, t+1] | ids[:, :t+1]) for every position, shape ``(batch, seq - 1)``.

    With ``response_mask``, also returns the mean entropy of the full next-token distribution
    over the response positions (a scalar; no gradient).
    """
    logits = model(ids, attention_mask=attention_mask).logits[:, :-1].float()
    logp_all = torch.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    ent = None
    if response_mask is not None:
        ent = masked_entropy(logits.detach(), response_mask)
    return logp, ent
