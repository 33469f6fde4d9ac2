"""Lightning attention: linear attention with a per-head exponential decay, computed in blocks.

Notation (per head; every tensor here is ``(batch, heads, seq, head_dim)``):

- q_t, k_t, v_t are the query, key and value rows of token t (after SiLU in the module).
- s_h is the head's slope and λ_h = exp(−s_h) its decay, 0 < λ < 1.
- S_t, the state, is a (head_dim × head_dim) matrix: S_t = λ S_{t−1} + k_tᵀ v_t.
- o_t = q_t S_t.

There is no softmax, no 1/sqrt(d) and no denominator: M1 normalises the output with an RMSNorm
over all heads instead (see :class:`LightningAttention`). Unrolling the recurrence gives the
quadratic "masked" form O = [(Q Kᵀ) ⊙ M] V with M[t, s] = λ^(t−s) for t ≥ s and 0 above the
diagonal. The forms below compute the same O:

- :func:`lightning_attention_naive`: the masked form, O(n² d). For teaching and testing.
- :func:`lightning_attention_recurrent`: one token at a time, O(n d²). What decoding does.
- :func:`lightning_attention_blockwise`: the tiled form that lightning attention is named
  for, O(n B d + n d²) with block size B. Inside a block it uses the masked ("left") product,
  across blocks the state ("right") product. This is what prefill uses.

All decays are computed as exp(−s·distance) with distance ≥ 0, so they can underflow to 0 but
never overflow: no form ever builds a growing λ^(−t).

Precision: every form computes in float32 whatever the input dtype (bfloat16 inputs included,
as in M1's code), or in float64 for float64 inputs; the state is kept in that precision too.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from minimoe.norm import RMSNorm

# Block size B for lightning_attention_blockwise, chosen by measurement. B costs 4·n·B·d FLOPs
# in the masked intra-block products (half of it on the masked upper triangles) against 4·n·d²
# in the state products: a small B wastes less work, a large B lets each small matrix product
# run closer to full speed. Measured on the 2-core AVX2 CPU this course targets (AMD EPYC,
# 2 threads, 16,384 tokens, 8 heads × 64 dims, float32, the CPU inference path, 11 interleaved
# calls each in one run; median / best):
#     B = 32: 123 / 95 ms   B = 48: 102 / 96 ms   B = 64: 105 / 87 ms   B = 96: 111 / 102 ms
#     B = 128: 114 / 100 ms
# M1 and HF use B = 256, which suits GPUs; on CPUs 48-64 is fastest (and 64 = head_dim here).
DEFAULT_BLOCK_SIZE = 64

# The batched path processes whole blocks in runs of about this many (token, head) rows, all blocks
# of a run at once. Every intermediate of a run (the B×B scores of its blocks, a state per
# block) then stays small whatever the sequence length: it stays in cache and the allocator
# reuses it, where one pass over a long sequence would allocate (and page-fault) hundreds of
# MB; and the run's (m × m) block-decay product stays cheap. Same setting, B = 64: runs of
# 2,048 rows took 102 ms, 4,096 rows 87 ms, 8,192 rows 88 ms.
_RUN_ROWS = 4096

# The CPU inference path (:func:`_blockwise_per_sequence`) takes one sequence's blocks this
# many at a time, and is used from this many tokens on (below it, the per-sequence overhead of
# a few dozen small operations outweighs the gain).
_RUN_BLOCKS = 32
_RUN_SCORES = 1 << 20
PER_SEQUENCE_MIN_TOKENS = 1024


def run_length(rows: int, block: int) -> int:
    """Tokens per run of whole blocks, for ``rows`` = batch × heads and block size B."""
    return max(1, _RUN_ROWS // (rows * block)) * block


def lightning_slopes(num_heads: int, layer_idx: int, num_layers: int) -> torch.Tensor:
    """Per-head slopes s_h of one layer; the head's decay is λ_h = exp(−s_h).

    s_h = 2^(−8h/H) for h = 1..H (ALiBi's geometric ladder), times a layer factor
    ``1 − layer_idx/(num_layers − 1 + 1e−5) + 1e−5`` that falls from ≈1 at the first layer to
    ≈0 at the last: early layers forget fast (local), late layers barely forget (global).
    The 1e−5 terms keep a one-layer model (0/1e−5 = 0) and the last layer (s > 0) well defined.
    Computed exactly as HF's MiniMax port does, so the float32 values agree bit for bit.

    Returns:
        (num_heads,) float32.
    """
    if num_heads <= 0:
        raise ValueError(f"num_heads must be positive, got {num_heads}")
    if num_layers <= 0:
        raise ValueError(f"num_layers must be positive, got {num_layers}")
    if not 0 <= layer_idx < num_layers:
        raise ValueError(f"layer_idx must be in [0, {num_layers - 1}], got {layer_idx}")
    base = 1 / (2 ** (8 / num_heads))
    ladder = base ** (torch.arange(num_heads) + 1)
    factor = 1 - layer_idx / (num_layers - 1 + 1e-5) + 1e-5
    return (ladder * factor).float()


def decay_mask(seq: int, slopes: torch.Tensor) -> torch.Tensor:
    """The causal decay mask M, shape (heads, seq, seq): M[h, t, s] = λ_h^(t−s) if t ≥ s else 0.

    In float32, or float64 for float64 slopes.
    """
    if seq < 0:
        raise ValueError(f"seq must be non-negative, got {seq}")
    dtype = _compute_dtype(slopes)
    position = torch.arange(seq, device=slopes.device, dtype=dtype)
    distance = position[:, None] - position[None, :]  # t − s
    # exp(−s·distance) only for distance ≥ 0: values in (0, 1], never an overflow.
    mask = torch.exp(-slopes.to(dtype)[:, None, None] * distance.clamp(min=0))
    return mask.masked_fill(distance < 0, 0.0)


def _compute_dtype(t: torch.Tensor) -> torch.dtype:
    """float32, or float64 for float64 tensors: the precision the forms compute in."""
    return torch.promote_types(t.dtype, torch.float32)


def _check_qkv(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, slopes: torch.Tensor
) -> tuple[int, int, int, int]:
    if q.ndim != 4:
        raise ValueError(f"q must be (batch, heads, seq, head_dim), got shape {tuple(q.shape)}")
    if k.shape != q.shape:
        raise ValueError(f"k shape {tuple(k.shape)} must equal q shape {tuple(q.shape)}")
    if v.ndim != 4 or v.shape[:3] != q.shape[:3]:
        raise ValueError(
            f"v must be (batch, heads, seq, v_dim) matching q's first three dims "
            f"{tuple(q.shape[:3])}, got {tuple(v.shape)}"
        )
    if not (q.is_floating_point() and k.is_floating_point() and v.is_floating_point()):
        raise TypeError("q, k and v must be floating-point tensors")
    if slopes.shape != (q.shape[1],):
        raise ValueError(
            f"slopes must have shape (heads,) = ({q.shape[1]},), got {tuple(slopes.shape)}"
        )
    return q.shape[0], q.shape[1], q.shape[2], v.shape[3]


def _check_state(
    state: torch.Tensor | None, q: torch.Tensor, batch: int, heads: int, v_dim: int
) -> torch.Tensor:
    """The state in q's compute dtype, zeros if None. Shape (batch, heads, head_dim, v_dim)."""
    dim, dtype = q.shape[-1], _compute_dtype(q)
    if state is None:
        return torch.zeros(batch, heads, dim, v_dim, device=q.device, dtype=dtype)
    if state.shape != (batch, heads, dim, v_dim):
        raise ValueError(
            f"state must have shape (batch, heads, head_dim, v_dim) = "
            f"{(batch, heads, dim, v_dim)}, got {tuple(state.shape)}"
        )
    return state.to(dtype)


def lightning_attention_naive(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, slopes: torch.Tensor
) -> torch.Tensor:
    """O = [(Q Kᵀ) ⊙ M] V with the decay mask M of :func:`decay_mask`.

    Args:
        q, k: (batch, heads, seq, head_dim); v: (batch, heads, seq, v_dim).
        slopes: (heads,) the s_h of :func:`lightning_slopes`.

    Returns:
        (batch, heads, seq, v_dim) in q's dtype. Builds the full
        (seq × seq) matrix per head, so memory grows as n².
    """
    _check_qkv(q, k, v, slopes)
    dtype = _compute_dtype(q)
    scores = q.to(dtype) @ k.to(dtype).transpose(-1, -2)  # (batch, heads, seq, seq)
    mask = decay_mask(q.shape[2], slopes.to(dtype))
    return ((scores * mask) @ v.to(dtype)).to(q.dtype)


def lightning_decode_step(
    q_t: torch.Tensor,
    k_t: torch.Tensor,
    v_t: torch.Tensor,
    slopes: torch.Tensor,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One token of the recurrence: S ← λ S + k_tᵀ v_t, then o_t = q_t S.

    Args:
        q_t, k_t: (batch, heads, head_dim); v_t: (batch, heads, v_dim).
        slopes: (heads,).
        state: (batch, heads, head_dim, v_dim).

    Returns:
        (o_t, new_state): o_t (batch, heads, v_dim) in q_t's dtype; new_state in float32
        (float64 for float64 inputs).
    """
    if q_t.ndim != 3:
        raise ValueError(
            f"q_t must be one token, (batch, heads, head_dim), got shape {tuple(q_t.shape)}"
        )
    batch, heads, _, v_dim = _check_qkv(q_t[:, :, None], k_t[:, :, None], v_t[:, :, None], slopes)
    state = _check_state(state, q_t, batch, heads, v_dim)
    dtype = state.dtype
    decay = torch.exp(-slopes.to(dtype))[:, None, None]  # λ, (heads, 1, 1)
    outer = k_t.to(dtype)[..., :, None] * v_t.to(dtype)[..., None, :]  # k_tᵀ v_t
    new_state = decay * state + outer
    o_t = (q_t.to(dtype)[..., None, :] @ new_state)[..., 0, :]
    return o_t.to(q_t.dtype), new_state


def lightning_attention_recurrent(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The recurrent form: :func:`lightning_decode_step` for every token in turn.

    Args:
        q, k: (batch, heads, seq, head_dim); v: (batch, heads, seq, v_dim).
        slopes: (heads,).
        state: (batch, heads, head_dim, v_dim) to continue from, or None for zeros.

    Returns:
        (out, state): out (batch, heads, seq, v_dim) in q's dtype; the final state.
    """
    batch, heads, seq, v_dim = _check_qkv(q, k, v, slopes)
    state = _check_state(state, q, batch, heads, v_dim)
    outputs = []
    for t in range(seq):
        o_t, state = lightning_decode_step(q[:, :, t], k[:, :, t], v[:, :, t], slopes, state)
        outputs.append(o_t)
    out = torch.stack(outputs, dim=2) if outputs else v.new_zeros(batch, heads, 0, v_dim)
    return out.to(q.dtype), state


class _BlockDecays(NamedTuple):
    """Decays of one block of length B, per head, in the slopes' dtype."""

    query: torch.Tensor  # (heads, B, 1): λ^(i+1), how much of the incoming state row i sees
    key: torch.Tensor  # (heads, B, 1): λ^(B−1−j), how much key j has faded by the block's end
    diagonal: torch.Tensor  # (heads, B, B): the in-block causal mask λ^(i−j), 0 for j > i
    block: torch.Tensor  # (heads, 1, 1): λ^B, how much the state fades across a whole block
    block_slopes: torch.Tensor  # (heads,): s·B, the slopes of the block-level decay λ^B


def _block_decays(slopes: torch.Tensor, block: int) -> _BlockDecays:
    s = slopes[:, None, None]
    position = torch.arange(block, device=slopes.device, dtype=slopes.dtype)[:, None]
    return _BlockDecays(
        query=torch.exp(-s * (position + 1)),
        key=torch.exp(-s * (block - 1 - position)),
        diagonal=decay_mask(block, slopes),
        block=torch.exp(-s * block),
        block_slopes=slopes * block,
    )


def _whole_blocks(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    state: torch.Tensor,
    decays: _BlockDecays,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Lightning attention over a run of m whole blocks, all m blocks at once.

    q, k: (batch, heads, m·B, d) and v: (batch, heads, m·B, e), contiguous, in the compute
    dtype (that of state and decays); state: (batch, heads, d, e), the state before the first
    block. Returns (out, state after the run).
    """
    batch, heads, seq, dim = q.shape
    v_dim = v.shape[-1]
    block = decays.diagonal.shape[-1]
    m = seq // block
    # Every block as its own matrix, (batch·heads·m, B, width), for batched matmuls, and the
    # same memory as (batch, heads, m, ...) where per-head decays must broadcast. Only views.
    qb, kb, vb = (t.view(-1, block, t.shape[-1]) for t in (q, k, v))

    def per_head(t: torch.Tensor) -> torch.Tensor:
        return t.view(batch, heads, m, *t.shape[1:])

    # Intra-block, left product [(Q_b K_bᵀ) ⊙ D] V_b.
    scores = torch.bmm(qb, kb.transpose(1, 2))  # (batch·heads·m, B, B)
    per_head(scores).mul_(decays.diagonal[:, None])
    out = torch.bmm(scores, vb)  # (batch·heads·m, B, e)

    # What each block adds to the state by its end: K̃_bᵀ V_b with K̃ = λ^(B−1−j) k_j.
    faded_keys = (per_head(kb) * decays.key[:, None]).view(-1, block, dim)
    block_kv = torch.bmm(faded_keys.transpose(1, 2), vb)  # (batch·heads·m, d, e)

    # The state entering each block of the run, S_b = λ^B S_{b−1} + K̃_{b−1}ᵀ V_{b−1} unrolled:
    #     S_b = λ^(B·b) S + Σ_{c<b} λ^(B·(b−1−c)) K̃_cᵀ V_c
    # The masked-decay trick of the naive form once more, one level up (blocks instead of
    # tokens): one (m × m) matrix product per head instead of m sequential steps.
    weights, fade_in = _run_decays(decays.block_slopes, m)  # (heads, m, m), (heads, m, 1, 1)
    weights = weights.expand(batch, heads, m, m).reshape(-1, m, m)
    states = torch.bmm(weights, block_kv.view(-1, m, dim * v_dim))  # (batch·heads, m, d·e)
    states = states.view(batch, heads, m, dim, v_dim).addcmul_(fade_in, state[:, :, None])
    new_state = torch.addcmul(per_head(block_kv)[:, :, -1], decays.block, states[:, :, -1])

    # Inter-block, right product (λ^(i+1) q_i) S_b, added to the intra-block part in place.
    faded_queries = (per_head(qb) * decays.query[:, None]).view(-1, block, dim)
    out.baddbmm_(faded_queries, states.view(-1, dim, v_dim))
    return out.view(batch, heads, seq, v_dim), new_state


def _run_decays(block_slopes: torch.Tensor, m: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Block-level decays of a run of m blocks, with Λ = λ^B = exp(−block_slopes):

    weights[h, b, c] = Λ^(b−1−c) for c < b, else 0: how much of block c's contribution is
    left when block b starts; fade_in[h, b] = Λ^b: how much of the incoming state is left.
    """
    b = torch.arange(m, device=block_slopes.device, dtype=block_slopes.dtype)
    gap = b[:, None] - 1 - b[None, :]
    rate = block_slopes[:, None, None]
    weights = torch.exp(-rate * gap.clamp(min=0)).masked_fill(gap < 0, 0.0)
    fade_in = torch.exp(-rate * b[:, None])[..., None]
    return weights, fade_in


def lightning_attention_blockwise(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    block_size: int = DEFAULT_BLOCK_SIZE,
    state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The tiled (lightning) form: masked product inside blocks, state product across them.

    Split the sequence into blocks of B tokens. For row i of a block (0 ≤ i < B) entered with
    state S::

        o_i = Σ_{j≤i} λ^(i−j) (q_i·k_j) v_j      (intra: the block's own keys, left product)
            + λ^(i+1) q_i S                       (inter: everything before, right product)
        S  ← λ^B S + Σ_j λ^(B−1−j) k_jᵀ v_j      (the state carried to the next block)

    A sequence that is not a multiple of B ends with one shorter block, whose decays use its own
    length. Passing the returned state to the next call continues the sequence: prefilling in
    chunks gives the same outputs as one prefill.

    Args:
        q, k: (batch, heads, seq, head_dim); v: (batch, heads, seq, v_dim). Any float dtype.
        slopes: (heads,) the s_h of :func:`lightning_slopes`.
        block_size: B, any positive integer (the result does not depend on it).
        state: (batch, heads, head_dim, v_dim) to continue from, or None for zeros.

    Returns:
        (out, state): out (batch, heads, seq, v_dim) in q's dtype (its memory layout depends
        on the path below); the state. As in M1's code, the products and the state are
        accumulated in float32 whatever the input dtype (float64 for float64 inputs).

    Two paths compute the same thing. Long sequences on the CPU without autograd (prefill,
    evaluation, the benchmark) go one (batch, head) sequence at a time, on all of torch's
    threads at once (:func:`_blockwise_per_sequence`); everything else (training, GPUs, short
    sequences) goes all heads together (:func:`_blockwise_batched`).
    """
    batch, heads, seq, v_dim = _check_qkv(q, k, v, slopes)
    if not isinstance(block_size, int) or block_size <= 0:
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}")
    state = _check_state(state, q, batch, heads, v_dim)
    slopes = slopes.to(state.dtype)
    needs_grad = torch.is_grad_enabled() and any(t.requires_grad for t in (q, k, v, state))
    if q.device.type == "cpu" and not needs_grad and seq >= PER_SEQUENCE_MIN_TOKENS:
        return _blockwise_per_sequence(q, k, v, slopes, block_size, state)
    return _blockwise_batched(q, k, v, slopes, block_size, state)


def _blockwise_batched(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    block_size: int,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """All (batch, head) sequences together, a run of whole blocks at a time: few, large
    operations, differentiable. Returns out as a view of token-major memory."""
    batch, heads, seq, v_dim = v.shape
    # Token-major memory (batch, seq, heads, v_dim), returned as a (batch, heads, seq, v_dim)
    # view: a layer that then concatenates the heads of each token gets them for free.
    out = torch.empty(batch, seq, heads, v_dim, dtype=q.dtype, device=q.device).transpose(1, 2)

    # Runs of whole blocks, a bounded number of tokens at a time, then the ragged last block
    # (if any) with decays for its own length.
    whole = seq - seq % block_size
    chunk = run_length(batch * heads, block_size)
    decays = _block_decays(slopes, block_size)
    runs = [(start, min(start + chunk, whole), decays) for start in range(0, whole, chunk)]
    if whole < seq:
        runs.append((whole, seq, _block_decays(slopes, seq - whole)))
    for start, stop, run_decays in runs:
        # One contiguous copy of the run in the compute dtype, so every matmul below works on
        # plain views.
        piece = [t[:, :, start:stop].to(state.dtype).contiguous() for t in (q, k, v)]
        out[:, :, start:stop], state = _whole_blocks(*piece, state, run_decays)
    return out, state


def _blockwise_per_sequence(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    block_size: int,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One (batch, head) sequence at a time, without autograd: the CPU inference path.

    Each sequence's blocks are plain views of q, k and v (no copies for float32 inputs, even
    for the strided views a layer splits from its fused projection); every product writes into
    a small scratch buffer or straight into the output, so the only large allocation is the
    output itself. The sequences are shared out between ``torch.get_num_threads()`` worker
    threads that each run single-threaded (small matrix products parallelise poorly inside
    one operation; whole sequences in parallel keep each core on its own data). torch's
    thread setting is restored on return. Returns out in head-major memory.
    """
    batch, heads, seq, v_dim = v.shape
    out = torch.empty(batch, heads, seq, v_dim, dtype=q.dtype, device=q.device)
    new_state = torch.empty_like(state)
    whole = seq - seq % block_size
    decays = _block_decays(slopes, block_size)
    weights, fade_in = _run_decays(decays.block_slopes, _RUN_BLOCKS)
    tail = _block_decays(slopes, seq - whole) if whole < seq else None

    def one_sequence(job: tuple[int, int]) -> None:
        b, h = job
        new_state[b, h] = _one_sequence(
            q[b, h], k[b, h], v[b, h], out[b, h], state[b, h], h, decays, weights, fade_in, tail
        )

    jobs = [(b, h) for b in range(batch) for h in range(heads)]
    # One call at a time owns the pool and torch's thread setting, so that callers in other
    # Python threads neither oversubscribe the cores nor run under another call's setting.
    with _POOL_LOCK:
        threads = torch.get_num_threads()
        workers = min(threads, len(jobs))
        if workers <= 1:
            for job in jobs:
                one_sequence(job)
            return out, new_state
        torch.set_num_threads(1)
        try:
            list(_worker_pool(workers).map(one_sequence, jobs))
        finally:
            torch.set_num_threads(threads)
    return out, new_state


def per_sequence_run(seq: int, block: int) -> int:
    """Blocks per run on the CPU inference path: _RUN_BLOCKS, fewer for large blocks (so that a
    run's B×B scores stay under 4 MB) or short sequences."""
    return max(1, min(_RUN_BLOCKS, seq // block, _RUN_SCORES // block**2))


def per_sequence_scratch_bytes(seq: int, block: int, dim: int, v_dim: int, itemsize: int) -> int:
    """Scratch memory one worker of the CPU inference path holds: a run's scores, decayed keys
    or queries, block states K̃ᵀV and entering states."""
    run = per_sequence_run(seq, block)
    return run * (block * block + block * dim + 2 * dim * v_dim) * itemsize


def _one_sequence(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    out: torch.Tensor,
    state: torch.Tensor,
    h: int,
    decays: _BlockDecays,
    weights: torch.Tensor,
    fade_in: torch.Tensor,
    tail: _BlockDecays | None,
) -> torch.Tensor:
    """Lightning attention over one sequence: q, k (seq, d), v and out (seq, e), state (d, e).

    Writes out in place and returns the final state. Runs of up to _RUN_BLOCKS whole blocks
    (the same three steps as :func:`_whole_blocks`, for one head), then the ragged tail.
    Scratch buffers are allocated once per sequence and reused by every run.
    """
    seq, dim = q.shape
    v_dim = v.shape[-1]
    block = decays.diagonal.shape[-1]
    dtype = state.dtype
    direct = q.dtype == dtype and v.dtype == dtype and k.dtype == dtype
    run = per_sequence_run(seq, block)
    scores_buf = torch.empty(run, block, block, dtype=dtype)
    faded_buf = torch.empty(run, block, dim, dtype=dtype)
    kv_buf, states_buf = torch.empty(2, run, dim * v_dim, dtype=dtype)
    diagonal, query, key = decays.diagonal[h], decays.query[h], decays.key[h]
    fade_block = float(decays.block[h])
    state = state.reshape(dim * v_dim).clone()
    whole = seq - seq % block
    for start in range(0, whole, run * block):
        stop = min(start + run * block, whole)
        m = (stop - start) // block
        qb, kb, vb = (t[start:stop].to(dtype).view(m, block, -1) for t in (q, k, v))
        ob = out[start:stop].view(m, block, v_dim) if direct else torch.empty_like(vb)
        scores, faded, block_kv, states = scores_buf[:m], faded_buf[:m], kv_buf[:m], states_buf[:m]
        # Intra-block, left product [(Q_b K_bᵀ) ⊙ D] V_b, straight into the output.
        torch.bmm(qb, kb.transpose(1, 2), out=scores)
        scores.mul_(diagonal)
        torch.bmm(scores, vb, out=ob)
        # What each block adds to the state, K̃_bᵀ V_b, and the state entering each block.
        torch.mul(kb, key, out=faded)
        torch.bmm(faded.transpose(1, 2), vb, out=block_kv.view(m, dim, v_dim))
        torch.mm(weights[h, :m, :m], block_kv, out=states)
        states.addr_(fade_in[h, :m, 0, 0], state)
        state = torch.add(block_kv[m - 1], states[m - 1], alpha=fade_block)
        # Inter-block, right product (λ^(i+1) q_i) S_b, added in place.
        torch.mul(qb, query, out=faded)
        ob.baddbmm_(faded, states.view(m, dim, v_dim))
        if not direct:
            out[start:stop].copy_(ob.view(-1, v_dim))
    if tail is not None:
        qt, kt, vt = (t[whole:].to(dtype) for t in (q, k, v))
        s = state.view(dim, v_dim)
        o = torch.mm(torch.mm(qt, kt.T).mul_(tail.diagonal[h]), vt)
        o.addmm_(qt * tail.query[h], s)
        state = torch.addmm(s, (kt * tail.key[h]).T, vt, beta=float(tail.block[h]))
        out[whole:].copy_(o)
    return state.view(dim, v_dim)


_POOL: tuple[int, int, ThreadPoolExecutor] | None = None
_POOL_LOCK = threading.Lock()


def _worker_pool(workers: int) -> ThreadPoolExecutor:
    """A process-wide pool of ``workers`` threads (made again after a fork or a new size)."""
    global _POOL
    if _POOL is None or _POOL[:2] != (os.getpid(), workers):
        if _POOL is not None and _POOL[0] == os.getpid():
            _POOL[2].shutdown(wait=False)
        _POOL = (os.getpid(), workers, ThreadPoolExecutor(workers, "minimoe-lightning"))
    return _POOL[2]


class LightningAttention(nn.Module):
    """M1's lightning attention layer, with the parameter names of HF's MiniMaxLightningAttention.

    ::

        q, k, v = SiLU(qkv_proj(x))                 split per head: [q_h | k_h | v_h]
        o       = lightning attention(q, k, v)      blockwise; one recurrent step when decoding
        out     = out_proj(RMSNorm(concat_heads(o)) ⊙ sigmoid(output_gate(x)))

    Args:
        hidden_size: width of x.
        num_heads, head_dim: H heads of d dims; the attention width H·d may differ from hidden.
        layer_idx, num_layers: this layer's place in the model, which sets its decays.
        block_size: B for the blockwise kernel; None for DEFAULT_BLOCK_SIZE.
        eps: the RMSNorm epsilon (HF and M1 use the norm's default, 1e-6, here).
    """

    def __init__(
        self,
        hidden_size: int,
        num_heads: int,
        head_dim: int,
        layer_idx: int,
        num_layers: int,
        block_size: int | None = None,
        eps: float = 1e-5,
    ) -> None:
        super().__init__()
        if hidden_size <= 0 or num_heads <= 0 or head_dim <= 0:
            raise ValueError(
                f"hidden_size, num_heads and head_dim must be positive, got "
                f"{hidden_size}, {num_heads}, {head_dim}"
            )
        block_size = DEFAULT_BLOCK_SIZE if block_size is None else block_size
        if block_size <= 0:
            raise ValueError(f"block_size must be positive, got {block_size}")
        self.num_heads = num_heads
        self.head_dim = head_dim
        self.layer_idx = layer_idx
        self.num_layers = num_layers
        self.block_size = block_size
        width = num_heads * head_dim
        self.qkv_proj = nn.Linear(hidden_size, 3 * width, bias=False)
        self.output_gate = nn.Linear(hidden_size, width, bias=False)
        self.out_proj = nn.Linear(width, hidden_size, bias=False)
        self.norm = RMSNorm(width, eps=eps)
        # A plain attribute, not a buffer: model.to(torch.bfloat16) must not round the decays,
        # and the state dict then holds exactly HF's four weights.
        self._slopes = lightning_slopes(num_heads, layer_idx, num_layers)

    @property
    def slopes(self) -> torch.Tensor:
        """(heads,) float32 slopes s_h of this layer."""
        return self._slopes

    def forward(
        self,
        x: torch.Tensor,
        state: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Attend over x, continuing from ``state``.

        Args:
            x: (batch, seq, hidden).
            state: (batch, heads, head_dim, head_dim) float32 from an earlier call, or None.
            attention_mask: (batch, length) with length ≥ seq, 1 for real tokens and 0 for
                left padding; its last ``seq`` columns describe x (so the running mask over
                past and new tokens can be passed as is). Padded tokens' q, k and v are zeroed,
                so they add nothing to the state and a padded row gives, at its real
                positions, what the unpadded sequence gives.

        Returns:
            (out, state): out (batch, seq, hidden) in x's dtype; the new float32 state.
        """
        if x.ndim != 3:
            raise ValueError(f"x must be (batch, seq, hidden), got shape {tuple(x.shape)}")
        batch, seq, _ = x.shape
        # In place where autograd allows: for long inputs these are the layer's largest tensors.
        qkv = F.silu(self.qkv_proj(x), inplace=True)
        if attention_mask is not None:
            if attention_mask.ndim != 2 or attention_mask.shape[0] != batch:
                raise ValueError(
                    f"attention_mask must be (batch, length) with batch {batch}, "
                    f"got shape {tuple(attention_mask.shape)}"
                )
            if attention_mask.shape[1] < seq:
                raise ValueError(
                    f"attention_mask covers {attention_mask.shape[1]} tokens, fewer than the "
                    f"{seq} in x"
                )
            qkv = qkv * attention_mask[:, -seq:, None].to(qkv.dtype)
        # HF's layout: per head, [q_h | k_h | v_h] side by side.
        qkv = qkv.view(batch, seq, self.num_heads, 3 * self.head_dim).transpose(1, 2)
        q, k, v = qkv.split(self.head_dim, dim=-1)  # (batch, heads, seq, head_dim) each
        slopes = self._slopes.to(x.device)
        if seq == 1 and state is not None:
            o, state = lightning_decode_step(q[:, :, 0], k[:, :, 0], v[:, :, 0], slopes, state)
            o = o[:, :, None]
        else:
            o, state = lightning_attention_blockwise(q, k, v, slopes, self.block_size, state)
        o = o.transpose(1, 2).reshape(batch, seq, self.num_heads * self.head_dim)
        out = self.norm(o) * self.output_gate(x).sigmoid_()
        return self.out_proj(out), state
