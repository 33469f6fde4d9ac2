"""Mixture of Experts: a router picks k of E SwiGLU experts for every token.

The math lives in pure functions: :func:`route` and :func:`load_balancing_loss`, and the load
statistics :func:`load_cv` and :func:`max_load_cv`; the :class:`MoE` module wraps them with the
experts, an optional capacity limit and statistics.
Parameter names follow Hugging Face's MiniMax port (``gate``; ``experts.{i}.w1/w2/w3`` as in
the released MiniMax checkpoints), so converted weights load without renaming.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


def route(
    router_logits: torch.Tensor, top_k: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Softmax over experts, keep the top-k, renormalise the kept weights to sum to 1.

    For token t with router scores z_t = x_t W_g, p_t = softmax(z_t) and the gate weights are
    g_ti = p_ti / Σ_{j∈TopK(p_t)} p_tj for i in TopK(p_t). M1 and HF do exactly this; it equals
    the paper's softmax over TopK(z_t) with the other scores set to -inf.

    Args:
        router_logits: (tokens, num_experts) raw router scores z.
        top_k: experts per token k.

    Returns:
        weights: (tokens, top_k) float32 gate weights g, each row summing to 1.
        expert_idx: (tokens, top_k) long indices of the chosen experts, best first.
        probs: (tokens, num_experts) float32 full softmax p (for the balancing loss).
    """
    if router_logits.ndim != 2:
        raise ValueError(
            f"router_logits must be (tokens, num_experts), got {tuple(router_logits.shape)}"
        )
    if not 1 <= top_k <= router_logits.shape[-1]:
        raise ValueError(
            f"top_k={top_k} must be between 1 and num_experts={router_logits.shape[-1]}"
        )
    # The softmax runs in float32 even for bf16 models: small probability differences decide routing.
    probs = torch.softmax(router_logits.float(), dim=-1)
    top_probs, expert_idx = torch.topk(probs, top_k, dim=-1)
    weights = top_probs / top_probs.sum(dim=-1, keepdim=True)
    return weights, expert_idx, probs


def load_balancing_loss(
    probs: torch.Tensor, expert_idx: torch.Tensor, num_experts: int
) -> torch.Tensor:
    """Switch/GShard auxiliary loss L_aux = E · Σ_i f_i · P_i.

    With T tokens, k choices each:
      f_i = (1/T) Σ_t Σ_j 1[expert_idx_tj = i]  — routed share of expert i (Σ_i f_i = k);
      P_i = (1/T) Σ_t p_ti                       — mean router probability of expert i.
    f_i is a count and carries no gradient; the gradient reaches the router through P_i and
    pushes probability away from overloaded experts. A perfectly uniform router gives k.
    Same numbers as HF's ``load_balancing_loss_func`` for one layer.

    Args:
        probs: (tokens, num_experts) router softmax p.
        expert_idx: (tokens, top_k) chosen experts.
        num_experts: E.

    Returns:
        scalar tensor (differentiable through ``probs``).
    """
    num_tokens = probs.shape[0]
    if num_tokens == 0:
        return probs.sum() * 0.0
    counts = torch.bincount(expert_idx.reshape(-1), minlength=num_experts).to(probs.dtype)
    routed_share = counts / num_tokens  # f_i
    mean_prob = probs.mean(dim=0)  # P_i
    return num_experts * torch.sum(routed_share * mean_prob)


def expert_capacity(num_tokens: int, top_k: int, num_experts: int, capacity_factor: float) -> int:
    """Assignments one expert may take: C = ceil(capacity_factor · tokens · k / E).

    A factor of 1 gives every expert exactly its fair share; above 1 leaves slack for imbalance.
    """
    return math.ceil(capacity_factor * num_tokens * top_k / num_experts)


