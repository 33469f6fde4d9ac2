"""Verified accuracy and pass@k: sample completions, score them with the task's verifier."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from minimoe.benchmarks import standard_error
from minimoe.env import model_device
from minimoe.generation import GenerationOutput, generate
from minimoe.tasks import TOKENIZER, Problem

EVAL_SAMPLES = 8
"""Samples per problem behind a held-out accuracy at temperature 1 (:func:`held_out_accuracy`).

One sample per problem on 200 problems leaves a standard error of about 0.035 at accuracy 0.4,
as large as the gaps the RL lessons compare; eight cut it to at most 0.012 (run-to-run) for
about 8× the generation time, a few seconds at the course's sizes."""


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


@dataclass
class Completions:
    """Prompts and what a model wrote after them, as one batch.

    Attributes:
        prompt_ids: ``(batch, prompt_len)`` ``<bos> prompt`` ids, left-padded so that every
            completion starts in the same column.
        prompt_mask: ``(batch, prompt_len)`` 1 on real prompt tokens.
        output: what :func:`~minimoe.generation.generate` returned: ``tokens``
            ``(batch, new)``, ``lengths`` (each completion's tokens up to and including its
            first ``<eos>``; padding after it) and the sampled tokens' ``logprobs``.
    """

    prompt_ids: torch.Tensor
    prompt_mask: torch.Tensor
    output: GenerationOutput

    @property
    def completion_mask(self) -> torch.Tensor:
        """``(batch, new)`` 1 on each completion's tokens, its ``<eos>`` included."""
        tokens, lengths = self.output.tokens, self.output.lengths
        return (torch.arange(tokens.shape[1], device=tokens.device) < lengths.unsqueeze(1)).long()

    @property
    def ids(self) -> torch.Tensor:
        """``(batch, prompt_len + new)`` prompt and completion ids."""
        return torch.cat([self.prompt_ids, self.output.tokens], dim=1)

    @property
    def attention_mask(self) -> torch.Tensor:
        """``(batch, prompt_len + new)`` 1 on real tokens, prompt and completion."""
        return torch.cat([self.prompt_mask, self.completion_mask], dim=1)

    def texts(self) -> list[str]:
        """Each completion decoded by :func:`decode_completion`."""
        return [
            decode_completion(row, n) for row, n in zip(self.output.tokens, self.output.lengths)
        ]


@torch.no_grad()
def complete_prompts(
    model: nn.Module,
    prompts: Sequence[str],
    *,
    max_new_tokens: int,
    temperature: float = 1.0,
    top_p: float = 1.0,
    generator: torch.Generator | None = None,
) -> Completions:
    """Encode ``prompts`` as one left-padded batch and let ``model`` complete each, stopping at
    ``<eos>`` (the tokenizer's) or after ``max_new_tokens``. ``temperature=0`` is greedy;
    ``.texts()`` of the result gives each completion as text, its ``<eos>`` included (the
    verifier reads the answer up to it). The batch is put on the model's device."""
    ids, mask = TOKENIZER.batch_encode(list(prompts), left_pad=True)
    device = model_device(model)
    ids, mask = ids.to(device), mask.to(device)
    out = generate(
        model,
        ids,
        attention_mask=mask,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        top_p=top_p,
        eos_id=TOKENIZER.eos_id,
        generator=generator,
    )
    return Completions(ids, mask, out)


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

    @property
    def standard_error(self) -> float:
        """sqrt(p(1 − p) / (problems · samples)), :func:`minimoe.benchmarks.standard_error`.

        With one sample per problem it is the binomial standard error; with several it bounds
        how far ``accuracy`` moves when the answers to the same problems are re-sampled.
        """
        return standard_error(self.accuracy, self.problems, self.samples)


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
        texts = complete_prompts(
            model,
            [p.prompt for p in chunk],
            max_new_tokens=budget,
            temperature=temperature,
            top_p=top_p,
            generator=generator,
        ).texts()
        rewards += [p.verify(text) for p, text in zip(chunk, texts)]
    model.train(was_training)
    correct = [
        sum(r >= 1.0 for r in rewards[i * samples : (i + 1) * samples])
        for i in range(len(problems))
    ]
    ks = [k for k in (2**i for i in range(12)) if k <= samples]
    pass_at = {k: sum(pass_at_k(samples, c, k) for c in correct) / len(problems) for k in ks}
    return EvalResult(sum(rewards) / len(rewards), pass_at, samples, len(problems))


def held_out_accuracy(
    model: nn.Module,
    problems: Sequence[Problem],
    *,
    temperature: float = 1.0,
    samples: int = EVAL_SAMPLES,
    seed: int = 0,
) -> dict[str, float]:
    """What the RL lessons, recipes and trainer report on held-out problems.

    Returns ``{"greedy": …, "sampled": …, "sampled_se": …}``: greedy accuracy (deterministic,
    one answer each), the accuracy at ``temperature`` averaged over ``samples`` answers per
    problem, and that one's standard error (:attr:`EvalResult.standard_error`).
    """
    greedy = evaluate(model, problems, temperature=0.0)
    sampled = evaluate(model, problems, temperature=temperature, samples=samples, seed=seed)
    return {
        "greedy": greedy.accuracy,
        "sampled": sampled.accuracy,
        "sampled_se": sampled.standard_error,
    }
