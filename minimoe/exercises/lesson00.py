"""Lesson 00 (orientation): a warm-up on MiniMax-M1's parameter counts."""

from __future__ import annotations

from minimoe.exercises import close, exercise
from minimoe.flops import expert_parameters


def active_fraction(
    total_params: float, expert_params: float, num_experts: int, top_k: int, num_layers: int
) -> float:
    """Share of all parameters that one token uses.

    Each of the ``num_layers`` MoE layers holds ``num_experts`` experts but runs only ``top_k`` of
    them for a token, so ``num_layers * (num_experts - top_k)`` experts sit idle.
    """
    idle = num_layers * (num_experts - top_k) * expert_params
    return (total_params - idle) / total_params


@exercise(
    "00.expert_parameters",
    reference=expert_parameters,
    hints=(
        "A SwiGLU expert has three weight matrices (gate w1, up w3, down w2), each hidden x intermediate.",
    ),
    wrong=[lambda h, f: 2 * h * f, lambda h, f: h * f, lambda h, f: 3 * h * f + h + f],
)
def _check_expert_parameters(candidate) -> None:
    for hidden, inter in [(6144, 9216), (64, 128), (7, 3)]:
        close(
            candidate(hidden, inter),
            expert_parameters(hidden, inter),
            f"expert_parameters({hidden}, {inter})",
        )


@exercise(
    "00.active_fraction",
    reference=active_fraction,
    hints=(
        "Subtract the experts a token does not use, in every layer: "
        "num_layers * (num_experts - top_k) * expert_params. The rest of the model is always active.",
    ),
    wrong=[
        lambda total, p, e, k, n: k / e,
        lambda total, p, e, k, n: (total - (e - k) * p) / total,
        lambda total, p, e, k, n: n * k * p / total,
    ],
)
def _check_active_fraction(candidate) -> None:
    cases = [(456.1e9, 169.9e6, 32, 2, 80), (1000.0, 10.0, 8, 2, 4), (5000.0, 30.0, 16, 1, 6)]
    for args in cases:
        close(candidate(*args), active_fraction(*args), f"active_fraction{args}", tol=1e-9)
