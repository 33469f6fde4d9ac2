"""The notebook builder: one source, two notebooks, deterministic, and a check that catches drift."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from minimoe import course
from minimoe.cli import main

ROOT = Path(__file__).resolve().parents[1]

SOURCE = '''# %% [markdown]
# # A lesson

# %%
def double(x):
    """Twice x."""
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


# %%
print(double(3))
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


def test_rebuild_of_unchanged_source_changes_no_byte(repo):
    course.build(repo)
    before = {p: p.read_bytes() for p in repo.rglob("*.ipynb")}
    assert course.build(repo) == []
    assert {p: p.read_bytes() for p in repo.rglob("*.ipynb")} == before


def test_check_catches_a_source_edited_but_not_rebuilt(repo, capsys):
    course.build(repo)
    assert main(["course", "check", "--root", str(repo)]) == 0
    src = repo / "solutions/01_demo.py"
    src.write_text(src.read_text().replace("print(double(3))", "print(double(4))"))
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
