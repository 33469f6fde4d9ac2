"""Lesson 12's explorer: the sourced timeline, filtered by kind, by actor and by date.

:func:`timeline_view` computes what to show for one setting of the controls: the selected
events, how many of each kind, and one text row per event with its status and source.
:func:`plot_timeline` draws the events as dots in one lane per kind (filled: verified, hollow:
reported), and :func:`timeline_explorer` wraps both in two multiple-choice lists and a date-range
slider. The pure function is what the tests and the lesson call; the widget only redraws what it
returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from minimoe.timeline import KINDS, Event, actor_names, filter_events, load_timeline

STATUS_MARK = {"verified": "V", "verified-copy": "V-copy", "reported": "R"}


@dataclass(frozen=True)
class TimelineView:
    """What the explorer shows for one selection.

    Attributes:
        events: the selected events, in date order.
        counts: kind -> number of selected events, for every kind in :data:`KINDS`.
        rows: one line per selected event: date, kind, actor, description, [status].
        message: a line to show above the table (how many events, or why there are none).
    """

    events: list[Event]
    counts: dict[str, int]
    rows: list[str]
    message: str


def event_row(event: Event) -> str:
    """``2025-06-16  model release  MiniMax: ... [V]``: one event as a line of the table."""
    return (
        f"{event.label:<10}  {event.kind:<13}  {event.actor}: {event.description} "
        f"[{STATUS_MARK[event.status]}]"
    )


def timeline_view(
    events: Sequence[Event],
    kinds: Iterable[str] | None = None,
    actors: Iterable[str] | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
) -> TimelineView:
    """Select events as :func:`minimoe.timeline.filter_events` does and summarise them.

    ``None`` keeps every kind, actor or date; an empty list of kinds or actors selects nothing.
    """
    selected = filter_events(events, kinds=kinds, actors=actors, start=start, end=end)
    counts = {kind: sum(event.kind == kind for event in selected) for kind in KINDS}
    if selected:
        verified = sum(event.status != "reported" for event in selected)
        message = (
            f"{len(selected)} of {len(events)} events, {verified} verified from the primary "
            f"text (or an exact copy), {len(selected) - verified} reported"
        )
    else:
        message = "no events match: select at least one kind and one actor, or widen the dates"
    return TimelineView(selected, counts, [event_row(event) for event in selected], message)


def plot_timeline(view: TimelineView, ax=None, title: str = "The race around MiniMax-M1"):
    """Dots per event in one lane per kind; filled when verified, hollow when only reported."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(10, 3.5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for lane, kind in enumerate(KINDS):
        colour = colours[lane % len(colours)]
        for checked in (True, False):
            dates = [
                event.date
                for event in view.events
                if event.kind == kind and (event.status != "reported") == checked
            ]
            if dates:
                ax.scatter(
                    dates,
                    [lane] * len(dates),
                    s=60,
                    edgecolors=colour,
                    facecolors=colour if checked else "none",
                    linewidths=1.5,
                    zorder=3,
                )
    ax.scatter([], [], s=60, color="gray", label="verified (primary text or exact copy)")
    ax.scatter([], [], s=60, facecolors="none", edgecolors="gray", label="reported")
    ax.set_yticks(range(len(KINDS)), [f"{k} ({view.counts[k]})" for k in KINDS])
    ax.set_ylim(-0.7, len(KINDS) - 0.3)
    ax.set_xlabel("date")
    ax.set_ylabel("kind of event (count)")
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="upper left", fontsize="small")
    return ax


def _quarters(events: Sequence[Event]) -> list[dt.date]:
    """First days of every quarter from the first event's to the one after the last event's."""
    first, last = min(event.date for event in events), max(event.date for event in events)
    quarter = dt.date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    out = []
    while quarter <= last:
        out.append(quarter)
        month = quarter.month + 3
        quarter = dt.date(quarter.year + (month > 12), (month - 1) % 12 + 1, 1)
    return out + [quarter]


def timeline_explorer(events: Sequence[Event] | None = None):
    """Choose kinds, actors and a date range; the plot and the event table redraw.

    Returns the ipywidgets container (display it in a notebook); its ``view`` attribute holds the
    :class:`TimelineView` of the current selection.
    """
    import ipywidgets as widgets

    from minimoe.widgets import new_figure, show_in

    events = list(events) if events is not None else load_timeline()
    actors = actor_names(events)
    kinds = widgets.SelectMultiple(options=KINDS, value=KINDS, rows=len(KINDS), description="kind")
    who = widgets.SelectMultiple(options=actors, value=actors, rows=8, description="actor")
    quarters = _quarters(events)
    dates = widgets.SelectionRangeSlider(
        options=[(q.strftime("%Y-%m"), q) for q in quarters],
        index=(0, len(quarters) - 1),
        description="from / to",
        layout=widgets.Layout(width="600px"),
    )
    output = widgets.Output()
    box = widgets.VBox([widgets.HBox([kinds, who]), dates, output])

    def redraw(_change=None) -> None:
        start, end = dates.value
        end = end - dt.timedelta(days=1)  # the slider's right end is the next quarter's first day
        box.view = timeline_view(events, kinds.value, who.value, start, max(start, end))
        parts: list[object] = [box.view.message]
        if box.view.events:
            figure, ax = new_figure(figsize=(10, 3.5))
            plot_timeline(box.view, ax)
            parts.append(figure)
        show_in(output, [*parts, "\n".join(box.view.rows)])

    for control in (kinds, who, dates):
        control.observe(redraw, names="value")
    redraw()
    return box
