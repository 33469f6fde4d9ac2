"""Lesson 08 (efficiency and test-time compute): what one decode step of a softmax layer and of a
lightning layer costs, the context at which a model's softmax layers outspend its lightning
layers, and a hybrid's decode time predicted from an all-softmax and an all-lightning model."""

from __future__ import annotations

from minimoe.config import MiniMoEConfig
from minimoe.exercises import close, exercise
from minimoe.flops import (
    MINIMAX_M1,
    Architecture,
    attention_flops,
    lightning_decode_flops,
)


def decode_layer_flops(kind: str, heads: int, kv_heads: int, head_dim: int, context: int) -> int:
    """Attention FLOPs of one decode step in one layer, the cache holding ``context`` tokens.

    - ``"softmax"``: the new query of each of the ``heads`` heads scores t + 1 keys (the cache
      and its own) and sums as many values, 2·d FLOPs each: 2·H·2d·(t + 1). Grouped-query heads
      (``kv_heads``) shrink the cache, not this work: every query head still scores every key.
    - ``"lightning"``: per head, the state update S ← λS + kᵀv and the read-out qS, 2·d² each:
      4·H·d², whatever the context.
    """
    if kind == "softmax":
        return attention_flops(heads, head_dim, head_dim, context + 1)
    if kind == "lightning":
        return lightning_decode_flops(heads, head_dim)
    raise ValueError(f"kind must be 'softmax' or 'lightning', got {kind!r}")


def softmax_overtakes_lightning(arch: Architecture) -> int:
    """The shortest context t at which the attention of all softmax layers of ``arch`` costs more
    FLOPs in one decode step than that of all its lightning layers.

    The lightning layers cost a fixed amount; the softmax layers cost p·(t + 1) with p their
    FLOPs per key. p·(t + 1) > fixed first holds at t = fixed // p.
    """
    lightning_layers, softmax_layers = arch.count("L"), arch.count("S")
    if not lightning_layers or not softmax_layers:
        raise ValueError(
            f"{arch.name} needs both lightning and softmax layers, has {arch.layer_pattern!r}"
        )
    heads, kv_heads, head_dim = arch.num_heads, arch.num_kv_heads, arch.head_dim
    fixed = lightning_layers * decode_layer_flops("lightning", heads, kv_heads, head_dim, 0)
    per_key = softmax_layers * decode_layer_flops("softmax", heads, kv_heads, head_dim, 0)
    return fixed // per_key


def predict_hybrid_seconds(
    all_softmax_s: float, all_lightning_s: float, num_layers: int, softmax_layers: int
) -> float:
    """A hybrid's decode-step time from those of an all-softmax and an all-lightning model that
    are the same in everything but their layers' attention.

    Each model's step is the same shared part c (embedding, experts, LM head, Python) plus one
    attention cost per layer: all-softmax c + N·s, all-lightning c + N·l, the hybrid
    c + (N − k)·l + k·s. That is ((N − k)·all-lightning + k·all-softmax) / N.
    """
    lightning_layers = num_layers - softmax_layers
    return (lightning_layers * all_lightning_s + softmax_layers * all_softmax_s) / num_layers


# ------------------------------------------------------------------------ 08.decode_layer_flops


def _flops_with_kv_heads(kind, heads, kv_heads, head_dim, context):
    return decode_layer_flops(kind, kv_heads if kind == "softmax" else heads, 0, head_dim, context)


def _flops_without_own_key(kind, heads, kv_heads, head_dim, context):
    if kind == "softmax":
        return attention_flops(heads, head_dim, head_dim, context)
    return decode_layer_flops(kind, heads, kv_heads, head_dim, context)


def _flops_scores_only(kind, heads, kv_heads, head_dim, context):
    if kind == "softmax":
        return 2 * heads * head_dim * (context + 1)
    return decode_layer_flops(kind, heads, kv_heads, head_dim, context)


def _flops_one_per_multiply_add(kind, heads, kv_heads, head_dim, context):
    return decode_layer_flops(kind, heads, kv_heads, head_dim, context) // 2


