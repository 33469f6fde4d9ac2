"""Attention: lightning (linear with decay) and softmax (GQA, partial RoPE, KV cache)."""

from minimoe.attention.lightning import (
    DEFAULT_BLOCK_SIZE,
    LightningAttention,
    decay_mask,
    lightning_attention_blockwise,
    lightning_attention_naive,
    lightning_attention_recurrent,
    lightning_decode_step,
    lightning_slopes,
)
from minimoe.attention.softmax import (
    KVCache,
    SoftmaxAttention,
    apply_rope,
    causal_softmax_attention,
    rope_cos_sin,
    rotate_half,
)

__all__ = [
    "DEFAULT_BLOCK_SIZE",
    "KVCache",
    "LightningAttention",
    "SoftmaxAttention",
    "apply_rope",
    "causal_softmax_attention",
    "decay_mask",
    "lightning_attention_blockwise",
    "lightning_attention_naive",
    "lightning_attention_recurrent",
    "lightning_decode_step",
    "lightning_slopes",
    "rope_cos_sin",
    "rotate_half",
]
