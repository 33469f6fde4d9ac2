"""Lesson 13 (scaling out): the all-to-all's bytes, the routers' drops, the chunks' prefix states."""

from __future__ import annotations

import math

import torch

from minimoe.attention.lightning import lightning_attention_blockwise, lightning_slopes
from minimoe.distributed.expert_parallel import all_to_all_bytes
from minimoe.distributed.router import choice_counts, plan_routing
from minimoe.distributed.sequence_parallel import incoming_states
from minimoe.exercises import close, exercise
from minimoe.moe import expert_capacity, route

# ---------------------------------------------------------------------- 13.all_to_all_bytes


def step_bytes(num_tokens: int, top_k: int, dropped: int, hidden_size: int, element_size: int):
    """Bytes one MoE layer's all-to-alls carry for the whole group in one training step."""
    return all_to_all_bytes(num_tokens * top_k - dropped, hidden_size, element_size)


@exercise(
    "13.all_to_all_bytes",
    reference=step_bytes,
    hints=(
        "Count rows first, then bytes. A row is one served (token, expert) pair, so every token "
        "makes k of them, minus the dropped ones. Then count how many times a row crosses an "
        "exchange in a step: think of the way out, the way back, and what the backward pass does.",
        "Rows: num_tokens · top_k − dropped, each of hidden_size numbers of element_size bytes. "
        "The forward pass has two exchanges (dispatch and combine); the backward pass sends the "
        "gradients of both back the same way.",
        "4 · (num_tokens · top_k − dropped) · hidden_size · element_size.",
    ),
    wrong=[
        lambda t, k, d, h, b: 2 * (t * k - d) * h * b,
        lambda t, k, d, h, b: 4 * (t - d) * h * b,
        lambda t, k, d, h, b: 4 * t * k * h * b,
        lambda t, k, d, h, b: 4 * (t * k - d) * h,
        lambda t, k, d, h, b: (t * k - d) * h * b,
    ],
)
def _check_all_to_all_bytes(candidate) -> None:
    for case in [(96, 2, 0, 16, 4), (96, 2, 13, 16, 4), (1000, 1, 40, 6144, 2), (8, 3, 5, 7, 8)]:
        got, want = candidate(*case), step_bytes(*case)
        assert got == want, f"all_to_all_bytes{case}: expected {want:,}, got {got}"


# ------------------------------------------------------------------ 13.dropped_assignments


def dropped_assignments(loads: torch.Tensor, top_k: int, capacity_factor: float) -> tuple[int, int]:
    """(global router, per-rank router) dropped assignments of a group.

    Args:
        loads: (R, E) long, how many assignments each rank's tokens send to each expert.
    """
    loads = torch.as_tensor(loads)
    num_experts = loads.shape[1]
    tokens = loads.sum(dim=1) // top_k  # T_r: every token makes k assignments
    group = expert_capacity(int(tokens.sum()), top_k, num_experts, capacity_factor)
    global_drops = (loads.sum(dim=0) - group).clamp(min=0).sum()
    per_rank = torch.tensor(
        [expert_capacity(int(t), top_k, num_experts, capacity_factor) for t in tokens]
    )
    per_rank_drops = (loads - per_rank[:, None]).clamp(min=0).sum()
    return int(global_drops), int(per_rank_drops)