def _flops_read_out_only(kind, heads, kv_heads, head_dim, context):
    if kind == "lightning":
        return 2 * heads * head_dim * head_dim
    return decode_layer_flops(kind, heads, kv_heads, head_dim, context)


def _flops_lightning_grows(kind, heads, kv_heads, head_dim, context):
    return decode_layer_flops(kind, heads, kv_heads, head_dim, context) * (
        context + 1 if kind == "lightning" else 1
    )


DECODE_CASES = [  # (heads, kv_heads, head_dim, context)
    (64, 8, 128, 0),
    (64, 8, 128, 100_000),
    (4, 1, 64, 1023),
    (8, 2, 16, 7),
    (2, 2, 32, 300),
]


@exercise(
    "08.decode_layer_flops",
    reference=decode_layer_flops,
    hints=(
        "Count the multiply-adds of the matrix products one new token needs, at 2 FLOPs each. In "
        "a softmax layer, what does the new query meet, and how many of them are there when the "
        "cache holds t tokens? In a lightning layer, which two products touch the d x d state?",
        "Softmax: every one of the H query heads scores t + 1 keys (the cache plus the token "
        "itself) with d multiply-adds each, then sums t + 1 values of d numbers with the weights; "
        "sharing keys between heads (kv_heads) saves memory, not these products. Lightning: per "
        "head, the outer product k^T v (d x d) and the read-out q S (d x d).",
        "softmax: 2 * heads * (head_dim + head_dim) * (context + 1); "
        "lightning: 4 * heads * head_dim * head_dim",
    ),
    wrong=[
        _flops_with_kv_heads,
        _flops_without_own_key,
        _flops_scores_only,
        _flops_one_per_multiply_add,
        _flops_read_out_only,
        _flops_lightning_grows,
    ],
)
def _check_decode_layer_flops(candidate) -> None:
    for kind in ("softmax", "lightning"):
        for heads, kv_heads, head_dim, context in DECODE_CASES:
            got = candidate(kind, heads, kv_heads, head_dim, context)
            want = decode_layer_flops(kind, heads, kv_heads, head_dim, context)
            assert got == want, (
                f"{kind} layer, {heads} heads ({kv_heads} key/value heads) of {head_dim}, "
                f"context {context:,}: expected {want:,} FLOPs, got {got!r}"
            )


# ----------------------------------------------------------------- 08.softmax_overtakes_lightning


