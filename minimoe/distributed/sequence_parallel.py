"""Sequence parallelism for lightning attention, played in one process.

Cut a long sequence into chunks, one per device. Softmax attention needs, on every device, the
keys and values of all earlier chunks. Lightning attention needs only the prefix state S (one
head_dim × head_dim matrix per head) that summarises them, and it can be built from pieces:

1. every device runs its own chunk from a zero state. That gives the chunk's outputs as if
   nothing came before, and its *local state* S_loc(c): the chunk's keys and values, decayed to
   the chunk's end;
2. the devices share their local states (an all-gather), and each combines those of the chunks
   before it: S_in(0) = 0 and S_in(c + 1) = λ^(L_c) · S_in(c) + S_loc(c), with λ^(L_c) = exp(−s·L_c)
   the decay over chunk c's L_c tokens (per head);
3. every device adds what the prefix contributes to its rows, the inter-block term of
   :func:`~minimoe.attention.lightning.lightning_attention_blockwise`:
   o_i += λ^(i+1) · q_i · S_in(c) for row i of its chunk.

MiniMax-01's report describes this pattern for its long-context training (local prefix states,
an all-gather, a prefix sum). Here the devices are a Python loop; the communication is the list
of local states, H · d · d numbers per chunk whatever its length.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

from minimoe.attention.lightning import DEFAULT_BLOCK_SIZE, lightning_attention_blockwise


def chunk_decay(slopes: torch.Tensor, length: int) -> torch.Tensor:
    """λ^L = exp(−s·L) per head, shaped (heads, 1, 1) to scale a state (…, heads, d, d)."""
    return torch.exp(-slopes * length)[:, None, None]


def incoming_states(
    local_states: Sequence[torch.Tensor], slopes: torch.Tensor, lengths: Sequence[int]
) -> list[torch.Tensor]:
    """The state each chunk starts from, given every chunk's local state (step 2 above).

    Args:
        local_states: per chunk, (batch, heads, head_dim, v_dim), the final state of the chunk
            run from a zero state.
        slopes: (heads,) the decay slopes s.
        lengths: tokens per chunk.

    Returns:
        one (batch, heads, head_dim, v_dim) state per chunk; the first is zeros.
    """
    if len(local_states) != len(lengths):
        raise ValueError(f"{len(local_states)} local states but {len(lengths)} chunk lengths")
    states = [torch.zeros_like(local_states[0])]
    for local, length in zip(local_states[:-1], lengths[:-1]):
        states.append(chunk_decay(slopes.to(local.dtype), length) * states[-1] + local)
    return states


def lightning_attention_in_chunks(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    lengths: Sequence[int],
    block_size: int = DEFAULT_BLOCK_SIZE,
) -> torch.Tensor:
    """Lightning attention computed chunk by chunk as the devices would (steps 1 to 3).

    Args:
        q, k: (batch, heads, seq, head_dim); v: (batch, heads, seq, v_dim).
        slopes: (heads,).
        lengths: tokens per chunk, summing to seq.

    Returns:
        (batch, heads, seq, v_dim), equal to one pass over the whole sequence.
    """
    if sum(lengths) != q.shape[2] or min(lengths) < 1:
        raise ValueError(f"chunk lengths {list(lengths)} must be positive and sum to {q.shape[2]}")
    chunks = [torch.split(t, list(lengths), dim=2) for t in (q, k, v)]
    local = [
        lightning_attention_blockwise(qc, kc, vc, slopes, block_size) for qc, kc, vc in zip(*chunks)
    ]
    states = incoming_states([state for _, state in local], slopes, lengths)
    outputs = []
    for (out, _), q_chunk, state in zip(local, chunks[0], states):
        rows = torch.arange(1, q_chunk.shape[2] + 1, dtype=state.dtype, device=q.device)
        decay = torch.exp(-slopes.to(state.dtype)[:, None] * rows)  # λ^(i+1), (heads, L)
        prefix = (q_chunk.to(state.dtype) * decay[..., None]) @ state
        outputs.append(out + prefix.to(out.dtype))
    return torch.cat(outputs, dim=2)
