"""Expert parallelism: the experts of one MoE layer spread over the ranks of a group.

With R ranks and E experts, rank r holds experts r·E/R … (r+1)·E/R − 1 (:func:`owned_experts`);
the router is small and every rank keeps a copy. One forward pass of :class:`ExpertParallelMoE`
on a rank's own tokens:

1. route its tokens (top-k of E) and decide with the group which assignments are served
   (:mod:`minimoe.distributed.router`: the global or the per-rank rule);
2. **dispatch**: sort the served assignments by expert, tell every rank how many rows it will
   get for each of its experts (a small all-to-all of counts: the split sizes), then send each
   token's hidden vector to the rank that owns the expert (``all_to_all_single``);
3. every rank runs its experts on the rows it received;
4. **combine**: send the results back the same way with the splits swapped, weight them by the
   gates and add them up per token.

The exchange is differentiable (:func:`all_to_all`): its backward pass is the same all-to-all
with the splits swapped, so every expert gets the gradient of every token it served, from
whichever rank the token lives on. The router copies still need their gradients summed over the
ranks (:func:`minimoe.distributed.data_parallel.all_reduce_gradients`), as any replicated
weight does.

:class:`GroupRoutedMoE` is the same layer with every expert on every rank (data parallelism): the
tokens stay where they are and only the routing counts are shared.

:class:`AllToAllTraffic` counts the rows and bytes each rank hands to the exchanges, to set
against :func:`all_to_all_bytes`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.distributed as dist
from torch import nn

from minimoe.distributed.router import (
    Router,
    balancing_loss_term,
    check_router,
    choice_counts,
    gather_counts,
    plan_routing,
)
from minimoe.moe import MoE, MoEStats, apply_experts, choice_major, route, routed_token_ids


def owned_experts(rank: int, world_size: int, num_experts: int) -> range:
    """The experts rank ``rank`` holds: a contiguous block of E / R."""
    if num_experts % world_size:
        raise ValueError(
            f"num_experts={num_experts} must be a multiple of the world size {world_size} "
            "for expert parallelism (each rank holds the same number of experts)"
        )
    per_rank = num_experts // world_size
    return range(rank * per_rank, (rank + 1) * per_rank)


def all_to_all_bytes(
    assignments: int, hidden_size: int, element_size: int, *, training: bool = True
) -> int:
    """Bytes one MoE layer's exchanges carry for a group, from the token count alone.

    Each served assignment (a token and one of its k experts: T·k of them when nothing is
    dropped) is a row of ``hidden_size`` numbers. It travels to its expert's rank (dispatch) and
    its result travels back (combine): 2 exchanges. Training adds the backward pass, which
    sends the gradients of both back the same way: 4 exchanges.

    The count includes the rows a rank "sends" to itself (``all_to_all_single`` copies them in
    memory). Only the rows for experts on other ranks cross the network: a share (R − 1)/R of
    them when the router spreads tokens evenly over the experts.
    """
    return (4 if training else 2) * assignments * hidden_size * element_size


@dataclass
class AllToAllTraffic:
    """What one rank handed to ``all_to_all_single`` for token rows, forward and backward.

    Attributes:
        rank: the rank this count belongs to.
        exchanges: calls made.
        bytes_to: bytes sent to each rank so far (the entry for ``rank`` itself stays in memory).
    """

    rank: int
    exchanges: int = 0
    bytes_to: list[int] = field(default_factory=list)

    def record(self, send_splits: list[int], row_bytes: int) -> None:
        if not self.bytes_to:
            self.bytes_to = [0] * len(send_splits)
        self.exchanges += 1
        self.bytes_to = [sent + rows * row_bytes for sent, rows in zip(self.bytes_to, send_splits)]

    @property
    def bytes_sent(self) -> int:
        """Σ over calls of (rows sent) · (row bytes), including the rows for itself."""
        return sum(self.bytes_to)

    @property
    def bytes_off_rank(self) -> int:
        """The same, counting only the rows for other ranks."""
        return self.bytes_sent - (self.bytes_to[self.rank] if self.bytes_to else 0)

    def reset(self) -> None:
        self.exchanges, self.bytes_to = 0, []


def _exchange(
    rows: torch.Tensor,
    recv_splits: list[int],
    send_splits: list[int],
    group: dist.ProcessGroup | None,
    traffic: AllToAllTraffic | None,
) -> torch.Tensor:
    received = rows.new_empty((sum(recv_splits), rows.shape[1]))
    dist.all_to_all_single(received, rows.contiguous(), recv_splits, send_splits, group=group)
    if traffic is not None:
        traffic.record(send_splits, rows.shape[1] * rows.element_size())
    return received


class _AllToAll(torch.autograd.Function):
    @staticmethod
    def forward(ctx, rows, recv_splits, send_splits, group, traffic):
        ctx.splits, ctx.group, ctx.traffic = (recv_splits, send_splits), group, traffic
        return _exchange(rows, recv_splits, send_splits, group, traffic)

    @staticmethod
    def backward(ctx, grad):
        recv_splits, send_splits = ctx.splits
        # A row's gradient belongs to the rank the row came from: swap the splits.
        return _exchange(grad, send_splits, recv_splits, ctx.group, ctx.traffic), *([None] * 4)


def all_to_all(
    rows: torch.Tensor,
    recv_splits: list[int],
    send_splits: list[int],
    group: dist.ProcessGroup | None = None,
    traffic: AllToAllTraffic | None = None,
) -> torch.Tensor:
    """Differentiable ``all_to_all_single`` of token rows.

    Args:
        rows: (Σ send_splits, hidden); the first ``send_splits[0]`` rows go to rank 0, the next
            ``send_splits[1]`` to rank 1, and so on.
        recv_splits: rows this rank gets from each rank (what they send it).
        traffic: where to count the bytes, or None.

    Returns:
        (Σ recv_splits, hidden): rank 0's rows first, then rank 1's, ...
    """
    return _AllToAll.apply(rows, recv_splits, send_splits, group, traffic)


class GroupRoutedMoE(nn.Module):
    """An MoE layer whose capacity and balancing loss see the whole group; every expert local.

    Shares the weights of ``moe`` (same parameter names, so state dicts are unchanged). Every
    rank must call it the same number of times: the routing counts are gathered in each call.

    :class:`~minimoe.moe.MoEStats` are the group's: ``tokens_per_expert``, ``dropped`` and
    ``router_prob_mean`` count every rank's tokens; ``aux_loss`` is this rank's term
    (:func:`~minimoe.distributed.router.balancing_loss_term`), whose mean over the ranks is the
    group's balancing loss.
    """

    def __init__(
        self, moe: MoE, group: dist.ProcessGroup | None = None, router: Router = "global"
    ) -> None:
        super().__init__()
        check_router(router)
        self.num_experts, self.top_k = moe.num_experts, moe.top_k
        self.capacity_factor = moe.capacity_factor
        self.group, self.router = group, router
        self.rank, self.world_size = dist.get_rank(group), dist.get_world_size(group)
        self.gate = moe.gate
        self.owned = self._owned_experts()
        self.experts = nn.ModuleList(moe.experts[e] for e in self.owned)

    def _owned_experts(self) -> range:
        return range(self.num_experts)

    def forward(
        self, x: torch.Tensor, token_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, MoEStats]:
        """Same arguments and results as :meth:`minimoe.moe.MoE.forward`, for this rank's tokens."""
        flat = x.reshape(-1, x.shape[-1])
        weights, expert_idx, probs = route(self.gate(flat), self.top_k)
        token_ids = routed_token_ids(x, token_mask)
        if token_mask is not None:
            weights, expert_idx, probs = weights[token_ids], expert_idx[token_ids], probs[token_ids]
        all_counts = gather_counts(choice_counts(expert_idx, self.num_experts), self.group)
        routing = plan_routing(expert_idx, all_counts, self.rank, self.capacity_factor, self.router)
        assignments = choice_major(token_ids, expert_idx, weights)
        out = self._run_experts(flat, *assignments, routing.keep)

        prob_sum = probs.detach().sum(dim=0)
        dist.all_reduce(prob_sum, group=self.group)
        stats = MoEStats(
            aux_loss=balancing_loss_term(probs, expert_idx, routing, self.world_size, self.router),
            tokens_per_expert=routing.tokens_per_expert,
            dropped=routing.dropped,
            router_prob_mean=prob_sum / max(routing.num_tokens, 1),
            capacity=routing.capacity,
        )
        return out.reshape(x.shape), stats

    def _run_experts(
        self,
        flat: torch.Tensor,
        assign_token: torch.Tensor,
        assign_expert: torch.Tensor,
        assign_weight: torch.Tensor,
        keep: torch.Tensor,
    ) -> torch.Tensor:
        return apply_experts(self.experts, flat, assign_token, assign_expert, assign_weight, keep)


