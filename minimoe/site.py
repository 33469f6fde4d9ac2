"""The course website: a static site built with Jupyter Book 1.x from ``course/`` and the notebooks.

:func:`stage` writes the book's sources into a folder: a home page, the syllabus, one page per
lesson, the instructor guide, and the glossary, bibliography and content license when
``course/`` has them. A lesson's page is its *solutions* notebook as committed (no outputs; the
site never executes a notebook), whose two generated opening cells (badges and the Colab setup
cell) are replaced by links that open the *student* notebook on Colab or Binder.

:func:`build` stages and runs ``jupyter-book build`` with warnings as errors, so a broken
internal link or a malformed page fails the build. Jupyter Book 1.x (Sphinx) is used because it
builds offline: 2.x downloads its theme at build time. Every theme file is in the wheel; the
pages load a few scripts from CDNs only when a reader views them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from minimoe import course

TITLE = "minimoe: build MiniMax-M1 small"
# course/ page -> (name on the site, caption of its part of the table of contents)
COURSE_PAGES = {
    "syllabus.md": ("syllabus", "Course"),
    "instructor-guide.md": ("instructor-guide", "For instructors"),
    "glossary.md": ("glossary", "Reference"),
    "bibliography.md": ("bibliography", "Reference"),
    "LICENSE-CONTENT.md": ("licenses", "Reference"),
}
HOME = """# {title}

In June 2025 MiniMax released MiniMax-M1, an open-weight reasoning model: a hybrid
Mixture-of-Experts with lightning (linear) attention, a 1M-token context and a new RL
algorithm, CISPO. In this course you rebuild those ideas at laptop scale with the `minimoe`
library, measure the claims yourself, and read the licenses and the politics around the launch
with sources in hand. Every notebook runs on a 2-core CPU in minutes.

Each lesson page shows the solved notebook. Its first lines open the student notebook, with
the answers left for you, on Colab or Binder; or clone the repository and run `jupyter lab`.

## Start here

{start}

## Lessons

{lessons}
"""


class SiteBuildError(RuntimeError):
    """Jupyter Book failed (a warning counts); the message holds the end of its output."""


def _lesson_page(lesson: course.Lesson, root: Path) -> dict:
    """The solutions notebook with launch links for the student notebook in place of its badges."""
    notebook = json.loads(lesson.solution.read_text(encoding="utf-8"))
    student = lesson.student.relative_to(root).as_posix()
    colab, binder = course.launch_urls(student)
    links = (
        f"Run this lesson's student notebook (`{student}`): [open it in Colab]({colab}) or "
        f"[launch it on Binder]({binder}). This page shows the solved notebook, not executed."
    )
    cells = notebook["cells"]
    if len(cells) < 2 or cells[1].get("source") != course.SETUP_CELL.splitlines(keepends=True):
        raise ValueError(
            f"{lesson.solution}: expected the badges and setup cells that `minimoe course build` "
            "writes first; run `minimoe course build`"
        )
    cells[:2] = [{"cell_type": "markdown", "id": "launch", "metadata": {}, "source": links}]
    return notebook


def stage(root: Path, dest: Path) -> list[str]:
    """Write the book's sources for the course at ``root`` into ``dest``; return its pages in order.

    Pages are named without their suffix (``"lessons/04_the_hybrid"``), as in ``_toc.yml``.
    """
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "lessons").mkdir(parents=True)
    lessons = course.lessons(root)
    if not lessons:
        raise FileNotFoundError(f"no lesson sources in {root / 'solutions'}")
    parts: dict[str, list[str]] = {}
    for source, (name, caption) in COURSE_PAGES.items():
        if (root / "course" / source).is_file():
            shutil.copyfile(root / "course" / source, dest / f"{name}.md")
            parts.setdefault(caption, []).append(name)
    lesson_pages = []
    for lesson in lessons:
        page = f"lessons/{lesson.solution.stem}"
        (dest / f"{page}.ipynb").write_text(json.dumps(_lesson_page(lesson, root), indent=1))
        lesson_pages.append(page)
    parts = {"Course": parts.pop("Course", []), "Lessons": lesson_pages, **parts}
    start = [f"- [](<{name}.md>)" for caption in parts if caption != "Lessons"
             for name in parts[caption]]  # fmt: skip
    home = HOME.format(
        title=TITLE,
        start="\n".join(start),
        lessons="\n".join(f"- [](<{page}.ipynb>)" for page in lesson_pages),
    )
    (dest / "index.md").write_text(home)
    toc = {
        "format": "jb-book",
        "root": "index",
        "parts": [
            {"caption": caption, "chapters": [{"file": name} for name in names]}
            for caption, names in parts.items()
            if names
        ],
    }
    config = {
        "title": TITLE,
        "author": "the minimoe authors",
        "copyright": "the minimoe authors; prose CC BY 4.0, code Apache-2.0",
        "only_build_toc_files": True,
        "execute": {"execute_notebooks": "off"},  # render what is committed; never run a notebook
        "html": {"use_repository_button": False, "use_issues_button": False},
    }
    # JSON is YAML, and needs no YAML library here.
    (dest / "_toc.yml").write_text(json.dumps(toc, indent=1))
    (dest / "_config.yml").write_text(json.dumps(config, indent=1))
    return ["index", *(name for names in parts.values() for name in names)]


def jupyter_book() -> str:
    """The ``jupyter-book`` command of this environment."""
    command = Path(sys.executable).with_name("jupyter-book")
    if not command.exists():
        found = shutil.which("jupyter-book")
        if found is None:
            raise FileNotFoundError(
                "jupyter-book is not installed: pip install -e '.[dev]' (it brings Jupyter Book 1.x)"
            )
        return found
    return str(command)


def build(root: Path, out: Path) -> Path:
    """Build the site into ``out``; return the folder of its HTML (open ``index.html`` there).

    Warnings are errors (``-W``, with ``-n`` for missing references), so a broken internal link
    fails the build. Raises :class:`SiteBuildError` with Jupyter Book's output when it fails.
    """
    source = out / "source"
    stage(root, source)
    done = subprocess.run(
        [jupyter_book(), "build", str(source), "--path-output", str(out), "-W", "-n",
         "--keep-going", "--builder", "html"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    if done.returncode != 0:
        raise SiteBuildError(
            f"jupyter-book build failed:\n{done.stdout[-6000:]}\n{done.stderr[-6000:]}"
        )
    return out / "_build" / "html"
