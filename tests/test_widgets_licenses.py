"""Lesson 11's explorer: the pure view function and the widget, without a browser."""

from __future__ import annotations

import pytest

from minimoe.licenses import may_release_derivative, may_ship_product, may_train_on_outputs
from minimoe.widgets.licenses import USES, license_explorer, license_view


def test_every_use_gives_the_answer_of_its_query_function():
    for use in USES:
        view = license_view("Llama-3.1", use, monthly_active_users=900_000_000, new_name="Acme")
        assert view.answer is not None and view.answer.verdict in view.lines[1].lower()
        assert view.lines[2].startswith("Decided by:") and "not legal advice" in view.message
    ship = license_view(
        "Llama-3.1", "ship a product to N monthly users", monthly_active_users=900_000_000
    )
    assert ship.answer == may_ship_product("Llama-3.1", 900_000_000)


def test_names_and_dates_reach_the_questions():
    release = license_view(
        "Llama-3.1", "release a fine-tuned model under a new name", new_name="Acme"
    )
    assert release.answer == may_release_derivative("Llama-3.1", "Acme")
    train = license_view("MiniMax-Text-01", "train another model on its outputs", on="2025-01-20")
    assert train.answer == may_train_on_outputs("MiniMax-Text-01", on="2025-01-20")
    assert train.answer.verdict == "no"
    undecided = license_view("Llama-3.1", "train another model on its outputs", new_name="  ")
    assert undecided.answer.verdict == "conditional"  # an empty name means "not decided yet"


def test_terms_show_the_license_in_force():
    view = license_view("MiniMax-Text-01", "use it for a military purpose", on="2025-01-20")
    assert "January 2025" in view.terms[0] and len(view.terms) == 12


def test_bad_input_becomes_a_message_not_an_exception():
    for kwargs in ({"new_name": ""}, {"on": "2024-01-01"}, {"on": "Jan 2025"}):
        view = license_view(
            "MiniMax-Text-01", "release a fine-tuned model under a new name", **kwargs
        )
        assert view.answer is None and view.message.startswith("Cannot answer")
    assert license_view("no-such-model", "use it for a military purpose").answer is None
    with pytest.raises(ValueError, match="unknown use"):
        license_view("MiniMax-M1", "sell it to aliens")


def test_explorer_redraws_on_every_control():
    pytest.importorskip("ipywidgets")
    box = license_explorer()
    assert box.view.answer.verdict == "yes"  # MiniMax-M1 shipped to 1,000 users
    (subject, use), (users, name), (on, _terms), _output = (
        box.children[0].children,
        box.children[1].children,
        box.children[2].children,
        box.children[3],
    )
    subject.value = "Llama-3.1"
    users.value = 900_000_000
    assert box.view.answer.verdict == "no"
    use.value = "release a fine-tuned model under a new name"
    name.value = "Llama-Acme"
    assert box.view.answer.verdict == "yes"
    subject.value = "MiniMax-Text-01"
    use.value = "train another model on its outputs"
    on.value = "2025-01-20"
    assert box.view.answer.verdict == "no"


def test_verdict_grid_plot_has_a_cell_per_case_and_labelled_axes():
    import matplotlib

    matplotlib.use("Agg")
    from minimoe.widgets.licenses import plot_verdicts

    ax = plot_verdicts([["yes", "no"], ["conditional", "unclear"]], ["q1", "q2"], ["a", "b"])
    assert len(ax.texts) == 4 and ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    with pytest.raises(ValueError, match="2 rows of 2"):
        plot_verdicts([["yes"]], ["q1", "q2"], ["a", "b"])
    with pytest.raises(ValueError, match="unknown verdict"):
        plot_verdicts([["maybe"]], ["q1"], ["a"])
