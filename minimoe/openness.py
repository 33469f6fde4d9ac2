"""How outside frameworks rate openness: the EU index, MOF classes, FMTI and OSAID (lesson 11).

A license is one part of openness. These frameworks look at the rest as well: data, code, papers,
documentation. ``minimoe/data/openness.json`` holds, from the course's research notes:

* the **European Open Source AI Index** (osai-index.eu): its 14 dimensions (12 after March 2026),
  each rated open / partial / closed, and its ratings of MiniMax-Text-01, MiniMax-M1, MiniMax-M2.5,
  DeepSeek-R1, Llama 3.1, Llama 4, Qwen3 and OLMo, read from the index's YAML files at pinned
  commits (:class:`OsaiEntry`). :func:`openness_score` is the index's own score;
* the Linux Foundation's **Model Openness Framework**: its three classes and the components each
  requires (:func:`mof_class`), and the notes' reading of the tool's entries;
* Stanford's **Foundation Model Transparency Index**: developer totals out of 100;
* the three elements of OSI's **Open Source AI Definition 1.0** (data information, code,
  parameters).

:func:`load_openness` reads and validates the file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minimoe.records import check_fields

DATA_FILE = Path(__file__).resolve().parent / "data" / "openness.json"

OSAI_DIMENSIONS = (
    "datasources_basemodel",
    "datasources_endmodel",
    "weights_basemodel",
    "weights_endmodel",
    "trainingcode",
    "code",
    "hardware_architecture",
    "preprint",
    "paper",
    "modelcard",
    "datasheet",
    "package",
    "api",
    "licenses",
)
"""The index's dimensions in its own order (``code`` is the code's documentation). ``package`` and
``api`` were removed on 2026-03-13."""

RATING_POINTS = {"open": 1.0, "partial": 0.5, "closed": 0.0}
"""What each rating counts for in the index's score."""

CELL_RATINGS = {"O": "open", "~": "partial", "x": "closed", "·": None}
"""The notation of the research notes: one symbol per dimension; ``·`` where a dimension was not
rated (it did not exist at that commit)."""


def openness_score(ratings: Mapping[str, str | None]) -> float:
    """The European Open Source AI Index's score: the mean of the ratings' points.

    ``ratings`` maps dimension names to ``"open"`` (1), ``"partial"`` (0.5) or ``"closed"`` (0).
    Dimensions that do not apply (absent, or ``None``) are left out of the mean, so a model rated
    on 12 dimensions is divided by 12, not 14. Raises ``ValueError`` on an unknown dimension or
    rating, or when no dimension is rated.
    """
    unknown = sorted(set(ratings) - set(OSAI_DIMENSIONS))
    if unknown:
        raise ValueError(f"unknown dimension(s) {unknown}; dimensions are {OSAI_DIMENSIONS}")
    rated = {name: rating for name, rating in ratings.items() if rating is not None}
    bad = {name: rating for name, rating in rated.items() if rating not in RATING_POINTS}
    if bad:
        raise ValueError(f"ratings must be open, partial or closed; got {bad}")
    if not rated:
        raise ValueError("no dimension is rated")
    return sum(RATING_POINTS[rating] for rating in rated.values()) / len(rated)


@dataclass(frozen=True)
class OsaiEntry:
    """One model's ratings in the European Open Source AI Index at one commit.

    Attributes:
        model: the model the entry rated at that commit (each file tracks a family's latest).
        subject: the same model's name in minimoe's license table, or ``None`` if it has none.
        license_label: the license as the index names it.
        file: the index's YAML file, or ``None`` where the notes do not name it.
        commit: the index commit the ratings were read at; ``date``: that commit's date.
        ratings: dimension -> "open" / "partial" / "closed", for the dimensions rated.
        url: where to read the entry.
        note: the index's own remarks, or caveats.
    """

    model: str
    subject: str | None
    license_label: str
    file: str | None
    commit: str
    date: dt.date
    ratings: Mapping[str, str]
    url: str
    note: str = ""

    @property
    def score(self) -> float:
        """The index's score for this entry (:func:`openness_score`)."""
        return openness_score(self.ratings)


def parse_cells(cells: str, where: str = "cells") -> dict[str, str]:
    """``"x x O ..."`` (one symbol per dimension, in :data:`OSAI_DIMENSIONS` order) -> ratings."""
    symbols = cells.split()
    if len(symbols) != len(OSAI_DIMENSIONS):
        raise ValueError(
            f"{where}: expected {len(OSAI_DIMENSIONS)} ratings, one per dimension, "
            f"got {len(symbols)}"
        )
    bad = sorted(set(symbols) - set(CELL_RATINGS))
    if bad:
        raise ValueError(f"{where}: unknown rating symbol(s) {bad}; use O, ~, x or ·")
    return {
        name: CELL_RATINGS[symbol]
        for name, symbol in zip(OSAI_DIMENSIONS, symbols)
        if CELL_RATINGS[symbol] is not None
    }


