"""A sourced timeline of the race around MiniMax-M1 and DeepSeek-R1 (lesson 12).

The events live in ``minimoe/data/timeline.json``: export controls, model releases, distillation
allegations, self-reported benchmarks and business news, from the first US export controls on AI
chips (October 2022) to the releases after M1. Every event names its source and says how far it
was checked:

* ``"verified"``: the course's research notes read the primary text (the publisher's own page,
  repository file or filing);
* ``"verified-copy"``: the notes read the exact text, but in a copy kept somewhere else;
* ``"reported"``: only secondary reports (press, blogs, law-firm summaries) were read.

:func:`load_timeline` reads and validates the file and returns :class:`Event` objects in date
order; :func:`parse_events` does the same for records you build yourself. A malformed event is
refused with a :class:`TimelineError` that names the event and the field to fix.
:func:`filter_events` selects by kind, by actor (a lab, a company, a government body) and by date
range.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from minimoe.records import check_choice, check_fields

DATA_FILE = Path(__file__).resolve().parent / "data" / "timeline.json"

KINDS = ("model release", "policy", "allegation", "benchmark", "business")
"""What an event is. "allegation" covers claims that a lab misused others' models or chips, and
the replies to them."""

STATUSES = ("verified", "verified-copy", "reported")
"""How far the event was checked (see the module docstring)."""

REQUIRED_FIELDS = ("date", "kind", "actor", "description", "source", "url", "status")
OPTIONAL_FIELDS = ("note",)
MAX_DESCRIPTION = 240
"""A description is one line: no line breaks and at most this many characters."""


class TimelineError(ValueError):
    """A timeline event is malformed; the message names the event and the field."""


@dataclass(frozen=True)
class Event:
    """One dated event.

    Attributes:
        date: the day it happened; for month-precision events, the first day of the month.
        precision: ``"day"`` or ``"month"`` (the file wrote ``YYYY-MM``).
        kind: one of :data:`KINDS`.
        actor: who acted: a lab, a company or a government body.
        description: one line, in the course's own words.
        source: who published the source (outlet, agency, repository).
        url: where to read it.
        status: one of :data:`STATUSES`.
        note: caveats (other figures, what was not read), or ``""``.
    """

    date: dt.date
    precision: str
    kind: str
    actor: str
    description: str
    source: str
    url: str
    status: str
    note: str = ""

    @property
    def label(self) -> str:
        """The date as written in the file: ``2025-06-16`` or, for a month, ``2025-04``."""
        return self.date.strftime("%Y-%m") if self.precision == "month" else self.date.isoformat()


def _parse_date(text: str) -> tuple[dt.date, str]:
    """``YYYY-MM-DD`` -> (date, "day"); ``YYYY-MM`` -> (first of the month, "month")."""
    for fmt, precision in (("%Y-%m-%d", "day"), ("%Y-%m", "month")):
        try:
            parsed = dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
        if parsed.strftime(fmt) == text:  # strptime accepts "2025-6-1"; the file must not
            return parsed, precision
    raise ValueError(f"'date' must be YYYY-MM-DD or YYYY-MM, got {text!r}")


def parse_event(record: Mapping[str, Any], where: str = "event") -> Event:
    """Validate one record (a dict as in the JSON file) and return its :class:`Event`.

    Raises:
        TimelineError: naming ``where`` and the offending field: a missing or unknown field, an
            empty or non-string value, an unknown kind or status, a date that does not parse, a
            URL that is not http(s), a description with a line break or over
            :data:`MAX_DESCRIPTION` characters.
    """
    check_fields(record, where, REQUIRED_FIELDS, OPTIONAL_FIELDS, error=TimelineError)
    for name in REQUIRED_FIELDS + OPTIONAL_FIELDS:
        if name in record and not isinstance(record[name], str):
            raise TimelineError(f"{where}: field '{name}' must be a string, got {record[name]!r}")
        if name in REQUIRED_FIELDS and not record[name].strip():
            raise TimelineError(f"{where}: field '{name}' is empty")
    try:
        date, precision = _parse_date(record["date"])
    except ValueError as err:
        raise TimelineError(f"{where}: {err}") from None
    check_choice(record, "kind", KINDS, where, error=TimelineError)
    check_choice(record, "status", STATUSES, where, error=TimelineError)
    if not record["url"].startswith(("https://", "http://")):
        raise TimelineError(f"{where}: field 'url' must start with https://, got {record['url']!r}")
    description = record["description"]
    if "\n" in description or len(description) > MAX_DESCRIPTION:
        raise TimelineError(
            f"{where}: field 'description' must be one line of at most {MAX_DESCRIPTION} "
            f"characters, got {len(description)} characters"
            + (" with a line break" if "\n" in description else "")
        )
    return Event(
        date=date,
        precision=precision,
        kind=record["kind"],
        actor=record["actor"].strip(),
        description=description.strip(),
        source=record["source"].strip(),
        url=record["url"].strip(),
        status=record["status"],
        note=record.get("note", "").strip(),
    )


def parse_events(records: Iterable[Mapping[str, Any]]) -> list[Event]:
    """Validate every record and return the events in date order (ties keep the file's order).

    A malformed record raises :class:`TimelineError` naming it by position, date and actor.
    """
    events = []
    for index, record in enumerate(records):
        name = f"event {index}"
        if isinstance(record, Mapping):
            name += f" ({record.get('date', 'no date')}, {record.get('actor', 'no actor')})"
        events.append(parse_event(record, name))
    return sorted(events, key=lambda event: event.date)


def load_timeline(path: str | Path | None = None) -> list[Event]:
    """The timeline shipped with minimoe (or the JSON file at ``path``), validated, in date order."""
    path = Path(path) if path is not None else DATA_FILE
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if not isinstance(data, Mapping) or not isinstance(data.get("events"), list):
        raise TimelineError(f"{path}: expected an object with an 'events' list")
    return parse_events(data["events"])


def _as_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return _parse_date(value)[0]
    raise TypeError(f"expected a date or a 'YYYY-MM-DD' string, got {value!r}")


def filter_events(
    events: Sequence[Event],
    *,
    kinds: Iterable[str] | None = None,
    actors: Iterable[str] | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> list[Event]:
    """The events of the given kinds, by the given actors, dated from ``start`` to ``end``.

    Each filter left as ``None`` keeps everything. ``start`` and ``end`` are inclusive and may be
    dates or ``"YYYY-MM-DD"`` / ``"YYYY-MM"`` strings; a month-precision event counts as dated on
    the first of its month. A kind outside :data:`KINDS` or an actor that no event has raises
    ``ValueError`` (a typo would otherwise silently select nothing).
    """
    if kinds is not None:
        kinds = set(kinds)
        if kinds - set(KINDS):
            raise ValueError(
                f"unknown kind(s) {sorted(kinds - set(KINDS))}; kinds are {', '.join(KINDS)}"
            )
    if actors is not None:
        actors = set(actors)
        unknown = actors - {event.actor for event in events}
        if unknown:
            raise ValueError(
                f"no event has actor(s) {sorted(unknown)}; actors are {', '.join(actor_names(events))}"
            )
    first = _as_date(start) if start is not None else None
    last = _as_date(end) if end is not None else None
    if first and last and first > last:
        raise ValueError(f"start {first} is after end {last}")
    return [
        event
        for event in events
        if (kinds is None or event.kind in kinds)
        and (actors is None or event.actor in actors)
        and (first is None or event.date >= first)
        and (last is None or event.date <= last)
    ]


def actor_names(events: Iterable[Event]) -> list[str]:
    """Every actor that appears, most events first (ties alphabetically)."""
    counts: dict[str, int] = {}
    for event in events:
        counts[event.actor] = counts.get(event.actor, 0) + 1
    return sorted(counts, key=lambda actor: (-counts[actor], actor))
