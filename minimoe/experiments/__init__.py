"""The experiments the lessons run: one module per experiment.

- :mod:`~minimoe.experiments.generation` (lesson 08): long generations measured, all-softmax
  against the hybrid and all-lightning; prefill, decode against context, whole answers, caches,
  and minimoe against transformers' generate.
"""
