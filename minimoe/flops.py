"""Accounting: what a model's shapes imply for its parameters, its cache and (next) its FLOPs.

Everything here is exact integer arithmetic on shapes or on a :class:`~minimoe.config.MiniMoEConfig`;
nothing runs a model, so it works as well for paper-scale presets (``MiniMoEConfig.preset(
"minimax-m1")``) as for the tiny models the lessons train. The tests hold each formula equal to
what a built model measures (``count_parameters`` of its modules, ``HybridCache.nbytes()`` after
a forward pass).

- **Parameters** (lessons 00 and 03): :func:`expert_parameters`, :func:`attention_parameters`,
  and :func:`parameter_counts`, the total and per-token active counts of a config.
- **Cache sizes** (lessons 01, 02 and 04): :func:`kv_cache_bytes` for softmax layers, which grows
  with every token; :func:`lightning_state_bytes` for lightning layers, which does not; and
  :func:`hybrid_cache_bytes`, the two summed over a config's layer schedule.
- **FLOPs** (lesson 08, to come): the cost per token of prefill and decode for minimoe configs and
  for the published shapes of MiniMax-M1, DeepSeek-R1 and Qwen3 belong here too, next to the
  cache sizes they are compared with.
"""

from __future__ import annotations

from minimoe.config import MiniMoEConfig

STATE_BYTES = 4
"""Bytes per value of a lightning state: float32 whatever the model's dtype, as in M1's code."""


def _check_non_negative(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")


# --------------------------------------------------------------------------------- parameters


def expert_parameters(hidden: int, intermediate: int) -> int:
    """Weights in one SwiGLU expert: w1 and w3 map hidden → intermediate, w2 maps back."""
    _check_non_negative(hidden=hidden, intermediate=intermediate)
    return 3 * hidden * intermediate


def attention_parameters(config: MiniMoEConfig, layer_type: str) -> int:
    """Weights of one attention sublayer, ``"lightning"`` or ``"softmax"``, of ``config``.

    Lightning: a fused q/k/v projection, the output gate, the output projection and an RMSNorm
    over all heads. Softmax: q, k and v (k and v for the key/value heads only) and the output.
    """
    hidden, width = config.hidden_size, config.attention_width
    if layer_type == "lightning":
        return 3 * hidden * width + hidden * width + width * hidden + width
    if layer_type == "softmax":
        kv_width = config.num_kv_heads * config.head_dim
        return hidden * width + 2 * hidden * kv_width + width * hidden
    raise ValueError(f"layer_type must be 'lightning' or 'softmax', got {layer_type!r}")


def parameter_counts(config: MiniMoEConfig) -> tuple[int, int]:
    """(total, active) parameters of a model built from ``config``.

    "Active" follows MiniMax's convention (456B total, 45.9B active for M1): the parameters one
    token uses, *excluding* the embedding and the LM head, with k of the E experts per layer.
    """
    hidden = config.hidden_size
    expert = expert_parameters(hidden, config.expert_hidden)
    embedding = config.vocab_size * hidden * (1 if config.tie_embeddings else 2)
    router = hidden * config.num_experts
    norms = 2 * hidden  # input_layernorm and post_attention_layernorm
    total = embedding + hidden  # + the final norm
    active = hidden
    for layer_type in config.layer_types:
        shared = attention_parameters(config, layer_type) + router + norms
        total += shared + config.num_experts * expert
        active += shared + config.top_k * expert
    return total, active


# -------------------------------------------------------------------------------- cache sizes


def kv_cache_bytes(
    num_layers: int, kv_heads: int, head_dim: int, n: int, bytes_per_value: int = 2
) -> int:
    """Bytes of the key/value cache of ``num_layers`` softmax layers after n tokens (one sequence).

    Every layer keeps one key and one value vector of head_dim numbers per key/value head per
    token: 2 · layers · kv_heads · head_dim · n values. bytes_per_value is 2 for bfloat16.
    """
    _check_non_negative(
        num_layers=num_layers,
        kv_heads=kv_heads,
        head_dim=head_dim,
        n=n,
        bytes_per_value=bytes_per_value,
    )
    return 2 * num_layers * kv_heads * head_dim * n * bytes_per_value


def lightning_state_bytes(
    num_layers: int, heads: int, head_dim: int, bytes_per_value: int = STATE_BYTES
) -> int:
    """Bytes of the states of ``num_layers`` lightning layers (one sequence): heads · d · d values
    per layer, whatever the number of tokens. M1 keeps them in float32 (4 bytes)."""
    _check_non_negative(
        num_layers=num_layers, heads=heads, head_dim=head_dim, bytes_per_value=bytes_per_value
    )
    return num_layers * heads * head_dim * head_dim * bytes_per_value


def hybrid_cache_bytes(
    config: MiniMoEConfig, seq_len: int, batch: int = 1, bytes_per_value: int = 4
) -> int:
    """Memory of a :class:`~minimoe.model.HybridCache` after ``seq_len`` tokens of ``batch``
    sequences.

    - each lightning layer: one state per head, (batch, heads, head_dim, head_dim), in float32
      whatever the length;
    - each softmax layer: keys and values of every token, 2 × (batch, kv_heads, seq_len,
      head_dim), at ``bytes_per_value`` bytes each (the model's dtype: 4 for float32, 2 for
      bfloat16).
    """
    _check_non_negative(batch=batch)
    kinds = config.layer_types
    states = lightning_state_bytes(kinds.count("lightning"), config.num_heads, config.head_dim)
    caches = kv_cache_bytes(
        kinds.count("softmax"), config.num_kv_heads, config.head_dim, seq_len, bytes_per_value
    )
    return batch * (states + caches)