def routed_token_ids(x: torch.Tensor, token_mask: torch.Tensor | None) -> torch.Tensor:
    """Rows of ``x.reshape(-1, hidden)`` that the router serves: all, or those the mask marks 1.

    Args:
        x: (batch, seq, hidden) or (tokens, hidden).
        token_mask: x's leading shape, 1 for real tokens and 0 for padding; or None.

    Returns:
        (routed,) long row indices, in order.
    """
    num_tokens = x[..., 0].numel()
    token_ids = torch.arange(num_tokens, device=x.device)
    if token_mask is None:
        return token_ids
    if token_mask.shape != x.shape[:-1]:
        raise ValueError(
            f"token_mask shape {tuple(token_mask.shape)} must match x's leading shape "
            f"{tuple(x.shape[:-1])}"
        )
    return token_ids[token_mask.reshape(-1).bool()]


def choice_major(
    token_ids: torch.Tensor, expert_idx: torch.Tensor, weights: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Flatten the (token, choice) assignments choice-major: every first choice, then every second.

    This is the order in which a capacity limit serves them (GShard): a token's second choice
    never takes a place that another token's first choice wanted.

    Args:
        token_ids: (tokens,) which row of the input each routed token is.
        expert_idx: (tokens, top_k) chosen experts.
        weights: (tokens, top_k) their gate weights.

    Returns:
        assign_token, assign_expert, assign_weight: each (top_k · tokens,); assignment
        j · tokens + t is token t's j-th choice.
    """
    top_k = expert_idx.shape[1]
    return token_ids.repeat(top_k), expert_idx.t().reshape(-1), weights.t().reshape(-1)


def queue_position(assign_expert: torch.Tensor, num_experts: int) -> torch.Tensor:
    """Each assignment's place in its expert's queue (0, 1, 2, ...), in the order given.

    Args:
        assign_expert: (assignments,) the expert of each assignment.

    Returns:
        (assignments,) long: how many earlier assignments chose the same expert.
    """
    one_hot = F.one_hot(assign_expert, num_experts)
    return (one_hot.cumsum(dim=0) * one_hot).sum(dim=-1) - 1


def apply_experts(
    experts: Sequence[nn.Module],
    x: torch.Tensor,
    assign_token: torch.Tensor,
    assign_expert: torch.Tensor,
    assign_weight: torch.Tensor,
    keep: torch.Tensor,
) -> torch.Tensor:
    """out_t = Σ g · expert(x_t) over the kept assignments of each token t.

    Args:
        experts: the experts, indexed by the numbers in ``assign_expert``.
        x: (tokens, hidden) the inputs.
        assign_token, assign_expert, assign_weight, keep: (assignments,) which token, which
            expert, its gate weight, and whether it is served (False: dropped, adds nothing).

    Returns:
        (tokens, hidden), zero for tokens with no kept assignment.
    """
    out = torch.zeros_like(x)
    for e, expert in enumerate(experts):
        chosen = torch.nonzero((assign_expert == e) & keep).squeeze(-1)
        if chosen.numel() == 0:
            continue
        tokens = assign_token[chosen]
        y = expert(x.index_select(0, tokens)) * assign_weight[chosen, None]
        out.index_add_(0, tokens, y.to(out.dtype))
    return out


def load_cv(counts: torch.Tensor) -> float:
    """Coefficient of variation std/mean of per-expert loads (population std)."""
    counts = counts.double()
    if counts.numel() == 0 or counts.sum() <= 0:
        raise ValueError("counts must hold at least one positive load")
    return (counts.std(unbiased=False) / counts.mean()).item()


def max_load_cv(num_experts: int, top_k: int) -> float:
    """The largest CV that top-k routing allows: sqrt(E/k − 1).

    A token picks k *different* experts, so one expert receives at most one of each token's k
    assignments: its share is at most 1/k. The shares sum to 1, so the spread is largest when k
    experts hold 1/k each and the rest nothing; then the mean share is 1/E, the variance
    1/(kE) − 1/E², and the CV sqrt(E/k − 1). With k = 1 that is sqrt(E − 1).
    """
    if not 1 <= top_k <= num_experts:
        raise ValueError(f"top_k={top_k} must be between 1 and num_experts={num_experts}")
    return math.sqrt(num_experts / top_k - 1)


class SwiGLUExpert(nn.Module):
    """One expert: w2(silu(w1 x) ⊙ w3 x), hidden_size -> expert_hidden -> hidden_size."""

    def __init__(self, hidden_size: int, expert_hidden: int) -> None:
        super().__init__()
        self.w1 = nn.Linear(hidden_size, expert_hidden, bias=False)  # gate branch
        self.w3 = nn.Linear(hidden_size, expert_hidden, bias=False)  # linear ("up") branch
        self.w2 = nn.Linear(expert_hidden, hidden_size, bias=False)  # down projection

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


@dataclass
class MoEStats:
    """What one MoE layer did on one batch.

    Attributes:
        aux_loss: scalar load-balancing loss (unweighted; differentiable).
        tokens_per_expert: (num_experts,) assignments the router sent to each expert, before
            any capacity drop (padding tokens excluded).
        dropped: assignments discarded because their expert was full (0 when dropless).
        router_prob_mean: (num_experts,) mean router probability P_i (detached).
        capacity: assignments one expert could take, or None when dropless.
    """

    aux_loss: torch.Tensor
    tokens_per_expert: torch.Tensor
    dropped: int
    router_prob_mean: torch.Tensor
    capacity: int | None


class MoE(nn.Module):
    """Router plus E SwiGLU experts; each token's output is Σ_i g_ti · expert_i(x_t).

    With ``capacity_factor`` set, each expert processes at most
    C = ceil(capacity_factor · tokens · k / E) assignments; the rest are dropped (they add
    zero, so in a residual block the token just skips the expert). As in GShard, every
    token's first choice is served before any second choice, in token order within a choice.
    """

    def __init__(
        self,
        hidden_size: int,
        expert_hidden: int,
        num_experts: int,
        top_k: int,
        capacity_factor: float | None = None,
    ) -> None:
        super().__init__()
        if not 1 <= top_k <= num_experts:
            raise ValueError(f"top_k={top_k} must be between 1 and num_experts={num_experts}")
        if capacity_factor is not None and not capacity_factor > 0:
            raise ValueError(f"capacity_factor must be positive or None, got {capacity_factor}")
        self.num_experts = num_experts
        self.top_k = top_k
        self.capacity_factor = capacity_factor
        self.gate = nn.Linear(hidden_size, num_experts, bias=False)
        self.experts = nn.ModuleList(
            SwiGLUExpert(hidden_size, expert_hidden) for _ in range(num_experts)
        )

    def forward(
        self, x: torch.Tensor, token_mask: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, MoEStats]:
        """Route and run the experts.

        Args:
            x: (batch, seq, hidden) or (tokens, hidden).
            token_mask: same leading shape as x, 1 for real tokens and 0 for padding. Padding
                is not routed (its output is 0) and does not count in the statistics.

        Returns:
            out: same shape as x.
            stats: :class:`MoEStats`.
        """
        hidden = x.shape[-1]
        flat = x.reshape(-1, hidden)
        weights, expert_idx, probs = route(self.gate(flat), self.top_k)

        token_ids = routed_token_ids(x, token_mask)
        if token_mask is not None:
            weights, expert_idx, probs = weights[token_ids], expert_idx[token_ids], probs[token_ids]
        num_routed = token_ids.shape[0]

        assign_token, assign_expert, assign_weight = choice_major(token_ids, expert_idx, weights)
        capacity = None
        keep = torch.ones_like(assign_expert, dtype=torch.bool)
        if self.capacity_factor is not None:
            capacity = expert_capacity(
                num_routed, self.top_k, self.num_experts, self.capacity_factor
            )
            keep = queue_position(assign_expert, self.num_experts) < capacity

        out = apply_experts(self.experts, flat, assign_token, assign_expert, assign_weight, keep)
        stats = MoEStats(
            aux_loss=load_balancing_loss(probs, expert_idx, self.num_experts),
            tokens_per_expert=torch.bincount(assign_expert, minlength=self.num_experts),
            dropped=int((~keep).sum()),
            router_prob_mean=probs.detach().mean(dim=0)
            if num_routed
            else probs.new_zeros(self.num_experts),
            capacity=capacity,
        )
        return out.reshape(x.shape), stats
