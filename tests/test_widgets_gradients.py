"""Lesson 07's gradient-weight explorer, without a browser."""

from __future__ import annotations

import matplotlib
import pytest

from minimoe.widgets.gradients import RATIOS, gradient_weight_explorer, plot_gradient_weights

matplotlib.use("Agg")


def test_the_plot_shows_ppo_cut_and_cispo_capped():
    import matplotlib.pyplot as plt

    up, down = plot_gradient_weights(eps=0.2, is_eps_high=1.0)
    ppo, cispo = (line.get_ydata() for line in up.get_lines())
    beyond = RATIOS > 1.2
    assert (ppo[beyond] == 0).all() and (cispo[beyond] > 0).all()  # PPO drops, CISPO keeps
    assert cispo.max() == pytest.approx(2.0)  # the weight is capped at 1 + ε^IS_high
    assert up.get_xlabel().startswith("importance ratio") and down.get_title()
    plt.close("all")


def test_the_explorer_redraws_when_a_slider_moves():
    box = gradient_weight_explorer()
    assert box.setting == (0.2, 4.0)
    eps_slider, cap_slider = box.children[0].children
    cap_slider.value = 2.0
    assert box.setting == (0.2, 2.0)
