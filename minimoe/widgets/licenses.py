"""Lesson 11's explorer: pick a model or license and a use; see the answer and the clause.

:func:`license_view` computes what to show for one setting of the controls: the answer of the
matching question in :mod:`minimoe.licenses`, as lines of text, and the license's terms at a
glance. :func:`license_explorer` wraps it in drop-downs and text boxes. The pure function is what
the tests and the lesson call; the widget only prints what it returns. Education, not legal
advice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from minimoe.licenses import (
    TERM_VALUES,
    Answer,
    License,
    LicenseTable,
    grants_patent_license,
    load_licenses,
    may_release_derivative,
    may_ship_product,
    may_train_on_outputs,
    may_use_for_military,
)

USES: dict[str, Callable[..., Answer]] = {
    "ship a product to N monthly users": may_ship_product,
    "release a fine-tuned model under a new name": may_release_derivative,
    "train another model on its outputs": may_train_on_outputs,
    "get an explicit patent license": grants_patent_license,
    "use it for a military purpose": may_use_for_military,
}
"""What the explorer can ask, and the function that answers each."""

VERDICT_MARK = {
    "yes": "✅ YES",
    "conditional": "🟡 CONDITIONAL",
    "unclear": "❔ UNCLEAR",
    "no": "⛔ NO",
}


@dataclass(frozen=True)
class LicenseView:
    """What the explorer shows for one setting.

    Attributes:
        answer: the :class:`~minimoe.licenses.Answer` (``None`` when the input was refused).
        lines: the answer as lines of text: verdict, condition, deciding clause, other clauses.
        terms: the applicable license's terms, one line each (value and summary).
        message: a line above everything: the question, or what to fix in the input.
    """

    answer: Answer | None
    lines: list[str]
    terms: list[str]
    message: str


def _terms_of(subject: str, on: dt.date | str | None, table: LicenseTable) -> list[str]:
    entry = table.find(subject)
    if isinstance(entry, License):
        lic = entry
    else:
        date = dt.date.fromisoformat(on) if isinstance(on, str) else on
        lic = table.licenses[entry.license_on(date).license]
    width = max(len(name) for name in TERM_VALUES)
    return [f"{lic.name} ({lic.status}, read {lic.date}: {lic.source})"] + [
        f"  {name:<{width}}  {term.value}: {term.summary}" for name, term in lic.terms.items()
    ]


def license_view(
    subject: str,
    use: str,
    *,
    monthly_active_users: int = 1_000,
    annual_revenue_usd: float | None = None,
    new_name: str = "",
    on: dt.date | str | None = None,
    table: LicenseTable | None = None,
) -> LicenseView:
    """Answer the question ``use`` (a key of :data:`USES`) about ``subject``.

    ``monthly_active_users`` and ``annual_revenue_usd`` are used when shipping a product,
    ``new_name`` when releasing a fine-tune (required) or training on outputs (optional: empty
    means "not decided yet"), ``on`` (a date or ``"YYYY-MM-DD"``; empty or ``None``: today's
    terms) picks the license a model had that day. Input the questions refuse (an unknown model,
    a bad date, an empty name) comes back as a ``message`` saying what to fix, with no answer.
    """
    table = table or load_licenses()
    if use not in USES:
        raise ValueError(f"unknown use {use!r}; uses are: {', '.join(USES)}")
    on = None if on in ("", None) else on
    kwargs: dict = {"on": on, "table": table}
    if use.startswith("ship"):
        kwargs.update(
            monthly_active_users=monthly_active_users, annual_revenue_usd=annual_revenue_usd
        )
    elif use.startswith("release"):
        kwargs["new_name"] = new_name
    elif use.startswith("train"):
        kwargs["new_name"] = new_name.strip() or None
    try:
        answer = USES[use](subject, **kwargs)
        terms = _terms_of(subject, on, table)
    except (ValueError, TypeError) as err:
        return LicenseView(None, [], [], f"Cannot answer: {err}")
    lines = [
        answer.subject,
        f"{VERDICT_MARK[answer.verdict]}  {answer.condition}",
        f"Decided by: {answer.clause.cite()}",
        *(f"Also: {clause.cite()}" for clause in answer.also),
    ]
    return LicenseView(answer, lines, terms, f"Q: {answer.question} (education, not legal advice)")


VERDICT_COLOURS = {
    "yes": "#4daf4a",
    "conditional": "#ffd92f",
    "unclear": "#bdbdbd",
    "no": "#e41a1c",
}


def plot_verdicts(
    verdicts: Sequence[Sequence[str]],
    rows: Sequence[str],
    columns: Sequence[str],
    ax=None,
    title: str = "What the licenses allow",
):
    """A grid of verdicts: one row per question, one column per case, coloured by verdict.

    ``verdicts[i][j]`` is the verdict (one of :data:`~minimoe.licenses.VERDICTS`) of question
    ``rows[i]`` for case ``columns[j]``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    if len(verdicts) != len(rows) or any(len(row) != len(columns) for row in verdicts):
        raise ValueError(
            f"verdicts must be {len(rows)} rows of {len(columns)}, one per question and case"
        )
    codes = {verdict: i for i, verdict in enumerate(VERDICT_COLOURS)}
    unknown = {v for row in verdicts for v in row} - set(codes)
    if unknown:
        raise ValueError(f"unknown verdict(s) {sorted(unknown)}; verdicts are {list(codes)}")
    if ax is None:
        _, ax = plt.subplots(figsize=(1.6 * len(columns) + 3, 0.6 * len(rows) + 1.8))
    grid = [[codes[v] for v in row] for row in verdicts]
    cmap = ListedColormap(list(VERDICT_COLOURS.values()))
    ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(codes) - 0.5, aspect="auto")
    for i, row in enumerate(verdicts):
        for j, verdict in enumerate(row):
            ax.text(j, i, verdict, ha="center", va="center", fontsize=8)
    ax.set_xticks(range(len(columns)), columns, rotation=20, ha="right", fontsize=8)
    ax.set_yticks(range(len(rows)), rows, fontsize=8)
    ax.set_xlabel("release (and the date of its terms)")
    ax.set_ylabel("question")
    ax.set_title(title)
    handles = [Patch(color=c, label=v) for v, c in VERDICT_COLOURS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
    return ax


def license_explorer(table: LicenseTable | None = None):
    """Pick a model or license, a use and the details; the answer and its clauses print below.

    Returns the ipywidgets container (display it in a notebook); its ``view`` attribute holds the
    :class:`LicenseView` of the current setting.
    """
    import ipywidgets as widgets

    from minimoe.widgets import show_in

    table = table or load_licenses()
    subject = widgets.Dropdown(options=table.subjects(), value="MiniMax-M1", description="model")
    use = widgets.Dropdown(
        options=list(USES), description="use", layout=widgets.Layout(width="460px")
    )
    users = widgets.BoundedIntText(
        value=1_000, min=0, max=10**10, step=1_000_000, description="monthly users"
    )
    name = widgets.Text(value="", placeholder="name of your model", description="new name")
    on = widgets.Text(value="", placeholder="YYYY-MM-DD (empty: today)", description="terms of")
    show_terms = widgets.Checkbox(value=False, description="show all terms")
    output = widgets.Output()
    box = widgets.VBox(
        [
            widgets.HBox([subject, use]),
            widgets.HBox([users, name]),
            widgets.HBox([on, show_terms]),
            output,
        ]
    )

    def redraw(_change=None) -> None:
        box.view = license_view(
            subject.value,
            use.value,
            monthly_active_users=users.value,
            new_name=name.value,
            on=on.value.strip(),
            table=table,
        )
        parts = [box.view.message, "\n".join(box.view.lines)]
        if show_terms.value:
            parts.append("\n".join(box.view.terms))
        show_in(output, parts)

    for control in (subject, use, users, name, on, show_terms):
        control.observe(redraw, names="value")
    redraw()
    return box
