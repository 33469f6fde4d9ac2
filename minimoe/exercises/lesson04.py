"""Lesson 04 (the hybrid): the layer schedule, DeepNorm's α and the hybrid cache's memory."""

from __future__ import annotations

from minimoe.config import LAYER_LETTERS, MiniMoEConfig
from minimoe.exercises import close, exercise
from minimoe.flops import STATE_BYTES, hybrid_cache_bytes


def layer_schedule(pattern: str, num_layers: int) -> list[str]:
    """``"lightning"`` / ``"softmax"`` per layer: the letters of ``pattern`` repeated cyclically.

    Same as ``MiniMoEConfig(layer_pattern=pattern, num_layers=num_layers).layer_types``.
    """
    return MiniMoEConfig(layer_pattern=pattern, num_layers=num_layers).layer_types


def deepnorm_alpha(num_layers: int) -> float:
    """DeepNorm's residual multiplier α = (2N)^(1/4) for a post-norm model of N layers."""
    return MiniMoEConfig(num_layers=num_layers).alpha


# -------------------------------------------------------------------------- 04.layer_schedule


def _schedule_not_repeated(pattern, num_layers):
    kinds = [LAYER_LETTERS[letter] for letter in pattern[:num_layers]]
    return kinds + ["lightning"] * (num_layers - len(kinds))


def _schedule_whole_repeats_only(pattern, num_layers):
    repeats = num_layers // len(pattern)
    return [LAYER_LETTERS[letter] for letter in pattern * repeats]


def _schedule_off_by_one(pattern, num_layers):
    return [LAYER_LETTERS[pattern[(i + 1) % len(pattern)]] for i in range(num_layers)]


@exercise(
    "04.layer_schedule",
    reference=layer_schedule,
    hints=(
        "Layer i uses letter pattern[i % len(pattern)]: 'L' -> 'lightning', 'S' -> 'softmax'. "
        "Return exactly num_layers entries, even when num_layers is not a multiple of len(pattern).",
    ),
    wrong=[_schedule_not_repeated, _schedule_whole_repeats_only, _schedule_off_by_one],
)
def _check_layer_schedule(candidate) -> None:
    for pattern, num_layers in [
        ("LLLLLLLS", 80),
        ("LLLS", 10),
        ("LS", 3),
        ("S", 2),
        ("LLLLLLLS", 4),
    ]:
        got = list(candidate(pattern, num_layers))
        want = layer_schedule(pattern, num_layers)
        assert got == want, f"layer_schedule({pattern!r}, {num_layers}): expected {want}, got {got}"


# --------------------------------------------------------------------------- 04.deepnorm_alpha


@exercise(
    "04.deepnorm_alpha",
    reference=deepnorm_alpha,
    hints=(
        "α = (2N) ** 0.25 with N the number of layers; (8N) ** -0.25 is DeepNorm's β, the "
        "initialisation gain, which M1 does not use in its forward pass.",
    ),
    wrong=[
        lambda n: (8 * n) ** -0.25,
        lambda n: n**0.25,
        lambda n: (2 * n) ** 0.5,
        lambda n: (2 * n) ** -0.25,
    ],
)
def _check_deepnorm_alpha(candidate) -> None:
    for num_layers in (80, 8, 4, 1):
        close(candidate(num_layers), deepnorm_alpha(num_layers), f"deepnorm_alpha({num_layers})")


# ------------------------------------------------------------------------ 04.hybrid_cache_bytes


def _cache_one_tensor(config, seq_len, batch=1, bytes_per_value=4):
    return hybrid_cache_bytes(config, seq_len, batch, bytes_per_value) - sum(
        batch * config.num_kv_heads * seq_len * config.head_dim * bytes_per_value
        for kind in config.layer_types
        if kind == "softmax"
    )


def _cache_all_query_heads(config, seq_len, batch=1, bytes_per_value=4):
    return hybrid_cache_bytes(
        config.replace(num_kv_heads=config.num_heads), seq_len, batch, bytes_per_value
    )


def _cache_state_per_token(config, seq_len, batch=1, bytes_per_value=4):
    lightning = config.layer_types.count("lightning")
    state = batch * config.num_heads * config.head_dim**2 * STATE_BYTES
    return hybrid_cache_bytes(config, seq_len, batch, bytes_per_value) + lightning * state * (
        seq_len - 1
    )


def _cache_every_layer_softmax(config, seq_len, batch=1, bytes_per_value=4):
    return hybrid_cache_bytes(config.replace(layer_pattern="S"), seq_len, batch, bytes_per_value)


def _cache_state_in_model_dtype(config, seq_len, batch=1, bytes_per_value=4):
    lightning = config.layer_types.count("lightning")
    state_values = batch * config.num_heads * config.head_dim**2
    return hybrid_cache_bytes(config, seq_len, batch, bytes_per_value) + lightning * (
        state_values * (bytes_per_value - STATE_BYTES)
    )


@exercise(
    "04.hybrid_cache_bytes",
    reference=hybrid_cache_bytes,
    hints=(
        "Loop over config.layer_types. A lightning layer holds batch x num_heads x head_dim x "
        "head_dim float32 values (4 bytes each) whatever the length; a softmax layer holds keys AND "
        "values: 2 x batch x num_kv_heads x seq_len x head_dim values of bytes_per_value bytes.",
    ),
    wrong=[
        _cache_one_tensor,
        _cache_all_query_heads,
        _cache_state_per_token,
        _cache_every_layer_softmax,
        _cache_state_in_model_dtype,
    ],
)
def _check_hybrid_cache_bytes(candidate) -> None:
    configs = [
        MiniMoEConfig.preset("tiny"),
        MiniMoEConfig.preset("minimax-m1"),
        MiniMoEConfig(num_layers=6, layer_pattern="LLS", num_heads=8, num_kv_heads=2),
    ]
    for config in configs:
        for seq_len, batch, bytes_per_value in [(1, 1, 4), (100, 3, 4), (1_000_000, 1, 2)]:
            close(
                candidate(config, seq_len, batch, bytes_per_value),
                hybrid_cache_bytes(config, seq_len, batch, bytes_per_value),
                f"hybrid_cache_bytes(<{config.layer_pattern} x {config.num_layers} layers>, "
                f"seq_len={seq_len}, batch={batch}, bytes_per_value={bytes_per_value})",
                tol=1e-9,
            )
