"""One dataclass describes a minimoe model, from the CPU-sized ``tiny`` to MiniMax-M1 itself.

The hybrid schedule is a string of letters repeated over the layers: ``L`` is a lightning
(linear) attention layer and ``S`` a softmax attention layer. MiniMax-M1 uses ``"LLLLLLLS"``:
seven lightning layers, then one softmax layer, ten times over 80 layers.

Paper-scale presets (``"minimax-m1"``) exist for parameter and FLOPs accounting only; building
the module for them would need hundreds of gigabytes.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

LAYER_LETTERS = {"L": "lightning", "S": "softmax"}
NORM_STYLES = ("post", "pre")


@dataclass(frozen=True)
class MiniMoEConfig:
    """Shapes and options of a hybrid lightning-attention Mixture-of-Experts model.

    Attributes:
        vocab_size: number of token ids V.
        hidden_size: width of the residual stream d_model.
        num_layers: number of decoder layers N.
        layer_pattern: letters ``L`` (lightning) / ``S`` (softmax) repeated cyclically over layers.
        num_heads: attention heads h (query heads in softmax layers, all heads in lightning layers).
        head_dim: width of one head d_h. ``None`` means ``hidden_size // num_heads``. It may differ
            from that: M1 has 64 heads x 128 = 8192 attention width on a 6144 residual stream.
        num_kv_heads: key/value heads of the softmax layers (grouped-query attention).
        rotary_dim: leading dimensions of each softmax head that get RoPE (M1: half of d_h).
            ``None`` means half of ``head_dim``, as in M1.
        rope_theta: RoPE base frequency.
        num_experts: experts E per MoE layer.
        top_k: experts each token is routed to (k).
        expert_hidden: hidden width of one SwiGLU expert.
        capacity_factor: ``None`` for dropless routing; otherwise each expert takes at most
            ``ceil(capacity_factor * tokens * top_k / num_experts)`` assignments.
        aux_loss_coef: weight of the load-balancing loss added by the model.
        norm: ``"post"`` (M1's post-norm with DeepNorm residual scaling) or ``"pre"``.
        residual_alpha: DeepNorm's alpha, the residual multiplier in post-norm layers. ``None``
            means ``(2 N) ** 0.25`` as in M1; pre-norm always uses 1.
        block_size: lightning attention block (tile) length B.
        max_seq_len: longest sequence (prompt plus generation) the model is used for.
        rms_eps: epsilon of the RMSNorms around the sublayers.
        fp32_lm_head: compute the LM head in float32 even when the model runs in bfloat16.
        tie_embeddings: share the embedding matrix with the LM head.
        init_std: standard deviation of the normal initialisation of linear and embedding weights.
    """

    vocab_size: int = 256
    hidden_size: int = 64
    num_layers: int = 8
    layer_pattern: str = "LLLLLLLS"
    num_heads: int = 4
    head_dim: int | None = None
    num_kv_heads: int = 2
    rotary_dim: int | None = None
    rope_theta: float = 10000.0
    num_experts: int = 4
    top_k: int = 2
    expert_hidden: int = 128
    capacity_factor: float | None = None
    aux_loss_coef: float = 0.01
    norm: str = "post"
    residual_alpha: float | None = None
    block_size: int = 64
    max_seq_len: int = 512
    rms_eps: float = 1e-5
    fp32_lm_head: bool = True
    tie_embeddings: bool = False
    init_std: float = 0.02

    def __post_init__(self) -> None:
        # Fill the derived defaults first, so that validation sees the final numbers.
        if self.head_dim is None:
            if self.num_heads > 0 and self.hidden_size % self.num_heads != 0:
                raise ValueError(
                    f"hidden_size={self.hidden_size} is not divisible by num_heads={self.num_heads}; "
                    "change one of them or set head_dim explicitly"
                )
            object.__setattr__(self, "head_dim", self.hidden_size // max(self.num_heads, 1))
        if self.rotary_dim is None:
            object.__setattr__(self, "rotary_dim", self.head_dim // 2)
        self._validate()

    def _validate(self) -> None:
        positive = (
            "vocab_size",
            "hidden_size",
            "num_layers",
            "num_heads",
            "head_dim",
            "num_kv_heads",
            "num_experts",
            "top_k",
            "expert_hidden",
            "block_size",
            "max_seq_len",
        )
        for name in positive:
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        for name in ("rope_theta", "rms_eps", "init_std"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be positive, got {getattr(self, name)!r}")
        if self.aux_loss_coef < 0:
            raise ValueError(f"aux_loss_coef must be >= 0, got {self.aux_loss_coef}")
        if not self.layer_pattern:
            raise ValueError("layer_pattern is empty; use letters L (lightning) and S (softmax)")
        unknown = sorted(set(self.layer_pattern) - set(LAYER_LETTERS))
        if unknown:
            raise ValueError(
                f"layer_pattern {self.layer_pattern!r} has unknown letters {unknown}; "
                "use only L (lightning) and S (softmax), e.g. 'LLLLLLLS'"
            )
        if self.num_heads % self.num_kv_heads != 0:
            raise ValueError(
                f"num_heads={self.num_heads} must be a multiple of num_kv_heads={self.num_kv_heads} "
                "(each key/value head serves a whole group of query heads)"
            )
        if (
            not isinstance(self.rotary_dim, int)
            or self.rotary_dim < 2
            or self.rotary_dim % 2 != 0
            or self.rotary_dim > self.head_dim
        ):
            raise ValueError(
                f"rotary_dim={self.rotary_dim!r} must be an even number between 2 and "
                f"head_dim={self.head_dim} (RoPE rotates pairs of dimensions)"
            )
        if self.top_k > self.num_experts:
            raise ValueError(
                f"top_k={self.top_k} is larger than num_experts={self.num_experts}; "
                "a token cannot use more experts than exist"
            )
        if self.capacity_factor is not None and not self.capacity_factor > 0:
            raise ValueError(
                f"capacity_factor must be positive or None (dropless), got {self.capacity_factor}"
            )
        if self.norm not in NORM_STYLES:
            raise ValueError(f"norm must be one of {NORM_STYLES}, got {self.norm!r}")
        if self.residual_alpha is not None:
            if not self.residual_alpha > 0:
                raise ValueError(f"residual_alpha must be positive, got {self.residual_alpha}")
            if self.norm == "pre" and self.residual_alpha != 1:
                raise ValueError(
                    "residual_alpha only applies to norm='post'; leave it None for norm='pre'"
                )

    # ----------------------------------------------------------------- derived quantities
    @property
    def layer_types(self) -> list[str]:
        """``"lightning"`` or ``"softmax"`` for each layer, the pattern repeated cyclically."""
        pattern = self.layer_pattern
        return [LAYER_LETTERS[pattern[i % len(pattern)]] for i in range(self.num_layers)]

    @property
    def alpha(self) -> float:
        """Residual multiplier α: DeepNorm's (2N)^(1/4) for post-norm, 1 for pre-norm."""
        if self.norm == "pre":
            return 1.0
        if self.residual_alpha is not None:
            return self.residual_alpha
        return (2 * self.num_layers) ** 0.25

    @property
    def attention_width(self) -> int:
        """Concatenated width of all heads, h·d_h (M1: 8192, wider than its 6144 stream)."""
        return self.num_heads * self.head_dim

    # ------------------------------------------------------------------ (de)serialisation
    def to_dict(self) -> dict[str, Any]:
        """Plain dict of all fields, for checkpoints (JSON-safe)."""
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> MiniMoEConfig:
        """Inverse of :meth:`to_dict`. Unknown keys raise, so a typo never passes silently."""
        if not isinstance(data, dict):
            raise TypeError(f"from_dict expects a dict, got {type(data).__name__}")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(
                f"unknown MiniMoEConfig keys {unknown}; known keys are {sorted(known)}"
            )
        return cls(**data)

    def replace(self, **changes: Any) -> MiniMoEConfig:
        """A copy with some fields changed (validated again)."""
        return self.from_dict({**self.to_dict(), **changes})

    @classmethod
    def preset(cls, name: str, **overrides: Any) -> MiniMoEConfig:
        """A named configuration from :data:`PRESETS`, optionally with fields overridden."""
        if name not in PRESETS:
            raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
        return cls.from_dict({**PRESETS[name], **overrides})


PRESETS: dict[str, dict[str, Any]] = {
    # Trains in seconds on a 2-core CPU: the tests, the early lessons, the demo and the shipped
    # checkpoints. Experts of width 64 (not 128) made RL steps about a third cheaper, and the
    # warm-started model reached higher accuracy in the same SFT steps (measured on 10-digit sorting).
    "tiny": dict(
        vocab_size=256,
        hidden_size=64,
        num_layers=8,
        layer_pattern="LLLLLLLS",
        num_heads=4,
        num_kv_heads=2,
        num_experts=4,
        top_k=2,
        expert_hidden=64,
        block_size=32,
        max_seq_len=512,
    ),
    # The course's "MiniMax-M1 small": minutes of CPU training, same 7:1 schedule.
    "small": dict(
        vocab_size=512,
        hidden_size=128,
        num_layers=8,
        layer_pattern="LLLLLLLS",
        num_heads=4,
        num_kv_heads=2,
        num_experts=8,
        top_k=2,
        expert_hidden=256,
        block_size=64,
        max_seq_len=1024,
    ),
    # MiniMax-M1 (= MiniMax-Text-01 backbone) from its released config.json. Accounting only.
    "minimax-m1": dict(
        vocab_size=200064,
        hidden_size=6144,
        num_layers=80,
        layer_pattern="LLLLLLLS",
        num_heads=64,
        head_dim=128,
        num_kv_heads=8,
        rotary_dim=64,
        rope_theta=10_000_000.0,
        num_experts=32,
        top_k=2,
        expert_hidden=9216,
        aux_loss_coef=0.001,
        block_size=256,
        max_seq_len=10_240_000,
    ),
}
