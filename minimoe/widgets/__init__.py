"""Interactive explorers for the notebooks.

Each explorer is split in two: a pure function that computes what to show from the control values
(tested without a browser), and a thin ipywidgets wrapper that calls it. One module per topic. The
pure function lives beside its widget when it only prepares a view (``attention.decay_view``); when
it runs an experiment, the experiment stays in :mod:`minimoe.experiments` and the widget imports it
(``moe`` reruns :func:`minimoe.experiments.moe_load.train_moe_layer`).
"""
