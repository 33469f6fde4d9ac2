"""The instructor's kit: the course pages agree with the lessons, and the checks catch drift."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from minimoe import course, kit
from minimoe.cli import main

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [lesson.source for lesson in course.lessons(ROOT)]
LESSONS = kit.read_lessons(SOURCES)


# --- the repository's lessons and pages --------------------------------------------------------


def test_every_lesson_states_3_to_5_objectives():
    assert kit.objective_problems(LESSONS) == []


def test_every_lesson_names_its_key_terms_at_the_end_of_its_summary():
    assert kit.key_term_problems(LESSONS) == []


def test_the_glossary_defines_exactly_the_lessons_key_terms():
    assert kit.glossary_problems(ROOT, LESSONS) == []
    assert len(kit.read_glossary(ROOT)) >= 100


def test_every_source_url_a_lesson_cites_is_in_the_bibliography():
    bibliography = (ROOT / kit.BIBLIOGRAPHY).read_text()
    for lesson in LESSONS:
        for source in lesson.sources:
            for url in source.urls:
                assert f"<{url}>" in bibliography, f"{lesson.id} [{source.number}]: {url}"


def test_every_url_a_lesson_mentions_is_in_its_sources():
    assert kit.source_problems(LESSONS) == []


def test_the_instructor_guide_plans_every_lesson():
    assert kit.guide_problems(ROOT, LESSONS) == []


def test_every_lesson_has_a_recorded_time():
    assert kit.time_problems(ROOT, LESSONS) == []


def test_lessons_name_only_lessons_that_exist_or_are_in_progress():
    assert kit.reference_problems(ROOT, LESSONS) == []
    orientation = next(lesson for lesson in LESSONS if lesson.id == "00")
    named = kit.named_lessons(orientation.text)
    assert named >= {lesson.id for lesson in LESSONS}, "lesson 00's table lists every lesson"


# --- parsing ------------------------------------------------------------------------------------

LESSON = """# %% [markdown]
# # 01 · A lesson
#
# You will
#
# 1. learn one thing,
#    over two lines;
# 2. learn another;
# 3. and a third.
#
# Then: see lesson 02 and lessons 03-04.

# %%
x = 1  # lesson 09 in a comment counts too

