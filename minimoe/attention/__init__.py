"""Attention: lightning (linear with decay) and softmax (GQA, partial RoPE, KV cache).

``lightning.py`` holds lightning attention's reference forms and its layer; ``kernels.py`` the
fast kernels that compute the blockwise form, which ``lightning_attention_fast`` picks between.
"""

from minimoe.attention.kernels import DEFAULT_BLOCK_SIZE
from minimoe.attention.lightning import (
    BlockDecays,
    LightningAttention,
    block_decays,
    decay_mask,
    lightning_attention_blockwise,
    lightning_attention_fast,
    lightning_attention_naive,
    lightning_attention_recurrent,
    lightning_block_step,
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
    "BlockDecays",
    "DEFAULT_BLOCK_SIZE",
    "KVCache",
    "LightningAttention",
    "SoftmaxAttention",
    "apply_rope",
    "block_decays",
    "causal_softmax_attention",
    "decay_mask",
    "lightning_attention_blockwise",
    "lightning_attention_fast",
    "lightning_attention_naive",
    "lightning_attention_recurrent",
    "lightning_block_step",
    "lightning_decode_step",
    "lightning_slopes",
    "rope_cos_sin",
    "rotate_half",
]
