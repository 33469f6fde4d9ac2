"""Every exercise check accepts the library's answer and rejects the stub and plausible wrong answers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from minimoe.exercises import all_exercises, check, get_exercise

ROOT = Path(__file__).resolve().parents[1]
EXERCISES = all_exercises()


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
    with pytest.raises(AssertionError, match="Hint:"):
        check(name, wrong)


def test_crashing_answer_is_reported_as_wrong():
    def crashes(*args):
        return 1 / 0

    with pytest.raises(AssertionError, match="ZeroDivisionError"):
        check("00.expert_parameters", crashes)


def test_unknown_exercise_lists_known_names():
    with pytest.raises(ValueError, match="00.expert_parameters"):
        get_exercise("no.such.exercise")


def test_passing_a_value_instead_of_a_function_is_explained():
    with pytest.raises(TypeError, match="pass the function itself"):
        check("00.expert_parameters", 42)


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
