"""Output similarity of two models (lesson 10): pure functions over their answers and logits.

- :func:`agreement`: the share of prompts on which two models wrote the same answer;
- :func:`mistake_agreement`: on the prompts where a reference model was wrong, the share where
  the other wrote the very same wrong answer (on a task with one right answer, the telling
  kind of agreement);
- :func:`token_kl`: the mean per-token KL(teacher ‖ model) of two models' logits on the same
  prefixes, over the answer positions.

:mod:`minimoe.experiments.distillation` runs them on a teacher and its students.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F

from minimoe.tasks import Problem


def _same_length(a: Sequence[str], b: Sequence[str]) -> None:
    if len(a) != len(b) or not a:
        raise ValueError(f"compare answers to the same prompts: got {len(a)} and {len(b)} answers")


def agreement(a: Sequence[str], b: Sequence[str]) -> float:
    """Share of prompts on which two models wrote exactly the same answer."""
    _same_length(a, b)
    return sum(x == y for x, y in zip(a, b)) / len(a)


def mistake_agreement(
    problems: Sequence[Problem], reference: Sequence[str], other: Sequence[str]
) -> tuple[float, int]:
    """(share, count): on the prompts where ``reference``'s answer is wrong, the share where
    ``other`` wrote exactly the same wrong answer, and how many such prompts there are. Two
    models that are both right agree because the task has one answer; sharing a *mistake* is
    the telling signal. The share is NaN when the reference made no mistake."""
    _same_length(reference, other)
    if len(problems) != len(reference):
        raise ValueError(f"{len(problems)} problems but {len(reference)} answers")
    wrong = [i for i, p in enumerate(problems) if p.verify(reference[i]) < 1.0]
    if not wrong:
        return float("nan"), 0
    same = sum(other[i] == reference[i] for i in wrong)
    return same / len(wrong), len(wrong)


def token_kl(
    teacher_logits: torch.Tensor, model_logits: torch.Tensor, response_mask: torch.Tensor
) -> torch.Tensor:
    """Mean per-token KL(teacher ‖ model) over the positions where ``response_mask`` is 1.

    Args:
        teacher_logits, model_logits: ``(batch, seq, vocab)``; position t predicts token t + 1.
        response_mask: ``(batch, seq - 1)``, 1 where ``ids[:, t + 1]`` is an answer token.

    KL(p ‖ q) = Σ_v p(v) (log p(v) − log q(v)) with p the teacher's next-token distribution:
    the direction Hinton et al.'s soft-target loss minimises (its cross-entropy minus the
    teacher's entropy). Only positions that predict an answer token count; the last position
    predicts nothing.
    """
    if teacher_logits.shape != model_logits.shape:
        raise ValueError(
            f"logits of the same prefixes needed: {tuple(teacher_logits.shape)} vs "
            f"{tuple(model_logits.shape)}"
        )
    if response_mask.shape != teacher_logits.shape[:1] + (teacher_logits.shape[1] - 1,):
        raise ValueError(
            f"response_mask must be (batch, seq - 1) = {tuple(teacher_logits.shape[:1])} + "
            f"({teacher_logits.shape[1] - 1},), got {tuple(response_mask.shape)}"
        )
    log_p = F.log_softmax(teacher_logits[:, :-1].float(), dim=-1)
    log_q = F.log_softmax(model_logits[:, :-1].float(), dim=-1)
    per_token = (log_p.exp() * (log_p - log_q)).sum(-1)
    mask = response_mask.float()
    return (per_token * mask).sum() / mask.sum()
