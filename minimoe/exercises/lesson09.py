"""Lesson 09 (long context): what DeepSeek-R1's MLA layers must cache per token, and how many of a
model's lightning heads still remember a token a given distance back."""

from __future__ import annotations

import torch

from minimoe.attention import lightning_slopes
from minimoe.config import MiniMoEConfig
from minimoe.exercises import exercise
from minimoe.flops import DEEPSEEK_R1, Architecture, latent_cache_bytes


def mla_cache_bytes(arch: Architecture, tokens: int, bytes_per_value: int = 2) -> int:
    """Bytes the MLA layers of ``arch`` cache for one sequence of ``tokens`` tokens, in the
    absorbed form DeepSeek's inference code runs by default.

    Each MLA layer keeps, per token, the compressed key/value latent c (kv_lora_rank numbers),
    from which every head's keys and values are rebuilt, and the one RoPE key (qk_rope_dim
    numbers) that all heads share. Every layer has attention, the dense first layers too: only
    their feed-forward part differs.
    """
    latent_dim = arch.kv_lora_rank + arch.qk_rope_dim
    return latent_cache_bytes(arch.count("M"), latent_dim, tokens, bytes_per_value)


def lightning_slopes_by_layer(config: MiniMoEConfig) -> list[torch.Tensor]:
    """The (heads,) float64 slopes of each lightning layer of ``config``, in order. A layer's
    slopes depend on its index among *all* the model's layers, softmax ones included."""
    return [
        lightning_slopes(config.num_heads, layer, config.num_layers).double()
        for layer, kind in enumerate(config.layer_types)
        if kind == "lightning"
    ]


def heads_reaching(config: MiniMoEConfig, distance: int, weight: float = 0.5) -> int:
    """How many lightning heads of ``config`` still give a token at least ``weight`` of its
    weight ``distance`` tokens later: λ^distance = exp(−s·distance) ≥ weight.

    Softmax layers have no decay and are not counted.
    """
    return sum(
        int((torch.exp(-slopes * distance) >= weight).sum())
        for slopes in lightning_slopes_by_layer(config)
    )


# ------------------------------------------------------------------------- 09.mla_cache_bytes


def _mla_latent_only(arch, tokens, bytes_per_value=2):
    return latent_cache_bytes(arch.count("M"), arch.kv_lora_rank, tokens, bytes_per_value)


def _mla_moe_layers_only(arch, tokens, bytes_per_value=2):
    latent_dim = arch.kv_lora_rank + arch.qk_rope_dim
    layers = arch.count("M") - arch.dense_layers
    return latent_cache_bytes(layers, latent_dim, tokens, bytes_per_value)


def _mla_rope_key_per_head(arch, tokens, bytes_per_value=2):
    latent_dim = arch.kv_lora_rank + arch.num_heads * arch.qk_rope_dim
    return latent_cache_bytes(arch.count("M"), latent_dim, tokens, bytes_per_value)


def _mla_expanded_keys_and_values(arch, tokens, bytes_per_value=2):
    per_token = arch.num_heads * (arch.qk_nope_dim + arch.qk_rope_dim + arch.v_head_dim)
    return arch.count("M") * per_token * tokens * bytes_per_value


def _mla_every_layer(arch, tokens, bytes_per_value=2):
    latent_dim = arch.kv_lora_rank + arch.qk_rope_dim
    return latent_cache_bytes(arch.num_layers, latent_dim, tokens, bytes_per_value)


def _mla_key_and_value_latents(arch, tokens, bytes_per_value=2):
    return 2 * mla_cache_bytes(arch, tokens, bytes_per_value)


MLA_CASES = {
    "DeepSeek-R1, 128K tokens, bfloat16": (DEEPSEEK_R1, 131_072, 2),
    "DeepSeek-R1, 1,000 tokens, float32": (DEEPSEEK_R1, 1_000, 4),
    "R1 with a 256-wide latent and a 32-wide RoPE key, 10 layers": (
        DEEPSEEK_R1.replace(num_layers=10, kv_lora_rank=256, qk_rope_dim=32),
        4_096,
        2,
    ),
    "MLA and softmax layers alternating (pattern MS), 8 layers": (
        DEEPSEEK_R1.replace(
            num_layers=8, layer_pattern="MS", head_dim=64, num_kv_heads=8, dense_layers=1
        ),
        512,
        2,
    ),
}


