"""Lightning attention's reference forms compute the same thing, and the layer matches HF's port.

The fast kernels are held equal to these forms in tests/test_kernels.py.
"""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minimoe.attention import (
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

FP32 = dict(atol=1e-5, rtol=1e-5)


# The plain reference and the fast kernels: what every test below holds for both.
BLOCKWISE = [lightning_attention_blockwise, lightning_attention_fast]


def _qkv(batch, heads, seq, dim, v_dim=None, seed=0, dtype=torch.float32):
    """Inputs in the range SiLU gives the layer: mostly small, some negative."""
    g = torch.Generator().manual_seed(seed)
    shapes = [(batch, heads, seq, dim)] * 2 + [(batch, heads, seq, v_dim or dim)]
    return [torch.nn.functional.silu(torch.randn(s, generator=g)).to(dtype) for s in shapes]


def _slopes(heads, seed=0):
    """Slopes spanning fast forgetting (s=2) to almost none (s=1e-4)."""
    g = torch.Generator().manual_seed(seed)
    return torch.exp(torch.empty(heads).uniform_(math.log(1e-4), math.log(2.0), generator=g))


# --- slopes and the decay mask ---------------------------------------------------------------


def test_slopes_formula():
    s = lightning_slopes(8, 0, 4)
    expected = torch.tensor([2 ** (-8 * h / 8) for h in range(1, 9)]) * (1 + 1e-5)
    torch.testing.assert_close(s, expected)
    assert s.dtype == torch.float32
    last = lightning_slopes(8, 3, 4)
    assert (last > 0).all() and (last < 1e-4).all()  # the last layer barely forgets


@pytest.mark.parametrize(
    "heads,layer_idx,num_layers", [(8, 0, 4), (8, 3, 4), (6, 2, 5), (64, 78, 80), (4, 0, 1)]
)
def test_slopes_match_hf_bit_for_bit(heads, layer_idx, num_layers):
    hf = pytest.importorskip("transformers.models.minimax.modeling_minimax")
    config = pytest.importorskip("transformers").MiniMaxConfig(
        hidden_size=8 * heads,
        num_attention_heads=heads,
        head_dim=8,
        num_hidden_layers=num_layers,
        block_size=4,
        layer_types=["linear_attention"] * num_layers,
    )
    theirs = hf.MiniMaxLightningAttention(config, layer_idx).slope_rate.flatten()
    assert torch.equal(lightning_slopes(heads, layer_idx, num_layers), theirs)


@pytest.mark.parametrize("args", [(0, 0, 2), (4, 2, 2), (4, -1, 2), (4, 0, 0)])
def test_slopes_reject_bad_arguments(args):
    with pytest.raises(ValueError):
        lightning_slopes(*args)


def test_decay_mask_values():
    s = torch.tensor([0.5, 0.01])
    m = decay_mask(5, s)
    assert m.shape == (2, 5, 5)
    assert torch.equal(m.triu(1), torch.zeros(2, 5, 5))
    torch.testing.assert_close(m[0, 4, 1], torch.exp(torch.tensor(-1.5)))
    torch.testing.assert_close(m.diagonal(dim1=1, dim2=2), torch.ones(2, 5))
    big = decay_mask(3000, torch.tensor([5.0]))  # λ^2999 underflows to 0, never overflows
    assert torch.isfinite(big).all() and big.max() == 1


# --- all forms agree -------------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(
    batch=st.integers(1, 2),
    heads=st.integers(1, 3),
    seq=st.integers(0, 70),
    dim=st.integers(1, 8),
    v_dim=st.integers(1, 6),
    block=st.integers(1, 40),
    seed=st.integers(0, 10_000),
)
def test_forms_agree(batch, heads, seq, dim, v_dim, block, seed):
    q, k, v = _qkv(batch, heads, seq, dim, v_dim, seed)
    s = _slopes(heads, seed)
    naive = lightning_attention_naive(q, k, v, s)
    recurrent, state_r = lightning_attention_recurrent(q, k, v, s)
    blockwise, state_b = lightning_attention_blockwise(q, k, v, s, block_size=block)
    assert blockwise.shape == (batch, heads, seq, v_dim)
    assert state_b.shape == (batch, heads, dim, v_dim) and state_b.dtype == torch.float32
    torch.testing.assert_close(recurrent, naive, **FP32)
    torch.testing.assert_close(blockwise, naive, **FP32)
    torch.testing.assert_close(state_b, state_r, **FP32)


