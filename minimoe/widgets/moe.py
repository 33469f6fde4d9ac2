"""Lesson 03's explorer: sliders for the router's top-k and the balancing-loss weight.

Each change reruns :func:`minimoe.experiments.moe_load.train_moe_layer` (a second or two) and
redraws :func:`~minimoe.experiments.moe_load.plot_expert_load`; the tests call both without a
browser.
"""

from __future__ import annotations

from minimoe.experiments.moe_load import plot_expert_load, train_moe_layer

AUX_WEIGHTS = (0.0, 0.001, 0.01, 0.1, 1.0)
"""The balancing-loss weights the slider offers."""


def moe_load_explorer(steps: int = 150):
    """Sliders for top-k and the balancing-loss weight; each change retrains and redraws.

    Returns the ipywidgets container (display it in a notebook); its ``load`` attribute holds the
    :class:`~minimoe.experiments.moe_load.ExpertLoad` of the current setting.
    """
    import ipywidgets as widgets

    from minimoe.widgets import new_figure, show_in

    top_k = widgets.IntSlider(value=2, min=1, max=4, description="top-k")
    weight = widgets.SelectionSlider(options=list(AUX_WEIGHTS), value=0.0, description="aux weight")
    output = widgets.Output()
    box = widgets.VBox([widgets.HBox([top_k, weight]), output])

    def redraw(_change=None) -> None:
        box.load = train_moe_layer(top_k.value, weight.value, steps=steps)  # the latest result
        figure, ax = new_figure(figsize=(6, 3))
        plot_expert_load(box.load, ax)
        show_in(output, [figure])

    top_k.observe(redraw, names="value")
    weight.observe(redraw, names="value")
    redraw()
    return box
