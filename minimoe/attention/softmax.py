"""Causal softmax attention with grouped-query heads, partial RoPE and a KV cache.

M1 keeps one softmax layer after every seven lightning layers: it can look up any earlier token
exactly, which a fixed-size lightning state cannot. Shapes are ``(batch, heads, seq, head_dim)``.

    A = softmax(Q Kᵀ / sqrt(d) + causal mask),   O = A V

RoPE (rotary position embedding) rotates pairs of query and key dimensions by an angle that grows
with the position, so that q_t·k_s depends only on t − s. M1 rotates only the first
``rotary_dim`` dims of each head (64 of 128) and leaves the rest position-free.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn


class KVCache:
    """Keys and values of the tokens seen so far, for one softmax layer.

    ``KVCache(k, v)`` holds k, v of shape (batch, kv_heads, seq_so_far, head_dim), keys after
    RoPE. :meth:`append` returns the cache one or more tokens longer. Decoding appends one token
    per step, and copying the whole cache each time (``torch.cat``) would make step t cost O(t)
    in memory traffic alone, so the keys and values live in a buffer with room to spare and
    ``append`` writes the new token into it. :meth:`reserve` sets that room once, when the final
    length is known (``generate`` knows it).

    A cache stays valid after ``append``: the new cache writes only past the old one's end, and
    if two caches are extended from the same one (two continuations of one prefix), the second
    gets its own copy instead of overwriting the first's tokens.

    Attributes:
        k: (batch, kv_heads, length, head_dim), a view of the cached keys.
        v: (batch, kv_heads, length, head_dim), the cached values.
    """

    def __init__(self, k: torch.Tensor, v: torch.Tensor) -> None:
        if k.ndim != 4 or v.shape[:3] != k.shape[:3]:
            raise ValueError(
                "k and v must be (batch, kv_heads, seq, head_dim) with matching first three "
                f"dims, got {tuple(k.shape)} and {tuple(v.shape)}"
            )
        self._init(k, v, k.shape[2], [k.shape[2]])

    def _init(self, k_buf: torch.Tensor, v_buf: torch.Tensor, length: int, filled: list) -> None:
        self._k, self._v, self._length = k_buf, v_buf, length
        self._filled = filled  # shared by the caches on one buffer: how far it has been written

    @property
    def k(self) -> torch.Tensor:
        return self._k[:, :, : self._length]

    @property
    def v(self) -> torch.Tensor:
        return self._v[:, :, : self._length]

    @property
    def length(self) -> int:
        """Tokens cached so far (padding included): the position of the next token."""
        return self._length

    @property
    def capacity(self) -> int:
        """Tokens the buffer holds before :meth:`append` must reallocate."""
        return self._k.shape[2]

    @property
    def nbytes(self) -> int:
        """Memory held by the cached keys and values, in bytes (like ``torch.Tensor.nbytes``).

        It counts the ``length`` cached tokens, what :mod:`minimoe.flops` computes; spare room
        reserved for later tokens is in :attr:`capacity`.
        """
        return self.k.nbytes + self.v.nbytes

    def reserve(self, total: int) -> KVCache:
        """Make room for ``total`` tokens in all (no copy later while the cache stays within it)."""
        if total > self.capacity:
            self._grow(total)
        return self

    def _grow(self, capacity: int) -> None:
        k_buf, v_buf = (t.new_empty(*t.shape[:2], capacity, t.shape[3]) for t in (self._k, self._v))
        k_buf[:, :, : self._length] = self.k
        v_buf[:, :, : self._length] = self.v
        self._init(k_buf, v_buf, self._length, [self._length])

    def append(self, k_new: torch.Tensor, v_new: torch.Tensor) -> KVCache:
        """A cache of these tokens followed by ``k_new``, ``v_new`` (batch, kv_heads, n, head_dim).

        Writes into the spare room of the buffer when this cache ends where the buffer was last
        written; otherwise (no room, or another cache was already extended from this one) copies
        into a new buffer with room for about half as many tokens again.
        """
        if k_new.shape[:2] != self._k.shape[:2] or k_new.shape[3] != self._k.shape[3]:
            raise ValueError(
                f"new keys {tuple(k_new.shape)} do not fit a cache of shape {tuple(self.k.shape)}"
            )
        end = self._length + k_new.shape[2]
        if self._filled[0] != self._length or end > self.capacity:
            self._grow(max(end, self._length + self._length // 2 + 16))
        self._k[:, :, self._length : end] = k_new
        self._v[:, :, self._length : end] = v_new
        self._filled[0] = end
        longer = object.__new__(KVCache)
        longer._init(self._k, self._v, end, self._filled)
        return longer


def causal_softmax_attention(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """The textbook form, with the full (seq × seq) score matrix and an explicit causal mask.

    Args:
        q, k: (batch, heads, seq, head_dim); v: (batch, heads, seq, v_dim).

    Returns:
        (batch, heads, seq, v_dim): row t is Σ_{s≤t} softmax_s(q_t·k_s / sqrt(d)) v_s.
    """
    if q.ndim != 4 or k.shape != q.shape or v.shape[:3] != q.shape[:3]:
        raise ValueError(
            "q, k, v must be (batch, heads, seq, head_dim) with matching batch, heads and seq; "
            f"got {tuple(q.shape)}, {tuple(k.shape)}, {tuple(v.shape)}"
        )
    seq = q.shape[2]
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])  # (batch, heads, seq, seq)
    future = torch.ones(seq, seq, dtype=torch.bool, device=q.device).triu(diagonal=1)
    scores = scores.masked_fill(future, float("-inf"))
    weights = torch.softmax(scores.float(), dim=-1).to(q.dtype)
    return weights @ v


def rope_cos_sin(
    positions: torch.Tensor, rotary_dim: int, theta: float = 10000.0
) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin of the rotation angles, each (len(positions), rotary_dim), float32.

    Pair p (0 ≤ p < rotary_dim/2) turns at frequency θ^(−2p/rotary_dim) radians per position.
    Following the "rotate half" layout of HF and M1, dims p and p + rotary_dim/2 form pair p,
    so the angles are laid out twice: [angles | angles].
    """
    if rotary_dim <= 0 or rotary_dim % 2:
        raise ValueError(f"rotary_dim must be a positive even number, got {rotary_dim}")
    inv_freq = 1.0 / (theta ** (torch.arange(0, rotary_dim, 2, dtype=torch.float32) / rotary_dim))
    angles = positions.float()[:, None] * inv_freq.to(positions.device)  # (seq, rotary_dim/2)
    angles = torch.cat((angles, angles), dim=-1)
    return angles.cos(), angles.sin()


