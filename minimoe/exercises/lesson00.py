"""Lesson 00 (orientation): a warm-up on the parameters one token uses in MiniMax-M1 and
DeepSeek-R1."""

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


def idle_parameters(config: dict) -> int:
    """Parameters one token leaves unused in a DeepSeek-style MoE, from its config fields.

    Only routed experts can sit idle: the first ``n_dense_layers`` layers have a dense
    feed-forward block instead of experts, and shared experts run for every token. Each of the
    other layers skips ``n_routed_experts - n_activated_experts`` experts of width
    ``moe_inter_dim``.

    Args:
        config: the fields of DeepSeek-V3's ``config_671B.json`` used here: ``dim``,
            ``n_layers``, ``n_dense_layers``, ``moe_inter_dim``, ``n_routed_experts``,
            ``n_activated_experts`` (``n_shared_experts`` and ``inter_dim`` play no part).
    """
    moe_layers = config["n_layers"] - config["n_dense_layers"]
    skipped = config["n_routed_experts"] - config["n_activated_experts"]
    return moe_layers * skipped * expert_parameters(config["dim"], config["moe_inter_dim"])


# --------------------------------------------------------------------------- 00.active_fraction


@exercise(
    "00.active_fraction",
    reference=active_fraction,
    hints=(
        "Which parameters does a token never touch? Everything outside the experts runs for "
        "every token; inside each layer, only the experts the router did not pick sit idle.",
        "In each of the num_layers layers, num_experts - top_k experts are skipped, and each "
        "holds expert_params weights. Subtract all of them from the total, then divide by the "
        "total.",
        "idle = num_layers * (num_experts - top_k) * expert_params; "
        "return (total_params - idle) / total_params",
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


# --------------------------------------------------------------------------- 00.idle_parameters


def _idle_in_every_layer(config):
    return idle_parameters({**config, "n_dense_layers": 0})


def _idle_shared_experts_too(config):
    moe_layers = config["n_layers"] - config["n_dense_layers"]
    skipped = (
        config["n_routed_experts"] + config["n_shared_experts"] - config["n_activated_experts"]
    )
    return moe_layers * skipped * expert_parameters(config["dim"], config["moe_inter_dim"])


def _idle_shared_among_the_chosen(config):
    moe_layers = config["n_layers"] - config["n_dense_layers"]
    skipped = (
        config["n_routed_experts"] - config["n_activated_experts"] - config["n_shared_experts"]
    )
    return moe_layers * skipped * expert_parameters(config["dim"], config["moe_inter_dim"])


def _idle_dense_width(config):
    moe_layers = config["n_layers"] - config["n_dense_layers"]
    skipped = config["n_routed_experts"] - config["n_activated_experts"]
    return moe_layers * skipped * expert_parameters(config["dim"], config["inter_dim"])


def _idle_two_matrices(config):
    return idle_parameters(config) * 2 // 3


MOE_CONFIGS = {
    "DeepSeek-R1": dict(
        dim=7168,
        inter_dim=18432,
        moe_inter_dim=2048,
        n_layers=61,
        n_dense_layers=3,
        n_routed_experts=256,
        n_shared_experts=1,
        n_activated_experts=8,
    ),
    "MiniMax-M1": dict(
        dim=6144,
        inter_dim=0,
        moe_inter_dim=9216,
        n_layers=80,
        n_dense_layers=0,
        n_routed_experts=32,
        n_shared_experts=0,
        n_activated_experts=2,
    ),
    "ModelArgs defaults": dict(
        dim=2048,
        inter_dim=10944,
        moe_inter_dim=1408,
        n_layers=27,
        n_dense_layers=1,
        n_routed_experts=64,
        n_shared_experts=2,
        n_activated_experts=6,
    ),
    "toy": dict(
        dim=8,
        inter_dim=40,
        moe_inter_dim=4,
        n_layers=5,
        n_dense_layers=2,
        n_routed_experts=6,
        n_shared_experts=1,
        n_activated_experts=2,
    ),
}
"""Models described by the fields of DeepSeek-V3's ``config_671B.json``, for 00.idle_parameters
(lesson 00 shows the first two). R1's values are that file's; M1's are its own ``config.json``
written with the same names; the third holds the defaults of DeepSeek-V3's
``inference/model.py`` ``ModelArgs``; the last is a toy."""


@exercise(
    "00.idle_parameters",
    reference=idle_parameters,
    hints=(
        "Go through the model's parts and ask of each one: could a token skip it? A layer "
        "without experts has nothing to skip, and an expert that every token uses is never "
        "idle.",
        "Only routed experts can sit idle, and only in the layers that have experts: n_layers "
        "minus n_dense_layers of them. In each, n_routed_experts - n_activated_experts experts "
        "of width moe_inter_dim are skipped; a SwiGLU expert has three dim x moe_inter_dim "
        "matrices. The shared expert and inter_dim (the dense layers' width) play no part.",
        'moe_layers = config["n_layers"] - config["n_dense_layers"]; skipped = '
        'config["n_routed_experts"] - config["n_activated_experts"]; return moe_layers * '
        'skipped * 3 * config["dim"] * config["moe_inter_dim"]',
    ),
    wrong=[
        _idle_in_every_layer,
        _idle_shared_experts_too,
        _idle_shared_among_the_chosen,
        _idle_dense_width,
        _idle_two_matrices,
    ],
)
def _check_idle_parameters(candidate) -> None:
    for name, config in MOE_CONFIGS.items():
        got = candidate(dict(config))
        close(got, idle_parameters(config), f"idle parameters of {name}", tol=1e-12)
