"""Lesson 03 (Mixture of Experts): the router, the load-balancing loss and the largest load
imbalance that top-k routing allows."""

from __future__ import annotations

import math

import torch

from minimoe.exercises import close, exercise
from minimoe.moe import load_balancing_loss, max_load_cv, route

# ----------------------------------------------------------------------------- 03.route


def _route_no_renormalisation(router_logits, top_k):
    probs = torch.softmax(router_logits.float(), dim=-1)
    weights, idx = probs.topk(top_k, dim=-1)
    return weights, idx, probs


def _route_softmax_twice(router_logits, top_k):
    probs = torch.softmax(router_logits.float(), dim=-1)
    top, idx = probs.topk(top_k, dim=-1)
    return torch.softmax(top, dim=-1), idx, probs


def _route_all_weight_on_best(router_logits, top_k):
    probs = torch.softmax(router_logits.float(), dim=-1)
    _, idx = probs.topk(top_k, dim=-1)
    weights = torch.zeros(idx.shape)
    weights[:, 0] = 1.0
    return weights, idx, probs


def _route_softmax_over_tokens(router_logits, top_k):
    probs = torch.softmax(router_logits.float(), dim=0)
    top, idx = probs.topk(top_k, dim=-1)
    return top / top.sum(dim=-1, keepdim=True), idx, probs


def _route_experts_in_index_order(router_logits, top_k):
    weights, idx, probs = route(router_logits, top_k)
    idx, order = idx.sort(dim=-1)
    return weights.gather(1, order), idx, probs


@exercise(
    "03.route",
    reference=route,
    hints=(
        "Three steps per token: turn its scores into probabilities over the experts, keep the k "
        "most likely experts, and rescale the kept probabilities so that they add up to 1. Which "
        "dimension holds the experts?",
        "Softmax over the last dimension, in float32. torch.topk returns the k largest values "
        "(best first) and their indices; divide those values by their own sum per token. Return "
        "(weights, expert_idx, probs), probs being the full softmax.",
        "probs = torch.softmax(router_logits.float(), dim=-1); top, expert_idx = "
        "torch.topk(probs, top_k, dim=-1); return top / top.sum(dim=-1, keepdim=True), "
        "expert_idx, probs",
    ),
    wrong=[
        _route_no_renormalisation,
        _route_softmax_twice,
        _route_all_weight_on_best,
        _route_softmax_over_tokens,
        _route_experts_in_index_order,
    ],
)
def _check_route(candidate) -> None:
    g = torch.Generator().manual_seed(3)
    for tokens, experts, top_k in [(7, 4, 2), (16, 8, 2), (5, 6, 1), (9, 5, 3)]:
        logits = 2 * torch.randn(tokens, experts, generator=g)
        got = candidate(logits, top_k)
        assert isinstance(got, tuple) and len(got) == 3, (
            "return a tuple (weights, expert_idx, probs)"
        )
        weights, expert_idx, probs = got
        want_weights, want_idx, want_probs = route(logits, top_k)
        close(probs, want_probs, f"probs for {tokens} tokens x {experts} experts")
        close(expert_idx, want_idx, f"expert_idx for top_k={top_k} (best expert first)")
        close(weights, want_weights, f"weights for top_k={top_k}", tol=1e-5)


# ----------------------------------------------------------------- 03.load_balancing_loss


def _shares(expert_idx, num_experts, num_tokens):
    return torch.bincount(expert_idx.reshape(-1), minlength=num_experts).float() / num_tokens


def _balance_only_counts(probs, expert_idx, num_experts):
    f = _shares(expert_idx, num_experts, probs.shape[0])
    return num_experts * torch.sum(f * f) + 0 * probs.sum()


def _balance_without_e(probs, expert_idx, num_experts):
    f = _shares(expert_idx, num_experts, probs.shape[0])
    return torch.sum(f * probs.mean(dim=0))


def _balance_first_choice_only(probs, expert_idx, num_experts):
    f = _shares(expert_idx[:, 0], num_experts, probs.shape[0])
    return num_experts * torch.sum(f * probs.mean(dim=0))


