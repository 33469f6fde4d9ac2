"""Lesson 05 (tasks and a warm start): reading the answer, the SFT loss mask, and pass@k."""

from __future__ import annotations

import math

import torch

from minimoe.exercises import close, exercise
from minimoe.tasks import TOKENIZER, Arithmetic, Countdown, Problem, Sorting, extract_answer
from minimoe.tasks.verify import MAX_COMPLETION_CHARS
from minimoe.train import encode_sft_batch, pass_at_k


def sft_example(problem: Problem) -> tuple[torch.Tensor, torch.Tensor]:
    """One training row: ``<bos> prompt target`` ids ``(seq,)`` and the loss mask ``(seq - 1,)``.

    Position t of the mask says whether predicting ``ids[t + 1]`` from ``ids[:t + 1]`` is
    trained: 1 for every target token (worked steps, answer and <eos>), 0 for the prompt.
    The library builds the same rows, padded into a batch, with ``encode_sft_batch``.
    """
    ids, loss_mask = encode_sft_batch([problem])
    return ids[0], loss_mask[0]


# -------------------------------------------------------------------------- 05.extract_answer


def _answer_after_first_marker(completion):
    text = completion.split("<eos>")[0]
    if len(text) > MAX_COMPLETION_CHARS or "#" not in text:
        return None
    return text[text.find("#") + 1 :].strip(" ")


def _answer_ignores_eos(completion):
    if len(completion) > MAX_COMPLETION_CHARS or "#" not in completion:
        return None
    return completion[completion.rfind("#") + 1 :].strip(" ")


def _answer_without_length_limit(completion):
    text = completion.split("<eos>")[0]
    if "#" not in text:
        return None
    return text[text.rfind("#") + 1 :].strip(" ")


def _answer_empty_string_when_missing(completion):
    text = completion.split("<eos>")[0]
    if len(text) > MAX_COMPLETION_CHARS:
        return None
    return text[text.rfind("#") + 1 :].strip(" ") if "#" in text else ""


@exercise(
    "05.extract_answer",
    reference=extract_answer,
    hints=(
        "Read the completion the way the format defines it: the answer ends where the model "
        "says it stops, and begins after its last announcement that an answer follows. Whatever "
        "comes after the stop is not part of it, and a completion too long to be honest earns "
        "nothing.",
        "Cut the text at the first '<eos>' (if there is one). Return None if what is left has no "
        f"'#' or is longer than {MAX_COMPLETION_CHARS} characters; otherwise return what follows "
        "the LAST '#', with spaces stripped from both ends.",
        "end = completion.find('<eos>'); text = completion if end == -1 else completion[:end]; "
        f"return None if len(text) > {MAX_COMPLETION_CHARS} or '#' not in text, else "
        "text[text.rfind('#') + 1:].strip(' ')",
    ),
    wrong=[
        _answer_after_first_marker,
        _answer_ignores_eos,
        _answer_without_length_limit,
        _answer_empty_string_when_missing,
    ],
)
def _check_extract_answer(candidate) -> None:
    cases = [
        "12,13,6#632<eos>",
        "#0112345669<eos>",
        "9-5=4,4*4=16#4*(9-5)<eos>",
        "#12#34<eos>",  # the answer follows the last marker
        "#632<eos>#999",  # the model kept writing after <eos>: ignore it
        "# 632 <eos>",
        "12,13,6",  # no marker: no answer
        "",
        "#",
        "#" + "1" * 300,  # a runaway generation earns nothing
        "1" * (MAX_COMPLETION_CHARS - 1) + "#5<eos>" + "7" * 50,
    ]
    for completion in cases:
        got, want = candidate(completion), extract_answer(completion)
        shown = completion if len(completion) < 40 else completion[:30] + "…"
        assert got == want, f"extract_answer({shown!r}): expected {want!r}, got {got!r}"


# ----------------------------------------------------------------------------- 05.sft_example


def _mask_aligned_with_ids(problem):
    prompt = TOKENIZER.encode(problem.prompt, add_bos=True)
    target = TOKENIZER.encode(problem.target)
    return torch.tensor(prompt + target), torch.tensor([0.0] * len(prompt) + [1.0] * len(target))