def _overtakes_when_equal(arch):
    heads, kv_heads, head_dim = arch.num_heads, arch.num_kv_heads, arch.head_dim
    fixed = arch.count("L") * decode_layer_flops("lightning", heads, kv_heads, head_dim, 0)
    per_key = arch.count("S") * decode_layer_flops("softmax", heads, kv_heads, head_dim, 0)
    return -(-fixed // per_key) - 1  # the first t at which they are equal or more


def _overtakes_one_layer_each(arch):
    return arch.head_dim  # one softmax layer against one lightning layer


def _overtakes_with_kv_heads(arch):
    heads, kv_heads, head_dim = arch.num_heads, arch.num_kv_heads, arch.head_dim
    fixed = arch.count("L") * decode_layer_flops("lightning", heads, kv_heads, head_dim, 0)
    per_key = arch.count("S") * decode_layer_flops("softmax", kv_heads, kv_heads, head_dim, 0)
    return fixed // per_key


def _overtakes_keys_not_plus_one(arch):
    return softmax_overtakes_lightning(arch) + 1


def _overtakes_one_pattern_block(arch):
    return softmax_overtakes_lightning(arch.replace(num_layers=len(arch.layer_pattern)))


def _overtakes_per_layer_count_swapped(arch):
    swapped = arch.layer_pattern.translate(str.maketrans("LS", "SL"))
    return softmax_overtakes_lightning(arch.replace(layer_pattern=swapped))


OVERTAKE_ARCHITECTURES = {
    "MiniMax-M1": MINIMAX_M1,
    "tiny preset": Architecture.from_config(MiniMoEConfig.preset("tiny")),
    "LLLLLLLS over 12 layers, 4 heads (1 key/value) of 64": Architecture.from_config(
        MiniMoEConfig(hidden_size=256, num_layers=12, num_heads=4, head_dim=64, num_kv_heads=1)
    ),
    "LLS over 7 layers, 8 heads of 16": Architecture.from_config(
        MiniMoEConfig(num_layers=7, layer_pattern="LLS", num_heads=8, head_dim=16)
    ),
    "LS over 2 layers, 2 heads of 32": Architecture.from_config(
        MiniMoEConfig(num_layers=2, layer_pattern="LS", num_heads=2, head_dim=32)
    ),
}


@exercise(
    "08.softmax_overtakes_lightning",
    reference=softmax_overtakes_lightning,
    hints=(
        "One side of the comparison does not depend on the context at all and the other grows by "
        "the same amount with every token. Total each side over all the model's layers of that "
        "kind, then find the first whole t at which the growing side is strictly larger.",
        "arch.count('L') lightning layers cost a fixed amount each; arch.count('S') softmax layers "
        "cost p * (t + 1) together, with p their FLOPs per key (your decode_layer_flops at "
        "context 0 gives p for one layer). Solve p * (t + 1) > fixed for the smallest integer t.",
        "fixed = arch.count('L') * decode_layer_flops('lightning', H, kv, d, 0); "
        "per_key = arch.count('S') * decode_layer_flops('softmax', H, kv, d, 0); "
        "return fixed // per_key",
    ),
    wrong=[
        _overtakes_when_equal,
        _overtakes_one_layer_each,
        _overtakes_with_kv_heads,
        _overtakes_keys_not_plus_one,
        _overtakes_one_pattern_block,
        _overtakes_per_layer_count_swapped,
    ],
)
def _check_softmax_overtakes_lightning(candidate) -> None:
    for name, arch in OVERTAKE_ARCHITECTURES.items():
        got = candidate(arch)
        want = softmax_overtakes_lightning(arch)
        assert got == want, f"{name}: expected a context of {want:,} tokens, got {got!r}"


# ----------------------------------------------------------------- 08.predict_hybrid_seconds


@exercise(
    "08.predict_hybrid_seconds",
    reference=predict_hybrid_seconds,
    hints=(
        "The three models share everything except which attention each layer runs. Write each "
        "model's step time as a shared part plus one attention cost per layer, and see how the "
        "hybrid's sum can be assembled from the other two models' sums.",
        "With N layers and k of them softmax: all-softmax = c + N*s, all-lightning = c + N*l, "
        "hybrid = c + (N - k)*l + k*s. Find the weights a and b with a + b = 1 that turn "
        "a*(c + N*l) + b*(c + N*s) into the hybrid.",
        "return ((num_layers - softmax_layers) * all_lightning_s "
        "+ softmax_layers * all_softmax_s) / num_layers",
    ),
    wrong=[
        lambda s, lt, n, k: (k * lt + (n - k) * s) / n,  # weights swapped
        lambda s, lt, n, k: (s + lt) / 2,
        lambda s, lt, n, k: lt + s * k / n,  # counts the shared part twice
        lambda s, lt, n, k: lt + (s - lt) * k / (n - k),
        lambda s, lt, n, k: ((n - k) * lt + k * s) / (n - k),
    ],
)
def _check_predict_hybrid_seconds(candidate) -> None:
    for softmax_s, lightning_s, layers, softmax_layers in [
        (0.148, 0.035, 8, 1),
        (0.030, 0.025, 8, 1),
        (2.0, 1.0, 80, 10),
        (1.0, 1.0, 4, 2),
        (0.5, 0.1, 3, 1),
    ]:
        close(
            candidate(softmax_s, lightning_s, layers, softmax_layers),
            predict_hybrid_seconds(softmax_s, lightning_s, layers, softmax_layers),
            f"all-softmax {softmax_s} s, all-lightning {lightning_s} s, {softmax_layers} softmax "
            f"of {layers} layers",
            tol=1e-9,
        )
