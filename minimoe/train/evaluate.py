"""Verified accuracy and pass@k: sample completions, score them with the task's verifier."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from minimoe.env import model_device
from minimoe.generate import generate
from minimoe.tasks import TOKENIZER, Problem


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k from ``n`` samples of which ``c`` are correct (Chen et al., 2021).

    pass@k = 1 − C(n−c, k) / C(n, k): the chance that at least one of ``k`` samples drawn without
    replacement from the ``n`` is correct.
    """
    if not (0 <= c <= n) or not (1 <= k <= n):
        raise ValueError(f"need 0 <= c <= n and 1 <= k <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)


def max_completion_tokens(problems: Sequence[Problem], margin: int = 4) -> int:
    """A generation budget: the longest reference completion in tokens, plus ``margin``."""
    return max(len(TOKENIZER.encode(p.target)) for p in problems) + margin


@torch.no_grad()
def sample_completions(
    model: nn.Module,
    prompts: Sequence[str],
    *,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_p: float = 1.0,
    generator: torch.Generator | None = None,
) -> list[str]:
    """Generate one completion per prompt and decode it up to (not including) <eos>."""
    ids, mask = TOKENIZER.batch_encode(list(prompts), left_pad=True)
    device = model_device(model)
    out = generate(
        model,
        ids.to(device),
        attention_mask=mask.to(device),
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        top_p=top_p,
        eos_id=TOKENIZER.eos_id,
        generator=generator,
    )
    return [decode_completion(row, length) for row, length in zip(out.tokens, out.lengths)]


def decode_completion(tokens: torch.Tensor, length: int | torch.Tensor) -> str:
    """Text of the first ``length`` generated tokens (its <eos>, if any, kept for the verifier).

    Special tokens the model wrote are spelled out by name, so a stray ``<pad>`` in an answer makes
    it wrong instead of silently disappearing.
    """
    return TOKENIZER.decode(tokens[: int(length)].tolist(), skip_special=False)


@dataclass
class EvalResult:
    """Verified accuracy over problems, with ``samples`` completions each."""

    accuracy: float  # mean reward over every sample
    pass_at: dict[int, float]  # pass@k for k = 1, 2, 4, ... up to samples
    samples: int
    problems: int


def evaluate(
    model: nn.Module,
    problems: Sequence[Problem],
    *,
    temperature: float = 0.0,
    top_p: float = 1.0,
    samples: int = 1,
    batch_size: int = 256,
    seed: int = 0,
) -> EvalResult:
    """Score ``model`` on ``problems``: ``temperature=0`` is greedy decoding.

    With ``samples > 1`` each problem is sampled that many times and pass@k is reported for
    k = 1, 2, 4, … ≤ samples. Deterministic for a given ``seed``.
    """
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    was_training = model.training
    model.eval()
    generator = torch.Generator().manual_seed(seed)
    budget = max_completion_tokens(problems)
    expanded = [p for p in problems for _ in range(samples)]
    rewards: list[float] = []
    for start in range(0, len(expanded), batch_size):
        chunk = expanded[start : start + batch_size]
        texts = sample_completions(
            model,
            [p.prompt for p in chunk],
            max_new_tokens=budget,
            temperature=temperature,
            top_p=top_p,
            generator=generator,
        )
        rewards += [p.verify(text) for p, text in zip(chunk, texts)]
    model.train(was_training)
    correct = [
        sum(r >= 1.0 for r in rewards[i * samples : (i + 1) * samples])
        for i in range(len(problems))
    ]
    ks = [k for k in (2**i for i in range(12)) if k <= samples]
    pass_at = {k: sum(pass_at_k(samples, c, k) for c in correct) / len(problems) for k in ks}
    return EvalResult(sum(rewards) / len(rewards), pass_at, samples, len(problems))