def _mask_misses_first_target_token(problem):
    ids, mask = sft_example(problem)
    shifted = torch.cat([torch.zeros(1), mask[:-1]])
    return ids, shifted


def _mask_trains_on_prompt(problem):
    ids, mask = sft_example(problem)
    return ids, torch.ones_like(mask)


def _mask_drops_eos(problem):
    ids, mask = sft_example(problem)
    mask = mask.clone()
    mask[-1] = 0.0
    return ids, mask


def _ids_without_bos(problem):
    ids = TOKENIZER.encode(problem.prompt) + TOKENIZER.encode(problem.target)
    prompt_len = len(TOKENIZER.encode(problem.prompt))
    mask = [0.0] * (prompt_len - 1) + [1.0] * (len(ids) - prompt_len)
    return torch.tensor(ids), torch.tensor(mask)


@exercise(
    "05.sft_example",
    reference=sft_example,
    hints=(
        "Line the two up: the mask does not describe the tokens of ids but the predictions, and "
        "the prediction made at position t is of the token after it. Which positions predict a "
        "token of the target, and which one predicts the target's first token?",
        "ids is <bos>, the prompt's tokens, then the target's tokens (<eos> included). The first "
        "target token is predicted at the prompt's last token, position len(prompt ids) - 1, so "
        "the mask starts with len(prompt ids) - 1 zeros (counting <bos>) and then has one 1 per "
        "target token.",
        "prompt = TOKENIZER.encode(problem.prompt, add_bos=True); target = "
        "TOKENIZER.encode(problem.target); return torch.tensor(prompt + target), "
        "torch.tensor([0.0] * (len(prompt) - 1) + [1.0] * len(target))",
    ),
    wrong=[
        _mask_aligned_with_ids,
        _mask_misses_first_target_token,
        _mask_trains_on_prompt,
        _mask_drops_eos,
        _ids_without_bos,
    ],
)
def _check_sft_example(candidate) -> None:
    problems = [
        Arithmetic().problem(347, "+", 285),
        Countdown().problem([9, 4, 5], 16),
        Sorting().problem("5391406612"),
        Sorting().problem("21"),
    ]
    for problem in problems:
        ids, mask = candidate(problem)
        want_ids, want_mask = sft_example(problem)
        what = f"sft_example({problem.prompt!r} -> {problem.target!r})"
        close(torch.as_tensor(ids), want_ids, f"{what} ids", tol=0)
        close(torch.as_tensor(mask, dtype=torch.float), want_mask, f"{what} loss mask", tol=0)


# -------------------------------------------------------------------------------- 05.pass_at_k


@exercise(
    "05.pass_at_k",
    reference=pass_at_k,
    hints=(
        "Counting the failures is easier than counting the successes. When does a pick of k "
        "samples contain no correct one at all, and how many such picks are there among all "
        "possible picks?",
        "A pick with no correct sample takes all k samples from the n - c wrong ones. Divide the "
        "number of such picks by the number of all picks of k out of n, and subtract from 1. The "
        "picks are without replacement, so (1 - c/n)**k is not the chance of failing.",
        "return 1.0 - math.comb(n - c, k) / math.comb(n, k)",
    ),
    wrong=[
        lambda n, c, k: c / n,
        lambda n, c, k: 1 - (1 - c / n) ** k,
        lambda n, c, k: min(1.0, k * c / n),
        lambda n, c, k: math.comb(c, k) / math.comb(n, k),
    ],
)
def _check_pass_at_k(candidate) -> None:
    for n, c, k in [
        (16, 0, 4),
        (16, 16, 4),
        (10, 3, 1),
        (10, 3, 4),
        (16, 1, 8),
        (16, 5, 12),
        (200, 13, 100),
        (5, 4, 2),
    ]:
        close(candidate(n, c, k), pass_at_k(n, c, k), f"pass_at_k(n={n}, c={c}, k={k})", tol=1e-9)
