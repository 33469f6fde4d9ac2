"""The notebook builder: one source, two notebooks, deterministic, and a check that catches drift."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from minimoe import course
from minimoe.cli import main

ROOT = Path(__file__).resolve().parents[1]

SOURCE = '''# %% [markdown]
# # 01 · A lesson
#
# 1. double a number;
# 2. check it;
# 3. explain it.

# %%
def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


# %%
print(check("01.double", double))

# %% [markdown]
# ## What you built
#
# A doubler.
#
# **Key terms:** doubler.
#
# ## Check your understanding
# 1. Why twice?

# %% [markdown] tags=["solution"]
# 1. Because the answer is 2x.

# %% [markdown]
# ## Sources
#
# 1. Arithmetic: https://example.org
'''


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "01_demo.py").write_text(SOURCE)
    return tmp_path


def _code(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "code")


def test_build_writes_solution_and_student_notebooks(repo):
    written = course.build(repo)
    assert sorted(p.relative_to(repo).as_posix() for p in written) == [
        "lessons/01_demo.ipynb",
        "minimoe/exercises/solutions.json",
        "solutions/01_demo.ipynb",
    ]
    solution, student = (
        _code(repo / "solutions/01_demo.ipynb"),
        _code(repo / "lessons/01_demo.ipynb"),
    )
    assert "return 2 * x" in solution and "SOLUTION" not in solution
    assert "return 2 * x" not in student and "raise NotImplementedError" in student
    assert "# YOUR CODE HERE" in student
    assert "colab.research.google.com" in (repo / "lessons/01_demo.ipynb").read_text()


def _markdown(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    return "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


def test_solution_markdown_appears_in_the_solutions_notebook_only(repo):
    course.build(repo)
    assert "Because the answer is 2x" in _markdown(repo / "solutions/01_demo.ipynb")
    student = _markdown(repo / "lessons/01_demo.ipynb")
    assert "Why twice?" in student and "Because the answer" not in student


def test_build_records_each_exercise_solution_under_its_check_name(repo):
    course.build(repo)
    answers = json.loads((repo / "minimoe/exercises/solutions.json").read_text())
    assert list(answers) == ["01.double"]
    assert "return 2 * x" in answers["01.double"] and "SOLUTION" not in answers["01.double"]


def test_a_solution_without_a_check_call_is_refused(repo):
    src = repo / "solutions/01_demo.py"
    src.write_text(src.read_text().replace('check("01.double", double)', "double"))
    with pytest.raises(course.SourceError, match="check"):
        course.build(repo)


def test_rebuild_of_unchanged_source_changes_no_byte(repo):
    course.build(repo)
    before = {p: p.read_bytes() for p in repo.rglob("*.ipynb")}
    assert course.build(repo) == []
    assert {p: p.read_bytes() for p in repo.rglob("*.ipynb")} == before


def test_check_catches_a_source_edited_but_not_rebuilt(repo, capsys):
    course.build(repo)
    assert main(["course", "check", "--root", str(repo)]) == 0
    src = repo / "solutions/01_demo.py"
    src.write_text(src.read_text().replace("A doubler.", "A doubler, edited."))
    assert main(["course", "check", "--root", str(repo)]) == 1
    assert "lessons/01_demo.ipynb" in capsys.readouterr().out
    assert main(["course", "build", "--root", str(repo)]) == 0
    assert main(["course", "check", "--root", str(repo)]) == 0


def test_check_catches_a_hand_edited_notebook_and_an_orphan(repo):
    course.build(repo)
    nb = repo / "lessons/01_demo.ipynb"
    nb.write_text(nb.read_text().replace("A lesson", "A lesson!"))
    (repo / "lessons/99_gone.ipynb").write_text("{}")
    stale = {p.name for p in course.build(repo, check=True)}
    assert stale == {"01_demo.ipynb", "99_gone.ipynb"}


@pytest.mark.parametrize(
    "code, message",
    [
        ("def f():\n    ### BEGIN SOLUTION\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    ### END SOLUTION\n", "without BEGIN"),
        ("### BEGIN SOLUTION\nx = 1\n### END SOLUTION\n", "inside a function body"),
        ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n", "inside another region"),
    ],
)
def test_malformed_regions_are_reported(code, message):
    with pytest.raises(course.SourceError, match=message):
        course.strip_solutions(code, "lesson.py, cell 1")


def test_the_repository_notebooks_are_up_to_date():
    assert course.build(ROOT, check=True) == [], "run `minimoe course build` and commit the result"


def test_every_lesson_has_an_exercise_and_a_sources_section():
    for lesson in course.lessons(ROOT):
        text = lesson.source.read_text()
        assert "### BEGIN SOLUTION" in text, f"{lesson.source.name} has no exercise"
        assert "## Sources" in text, f"{lesson.source.name} cites no sources"


def test_missing_root_is_explained(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(course, "__file__", str(tmp_path / "x" / "course.py"))
    with pytest.raises(FileNotFoundError, match="--root"):
        course.find_root(tmp_path)