class ExpertParallelMoE(GroupRoutedMoE):
    """An MoE layer whose experts are spread over the group; tokens travel to them and back.

    Build it on every rank from the same full :class:`~minimoe.moe.MoE` (same seed): it keeps
    the router and the experts of :func:`owned_experts`, sharing their weights. Each token's
    output equals the one-process MoE's on the group's concatenated batch (the module docstring
    of :mod:`minimoe.distributed.router` defines that order); ``traffic`` counts the bytes sent.
    """

    def __init__(
        self, moe: MoE, group: dist.ProcessGroup | None = None, router: Router = "global"
    ) -> None:
        super().__init__(moe, group, router)
        self.traffic = AllToAllTraffic(self.rank)

    def _owned_experts(self) -> range:
        return owned_experts(self.rank, self.world_size, self.num_experts)

    def _run_experts(self, flat, assign_token, assign_expert, assign_weight, keep):
        ranks, per_rank = self.world_size, len(self.owned)
        # Served assignments sorted by expert, hence by the rank that owns it.
        sent = torch.nonzero(keep).squeeze(-1)
        sent = sent[torch.argsort(assign_expert[sent], stable=True)]
        per_expert = torch.bincount(assign_expert[sent], minlength=self.num_experts)
        # The split sizes first: how many rows each rank will get for each of its experts.
        incoming = torch.empty_like(per_expert)
        dist.all_to_all_single(incoming, per_expert, group=self.group)
        incoming = incoming.view(ranks, per_rank)  # [source rank, my expert]
        send_splits = per_expert.view(ranks, per_rank).sum(dim=1).tolist()
        recv_splits = incoming.sum(dim=1).tolist()

        received = all_to_all(
            flat[assign_token[sent]], recv_splits, send_splits, self.group, self.traffic
        )
        # Rows arrive grouped by source rank, and within a source by expert.
        which = torch.arange(per_rank, device=flat.device).repeat(ranks)
        local_expert = which.repeat_interleave(incoming.reshape(-1))
        rows = torch.arange(received.shape[0], device=flat.device)
        results = apply_experts(
            self.experts,
            received,
            rows,
            local_expert,
            torch.ones(rows.shape, dtype=received.dtype, device=flat.device),
            torch.ones(rows.shape, dtype=torch.bool, device=flat.device),
        )
        returned = all_to_all(results, send_splits, recv_splits, self.group, self.traffic)
        out = torch.zeros_like(flat)
        weighted = returned * assign_weight[sent, None]
        return out.index_add_(0, assign_token[sent], weighted.to(out.dtype))