def _drops_per_rank_capacity_everywhere(loads, top_k, capacity_factor):
    loads = torch.as_tensor(loads)
    c = expert_capacity(int(loads[0].sum()) // top_k, top_k, loads.shape[1], capacity_factor)
    return (
        int((loads.sum(dim=0) - c).clamp(min=0).sum()),
        int((loads - c).clamp(min=0).sum()),
    )


def _drops_capacity_from_assignments(loads, top_k, capacity_factor):
    return dropped_assignments(loads, 1, capacity_factor * top_k)


def _drops_floor(loads, top_k, capacity_factor):
    loads = torch.as_tensor(loads)
    tokens = loads.sum(dim=1) // top_k
    experts = loads.shape[1]
    group = math.floor(capacity_factor * int(tokens.sum()) * top_k / experts)
    mine = torch.tensor([math.floor(capacity_factor * int(t) * top_k / experts) for t in tokens])
    return (
        int((loads.sum(dim=0) - group).clamp(min=0).sum()),
        int((loads - mine[:, None]).clamp(min=0).sum()),
    )


def _drops_global_is_sum_of_rank_capacities(loads, top_k, capacity_factor):
    loads = torch.as_tensor(loads)
    tokens = loads.sum(dim=1) // top_k
    caps = [expert_capacity(int(t), top_k, loads.shape[1], capacity_factor) for t in tokens]
    _, per_rank = dropped_assignments(loads, top_k, capacity_factor)
    return int((loads.sum(dim=0) - sum(caps)).clamp(min=0).sum()), per_rank


def _drops_swapped(loads, top_k, capacity_factor):
    return dropped_assignments(loads, top_k, capacity_factor)[::-1]


@exercise(
    "13.dropped_assignments",
    reference=dropped_assignments,
    hints=(
        "Both routers use lesson 03's capacity, ceil(factor · tokens · k / E); they differ in "
        "which tokens they count and which queue an assignment waits in. The global router has "
        "one queue per expert for the whole group; the per-rank router has one per expert and rank.",
        "A rank's token count is its row of loads summed, divided by k. Global: capacity from "
        "the group's tokens, compared with each expert's column sum. Per rank: each rank's own "
        "capacity, compared with each entry of its row. Anything above a capacity is dropped.",
        "global = Σ_e max(0, Σ_r loads[r, e] − C) with C = ceil(f · T · k / E); per-rank = "
        "Σ_r Σ_e max(0, loads[r, e] − C_r) with C_r = ceil(f · T_r · k / E).",
    ),
    wrong=[
        _drops_per_rank_capacity_everywhere,
        _drops_capacity_from_assignments,
        _drops_floor,
        _drops_global_is_sum_of_rank_capacities,
        _drops_swapped,
    ],
)
def _check_dropped_assignments(candidate) -> None:
    g = torch.Generator().manual_seed(0)
    for sizes, experts, top_k, factor in [
        ((20, 20), 4, 2, 1.0),
        ((13, 7, 9), 8, 2, 1.25),
        ((5, 6, 7, 8), 8, 2, 0.9),
        ((11,), 3, 1, 1.1),
    ]:
        logits = torch.randn(sum(sizes), experts, generator=g)
        logits[:, 0] += 1.0  # a popular expert
        chosen = torch.split(route(logits, top_k)[1], list(sizes))
        counts = torch.stack([choice_counts(c, experts) for c in chosen])
        plans = [plan_routing(chosen[0], counts, 0, factor, r) for r in ("global", "per_rank")]
        want = tuple(p.dropped for p in plans)
        got = candidate(counts.sum(dim=1), top_k, factor)
        assert tuple(int(v) for v in got) == want, (
            f"ranks of {list(sizes)} tokens, {experts} experts, top-{top_k}, capacity factor "
            f"{factor}: expected (global, per-rank) = {want}, got {tuple(got)}"
        )


# ------------------------------------------------------------------------- 13.incoming_states


def _incoming_no_decay(local_states, slopes, lengths):
    states = [torch.zeros_like(local_states[0])]
    for local in local_states[:-1]:
        states.append(states[-1] + local)
    return states


def _incoming_one_token_decay(local_states, slopes, lengths):
    return incoming_states(local_states, slopes, [1] * len(lengths))


def _incoming_includes_own_chunk(local_states, slopes, lengths):
    return incoming_states(local_states, slopes, lengths)[1:] + [
        torch.exp(-slopes * lengths[-1])[:, None, None]
        * incoming_states(local_states, slopes, lengths)[-1]
        + local_states[-1]
    ]


def _incoming_decays_by_next_chunk(local_states, slopes, lengths):
    return incoming_states(local_states, slopes, list(lengths[1:]) + [lengths[0]])


@exercise(
    "13.incoming_states",
    reference=incoming_states,
    hints=(
        "The first chunk starts from nothing. Every later chunk starts from what the one before "
        "it started with, faded over that chunk's tokens, plus what that chunk added itself.",
        "Build the list one chunk at a time. The fading over L tokens is λ^L = exp(−s · L) per "
        "head, shaped (heads, 1, 1) to scale a state; L is the length of the chunk being crossed.",
        "S_in(0) = zeros; S_in(c + 1) = exp(−s · L_c)[:, None, None] · S_in(c) + local_states[c].",
    ),
    wrong=[
        _incoming_no_decay,
        _incoming_one_token_decay,
        _incoming_includes_own_chunk,
        _incoming_decays_by_next_chunk,
    ],
)
def _check_incoming_states(candidate) -> None:
    g = torch.Generator().manual_seed(0)
    for heads, lengths in [(4, [7, 5, 9]), (2, [16, 16, 16, 16]), (3, [3, 11])]:
        seq = sum(lengths)
        q, k, v = (0.5 * torch.randn(1, heads, seq, 8, generator=g) for _ in range(3))
        slopes = lightning_slopes(heads, 0, 4)
        chunks = [torch.split(t, lengths, dim=2) for t in (q, k, v)]
        local = [lightning_attention_blockwise(*c, slopes, 4)[1] for c in zip(*chunks)]
        # The truth: run the chunks one after the other, passing the state along.
        state, want = None, []
        for c in zip(*chunks):
            want.append(torch.zeros_like(local[0]) if state is None else state)
            state = lightning_attention_blockwise(*c, slopes, 4, state)[1]
        got = list(candidate(local, slopes, lengths))
        assert len(got) == len(lengths), (
            f"expected one state per chunk ({len(lengths)}), got {len(got)}"
        )
        for c, (mine, truth) in enumerate(zip(got, want)):
            close(mine, truth, f"state entering chunk {c} of lengths {lengths}", tol=1e-5)
