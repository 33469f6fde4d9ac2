"""The contract between the reference and the fast kernels: every kernel that
lightning_attention_fast can pick computes what the plain lightning_attention_blockwise computes,
and the CPU kernel's worker threads change no thread count that anyone else sees."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minimoe.attention import (
    kernels,
    lightning_attention_blockwise,
    lightning_attention_fast,
    lightning_slopes,
)

KERNELS = ["batched", "per_sequence"]
DTYPES = [torch.float32, torch.bfloat16, torch.float64]
# Output tolerance per input dtype. bfloat16 outputs are rounded from float32 sums that agree to
# ~1e-6, so they can land one bfloat16 step (2⁻⁸ relative) apart.
OUT_TOLERANCE = {
    torch.float32: dict(atol=1e-4, rtol=1e-4),
    torch.bfloat16: dict(atol=1e-2, rtol=1.6e-2),
    torch.float64: dict(atol=1e-10, rtol=1e-10),
}
STATE_TOLERANCE = {
    torch.float32: dict(atol=1e-4, rtol=1e-4),
    torch.bfloat16: dict(atol=1e-4, rtol=1e-4),  # the state is float32 for bfloat16 inputs
    torch.float64: dict(atol=1e-10, rtol=1e-10),
}


@contextlib.contextmanager
def _only(kernel):
    """Make lightning_attention_fast pick ``kernel`` where it can, and check that it ran."""
    ran = []
    real = getattr(kernels, f"blockwise_{kernel}")

    def spy(*args):
        ran.append(kernel)
        return real(*args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(kernels, f"blockwise_{kernel}", spy)
        patch.setattr(kernels, "CPU_PATH_MIN_TOKENS", 0 if kernel == "per_sequence" else 1 << 62)
        yield
    assert ran, f"the {kernel} kernel did not run"


@contextlib.contextmanager
def _torch_threads(n):
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _inputs(batch, heads, seq, dim, v_dim, seed=0, dtype=torch.float32, layout="contiguous"):
    """q, k, v in the range SiLU gives the layer. layout="layer": strided views split from one
    fused (batch, seq, heads, 2·dim + v_dim) projection, as LightningAttention makes them."""
    g = torch.Generator().manual_seed(seed)
    fused = torch.nn.functional.silu(torch.randn(batch, seq, heads, 2 * dim + v_dim, generator=g))
    q, k, v = fused.to(dtype).transpose(1, 2).split([dim, dim, v_dim], dim=-1)
    if layout == "contiguous":
        q, k, v = (t.contiguous() for t in (q, k, v))
    return q, k, v


def _slopes(heads, seed, dtype=torch.float32):
    """Slopes spanning fast forgetting (s=2) to almost none (s=1e-4)."""
    g = torch.Generator().manual_seed(seed)
    log_s = torch.empty(heads).uniform_(-9.2, 0.69, generator=g)
    return torch.exp(log_s).to(torch.promote_types(dtype, torch.float32))


def _state(batch, heads, dim, v_dim, seed, dtype):
    g = torch.Generator().manual_seed(seed + 1)
    return torch.randn(batch, heads, dim, v_dim, generator=g).to(
        torch.promote_types(dtype, torch.float32)
    )


# --- every kernel equals the reference ------------------------------------------------------


# What both property tests below draw, besides the sequence length.
CASES = dict(
    batch=st.integers(1, 2),
    heads=st.integers(1, 3),
    dim=st.integers(1, 8),
    v_dim=st.integers(1, 6),
    block=st.integers(1, 40),
    dtype=st.sampled_from(DTYPES),
    layout=st.sampled_from(["contiguous", "layer"]),
    from_a_state=st.booleans(),
    seed=st.integers(0, 10_000),
)


@settings(max_examples=80, deadline=None)
@given(
    kernel=st.sampled_from(KERNELS),
    seq=st.integers(0, 300),
    threads=st.sampled_from([1, 2]),
    **CASES,
)
def test_every_kernel_equals_the_reference(
    kernel, batch, heads, seq, dim, v_dim, block, dtype, layout, from_a_state, threads, seed
):
    q, k, v = _inputs(batch, heads, seq, dim, v_dim, seed, dtype, layout)
    s = _slopes(heads, seed, dtype)
    state = _state(batch, heads, dim, v_dim, seed, dtype) if from_a_state else None
    want, want_state = lightning_attention_blockwise(q, k, v, s, block, state)
    with _only(kernel), _torch_threads(threads):
        got, got_state = lightning_attention_fast(q, k, v, s, block, state)
    assert got.shape == want.shape and got.dtype == want.dtype == dtype
    assert got_state.dtype == want_state.dtype == torch.promote_types(dtype, torch.float32)
    torch.testing.assert_close(got, want, **OUT_TOLERANCE[dtype])
    torch.testing.assert_close(got_state, want_state, **STATE_TOLERANCE[dtype])


@settings(max_examples=25, deadline=None)
@given(seq=st.integers(1, 150), **CASES)
def test_kernel_gradients_equal_the_references(
    batch, heads, seq, dim, v_dim, block, dtype, layout, from_a_state, seed
):
    # Training: with autograd the fast path must pick the differentiable kernel whatever the
    # length, and its gradients (the starting state's included) must be the reference's.
    inputs = _inputs(batch, heads, seq, dim, v_dim, seed, dtype, layout)
    q, k, v = (t.detach().requires_grad_() for t in inputs)
    s = _slopes(heads, seed, dtype)
    state = _state(batch, heads, dim, v_dim, seed, dtype).requires_grad_() if from_a_state else None
    leaves = [q, k, v] + ([state] if from_a_state else [])
    weights = torch.randn(batch, heads, seq, v_dim, generator=torch.Generator().manual_seed(seed))
    weights = weights.to(dtype)

    def grads(form):
        out, final = form(q, k, v, s, block, state)
        loss = (out * weights).sum() + final.sum()
        return torch.autograd.grad(loss, leaves)

    want = grads(lightning_attention_blockwise)
    with _only("batched"), pytest.MonkeyPatch.context() as patch:
        patch.setattr(kernels, "CPU_PATH_MIN_TOKENS", 0)  # autograd still gets the batched one
        got = grads(lightning_attention_fast)
    for g, w in zip(got, want):
        torch.testing.assert_close(g, w, **OUT_TOLERANCE[dtype])


def test_batched_kernel_over_several_runs_equals_the_reference():
    # Runs of whole blocks a bounded number of tokens at a time: two runs and a shorter last
    # block, forward and backward, against the reference in float64.
    seq = 2 * kernels.run_length(rows=2, block=64) + 100
    q, k, v = (t.requires_grad_() for t in _inputs(1, 2, seq, 8, 8, seed=2))
    s = torch.tensor([0.3, 1e-3])
    weights = torch.randn(1, 2, seq, 8)
    with _only("batched"):
        out, _ = lightning_attention_fast(q, k, v, s, 64)
    grads = torch.autograd.grad((out * weights).sum(), (q, k, v))
    reference, _ = lightning_attention_blockwise(q.double(), k.double(), v.double(), s, 64)
    expected = torch.autograd.grad((reference * weights).sum(), (q, k, v))
    torch.testing.assert_close(out, reference.float(), atol=1e-4, rtol=1e-5)
    for got, want in zip(grads, expected):
        torch.testing.assert_close(got, want.float(), atol=1e-3, rtol=1e-4)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cpu_kernel_over_several_runs_on_a_layers_inputs(dtype):
    # Three runs of 32 blocks of 64 and a shorter last block, on strided views, two threads.
    seq = 3 * 32 * 64 + 100
    q, k, v = _inputs(2, 3, seq, 16, 16, seed=5, dtype=dtype, layout="layer")
    assert not q.is_contiguous()
    s = lightning_slopes(3, 0, 2).to(torch.promote_types(dtype, torch.float32))
    state = _state(2, 3, 16, 16, 5, dtype)
    want, want_state = lightning_attention_blockwise(q, k, v, s, 64, state)
    with _only("per_sequence"), _torch_threads(2):
        got, got_state = lightning_attention_fast(q, k, v, s, 64, state)
    torch.testing.assert_close(got, want, **OUT_TOLERANCE[dtype])
    torch.testing.assert_close(got_state, want_state, **STATE_TOLERANCE[dtype])


def test_fast_path_picks_its_kernel(monkeypatch):
    calls = []
    for kernel in KERNELS:
        real = getattr(kernels, f"blockwise_{kernel}")
        monkeypatch.setattr(
            kernels,
            f"blockwise_{kernel}",
            lambda *a, _k=kernel, _f=real: calls.append(_k) or _f(*a),
        )
    n = kernels.CPU_PATH_MIN_TOKENS
    q, k, v = _inputs(1, 2, n, 4, 4)
    s = lightning_slopes(2, 0, 2)
    lightning_attention_fast(q, k, v, s)  # long, CPU, no gradient needed
    lightning_attention_fast(q[:, :, 1:], k[:, :, 1:], v[:, :, 1:], s)  # one token shorter
    q.requires_grad_()
    out, _ = lightning_attention_fast(q, k, v, s)  # training: the differentiable kernel
    assert out.requires_grad
    with torch.no_grad():
        lightning_attention_fast(q, k, v, s)
    state = torch.zeros(1, 2, 4, 4, requires_grad=True)
    lightning_attention_fast(q.detach(), k, v, s, state=state)  # a state that needs a gradient
    assert calls == ["per_sequence", "batched", "batched", "per_sequence", "batched"]


# --- the CPU kernel's worker threads ---------------------------------------------------------


def _count_in_a_new_thread():
    seen = []
    thread = threading.Thread(target=lambda: seen.append(torch.get_num_threads()))
    thread.start()
    thread.join()
    return seen[0]


def test_cpu_kernel_leaves_every_threads_count_alone(monkeypatch):
    # torch's thread counts: the caller's own, that of any thread already using torch, and
    # the count a new thread starts with. None of them may change during or after calls, from
    # one caller or from several at once; only the kernel's own workers run single-threaded.
    monkeypatch.setattr(kernels, "_POOLS", {})  # so that this test starts the workers
    q, k, v = _inputs(1, 4, kernels.CPU_PATH_MIN_TOKENS, 8, 8)
    s = lightning_slopes(4, 0, 2)
    expected, _ = lightning_attention_blockwise(q, k, v, s)
    watched, new_threads, callers, results = set(), [], [], []
    calls_done = threading.Event()

    def watch():  # already uses torch, and runs all along
        torch.get_num_threads()
        while not calls_done.wait(0.001):
            watched.add(torch.get_num_threads())

    def call():
        seen = [torch.get_num_threads()]
        results.append(lightning_attention_fast(q, k, v, s)[0])
        callers.append(seen + [torch.get_num_threads()])

    def start_new_threads():
        while not calls_done.wait(0.001):
            new_threads.append(_count_in_a_new_thread())

    watcher = threading.Thread(target=watch)
    spawner = threading.Thread(target=start_new_threads)
    concurrent = [threading.Thread(target=call) for _ in range(3)]
    with _torch_threads(2):
        try:
            assert _count_in_a_new_thread() == 2
            watcher.start()
            call()  # the first call starts the workers
            assert _count_in_a_new_thread() == 2
            for thread in [spawner, *concurrent]:
                thread.start()
            for thread in concurrent:
                thread.join()
        finally:
            calls_done.set()
            for thread in [spawner, watcher]:
                if thread.is_alive():
                    thread.join()
        assert torch.get_num_threads() == 2
        assert _count_in_a_new_thread() == 2
        workers = kernels._worker_pool(2)
        assert {workers.submit(torch.get_num_threads).result() for _ in range(8)} == {1}
    assert watched == {2}
    assert new_threads and set(new_threads) == {2}
    assert callers == [[2, 2]] * 4
    assert len(results) == 4
    for out in results:
        torch.testing.assert_close(out, expected, **OUT_TOLERANCE[torch.float32])
    assert list(kernels._POOLS) == [2] and kernels._worker_pool(2) is workers


_FORK_SCRIPT = """
import faulthandler, os, sys, threading
import torch
from minimoe.attention import kernels, lightning_attention_fast, lightning_slopes

