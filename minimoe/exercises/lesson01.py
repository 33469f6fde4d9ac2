"""Lesson 01 (attention and its cost): causal attention, one decoding step with a KV cache, and
the size of a KV cache."""

from __future__ import annotations

import math

import torch

from minimoe.attention import KVCache, causal_softmax_attention
from minimoe.exercises import close, exercise
from minimoe.flops import kv_cache_bytes

# ---------------------------------------------------------------------- 01.causal_attention


def _attention_without_mask(q, k, v):
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    return torch.softmax(scores, dim=-1) @ v


def _attention_masked_after_softmax(q, k, v):
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    weights = torch.softmax(scores, dim=-1)
    seq = q.shape[2]
    future = torch.ones(seq, seq, dtype=torch.bool).triu(diagonal=1)
    return weights.masked_fill(future, 0.0) @ v  # the rows no longer sum to 1


def _attention_without_scale(q, k, v):
    scores = q @ k.transpose(-1, -2)
    seq = q.shape[2]
    future = torch.ones(seq, seq, dtype=torch.bool).triu(diagonal=1)
    return torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1) @ v


def _attention_scaled_by_d(q, k, v):
    scores = q @ k.transpose(-1, -2) / q.shape[-1]
    seq = q.shape[2]
    future = torch.ones(seq, seq, dtype=torch.bool).triu(diagonal=1)
    return torch.softmax(scores.masked_fill(future, float("-inf")), dim=-1) @ v


def _attention_hides_the_token_itself(q, k, v):
    scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])
    seq = q.shape[2]
    not_past = torch.ones(seq, seq, dtype=torch.bool).triu(diagonal=0)
    return torch.softmax(scores.masked_fill(not_past, float("-inf")), dim=-1) @ v


@exercise(
    "01.causal_attention",
    reference=causal_softmax_attention,
    hints=(
        "scores = q @ k.transpose(-1, -2) / sqrt(head_dim); set the scores of future keys "
        "(column s > row t, torch.triu(..., diagonal=1)) to -inf BEFORE the softmax over the last "
        "dim, so that each row's weights over the past sum to 1; then multiply by v.",
    ),
    wrong=[
        _attention_without_mask,
        _attention_masked_after_softmax,
        _attention_without_scale,
        _attention_scaled_by_d,
        _attention_hides_the_token_itself,
    ],
)
def _check_causal_attention(candidate) -> None:
    g = torch.Generator().manual_seed(1)
    # The last case has values of another width than the keys: the scale uses the keys' width.
    for batch, heads, seq, dim, v_dim in [(1, 1, 5, 4, 4), (2, 3, 7, 8, 8), (1, 2, 6, 16, 3)]:
        q = torch.randn(batch, heads, seq, dim, generator=g)
        k = torch.randn(batch, heads, seq, dim, generator=g)
        v = torch.randn(batch, heads, seq, v_dim, generator=g)
        what = f"attention output for q, k of shape {(batch, heads, seq, dim)}, v_dim {v_dim}"
        close(candidate(q, k, v), causal_softmax_attention(q, k, v), what, tol=1e-5)


# --------------------------------------------------------------------------- 01.decode_step


def decode_step(
    q_t: torch.Tensor, k_t: torch.Tensor, v_t: torch.Tensor, cache: KVCache
) -> tuple[torch.Tensor, KVCache]:
    """Attend from one new token to every cached token and to itself.

    Args:
        q_t, k_t: (batch, heads, 1, head_dim); v_t: (batch, heads, 1, v_dim): the new token.
        cache: the keys and values of the tokens before it, (batch, heads, past, ·) each.

    Returns:
        (o_t, cache): o_t (batch, heads, 1, v_dim) = softmax(q_t Kᵀ / sqrt(d)) V over the
        past and the new token; the cache with the new key and value appended.
    """
    cache = KVCache(torch.cat((cache.k, k_t), dim=2), torch.cat((cache.v, v_t), dim=2))
    scores = q_t @ cache.k.transpose(-1, -2) / math.sqrt(q_t.shape[-1])  # (batch, heads, 1, t)
    return torch.softmax(scores, dim=-1) @ cache.v, cache


