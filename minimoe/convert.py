"""Convert Hugging Face ``MiniMaxForCausalLM`` weights into a :class:`~minimoe.model.MiniMoE`.

minimoe uses HF's module names, so conversion is mostly stripping the ``model.`` prefix. Two
things differ:

* HF stores all experts of a layer packed: ``mlp.experts.gate_up_proj`` (E, 2·I, H), the gate
  (w1) rows first, and ``mlp.experts.down_proj`` (E, H, I). minimoe keeps one SwiGLU module per
  expert (``mlp.experts.{e}.w1/w2/w3``), the layout of the released MiniMax checkpoints, which
  are accepted too (under ``block_sparse_moe``).
* HF's lightning layers store their decay tables as buffers; minimoe recomputes them from the
  layer index and head count, so they are dropped.

Nothing here needs ``transformers`` installed: the config is read by attribute.
"""

from __future__ import annotations

import re
from typing import Any

import torch

from minimoe.config import MiniMoEConfig
from minimoe.model import MiniMoE

_HF_LAYER_TYPES = {"linear_attention": "L", "full_attention": "S"}
# Buffers HF's MiniMaxLightningAttention keeps in its state dict; minimoe derives them.
_HF_LIGHTNING_BUFFERS = ("slope_rate", "query_decay", "key_decay", "diagonal_decay")


def _get(hf_config: Any, name: str, default: Any = None) -> Any:
    return getattr(hf_config, name, default)


def _layer_pattern(hf_config: Any) -> str:
    """Layer letters from ``layer_types`` (HF) or ``attn_type_list`` (0 = lightning, 1 = softmax),
    shortened to the shortest period that repeats to the full schedule."""
    num_layers = hf_config.num_hidden_layers
    layer_types = _get(hf_config, "layer_types")
    if layer_types is not None:
        unknown = sorted(set(layer_types) - set(_HF_LAYER_TYPES))
        if unknown:
            raise ValueError(
                f"unsupported layer types {unknown}; minimoe has {sorted(_HF_LAYER_TYPES)}"
            )
        letters = "".join(_HF_LAYER_TYPES[t] for t in layer_types)
    elif _get(hf_config, "attn_type_list") is not None:
        letters = "".join("S" if flag else "L" for flag in hf_config.attn_type_list)
    else:
        raise ValueError("the HF config has neither layer_types nor attn_type_list")
    if len(letters) != num_layers:
        raise ValueError(f"the HF config lists {len(letters)} layer types for {num_layers} layers")
    for period in range(1, num_layers + 1):
        if all(letters[i] == letters[i % period] for i in range(num_layers)):
            return letters[:period]
    raise AssertionError("unreachable: the full schedule is always a period")


def _residual_alpha(hf_config: Any) -> float:
    """HF allows a separate α and β per sublayer; M1 uses one α and β = 1, and so does minimoe."""
    alphas = {
        float(_get(hf_config, f"{name}_alpha_factor", 1))
        for name in ("linear_attn", "full_attn", "mlp")
    }
    betas = {
        float(_get(hf_config, f"{name}_beta_factor", 1))
        for name in ("linear_attn", "full_attn", "mlp")
    }
    if len(alphas) != 1:
        raise ValueError(
            f"minimoe uses one residual alpha for every sublayer; the HF config has {sorted(alphas)}"
        )
    if betas != {1.0}:
        raise ValueError(
            f"minimoe supports only beta = 1 (as in MiniMax-M1); the HF config has {sorted(betas)}"
        )
    return alphas.pop()


