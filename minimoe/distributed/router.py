"""Routing across a group of processes: the global router and the per-rank router.

Each rank of a group holds its own tokens. Both routers let every token pick its top-k experts
as in :func:`minimoe.moe.route`; they differ in who the capacity limit and the balancing loss see.

**What "the same as one process" means.** Concatenate the group's routed tokens in rank order
(rank 0's tokens, then rank 1's, and so on, each rank's in its own order, padding left out).
One process running :class:`minimoe.moe.MoE` on that batch of T tokens gives every expert the
capacity C = ceil(capacity_factor · T · k / E) and serves the assignments choice-major: every
token's first choice, in that global token order, then every second choice, and so on; an
expert keeps the first C assignments it is offered and drops the rest. The **global router**
reproduces this exactly. Each rank counts its assignments per (choice, expert), the counts are
all-gathered (the extra all-gather step MiniMax-01 describes for its global router), and a
rank's assignment to expert e at choice j then has the global queue position::

    (all ranks' choices before j, to e) + (ranks before this one, choice j, to e)
        + (this rank's earlier tokens, choice j, to e)

It is kept when that position is below C. The balancing loss uses the group's routed shares
f_i and mean probabilities P_i, so it equals the one-process loss too.

The **per-rank router** is what a rank does alone: capacity ceil(capacity_factor · T_r · k / E)
from its own T_r tokens, its own queue, its own balancing loss. An expert that is busy on one rank
cannot use the room it has on another, so it drops at least as many tokens (up to rounding of
the per-rank capacities).

Shapes: T_r tokens on this rank, k choices, E experts, R ranks.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.distributed as dist
import torch.nn.functional as F

from minimoe.moe import expert_capacity, load_balancing_loss, queue_position

Router = Literal["global", "per_rank"]
ROUTERS: tuple[str, ...] = ("global", "per_rank")


def check_router(router: str) -> None:
    """ValueError unless ``router`` is one of :data:`ROUTERS`."""
    if router not in ROUTERS:
        raise ValueError(f"router must be one of {ROUTERS}, got {router!r}")


def choice_counts(expert_idx: torch.Tensor, num_experts: int) -> torch.Tensor:
    """How many of this rank's tokens chose each expert at each choice.

    Args:
        expert_idx: (T_r, k) chosen experts, best first.

    Returns:
        (k, E) long counts; row j sums to T_r.
    """
    return F.one_hot(expert_idx, num_experts).sum(dim=0)


def global_queue_position(
    expert_idx: torch.Tensor, all_counts: torch.Tensor, rank: int
) -> torch.Tensor:
    """Queue positions of this rank's assignments in the group-wide order defined above.

    Args:
        expert_idx: (T_r, k) this rank's chosen experts.
        all_counts: (R, k, E) :func:`choice_counts` of every rank.
        rank: this rank's index.

    Returns:
        (k · T_r,) long positions, for the assignments in :func:`~minimoe.moe.choice_major` order.
    """
    num_experts = all_counts.shape[-1]
    assign_expert = expert_idx.t().reshape(-1)  # choice-major, as minimoe.moe.choice_major
    if assign_expert.numel() == 0:
        return assign_expert
    # queue_position counts this rank's own earlier choices already; add everything else that
    # is ahead of it: other ranks' earlier choices, and earlier ranks' same choice.
    group_by_choice = all_counts.sum(dim=0)  # (k, E)
    earlier_choices = group_by_choice.cumsum(dim=0) - group_by_choice
    own_earlier_choices = all_counts[rank].cumsum(dim=0) - all_counts[rank]
    earlier_ranks = all_counts[:rank].sum(dim=0)
    ahead = earlier_choices - own_earlier_choices + earlier_ranks  # (k, E)
    choice = torch.arange(expert_idx.shape[1], device=expert_idx.device).repeat_interleave(
        expert_idx.shape[0]
    )
    return queue_position(assign_expert, num_experts) + ahead[choice, assign_expert]


@dataclass
class GroupRouting:
    """What the router decided for this rank's tokens, and the group's totals.

    Attributes:
        keep: (k · T_r,) bool, in choice-major order: served (True) or dropped.
        capacity: assignments one expert may take (this rank's own capacity for the per-rank
            router), or None when dropless.
        tokens_per_expert: (E,) long, the group's assignments to each expert before drops.
        dropped: the group's dropped assignments.
        num_tokens: T, the group's routed tokens.
    """

    keep: torch.Tensor
    capacity: int | None
    tokens_per_expert: torch.Tensor
    dropped: int
    num_tokens: int


def plan_routing(
    expert_idx: torch.Tensor,
    all_counts: torch.Tensor,
    rank: int,
    capacity_factor: float | None,
    router: Router = "global",
) -> GroupRouting:
    """Which of this rank's assignments are served, from every rank's counts (a pure function).

    Args:
        expert_idx: (T_r, k) this rank's chosen experts.
        all_counts: (R, k, E) :func:`choice_counts` of every rank (all-gathered).
        rank: this rank's index.
        capacity_factor: None for dropless routing.
        router: ``"global"`` or ``"per_rank"`` (see the module docstring).
    """
    check_router(router)
    _, top_k, num_experts = all_counts.shape
    per_rank_tokens = all_counts[:, 0].sum(dim=-1)  # (R,): every token has one first choice
    num_tokens = int(per_rank_tokens.sum())
    per_rank_load = all_counts.sum(dim=1)  # (R, E)
    tokens_per_expert = per_rank_load.sum(dim=0)
    keep = torch.ones(expert_idx.numel(), dtype=torch.bool, device=expert_idx.device)
    if capacity_factor is None:
        return GroupRouting(keep, None, tokens_per_expert, 0, num_tokens)
    if router == "global":
        capacity = expert_capacity(num_tokens, top_k, num_experts, capacity_factor)
        keep = global_queue_position(expert_idx, all_counts, rank) < capacity
        dropped = int((tokens_per_expert - capacity).clamp(min=0).sum())
        return GroupRouting(keep, capacity, tokens_per_expert, dropped, num_tokens)
    capacities = torch.tensor(
        [expert_capacity(int(t), top_k, num_experts, capacity_factor) for t in per_rank_tokens],
        device=all_counts.device,
    )
    keep = queue_position(expert_idx.t().reshape(-1), num_experts) < capacities[rank]
    dropped = int((per_rank_load - capacities[:, None]).clamp(min=0).sum())
    return GroupRouting(keep, int(capacities[rank]), tokens_per_expert, dropped, num_tokens)


def gather_counts(counts: torch.Tensor, group: dist.ProcessGroup | None = None) -> torch.Tensor:
    """All-gather every rank's (k, E) counts into (R, k, E): the global router's extra step."""
    gathered = [torch.empty_like(counts) for _ in range(dist.get_world_size(group))]
    dist.all_gather(gathered, counts.contiguous(), group=group)
    return torch.stack(gathered)


def balancing_loss_term(
    probs: torch.Tensor,
    expert_idx: torch.Tensor,
    routing: GroupRouting,
    world_size: int,
    router: Router = "global",
) -> torch.Tensor:
    """This rank's term of the balancing loss; the mean of the ranks' terms is the group's loss.

    Global router: with the group's shares f_i = N_i / T and this rank's probability sums
    S_i = Σ_{t on this rank} p_ti, the term is R · E · Σ_i f_i · S_i / T. Averaged over the R
    ranks it is E · Σ_i f_i · P_i with P_i the group's mean probability, the one-process loss,
    value and gradient. Per-rank router: this rank's own :func:`~minimoe.moe.load_balancing_loss`.

    Args:
        probs: (T_r, E) this rank's router probabilities (differentiable).
        expert_idx: (T_r, k) its chosen experts.
    """
    num_experts = probs.shape[-1]
    if router == "per_rank":
        return load_balancing_loss(probs, expert_idx, num_experts)
    if routing.num_tokens == 0:
        return probs.sum() * 0.0
    share = routing.tokens_per_expert.to(probs.dtype) / routing.num_tokens  # f_i
    return world_size * num_experts * (share * probs.sum(dim=0)).sum() / routing.num_tokens