@settings(max_examples=25, deadline=None)
@given(
    seq=st.integers(1, 60),
    block=st.integers(1, 24),
    seed=st.integers(0, 10_000),
)
def test_blockwise_continues_from_a_state_as_the_recurrence_does(seq, block, seed):
    q, k, v = _qkv(2, 2, seq, 4, 3, seed)
    s = _slopes(2, seed)
    state = torch.randn(2, 2, 4, 3, generator=torch.Generator().manual_seed(seed))
    recurrent, state_r = lightning_attention_recurrent(q, k, v, s, state)
    blockwise, state_b = lightning_attention_blockwise(q, k, v, s, block, state)
    torch.testing.assert_close(blockwise, recurrent, **FP32)
    torch.testing.assert_close(state_b, state_r, **FP32)
    # the state's contribution in closed form: o_t = naive_t + λ^(t+1) q_t S
    decay = torch.exp(-s[:, None] * torch.arange(1, seq + 1))[None, :, :, None]
    expected = lightning_attention_naive(q, k, v, s) + decay * (q @ state)
    torch.testing.assert_close(blockwise, expected, atol=1e-4, rtol=1e-4)


def test_one_block_step_is_the_blockwise_form_of_one_block():
    q, k, v = _qkv(2, 3, 9, 4, 5, seed=7)
    s = _slopes(3, 7)
    state = torch.randn(2, 3, 4, 5, generator=torch.Generator().manual_seed(7))
    decays = block_decays(s, 9)
    assert decays.query.shape == decays.key.shape == (3, 9, 1)
    assert decays.mask.shape == (3, 9, 9) and decays.block.shape == (3, 1, 1)
    torch.testing.assert_close(decays.query[:, -1], decays.block[:, 0])  # λ^B for the last row
    torch.testing.assert_close(decays.key[:, -1], torch.ones(3, 1))  # the last key is fresh
    step = lightning_block_step(q, k, v, decays, state)
    whole = lightning_attention_blockwise(q, k, v, s, block_size=9, state=state)
    for got, want in zip(step, whole):
        torch.testing.assert_close(got, want, **FP32)


@pytest.mark.parametrize("block", [1, 7, 16, 64, 100])
def test_blockwise_matches_float64_reference(block):
    q, k, v = _qkv(2, 3, 150, 16, seed=1)
    s = lightning_slopes(3, 1, 4)
    reference = lightning_attention_naive(q.double(), k.double(), v.double(), s)
    out, _ = lightning_attention_blockwise(q, k, v, s, block_size=block)
    # float32 against exact: 150 accumulations (block 1 is the plain recurrence) cost ~1e-5
    torch.testing.assert_close(out, reference.float(), atol=2e-5, rtol=1e-5)


def test_blockwise_gradients_match_naive_over_several_blocks():
    # Training differentiates through the blocks: autograd must pass the state across them.
    q, k, v = (t.requires_grad_() for t in _qkv(2, 2, 150, 8, seed=3))
    s = torch.tensor([0.3, 1e-3])
    weights = torch.randn(2, 2, 150, 8)
    out, _ = lightning_attention_blockwise(q, k, v, s, block_size=32)
    grads = torch.autograd.grad((out * weights).sum(), (q, k, v))
    reference = lightning_attention_naive(q, k, v, s)
    expected = torch.autograd.grad((reference * weights).sum(), (q, k, v))
    for got, want in zip(grads, expected):
        torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("blockwise", BLOCKWISE)
@settings(max_examples=25, deadline=None)
@given(
    seq=st.integers(2, 60),
    cut_fraction=st.floats(0.0, 1.0),
    block=st.integers(1, 24),
    seed=st.integers(0, 10_000),
)
def test_chunked_prefill_equals_one_prefill(blockwise, seq, cut_fraction, block, seed):
    q, k, v = _qkv(2, 2, seq, 4, seed=seed)
    s = _slopes(2, seed)
    cut = int(cut_fraction * seq)
    whole, state = blockwise(q, k, v, s, block_size=block)
    first, mid = blockwise(q[:, :, :cut], k[:, :, :cut], v[:, :, :cut], s, block_size=block)
    second, end = blockwise(
        q[:, :, cut:], k[:, :, cut:], v[:, :, cut:], s, block_size=block, state=mid
    )
    torch.testing.assert_close(torch.cat([first, second], dim=2), whole, **FP32)
    torch.testing.assert_close(end, state, **FP32)