def _decode_without_scale(q_t, k_t, v_t, cache):
    cache = KVCache(torch.cat((cache.k, k_t), dim=2), torch.cat((cache.v, v_t), dim=2))
    return torch.softmax(q_t @ cache.k.transpose(-1, -2), dim=-1) @ cache.v, cache


def _decode_overwrites_cache(q_t, k_t, v_t, cache):
    cache = KVCache(k_t, v_t)  # forgets the past instead of appending to it
    scores = q_t @ cache.k.transpose(-1, -2) / math.sqrt(q_t.shape[-1])
    return torch.softmax(scores, dim=-1) @ cache.v, cache


def _decode_attends_before_appending(q_t, k_t, v_t, cache):
    scores = q_t @ cache.k.transpose(-1, -2) / math.sqrt(q_t.shape[-1])
    o_t = torch.softmax(scores, dim=-1) @ cache.v  # the token does not see itself
    return o_t, KVCache(torch.cat((cache.k, k_t), dim=2), torch.cat((cache.v, v_t), dim=2))


@exercise(
    "01.decode_step",
    reference=decode_step,
    hints=(
        "First append the new key and value to the cache along the sequence dim "
        "(torch.cat(..., dim=2)), then attend from q_t to ALL cached keys: softmax(q_t @ K^T / "
        "sqrt(head_dim)) @ V. No causal mask is needed: every cached token is in the past. "
        "Return (o_t, KVCache(new_k, new_v)).",
    ),
    wrong=[
        _decode_without_scale,
        _decode_overwrites_cache,
        _decode_attends_before_appending,
    ],
)
def _check_decode_step(candidate) -> None:
    g = torch.Generator().manual_seed(2)
    for batch, heads, seq, dim, prefill in [(1, 2, 6, 4, 0), (2, 3, 9, 8, 4)]:
        q, k, v = (torch.randn(batch, heads, seq, dim, generator=g) for _ in range(3))
        full = causal_softmax_attention(q, k, v)
        # Start from a cache that already holds the first `prefill` tokens, then decode the rest.
        cache = KVCache(k[:, :, :prefill], v[:, :, :prefill])
        for t in range(prefill, seq):
            got = candidate(q[:, :, t : t + 1], k[:, :, t : t + 1], v[:, :, t : t + 1], cache)
            assert isinstance(got, tuple) and len(got) == 2, "return a tuple (o_t, cache)"
            o_t, cache = got
            close(o_t, full[:, :, t : t + 1], f"o_t at position {t} (full attention's row {t})")
            assert isinstance(cache, KVCache), "return the new cache as a KVCache(k, v)"
            close(cache.k, k[:, :, : t + 1], f"cached keys after position {t}")
            close(cache.v, v[:, :, : t + 1], f"cached values after position {t}")


# ------------------------------------------------------------------------ 01.kv_cache_bytes


@exercise(
    "01.kv_cache_bytes",
    reference=kv_cache_bytes,
    hints=(
        "Every softmax layer stores, for every token, one key AND one value vector "
        "(head_dim numbers) per key/value head: 2 * num_layers * kv_heads * head_dim * n values, "
        "times bytes_per_value.",
    ),
    wrong=[
        lambda layers, kv, d, n, b=2: layers * kv * d * n * b,
        lambda layers, kv, d, n, b=2: 2 * layers * kv * d * n,
        lambda layers, kv, d, n, b=2: 2 * layers * kv * d * n * n * b,
    ],
)
def _check_kv_cache_bytes(candidate) -> None:
    cases = [(10, 8, 128, 1_000_000, 2), (1, 1, 64, 512, 4), (4, 2, 16, 3000, 1)]
    for args in cases:
        close(candidate(*args), kv_cache_bytes(*args), f"kv_cache_bytes{args}", tol=1e-12)
