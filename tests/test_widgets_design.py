"""The design explorer's logic, without a browser; and the widget builds."""

from __future__ import annotations

from minimoe.widgets.design import design_explorer, design_view
from tests.test_design import PLAN, TIMES


def test_view_summarises_a_valid_design():
    lines = design_view({"layer_pattern": "LLLLLLLS", "num_experts": 8}, PLAN, TIMES)
    assert lines[0].startswith("schedule 'LLLLLLLS' over 8 layers: 7 lightning, 1 softmax")
    assert "fits the budget" in lines[-1]


def test_view_says_what_is_wrong_with_an_invalid_design():
    assert design_view({"num_experts": 2, "top_k": 4}, PLAN, TIMES) == [
        "not a valid design: top_k=4 is larger than num_experts=2; a token cannot use more "
        "experts than exist"
    ]


def test_view_says_when_a_design_is_over_budget():
    assert "is over the budget" in design_view({"hidden_size": 256}, PLAN, TIMES)[-1]


def test_explorer_builds_and_prints_the_start_design():
    box = design_explorer(PLAN, TIMES, num_experts=8, expert_hidden=32)
    sliders = box.children[1].children
    assert [s.value for s in sliders] == [8, 2, 32]
    assert len(box.children) == 3
