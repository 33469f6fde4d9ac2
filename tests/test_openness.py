"""Openness ratings: the index's scores as the notes computed them, MOF classes, bad data refused."""

from __future__ import annotations

import copy
import json

import pytest

from minimoe.openness import (
    DATA_FILE,
    OSAI_DIMENSIONS,
    load_openness,
    mof_class,
    openness_score,
    parse_cells,
    parse_openness,
)

OPENNESS = load_openness()
RAW = json.loads(DATA_FILE.read_text(encoding="utf-8"))


@pytest.mark.parametrize(
    "model, points, dimensions",
    [
        ("MiniMax-Text-01", 2, 14),
        ("MiniMax-M1-80k", 4.5, 14),
        ("MiniMax-M2.5", 2.5, 12),
        ("DeepSeek R1", 6.5, 14),
        ("Llama 3.1", 4.5, 14),
        ("Llama 4", 5, 14),
        ("Qwen3-235B-A22B", 6, 14),
        ("OLMo", 13.5, 14),
    ],
)
def test_index_scores_match_the_notes(model, points, dimensions):
    entry = OPENNESS.osai_entry(model)
    assert len(entry.ratings) == dimensions
    assert entry.score == pytest.approx(points / dimensions)
    assert entry.url.startswith("https://github.com/Language-Technology-Assessment/")


def test_entries_are_found_by_index_name_or_license_table_name():
    assert OPENNESS.osai_entry("MiniMax-M1") is OPENNESS.osai_entry("MiniMax-M1-80k")
    assert OPENNESS.osai_entry("MiniMax-M1").ratings["licenses"] == "open"
    with pytest.raises(ValueError, match="no index entry"):
        OPENNESS.osai_entry("GPT-5")


def test_score_averages_only_the_rated_dimensions_and_refuses_bad_ratings():
    assert openness_score({"weights_endmodel": "open", "paper": "partial", "api": None}) == 0.75
    with pytest.raises(ValueError, match="unknown dimension"):
        openness_score({"vibes": "open"})
    with pytest.raises(ValueError, match="open, partial or closed"):
        openness_score({"paper": "half"})
    with pytest.raises(ValueError, match="no dimension"):
        openness_score({"api": None})


def test_cells_parse_in_dimension_order_and_bad_cells_are_refused():
    ratings = parse_cells("O ~ x " + " ".join(["x"] * 10) + " ·")
    assert (
        ratings["datasources_basemodel"] == "open" and ratings["datasources_endmodel"] == "partial"
    )
    assert "licenses" not in ratings and len(ratings) == len(OSAI_DIMENSIONS) - 1
    with pytest.raises(ValueError, match="expected 14 ratings"):
        parse_cells("O O")
    with pytest.raises(ValueError, match="unknown rating symbol"):
        parse_cells(" ".join(["?"] * 14))


def test_mof_classes_build_on_each_other():
    classes = OPENNESS.mof_classes
    assert [c.name for c in classes] == ["Class III", "Class II", "Class I"]
    class_three = set(classes[0].components)
    assert mof_class(class_three, classes) == "Class III"
    assert mof_class(class_three - {"data card"}, classes) is None  # R1's case in the notes
    assert mof_class(set(classes[1].components) | set(classes[2].components), classes) is None
    everything = {c for cls in classes for c in cls.components}
    assert mof_class(everything, classes) == "Class I"


def test_fmti_scores_developers_and_leaves_minimax_out():
    latest = OPENNESS.fmti["2025-12"]
    assert (latest["DeepSeek"], latest["Meta"], latest["Alibaba"]) == (32, 31, 26)
    assert "MiniMax" not in latest
    assert OPENNESS.fmti["2023-10"]["Meta"] == 54


@pytest.mark.parametrize(
    "edit, message",
    [
        (
            lambda d: d["osai"]["entries"][0].update(cells="x x"),
            r"osai entry 0 \(MiniMax-Text-01\), field 'cells'",
        ),
        (
            lambda d: d["osai"]["entries"][1].pop("commit"),
            r"osai entry 1 \(MiniMax-M1-80k\): missing field",
        ),
        (lambda d: d["osai"]["entries"][1].update(date="soon"), r"field 'date' must be YYYY-MM-DD"),
        (lambda d: d["osai"]["dimensions"].pop(), r"osai: dimensions must be"),
        (lambda d: d["fmti"]["editions"][2]["scores"].update(Meta=310), r"score of Meta"),
        (lambda d: d["mof"]["classes"][0].update(components=[]), r"mof class 0 \(Class III\)"),
        (lambda d: d.pop("osaid"), r"missing field\(s\) osaid"),
    ],
)
def test_malformed_openness_data_is_refused(edit, message):
    data = copy.deepcopy(RAW)
    edit(data)
    with pytest.raises(ValueError, match=message):
        parse_openness(data)
