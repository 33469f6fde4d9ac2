"""Every exercise check accepts the library's answer and rejects the stub and plausible wrong answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import minimoe.exercises as exercises
from minimoe.exercises import all_exercises, check, get_exercise, show_solution, solution_text

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = all_exercises()


@pytest.fixture(autouse=True)
def _fresh_attempts(monkeypatch):
    """Every test starts as a learner who has made no wrong attempt yet."""
    monkeypatch.setattr(exercises, "_WRONG_ATTEMPTS", {})


def _stub(*args, **kwargs):
    raise NotImplementedError("exercise not attempted yet")


def test_there_are_exercises():
    assert len(EXERCISES) >= 2


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_reference_passes(name, capsys):
    ex = EXERCISES[name]
    assert check(name, ex.reference) is ex.reference
    assert "[correct]" in capsys.readouterr().out


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_stub_falls_back_to_reference(name, capsys):
    assert check(name, _stub) is EXERCISES[name].reference
    assert "[not attempted yet]" in capsys.readouterr().out


@pytest.mark.parametrize(
    "name, index",
    [(name, i) for name, ex in sorted(EXERCISES.items()) for i in range(len(ex.wrong_variants))],
)
def test_wrong_variant_fails_with_hint(name, index):
    wrong = EXERCISES[name].wrong_variants[index]
    with pytest.raises(AssertionError, match=r"Hint \d+/\d+:"):
        check(name, wrong)


def test_crashing_answer_is_reported_as_wrong():
    def crashes(*args):
        return 1 / 0

    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        check("00.active_fraction", crashes)


def test_unknown_exercise_lists_known_names():
    with pytest.raises(ValueError, match="00.active_fraction"):
        get_exercise("no.such.exercise")


def test_passing_a_value_instead_of_a_function_is_explained():
    with pytest.raises(TypeError, match="pass the function itself"):
        check("00.active_fraction", 42)


def _names_used_in_lessons() -> set[str]:
    pattern = re.compile(r"""check\(\s*["']([\w.]+)["']""")
    return {
        m for src in (ROOT / "solutions").glob("*.py") for m in pattern.findall(src.read_text())
    }


def test_every_lesson_check_is_registered_and_every_exercise_is_used():
    used = _names_used_in_lessons()
    assert used, "no lesson calls check()"
    assert used <= set(EXERCISES), f"unregistered: {sorted(used - set(EXERCISES))}"
    assert set(EXERCISES) <= used, f"never used in a lesson: {sorted(set(EXERCISES) - used)}"


def _first_wrong(name):
    return EXERCISES[name].wrong_variants[0]


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_hints_come_in_tiers_and_the_last_points_to_the_solution(name):
    hints = EXERCISES[name].hints
    for tier, hint in enumerate(hints):
        with pytest.raises(AssertionError) as err:
            check(name, _first_wrong(name))
        message = str(err.value)
        assert f"Hint {tier + 1}/{len(hints)}: {hint}" in message
        assert all(later not in message for later in hints[tier + 1 :])
        assert ("show_solution" in message) == (tier == len(hints) - 1)
    with pytest.raises(AssertionError, match=f"Hint {len(hints)}/{len(hints)}"):
        check(name, _first_wrong(name))  # the last tier repeats


def _code_lines(text: str) -> set[str]:
    """The answer's statements: lines that say something (no def, docstring or comment)."""
    lines = set()
    for line in text.splitlines():
        line = line.strip()
        if len(line) > 12 and not line.startswith(("def ", '"""', "#")):
            lines.add(line)
    return lines


# Exercises of lessons 00-07 whose first hint still spells out their code (issue 14 rewrites them).
FIRST_HINT_GIVES_CODE: set[str] = set()


# Code in prose: an assignment, a method call, or an index with a slice or several axes.
CODE_LIKE = re.compile(r"\b\w+\s*=\s*[\w(\[-]|\.\w+\(|\w\[[^\]]*[:,]")


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=pytest.mark.xfail(
                name in FIRST_HINT_GIVES_CODE,
                reason="first hint to be rewritten as a conceptual nudge (issue 14)",
                strict=True,
            ),
        )
        for name in sorted(EXERCISES)
    ],
)
def test_the_first_hint_does_not_give_the_answer_away(name):
    first = EXERCISES[name].hints[0]
    leaked = [line for line in _code_lines(solution_text(name)) if line in first]
    assert not leaked, f"the first hint of {name} contains its answer: {leaked}"
    code = CODE_LIKE.findall(first)
    assert not code, f"the first hint of {name} should be a conceptual nudge, not code: {code}"


@pytest.mark.parametrize("name", sorted(EXERCISES))
def test_show_solution_prints_the_solved_code(name, capsys):
    show_solution(name)
    out = capsys.readouterr().out
    assert name in out and "NotImplementedError" not in out
    assert _code_lines(solution_text(name)), f"{name}: the recorded solution has no code"


def test_every_exercise_has_a_recorded_solution_and_every_solution_an_exercise():
    import json

    recorded = set(json.loads(exercises.SOLUTIONS_FILE.read_text()))
    assert recorded == set(EXERCISES)


def test_an_exercise_without_hints_is_refused():
    with pytest.raises(ValueError, match="hints"):
        exercises.exercise("99.x", reference=len, hints="one string", wrong=[len])
