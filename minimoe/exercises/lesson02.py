"""Lesson 02 (from linear attention to lightning attention): the recurrent form with decay (a
first attempt to debug), and one block of the blockwise (lightning) form, its decays derived from
the recurrence."""

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
        "Divide the attempt's outputs by the right ones, head by head: within a head the ratio is "
        "one and the same number at every token. Which number of that head is it? It tells you "
        "how many times the newest token has been decayed by the time it is read.",
        "In the attempt the token just added is multiplied by λ before it is read, so token s "
        "enters o_t with weight λ^(t−s+1) instead of λ^(t−s). Decay the old state first, then add "
        "the new outer product k_tᵀ v_t undecayed, then read out with the updated state.",
        "state = decay * state + k[:, :, t, :, None] * v[:, :, t, None, :] with decay = "
        "torch.exp(-slopes)[:, None, None]; then outputs.append((q[:, :, t, None, :] @ state)"
        "[:, :, 0, :]); return torch.stack(outputs, dim=2), state",
    ),
    wrong=[
        _recurrent_decay_after_adding,  # the lesson's first attempt
        _recurrent_without_decay,
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
        "Count decay steps. The entering state holds everything up to the token just before the "
        "block: how many times does the recurrence multiply it by λ before row i reads it, and "
        "before it leaves the block? And key j: how many steps lie between its arrival and the "
        "block's last token?",
        "Row i comes i + 1 steps after the state's last token, so it reads λ^(i+1) S; the state "
        "leaves the block B steps later, as λ^B S; key j, added at step j, has B − 1 − j steps to "
        "go to the block's last token, so it is carried on as λ^(B−1−j) k_jᵀ v_j. Inside the "
        "block the weights are the decay mask's, λ^(i−j) for j ≤ i.",
        "With s = slopes[:, None, None] and i = torch.arange(B)[:, None]: intra = "
        "((q_b @ k_b.transpose(-1, -2)) * decay_mask(B, slopes)) @ v_b; inter = "
        "(q_b * torch.exp(-s * (i + 1))) @ state; new_state = torch.exp(-s * B) * state + "
        "(k_b * torch.exp(-s * (B - 1 - i))).transpose(-1, -2) @ v_b; return intra + inter, "
        "new_state",
    ),
    wrong=[
        _block_query_decay_off_by_one,
        _block_without_query_decay,
        _block_key_decay_off_by_one,
        _block_without_block_decay,
        _block_without_decay_inside,
    ],
)
def _check_lightning_block(candidate) -> None:
    g = torch.Generator().manual_seed(6)
    for batch, heads, size, dim, v_dim in [(1, 2, 4, 4, 4), (2, 3, 7, 4, 5), (1, 2, 1, 3, 3)]:
        shape = (batch, heads, size, dim, v_dim)
        q, k = (
            torch.randn(batch, heads, size, dim, generator=g, dtype=torch.float64) for _ in "qk"
        )
        v = torch.randn(batch, heads, size, v_dim, generator=g, dtype=torch.float64)
        state = torch.randn(batch, heads, dim, v_dim, generator=g, dtype=torch.float64)
        slopes = lightning_slopes(heads, 0, 2).double()
        # Each part alone first, so that a wrong answer learns which of its weights is off.
        parts = [
            (
                "with a zero entering state",
                (q, k, v, torch.zeros_like(state)),
                "the in-block weights",
                "the weights of the block's own keys",
            ),
            (
                "with k = v = 0",
                (q, torch.zeros_like(k), torch.zeros_like(v), state),
                "what row i reads of the entering state",
                "how the entering state fades over the block",
            ),
            ("with every input random", (q, k, v, state), "intra + inter", "both parts"),
        ]
        for setting, (q_, k_, v_, state_), out_part, state_part in parts:
            got = candidate(q_, k_, v_, slopes, state_)
            assert isinstance(got, tuple) and len(got) == 2, "return a tuple (o_b, new_state)"
            want_out, want_state = lightning_block(q_, k_, v_, slopes, state_)
            close(got[0], want_out, f"{setting}, o_b ({out_part}) for shape {shape}")
            close(got[1], want_state, f"{setting}, new_state ({state_part}) for shape {shape}")
