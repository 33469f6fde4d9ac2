"""Interactive explorers for the notebooks.

Each explorer is split in two: a pure function that computes what to show from the control values
(tested without a browser), and a thin ipywidgets wrapper that calls it. One module per topic.
"""
