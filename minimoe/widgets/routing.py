"""Lesson 13's explorer: how much the global router saves over the per-rank one.

The numbers come from :func:`minimoe.experiments.scaling_out.compare_routers` (pure, one
process); this module only draws them and wires the sliders.
"""

from __future__ import annotations

from minimoe.experiments.scaling_out import RouterComparison, compare_routers


def plot_router_loads(result: RouterComparison, axes=None):
    """Left: the group's load per expert against C. Right: each rank's load against C_r.

    Draws on ``axes`` (two of them) or on a new figure; returns the two axes."""
    import matplotlib.pyplot as plt
    import numpy as np

    loads = np.array(result.loads)  # (R, E)
    ranks, experts = loads.shape
    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(11, 3.4), layout="constrained")
    left, right = axes
    bottom = np.zeros(experts)
    for rank in range(ranks):
        left.bar(range(experts), loads[rank], bottom=bottom, label=f"rank {rank}")
        bottom += loads[rank]
    left.axhline(result.capacity_global, color="black", linestyle="--", label="C (group)")
    left.set(
        xlabel="expert",
        ylabel="assignments",
        title=f"global router: {result.dropped_global} of {result.assignments} dropped",
    )
    left.legend(fontsize=8)
    width = 0.8 / ranks
    for rank in range(ranks):
        right.bar(np.arange(experts) + rank * width, loads[rank], width=width)
    right.axhline(result.capacity_per_rank, color="black", linestyle="--", label="C_r (one rank)")
    right.set(
        xlabel="expert (one bar per rank)",
        ylabel="assignments",
        title=f"per-rank router: {result.dropped_per_rank} of {result.assignments} dropped",
    )
    right.legend(fontsize=8)
    return axes


def router_explorer(tokens_per_rank: int = 64):
    """Sliders for the world size, the capacity factor and how different the ranks' tokens are.

    Returns the ipywidgets container; its ``result`` attribute holds the current
    :class:`~minimoe.experiments.scaling_out.RouterComparison`.
    """
    import ipywidgets as widgets

    from minimoe.widgets import new_figure, show_in

    world = widgets.SelectionSlider(options=[1, 2, 4, 8], value=4, description="ranks")
    factor = widgets.FloatSlider(
        value=1.25, min=0.5, max=2.5, step=0.25, description="capacity factor"
    )
    skew = widgets.FloatSlider(value=1.0, min=0.0, max=3.0, step=0.5, description="skew")
    output = widgets.Output()
    box = widgets.VBox([widgets.HBox([world, factor, skew]), output])

    def redraw(_change=None) -> None:
        box.result = compare_routers(world.value, factor.value, skew.value, tokens_per_rank)
        figure, axes = new_figure(1, 2, figsize=(11, 3.4))
        plot_router_loads(box.result, axes)
        show_in(output, [figure])

    for control in (world, factor, skew):
        control.observe(redraw, names="value")
    redraw()
    return box
