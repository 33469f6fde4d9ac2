"""Lesson 01 (attention and its cost): causal attention, one decoding step with a KV cache, and
how long a context's KV cache fits in a given memory."""

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
        "Four steps: score every key against every query, scale the scores so that their spread "
        "does not grow with the head size, hide the future from each query, and only then turn "
        "each row of scores into weights that sum to 1 and average the values with them.",
        "The scale is 1/sqrt(head_dim) of the queries and keys, not of the values. Build a "
        "(seq, seq) boolean mask that is True above the diagonal (torch.triu with diagonal=1) "
        "and fill those scores with -inf before the softmax over the last dimension: masking "
        "after the softmax leaves rows that no longer sum to 1.",
        "scores = q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1]); future = torch.ones(seq, "
        "seq, dtype=torch.bool).triu(diagonal=1); return torch.softmax(scores.masked_fill(future, "
        "float('-inf')), dim=-1) @ v",
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
        "The new token must see every earlier token and itself. Ask in which order you update "
        "the cache and attend, and whether anything in the cache could lie in the future.",
        "Append the new key and value to the cached ones along the sequence dimension (dim 2) "
        "first; then attend from q_t to every cached key with the usual 1/sqrt(head_dim) scale "
        "and softmax. No mask is needed. Return the output and a KVCache of the longer tensors.",
        "keys = torch.cat((cache.k, k_t), dim=2); values = torch.cat((cache.v, v_t), dim=2); "
        "weights = torch.softmax(q_t @ keys.transpose(-1, -2) / math.sqrt(q_t.shape[-1]), "
        "dim=-1); return weights @ values, KVCache(keys, values)",
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


# ------------------------------------------------------------------------ 01.tokens_that_fit


def tokens_that_fit(
    memory_bytes: int, num_layers: int, kv_heads: int, head_dim: int, bytes_per_value: int = 2
) -> int:
    """The longest context (whole tokens) whose KV cache, over ``num_layers`` softmax layers of
    one sequence, fits in ``memory_bytes``: memory // bytes per token."""
    per_token = kv_cache_bytes(num_layers, kv_heads, head_dim, 1, bytes_per_value)
    return memory_bytes // per_token


def _fit_keys_only(memory_bytes, num_layers, kv_heads, head_dim, bytes_per_value=2):
    return memory_bytes // (num_layers * kv_heads * head_dim * bytes_per_value)


def _fit_rounded_up(memory_bytes, num_layers, kv_heads, head_dim, bytes_per_value=2):
    per_token = kv_cache_bytes(num_layers, kv_heads, head_dim, 1, bytes_per_value)
    return -(-memory_bytes // per_token)


def _fit_fractional(memory_bytes, num_layers, kv_heads, head_dim, bytes_per_value=2):
    return memory_bytes / kv_cache_bytes(num_layers, kv_heads, head_dim, 1, bytes_per_value)


def _fit_counting_values(memory_bytes, num_layers, kv_heads, head_dim, bytes_per_value=2):
    return memory_bytes // (2 * num_layers * kv_heads * head_dim)


def _fit_one_layer(memory_bytes, num_layers, kv_heads, head_dim, bytes_per_value=2):
    return memory_bytes // kv_cache_bytes(1, kv_heads, head_dim, 1, bytes_per_value)


@exercise(
    "01.tokens_that_fit",
    reference=tokens_that_fit,
    hints=(
        "Work out what one more token costs: what does every softmax layer store for it, and "
        "for which heads? Then ask how many such tokens fit, counting only whole tokens.",
        "Per token, each softmax layer stores a key and a value, head_dim numbers each, for "
        "every key/value head (grouped-query attention caches only those), at bytes_per_value "
        "bytes per number. Divide the memory by those bytes per token and round down.",
        "per_token = 2 * num_layers * kv_heads * head_dim * bytes_per_value; "
        "return memory_bytes // per_token",
    ),
    wrong=[_fit_keys_only, _fit_rounded_up, _fit_fractional, _fit_counting_values, _fit_one_layer],
)
def _check_tokens_that_fit(candidate) -> None:
    cases = [
        (80 * 10**9, 10, 8, 128, 2),
        (184 * 10**9, 10, 8, 128, 2),
        (10**6, 4, 2, 16, 4),
        (1000, 1, 1, 64, 4),  # less than two tokens' worth
        (511, 1, 1, 64, 4),  # not even one token
    ]
    for args in cases:
        got = candidate(*args)
        want = tokens_that_fit(*args)
        assert got == want and float(got).is_integer(), (
            f"tokens_that_fit{args}: expected {want:,} whole tokens, got {got!r}"
        )
