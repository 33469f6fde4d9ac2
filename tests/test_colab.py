"""Colab, proven without Colab: every notebook's setup cell and launch badges.

The setup cell (the second cell, ``minimoe.course.SETUP_CELL``) is run in a fresh interpreter.
With ``python -I -S`` (isolated, no site-packages) minimoe is not importable, as on a new Colab
runtime; ``subprocess.run`` is replaced by a recorder, so nothing is installed and no network is
needed. With the normal interpreter, where minimoe is installed, the cell must do nothing.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from minimoe import course

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(
    notebook.relative_to(ROOT).as_posix()
    for lesson in course.lessons(ROOT)
    for notebook in (lesson.student, lesson.solution)
)

# Runs the cell file given as argv[1] with subprocess.run recorded instead of executed, and prints
# whether minimoe was importable and every command the cell tried to run, as JSON.
RECORDER = """
import importlib.util, json, runpy, subprocess, sys
calls = []
subprocess.run = lambda args, **kwargs: calls.append({"args": list(args), "kwargs": kwargs})
importable = importlib.util.find_spec("minimoe") is not None
runpy.run_path(sys.argv[1], run_name="__main__")
print(json.dumps({"importable": importable, "calls": calls}))
"""


def _setup_cell(notebook: str) -> str:
    cell = nbformat.read(ROOT / notebook, as_version=4).cells[1]
    assert cell.cell_type == "code", f"{notebook}: the second cell should be the setup cell"
    return cell.source


def _run(cell: str, tmp_path: Path, *python_flags: str) -> dict:
    script = tmp_path / "setup_cell.py"
    script.write_text(cell)
    done = subprocess.run(
        [sys.executable, *python_flags, "-c", RECORDER, str(script)],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the repository root, whose minimoe/ folder would be importable
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def test_every_notebook_is_checked():
    assert len(NOTEBOOKS) >= 2 and len(NOTEBOOKS) % 2 == 0, NOTEBOOKS


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_setup_cell_installs_minimoe_where_it_is_missing(notebook, tmp_path):
    cell = _setup_cell(notebook)
    assert cell == course.SETUP_CELL, f"{notebook}: setup cell differs; run `minimoe course build`"
    result = _run(cell, tmp_path, "-I", "-S")
    assert not result["importable"], "minimoe should not be importable under python -I -S"
    assert result["calls"] == [
        {
            "args": [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                f"minimoe @ git+https://github.com/{course.GITHUB_REPO}@{course.BRANCH}",
            ],
            "kwargs": {"check": True},
        }
    ]


def test_setup_cell_does_nothing_where_minimoe_is_installed(tmp_path):
    result = _run(course.SETUP_CELL, tmp_path)
    assert result == {"importable": True, "calls": []}


BADGES = re.compile(
    r"^\[!\[Open In Colab\]\((?P<colab_img>[^)]+)\)\]\((?P<colab>[^)]+)\) "
    r"\[!\[Binder\]\((?P<binder_img>[^)]+)\)\]\((?P<binder>[^)]+)\)$"
)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_badges_open_this_very_notebook(notebook):
    first = nbformat.read(ROOT / notebook, as_version=4).cells[0]
    match = BADGES.match(first.source)
    assert first.cell_type == "markdown" and match, f"{notebook}: first cell is not the badges"
    repo, branch = course.GITHUB_REPO, course.BRANCH
    assert (
        match["colab"]
        == f"https://colab.research.google.com/github/{repo}/blob/{branch}/{notebook}"
    )
    assert (
        match["binder"] == f"https://mybinder.org/v2/gh/{repo}/{branch}?urlpath=lab/tree/{notebook}"
    )
    assert match["colab_img"] == "https://colab.research.google.com/assets/colab-badge.svg"
    assert match["binder_img"] == "https://mybinder.org/badge_logo.svg"
