"""Softmax attention: the textbook form, RoPE, grouped-query heads, the KV cache and padding."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from minimoe.attention import (
    KVCache,
    SoftmaxAttention,
    apply_rope,
    causal_softmax_attention,
    rope_cos_sin,
    rotate_half,
)

FP32 = dict(atol=1e-5, rtol=1e-5)


def _layer(num_heads=4, num_kv_heads=2, head_dim=8, rotary_dim=4, hidden=16, seed=0):
    torch.manual_seed(seed)
    return SoftmaxAttention(hidden, num_heads, num_kv_heads, head_dim, rotary_dim).eval()


@settings(max_examples=30, deadline=None)
@given(
    batch=st.integers(1, 2),
    heads=st.integers(1, 3),
    seq=st.integers(1, 40),
    dim=st.integers(1, 16),
    seed=st.integers(0, 10_000),
)
def test_naive_equals_sdpa(batch, heads, seq, dim, seed):
    g = torch.Generator().manual_seed(seed)
    q, k, v = (torch.randn(batch, heads, seq, dim, generator=g) for _ in range(3))
    expected = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    torch.testing.assert_close(causal_softmax_attention(q, k, v), expected, **FP32)


def test_naive_is_causal():
    q, k, v = (torch.randn(1, 2, 6, 4) for _ in range(3))
    out = causal_softmax_attention(q, k, v)
    k2, v2 = k.clone(), v.clone()
    k2[:, :, 4:] += 1.0  # change the future of tokens 0..3
    v2[:, :, 4:] -= 1.0
    torch.testing.assert_close(causal_softmax_attention(q, k2, v2)[:, :, :4], out[:, :, :4])
    torch.testing.assert_close(out[:, :, 0], v[:, :, 0])  # token 0 sees only itself


# --- RoPE ------------------------------------------------------------------------------------


def test_rotate_half():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0])
    assert torch.equal(rotate_half(x), torch.tensor([-3.0, -4.0, 1.0, 2.0]))


@settings(max_examples=20, deadline=None)
@given(shift=st.integers(0, 1000), p=st.integers(0, 50), r=st.integers(0, 50))
def test_rope_scores_depend_only_on_distance(shift, p, r):
    g = torch.Generator().manual_seed(p * 100 + r)
    q, k = torch.randn(1, 1, 1, 12, generator=g), torch.randn(1, 1, 1, 12, generator=g)

    def score(at_q: int, at_k: int) -> torch.Tensor:
        cos_q, sin_q = rope_cos_sin(torch.tensor([at_q]), 8)
        cos_k, sin_k = rope_cos_sin(torch.tensor([at_k]), 8)
        return (apply_rope(q.double(), cos_q, sin_q) * apply_rope(k.double(), cos_k, sin_k)).sum()

    # cos and sin are float32 (as in HF), so agreement is to float32 precision
    torch.testing.assert_close(score(p + shift, r + shift), score(p, r), atol=1e-5, rtol=1e-5)


def test_partial_rope_leaves_the_other_dims_alone():
    x = torch.randn(2, 3, 5, 16)
    cos, sin = rope_cos_sin(torch.arange(5), 6)
    out = apply_rope(x, cos, sin)
    assert torch.equal(out[..., 6:], x[..., 6:])
    assert torch.equal(out[:, :, 0], x[:, :, 0])  # position 0: no rotation
    norms = out[..., :6].reshape(2, 3, 5, 2, 3).pow(2).sum(-2)  # pairs (p, p + 3)
    torch.testing.assert_close(norms, x[..., :6].reshape(2, 3, 5, 2, 3).pow(2).sum(-2))


@pytest.mark.parametrize("rotary_dim", [16, 8])
def test_rope_matches_hf(rotary_dim):
    transformers = pytest.importorskip("transformers")
    hf = pytest.importorskip("transformers.models.minimax.modeling_minimax")
    # HF's MiniMax rotates whole heads; a partial rotation is HF's rotation applied to the
    # first rotary_dim dims with frequencies for a head of rotary_dim (M1's own code).
    config = transformers.MiniMaxConfig(
        hidden_size=64,
        num_attention_heads=4,
        head_dim=rotary_dim,
        rope_parameters={"rope_type": "default", "rope_theta": 500.0},
    )
    positions = torch.arange(3, 12)
    cos_hf, sin_hf = hf.MiniMaxRotaryEmbedding(config)(torch.zeros(1), positions[None])
    q, k = torch.randn(2, 4, 9, 16), torch.randn(2, 4, 9, 16)
    q_hf, k_hf = hf.apply_rotary_pos_emb(q[..., :rotary_dim], k[..., :rotary_dim], cos_hf, sin_hf)
    cos, sin = rope_cos_sin(positions, rotary_dim, theta=500.0)
    torch.testing.assert_close(apply_rope(q, cos, sin)[..., :rotary_dim], q_hf)
    torch.testing.assert_close(apply_rope(k, cos, sin)[..., :rotary_dim], k_hf)


# --- the layer -------------------------------------------------------------------------------


def test_gqa_with_as_many_kv_heads_is_multi_head_attention():
    layer = _layer(num_heads=4, num_kv_heads=4)
    x = torch.randn(2, 7, 16)
    with torch.no_grad():
        out, _ = layer(x)
        q = layer.q_proj(x).view(2, 7, 4, 8).transpose(1, 2)
        k = layer.k_proj(x).view(2, 7, 4, 8).transpose(1, 2)
        v = layer.v_proj(x).view(2, 7, 4, 8).transpose(1, 2)
        cos, sin = rope_cos_sin(torch.arange(7), 4)
        o = causal_softmax_attention(apply_rope(q, cos, sin), apply_rope(k, cos, sin), v)
        expected = layer.o_proj(o.transpose(1, 2).reshape(2, 7, 32))
    torch.testing.assert_close(out, expected, **FP32)


def test_gqa_shares_each_kv_head_with_a_group_of_query_heads():
    layer = _layer(num_heads=6, num_kv_heads=2)
    x = torch.randn(1, 5, 16)
    with torch.no_grad():
        out, cache = layer(x)
        assert cache.k.shape == (1, 2, 5, 8) and cache.v.shape == (1, 2, 5, 8)
        q = layer.q_proj(x).view(1, 5, 6, 8).transpose(1, 2)
        cos, sin = rope_cos_sin(torch.arange(5), 4)
        q = apply_rope(q, cos, sin)
        # query heads 0-2 read kv head 0, heads 3-5 read kv head 1
        k, v = cache.k[:, [0, 0, 0, 1, 1, 1]], cache.v[:, [0, 0, 0, 1, 1, 1]]
        o = causal_softmax_attention(q, k, v)
        expected = layer.o_proj(o.transpose(1, 2).reshape(1, 5, 48))
    torch.testing.assert_close(out, expected, **FP32)


def test_cache_holds_post_rope_keys():
    layer = _layer()
    x = torch.randn(2, 6, 16)
    with torch.no_grad():
        _, cache = layer(x)
        k = layer.k_proj(x).view(2, 6, 2, 8).transpose(1, 2)
        cos, sin = rope_cos_sin(torch.arange(6), 4)
    assert isinstance(cache, KVCache) and cache.length == 6
    torch.testing.assert_close(cache.k, apply_rope(k, cos, sin))


def test_prefill_chunks_and_decode_equal_full_pass():
    layer = _layer()
    x = torch.randn(2, 20, 16)
    with torch.no_grad():
        full, full_cache = layer(x)
        out, cache = layer(x[:, :8])
        parts = [out]
        out, cache = layer(x[:, 8:14], cache)  # a second chunk: bottom-right causal mask
        parts.append(out)
        for t in range(14, 20):
            out, cache = layer(x[:, t : t + 1], cache)
            parts.append(out)
    torch.testing.assert_close(torch.cat(parts, dim=1), full, **FP32)
    torch.testing.assert_close(cache.k, full_cache.k, **FP32)
    assert cache.length == 20


def test_left_padding_changes_nothing_at_real_tokens():
    layer = _layer()
    lengths = [9, 3, 6]
    width = max(lengths)
    rows = [torch.randn(1, n, 16) for n in lengths]
    x = torch.randn(3, width, 16)
    mask = torch.zeros(3, width, dtype=torch.long)
    for i, row in enumerate(rows):
        x[i, width - lengths[i] :] = row[0]
        mask[i, width - lengths[i] :] = 1
    with torch.no_grad():
        batched, cache = layer(x, attention_mask=mask)
        assert torch.isfinite(batched).all()  # padded rows included
        next_x = torch.randn(3, 2, 16)
        full_mask = torch.cat([mask, torch.ones(3, 2, dtype=torch.long)], dim=1)
        step, _ = layer(next_x, cache, attention_mask=full_mask)
        for i, row in enumerate(rows):
            alone, alone_cache = layer(row)
            torch.testing.assert_close(batched[i, width - lengths[i] :], alone[0], **FP32)
            alone_step, _ = layer(next_x[i : i + 1], alone_cache)
            torch.testing.assert_close(step[i], alone_step[0], **FP32)
    with pytest.raises(ValueError, match="attention_mask"):
        layer(next_x, cache, attention_mask=mask)  # must cover the cached tokens too


def test_layer_matches_hf_port():
    transformers = pytest.importorskip("transformers")
    hf = pytest.importorskip("transformers.models.minimax.modeling_minimax")
    config = transformers.MiniMaxConfig(
        hidden_size=16,
        num_attention_heads=4,
        num_key_value_heads=2,
        head_dim=8,
        rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
        attn_implementation="eager",
    )
    theirs = hf.MiniMaxAttention(config, layer_idx=0).eval()
    ours = _layer(rotary_dim=8)  # HF rotates the whole head
    assert {n: p.shape for n, p in theirs.named_parameters()} == {
        n: p.shape for n, p in ours.named_parameters()
    }
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(2, 7, 16)
    causal = torch.full((7, 7), torch.finfo(torch.float32).min).triu(1)[None, None]
    with torch.no_grad():
        position_embeddings = hf.MiniMaxRotaryEmbedding(config)(x, torch.arange(7)[None])
        expected, _ = theirs(x, position_embeddings, causal)
        out, _ = ours(x)
    torch.testing.assert_close(out, expected, **FP32)


@pytest.mark.parametrize(
    "args",
    [
        (16, 4, 3, 8, 4),  # heads not a multiple of kv heads
        (16, 4, 2, 8, 5),  # odd rotary_dim
        (16, 4, 2, 8, 10),  # rotary_dim > head_dim
    ],
)
def test_bad_configuration_raises(args):
    with pytest.raises(ValueError):
        SoftmaxAttention(*args)


def _kv(batch=2, heads=2, seq=3, dim=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    return (torch.randn(batch, heads, seq, dim, generator=g) for _ in range(2))


def test_kv_cache_append_writes_in_place_once_room_is_reserved():
    k, v = _kv()
    cache = KVCache(k, v).reserve(10)
    buffer = cache.k.data_ptr()
    for step in range(7):
        k_t, v_t = _kv(seq=1, seed=step + 1)
        longer = cache.append(k_t, v_t)
        assert longer.k.data_ptr() == buffer, "a reserved cache must not be copied"
        torch.testing.assert_close(longer.k, torch.cat((cache.k, k_t), dim=2))
        torch.testing.assert_close(longer.v, torch.cat((cache.v, v_t), dim=2))
        cache = longer
    assert cache.length == 10 and cache.capacity == 10
    assert cache.nbytes == 2 * 2 * 2 * 10 * 4 * 4  # keys and values of the 10 tokens, float32


def test_kv_cache_grows_when_full_and_counts_only_its_tokens():
    k, v = _kv()
    cache = KVCache(k, v)
    for step in range(20):
        cache = cache.append(*_kv(seq=1, seed=step + 1))
    assert cache.length == 23 and cache.capacity >= 23
    assert cache.nbytes == cache.k.nbytes + cache.v.nbytes == 2 * 2 * 2 * 23 * 4 * 4


def test_two_continuations_of_one_cache_do_not_overwrite_each_other():
    k, v = _kv()
    prefix = KVCache(k, v).reserve(8)
    a_k, a_v = _kv(seq=1, seed=11)
    b_k, b_v = _kv(seq=1, seed=12)
    a = prefix.append(a_k, a_v)
    b = prefix.append(b_k, b_v)  # a second branch from the same prefix
    torch.testing.assert_close(a.k[:, :, -1:], a_k)
    torch.testing.assert_close(b.k[:, :, -1:], b_k)
    torch.testing.assert_close(b.v[:, :, :3], v)
    assert prefix.length == 3  # the prefix itself is unchanged


def test_kv_cache_refuses_keys_of_another_shape():
    k, v = _kv()
    with pytest.raises(ValueError, match="do not fit"):
        KVCache(k, v).append(*_kv(heads=3, seq=1))
    with pytest.raises(ValueError, match="batch, kv_heads, seq, head_dim"):
        KVCache(k[0], v[0])
