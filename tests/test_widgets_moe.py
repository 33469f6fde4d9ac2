"""Lesson 03's explorer: the sliders retrain and redraw, without a browser."""

from __future__ import annotations

import matplotlib

from minimoe.widgets.moe import AUX_WEIGHTS, moe_load_explorer

matplotlib.use("Agg")


def test_explorer_builds_and_redraws_when_a_slider_moves():
    explorer = moe_load_explorer(steps=2)
    sliders = explorer.children[0].children
    top_k, weight = sliders
    assert (top_k.value, weight.value) == (2, 0.0)
    assert (explorer.load.top_k, explorer.load.aux_weight) == (2, 0.0)
    top_k.value = 1  # each change retrains and redraws
    weight.value = 0.1
    assert (explorer.load.top_k, explorer.load.aux_weight) == (1, 0.1)
    assert weight.options == AUX_WEIGHTS