def rotate_half(x: torch.Tensor) -> torch.Tensor:
    """[x1 | x2] -> [−x2 | x1]: a 90° turn of every pair (x1[p], x2[p])."""
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate the first rotary_dim dims of every head of x; pass the other dims through.

    Args:
        x: (batch, heads, seq, head_dim).
        cos, sin: (seq, rotary_dim) from :func:`rope_cos_sin`, rotary_dim ≤ head_dim.

    Returns:
        x with dims [:rotary_dim] rotated, same shape and dtype (cos and sin are cast to x's
        dtype first, as HF does).
    """
    rotary_dim = cos.shape[-1]
    if rotary_dim > x.shape[-1]:
        raise ValueError(f"rotary_dim {rotary_dim} exceeds head_dim {x.shape[-1]}")
    cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    turned, passed = x[..., :rotary_dim], x[..., rotary_dim:]
    turned = turned * cos + rotate_half(turned) * sin
    return torch.cat((turned, passed), dim=-1)


class SoftmaxAttention(nn.Module):
    """Grouped-query causal attention with partial RoPE, named like HF's MiniMaxAttention.

    ``num_heads`` query heads share ``num_kv_heads`` key/value heads: query head i reads kv head
    i // (num_heads / num_kv_heads). With num_kv_heads = num_heads this is multi-head attention.

    Note: HF's port rotates the whole head (it has no rotary_dim); M1's own code rotates the
    first rotary_dim dims. With rotary_dim = head_dim the two agree.
    """

    def __init__(
        self,
        hidden_size: int,
        num_heads: int,
        num_kv_heads: int,
        head_dim: int,
        rotary_dim: int,
        rope_theta: float = 10000.0,
    ) -> None:
        super().__init__()
        if min(hidden_size, num_heads, num_kv_heads, head_dim) <= 0:
            raise ValueError("hidden_size, num_heads, num_kv_heads and head_dim must be positive")
        if num_heads % num_kv_heads:
            raise ValueError(
                f"num_heads ({num_heads}) must be a multiple of num_kv_heads ({num_kv_heads})"
            )
        if rotary_dim <= 0 or rotary_dim % 2 or rotary_dim > head_dim:
            raise ValueError(
                f"rotary_dim must be even and in [2, head_dim={head_dim}], got {rotary_dim}"
            )
        self.num_heads = num_heads
        self.num_kv_heads = num_kv_heads
        self.head_dim = head_dim
        self.rotary_dim = rotary_dim
        self.rope_theta = rope_theta
        self.q_proj = nn.Linear(hidden_size, num_heads * head_dim, bias=False)
        self.k_proj = nn.Linear(hidden_size, num_kv_heads * head_dim, bias=False)
        self.v_proj = nn.Linear(hidden_size, num_kv_heads * head_dim, bias=False)
        self.o_proj = nn.Linear(num_heads * head_dim, hidden_size, bias=False)

    def forward(
        self,
        x: torch.Tensor,
        cache: KVCache | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, KVCache]:
        """Attend from the new tokens x to the cached and the new tokens.

        Args:
            x: (batch, seq, hidden); its tokens sit at positions cache.length, …, + seq − 1.
            cache: the :class:`KVCache` an earlier call returned, or None.
            attention_mask: (batch, cache.length + seq), 1 for real tokens and 0 for left
                padding, over the cached and the new tokens; None if nothing is padded. Padded
                keys are never attended to. Positions count the pad slots too; RoPE depends
                only on distances, so real tokens get what the unpadded sequence gives.

        Returns:
            (out, cache): out (batch, seq, hidden); the cache extended by the new keys/values.
            Outputs at padded positions are finite but meaningless.
        """
        if x.ndim != 3:
            raise ValueError(f"x must be (batch, seq, hidden), got shape {tuple(x.shape)}")
        batch, seq, _ = x.shape
        past = 0 if cache is None else cache.length
        q = self.q_proj(x).view(batch, seq, self.num_heads, self.head_dim).transpose(1, 2)
        k = self.k_proj(x).view(batch, seq, self.num_kv_heads, self.head_dim).transpose(1, 2)
        v = self.v_proj(x).view(batch, seq, self.num_kv_heads, self.head_dim).transpose(1, 2)

        positions = torch.arange(past, past + seq, device=x.device)
        cos, sin = rope_cos_sin(positions, self.rotary_dim, self.rope_theta)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        new_cache = KVCache(k, v) if cache is None else cache.append(k, v)
        k, v = new_cache.k, new_cache.v

        # Grouped-query attention: kv head j serves query heads j·groups, …, (j+1)·groups − 1.
        # SDPA's enable_gqa reads each kv head for its whole group, without copying the cache
        # once per query head (repeat_interleave would, at every decode step).
        allowed = self._allowed(batch, seq, past, attention_mask, x.device)
        gqa = self.num_heads != self.num_kv_heads
        if allowed is None:  # no padding: SDPA's own causal mask (or none, for one new token)
            o = F.scaled_dot_product_attention(q, k, v, is_causal=past == 0, enable_gqa=gqa)
        else:
            o = F.scaled_dot_product_attention(q, k, v, attn_mask=allowed, enable_gqa=gqa)
        o = o.transpose(1, 2).reshape(batch, seq, self.num_heads * self.head_dim)
        return self.o_proj(o), new_cache

    @staticmethod
    def _allowed(
        batch: int,
        seq: int,
        past: int,
        attention_mask: torch.Tensor | None,
        device: torch.device,
    ) -> torch.Tensor | None:
        """Boolean (batch or 1, 1, seq, past + seq): may query t attend to key s?

        None when no mask is needed beyond SDPA's built-in causal one: no padding, and either
        no cache (causal) or a single new token (it may see every cached key).
        """
        total = past + seq
        if attention_mask is None and (past == 0 or seq == 1):
            return None
        query_pos = torch.arange(past, total, device=device)[:, None]
        key_pos = torch.arange(total, device=device)[None, :]
        allowed = (key_pos <= query_pos)[None, None]  # causal, aligned to the newest token
        if attention_mask is None:
            return allowed
        if attention_mask.shape != (batch, total):
            raise ValueError(
                f"attention_mask must be (batch, cache length + seq) = {(batch, total)}, "
                f"got {tuple(attention_mask.shape)}"
            )
        real_key = attention_mask.bool()[:, None, None, :]
        # A padded query has no real key before it; letting it see itself keeps its softmax
        # finite (its output is discarded anyway).
        return allowed & (real_key | (key_pos == query_pos))