@pytest.mark.parametrize("blockwise", BLOCKWISE)
def test_decode_steps_after_prefill_equal_full_pass(blockwise):
    q, k, v = _qkv(2, 3, 40, 8, seed=3)
    s = _slopes(3, 3)
    full, _ = blockwise(q, k, v, s, block_size=16)
    out, state = blockwise(q[:, :, :25], k[:, :, :25], v[:, :, :25], s, 16)
    steps = [out]
    for t in range(25, 40):
        o_t, state = lightning_decode_step(q[:, :, t], k[:, :, t], v[:, :, t], s, state)
        assert o_t.shape == (2, 3, 8)
        steps.append(o_t[:, :, None])
    torch.testing.assert_close(torch.cat(steps, dim=2), full, **FP32)


@pytest.mark.parametrize("blockwise", BLOCKWISE)
def test_bfloat16_inputs(blockwise):
    q, k, v = _qkv(2, 2, 100, 16, seed=4, dtype=torch.bfloat16)
    s = lightning_slopes(2, 0, 2)
    out, state = blockwise(q, k, v, s, block_size=32)
    assert out.dtype == torch.bfloat16 and state.dtype == torch.float32
    # Same bf16 inputs, computed in float64: only the final rounding to bf16 differs.
    reference = lightning_attention_naive(q.double(), k.double(), v.double(), s)
    torch.testing.assert_close(out.double(), reference, atol=2e-2, rtol=1e-2)
    o_t, _ = lightning_decode_step(q[:, :, 0], k[:, :, 0], v[:, :, 0], s, state)
    assert o_t.dtype == torch.bfloat16


@pytest.mark.parametrize("blockwise", BLOCKWISE)
def test_64k_tokens_stay_finite_and_exact(blockwise):
    # q = k = v = c: o_t = d·c³·Σ_{j≤t} λ^j = d·c³·(1 − λ^(t+1))/(1 − λ), a closed form to
    # check against after 65,536 tokens, from a fast-forgetting head to an almost-eternal one.
    n, dim, c = 65536, 4, 0.5
    s = torch.tensor([2.0, 0.05, 1e-5])
    q = torch.full((1, 3, n, dim), c)
    # Blocks of 1000 leave a ragged last block of 536; fewer, larger blocks keep this fast.
    out, state = blockwise(q, q, q, s, block_size=1000)
    assert torch.isfinite(out).all() and torch.isfinite(state).all()
    lam = torch.exp(-s.double())[:, None]
    t = torch.arange(n, dtype=torch.float64)[None]
    expected = dim * c**3 * (1 - lam ** (t + 1)) / (1 - lam)
    torch.testing.assert_close(out[0, :, :, 0].double(), expected, atol=1e-3, rtol=1e-4)


@pytest.mark.parametrize("blockwise", BLOCKWISE)
def test_bad_inputs_raise(blockwise):
    q, k, v = _qkv(1, 2, 5, 4)
    s = torch.ones(2)
    with pytest.raises(ValueError, match="k shape"):
        blockwise(q, k[:, :, :4], v, s)
    with pytest.raises(ValueError, match="slopes"):
        blockwise(q, k, v, torch.ones(3))
    with pytest.raises(ValueError, match="block_size"):
        blockwise(q, k, v, s, block_size=0)
    with pytest.raises(ValueError, match="block_size"):
        blockwise(q, k, v, s, block_size=2.0)
    with pytest.raises(ValueError, match="state"):
        blockwise(q, k, v, s, state=torch.zeros(1, 2, 4, 3))
    with pytest.raises(TypeError):
        blockwise(q.long(), k, v, s)


def test_bad_inputs_raise_in_the_other_forms():
    q, k, v = _qkv(1, 2, 5, 4)
    s = torch.ones(2)
    with pytest.raises(ValueError, match="slopes"):
        lightning_attention_naive(q, k, v, torch.ones(3))
    with pytest.raises(ValueError, match="one token"):
        lightning_decode_step(q, k, v, s, torch.zeros(1, 2, 4, 4))
    with pytest.raises(TypeError):
        lightning_attention_naive(q.long(), k, v, s)
    with pytest.raises(ValueError, match="state"):
        lightning_attention_recurrent(q, k, v, s, torch.zeros(2, 2, 4, 4))


# --- the layer -------------------------------------------------------------------------------


