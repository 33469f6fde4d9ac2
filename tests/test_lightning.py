"""Lightning attention: every form computes the same thing, and the layer matches HF's port."""

from __future__ import annotations

import contextlib
import math
import threading

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minimoe.attention import (
    LightningAttention,
    decay_mask,
    lightning,
    lightning_attention_blockwise,
    lightning_attention_naive,
    lightning_attention_recurrent,
    lightning_decode_step,
    lightning_slopes,
)
from minimoe.attention.lightning import run_length

FP32 = dict(atol=1e-5, rtol=1e-5)


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
    seq=st.integers(1, 70),
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


@contextlib.contextmanager
def _torch_threads(n):
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@settings(max_examples=25, deadline=None)
@given(
    batch=st.integers(1, 2),
    heads=st.integers(1, 3),
    seq=st.integers(1, 300),
    dim=st.integers(1, 8),
    v_dim=st.integers(1, 6),
    block=st.integers(1, 40),
    threads=st.sampled_from([1, 2]),
    seed=st.integers(0, 10_000),
)
def test_cpu_inference_path_agrees(batch, heads, seq, dim, v_dim, block, threads, seed):
    # The per-sequence path (long CPU prefill without autograd) against the naive form and
    # the batched path, from a non-zero state, serially and on a pool of worker threads.
    q, k, v = _qkv(batch, heads, seq, dim, v_dim, seed)
    s = _slopes(heads, seed)
    state = torch.randn(batch, heads, dim, v_dim, generator=torch.Generator().manual_seed(seed))
    with _torch_threads(threads):
        out, new_state = lightning._blockwise_per_sequence(q, k, v, s, block, state)
        assert torch.get_num_threads() == threads
    batched, batched_state = lightning._blockwise_batched(q, k, v, s, block, state)
    torch.testing.assert_close(out, batched, **FP32)
    torch.testing.assert_close(new_state, batched_state, **FP32)
    # the state's contribution, checked against the naive form with the state as a prefix
    # (o_t = naive_t + λ^(t+1) q_t S)
    decay = torch.exp(-s[:, None] * torch.arange(1, seq + 1))[None, :, :, None]
    expected = lightning_attention_naive(q, k, v, s) + decay * (q @ state)
    torch.testing.assert_close(out, expected, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("dtype", [torch.float32, torch.bfloat16, torch.float64])
def test_cpu_inference_path_on_a_layers_strided_inputs(dtype):
    # A layer splits q, k and v out of one fused projection: per head they are strided views.
    batch, seq, heads, dim = 2, 1100, 3, 16
    qkv = torch.randn(batch, seq, heads, 3 * dim, generator=torch.Generator().manual_seed(5))
    q, k, v = (t.to(dtype) for t in qkv.transpose(1, 2).split(dim, dim=-1))
    assert not q.is_contiguous()
    s = lightning_slopes(heads, 0, 2).to(torch.promote_types(dtype, torch.float32))
    with _torch_threads(2):
        out, state = lightning_attention_blockwise(q, k, v, s, block_size=64)
    reference = lightning_attention_naive(q.double(), k.double(), v.double(), s.double())
    tolerance = dict(atol=5e-2, rtol=2e-2) if dtype == torch.bfloat16 else dict(atol=1e-3, rtol=0)
    assert out.dtype == dtype and state.dtype == torch.promote_types(dtype, torch.float32)
    torch.testing.assert_close(out.double(), reference, **tolerance)


def test_blockwise_picks_its_path(monkeypatch):
    calls = []
    real = lightning._blockwise_per_sequence

    def spy(*args):
        calls.append("per-sequence")
        return real(*args)

    monkeypatch.setattr(lightning, "_blockwise_per_sequence", spy)
    n = lightning.PER_SEQUENCE_MIN_TOKENS
    q, k, v = _qkv(1, 2, n, 4)
    s = lightning_slopes(2, 0, 2)
    lightning_attention_blockwise(q, k, v, s)  # long, CPU, no gradient needed
    assert calls == ["per-sequence"]
    lightning_attention_blockwise(q[:, :, : n - 1], k[:, :, : n - 1], v[:, :, : n - 1], s)
    q.requires_grad_()
    out, _ = lightning_attention_blockwise(q, k, v, s)  # training: the differentiable path
    assert calls == ["per-sequence"] and out.requires_grad
    with torch.no_grad():
        lightning_attention_blockwise(q, k, v, s)
    assert calls == ["per-sequence"] * 2


def test_concurrent_callers_leave_torch_threads_as_they_were():
    q, k, v = _qkv(1, 4, lightning.PER_SEQUENCE_MIN_TOKENS, 8)
    s = lightning_slopes(4, 0, 2)
    expected, _ = lightning_attention_blockwise(q, k, v, s)
    results = []
    with _torch_threads(2):
        callers = [
            threading.Thread(
                target=lambda: results.append(lightning_attention_blockwise(q, k, v, s))
            )
            for _ in range(4)
        ]
        for caller in callers:
            caller.start()
        for caller in callers:
            caller.join()
        assert torch.get_num_threads() == 2
    assert len(results) == 4
    for out, _ in results:
        torch.testing.assert_close(out, expected, **FP32)


def test_worker_pool_is_made_again_after_a_fork(monkeypatch):
    first = lightning._worker_pool(2)
    assert lightning._worker_pool(2) is first
    monkeypatch.setattr(lightning.os, "getpid", lambda: -1)  # as if in a forked child
    assert lightning._worker_pool(2) is not first


@pytest.mark.parametrize("block", [1, 7, 16, 64, 100])
def test_blockwise_matches_float64_reference(block):
    q, k, v = _qkv(2, 3, 150, 16, seed=1)
    s = lightning_slopes(3, 1, 4)
    reference = lightning_attention_naive(q.double(), k.double(), v.double(), s)
    out, _ = lightning_attention_blockwise(q, k, v, s, block_size=block)
    # float32 against exact: 150 accumulations (block 1 is the plain recurrence) cost ~1e-5
    torch.testing.assert_close(out, reference.float(), atol=2e-5, rtol=1e-5)


def test_blockwise_over_several_runs_matches_naive():
    # The kernel takes whole blocks a run at a time: cover two runs and a ragged last block,
    # forward and backward.
    seq = 2 * run_length(rows=2, block=64) + 100
    q, k, v = (t.requires_grad_() for t in _qkv(1, 2, seq, 8, seed=2))
    s = torch.tensor([0.3, 1e-3])
    weights = torch.randn(1, 2, seq, 8)
    out, _ = lightning_attention_blockwise(q, k, v, s, block_size=64)
    grads = torch.autograd.grad((out * weights).sum(), (q, k, v))
    reference = lightning_attention_naive(q.double(), k.double(), v.double(), s)
    expected = torch.autograd.grad((reference * weights).sum(), (q, k, v))
    torch.testing.assert_close(out, reference.float(), atol=1e-4, rtol=1e-5)
    for got, want in zip(grads, expected):
        torch.testing.assert_close(got, want.float(), atol=1e-3, rtol=1e-4)


def test_blockwise_gradients_match_naive_over_several_blocks():
    # Training runs the blockwise kernel on sequences of many blocks: autograd must pass the
    # state scan across blocks (a regression test: an `out=` scan once broke backward).
    q, k, v = (t.requires_grad_() for t in _qkv(2, 2, 150, 8, seed=3))
    s = torch.tensor([0.3, 1e-3])
    weights = torch.randn(2, 2, 150, 8)
    out, _ = lightning_attention_blockwise(q, k, v, s, block_size=32)
    grads = torch.autograd.grad((out * weights).sum(), (q, k, v))
    reference = lightning_attention_naive(q, k, v, s)
    expected = torch.autograd.grad((reference * weights).sum(), (q, k, v))
    for got, want in zip(grads, expected):
        torch.testing.assert_close(got, want, atol=1e-4, rtol=1e-4)


@settings(max_examples=25, deadline=None)
@given(
    seq=st.integers(2, 60),
    cut_fraction=st.floats(0.0, 1.0),
    block=st.integers(1, 24),
    seed=st.integers(0, 10_000),
)
def test_chunked_prefill_equals_one_prefill(seq, cut_fraction, block, seed):
    q, k, v = _qkv(2, 2, seq, 4, seed=seed)
    s = _slopes(2, seed)
    cut = int(cut_fraction * seq)
    whole, state = lightning_attention_blockwise(q, k, v, s, block_size=block)
    first, mid = lightning_attention_blockwise(
        q[:, :, :cut], k[:, :, :cut], v[:, :, :cut], s, block_size=block
    )
    second, end = lightning_attention_blockwise(
        q[:, :, cut:], k[:, :, cut:], v[:, :, cut:], s, block_size=block, state=mid
    )
    torch.testing.assert_close(torch.cat([first, second], dim=2), whole, **FP32)
    torch.testing.assert_close(end, state, **FP32)


def test_decode_steps_after_prefill_equal_full_pass():
    q, k, v = _qkv(2, 3, 40, 8, seed=3)
    s = _slopes(3, 3)
    full, _ = lightning_attention_blockwise(q, k, v, s, block_size=16)
    out, state = lightning_attention_blockwise(q[:, :, :25], k[:, :, :25], v[:, :, :25], s, 16)
    steps = [out]
    for t in range(25, 40):
        o_t, state = lightning_decode_step(q[:, :, t], k[:, :, t], v[:, :, t], s, state)
        assert o_t.shape == (2, 3, 8)
        steps.append(o_t[:, :, None])
    torch.testing.assert_close(torch.cat(steps, dim=2), full, **FP32)


def test_bfloat16_inputs():
    q, k, v = _qkv(2, 2, 100, 16, seed=4, dtype=torch.bfloat16)
    s = lightning_slopes(2, 0, 2)
    out, state = lightning_attention_blockwise(q, k, v, s, block_size=32)
    assert out.dtype == torch.bfloat16 and state.dtype == torch.float32
    # Same bf16 inputs, computed in float64: only the final rounding to bf16 differs.
    reference = lightning_attention_naive(q.double(), k.double(), v.double(), s)
    torch.testing.assert_close(out.double(), reference, atol=2e-2, rtol=1e-2)
    o_t, _ = lightning_decode_step(q[:, :, 0], k[:, :, 0], v[:, :, 0], s, state)
    assert o_t.dtype == torch.bfloat16


def test_64k_tokens_stay_finite_and_exact():
    # q = k = v = c: o_t = d·c³·Σ_{j≤t} λ^j = d·c³·(1 − λ^(t+1))/(1 − λ), a closed form to
    # check against after 65,536 tokens, from a fast-forgetting head to an almost-eternal one.
    n, dim, c = 65536, 4, 0.5
    s = torch.tensor([2.0, 0.05, 1e-5])
    q = torch.full((1, 3, n, dim), c)
    # Blocks of 1000 leave a ragged last block of 536; fewer, larger blocks keep this fast.
    out, state = lightning_attention_blockwise(q, q, q, s, block_size=1000)
    assert torch.isfinite(out).all() and torch.isfinite(state).all()
    lam = torch.exp(-s.double())[:, None]
    t = torch.arange(n, dtype=torch.float64)[None]
    expected = dim * c**3 * (1 - lam ** (t + 1)) / (1 - lam)
    torch.testing.assert_close(out[0, :, :, 0].double(), expected, atol=1e-3, rtol=1e-4)


def test_bad_inputs_raise():
    q, k, v = _qkv(1, 2, 5, 4)
    s = torch.ones(2)
    with pytest.raises(ValueError, match="k shape"):
        lightning_attention_blockwise(q, k[:, :, :4], v, s)
    with pytest.raises(ValueError, match="slopes"):
        lightning_attention_naive(q, k, v, torch.ones(3))
    with pytest.raises(ValueError, match="block_size"):
        lightning_attention_blockwise(q, k, v, s, block_size=0)
    with pytest.raises(ValueError, match="state"):
        lightning_attention_blockwise(q, k, v, s, state=torch.zeros(1, 2, 4, 3))
    with pytest.raises(ValueError, match="one token"):
        lightning_decode_step(q, k, v, s, torch.zeros(1, 2, 4, 4))
    with pytest.raises(TypeError):
        lightning_attention_naive(q.long(), k, v, s)


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
