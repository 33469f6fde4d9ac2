"""Interactive explorers for the notebooks.

Each explorer is split in two: a pure function that computes what to show from the control values
(tested without a browser), and a thin ipywidgets wrapper that calls it. One module per topic. The
pure function lives beside its widget when it only prepares a view (``attention.decay_view``); when
it runs an experiment, the experiment stays in :mod:`minimoe.experiments` and the widget imports it
(``moe`` reruns :func:`minimoe.experiments.moe_load.train_moe_layer`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

# Explorer callbacks run when a control changes, and JupyterLab can deliver the next change while
# the kernel is still drawing the last one. Two redraws sharing pyplot's global list of open
# figures then mix up each other's figures (seen in the browser test: half-drawn plots), so the
# callbacks draw on figures of their own (:func:`new_figure`) and show them one at a time.
_REDRAW = threading.RLock()


def new_figure(nrows: int = 1, ncols: int = 1, figsize: tuple[float, float] = (6, 4)):
    """A matplotlib figure that pyplot does not track, and its axes (as ``plt.subplots``)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=figsize, layout="constrained")
    return figure, figure.subplots(nrows, ncols)


def show_in(output, parts: Sequence[object]) -> None:
    """Replace what the ipywidgets ``output`` shows by ``parts``, in order: strings are printed,
    figures shown as PNG images; one explorer redraw at a time."""
    import io

    from IPython.display import Image, display

    with _REDRAW, output:
        output.clear_output(wait=True)
        for part in parts:
            if isinstance(part, str):
                print(part)
            else:  # a Figure from new_figure: rendered here, as the notebook backend would
                png = io.BytesIO()
                part.savefig(png, format="png", bbox_inches="tight")
                display(Image(png.getvalue()))
