"""Build the course notebooks from their single source.

Each lesson is written once, as a jupytext percent file ``solutions/NN_name.py``. Exercise answers
sit between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` lines, inside a function body.
:func:`build` writes two notebooks from every source:

* ``solutions/NN_name.ipynb``: the full lesson, markers removed;
* ``lessons/NN_name.ipynb``: the student version, each answer replaced by a stub that raises
  ``NotImplementedError`` (the exercise check then falls back to the library's implementation).

Markdown cells tagged ``solution`` (``# %% [markdown] tags=["solution"]`` in the source; the answers
to "Check your understanding") appear in the solutions notebook only. The solved code of every
exercise is also written to ``minimoe/exercises/solutions.json``, keyed by the exercise name of
the ``check("NN.name", ...)`` call that follows it, so that ``show_solution`` can print it.
Where the repository has a ``course/`` folder, the bibliography and the syllabus' generated part
are rebuilt from the lessons too (:func:`minimoe.kit.pages`).

Both notebooks get the same two opening cells: "Open in Colab" / Binder badges and a setup cell
that installs minimoe where it is missing (Colab). Output is deterministic (fixed cell ids, no outputs, sorted
JSON), so ``minimoe course check`` can compare bytes and fail when a source was edited but not
rebuilt.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from minimoe import kit

# Where the course is published. Badges and the Colab install line are built from these two names.
GITHUB_REPO = "minimoe-course/minimoe"
BRANCH = "main"

BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+\s*BEGIN SOLUTION\s*$")
END = re.compile(r"^[ \t]*#+\s*END SOLUTION\s*$")
STUB = ("# YOUR CODE HERE", 'raise NotImplementedError("exercise not attempted yet")')
CHECK_CALL = re.compile(r"""\bcheck\(\s*["']([\w.]+)["']""")
SOLUTION_TAG = "solution"
SOLUTIONS_JSON = Path("minimoe") / "exercises" / "solutions.json"

SETUP_CELL = f"""\
# Setup: on Colab (or anywhere minimoe is missing) install it from the course repository.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("minimoe") is None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q",
         "minimoe @ git+https://github.com/{GITHUB_REPO}@{BRANCH}"],
        check=True,
    )"""


class SourceError(ValueError):
    """A lesson source is malformed (for example an unclosed solution region)."""


@dataclass(frozen=True)
class Lesson:
    """One lesson source and the two notebooks generated from it."""

    source: Path
    solution: Path
    student: Path


def find_root(start: Path | None = None) -> Path:
    """The course repository root: the nearest folder above ``start`` with ``solutions/`` and ``pyproject.toml``."""
    here = (start or Path.cwd()).resolve()
    for folder in [here, *here.parents]:
        if (folder / "solutions").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    package_parent = Path(__file__).resolve().parent.parent  # an editable install of the repository
    if (package_parent / "solutions").is_dir():
        return package_parent
    raise FileNotFoundError(
        "could not find the course sources (a folder with solutions/ and pyproject.toml). "
        "Run this inside the minimoe repository, or pass --root PATH."
    )


def lessons(root: Path) -> list[Lesson]:
    """Every lesson source under ``root/solutions`` (``NN_name.py``, or ``NNb_name.py`` for a
    lesson between NN and the next), in order."""
    sources = sorted(
        path
        for path in (root / "solutions").glob("[0-9][0-9]*_*.py")
        if kit.LESSON_ID.match(path.name)
    )
    return [
        Lesson(src, src.with_suffix(".ipynb"), root / "lessons" / f"{src.stem}.ipynb")
        for src in sources
    ]


def strip_solutions(code: str, where: str) -> tuple[str, str]:
    """Split one code cell into its (solution, student) versions.

    The solution drops the marker lines; the student version replaces each marked region with an
    indented stub. Regions must sit inside a function body (indented), so the student notebook
    still runs: the stub raises only when the function is called.
    """
    solution: list[str] = []
    student: list[str] = []
    indent: str | None = None
    for number, line in enumerate(code.splitlines(), start=1):
        begin, end = BEGIN.match(line), END.match(line)
        if begin:
            if indent is not None:
                raise SourceError(f"{where}, line {number}: BEGIN SOLUTION inside another region")
            indent = begin.group("indent")
            if not indent:
                raise SourceError(
                    f"{where}, line {number}: a solution region must be inside a function body "
                    "(indented), so that the student notebook still runs"
                )
            student.extend(indent + stub for stub in STUB)
        elif end:
            if indent is None:
                raise SourceError(f"{where}, line {number}: END SOLUTION without BEGIN SOLUTION")
            indent = None
        else:
            solution.append(line)
            if indent is None:
                student.append(line)
    if indent is not None:
        raise SourceError(f"{where}: BEGIN SOLUTION is never closed by END SOLUTION")
    return "\n".join(solution), "\n".join(student)


def launch_urls(notebook_path: str) -> tuple[str, str]:
    """(Colab, Binder) addresses that open ``notebook_path`` (relative to the repository root)."""
    colab = f"https://colab.research.google.com/github/{GITHUB_REPO}/blob/{BRANCH}/{notebook_path}"
    binder = f"https://mybinder.org/v2/gh/{GITHUB_REPO}/{BRANCH}?urlpath=lab/tree/{notebook_path}"
    return colab, binder


def _badges(notebook_path: str) -> str:
    colab, binder = launch_urls(notebook_path)
    return (
        f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({colab}) "
        f"[![Binder](https://mybinder.org/badge_logo.svg)]({binder})"
    )


def render(lesson: Lesson, root: Path) -> dict[Path, str]:
    """The text of both notebooks generated from one source."""
    return _render(lesson, root)[0]


def _render(lesson: Lesson, root: Path) -> tuple[dict[Path, str], dict[str, str]]:
    """Both notebooks' text, and the solved code of each exercise of the lesson by name."""
    import jupytext
    import nbformat

    source = jupytext.read(lesson.source, fmt="py:percent")
    versions: dict[Path, list] = {lesson.solution: [], lesson.student: []}
    answers: dict[str, str] = {}
    pending: list[str] = []  # solved cells waiting for the check() call that names them
    for target in versions:
        where = target.relative_to(root).as_posix()
        versions[target] += [
            nbformat.v4.new_markdown_cell(_badges(where)),
            nbformat.v4.new_code_cell(SETUP_CELL),
        ]
    for index, cell in enumerate(source.cells):
        where = f"{lesson.source.name}, cell {index + 1}"
        tags = sorted(cell.metadata.get("tags", []))
        metadata = {"tags": tags} if tags else {}
        if cell.cell_type == "code":
            solution, student = strip_solutions(cell.source, where)
            versions[lesson.solution].append(nbformat.v4.new_code_cell(solution, metadata=metadata))
            versions[lesson.student].append(nbformat.v4.new_code_cell(student, metadata=metadata))
            if solution != student:
                pending.append(solution)
            for name in CHECK_CALL.findall(cell.source):
                if pending:
                    answers[name] = "\n\n".join(pending)
                    pending = []
        else:
            if BEGIN.search(cell.source) or END.search(cell.source):
                raise SourceError(f"{where}: solution markers belong in code cells")
            targets = [lesson.solution] if SOLUTION_TAG in tags else list(versions)
            for target in targets:
                versions[target].append(
                    nbformat.v4.new_markdown_cell(cell.source, metadata=metadata)
                )
    if pending:
        raise SourceError(
            f"{lesson.source.name}: an exercise's solution region is not followed by the "
            'check("NN.name", ...) call that names it'
        )
    texts = {}
    for target, cells in versions.items():
        for number, cell in enumerate(cells):
            cell["id"] = (
                f"cell-{number:03d}"  # stable ids: rebuilding an unchanged source changes no byte
            )
        nb = nbformat.v4.new_notebook(
            cells=cells,
            metadata={
                "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"},
            },
        )
        nb["nbformat_minor"] = 5
        nbformat.validate(nb)
        texts[target] = nbformat.writes(nb) + "\n"
    return texts, answers


def build(root: Path, *, check: bool = False) -> list[Path]:
    """Generate every notebook under ``root``, the exercises' solutions file, and the generated
    ``course/`` pages (the bibliography and the syllabus' tables, see :mod:`minimoe.kit`).
    Returns the files that were (or would be) changed.

    With ``check=True`` nothing is written: the returned list names the notebooks that are out of
    date, including generated notebooks whose source no longer exists.
    """
    stale: list[Path] = []
    expected: set[Path] = set()
    outputs: dict[Path, str] = {}
    answers: dict[str, str] = {}
    for lesson in lessons(root):
        texts, lesson_answers = _render(lesson, root)
        outputs.update(texts)
        repeated = sorted(set(answers) & set(lesson_answers))
        if repeated:
            raise SourceError(f"{lesson.source.name}: exercises {repeated} are solved twice")
        answers.update(lesson_answers)
    outputs[root / SOLUTIONS_JSON] = json.dumps(answers, indent=1, sort_keys=True) + "\n"
    outputs.update(kit.pages(root, [lesson.source for lesson in lessons(root)]))
    for target, text in outputs.items():
        expected.add(target)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            stale.append(target)
            if not check:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    for folder in ("lessons", "solutions"):
        for orphan in sorted((root / folder).glob("*.ipynb")):
            if orphan not in expected:
                stale.append(orphan)
                if not check:
                    orphan.unlink()
    return stale
