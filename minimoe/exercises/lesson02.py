"""Lesson 02 (from linear attention to lightning attention): the recurrent form with decay, and
one block of the blockwise (lightning) form."""

from __future__ import annotations

import torch

from minimoe.attention import (
    block_decays,
    lightning_attention_naive,
    lightning_attention_recurrent,
    lightning_block_step,
    lightning_slopes,
)
from minimoe.exercises import close, exercise

# ------------------------------------------------------------------- 02.lightning_recurrent


def _recurrent(q, k, v, slopes, decay, read_before_update=False, decay_after_adding=False):
    """A recurrent loop with the decay λ (heads,) given, for the wrong variants below."""
    batch, heads, seq, _ = q.shape
    state = torch.zeros(batch, heads, q.shape[-1], v.shape[-1], dtype=q.dtype)
    lam = decay[:, None, None]
    outputs = []
    for t in range(seq):
        outer = k[:, :, t, :, None] * v[:, :, t, None, :]
        if read_before_update:
            outputs.append((q[:, :, t, None, :] @ state)[:, :, 0])
        state = lam * (state + outer) if decay_after_adding else lam * state + outer
        if not read_before_update:
            outputs.append((q[:, :, t, None, :] @ state)[:, :, 0])
    return torch.stack(outputs, dim=2), state


def _recurrent_without_decay(q, k, v, slopes):
    return _recurrent(q, k, v, slopes, torch.ones_like(slopes))


def _recurrent_decay_after_adding(q, k, v, slopes):
    return _recurrent(q, k, v, slopes, torch.exp(-slopes), decay_after_adding=True)


def _recurrent_slope_as_decay(q, k, v, slopes):
    return _recurrent(q, k, v, slopes, slopes)


def _recurrent_reads_before_update(q, k, v, slopes):
    return _recurrent(q, k, v, slopes, torch.exp(-slopes), read_before_update=True)


@exercise(
    "02.lightning_recurrent",
    reference=lightning_attention_recurrent,
    hints=(
        "Start from a zero state of shape (batch, heads, head_dim, v_dim). For each token t: "
        "first decay the old state, then add the outer product k_t^T v_t "
        "(S = exp(-slopes)[:, None, None] * S + k_t[..., :, None] * v_t[..., None, :]); then read "
        "out o_t = q_t S with the UPDATED state. Return (outputs stacked along dim 2, final state).",
    ),
    wrong=[
        _recurrent_without_decay,
        _recurrent_decay_after_adding,
        _recurrent_slope_as_decay,
        _recurrent_reads_before_update,
    ],
)
def _check_lightning_recurrent(candidate) -> None:
    g = torch.Generator().manual_seed(5)
    # float64 throughout, so that only a wrong formula (not rounding) can fail the check.
    for batch, heads, seq, dim, v_dim in [(1, 2, 6, 4, 4), (2, 3, 9, 4, 5)]:
        q, k = (torch.randn(batch, heads, seq, dim, generator=g, dtype=torch.float64) for _ in "qk")
        v = torch.randn(batch, heads, seq, v_dim, generator=g, dtype=torch.float64)
        slopes = lightning_slopes(heads, 0, 2).double()
        got = candidate(q, k, v, slopes)
        assert isinstance(got, tuple) and len(got) == 2, "return a tuple (out, state)"
        out, state = got
        shape = (batch, heads, seq, dim, v_dim)
        close(out, lightning_attention_naive(q, k, v, slopes), f"out for shape {shape}")
        _, want_state = lightning_attention_recurrent(q, k, v, slopes)
        close(state, want_state, f"final state for shape {shape}")


# ----------------------------------------------------------------------- 02.lightning_block


def lightning_block(
    q_b: torch.Tensor,
    k_b: torch.Tensor,
    v_b: torch.Tensor,
    slopes: torch.Tensor,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One block of the blockwise form, B = q_b.shape[2]: the plain reference's block step.

    Args:
        q_b, k_b: (batch, heads, B, head_dim); v_b: (batch, heads, B, v_dim).
        slopes: (heads,).
        state: (batch, heads, head_dim, v_dim), the state entering the block.

    Returns:
        (o_b, state): o_b (batch, heads, B, v_dim) = intra + inter; the state after the block.
    """
    return lightning_block_step(q_b, k_b, v_b, block_decays(slopes, q_b.shape[2]), state)


def _block_with(q, k, v, slopes, state, change):
    """The reference block step with some of its decays changed, for the wrong variants below.

    ``change(decays, lam)`` returns the replaced fields of the right decays (λ is (heads, 1, 1)).
    """
    decays = block_decays(slopes, q.shape[2])
    lam = torch.exp(-slopes)[:, None, None]
    return lightning_block_step(q, k, v, decays._replace(**change(decays, lam)), state)


def _block_without_query_decay(q, k, v, slopes, state):
    return _block_with(q, k, v, slopes, state, lambda d, lam: {"query": torch.ones_like(d.query)})


def _block_query_decay_off_by_one(q, k, v, slopes, state):
    # λ^i instead of λ^(i+1)
    return _block_with(q, k, v, slopes, state, lambda d, lam: {"query": d.query / lam})


def _block_key_decay_off_by_one(q, k, v, slopes, state):
    # λ^(B−j) instead of λ^(B−1−j)
    return _block_with(q, k, v, slopes, state, lambda d, lam: {"key": d.key * lam})


def _block_without_block_decay(q, k, v, slopes, state):
    return _block_with(q, k, v, slopes, state, lambda d, lam: {"block": torch.ones_like(d.block)})


def _block_without_decay_inside(q, k, v, slopes, state):
    return _block_with(
        q, k, v, slopes, state, lambda d, lam: {"mask": torch.ones_like(d.mask).tril()}
    )


@exercise(
    "02.lightning_block",
    reference=lightning_block,
    hints=(
        "For row i of the block (0-based) and key j: intra = ((Q K^T) * D) V with "
        "D[i, j] = exp(-s (i - j)) for j <= i, else 0 (decay_mask(B, slopes)); "
        "inter = (exp(-s (i + 1)) * q_i) @ S; "
        "new S = exp(-s B) * S + (exp(-s (B - 1 - j)) * k_j)^T V. Broadcast the per-head slopes "
        "s as slopes[:, None, None].",
    ),
    wrong=[
        _block_without_query_decay,
        _block_query_decay_off_by_one,
        _block_key_decay_off_by_one,
        _block_without_block_decay,
        _block_without_decay_inside,
    ],
)
def _check_lightning_block(candidate) -> None:
    g = torch.Generator().manual_seed(6)
    for batch, heads, size, dim, v_dim in [(1, 2, 4, 4, 4), (2, 3, 7, 4, 5), (1, 2, 1, 3, 3)]:
        q, k = (
            torch.randn(batch, heads, size, dim, generator=g, dtype=torch.float64) for _ in "qk"
        )
        v = torch.randn(batch, heads, size, v_dim, generator=g, dtype=torch.float64)
        state = torch.randn(batch, heads, dim, v_dim, generator=g, dtype=torch.float64)
        slopes = lightning_slopes(heads, 0, 2).double()
        got = candidate(q, k, v, slopes, state)
        assert isinstance(got, tuple) and len(got) == 2, "return a tuple (o_b, new_state)"
        out, new_state = got
        want_out, want_state = lightning_block(q, k, v, slopes, state)
        shape = (batch, heads, size, dim, v_dim)
        close(out, want_out, f"block output for shape {shape} (intra + inter)")
        close(new_state, want_state, f"state after a block of shape {shape}")
