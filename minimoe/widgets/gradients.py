"""Lesson 07's explorer: the gradient weight PPO's clip and CISPO give one token, against its ratio.

The curves come from :func:`minimoe.experiments.fork_tokens.gradient_weight_curve` (pure); this
module draws them and wires two sliders, PPO's ε and CISPO's cap ε^IS_high.
"""

from __future__ import annotations

import torch

from minimoe.experiments.fork_tokens import gradient_weight_curve

RATIOS = torch.linspace(0.2, 7.0, 500)
"""The ratios r = π_θ / π_old drawn on the x axis."""


def plot_gradient_weights(eps: float = 0.2, is_eps_high: float = 4.0, axes=None):
    """Two panels, a token with Â = +1 and one with Â = −1: its gradient weight w·Â under PPO's
    clip (ε on both sides) and under CISPO (weight capped at 1 + ε^IS_high), against r.

    Draws on ``axes`` (two of them) or on a new figure; returns the two axes."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True, layout="constrained")
    for ax, advantage in zip(axes, (1.0, -1.0)):
        curves = gradient_weight_curve(
            RATIOS, advantage, eps_low=eps, eps_high=eps, is_eps_high=is_eps_high
        )
        ax.plot(RATIOS, curves["ppo"], label=f"PPO / GRPO (ε = {eps:.2f})", lw=2)
        ax.plot(RATIOS, curves["cispo"], label=f"CISPO (ε^IS_high = {is_eps_high:.1f})", ls="--")
        ax.set_xlabel("importance ratio r = π_θ / π_old")
        ax.set_title(f"token with Â = {advantage:+.0f}")
        ax.legend()
    axes[0].set_ylabel("gradient weight on ∇log π  (w·Â)")
    return axes


def gradient_weight_explorer():
    """Sliders for PPO's ε and CISPO's ε^IS_high; each change redraws :func:`plot_gradient_weights`.

    Returns the ipywidgets container (display it in a notebook); its ``setting`` attribute holds
    the current (ε, ε^IS_high).
    """
    import ipywidgets as widgets

    from minimoe.widgets import new_figure, show_in

    eps = widgets.FloatSlider(value=0.2, min=0.05, max=0.5, step=0.05, description="PPO ε")
    cap = widgets.FloatSlider(value=4.0, min=0.2, max=6.0, step=0.2, description="ε^IS_high")
    output = widgets.Output()
    box = widgets.VBox([widgets.HBox([eps, cap]), output])

    def redraw(_change=None) -> None:
        box.setting = (eps.value, cap.value)
        figure, axes = new_figure(1, 2, figsize=(10, 3.2))
        plot_gradient_weights(eps.value, cap.value, axes)
        show_in(output, [figure])

    for control in (eps, cap):
        control.observe(redraw, names="value")
    redraw()
    return box
