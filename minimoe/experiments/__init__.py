"""The experiments the lessons run: one module per experiment, each a few seeded, tested functions.

An experiment sets up a measurement, trains or runs something to take it, and returns the
numbers as a small dataclass a lesson can print, plot and assert on. What it is built from lives
elsewhere and is imported: the model, attention and MoE layers in the core modules, training in
:mod:`minimoe.train` and :mod:`minimoe.rl`, cache and FLOP arithmetic in :mod:`minimoe.flops`.
Widgets (:mod:`minimoe.widgets`) only draw what an experiment returns.

- :mod:`~minimoe.experiments.scaling` (lessons 01, 02): time and peak memory against sequence
  length, and the fitted log-log exponent;
- :mod:`~minimoe.experiments.moe_load` (lesson 03): how top-k and the balancing loss spread
  tokens over experts;
- :mod:`~minimoe.experiments.recall` (lesson 04): multi-query associative recall, lightning vs
  softmax vs the hybrid;
- :mod:`~minimoe.experiments.fork_tokens` (lesson 07): which tokens PPO's clip drops over several
  off-policy updates, and what CISPO keeps;
- :mod:`~minimoe.experiments.precision` (lesson 07): a bf16 sampler against an fp32 trainer, and
  the fp32 LM head;
- :mod:`~minimoe.experiments.generation` (lesson 08): long generations measured, all-softmax
  against the hybrid and all-lightning: prefill, decode against context, whole answers, caches,
  and minimoe against transformers' generate;
- :mod:`~minimoe.experiments.distillation` (lesson 10): traces from the shipped teacher, a
  distilled student against the same student by SFT + RL, their FLOPs and wall time, and how
  similar each student's outputs are to the teacher's;
- :mod:`~minimoe.experiments.scaling_out` (lesson 13): an MoE layer spread over processes
  against one process, the global and per-rank routers' drops, data-parallel SFT.

New experiments go here too, one module each (for the coming lessons: retrieval as the context
grows). A module here may import the rest of the library; nothing outside
``experiments/`` imports an experiment except the lessons, the widgets and the entry points
(``bench.py``, ``cli.py``, ``distributed/__main__.py``).
"""
