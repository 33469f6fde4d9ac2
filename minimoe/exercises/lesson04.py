"""Lesson 04 (the hybrid): the layer schedule, how far a post-norm sublayer turns the residual
stream, and when the softmax layers' caches outgrow the lightning states."""

from __future__ import annotations

import math

from minimoe.config import LAYER_LETTERS, MiniMoEConfig
from minimoe.exercises import close, exercise
from minimoe.flops import hybrid_cache_bytes, kv_cache_bytes, lightning_state_bytes


def layer_schedule(pattern: str, num_layers: int) -> list[str]:
    """``"lightning"`` / ``"softmax"`` per layer: the letters of ``pattern`` repeated cyclically.

    Same as ``MiniMoEConfig(layer_pattern=pattern, num_layers=num_layers).layer_types``.
    """
    return MiniMoEConfig(layer_pattern=pattern, num_layers=num_layers).layer_types


def stream_cosine(alpha: float, sublayer_rms: float) -> float:
    """Cosine between a post-norm layer's normalised stream y and RMSNorm(α·y + F(y)).

    y has RMS 1 (it left an RMSNorm); the sublayer's output F(y) has RMS ``sublayer_rms`` and is
    taken to be orthogonal to y. The norm only rescales, so the cosine is that of y with
    α·y + F(y): α / sqrt(α² + r²).
    """
    return alpha / math.sqrt(alpha**2 + sublayer_rms**2)


def cache_crossover_tokens(config: MiniMoEConfig, bytes_per_value: int = 4) -> int:
    """The shortest sequence whose softmax-layer KV caches hold more bytes than all the lightning
    states of ``config`` (one sequence; keys and values at ``bytes_per_value``, states in
    float32).

    The states do not grow; the caches grow by the same number of bytes with every token, so the
    answer is states // bytes_per_token + 1.
    """
    kinds = config.layer_types
    if "softmax" not in kinds:
        raise ValueError("a config without softmax layers has a cache that never grows")
    states = lightning_state_bytes(kinds.count("lightning"), config.num_heads, config.head_dim)
    per_token = kv_cache_bytes(
        kinds.count("softmax"), config.num_kv_heads, config.head_dim, 1, bytes_per_value
    )
    return states // per_token + 1


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
        "Think of the pattern as a clock face: after its last letter comes its first again. "
        "Each layer's position alone tells you which letter it gets.",
        "Layer i gets the letter at position i modulo the pattern's length; map L to "
        "'lightning' and S to 'softmax', and return exactly num_layers entries, also when "
        "num_layers is not a multiple of the pattern's length.",
        'kinds = {"L": "lightning", "S": "softmax"}; '
        "return [kinds[pattern[i % len(pattern)]] for i in range(num_layers)]",
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


# --------------------------------------------------------------------------- 04.stream_cosine


@exercise(
    "04.stream_cosine",
    reference=stream_cosine,
    hints=(
        "An RMSNorm only rescales a vector, so it cannot change its direction: the angle between "
        "the old stream and the new one is settled before the norm. Picture the scaled stream "
        "and the sublayer's output as the two perpendicular sides of a right triangle.",
        "y has RMS 1 and F(y) has RMS r, so their lengths are in the ratio 1 : r, and after "
        "scaling y by alpha, alpha : r. The cosine between y and the sum is the side along y "
        "over the hypotenuse.",
        "return alpha / math.sqrt(alpha**2 + sublayer_rms**2)",
    ),
    wrong=[
        lambda a, r: a / (a + r),
        lambda a, r: a**2 / (a**2 + r**2),
        lambda a, r: r / math.sqrt(a**2 + r**2),
        lambda a, r: 1 / math.sqrt(1 + r**2),
        lambda a, r: a / math.sqrt(a**2 + r),
    ],
)
def _check_stream_cosine(candidate) -> None:
    for alpha, rms in [(3.5565588200778455, 1.0), (1.0, 1.0), (2.0, 0.5), (1.5, 3.0), (4.0, 0.0)]:
        close(
            candidate(alpha, rms),
            stream_cosine(alpha, rms),
            f"stream_cosine(alpha={alpha:.4g}, sublayer_rms={rms})",
            tol=1e-9,
        )


# ----------------------------------------------------------------------- 04.cache_crossover


def _crossover_rounded_up(config, bytes_per_value=4):
    states = hybrid_cache_bytes(config, 0, 1, bytes_per_value)
    per_token = hybrid_cache_bytes(config, 1, 1, bytes_per_value) - states
    return -(-states // per_token)  # the first length where the caches *equal* the states


def _crossover_keys_only(config, bytes_per_value=4):
    kinds = config.layer_types
    states = lightning_state_bytes(kinds.count("lightning"), config.num_heads, config.head_dim)
    per_token = kinds.count("softmax") * config.num_kv_heads * config.head_dim * bytes_per_value
    return states // per_token + 1


def _crossover_all_query_heads(config, bytes_per_value=4):
    return cache_crossover_tokens(config.replace(num_kv_heads=config.num_heads), bytes_per_value)


def _crossover_states_in_model_dtype(config, bytes_per_value=4):
    kinds = config.layer_types
    states = lightning_state_bytes(
        kinds.count("lightning"), config.num_heads, config.head_dim, bytes_per_value
    )
    per_token = kv_cache_bytes(
        kinds.count("softmax"), config.num_kv_heads, config.head_dim, 1, bytes_per_value
    )
    return states // per_token + 1


def _crossover_per_pattern_block(config, bytes_per_value=4):
    one_block = config.replace(num_layers=len(config.layer_pattern))
    return cache_crossover_tokens(one_block, bytes_per_value)


CROSSOVER_CONFIGS = {
    "tiny, float32": (MiniMoEConfig.preset("tiny"), 4),
    "minimax-m1, bfloat16": (MiniMoEConfig.preset("minimax-m1"), 2),
    "LLLS over 6 layers, bfloat16": (
        MiniMoEConfig(num_layers=6, layer_pattern="LLLS", num_heads=8, num_kv_heads=2),
        2,
    ),
    "LS over 2 layers, float32": (
        MiniMoEConfig(num_layers=2, layer_pattern="LS", num_heads=4, num_kv_heads=4),
        4,
    ),
}


@exercise(
    "04.cache_crossover",
    reference=cache_crossover_tokens,
    hints=(
        "One part of the cache has a fixed size and the other grows by the same amount with "
        "every token. Find the fixed amount, find the growth per token, and ask after how many "
        "whole tokens the growing part is strictly larger.",
        "The fixed part: num_heads x head_dim x head_dim float32 values (4 bytes) in every "
        "lightning layer. The growth: a key and a value of head_dim numbers per key/value head "
        "in every softmax layer, at bytes_per_value bytes. Count the layers of each kind in the "
        "whole schedule, not in one pattern.",
        "states = hybrid_cache_bytes(config, 0, 1, bytes_per_value); per_token = "
        "hybrid_cache_bytes(config, 1, 1, bytes_per_value) - states; "
        "return states // per_token + 1",
    ),
    wrong=[
        _crossover_rounded_up,
        _crossover_keys_only,
        _crossover_all_query_heads,
        _crossover_states_in_model_dtype,
        _crossover_per_pattern_block,
    ],
)
def _check_cache_crossover(candidate) -> None:
    for name, (config, bytes_per_value) in CROSSOVER_CONFIGS.items():
        got = candidate(config, bytes_per_value)
        want = cache_crossover_tokens(config, bytes_per_value)
        assert got == want, f"crossover for {name}: expected {want:,} tokens, got {got!r}"
