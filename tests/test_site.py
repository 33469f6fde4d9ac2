"""The course website: staged from course/ and the notebooks, built offline, every internal link
resolving."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from minimoe import course, kit, site
from minimoe.cli import main

ROOT = Path(__file__).resolve().parents[1]

LESSON = """# %% [markdown]
# # 01 · A lesson

# %%
print("hello")
"""


@pytest.fixture
def small_course(tmp_path: Path) -> Path:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "solutions" / "01_demo.py").write_text(LESSON)
    (tmp_path / "course").mkdir()
    (tmp_path / "course" / "syllabus.md").write_text(
        f"# Syllabus\n\n{kit.BEGIN_GENERATED}\n{kit.END_GENERATED}\n"
    )
    course.build(tmp_path)
    return tmp_path


def test_a_lesson_page_opens_the_student_notebook(small_course, tmp_path):
    pages = site.stage(small_course, tmp_path / "book")
    assert pages == ["index", "syllabus", "lessons/01_demo", "bibliography"]
    page = json.loads((tmp_path / "book" / "lessons" / "01_demo.ipynb").read_text())
    first = page["cells"][0]["source"]
    colab, binder = course.launch_urls("lessons/01_demo.ipynb")
    assert colab in first and binder in first
    assert page["cells"][1]["source"][0].startswith("# 01 · A lesson")
    assert all(cell["source"] != course.SETUP_CELL for cell in page["cells"])


def test_glossary_and_bibliography_are_picked_up_when_they_exist(small_course, tmp_path):
    for name in ("glossary.md", "bibliography.md"):
        (small_course / "course" / name).write_text(f"# {name}\n")
    pages = site.stage(small_course, tmp_path / "book")
    assert "glossary" in pages and "bibliography" in pages
    toc = json.loads((tmp_path / "book" / "_toc.yml").read_text())
    reference = [part for part in toc["parts"] if part["caption"] == "Reference"][0]
    assert reference["chapters"] == [{"file": "glossary"}, {"file": "bibliography"}]


def test_every_lesson_and_course_page_is_staged(tmp_path):
    pages = site.stage(ROOT, tmp_path / "book")
    for lesson in course.lessons(ROOT):
        assert f"lessons/{lesson.solution.stem}" in pages
    for source, (name, _) in site.COURSE_PAGES.items():
        assert (name in pages) == (ROOT / "course" / source).is_file()


class _Links(HTMLParser):
    """Collects the href/src of every element and every id of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for key in ("href", "src"):
            if attrs.get(key):
                self.links.append(attrs[key])


@pytest.mark.slow
def test_site_builds_offline_and_every_internal_link_resolves(tmp_path, monkeypatch, capsys):
    # Any download attempt goes to a closed port and fails: the build must not need the network.
    for proxy in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    assert main(["course", "site", "--root", str(ROOT), "--out", str(tmp_path / "site")]) == 0
    html = tmp_path / "site" / "_build" / "html"
    assert str(html) in capsys.readouterr().out
    # _static/ holds the theme's Jinja macro files, which are not pages.
    pages = {p: _Links() for p in html.rglob("*.html") if "_static" not in p.parts}
    for path, parser in pages.items():
        parser.feed(path.read_text(encoding="utf-8"))
    broken = []
    for path, parser in pages.items():
        for link in parser.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("//", "mailto:")):
                continue  # external: checked by nobody offline
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            if target.is_dir():
                target = target / "index.html"
            if not target.exists():
                broken.append(f"{path.relative_to(html)}: {link}")
            elif parts.fragment and target.suffix == ".html" and target in pages:
                if unquote(parts.fragment) not in pages[target].ids:
                    broken.append(f"{path.relative_to(html)}: {link} (no such anchor)")
    assert not broken, "broken internal links:\n" + "\n".join(broken[:40])
    for lesson in course.lessons(ROOT):
        page = (html / "lessons" / f"{lesson.solution.stem}.html").read_text(encoding="utf-8")
        colab, binder = course.launch_urls(f"lessons/{lesson.student.name}")
        assert colab in page and binder in page, lesson.solution.stem
    index = (html / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'href="lessons/\d\d[a-z]?_\w+\.html"', index)) >= len(
        course.lessons(ROOT)
    )


@pytest.mark.slow
def test_a_broken_internal_link_fails_the_build(small_course, tmp_path):
    (small_course / "course" / "syllabus.md").write_text(
        "# Syllabus\n\nSee [the key](nowhere.md).\n"
    )
    with pytest.raises(site.SiteBuildError, match="nowhere"):
        site.build(small_course, tmp_path / "site")
