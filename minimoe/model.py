"""The hybrid model: lightning and softmax attention layers, each followed by a Mixture of Experts.

Layout and parameter names follow Hugging Face's MiniMax port, so that a converted state dict
loads as is::

    embed_tokens -> layers[i] (input_layernorm, self_attn, post_attention_layernorm, mlp)
                 -> norm -> lm_head

M1 normalises *after* each sublayer (post-norm) and scales the residual by DeepNorm's
α = (2N)^(1/4). With y = RMSNorm(x) the stream that enters a sublayer F, the layer computes
``y' = RMSNorm(α·y + F(y))``: the residual carried forward is the *normalised* activation.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from minimoe.attention import KVCache, LightningAttention, SoftmaxAttention
from minimoe.config import MiniMoEConfig
from minimoe.flops import parameter_counts
from minimoe.moe import MoE, MoEStats
from minimoe.norm import RMSNorm

# HF and M1 build the RMSNorm inside lightning attention with the norm's default epsilon, not
# with the config's rms_norm_eps. The attention outputs it normalises can be tiny, so matching
# this matters for agreement with their logits.
LIGHTNING_NORM_EPS = 1e-6

LayerCache = torch.Tensor | KVCache


@dataclass
class HybridCache:
    """What generation keeps between steps, one entry per layer.

    A lightning layer keeps its state S, shape (batch, heads, head_dim, head_dim) in float32,
    whose size does not depend on the length. A softmax layer keeps a :class:`KVCache` of every
    past key and value, which grows by one token per step.

    Attributes:
        layers: per layer, the lightning state or the KVCache.
        length: tokens seen so far (padding included), i.e. the next token's position.
        attention_mask: (batch, length) 1 for real tokens, 0 for left padding; None if no padding.
    """

    layers: list[LayerCache]
    length: int
    attention_mask: torch.Tensor | None = None

    def nbytes(self) -> int:
        """Memory held by the cache, in bytes: each layer's entry reports its own ``nbytes``
        (a state tensor's, or a KVCache's keys and values). :func:`minimoe.flops.hybrid_cache_bytes`
        predicts it from the config."""
        return sum(entry.nbytes for entry in self.layers)

    def reserve(self, total: int) -> HybridCache:
        """Make room in every KV cache for ``total`` tokens, so that decoding up to that length
        writes each new token in place (see :meth:`KVCache.reserve`). Lightning states need none."""
        for entry in self.layers:
            if isinstance(entry, KVCache):
                entry.reserve(total)
        return self


@dataclass
class ModelOutput:
    """Result of :meth:`MiniMoE.forward`.

    Attributes:
        logits: (batch, seq, vocab); float32 when ``config.fp32_lm_head``.
        aux_loss: scalar, ``aux_loss_coef`` × the sum of the layers' balancing losses.
        cache: the updated :class:`HybridCache`, to continue from.
        stats: one :class:`~minimoe.moe.MoEStats` per layer.
    """

    logits: torch.Tensor
    aux_loss: torch.Tensor
    cache: HybridCache
    stats: list[MoEStats]


class DecoderLayer(nn.Module):
    """Attention (lightning or softmax, by the layer schedule) then a Mixture of Experts.

    Post-norm (M1), with α the DeepNorm constant and β = 1 as in the released weights::

        y  = input_layernorm(x)
        h  = α·y + attention(y)
        y2 = post_attention_layernorm(h)
        out = α·y2 + moe(y2)

    Pre-norm: ``h = x + attention(norm(x))``, ``out = h + moe(norm(h))``.
    """

    def __init__(self, config: MiniMoEConfig, layer_idx: int) -> None:
        super().__init__()
        self.layer_type = config.layer_types[layer_idx]
        self.norm_style = config.norm
        self.alpha = config.alpha
        self.input_layernorm = RMSNorm(config.hidden_size, eps=config.rms_eps)
        if self.layer_type == "lightning":
            self.self_attn: nn.Module = LightningAttention(
                config.hidden_size,
                config.num_heads,
                config.head_dim,
                layer_idx=layer_idx,
                num_layers=config.num_layers,
                block_size=config.block_size,
                eps=LIGHTNING_NORM_EPS,
            )
        else:
            self.self_attn = SoftmaxAttention(
                config.hidden_size,
                config.num_heads,
                config.num_kv_heads,
                config.head_dim,
                rotary_dim=config.rotary_dim,
                rope_theta=config.rope_theta,
            )
        self.post_attention_layernorm = RMSNorm(config.hidden_size, eps=config.rms_eps)
        self.mlp = MoE(
            config.hidden_size,
            config.expert_hidden,
            config.num_experts,
            config.top_k,
            capacity_factor=config.capacity_factor,
        )

    def forward(
        self,
        x: torch.Tensor,
        cache: LayerCache | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, LayerCache, MoEStats]:
        """x: (batch, seq, hidden); attention_mask: (batch, past + seq) or None.

        Returns the output (batch, seq, hidden), this layer's new cache entry and MoE stats.
        """
        seq = x.shape[1]
        token_mask = None if attention_mask is None else attention_mask[:, -seq:]
        if self.norm_style == "post":
            y = self.input_layernorm(x)
            attn_out, new_cache = self.self_attn(y, cache, attention_mask)
            y = self.post_attention_layernorm(self.alpha * y + attn_out)
            moe_out, stats = self.mlp(y, token_mask)
            return self.alpha * y + moe_out, new_cache, stats
        attn_out, new_cache = self.self_attn(self.input_layernorm(x), cache, attention_mask)
        h = x + attn_out
        moe_out, stats = self.mlp(self.post_attention_layernorm(h), token_mask)
        return h + moe_out, new_cache, stats


class MiniMoE(nn.Module):
    """The hybrid lightning-attention Mixture-of-Experts language model."""

    def __init__(self, config: MiniMoEConfig) -> None:
        super().__init__()
        if not isinstance(config, MiniMoEConfig):
            raise TypeError(f"MiniMoE expects a MiniMoEConfig, got {type(config).__name__}")
        self.config = config
        self.embed_tokens = nn.Embedding(config.vocab_size, config.hidden_size)
        self.layers = nn.ModuleList(DecoderLayer(config, i) for i in range(config.num_layers))
        self.norm = RMSNorm(config.hidden_size, eps=config.rms_eps)
        self.lm_head = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.apply(self._init_weights)
        if config.tie_embeddings:
            self.lm_head.weight = self.embed_tokens.weight

    def _init_weights(self, module: nn.Module) -> None:
        # Small normal init (HF's initializer_range); RMSNorm weights stay at 1.
        if isinstance(module, nn.Linear | nn.Embedding):
            nn.init.normal_(module.weight, mean=0.0, std=self.config.init_std)

    def forward(
        self,
        input_ids: torch.Tensor,
        cache: HybridCache | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> ModelOutput:
        """Run new tokens, continuing from ``cache`` if given.

        Args:
            input_ids: (batch, seq) token ids: a whole prompt, or the next token(s).
            cache: what an earlier call returned, or None to start fresh.
            attention_mask: (batch, seq) 1 for real tokens and 0 for left padding, for the new
                tokens only; the cache remembers the mask of the earlier ones.

        Returns:
            :class:`ModelOutput` with logits (batch, seq, vocab), aux_loss, the new cache, stats.
        """
        if input_ids.ndim != 2:
            raise ValueError(f"input_ids must be (batch, seq), got shape {tuple(input_ids.shape)}")
        batch, seq = input_ids.shape
        if attention_mask is not None and attention_mask.shape != input_ids.shape:
            raise ValueError(
                f"attention_mask shape {tuple(attention_mask.shape)} must equal input_ids shape "
                f"{tuple(input_ids.shape)}: it covers the new tokens only (the cache keeps the "
                "mask of earlier ones)"
            )
        past_length = 0 if cache is None else cache.length
        full_mask = self._extend_mask(cache, attention_mask, batch, seq)
        layer_caches = [None] * len(self.layers) if cache is None else cache.layers

        x = self.embed_tokens(input_ids)
        new_caches: list[LayerCache] = []
        stats: list[MoEStats] = []
        for layer, layer_cache in zip(self.layers, layer_caches):
            x, new_cache, layer_stats = layer(x, layer_cache, full_mask)
            new_caches.append(new_cache)
            stats.append(layer_stats)
        x = self.norm(x)
        if self.config.fp32_lm_head:
            # M1's precision fix: logits (and so the RL importance ratios) in full precision.
            logits = F.linear(x.float(), self.lm_head.weight.float())
        else:
            logits = self.lm_head(x)
        aux_loss = self.config.aux_loss_coef * torch.stack([s.aux_loss for s in stats]).sum()
        new_cache = HybridCache(new_caches, past_length + seq, full_mask)
        return ModelOutput(logits=logits, aux_loss=aux_loss, cache=new_cache, stats=stats)

    @staticmethod
    def _extend_mask(
        cache: HybridCache | None, attention_mask: torch.Tensor | None, batch: int, seq: int
    ) -> torch.Tensor | None:
        """The mask over past and new tokens, or None while nothing is padded."""
        past_mask = None if cache is None else cache.attention_mask
        if past_mask is None and attention_mask is None:
            return None
        past_length = 0 if cache is None else cache.length
        device = (attention_mask if attention_mask is not None else past_mask).device
        if past_mask is None:
            past_mask = torch.ones(batch, past_length, dtype=torch.long, device=device)
        if attention_mask is None:
            attention_mask = torch.ones(batch, seq, dtype=torch.long, device=device)
        return torch.cat([past_mask.to(torch.long), attention_mask.to(torch.long)], dim=1)


def count_parameters(model_or_config: MiniMoE | MiniMoEConfig) -> tuple[int, int]:
    """Total and active parameters.

    "Active" follows MiniMax's convention (456B total / 45.9B active for M1): the parameters
    one token uses, *excluding* the embedding and LM head, with k of the E experts per layer.

    For a config the count is analytic (:func:`minimoe.flops.parameter_counts`, which works for
    paper-scale presets); for a model it is read from the module's real parameters.

    Returns:
        (total, active) as ints.
    """
    if isinstance(model_or_config, MiniMoE):
        model = model_or_config
        config = model.config
        total = sum(p.numel() for p in model.parameters())  # shared (tied) weights count once
        embedding = sum(p.numel() for p in {model.embed_tokens.weight, model.lm_head.weight})
        per_expert = sum(p.numel() for p in model.layers[0].mlp.experts[0].parameters())
        unused_experts = len(model.layers) * (config.num_experts - config.top_k) * per_expert
        return total, total - embedding - unused_experts
    if not isinstance(model_or_config, MiniMoEConfig):
        raise TypeError(
            f"count_parameters expects a MiniMoE or MiniMoEConfig, got {type(model_or_config).__name__}"
        )
    return parameter_counts(model_or_config)