torch.set_num_threads(2)
g = torch.Generator().manual_seed(0)
q, k, v = (torch.randn(1, 4, 2048, 16, generator=g) for _ in range(3))
s = lightning_slopes(4, 0, 2)
expected, _ = lightning_attention_fast(q, k, v, s)  # the parent starts its workers
assert list(kernels._POOLS) == [2]
pid = os.fork()
if pid == 0:
    faulthandler.dump_traceback_later(60, exit=True)
    report = {"pools at the fork": list(kernels._POOLS)}

    def child():
        out, _ = lightning_attention_fast(q, k, v, s)
        report["equal"] = torch.equal(out, expected)
        report["caller"] = torch.get_num_threads()
        report["new thread"] = kernels._in_new_thread(torch.get_num_threads)
        report["workers"] = kernels._worker_pool(2).submit(torch.get_num_threads).result()

    # GNU OpenMP cannot run a team of threads in a forked child's main thread once the
    # parent's main thread has run one (torch's own operations hang there too), so the child
    # calls from a thread of its own.
    thread = threading.Thread(target=child)
    thread.start()
    thread.join()
    print(report, flush=True)
    want = {"pools at the fork": [], "equal": True, "caller": 2, "new thread": 2, "workers": 1}
    os._exit(0 if report == want else 1)
_, status = os.waitpid(pid, 0)
sys.exit(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform != "linux", reason="needs fork")
def test_a_forked_child_starts_its_own_workers():
    root = Path(__file__).resolve().parents[1]
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")])
    )
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(_FORK_SCRIPT)],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr
