"""Lesson 12's explorer: the pure selection function and the widget, without a browser."""

from __future__ import annotations

import datetime as dt

import matplotlib
import pytest

from minimoe.timeline import KINDS, filter_events, load_timeline
from minimoe.widgets.timeline import (
    event_row,
    plot_timeline,
    timeline_explorer,
    timeline_view,
)

matplotlib.use("Agg")
EVENTS = load_timeline()


def test_everything_selected_shows_every_event_with_counts_per_kind():
    view = timeline_view(EVENTS)
    assert view.events == EVENTS and len(view.rows) == len(EVENTS)
    assert sum(view.counts.values()) == len(EVENTS) and set(view.counts) == set(KINDS)
    assert f"{len(EVENTS)} of {len(EVENTS)} events" in view.message


def test_selection_matches_the_library_filter():
    view = timeline_view(EVENTS, kinds=["allegation"], actors=None, start="2025-01-01")
    assert view.events == filter_events(EVENTS, kinds=["allegation"], start="2025-01-01")
    assert view.counts["allegation"] == len(view.events) and view.counts["policy"] == 0


def test_empty_selection_explains_itself():
    view = timeline_view(EVENTS, kinds=[])
    assert view.events == [] and view.rows == []
    assert "no events match" in view.message


def test_rows_carry_date_actor_and_status():
    event = next(e for e in EVENTS if e.status == "reported")
    row = event_row(event)
    assert row.startswith(event.label) and event.actor in row and row.endswith("[R]")


def test_plot_has_a_lane_per_kind_and_labelled_axes():
    ax = plot_timeline(timeline_view(EVENTS))
    assert len(ax.get_yticks()) == len(KINDS)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_explorer_redraws_on_every_control():
    pytest.importorskip("ipywidgets")
    box = timeline_explorer(EVENTS)
    assert box.view.events == EVENTS
    kinds, actors = box.children[0].children
    kinds.value = ("policy",)
    assert box.view.events and all(e.kind == "policy" for e in box.view.events)
    actors.value = ("DeepSeek",)
    assert box.view.events == []  # DeepSeek made no policy
    kinds.value = KINDS
    assert box.view.events and all(e.actor == "DeepSeek" for e in box.view.events)
    dates = box.children[1]
    dates.index = (0, 1)  # the first quarter only
    assert all(e.date < dt.date(2023, 1, 1) for e in box.view.events)
