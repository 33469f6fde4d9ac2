"""Lesson 10 (distillation): what a teacher's traces cost to generate, which agreement is the
telling one, and a per-token KL with its bugs."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from minimoe.exercises import close, exercise
from minimoe.flops import Architecture, architecture, decode_flops, generation_flops, prefill_flops
from minimoe.similarity import mistake_agreement, token_kl
from minimoe.tasks import make_dataset

# ------------------------------------------------------------------------------ 10.trace_flops


def trace_flops(arch: Architecture, n_traces: int, prompt: int, new_tokens: int) -> int:
    """Forward FLOPs for a teacher to write ``n_traces`` answers of ``new_tokens`` tokens after
    prompts of ``prompt`` tokens, one answer at a time with the cache, as minimoe generates:
    :func:`minimoe.flops.generation_flops` per trace."""
    return n_traces * generation_flops(arch, new_tokens, prompt).total


def _steps(arch, prompt, contexts):
    return prefill_flops(arch, prompt).total + sum(decode_flops(arch, t).total for t in contexts)


def _flops_one_decode_too_many(arch, n_traces, prompt, new_tokens):
    return n_traces * _steps(arch, prompt, range(prompt, prompt + new_tokens))


def _flops_contexts_shifted(arch, n_traces, prompt, new_tokens):
    return n_traces * _steps(arch, prompt, range(prompt + 1, prompt + new_tokens))


def _flops_teacher_forced(arch, n_traces, prompt, new_tokens):
    return n_traces * prefill_flops(arch, prompt + new_tokens).total


def _flops_one_trace(arch, n_traces, prompt, new_tokens):
    return generation_flops(arch, new_tokens, prompt).total


def _flops_with_backward(arch, n_traces, prompt, new_tokens):
    return 3 * trace_flops(arch, n_traces, prompt, new_tokens)


@exercise(
    "10.trace_flops",
    reference=trace_flops,
    hints=(
        "Walk through what generation runs for one answer: the prompt goes through the model "
        "once, and that pass already predicts the first new token. Each later token is one "
        "decode step, and in a softmax layer its cost depends on how many tokens the cache "
        "holds at that moment. Nothing is trained while the teacher writes.",
        "One prefill of the prompt, then new_tokens - 1 decode steps at contexts prompt, "
        "prompt + 1, ..., prompt + new_tokens - 2 (decode_flops(arch, context).total each); "
        "multiply one trace's sum by n_traces. No factor for a backward pass.",
        "n_traces * (prefill_flops(arch, prompt).total + sum(decode_flops(arch, t).total for t "
        "in range(prompt, prompt + new_tokens - 1)))",
    ),
    wrong=[
        _flops_one_decode_too_many,
        _flops_contexts_shifted,
        _flops_teacher_forced,
        _flops_one_trace,
        _flops_with_backward,
    ],
)
def _check_trace_flops(candidate) -> None:
    from minimoe.config import MiniMoEConfig

    tiny = Architecture.from_config(MiniMoEConfig.preset("tiny"))
    for arch in (tiny, architecture("m1"), architecture("r1")):
        for n, prompt, new in ((1, 12, 12), (3900, 12, 12), (7, 100, 1), (2, 1, 40)):
            close(
                candidate(arch, n, prompt, new),
                trace_flops(arch, n, prompt, new),
                f"trace_flops({arch.name}, n_traces={n}, prompt={prompt}, new_tokens={new})",
            )


# ------------------------------------------------------------------------ 10.mistake_agreement


def shared_mistakes(problems, reference, other) -> float:
    """On the problems ``reference`` answered wrongly, the share where ``other`` wrote the very
    same wrong answer (:func:`minimoe.similarity.mistake_agreement`)."""
    return mistake_agreement(problems, reference, other)[0]


_PROBLEMS = make_dataset("sorting", 8, seed=0, difficulty=4)
_RIGHT = [p.target for p in _PROBLEMS]
# The reference errs on problems 1, 2, 3 and 5; the other model copies the mistakes on 1 and 2,
# is wrong differently on 3, right on 5, and wrong on 6 and 7 where the reference is right.
_REFERENCE = [*_RIGHT[:1], "#0000<eos>", "#1111<eos>", "#2222<eos>", _RIGHT[4], "#3<eos>"]
_REFERENCE += _RIGHT[6:]
_OTHER = [*_RIGHT[:1], "#0000<eos>", "#1111<eos>", "#9999<eos>", _RIGHT[4], _RIGHT[5]]
_OTHER += ["#5555<eos>", "#6666<eos>"]


def _agree_everywhere(problems, reference, other):
    return sum(a == b for a, b in zip(reference, other)) / len(reference)


def _agree_where_other_wrong(problems, reference, other):
    return shared_mistakes(problems, other, reference)


def _both_wrong(problems, reference, other):
    wrong = [i for i, p in enumerate(problems) if p.verify(reference[i]) < 1]
    return sum(problems[i].verify(other[i]) < 1 for i in wrong) / len(wrong)


def _same_mistakes_over_all(problems, reference, other):
    wrong = [i for i, p in enumerate(problems) if p.verify(reference[i]) < 1]
    return sum(other[i] == reference[i] for i in wrong) / len(problems)


@exercise(
    "10.mistake_agreement",
    reference=shared_mistakes,
    hints=(
        "On a task with one right answer, two good models agree whenever both are right, "
        "whoever taught them. Which prompts are left where agreeing says something about a "
        "shared source, and what must the two answers have in common there?",
        "Keep only the prompts where the reference's answer fails its problem's verify. Among "
        "those, count the ones where the other model wrote exactly the same text; divide by "
        "how many prompts you kept (not by all of them).",
        "wrong = [i for i, p in enumerate(problems) if p.verify(reference[i]) < 1]; return "
        "sum(other[i] == reference[i] for i in wrong) / len(wrong)",
    ),
    wrong=[_agree_everywhere, _agree_where_other_wrong, _both_wrong, _same_mistakes_over_all],
)
def _check_mistake_agreement(candidate) -> None:
    got = candidate(list(_PROBLEMS), list(_REFERENCE), list(_OTHER))
    close(got, 0.5, "shared_mistakes on the example (4 reference mistakes, 2 copied exactly)")
    flipped = candidate(list(_PROBLEMS), list(_OTHER), list(_REFERENCE))
    close(flipped, 0.4, "shared_mistakes with the two models swapped")


# -------------------------------------------------------------------------------- 10.token_kl


def _kl_reversed(teacher_logits, model_logits, response_mask):
    return token_kl(model_logits, teacher_logits, response_mask)


def _kl_positions_shifted(teacher_logits, model_logits, response_mask):
    log_p = F.log_softmax(teacher_logits[:, 1:].float(), dim=-1)
    log_q = F.log_softmax(model_logits[:, 1:].float(), dim=-1)
    per_token = (log_p.exp() * (log_p - log_q)).sum(-1)
    mask = response_mask.float()
    return (per_token * mask).sum() / mask.sum()


def _kl_all_positions(teacher_logits, model_logits, response_mask):
    return token_kl(teacher_logits, model_logits, torch.ones_like(response_mask))


def _kl_sampled_token_only(teacher_logits, model_logits, response_mask):
    log_p = F.log_softmax(teacher_logits[:, :-1].float(), dim=-1)
    log_q = F.log_softmax(model_logits[:, :-1].float(), dim=-1)
    top = log_p.argmax(-1, keepdim=True)
    per_token = (log_p.gather(-1, top) - log_q.gather(-1, top)).squeeze(-1)
    mask = response_mask.float()
    return (per_token * mask).sum() / mask.sum()


def _kl_the_given_bug(teacher_logits, model_logits, response_mask):
    log_p = F.log_softmax(teacher_logits.float(), dim=-1)
    log_q = F.log_softmax(model_logits.float(), dim=-1)
    per_token = (log_q.exp() * (log_q - log_p)).sum(-1)
    return per_token[:, 1:][response_mask.bool()].mean()


@exercise(
    "10.token_kl",
    reference=token_kl,
    hints=(
        "Two questions decide a per-token KL. Whose distribution weighs the log-ratio: the "
        "one the student is meant to imitate, or the student's? And which logits predict the "
        "token at column t + 1: the ones computed at column t or at t + 1?",
        "KL(teacher ‖ model) weighs log p − log q by the teacher's probabilities p. Logits at "
        "position t predict token t + 1, so drop the last position of each row (not the first) "
        "before applying the (batch, seq - 1) mask.",
        "log_p = F.log_softmax(teacher_logits[:, :-1].float(), -1); log_q = "
        "F.log_softmax(model_logits[:, :-1].float(), -1); per = (log_p.exp() * (log_p - "
        "log_q)).sum(-1); return (per * mask).sum() / mask.sum() with mask = "
        "response_mask.float()",
    ),
    wrong=[
        _kl_the_given_bug,
        _kl_reversed,
        _kl_positions_shifted,
        _kl_all_positions,
        _kl_sampled_token_only,
    ],
)
def _check_token_kl(candidate) -> None:
    generator = torch.Generator().manual_seed(10)
    teacher = torch.randn(3, 6, 9, generator=generator) * 2
    model = torch.randn(3, 6, 9, generator=generator)
    mask = torch.tensor([[0, 0, 1, 1, 1], [0, 1, 1, 1, 0], [0, 0, 0, 1, 1]])
    close(
        candidate(teacher, model, mask),
        token_kl(teacher, model, mask),
        "token_kl on random logits (batch 3, seq 6, vocab 9)",
        tol=1e-5,
    )
    close(candidate(teacher, teacher, mask), 0.0, "token_kl of a model with itself", tol=1e-6)