# %% [markdown]
# ## What you built
#
# - a **widget**, and a `gadget`.
#
# **Key terms:** widget, big
# gadget.
#
# ## Sources
#
# 1. A paper (2020): https://example.org/a.
# 2. A repository, read at abc123. [V]
#    https://example.org/b and https://example.org/c
# 3. A book without a link.
#
# **Left out.** Nothing: https://example.org/d is not a source.
"""


def _write(root: Path, name: str, text: str) -> Path:
    path = root / "solutions" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_lesson_source_is_read_into_title_objectives_terms_and_sources(tmp_path):
    lesson = kit.read_lesson(_write(tmp_path, "01_a.py", LESSON))
    assert (lesson.id, lesson.title) == ("01", "A lesson")
    assert lesson.objectives == (
        "learn one thing, over two lines;",
        "learn another;",
        "and a third.",
    )
    assert lesson.key_terms == ("widget", "big gadget")
    assert [(s.number, s.urls) for s in lesson.sources] == [
        (1, ("https://example.org/a",)),
        (2, ("https://example.org/b", "https://example.org/c")),
        (3, ()),
    ]
    assert kit.named_lessons(lesson.text) == {"02", "03", "04", "09"}


def test_lesson_ids_allow_a_lesson_between_two_numbers(tmp_path):
    assert kit.lesson_id(Path("07b_long_answers.py")) == "07b"
    with pytest.raises(ValueError, match="NN_name"):
        kit.lesson_id(Path("7_cispo.py"))
    (tmp_path / "solutions").mkdir()
    for name in ("07_cispo.py", "07b_long.py", "08_next.py", "notes.py"):
        (tmp_path / "solutions" / name).write_text("")
    assert [p.source.name for p in course.lessons(tmp_path)] == [
        "07_cispo.py",
        "07b_long.py",
        "08_next.py",
    ]


def test_a_source_without_its_title_line_is_refused(tmp_path):
    with pytest.raises(ValueError, match="# 02 · Title"):
        kit.read_lesson(_write(tmp_path, "02_b.py", LESSON))


def test_problems_name_what_to_fix(tmp_path):
    text = LESSON.replace("- a **widget**, and a `gadget`.", "- a **widget**.")
    lesson = kit.read_lesson(_write(tmp_path, "01_a.py", text))
    assert kit.key_term_problems([lesson]) == [
        "01_a.py: key term 'big gadget' does not occur in its markdown"
    ]
    assert kit.source_problems([lesson]) == [
        "01_a.py: https://example.org/d is not in its '## Sources' list"
    ]
    moved = text.replace("# **Key terms:** widget, big\n# gadget.\n#\n", "").replace(
        "# ## Sources", "# ## Try it\n#\n# **Key terms:** widget.\n#\n# ## Sources"
    )
    lesson = kit.read_lesson(_write(tmp_path, "01_a.py", moved))
    assert "must be the last line of 'What you built'" in kit.key_term_problems([lesson])[0]


def test_the_glossary_check_finds_missing_orphan_misplaced_and_unsorted_entries(tmp_path):
    lessons = [kit.read_lesson(_write(tmp_path, "01_a.py", LESSON))]
    (tmp_path / "course").mkdir()
    (tmp_path / kit.GLOSSARY).write_text(
        "# Glossary\n\n"
        "- **widget** (lesson 02): A thing.\n"
        "- **orphan** (lesson 01): Named by no lesson.\n"
    )
    found = kit.glossary_problems(tmp_path, lessons)
    assert found == [
        "course/glossary.md: add '- **big gadget** (lesson 01): <one sentence>.' "
        "(a key term of lesson 01)",
        "course/glossary.md: 'orphan' is no lesson's key term (add it to a lesson's "
        "'**Key terms:**' line, or remove it)",
        "course/glossary.md: 'widget' is introduced in lesson 01, not 02",
        "course/glossary.md: keep the entries in alphabetical order",
    ]


def test_references_to_missing_lessons_are_allowed_only_while_in_progress(tmp_path):
    lessons = [kit.read_lesson(_write(tmp_path, "01_a.py", LESSON))]
    (tmp_path / "README.md").write_text(
        "## Lessons\n\n| # | lesson | what | status |\n|---|---|---|---|\n"
        "| 01 | A | a | available |\n| 02 | B | b | in progress |\n"
        "| 03 | C | c | available |\n\n## Next\n"
    )
    assert kit.reference_problems(tmp_path, lessons) == [
        "01_a.py: names lesson 03, which has no source (the README's lessons table calls it "
        "'available')",
        "01_a.py: names lesson 04, which has no source and is not in the README's lessons table",
        "01_a.py: names lesson 09, which has no source and is not in the README's lessons table",
    ]
    assert kit.readme_problems(tmp_path, lessons) == [
        "README.md: lesson 03's status is 'available'; it should be 'in progress'"
    ]


def test_the_guide_must_name_every_lesson_and_drop_placeholders_once_a_lesson_exists(tmp_path):
    lessons = [kit.read_lesson(_write(tmp_path, "01_a.py", LESSON))]
    (tmp_path / "course").mkdir()
    guide = tmp_path / kit.GUIDE
    guide.write_text("| 09:00 | lesson 02 *(in progress)*: until it lands, lesson 01's Try it |\n")
    assert kit.guide_problems(tmp_path, lessons) == []
    guide.write_text("| 09:00 | lesson 01 *(in progress)*: until it lands, a talk |\n")
    assert kit.guide_problems(tmp_path, lessons) == [
        "course/instructor-guide.md: lesson 01 is marked *(in progress)* but exists now: "
        "give it its own block"
    ]
    guide.write_text("no lessons at all\n")
    assert kit.guide_problems(tmp_path, lessons) == [
        "course/instructor-guide.md: no workshop plan names lesson 01"
    ]


# --- the generated pages ------------------------------------------------------------------------


def test_the_bibliography_lists_each_link_once_under_the_lesson_citing_it_first(tmp_path):
    second = (
        "# %% [markdown]\n# # 02 · Another\n\n# %% [markdown]\n# ## Sources\n#\n"
        "# 1. The same repository, another file: https://example.org/c\n"
        "# 2. Something new: https://example.org/e\n"
    )
    lessons = kit.read_lessons(
        [_write(tmp_path, "01_a.py", LESSON), _write(tmp_path, "02_b.py", second)]
    )
    text = kit.render_bibliography(lessons)
    assert text.count("<https://example.org/c>") == 1
    assert "Cited in 01 [2], 02 [1]." in text
    assert "Also cited by this lesson, listed above: [1] is 01 [2]." in text
    assert "- **02 [2]** Something new: <https://example.org/e>" in text
    assert "- **01 [3]** A book without a link." in text
    assert "4 sources from 2 lessons, 4 distinct links; 1 give no link" in text


def _run(notebooks: dict[str, tuple[float, bool]], started="2026-01-01 10:00 UTC") -> dict:
    return {
        "started": started,
        "command": "pytest ...",
        "workers": 2,
        "torch_threads": 1,
        "machine": {
            "cpu": "a CPU",
            "cpus": 2,
            "memory_gb": 8.0,
            "system": "Linux x86_64",
            "python": "3.11",
            "torch": "2.13",
        },
        "load_average": {"start": 1.0, "max": 3.5, "end": 2.0},
        "notebooks": {
            path: {"seconds": seconds, "passed": passed}
            for path, (seconds, passed) in notebooks.items()
        },
    }


def test_recorded_times_reach_the_syllabus_and_the_check(tmp_path):
    source = _write(tmp_path, "01_a.py", LESSON)
    (tmp_path / "course").mkdir()
    (tmp_path / kit.SYLLABUS).write_text(
        f"# Syllabus\n\nhand-written\n\n{kit.BEGIN_GENERATED}\nold\n{kit.END_GENERATED}\n\nmore\n"
    )
    lessons = [kit.read_lesson(source)]
    assert len(kit.time_problems(tmp_path, lessons)) == 2
    recorded, failed = kit.record_times(
        tmp_path,
        _run({"solutions/01_a.ipynb": (200.0, True), "lessons/01_a.ipynb": (9.0, False)}),
    )
    assert (recorded, failed) == (["solutions/01_a.ipynb"], ["lessons/01_a.ipynb"])
    assert kit.time_problems(tmp_path, lessons) == [
        "course/times.json: no time for lessons/01_a.ipynb: run `minimoe course times 01`"
    ]
    kit.record_times(tmp_path, _run({"lessons/01_a.ipynb": (9.0, True)}, "2026-01-02 10:00 UTC"))
    assert kit.time_problems(tmp_path, lessons) == []
    syllabus = kit.render_syllabus(tmp_path, lessons)
    assert syllabus.startswith("# Syllabus\n\nhand-written\n") and syllabus.endswith("\nmore\n")
    assert "| 01 | A lesson | 200 s (over 3 min) | 9 s | A, B |" in syllabus
    assert "busier than its cores, so these times are upper bounds" in syllabus
    assert "1. learn one thing, over two lines;" in syllabus
    source.write_text(LESSON + "\n# %%\ny = 2\n")
    assert "200 s † (over 3 min)" in kit.render_syllabus(tmp_path, lessons)


def test_course_check_fails_on_a_kit_problem_and_build_then_writes_the_pages(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    _write(tmp_path, "01_a.py", LESSON.replace("x = 1", 'print(check("01.x", 1))'))
    (tmp_path / "course").mkdir()
    (tmp_path / kit.GLOSSARY).write_text("# Glossary\n\n- **widget** (lesson 01): A thing.\n")
    assert main(["course", "build", "--root", str(tmp_path)]) == 0
    assert (tmp_path / kit.BIBLIOGRAPHY).exists()
    assert main(["course", "check", "--root", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "add '- **big gadget** (lesson 01)" in out and "no time for" in out


@pytest.mark.slow
def test_course_times_runs_the_notebooks_and_records_them(tmp_path):
    """`minimoe course times` end to end, on a one-cell lesson (starts two kernels)."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    _write(tmp_path, "01_a.py", "# %% [markdown]\n# # 01 · A\n\n# %%\nprint(1 + 1)\n")
    (tmp_path / "course").mkdir()
    (tmp_path / kit.SYLLABUS).write_text(f"{kit.BEGIN_GENERATED}\n{kit.END_GENERATED}\n")
    result = subprocess.run(
        [sys.executable, "-m", "minimoe.cli", "course", "times", "01", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    times = json.loads((tmp_path / kit.TIMES).read_text())
    assert set(times["notebooks"]) == {"solutions/01_a.ipynb", "lessons/01_a.ipynb"}
    (run,) = times["runs"].values()
    assert run["workers"] == 2 and run["machine"]["cpus"] >= 1
    assert "--notebook-times" not in run["command"]
    assert "| 01 | A |" in (tmp_path / kit.SYLLABUS).read_text()
