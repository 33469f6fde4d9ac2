"""Auto-checked exercises.

Every exercise in a lesson is a function the learner completes. The cell after it calls
:func:`check`, which tests the learner's function against the library's reference:

* a stub (it still raises ``NotImplementedError``) prints "not attempted yet" and returns the
  library's implementation, so the rest of the lesson keeps working;
* a wrong answer raises ``AssertionError`` with a hint. Hints are tiered: the first wrong answer
  gets a conceptual nudge, each further one the next, more specific hint;
* a right answer prints a short confirmation and returns the learner's own function.

The full answer is never shown by a check: :func:`show_solution` prints it on request. The answers
are the solution regions of the lesson sources (``solutions/NN_name.py``), which
``minimoe course build`` copies into ``solutions.json`` beside this file, so there is one source.

Exercises live in one module per lesson (``minimoe/exercises/lesson00.py`` and so on). Each
registers itself with :func:`exercise`, naming its reference implementation and a few plausible
wrong variants; the test suite proves that every check accepts the reference and rejects the stub
and every wrong variant.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = [
    "Exercise",
    "all_exercises",
    "check",
    "close",
    "exercise",
    "get_exercise",
    "show_solution",
]

SOLUTIONS_FILE = Path(__file__).with_name("solutions.json")


@dataclass(frozen=True)
class Exercise:
    """One auto-checked exercise.

    ``run_check(candidate)`` raises ``AssertionError`` (with a short reason) when the candidate
    is wrong. ``hints`` are tiered, from a conceptual nudge to nearly the answer: the n-th wrong
    answer shows ``hints[n - 1]`` (the last one repeats). ``wrong_variants`` are plausible
    mistakes that the check must reject; the tests use them, and so can an instructor who wants
    to show what a failing check looks like.
    """

    name: str
    reference: Callable[..., Any]
    run_check: Callable[[Callable[..., Any]], None]
    hints: tuple[str, ...]
    wrong_variants: tuple[Callable[..., Any], ...] = field(default=())


_WRONG_ATTEMPTS: dict[str, int] = {}
"""Wrong answers so far per exercise in this Python session: they pick the hint tier."""


_REGISTRY: dict[str, Exercise] = {}


def exercise(
    name: str,
    *,
    reference: Callable[..., Any],
    hints: Sequence[str],
    wrong: Sequence[Callable[..., Any]],
) -> Callable[[Callable[[Callable[..., Any]], None]], Callable[[Callable[..., Any]], None]]:
    """Register the decorated function as the check of exercise ``name``.

    The decorated function takes the learner's candidate and raises ``AssertionError`` when it is
    wrong. ``hints`` go from a nudge (no code) to nearly the answer; ``wrong`` must hold at least
    one plausible wrong variant.
    """
    if not wrong:
        raise ValueError(f"exercise {name!r} needs at least one plausible wrong variant")
    if isinstance(hints, str) or not hints or not all(isinstance(h, str) and h for h in hints):
        raise ValueError(f"exercise {name!r} needs hints: a sequence of non-empty strings")

    def register(run_check: Callable[[Callable[..., Any]], None]):
        if name in _REGISTRY:
            raise ValueError(f"exercise {name!r} is registered twice")
        _REGISTRY[name] = Exercise(name, reference, run_check, tuple(hints), tuple(wrong))
        return run_check

    return register


def _load_all() -> None:
    """Import every lesson module in this package so that its exercises register."""
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("lesson"):
            importlib.import_module(f"{__name__}.{info.name}")


def all_exercises() -> dict[str, Exercise]:
    """Every registered exercise, by name."""
    _load_all()
    return dict(_REGISTRY)


def get_exercise(name: str) -> Exercise:
    """The exercise called ``name``; a ValueError lists the known names otherwise."""
    known = all_exercises()
    if name not in known:
        raise ValueError(f"unknown exercise {name!r}; known exercises: {', '.join(sorted(known))}")
    return known[name]


def check(name: str, candidate: Callable[..., Any]) -> Callable[..., Any]:
    """Check the learner's ``candidate`` for exercise ``name`` and return what the lesson should use.

    Returns ``candidate`` when it passes, or the library's reference when the candidate is still a
    stub. Raises ``AssertionError`` with the next hint when the candidate is wrong.
    """
    ex = get_exercise(name)
    if not callable(candidate):
        raise TypeError(f"{name}: pass the function itself (without calling it), got {candidate!r}")
    try:
        ex.run_check(candidate)
    except NotImplementedError:
        print(
            f"[not attempted yet] {name}: the lesson continues with minimoe's implementation. "
            "Fill in the function above and run both cells again."
        )
        return ex.reference
    except AssertionError as err:
        raise AssertionError(_wrong_answer(ex, str(err))) from None
    except Exception as err:  # a crash inside the learner's code is a wrong answer, not a bug here
        reason = f"your function raised {type(err).__name__}: {err}"
        raise AssertionError(_wrong_answer(ex, reason)) from err
    print(f"[correct] {name}: well done.")
    return candidate


def _wrong_answer(ex: Exercise, reason: str) -> str:
    """The message for a wrong answer: what is wrong, then the hint of this attempt's tier."""
    tier = min(_WRONG_ATTEMPTS.get(ex.name, 0), len(ex.hints) - 1)
    _WRONG_ATTEMPTS[ex.name] = tier + 1
    lines = [
        f"[not yet right] {ex.name}: {reason}",
        f"Hint {tier + 1}/{len(ex.hints)}: {ex.hints[tier]}",
    ]
    if tier + 1 < len(ex.hints):
        lines.append("(Another wrong answer shows a more specific hint.)")
    else:
        lines.append(f'Still stuck? show_solution("{ex.name}") prints the full answer.')
    return "\n".join(lines)


def _solutions() -> dict[str, str]:
    if not SOLUTIONS_FILE.exists():
        raise FileNotFoundError(
            f"{SOLUTIONS_FILE} is missing: run `minimoe course build` in the course repository"
        )
    return json.loads(SOLUTIONS_FILE.read_text(encoding="utf-8"))


def solution_text(name: str) -> str:
    """The answer of exercise ``name``: its solved code cell(s) from the lesson source."""
    get_exercise(name)  # unknown names fail here, listing the known ones
    solutions = _solutions()
    if name not in solutions:
        raise ValueError(f"no solution recorded for {name!r}: run `minimoe course build`")
    return solutions[name]


def show_solution(name: str) -> None:
    """Print the full answer of exercise ``name`` (try the hints first: they teach more)."""
    print(f"# Solution of {name}\n{solution_text(name)}")


def close(actual: Any, expected: Any, what: str, *, tol: float = 1e-6) -> None:
    """Assert that two numbers or tensors agree to ``tol`` (relative and absolute), saying what differs."""
    import torch

    a = torch.as_tensor(actual, dtype=torch.float64)
    e = torch.as_tensor(expected, dtype=torch.float64)
    assert a.shape == e.shape, f"{what}: expected shape {tuple(e.shape)}, got {tuple(a.shape)}"
    assert not torch.isnan(a).any() or torch.isnan(e).any(), f"{what}: your result contains NaN"
    if not torch.allclose(a, e, rtol=tol, atol=tol):
        diff = (a - e).abs().max().item()
        if a.numel() == 1:
            raise AssertionError(f"{what}: expected {e.item():.6g}, got {a.item():.6g}")
        raise AssertionError(f"{what}: differs from the reference by up to {diff:.3g}")
