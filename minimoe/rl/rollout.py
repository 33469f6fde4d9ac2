"""Rollouts: sample a group of completions per prompt, score them, and get their log-probabilities.

All tensors of a rollout share one layout: row i is ``<pad>… <bos> prompt completion <pad>…``
(prompts left-padded so that generation starts in the same column, completions right-padded after
their ``<eos>``). Log-probabilities are per *predicted* position: column t of ``logp`` is
log π(ids[:, t+1] | ids[:, :t+1]), so every per-token tensor has ``seq - 1`` columns.

The policy RL trains is the *sampler's* distribution: softmax(logits / T) at the rollout's
temperature T. So :func:`token_logprobs` scores tokens at that temperature, for π_θold and π_θ
alike (as TRL and verl do); scoring the untempered softmax while sampling at T ≠ 1 would make
the first update's ratio 1 for samples that came from another distribution. Nucleus (top-p)
sampling is not offered here: its truncated distribution gives most tokens probability 0 and
the loss no way to score it.
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
    temperature: float  # T of the sampler; the loss scores tokens at the same T
    max_new_tokens: int  # the generation budget L_max (Dr. GRPO's constant normaliser)

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
    generator: torch.Generator | None = None,
) -> Rollout:
    """Sample ``group_size`` completions for each problem with the model's hybrid cache and
    score them. ``temperature`` must be > 0: RL needs a policy that samples."""
    if group_size < 1:
        raise ValueError(f"group_size must be at least 1, got {group_size}")
    if not temperature > 0:
        raise ValueError(
            f"temperature must be > 0 for RL rollouts (0 is greedy, which never explores), "
            f"got {temperature}"
        )
    was_training = model.training
    model.eval()
    expanded = [p for p in problems for _ in range(group_size)]
    done = complete_prompts(
        model,
        [p.prompt for p in expanded],
        max_new_tokens=max_new_tokens,
        temperature=temperature,
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
        temperature,
        max_new_tokens,
    )


def token_logprobs(
    model: nn.Module,
    ids: torch.Tensor,
    attention_mask: torch.Tensor,
    response_mask: torch.Tensor | None = None,
    *,
    temperature: float = 1.0,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """log π_T(ids[:, t+1] | ids[:, :t+1]) for every position, shape ``(batch, seq - 1)``, where
    π_T = softmax(logits / T) is the sampler's distribution at ``temperature`` T > 0.

    With ``response_mask``, also returns the mean entropy of that distribution over the
    response positions (a scalar; no gradient).
    """
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0 to score a sampling policy, got {temperature}")
    logits = model(ids, attention_mask=attention_mask).logits[:, :-1].float() / temperature
    logp_all = torch.log_softmax(logits, dim=-1)
    logp = logp_all.gather(-1, ids[:, 1:].unsqueeze(-1)).squeeze(-1)
    ent = None
    if response_mask is not None:
        ent = masked_entropy(logits.detach(), response_mask)
    return logp, ent