@exercise(
    "09.mla_cache_bytes",
    reference=mla_cache_bytes,
    hints=(
        "Ask what a later token needs from this one in an MLA layer. The keys and values of all "
        "heads are rebuilt from something smaller, and one part of the key cannot be rebuilt "
        "that way because it carries the token's position. Then ask which layers have attention.",
        "Per token and MLA layer the cache holds the latent c (arch.kv_lora_rank numbers) plus "
        "one RoPE key shared by all heads (arch.qk_rope_dim numbers). Every MLA layer caches, "
        "the dense first layers included (they differ only in their feed-forward part); count "
        "them with arch.count('M').",
        "return arch.count('M') * (arch.kv_lora_rank + arch.qk_rope_dim) * tokens "
        "* bytes_per_value",
    ),
    wrong=[
        _mla_latent_only,
        _mla_moe_layers_only,
        _mla_rope_key_per_head,
        _mla_expanded_keys_and_values,
        _mla_every_layer,
        _mla_key_and_value_latents,
    ],
)
def _check_mla_cache_bytes(candidate) -> None:
    for name, (arch, tokens, bytes_per_value) in MLA_CASES.items():
        got = candidate(arch, tokens, bytes_per_value)
        want = mla_cache_bytes(arch, tokens, bytes_per_value)
        assert got == want, f"{name}: expected {want:,} bytes, got {got!r}"


# -------------------------------------------------------------------------- 09.heads_reaching


def _reaching_softmax_layers_too(config, distance, weight=0.5):
    count = 0
    for layer in range(config.num_layers):
        slopes = lightning_slopes(config.num_heads, layer, config.num_layers).double()
        count += int((torch.exp(-slopes * distance) >= weight).sum())
    return count


def _reaching_index_among_lightning_layers(config, distance, weight=0.5):
    lightning = config.layer_types.count("lightning")
    count = 0
    for i in range(lightning):
        slopes = lightning_slopes(config.num_heads, i, lightning).double()
        count += int((torch.exp(-slopes * distance) >= weight).sum())
    return count


def _reaching_base_two(config, distance, weight=0.5):
    slopes = lightning_slopes_by_layer(config)
    return sum(int((2.0 ** (-s * distance) >= weight).sum()) for s in slopes)


def _reaching_slope_as_decay(config, distance, weight=0.5):
    return sum(int((s**distance >= weight).sum()) for s in lightning_slopes_by_layer(config))


def _reaching_share_not_count(config, distance, weight=0.5):
    lightning_heads = config.layer_types.count("lightning") * config.num_heads
    return heads_reaching(config, distance, weight) / lightning_heads


def _reaching_half_life_always(config, distance, weight=0.5):
    return heads_reaching(config, distance, 0.5)


REACH_CASES = [  # (config name, distance, weight)
    ("minimax-m1", 1, 0.5),
    ("minimax-m1", 100, 0.5),
    ("minimax-m1", 4_000, 0.5),
    ("minimax-m1", 100_000, 0.01),
    ("minimax-m1", 20, 0.9),
    ("tiny", 10, 0.5),
    ("tiny", 50, 0.1),
]


@exercise(
    "09.heads_reaching",
    reference=heads_reaching,
    hints=(
        "A lightning head multiplies everything it remembers by its decay at every step, so a "
        "token's weight after some distance is that decay raised to the distance. Which layers "
        "have a decay at all, and what does each head's decay depend on?",
        "For every lightning layer (config.layer_types), take its heads' slopes from "
        "lightning_slopes(config.num_heads, layer, config.num_layers), with the layer's index "
        "among all the model's layers, softmax ones included. The decay is exp(-s), so the "
        "weight after the distance is exp(-s * distance); count the heads where it is at least "
        "weight.",
        "count over layers with kind == 'lightning': "
        "(torch.exp(-lightning_slopes(config.num_heads, layer, config.num_layers).double() "
        "* distance) >= weight).sum()",
    ),
    wrong=[
        _reaching_softmax_layers_too,
        _reaching_index_among_lightning_layers,
        _reaching_base_two,
        _reaching_slope_as_decay,
        _reaching_share_not_count,
        _reaching_half_life_always,
    ],
)
def _check_heads_reaching(candidate) -> None:
    for preset, distance, weight in REACH_CASES:
        config = MiniMoEConfig.preset(preset)
        got = candidate(config, distance, weight)
        want = heads_reaching(config, distance, weight)
        assert isinstance(got, int) or float(got).is_integer(), (
            f"{preset}, distance {distance:,}: return a count of heads, got {got!r}"
        )
        assert got == want, (
            f"{preset}: heads keeping at least {weight} of a token's weight after "
            f"{distance:,} tokens: expected {want}, got {got!r}"
        )
