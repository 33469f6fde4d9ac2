"""The shipped timeline is complete, sourced and in date order; malformed events are refused."""

from __future__ import annotations

import copy
import datetime as dt
import json

import pytest

from minimoe.timeline import (
    DATA_FILE,
    KINDS,
    STATUSES,
    TimelineError,
    actor_names,
    filter_events,
    load_timeline,
    parse_event,
    parse_events,
)

EVENTS = load_timeline()
RAW = json.loads(DATA_FILE.read_text(encoding="utf-8"))["events"]
GOOD = {
    "date": "2025-06-16",
    "kind": "model release",
    "actor": "MiniMax",
    "description": "MiniMax-M1 released.",
    "source": "MiniMax-AI/MiniMax-M1",
    "url": "https://github.com/MiniMax-AI/MiniMax-M1",
    "status": "verified",
}


def test_at_least_25_events_from_the_2022_controls_to_after_m1():
    assert len(EVENTS) >= 25
    assert EVENTS[0].date == dt.date(2022, 10, 7) and EVENTS[0].kind == "policy"
    m1 = [e for e in EVENTS if e.actor == "MiniMax" and "MiniMax-M1" in e.description]
    assert m1, "the timeline must contain M1's release"
    assert sum(e.date > m1[0].date and e.kind == "model release" for e in EVENTS) >= 3


def test_every_event_has_a_date_kind_source_and_status():
    for event in EVENTS:
        assert isinstance(event.date, dt.date)
        assert event.kind in KINDS and event.status in STATUSES
        assert event.source and event.url.startswith("https://") and event.actor
        assert event.description and "\n" not in event.description


def test_every_kind_appears_and_allegations_are_not_marked_as_findings():
    assert {event.kind for event in EVENTS} == set(KINDS)
    for event in filter_events(EVENTS, kinds=["allegation"]):
        assert "proved" not in event.description.lower()


def test_dates_in_the_file_parse_and_keep_their_precision():
    for index, record in enumerate(RAW):
        event = parse_event(record, f"event {index}")
        assert event.label == record["date"]
        assert event.precision == ("month" if len(record["date"]) == 7 else "day")


def test_the_file_loads_in_date_order_and_is_stored_in_order():
    dates = [event.date for event in EVENTS]
    assert dates == sorted(dates)
    stored = [parse_event(record).date for record in RAW]
    assert stored == sorted(stored), "keep timeline.json in date order"


def test_the_loader_sorts_records_given_out_of_order():
    later = dict(GOOD, date="2026-01-01")
    events = parse_events([later, GOOD])
    assert [e.label for e in events] == ["2025-06-16", "2026-01-01"]


@pytest.mark.parametrize(
    "change, field",
    [
        ({"kind": "rumour"}, "kind"),
        ({"status": "confirmed"}, "status"),
        ({"date": "16 June 2025"}, "date"),
        ({"date": "2025-13-01"}, "date"),
        ({"date": "2025-6-16"}, "date"),
        ({"url": "github.com/MiniMax-AI"}, "url"),
        ({"source": "  "}, "source"),
        ({"actor": 7}, "actor"),
        ({"description": "two\nlines"}, "description"),
        ({"description": "x" * 300}, "description"),
    ],
)
def test_malformed_events_are_refused_naming_the_event_and_the_field(change, field):
    bad = dict(GOOD, **change)
    with pytest.raises(TimelineError, match=rf"event 1 .*'?{field}'?"):
        parse_events([GOOD, bad])


def test_missing_and_unknown_fields_are_named():
    missing = {k: v for k, v in GOOD.items() if k != "url"}
    with pytest.raises(TimelineError, match="event 0 .*missing field.*url"):
        parse_events([missing])
    with pytest.raises(TimelineError, match="unknown field.*verdict"):
        parse_events([dict(GOOD, verdict="guilty")])
    with pytest.raises(TimelineError, match="expected an object"):
        parse_events(["not an event"])


def test_a_malformed_file_is_refused(tmp_path):
    data = {"events": copy.deepcopy(RAW)}
    data["events"][3]["kind"] = "gossip"
    path = tmp_path / "timeline.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(TimelineError, match="event 3 .*'kind'.*gossip"):
        load_timeline(path)
    path.write_text(json.dumps(RAW), encoding="utf-8")
    with pytest.raises(TimelineError, match="'events' list"):
        load_timeline(path)


def test_filters_by_kind_actor_and_date_range():
    policies = filter_events(EVENTS, kinds=["policy"])
    assert policies and all(e.kind == "policy" for e in policies)
    minimax = filter_events(EVENTS, actors=["MiniMax"])
    assert minimax and all(e.actor == "MiniMax" for e in minimax)
    in_2025 = filter_events(EVENTS, start="2025-01-01", end=dt.date(2025, 12, 31))
    assert in_2025 and all(e.date.year == 2025 for e in in_2025)
    both = filter_events(EVENTS, kinds=["model release"], actors=["DeepSeek"], start="2025-01")
    assert all(e.kind == "model release" and e.actor == "DeepSeek" for e in both)
    assert len(filter_events(EVENTS)) == len(EVENTS)
    assert filter_events(EVENTS, kinds=[]) == []


def test_month_precision_events_count_from_the_first_of_the_month():
    month = parse_events([dict(GOOD, date="2025-04")])
    assert month[0].date == dt.date(2025, 4, 1) and month[0].label == "2025-04"
    assert filter_events(month, start="2025-04-01", end="2025-04-01") == month
    assert filter_events(month, start="2025-04-02") == []


def test_filter_typos_are_errors_not_empty_results():
    with pytest.raises(ValueError, match="unknown kind"):
        filter_events(EVENTS, kinds=["model releases"])
    with pytest.raises(ValueError, match="no event has actor"):
        filter_events(EVENTS, actors=["Minimax"])
    with pytest.raises(ValueError, match="after end"):
        filter_events(EVENTS, start="2026-01-01", end="2025-01-01")
    with pytest.raises(TypeError, match="date"):
        filter_events(EVENTS, start=2025)


def test_actor_names_lists_the_busiest_first():
    names = actor_names(EVENTS)
    assert len(names) == len(set(names)) == len({e.actor for e in EVENTS})
    counts = [sum(e.actor == name for e in EVENTS) for name in names]
    assert counts == sorted(counts, reverse=True)
