"""Fast kernels for lightning attention: the blockwise form of :mod:`~minimoe.attention.lightning`,
engineered for speed.

``lightning.py`` holds the reference forms. This module holds only what makes the blockwise form
fast; tests/test_kernels.py holds every kernel equal to the plain reference,
:func:`~minimoe.attention.lightning.lightning_attention_blockwise`. One function picks the kernel,
:func:`~minimoe.attention.lightning.lightning_attention_fast`:

- :func:`blockwise_batched`: all (batch, head) sequences together, a run of whole blocks at a
  time in a few large batched products. Differentiable, any device: training, GPUs, short inputs.
- :func:`blockwise_per_sequence`: one (batch, head) sequence at a time, written into preallocated
  buffers, the sequences shared out between single-threaded worker threads. No autograd: long
  prefill on the CPU.

Both take their inputs as ``lightning_attention_fast`` passes them: checked; ``state``
(batch, heads, d, e) and ``slopes`` (heads,) in the compute dtype (float32, or float64 for float64
inputs); ``decays``, the :func:`~minimoe.attention.lightning.block_decays` of a block of B tokens,
and ``tail``, those of the shorter last block (None when B divides the length). Both return
(out (batch, heads, seq, e) in q's dtype, the final state). The decays come in as arguments
because this module imports nothing from ``lightning.py``, which imports it.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import NamedTuple

import torch

# (query, key, mask, block) decays of one block, as lightning.block_decays returns them.
Decays = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]

# Block size B, chosen by measurement. B costs 4·n·B·d FLOPs in the masked intra-block products
# (half of it on the masked upper triangles) against 4·n·d² in the state products: a small B
# wastes less work, a large B lets each small matrix product run closer to full speed. Measured
# on the 2-core AVX2 CPU this course targets (AMD EPYC, 2 threads, 16,384 tokens, 8 heads × 64
# dims, float32, the CPU inference path, 11 interleaved calls each in one run; median / best):
#     B = 32: 123 / 95 ms   B = 48: 102 / 96 ms   B = 64: 105 / 87 ms   B = 96: 111 / 102 ms
#     B = 128: 114 / 100 ms
# M1 and HF use B = 256, which suits GPUs; on CPUs 48-64 is fastest (and 64 = head_dim here).
DEFAULT_BLOCK_SIZE = 64

# The batched kernel processes whole blocks in runs of about this many (token, head) rows, all
# blocks of a run at once. Every intermediate of a run (the B×B scores of its blocks, a state per
# block) then stays small whatever the sequence length: it stays in cache and the allocator
# reuses it, where one pass over a long sequence would allocate (and page-fault) hundreds of
# MB; and the run's (m × m) block-decay product stays cheap. Same setting, B = 64: runs of
# 2,048 rows took 102 ms, 4,096 rows 87 ms, 8,192 rows 88 ms.
_RUN_ROWS = 4096

# The per-sequence kernel takes one sequence's blocks this many at a time (fewer when a run's
# B×B scores would pass _RUN_SCORES numbers), and is used from CPU_PATH_MIN_TOKENS tokens on
# (below it, the per-sequence overhead of a few dozen small operations outweighs the gain).
_RUN_BLOCKS = 32
_RUN_SCORES = 1 << 20
CPU_PATH_MIN_TOKENS = 1024


def run_length(rows: int, block: int) -> int:
    """Tokens per run of the batched kernel, for ``rows`` = batch × heads and block size B."""
    return max(1, _RUN_ROWS // (rows * block)) * block


def per_sequence_run(seq: int, block: int) -> int:
    """Blocks per run of the per-sequence kernel: _RUN_BLOCKS, fewer for large blocks (so that a
    run's B×B scores stay under 4 MB) or short sequences."""
    return max(1, min(_RUN_BLOCKS, seq // block, _RUN_SCORES // block**2))


def per_sequence_scratch_bytes(seq: int, block: int, dim: int, v_dim: int, itemsize: int) -> int:
    """Scratch memory one worker of the per-sequence kernel holds: a run's scores, decayed keys
    or queries, block states K̃ᵀV and entering states."""
    run = per_sequence_run(seq, block)
    return run * (block * block + block * dim + 2 * dim * v_dim) * itemsize


def _run_decays(block_slopes: torch.Tensor, m: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Block-level decays of a run of m blocks, with Λ = λ^B = exp(−block_slopes):

    weights[h, b, c] = Λ^(b−1−c) for c < b, else 0: how much of block c's contribution is
    left when block b starts; fade_in[h, b] = Λ^b: how much of the incoming state is left.
    Shapes (heads, m, m) and (heads, m, 1, 1).
    """
    b = torch.arange(m, device=block_slopes.device, dtype=block_slopes.dtype)
    gap = b[:, None] - 1 - b[None, :]
    rate = block_slopes[:, None, None]
    weights = torch.exp(-rate * gap.clamp(min=0)).masked_fill(gap < 0, 0.0)
    fade_in = torch.exp(-rate * b[:, None])[..., None]
    return weights, fade_in


# --- all sequences together ------------------------------------------------------------------


def blockwise_batched(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    decays: Decays,
    tail: Decays | None,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """All (batch, head) sequences together, a run of whole blocks at a time: few, large
    operations, differentiable. Returns out as a view of token-major memory."""
    batch, heads, seq, v_dim = v.shape
    block = decays[2].shape[-1]  # the in-block mask is (heads, B, B)
    # Token-major memory (batch, seq, heads, v_dim), returned as a (batch, heads, seq, v_dim)
    # view: a layer that then concatenates the heads of each token gets them for free.
    out = torch.empty(batch, seq, heads, v_dim, dtype=q.dtype, device=q.device).transpose(1, 2)

    # Runs of whole blocks, a bounded number of tokens at a time, then the shorter last block.
    whole = seq - seq % block
    chunk = run_length(batch * heads, block)
    runs = [(start, min(start + chunk, whole), decays) for start in range(0, whole, chunk)]
    if tail is not None:
        runs.append((whole, seq, tail))
    for start, stop, run_decays in runs:
        # One contiguous copy of the run in the compute dtype, so every matmul below works on
        # plain views.
        piece = [t[:, :, start:stop].to(state.dtype).contiguous() for t in (q, k, v)]
        out[:, :, start:stop], state = _whole_blocks(*piece, slopes, run_decays, state)
    return out, state


def _whole_blocks(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    decays: Decays,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Lightning attention over a run of m whole blocks of B tokens, all m blocks at once.

    q, k: (batch, heads, m·B, d) and v: (batch, heads, m·B, e), contiguous, in the compute
    dtype; state: (batch, heads, d, e), the state before the first block. Returns (out, state
    after the run).
    """
    query, key, mask, block_decay = decays
    batch, heads, seq, dim = q.shape
    v_dim = v.shape[-1]
    block = mask.shape[-1]
    m = seq // block
    # Every block as its own matrix, (batch·heads·m, B, width), for batched matmuls, and the
    # same memory as (batch, heads, m, ...) where per-head decays must broadcast. Only views.
    qb, kb, vb = (t.view(-1, block, t.shape[-1]) for t in (q, k, v))

    def per_head(t: torch.Tensor) -> torch.Tensor:
        return t.view(batch, heads, m, *t.shape[1:])

    # Intra-block, left product [(Q_b K_bᵀ) ⊙ D] V_b.
    scores = torch.bmm(qb, kb.transpose(1, 2))  # (batch·heads·m, B, B)
    per_head(scores).mul_(mask[:, None])
    out = torch.bmm(scores, vb)  # (batch·heads·m, B, e)

    # What each block adds to the state by its end: K̃_bᵀ V_b with K̃ = λ^(B−1−j) k_j.
    faded_keys = (per_head(kb) * key[:, None]).view(-1, block, dim)
    block_kv = torch.bmm(faded_keys.transpose(1, 2), vb)  # (batch·heads·m, d, e)

    # The state entering each block of the run, S_b = λ^B S_{b−1} + K̃_{b−1}ᵀ V_{b−1} unrolled:
    #     S_b = λ^(B·b) S + Σ_{c<b} λ^(B·(b−1−c)) K̃_cᵀ V_c
    # The masked-decay trick of the naive form once more, one level up (blocks instead of
    # tokens): one (m × m) matrix product per head instead of m sequential steps.
    weights, fade_in = _run_decays(slopes * block, m)
    weights = weights.expand(batch, heads, m, m).reshape(-1, m, m)
    states = torch.bmm(weights, block_kv.view(-1, m, dim * v_dim))  # (batch·heads, m, d·e)
    states = states.view(batch, heads, m, dim, v_dim).addcmul_(fade_in, state[:, :, None])
    new_state = torch.addcmul(per_head(block_kv)[:, :, -1], block_decay, states[:, :, -1])

    # Inter-block, right product (λ^(i+1) q_i) S_b, added to the intra-block part in place.
    faded_queries = (per_head(qb) * query[:, None]).view(-1, block, dim)
    out.baddbmm_(faded_queries, states.view(-1, dim, v_dim))
    return out.view(batch, heads, seq, v_dim), new_state


# --- one sequence at a time, on worker threads -----------------------------------------------


class _HeadDecays(NamedTuple):
    """Everything one head's sequence needs, in the compute dtype."""

    query: torch.Tensor  # (B, 1)
    key: torch.Tensor  # (B, 1)
    mask: torch.Tensor  # (B, B)
    block: float  # λ^B
    weights: torch.Tensor  # (_RUN_BLOCKS, _RUN_BLOCKS), as _run_decays
    fade_in: torch.Tensor  # (_RUN_BLOCKS,)
    tail: tuple[torch.Tensor, torch.Tensor, torch.Tensor, float] | None  # the last block's


def blockwise_per_sequence(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    decays: Decays,
    tail: Decays | None,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One (batch, head) sequence at a time, without autograd: the CPU inference kernel.

    Each sequence's blocks are plain views of q, k and v (no copies for float32 inputs, even
    for the strided views a layer splits from its fused projection); every product writes into
    a small scratch buffer or straight into the output, so the only large allocation is the
    output itself. The sequences are shared out between as many worker threads as the caller's
    ``torch.get_num_threads()``, each running torch single-threaded (small matrix products
    parallelise poorly inside one operation; whole sequences in parallel keep each core on its
    own data). No thread count the caller or any other thread sees changes: see
    :func:`_worker_pool`. Returns out in head-major memory.
    """
    batch, heads, seq, v_dim = v.shape
    out = torch.empty(batch, heads, seq, v_dim, dtype=q.dtype, device=q.device)
    new_state = torch.empty_like(state)
    query, key, mask, block_decay = decays
    weights, fade_in = _run_decays(slopes * mask.shape[-1], _RUN_BLOCKS)
    per_head = [
        _HeadDecays(
            query[h],
            key[h],
            mask[h],
            float(block_decay[h]),
            weights[h],
            fade_in[h, :, 0, 0],
            None if tail is None else (tail[0][h], tail[1][h], tail[2][h], float(tail[3][h])),
        )
        for h in range(heads)
    ]

    def one_sequence(job: tuple[int, int]) -> None:
        b, h = job
        new_state[b, h] = _one_sequence(
            q[b, h], k[b, h], v[b, h], out[b, h], state[b, h], per_head[h]
        )

    jobs = [(b, h) for b in range(batch) for h in range(heads)]
    workers = min(torch.get_num_threads(), len(jobs))
    if workers <= 1:
        for job in jobs:
            one_sequence(job)
    else:
        list(_worker_pool(workers).map(one_sequence, jobs))
    return out, new_state


def _one_sequence(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    out: torch.Tensor,
    state: torch.Tensor,
    decays: _HeadDecays,
) -> torch.Tensor:
    """Lightning attention over one sequence: q, k (seq, d), v and out (seq, e), state (d, e).

    Writes out in place and returns the final state. Runs of up to _RUN_BLOCKS whole blocks
    (the same three steps as :func:`_whole_blocks`, for one head), then the shorter last block.
    Scratch buffers are allocated once per sequence and reused by every run.
    """
    seq, dim = q.shape
    v_dim = v.shape[-1]
    block = decays.mask.shape[-1]
    dtype = state.dtype
    direct = q.dtype == dtype and v.dtype == dtype and k.dtype == dtype
    run = per_sequence_run(seq, block)
    scores_buf = torch.empty(run, block, block, dtype=dtype)
    faded_buf = torch.empty(run, block, dim, dtype=dtype)
    kv_buf, states_buf = torch.empty(2, run, dim * v_dim, dtype=dtype)
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
        scores.mul_(decays.mask)
        torch.bmm(scores, vb, out=ob)
        # What each block adds to the state, K̃_bᵀ V_b, and the state entering each block.
        torch.mul(kb, decays.key, out=faded)
        torch.bmm(faded.transpose(1, 2), vb, out=block_kv.view(m, dim, v_dim))
        torch.mm(decays.weights[:m, :m], block_kv, out=states)
        states.addr_(decays.fade_in[:m], state)
        state = torch.add(block_kv[m - 1], states[m - 1], alpha=decays.block)
        # Inter-block, right product (λ^(i+1) q_i) S_b, added in place.
        torch.mul(qb, decays.query, out=faded)
        ob.baddbmm_(faded, states.view(m, dim, v_dim))
        if not direct:
            out[start:stop].copy_(ob.view(-1, v_dim))
    if decays.tail is not None:
        query, key, mask, block_decay = decays.tail
        qt, kt, vt = (t[whole:].to(dtype) for t in (q, k, v))
        s = state.view(dim, v_dim)
        o = torch.mm(torch.mm(qt, kt.T).mul_(mask), vt)
        o.addmm_(qt * query, s)
        state = torch.addmm(s, (kt * key).T, vt, beta=block_decay)
        out[whole:].copy_(o)
    return state.view(dim, v_dim)


# --- the worker threads ----------------------------------------------------------------------

_POOLS: dict[int, ThreadPoolExecutor] = {}
_POOLS_LOCK = threading.Lock()


def _worker_pool(workers: int) -> ThreadPoolExecutor:
    """The process's pool of ``workers`` single-threaded worker threads, started on first use.

    Callers in several Python threads share it, so together they never run more workers than
    that (jobs queue instead of oversubscribing the cores), and no call changes any setting.
    """
    with _POOLS_LOCK:
        if workers not in _POOLS:
            _POOLS[workers] = _start_single_threaded_pool(workers)
        return _POOLS[workers]


def _start_single_threaded_pool(workers: int) -> ThreadPoolExecutor:
    """Start ``workers`` threads that each run torch on one thread.

    torch has no setter for one thread alone. ``torch.set_num_threads(n)`` sets the calling
    thread's own OpenMP and MKL thread counts (which are per thread: threads that already use
    torch keep theirs) and also a process-wide count, which each thread adopts when it first uses
    torch. So each worker sets 1 for itself, and then a short-lived thread sets the process-wide
    count back to what new threads got before. Only a thread whose first use of torch falls
    inside that moment (about a millisecond on an idle machine; once per process and pool size)
    would start with 1. tests/test_kernels.py checks every count the workers could change.
    """
    new_thread_count = _in_new_thread(torch.get_num_threads)
    pool = ThreadPoolExecutor(workers, "minimoe-lightning", initializer=_run_single_threaded)
    # One task per worker that waits for all the others: every worker thread starts now.
    all_started = threading.Barrier(workers, timeout=60)
    for started in [pool.submit(all_started.wait) for _ in range(workers)]:
        started.result()
    _in_new_thread(lambda: torch.set_num_threads(new_thread_count))
    return pool


def _run_single_threaded() -> None:
    """Make the calling thread run torch on one thread of its own."""
    # A thread adopts the process-wide count at its first use of torch (asking for the count
    # counts as a use), and only then: so use torch first, then set this thread's count.
    torch.get_num_threads()
    torch.set_num_threads(1)


def _in_new_thread(fn):
    """fn() run in a fresh thread, which then ends; returns its result."""
    result = []
    thread = threading.Thread(target=lambda: result.append(fn()))
    thread.start()
    thread.join()
    return result[0]


def _forget_pools() -> None:
    """In a forked child: the pools' threads did not come along, so start afresh."""
    global _POOLS_LOCK
    _POOLS.clear()
    _POOLS_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)