def _balance_share_of_assignments(probs, expert_idx, num_experts):
    f = _shares(expert_idx, num_experts, expert_idx.numel())
    return num_experts * torch.sum(f * probs.mean(dim=0))


def _balance_detached(probs, expert_idx, num_experts):
    return load_balancing_loss(probs.detach(), expert_idx, num_experts)


@exercise(
    "03.load_balancing_loss",
    reference=load_balancing_loss,
    hints=(
        "Two numbers per expert: the share of the routing it actually received (a count, which "
        "has no gradient) and the probability the router gives it on average (which has one). "
        "Multiply them per expert, add up, and scale so that an even router scores exactly k.",
        "Count every one of a token's k choices, divide the counts by the number of tokens (not "
        "by the number of assignments), so the shares sum to k. Average probs over the tokens. "
        "Keep probs in the autograd graph: no item(), no detach().",
        "counts = torch.bincount(expert_idx.reshape(-1), minlength=num_experts).to(probs.dtype); "
        "return num_experts * torch.sum(counts / probs.shape[0] * probs.mean(dim=0))",
    ),
    wrong=[
        _balance_only_counts,
        _balance_without_e,
        _balance_first_choice_only,
        _balance_share_of_assignments,
        _balance_detached,
    ],
)
def _check_load_balancing_loss(candidate) -> None:
    g = torch.Generator().manual_seed(4)
    for tokens, experts, top_k in [(32, 4, 2), (50, 8, 2), (20, 6, 1), (24, 5, 3)]:
        logits = torch.randn(tokens, experts, generator=g)
        probs = torch.softmax(logits, dim=-1).requires_grad_()
        expert_idx = probs.detach().topk(top_k, dim=-1).indices
        got = candidate(probs, expert_idx, experts)
        want = load_balancing_loss(probs, expert_idx, experts)
        what = f"loss for {tokens} tokens, {experts} experts, top_k={top_k}"
        close(got, want, what)
        assert isinstance(got, torch.Tensor) and got.requires_grad, (
            "the loss must be a tensor that stays differentiable through probs "
            "(no .item(), no .detach())"
        )
        (got_grad,) = torch.autograd.grad(got, probs)
        (want_grad,) = torch.autograd.grad(want, probs)
        close(got_grad, want_grad, f"gradient of the {what} with respect to probs")
    # A perfectly balanced router scores exactly k.
    uniform = torch.full((8, 4), 0.25, requires_grad=True)
    balanced = torch.tensor([[0, 1], [2, 3]] * 4)
    close(candidate(uniform, balanced, 4), 2.0, "loss of a perfectly balanced top-2 router")


# ------------------------------------------------------------------------------ 03.max_load_cv


@exercise(
    "03.max_load_cv",
    reference=max_load_cv,
    hints=(
        "How large can one expert's share of the assignments get, when every token has to pick "
        "k different experts? Then spread the load as unevenly as that limit allows, and measure "
        "the spread of that worst case.",
        "No expert can hold more than 1/k of the assignments, so the worst load puts 1/k on each "
        "of k experts and nothing on the others. The mean share is 1/E. Take the population "
        "standard deviation of the E shares and divide it by the mean.",
        "variance = (1/E) * k * (1/k)**2 - (1/E)**2 = 1/(k*E) - 1/E**2; "
        "return math.sqrt(num_experts / top_k - 1)",
    ),
    wrong=[
        lambda e, k: math.sqrt(e - 1),
        lambda e, k: math.sqrt(e / k),
        lambda e, k: math.sqrt(e - k),
        lambda e, k: e / k - 1,
        lambda e, k: math.sqrt((e / k - 1) * e / (e - 1)),
    ],
)
def _check_max_load_cv(candidate) -> None:
    for num_experts, top_k in [(16, 2), (32, 2), (8, 1), (6, 3), (4, 4)]:
        close(
            candidate(num_experts, top_k),
            max_load_cv(num_experts, top_k),
            f"max_load_cv({num_experts}, {top_k})",
            tol=1e-9,
        )