def _layer(seed=0, block_size=8, **kwargs):
    torch.manual_seed(seed)
    settings_ = dict(hidden_size=24, num_heads=3, head_dim=8, layer_idx=1, num_layers=4)
    settings_.update(kwargs)
    layer = LightningAttention(**settings_, block_size=block_size).eval()
    with torch.no_grad():  # a norm gain away from 1, so a missing norm would show
        layer.norm.weight.uniform_(0.5, 1.5)
    return layer


def test_layer_decode_and_chunked_prefill_equal_full_pass():
    layer = _layer()
    x = torch.randn(2, 30, 24)
    with torch.no_grad():
        full, full_state = layer(x)
        out, state = layer(x[:, :13])
        parts = [out]
        out, state = layer(x[:, 13:20], state)  # a second prefill chunk
        parts.append(out)
        for t in range(20, 30):  # then one token at a time
            out, state = layer(x[:, t : t + 1], state)
            parts.append(out)
    torch.testing.assert_close(torch.cat(parts, dim=1), full, **FP32)
    torch.testing.assert_close(state, full_state, **FP32)


def test_left_padding_changes_nothing_at_real_tokens():
    layer = _layer()
    lengths = [11, 4, 8]
    width = max(lengths)
    rows = [torch.randn(1, n, 24) for n in lengths]
    x = torch.randn(3, width, 24)  # the padded slots hold junk, which must not leak
    mask = torch.zeros(3, width, dtype=torch.long)
    for i, row in enumerate(rows):
        x[i, width - lengths[i] :] = row[0]
        mask[i, width - lengths[i] :] = 1
    with torch.no_grad():
        batched, state = layer(x, attention_mask=mask)
        next_x = torch.randn(3, 1, 24)
        step, _ = layer(next_x, state, attention_mask=torch.cat([mask, torch.ones(3, 1)], 1))
        for i, row in enumerate(rows):
            alone, alone_state = layer(row)
            torch.testing.assert_close(batched[i, width - lengths[i] :], alone[0], **FP32)
            torch.testing.assert_close(state[i], alone_state[0], **FP32)
            alone_step, _ = layer(next_x[i : i + 1], alone_state)
            torch.testing.assert_close(step[i], alone_step[0], **FP32)
    with pytest.raises(ValueError, match="fewer"):
        layer(x, attention_mask=mask[:, :3])


def test_layer_norm_epsilon_defaults_to_m1s():
    assert LightningAttention(8, 2, 4, layer_idx=0, num_layers=2).norm.eps == 1e-6


def test_layer_in_bfloat16_keeps_float32_slopes_and_state():
    layer = _layer().to(torch.bfloat16)
    assert layer.slopes.dtype == torch.float32
    out, state = layer(torch.randn(2, 10, 24, dtype=torch.bfloat16))
    assert out.dtype == torch.bfloat16 and state.dtype == torch.float32
    assert sorted(layer.state_dict()) == [
        "norm.weight",
        "out_proj.weight",
        "output_gate.weight",
        "qkv_proj.weight",
    ]


# 1030 tokens take the CPU inference path (PER_SEQUENCE_MIN_TOKENS), with a ragged last block.
@pytest.mark.parametrize("seq", [1, 5, 23, 1030])
def test_layer_matches_hf_port(seq):
    transformers = pytest.importorskip("transformers")
    hf = pytest.importorskip("transformers.models.minimax.modeling_minimax")
    config = transformers.MiniMaxConfig(
        hidden_size=24,
        num_attention_heads=3,
        head_dim=8,
        num_hidden_layers=4,
        block_size=4,  # HF tiles by 4, minimoe by 8: the result must not care
        layer_types=["linear_attention"] * 4,
    )
    theirs = hf.MiniMaxLightningAttention(config, layer_idx=1).eval()
    ours = _layer(block_size=8, eps=theirs.norm.variance_epsilon)
    hf_weights = theirs.state_dict()
    for name, value in ours.state_dict().items():
        assert hf_weights[name].shape == value.shape, name
    theirs.load_state_dict(ours.state_dict(), strict=False)  # HF also keeps decay buffers
    x = torch.randn(2, seq, 24)
    with torch.no_grad():
        hf_out, hf_state = theirs(x, None, None)
        out, state = ours(x)
    torch.testing.assert_close(out, hf_out, **FP32)
    torch.testing.assert_close(state, hf_state, **FP32)
