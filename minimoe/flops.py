"""Accounting from shapes alone: parameters, FLOPs and cache memory of a decoder, for minimoe
models and for the published architectures of MiniMax-M1, DeepSeek-R1 and Qwen3-235B-A22B.

Nothing here runs a model, so the same arithmetic serves a 64-wide minimoe model and a
456-billion-parameter one. The tests hold each formula to what a built model measures:
``count_parameters`` of its modules, ``HybridCache.nbytes()`` after a forward pass, and what
``torch.utils.flop_counter`` counts while it runs (:func:`counted_flops`).

- **Parameters** (lessons 00 and 03): :func:`expert_parameters`, :func:`attention_parameters`,
  and :func:`parameter_counts`, the total and per-token active counts of a config.
- **Cache sizes** (lessons 01, 02, 04 and 09): :func:`kv_cache_bytes` for softmax layers, which
  grows with every token; :func:`lightning_state_bytes` for lightning layers, which does not;
  :func:`latent_cache_bytes` for MLA; :func:`cache_bytes` of any :class:`Architecture`, and
  :func:`hybrid_cache_bytes` of a minimoe config.
- **FLOPs** (lesson 08): :func:`prefill_flops`, :func:`decode_flops` and
  :func:`generation_flops`, built from the per-layer :func:`attention_flops`,
  :func:`lightning_decode_flops` and :func:`lightning_prefill_flops`.

:class:`~minimoe.config.MiniMoEConfig` describes minimoe models; :class:`Architecture` also
describes DeepSeek's MLA layers, shared experts and dense first layers, and every FLOP and cache
function takes one (``Architecture.from_config(config)`` for a minimoe model).

**What is counted.** One multiply-add in a matrix product is 2 FLOPs, and every matrix product
is counted:

- the linear layers: 2 FLOPs per weight a token is multiplied by (q/k/v/output projections,
  lightning's output gate, MLA's low-rank projections, the router, the k routed experts plus any
  shared expert, dense feed-forward layers);
- attention itself: the scores QKᵀ and the weighted sum AV of softmax and MLA layers, and the
  state products of lightning layers (the state update kᵀv and the read-out qS);
- the LM head, 2·d·V at every position a forward pass computes logits for (minimoe and
  transformers compute them at every prompt position).

Not counted: elementwise work (norms, activations, softmax, RoPE, decays, gates, residual sums),
the router's top-k, and the embedding lookup (a gather, no arithmetic). Forward passes only;
training costs about three times as much (Kaplan's 6N per token is 2N forward plus 4N backward).

**Causal attention.** A decode step at context t attends to t + 1 keys (the cache and itself),
exactly. For a prefill of n tokens, ``causal=True`` counts only the (query, key) pairs with the
key not after the query: n(n+1)/2 pairs for softmax, B(B+1)/2 per lightning block. That is the
work a causal kernel must do. ``causal=False`` counts the full n×n score matrix and full B×B
blocks: what a dense kernel multiplies (minimoe's lightning kernel does, and so does softmax
attention on torch's math path) and what ``FlopCounterMode`` reports.

**Mixture of Experts.** Exactly k routed experts per token (dropless routing). With a capacity
factor that drops assignments, the count is an upper bound.

**MLA** (DeepSeek's multi-head latent attention) caches one latent vector c (512 numbers) plus a
64-number RoPE key per token and layer, instead of per-head keys and values. It can run in two
ways, both in DeepSeek-V3's ``inference/model.py`` (``attn_impl = "naive"`` or ``"absorb"``, the
default): *naive* expands every token's latent into 128 heads of keys and values once and caches
those (scores over 128 + 64 = 192 dims, values of 128); *absorbed* folds the expansion matrices
into the query and the output, caches only the latent, and attends over it (scores over
512 + 64 = 576 dims, values of 512). The weights each new token uses are the same; per token of
context the absorbed form does 1088/320 = 3.4 times the attention FLOPs of the naive one, in
exchange for a cache 71 times smaller (576 values per token and layer instead of
128 · (192 + 128) = 40,960). :attr:`Architecture.mla_form` chooses.

A softmax layer's decode step costs 2·H·(d_qk + d_v)·(t + 1) in attention, growing with the
context t; a lightning layer's costs 4·H·d² (update and read-out of its d×d state per head),
whatever t. For d_qk = d_v = d they are equal at t + 1 = d: beyond a context of one head
dimension (128 in M1), a lightning layer is the cheaper one.

Public shapes: :data:`ARCHITECTURES` (``"m1"``, ``"r1"``, ``"qwen3"``), each number with its
source. :func:`report_comparison` reproduces MiniMax-M1's claim against DeepSeek-R1 and says
where this accounting agrees with it and why it may not.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from minimoe.config import MiniMoEConfig

ATTENTION_KINDS = {"L": "lightning", "S": "softmax", "M": "mla"}
MLA_FORMS = ("absorbed", "naive")
STATE_BYTES = 4
"""Bytes per value of a lightning state: float32 whatever the model's dtype, as in M1's code."""


@dataclass(frozen=True)
class Architecture:
    """The shapes of a decoder that decide its FLOPs and its cache.

    :class:`~minimoe.config.MiniMoEConfig` describes minimoe models (use :meth:`from_config`);
    this also describes DeepSeek's MLA layers, shared experts and dense first layers.

    Attributes:
        name: a label for tables and plots.
        vocab_size: V.
        hidden_size: d_model, the width of the residual stream.
        num_layers: N.
        layer_pattern: one letter per attention kind, repeated over the layers: ``L``
            lightning, ``S`` softmax with grouped-query heads, ``M`` MLA.
        num_heads: attention heads H (query heads in S and M layers).
        head_dim: d_h of lightning and softmax heads (0 when there are none).
        num_kv_heads: key/value heads of softmax layers (0 when there are none).
        q_lora_rank, kv_lora_rank: MLA's query and key/value latent widths (q_lora_rank 0 means
            a plain query projection).
        qk_nope_dim, qk_rope_dim, v_head_dim: MLA's per-head query/key dims without and with
            RoPE, and its value dim.
        mla_form: ``"absorbed"`` or ``"naive"`` (see the module docstring).
        num_experts, top_k, expert_hidden: routed experts per MoE layer, experts per token,
            the hidden width of one SwiGLU expert.
        shared_experts: experts every token goes through, besides the routed ones.
        dense_layers, dense_hidden: the first ``dense_layers`` layers have one dense SwiGLU
            feed-forward of width ``dense_hidden`` instead of a Mixture of Experts.
        block_size: B, the lightning prefill tile.

    The LM head costs the same whether or not it shares the embedding matrix, so sharing is not
    described.
    """

    name: str
    vocab_size: int
    hidden_size: int
    num_layers: int
    layer_pattern: str
    num_heads: int
    num_experts: int
    top_k: int
    expert_hidden: int
    head_dim: int = 0
    num_kv_heads: int = 0
    q_lora_rank: int = 0
    kv_lora_rank: int = 0
    qk_nope_dim: int = 0
    qk_rope_dim: int = 0
    v_head_dim: int = 0
    mla_form: str = "absorbed"
    shared_experts: int = 0
    dense_layers: int = 0
    dense_hidden: int = 0
    block_size: int = 256

    def __post_init__(self) -> None:
        for name in ("vocab_size", "hidden_size", "num_layers", "num_heads", "block_size"):
            _check_positive(name, getattr(self, name))
        for name in ("num_experts", "top_k", "expert_hidden"):  # every model here is a MoE
            _check_positive(name, getattr(self, name))
        for name in (
            "head_dim",
            "num_kv_heads",
            "q_lora_rank",
            "kv_lora_rank",
            "qk_nope_dim",
            "qk_rope_dim",
            "v_head_dim",
            "shared_experts",
            "dense_layers",
            "dense_hidden",
        ):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
        unknown = sorted(set(self.layer_pattern) - set(ATTENTION_KINDS))
        if not self.layer_pattern or unknown:
            raise ValueError(
                f"layer_pattern {self.layer_pattern!r} must be a non-empty string of the letters "
                f"L (lightning), S (softmax) and M (MLA); unknown: {unknown}"
            )
        kinds = set(self.layer_pattern[: self.num_layers])
        if kinds & {"L", "S"} and not self.head_dim:
            raise ValueError("head_dim must be positive when there are lightning or softmax layers")
        if "S" in kinds:
            if not self.num_kv_heads or self.num_heads % self.num_kv_heads:
                raise ValueError(
                    f"num_kv_heads={self.num_kv_heads} must be positive and divide "
                    f"num_heads={self.num_heads} when there are softmax layers"
                )
        if "M" in kinds:
            for name in ("kv_lora_rank", "qk_nope_dim", "qk_rope_dim", "v_head_dim"):
                _check_positive(name, getattr(self, name))
        if self.mla_form not in MLA_FORMS:
            raise ValueError(f"mla_form must be one of {MLA_FORMS}, got {self.mla_form!r}")
        if self.top_k > self.num_experts:
            raise ValueError(f"top_k={self.top_k} exceeds num_experts={self.num_experts}")
        if self.dense_layers > self.num_layers:
            raise ValueError(
                f"dense_layers={self.dense_layers} exceeds num_layers={self.num_layers}"
            )
        if self.dense_layers and not self.dense_hidden:
            raise ValueError("dense_hidden must be positive when dense_layers > 0")

    @classmethod
    def from_config(cls, config: MiniMoEConfig, name: str = "minimoe") -> Architecture:
        """The architecture of a minimoe model (any config, paper-scale presets included)."""
        if not isinstance(config, MiniMoEConfig):
            raise TypeError(f"from_config expects a MiniMoEConfig, got {type(config).__name__}")
        return cls(
            name=name,
            vocab_size=config.vocab_size,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            layer_pattern=config.layer_pattern,
            num_heads=config.num_heads,
            head_dim=config.head_dim,
            num_kv_heads=config.num_kv_heads,
            num_experts=config.num_experts,
            top_k=config.top_k,
            expert_hidden=config.expert_hidden,
            block_size=config.block_size,
        )

    def replace(self, **changes: Any) -> Architecture:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    @property
    def layer_kinds(self) -> list[str]:
        """The letter (L, S or M) of each layer, the pattern repeated cyclically."""
        pattern = self.layer_pattern
        return [pattern[i % len(pattern)] for i in range(self.num_layers)]

    def count(self, kind: str) -> int:
        """How many layers are of ``kind`` (L, S or M)."""
        return self.layer_kinds.count(kind)


def _check_positive(name: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _check_non_negative(**values: int) -> None:
    for name, value in values.items():
        if value < 0:
            raise ValueError(f"{name} must be non-negative, got {value}")


# --------------------------------------------------------------------------------- parameters


def expert_parameters(hidden: int, intermediate: int) -> int:
    """Weights in one SwiGLU expert: w1 and w3 map hidden → intermediate, w2 maps back."""
    _check_non_negative(hidden=hidden, intermediate=intermediate)
    return 3 * hidden * intermediate


def attention_weights(arch: Architecture, kind: str) -> int:
    """The matrix weights one token is multiplied by in one attention layer of ``kind``.

    - L (lightning): fused q/k/v (3·d·w), output gate (d·w), output (w·d), with w = H·d_h;
    - S (softmax): q (d·w), k and v (d·kv·d_h each), output (w·d);
    - M (MLA): query down and up projections (or one plain one), the joint key/value down
      projection with the RoPE key (d·(c + d_rope)), the key/value up projection
      (c·H·(d_nope + d_v); the absorbed form multiplies the same matrix into the query and the
      output instead), and the output (H·d_v·d).
    """
    d = arch.hidden_size
    if kind == "L":
        width = arch.num_heads * arch.head_dim
        return 3 * d * width + d * width + width * d
    if kind == "S":
        width = arch.num_heads * arch.head_dim
        kv_width = arch.num_kv_heads * arch.head_dim
        return d * width + 2 * d * kv_width + width * d
    if kind == "M":
        heads, qk = arch.num_heads, arch.qk_nope_dim + arch.qk_rope_dim
        if arch.q_lora_rank:
            query = d * arch.q_lora_rank + arch.q_lora_rank * heads * qk
        else:
            query = d * heads * qk
        latent = d * (arch.kv_lora_rank + arch.qk_rope_dim)
        expand = arch.kv_lora_rank * heads * (arch.qk_nope_dim + arch.v_head_dim)
        return query + latent + expand + heads * arch.v_head_dim * d
    raise ValueError(f"kind must be one of {sorted(ATTENTION_KINDS)}, got {kind!r}")


def attention_parameters(config: MiniMoEConfig, layer_type: str) -> int:
    """Weights of one attention sublayer, ``"lightning"`` or ``"softmax"``, of ``config``:
    :func:`attention_weights`, plus, for lightning, the RMSNorm over all heads."""
    letters = {"lightning": "L", "softmax": "S"}
    if layer_type not in letters:
        raise ValueError(f"layer_type must be 'lightning' or 'softmax', got {layer_type!r}")
    norm = config.attention_width if layer_type == "lightning" else 0
    return attention_weights(Architecture.from_config(config), letters[layer_type]) + norm


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


# ------------------------------------------------------------------------ paper-scale shapes

# MiniMax-M1 = the MiniMax-Text-01 backbone; its numbers live once, in minimoe's preset, read
# from the released config.json (MiniMax-AI/MiniMax-M1 config.json): 80 layers, 7 lightning then
# 1 softmax; 64 heads of 128 (8 key/value heads in softmax layers); 32 experts, top-2, width
# 9216; vocabulary 200,064; no shared experts.
MINIMAX_M1 = Architecture.from_config(MiniMoEConfig.preset("minimax-m1"), name="MiniMax-M1")

# DeepSeek-R1 has DeepSeek-V3's architecture (DeepSeek-R1 README: "trained based on
# DeepSeek-V3-Base"). Every number is from deepseek-ai/DeepSeek-V3
# inference/configs/config_671B.json @9b4e9788. The multi-token-prediction module (11.5B
# parameters, README_WEIGHTS.md) is not part of plain decoding and is left out.
DEEPSEEK_R1 = Architecture(
    name="DeepSeek-R1",
    vocab_size=129280,  # vocab_size
    hidden_size=7168,  # dim
    num_layers=61,  # n_layers
    layer_pattern="M",  # MLA in every layer
    num_heads=128,  # n_heads
    q_lora_rank=1536,  # q_lora_rank
    kv_lora_rank=512,  # kv_lora_rank
    qk_nope_dim=128,  # qk_nope_head_dim
    qk_rope_dim=64,  # qk_rope_head_dim
    v_head_dim=128,  # v_head_dim
    mla_form="absorbed",  # inference/model.py: attn_impl = "absorb" by default
    num_experts=256,  # n_routed_experts
    top_k=8,  # n_activated_experts
    expert_hidden=2048,  # moe_inter_dim
    shared_experts=1,  # n_shared_experts
    dense_layers=3,  # n_dense_layers
    dense_hidden=18432,  # inter_dim
)

# Qwen3-235B-A22B. SECONDARY: Qwen's own config was not read. 94 layers, 64 query / 4 key-value
# heads and 128 experts with 8 active come from transcriptions of the Qwen3 blog's table; the
# head dim (128), hidden size (4096), expert width (1536) and vocabulary (151,936, untied) from
# a third-party training script (THUDM/slime scripts/models/qwen3-235B-A22B.sh, as copied in
# vllm-project/vime @b332ffc2: --kv-channels 128, --hidden-size 4096, --moe-ffn-hidden-size
# 1536, --vocab-size 151936, --untie-embeddings-and-output-weights). They give 22.2B active
# parameters, consistent with the name's "A22B".
QWEN3_235B = Architecture(
    name="Qwen3-235B-A22B",
    vocab_size=151936,  # secondary (training script)
    hidden_size=4096,  # secondary (training script)
    num_layers=94,  # secondary (blog table)
    layer_pattern="S",  # softmax GQA in every layer
    num_heads=64,  # secondary (blog table)
    head_dim=128,  # ASSUMED in our notes; 128 in the training script
    num_kv_heads=4,  # secondary (blog table)
    num_experts=128,  # secondary (blog table)
    top_k=8,  # secondary (blog table)
    expert_hidden=1536,  # secondary (training script)
)

ARCHITECTURES: dict[str, Architecture] = {"m1": MINIMAX_M1, "r1": DEEPSEEK_R1, "qwen3": QWEN3_235B}
SECONDARY = {"qwen3": "Qwen3-235B-A22B's shapes are secondary (head dim assumed to be 128)"}


def architecture(name: str) -> Architecture:
    """A paper-scale architecture by its short name: ``"m1"``, ``"r1"`` or ``"qwen3"``."""
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose one of {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name]


# ------------------------------------------------------------------------------ FLOP counts


@dataclass(frozen=True)
class FlopCount:
    """FLOPs of some work, by where they go (see the module docstring for what is counted).

    Attributes:
        projections: the attention layers' linear maps (q, k, v, output, gate, MLA's latents).
        attention: scores and weighted sums (softmax, MLA) and state products (lightning).
        ffn: routers, routed and shared experts, dense feed-forward layers.
        lm_head: the output projection to the vocabulary.
    """

    projections: int = 0
    attention: int = 0
    ffn: int = 0
    lm_head: int = 0

    @property
    def total(self) -> int:
        return self.projections + self.attention + self.ffn + self.lm_head

    def __add__(self, other: FlopCount) -> FlopCount:
        if not isinstance(other, FlopCount):
            return NotImplemented
        return FlopCount(*(a + b for a, b in zip(_fields(self), _fields(other))))

    def times(self, factor: int) -> FlopCount:
        """Every part multiplied by a whole number (e.g. tokens)."""
        return FlopCount(*(factor * value for value in _fields(self)))


def _fields(count: FlopCount) -> tuple[int, ...]:
    return dataclasses.astuple(count)


def attention_flops(heads: int, qk_dim: int, v_dim: int, pairs: int) -> int:
    """Scores and weighted sum of softmax-style attention: 2·H·(d_qk + d_v) per (query, key) pair.

    For one decode step at context t, pairs = t + 1; for a causal prefill of n tokens,
    n(n+1)/2; for a full n×n score matrix, n². MLA uses it with its own dims (see the module
    docstring); grouped-query heads change nothing here (every query head scores every key).
    """
    _check_non_negative(heads=heads, qk_dim=qk_dim, v_dim=v_dim, pairs=pairs)
    return 2 * heads * (qk_dim + v_dim) * pairs


def lightning_decode_flops(heads: int, head_dim: int) -> int:
    """One lightning decode step: 4·H·d² (the update S ← λS + kᵀv, 2·d² per head, counting
    the rank-one product as a matrix product, and the read-out qS, 2·d² per head). The decay
    λS is elementwise and not counted. Independent of the context length."""
    _check_non_negative(heads=heads, head_dim=head_dim)
    return 4 * heads * head_dim * head_dim


def lightning_prefill_flops(
    heads: int, head_dim: int, n: int, block_size: int, causal: bool = True
) -> int:
    """The blockwise (lightning) form over n tokens in blocks of B.

    Per head: inside each block of length L, the scores QKᵀ and their product with V, 2·2·d
    per (query, key) pair, over L(L+1)/2 pairs (causal) or L² (``causal=False``, the whole tile,
    as minimoe's kernel multiplies it); across blocks, the read-out Q·S and the state update
    K̃ᵀV, 2·d² per token each. A shorter last block counts its own length. minimoe's kernel
    also scans block states with one (m×m) product per run of m blocks; that is how it replaces
    a sequential loop, not work the algorithm needs, and is left out.
    """
    _check_non_negative(heads=heads, head_dim=head_dim, n=n)
    _check_positive("block_size", block_size)
    whole, tail = divmod(n, block_size)
    lengths = [block_size] * whole + ([tail] if tail else [])
    pairs = sum(length * (length + 1) // 2 if causal else length * length for length in lengths)
    return heads * (4 * head_dim * pairs + 4 * n * head_dim * head_dim)


def projection_flops_per_token(arch: Architecture, kind: str) -> int:
    """2 × :func:`attention_weights`: the linear maps of one attention layer, for one token."""
    return 2 * attention_weights(arch, kind)


def ffn_flops_per_token(arch: Architecture, layer: int) -> int:
    """2 × the feed-forward weights one token uses in layer ``layer`` (0-based).

    A dense layer: one SwiGLU of width dense_hidden, 3 matrices: 6·d·dense_hidden. A MoE layer:
    the router (2·d·E) plus top_k routed and all shared experts, 6·d·expert_hidden each.
    """
    d = arch.hidden_size
    if layer < arch.dense_layers:
        return 2 * expert_parameters(d, arch.dense_hidden)
    experts = arch.top_k + arch.shared_experts
    return 2 * d * arch.num_experts + experts * 2 * expert_parameters(d, arch.expert_hidden)


def _mla_dims(arch: Architecture) -> tuple[int, int]:
    """(d_qk, d_v) that MLA's attention runs over, in its chosen form."""
    if arch.mla_form == "absorbed":
        return arch.kv_lora_rank + arch.qk_rope_dim, arch.kv_lora_rank
    return arch.qk_nope_dim + arch.qk_rope_dim, arch.v_head_dim


def _per_token(arch: Architecture) -> FlopCount:
    """What every token costs whatever the context: projections, feed-forward, LM head."""
    projections = sum(projection_flops_per_token(arch, kind) for kind in arch.layer_kinds)
    ffn = sum(ffn_flops_per_token(arch, layer) for layer in range(arch.num_layers))
    return FlopCount(
        projections=projections, ffn=ffn, lm_head=2 * arch.hidden_size * arch.vocab_size
    )


def _attention(arch: Architecture, pairs: int, lightning: int) -> int:
    """Attention FLOPs of all layers, given the (query, key) pairs of softmax and MLA layers and
    the FLOPs of one lightning layer."""
    total = arch.count("L") * lightning
    if arch.count("S"):
        per_layer = attention_flops(arch.num_heads, arch.head_dim, arch.head_dim, pairs)
        total += arch.count("S") * per_layer
    if arch.count("M"):
        qk_dim, v_dim = _mla_dims(arch)
        total += arch.count("M") * attention_flops(arch.num_heads, qk_dim, v_dim, pairs)
    return total


def decode_flops(arch: Architecture, context: int) -> FlopCount:
    """FLOPs of one decode step: one new token when the cache already holds ``context`` tokens.

    The token attends to context + 1 keys in softmax and MLA layers; lightning layers cost
    :func:`lightning_decode_flops` whatever the context. Plus the token's projections,
    feed-forward and LM head (:class:`FlopCount` has the parts).
    """
    _check_non_negative(context=context)
    lightning = lightning_decode_flops(arch.num_heads, arch.head_dim) if arch.count("L") else 0
    attention = _attention(arch, context + 1, lightning)
    return _per_token(arch) + FlopCount(attention=attention)


def prefill_flops(arch: Architecture, n: int, causal: bool = True) -> FlopCount:
    """FLOPs of one forward pass over n tokens from an empty cache (logits at every position).

    Softmax and MLA layers score n(n+1)/2 (query, key) pairs when ``causal``, n² otherwise;
    lightning layers run :func:`lightning_prefill_flops` with the architecture's block size.
    """
    _check_non_negative(n=n)
    pairs = n * (n + 1) // 2 if causal else n * n
    lightning = 0
    if arch.count("L"):
        lightning = lightning_prefill_flops(
            arch.num_heads, arch.head_dim, n, arch.block_size, causal
        )
    return _per_token(arch).times(n) + FlopCount(attention=_attention(arch, pairs, lightning))


def generation_flops(arch: Architecture, new_tokens: int, prompt: int = 1) -> FlopCount:
    """Cumulative FLOPs to generate ``new_tokens`` after a prompt of ``prompt`` tokens.

    Exactly what :func:`minimoe.generation.generate` runs: one prefill of the prompt (whose last
    logits give the first new token), then new_tokens − 1 decode steps at contexts prompt,
    prompt + 1, …, prompt + new_tokens − 2. Causal prefill. Summed in closed form: a decode
    step's cost is a + b·context.
    """
    _check_non_negative(new_tokens=new_tokens)
    _check_positive("prompt", prompt)
    if new_tokens == 0:
        return FlopCount()
    steps = new_tokens - 1
    first = decode_flops(arch, prompt)
    per_context = decode_flops(arch, prompt + 1).attention - first.attention
    # Σ over the steps of (first + per_context · j), j = 0 … steps − 1.
    extra = per_context * steps * (steps - 1) // 2
    return prefill_flops(arch, prompt) + first.times(steps) + FlopCount(attention=extra)


# ---------------------------------------------------------------------------- cache memory


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


def latent_cache_bytes(num_layers: int, latent_dim: int, n: int, bytes_per_value: int = 2) -> int:
    """Bytes of an MLA latent cache after n tokens (one sequence): latent_dim values per token
    per layer (DeepSeek-R1: the 512-wide latent plus the 64-wide RoPE key, 576)."""
    _check_non_negative(
        num_layers=num_layers, latent_dim=latent_dim, n=n, bytes_per_value=bytes_per_value
    )
    return num_layers * latent_dim * n * bytes_per_value


@dataclass(frozen=True)
class CacheSize:
    """Bytes a generation keeps between steps, by kind.

    Attributes:
        kv: keys and values of softmax layers (and of MLA layers in the naive form).
        latent: MLA's latent vectors and RoPE keys (absorbed form).
        state: lightning states, float32, independent of the length.
    """

    kv: int = 0
    latent: int = 0
    state: int = 0

    @property
    def total(self) -> int:
        return self.kv + self.latent + self.state


def cache_bytes(
    arch: Architecture,
    tokens: int,
    batch: int = 1,
    bytes_per_value: int = 2,
    state_bytes: int = STATE_BYTES,
) -> CacheSize:
    """The cache of ``batch`` sequences after ``tokens`` tokens each.

    Softmax layers keep 2·kv·d_h values per token (:func:`kv_cache_bytes`); MLA layers
    d_c + d_rope per token (:func:`latent_cache_bytes`), or, in the naive form, per-head keys
    and values, H·(d_nope + d_rope + d_v); lightning layers one H×d×d state each, at
    ``state_bytes`` per value (:func:`lightning_state_bytes`). ``bytes_per_value`` is the
    model's dtype: 2 for bfloat16, 4 for float32.
    """
    _check_non_negative(tokens=tokens, batch=batch)
    kv = kv_cache_bytes(arch.count("S"), arch.num_kv_heads, arch.head_dim, tokens, bytes_per_value)
    latent = 0
    mla_layers = arch.count("M")
    if mla_layers and arch.mla_form == "absorbed":
        latent_dim = arch.kv_lora_rank + arch.qk_rope_dim
        latent = latent_cache_bytes(mla_layers, latent_dim, tokens, bytes_per_value)
    elif mla_layers:
        per_token = arch.num_heads * (arch.qk_nope_dim + arch.qk_rope_dim + arch.v_head_dim)
        kv += mla_layers * per_token * tokens * bytes_per_value
    state = lightning_state_bytes(arch.count("L"), arch.num_heads, arch.head_dim, state_bytes)
    return CacheSize(kv=batch * kv, latent=batch * latent, state=batch * state)


def hybrid_cache_bytes(
    config: MiniMoEConfig, seq_len: int, batch: int = 1, bytes_per_value: int = 4
) -> int:
    """Memory of a :class:`~minimoe.model.HybridCache` after ``seq_len`` tokens of ``batch``
    sequences: :func:`cache_bytes` of the config's architecture.

    - each lightning layer: one state per head, (batch, heads, head_dim, head_dim), in float32
      whatever the length;
    - each softmax layer: keys and values of every token, 2 × (batch, kv_heads, seq_len,
      head_dim), at ``bytes_per_value`` bytes each (the model's dtype: 4 for float32, 2 for
      bfloat16).
    """
    arch = Architecture.from_config(config)
    return cache_bytes(arch, seq_len, batch, bytes_per_value).total


# ------------------------------------------------------------------------ measured counts


def _in_place_product_flops(_accumulator, a, b, *_, out_shape=None, **__) -> int:
    """2·m·k·n for acc.addmm_(a, b) with a (m, k), b (k, n); the same per batch for baddbmm_."""
    return 2 * math.prod(a) * b[-1]


def counted_flops(fn: Callable[[], object]) -> int:
    """FLOPs that ``torch.utils.flop_counter.FlopCounterMode`` counts while ``fn()`` runs.

    The counter counts matrix products (mm, bmm, addmm, baddbmm, …) and the attention kernels
    it has a formula for. Two gaps are filled here: in-place products (``addmm_``,
    ``baddbmm_``, which minimoe's lightning kernel uses for the inter-block read-out) get the
    formula of their out-of-place twins; and torch's fused CPU attention kernel, which has no
    formula, is replaced by the math path, whose full score matrix is made of counted products
    (compare with ``causal=False``). Elementwise products stay uncounted, among them the
    rank-one state update kᵀv of a lightning decode step (2·H·d² per layer, which the analytic
    count includes).
    """
    import torch
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    in_place = {
        torch.ops.aten.addmm_: _in_place_product_flops,
        torch.ops.aten.baddbmm_: _in_place_product_flops,
    }
    counter = FlopCounterMode(display=False, custom_mapping=in_place)
    with sdpa_kernel(SDPBackend.MATH), counter:
        fn()
    return counter.get_total_flops()


# ------------------------------------------------------------------- M1 against R1, Qwen3

REPORT_LENGTHS = (32_768, 65_536, 100_000, 131_072)
"""Generation lengths of the comparison: 32K, 64K and 128K as powers of two, 100K as written."""


def comparison_rows(
    lengths: Sequence[int] = REPORT_LENGTHS,
    models: Sequence[str] = ("m1", "r1", "qwen3"),
    prompt: int = 1,
) -> list[dict[str, Any]]:
    """Cumulative generation FLOPs, one row ``{"model", "tokens", "flops"}`` per model and
    length (see :func:`generation_flops`)."""
    return [
        {"model": name, "tokens": n, "flops": generation_flops(architecture(name), n, prompt).total}
        for name in models
        for n in lengths
    ]


REPORT_CLAIMS = ((65_536, "less than 50%", 0.5), (100_000, "about 25%", 0.25))
"""MiniMax-M1's claims against DeepSeek-R1 (M1 report, arXiv 2506.13585): "less than 50% of
the FLOPs at a generation length of 64K tokens, and approximately 25% ... at ... 100K"."""


@dataclass(frozen=True)
class Comparison:
    """M1/R1 FLOP ratios under several accountings, and what they say about the report's claims.

    Attributes:
        lengths: generation lengths N.
        ratios: accounting label -> M1/R1 at each length.
        findings: sentences, every number in them computed here.
    """

    lengths: tuple[int, ...]
    ratios: dict[str, tuple[float, ...]]
    findings: tuple[str, ...]

    def text(self) -> str:
        """The ratio table and the findings, as printable text."""
        label_width = max(len(label) for label in self.ratios)
        head = " ".join(f"{n:>9,}" for n in self.lengths)
        lines = [f"{'M1/R1 FLOPs, generation length N':<{label_width}} {head}"]
        for label, values in self.ratios.items():
            lines.append(f"{label:<{label_width}} " + " ".join(f"{v:>9.3f}" for v in values))
        return "\n".join([*lines, "", *(f"- {finding}" for finding in self.findings)])


def _ratio(m1: Architecture, r1: Architecture, n: int, prompt: int, per_token: bool) -> float:
    if per_token:
        return decode_flops(m1, prompt + n - 1).total / decode_flops(r1, prompt + n - 1).total
    return generation_flops(m1, n, prompt).total / generation_flops(r1, n, prompt).total


def report_comparison(lengths: Sequence[int] = REPORT_LENGTHS, prompt: int = 1) -> Comparison:
    """Reproduce M1's FLOPs claim against R1 from the public shapes, and say where it holds.

    The accountings compared (all cumulative over the answer unless said otherwise):

    - R1 with absorbed MLA (what DeepSeek's inference code runs by default) and with naive MLA;
    - the cost of the single token at position N instead of the total over N tokens;
    - a long prompt (32K tokens) before the answer;
    - weights only (no attention): what the models cost apart from their context.

    ``prompt`` is the prompt length of the main rows (1: the answer is nearly all the context).
    """
    lengths = tuple(lengths)
    naive = DEEPSEEK_R1.replace(mla_form="naive")
    long_prompt = 32_768
    ratios = {
        "R1 absorbed MLA": tuple(
            _ratio(MINIMAX_M1, DEEPSEEK_R1, n, prompt, False) for n in lengths
        ),
        "R1 naive MLA": tuple(_ratio(MINIMAX_M1, naive, n, prompt, False) for n in lengths),
        "naive, cost of token N only": tuple(
            _ratio(MINIMAX_M1, naive, n, prompt, True) for n in lengths
        ),
        f"naive, after a {long_prompt:,}-token prompt": tuple(
            _ratio(MINIMAX_M1, naive, n, long_prompt, False) for n in lengths
        ),
    }
    m1_weights = decode_flops(MINIMAX_M1, 0)
    r1_weights = decode_flops(DEEPSEEK_R1, 0)
    weights_only = (m1_weights.total - m1_weights.attention) / (
        r1_weights.total - r1_weights.attention
    )
    ratios["weights only (no attention)"] = (weights_only,) * len(lengths)

    findings = []
    for n, claim, value in REPORT_CLAIMS:
        absorbed = _ratio(MINIMAX_M1, DEEPSEEK_R1, n, prompt, False)
        plain = _ratio(MINIMAX_M1, naive, n, prompt, False)
        token = _ratio(MINIMAX_M1, naive, n, prompt, True)
        if claim.startswith("less"):
            verdict = {2: "holds in both accountings", 1: "holds in one accounting only"}.get(
                (absorbed < value) + (plain < value), "does not hold"
            )
            findings.append(
                f"At {n:,} tokens the report says {claim}: we get {plain:.0%} with naive MLA and "
                f"{absorbed:.0%} with absorbed MLA, so the claim {verdict}."
            )
        else:
            candidates = {
                "naive MLA": plain,
                "absorbed MLA": absorbed,
                "the cost of the single token at that length": token,
            }
            closest = min(candidates, key=lambda label: abs(candidates[label] - value))
            findings.append(
                f"At {n:,} tokens the report says {claim}: we get {plain:.0%} (naive MLA), "
                f"{absorbed:.0%} (absorbed MLA), and {token:.0%} for the cost of the single token "
                f"at that length (naive MLA); {closest} comes closest."
            )
    share = {}
    for label, arch in (("M1", MINIMAX_M1), ("R1 naive", naive), ("R1 absorbed", DEEPSEEK_R1)):
        count = generation_flops(arch, 100_000, prompt)
        share[label] = count.attention / count.total
    m1_active = (m1_weights.projections + m1_weights.ffn) / 2e9
    r1_active = (r1_weights.projections + r1_weights.ffn) / 2e9
    findings.append(
        f"Attention decides it. Without attention M1 costs {weights_only:.2f}x R1 per token "
        f"({m1_active:.1f}B active weights per token against R1's {r1_active:.1f}B, plus their LM "
        f"heads), so all of M1's advantage comes from attention. Over 100,000 generated tokens, "
        f"attention is {share['R1 naive']:.0%} of R1's FLOPs with naive MLA, "
        f"{share['R1 absorbed']:.0%} with absorbed MLA, and {share['M1']:.0%} of M1's (its "
        f"{MINIMAX_M1.count('S')} softmax layers; its {MINIMAX_M1.count('L')} lightning layers "
        f"cost a constant 4·H·d² each per token)."
    )
    last = max(lengths)
    m1_total = generation_flops(MINIMAX_M1, last, prompt).total
    r1_total = generation_flops(naive, last, prompt).total
    r1_token = decode_flops(naive, prompt + last - 1).total
    findings.append(
        f"The report's Fig. 1 plots FLOPs in units of 1e16, up to 128K tokens. Our cumulative "
        f"totals at {last:,} tokens are {m1_total:.1e} (M1) and {r1_total:.1e} (R1, naive MLA); "
        f"the single token at that length costs R1 {r1_token:.1e}. The report does not say how "
        f"it counted, nor what prompt it assumed."
    )
    if 100_000 in lengths:
        before = ratios["R1 naive MLA"][lengths.index(100_000)]
        after = ratios[f"naive, after a {long_prompt:,}-token prompt"][lengths.index(100_000)]
        findings.append(
            f"The prompt matters: after a {long_prompt:,}-token prompt every R1 step also attends "
            f"to the prompt, and the 100,000-token ratio goes from {before:.0%} to {after:.0%} "
            f"(naive MLA)."
        )
    qk, v = _mla_dims(DEEPSEEK_R1)
    naive_qk, naive_v = _mla_dims(naive)
    findings.append(
        "Conventions that cannot move the ratios: 1 or 2 FLOPs per multiply-add; the causal half "
        "or the full score matrix (they differ only in a prefill, and the prompt here is short). "
        "Conventions that can: counting only QKᵀ (Kaplan et al.'s 2·n_layer·n_ctx·d_attn) drops "
        f"AV, {naive_v}/{naive_qk + naive_v} of R1's context term with naive MLA and 1/2 of M1's; "
        f"absorbed MLA multiplies R1's by {(qk + v) / (naive_qk + naive_v):.1f}."
    )
    findings.append(f"{SECONDARY['qwen3']}; hidden size and expert width from a training script.")
    return Comparison(lengths=lengths, ratios=ratios, findings=tuple(findings))


def plot_generation_flops(max_tokens: int = 131_072, prompt: int = 1, points: int = 65):
    """M1, R1 and Qwen3's cumulative generation FLOPs up to ``max_tokens`` (left, linear axes as
    in the report's Fig. 1, R1 in both MLA forms), and M1/R1 with the report's two claims
    (right). Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    _check_positive("max_tokens", max_tokens)
    _check_positive("points", points)
    lengths = sorted({max(1, round(max_tokens * i / points)) for i in range(1, points + 1)})
    curves = {
        "MiniMax-M1": MINIMAX_M1,
        "DeepSeek-R1 (absorbed MLA)": DEEPSEEK_R1,
        "DeepSeek-R1 (naive MLA)": DEEPSEEK_R1.replace(mla_form="naive"),
        "Qwen3-235B-A22B (secondary shapes)": QWEN3_235B,
    }
    totals = {
        label: [generation_flops(arch, n, prompt).total for n in lengths]
        for label, arch in curves.items()
    }
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
    thousands = [n / 1000 for n in lengths]
    colors = {}
    for label, values in totals.items():
        style = "--" if "naive" in label else "-"
        (line,) = left.plot(thousands, [v / 1e16 for v in values], style, label=label)
        colors[label] = line.get_color()
    left.set_xlabel("generated tokens (thousands)")
    left.set_ylabel("cumulative inference FLOPs (×10¹⁶)")
    left.set_title("FLOPs to generate an answer, from the public shapes")
    left.legend(fontsize="small")
    left.grid(alpha=0.3)
    m1 = totals["MiniMax-M1"]
    for label in ("DeepSeek-R1 (absorbed MLA)", "DeepSeek-R1 (naive MLA)"):
        style = "--" if "naive" in label else "-"
        ratios = [a / b for a, b in zip(m1, totals[label])]
        right.plot(thousands, ratios, style, color=colors[label], label=f"M1 / {label}")
    for n, claim, value in REPORT_CLAIMS:
        right.plot([n / 1000], [value], "kv" if claim.startswith("less") else "ko")
        right.annotate(
            f"report: {claim}",
            (n / 1000, value),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize="small",
        )
    right.set_ylim(0, 1)
    right.set_xlabel("generated tokens (thousands)")
    right.set_ylabel("M1 FLOPs / R1 FLOPs")
    right.set_title("M1 against R1, and the report's claims")
    right.legend(fontsize="small")
    right.grid(alpha=0.3)
    fig.tight_layout()
    return fig