@dataclass(frozen=True)
class MofClass:
    """One class of the Model Openness Framework and the components it adds."""

    name: str
    label: str
    components: tuple[str, ...]


def mof_class(components: Iterable[str], classes: Iterable[MofClass]) -> str | None:
    """The highest class whose components, and those of every lower class, are all present.

    ``components`` are those released under an open license; ``classes`` go from the lowest
    (Class III) to the highest (Class I). ``None`` when even the lowest class is not met.
    """
    have, needed, reached = set(components), set(), None
    for cls in classes:
        needed |= set(cls.components)
        if not needed <= have:
            break
        reached = cls.name
    return reached


@dataclass(frozen=True)
class Openness:
    """Everything in ``openness.json``, validated."""

    osai: tuple[OsaiEntry, ...]
    osai_about: Mapping[str, Any]
    mof_classes: tuple[MofClass, ...]
    mof: Mapping[str, Any]
    fmti: Mapping[str, Mapping[str, int]]
    fmti_about: Mapping[str, Any]
    osaid: Mapping[str, Any]

    def osai_entry(self, model: str) -> OsaiEntry:
        """The index entry for ``model`` (as the index names it, or its license-table name)."""
        for entry in self.osai:
            if model in (entry.model, entry.subject):
                return entry
        names = ", ".join(entry.model for entry in self.osai)
        raise ValueError(f"no index entry for {model!r}; entries: {names}")


def parse_openness(data: Any) -> Openness:
    """Validate the contents of ``openness.json``; errors name the entry and the field."""
    check_fields(data, "openness data", ("osai", "mof", "fmti", "osaid"))
    osai = data["osai"]
    check_fields(osai, "osai", ("dimensions", "entries", "repository"))
    names = tuple(d.get("name") for d in osai["dimensions"])
    if names != OSAI_DIMENSIONS:
        raise ValueError(f"osai: dimensions must be {OSAI_DIMENSIONS}, got {names}")
    entries = []
    for i, record in enumerate(osai["entries"]):
        where = f"osai entry {i} ({record.get('model', 'no model')})"
        check_fields(
            record, where, ("model", "subject", "license_label", "file", "commit", "date", "cells")
        )
        try:
            date = dt.date.fromisoformat(record["date"])
        except (TypeError, ValueError):
            raise ValueError(
                f"{where}: field 'date' must be YYYY-MM-DD, got {record['date']!r}"
            ) from None
        ratings = parse_cells(record["cells"], f"{where}, field 'cells'")
        base = f"{osai['repository']}/"
        url = (
            f"{base}blob/{record['commit']}/{record['file']}"
            if record["file"]
            else f"{base}tree/{record['commit']}"
        )
        entries.append(
            OsaiEntry(
                record["model"],
                record["subject"],
                record["license_label"],
                record["file"],
                record["commit"],
                date,
                ratings,
                url,
                record.get("note", ""),
            )
        )
    mof = data["mof"]
    check_fields(mof, "mof", ("classes", "rule"))
    classes = []
    for i, record in enumerate(mof["classes"]):
        check_fields(record, f"mof class {i}", ("name", "label", "components"))
        if not record["components"]:
            raise ValueError(f"mof class {i} ({record['name']}): field 'components' is empty")
        classes.append(MofClass(record["name"], record["label"], tuple(record["components"])))
    fmti = data["fmti"]
    check_fields(fmti, "fmti", ("editions",))
    editions = {}
    for i, record in enumerate(fmti["editions"]):
        check_fields(record, f"fmti edition {i}", ("edition", "scores"))
        for developer, score in record["scores"].items():
            if not isinstance(score, int) or not 0 <= score <= 100:
                raise ValueError(
                    f"fmti edition {record['edition']}: score of {developer} must be a whole "
                    f"number from 0 to 100, got {score!r}"
                )
        editions[record["edition"]] = dict(record["scores"])
    check_fields(data["osaid"], "osaid", ("elements", "url"))
    return Openness(tuple(entries), osai, tuple(classes), mof, editions, fmti, data["osaid"])


def load_openness(path: str | Path | None = None) -> Openness:
    """The openness data shipped with minimoe (or the JSON file at ``path``), validated."""
    with open(Path(path) if path is not None else DATA_FILE, encoding="utf-8") as f:
        return parse_openness(json.load(f))