def config_from_hf(hf_config: Any) -> MiniMoEConfig:
    """The :class:`MiniMoEConfig` of a ``transformers`` ``MiniMaxConfig``.

    Raises ValueError for options minimoe does not implement (sliding windows, shared experts,
    other activations, scaled RoPE, per-sublayer residual factors).
    """
    if _get(hf_config, "sliding_window") is not None:
        raise ValueError("sliding-window attention is not supported; set sliding_window=None")
    if _get(hf_config, "shared_intermediate_size", 0):
        raise ValueError("shared experts are not supported (MiniMax-M1 has none)")
    if _get(hf_config, "hidden_act", "silu") != "silu":
        raise ValueError(
            f"only SiLU experts are supported, got hidden_act={hf_config.hidden_act!r}"
        )
    if _get(hf_config, "postnorm", True) is not True:
        raise ValueError("only the post-norm MiniMax layer is supported (postnorm=True)")
    rope = _get(hf_config, "rope_parameters") or {}
    rope_type = rope.get("rope_type", "default")
    if rope_type != "default":
        raise ValueError(f"only plain RoPE is supported, got rope_type={rope_type!r}")
    rope_theta = rope.get("rope_theta", _get(hf_config, "rope_theta", 10000.0))

    num_heads = hf_config.num_attention_heads
    head_dim = _get(hf_config, "head_dim") or hf_config.hidden_size // num_heads
    return MiniMoEConfig(
        vocab_size=hf_config.vocab_size,
        hidden_size=hf_config.hidden_size,
        num_layers=hf_config.num_hidden_layers,
        layer_pattern=_layer_pattern(hf_config),
        num_heads=num_heads,
        head_dim=head_dim,
        num_kv_heads=_get(hf_config, "num_key_value_heads") or num_heads,
        # HF's port rotates the whole head (its default RoPE ignores any partial factor), while
        # M1's own code rotates only rotary_dim = 64 of 128 dims. We match HF here.
        rotary_dim=head_dim,
        rope_theta=float(rope_theta),
        num_experts=hf_config.num_local_experts,
        top_k=hf_config.num_experts_per_tok,
        expert_hidden=hf_config.intermediate_size,
        aux_loss_coef=float(_get(hf_config, "router_aux_loss_coef", 0.001)),
        norm="post",
        residual_alpha=_residual_alpha(hf_config),
        block_size=hf_config.block_size,
        max_seq_len=hf_config.max_position_embeddings,
        rms_eps=float(hf_config.rms_norm_eps),
        tie_embeddings=bool(_get(hf_config, "tie_word_embeddings", False)),
        init_std=float(_get(hf_config, "initializer_range", 0.02)),
    )


def from_hf_state_dict(
    hf_state_dict: dict[str, torch.Tensor], hf_config: Any
) -> tuple[MiniMoEConfig, dict[str, torch.Tensor]]:
    """Map a ``MiniMaxForCausalLM`` state dict to minimoe names.

    Returns:
        (config, state_dict) such that ``MiniMoE(config).load_state_dict(state_dict)`` works.
    """
    config = config_from_hf(hf_config)
    experts = config.num_experts
    out: dict[str, torch.Tensor] = {}
    unknown: list[str] = []
    for key, value in hf_state_dict.items():
        name = key.removeprefix("model.")
        if name.endswith("rotary_emb.inv_freq") or name.endswith(_HF_LIGHTNING_BUFFERS):
            continue
        match = re.fullmatch(r"layers\.(\d+)\.(block_sparse_moe|mlp)\.(.+)", name)
        if match is None:
            if re.fullmatch(
                r"embed_tokens\.weight|norm\.weight|lm_head\.weight|layers\.\d+\."
                r"(input_layernorm|post_attention_layernorm|self_attn\.\w+)\.weight",
                name,
            ):
                out[name] = value
            else:
                unknown.append(key)
            continue
        layer, rest = match.group(1), match.group(3)
        prefix = f"layers.{layer}.mlp"
        if rest == "gate.weight":
            out[f"{prefix}.gate.weight"] = value
        elif rest == "experts.gate_up_proj":
            gate, up = value.chunk(2, dim=1)  # (E, I, H) each
            for e in range(experts):
                out[f"{prefix}.experts.{e}.w1.weight"] = gate[e]
                out[f"{prefix}.experts.{e}.w3.weight"] = up[e]
        elif rest == "experts.down_proj":
            for e in range(experts):
                out[f"{prefix}.experts.{e}.w2.weight"] = value[e]
        elif re.fullmatch(r"experts\.\d+\.w[123]\.weight", rest):
            out[f"{prefix}.{rest}"] = value
        else:
            unknown.append(key)
    if unknown:
        raise ValueError(f"unexpected keys in the HF state dict: {unknown[:8]}")
    if config.tie_embeddings:
        out["lm_head.weight"] = out["embed_tokens.weight"]
    return config, out


def from_hf_model(hf_model: torch.nn.Module) -> MiniMoE:
    """A :class:`MiniMoE` with the weights of a ``transformers`` ``MiniMaxForCausalLM``."""
    config, state_dict = from_hf_state_dict(hf_model.state_dict(), hf_model.config)
    model = MiniMoE(config)
    model.load_state_dict(state_dict)
    return model.to(next(hf_model.parameters()).dtype)
