from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from minimoe.moe import MoE, SwiGLUExpert, expert_capacity, load_balancing_loss, route


def _dense_reference(moe: MoE, x: torch.Tensor) -> torch.Tensor:
    """Every expert on every token, then keep the renormalised top-k: the naive definition."""
    flat = x.reshape(-1, x.shape[-1])
    probs = torch.softmax(moe.gate(flat).float(), dim=-1)
    all_outputs = torch.stack([expert(flat) for expert in moe.experts], dim=1)  # (T, E, H)
    top_probs, top_idx = probs.topk(moe.top_k, dim=-1)
    gates = torch.zeros_like(probs).scatter(1, top_idx, top_probs / top_probs.sum(-1, keepdim=True))
    return (gates[:, :, None] * all_outputs).sum(1).reshape(x.shape)


def test_route_renormalises_top_k():
    logits = torch.randn(10, 6)
    weights, idx, probs = route(logits, top_k=3)
    assert weights.shape == idx.shape == (10, 3)
    torch.testing.assert_close(weights.sum(-1), torch.ones(10))
    torch.testing.assert_close(probs, torch.softmax(logits, -1))
    # The kept experts are the most probable ones, in order, with their relative sizes kept.
    assert torch.equal(idx, probs.topk(3, dim=-1).indices)
    kept = probs.gather(1, idx)
    torch.testing.assert_close(weights, kept / kept.sum(-1, keepdim=True))


def test_route_rejects_bad_top_k():
    with pytest.raises(ValueError, match="top_k"):
        route(torch.randn(4, 3), top_k=4)


def test_load_balancing_loss_formula_and_uniform_value():
    torch.manual_seed(0)
    probs = torch.softmax(torch.randn(32, 4), -1)
    idx = probs.topk(2, dim=-1).indices
    f = torch.stack([(idx == i).sum() for i in range(4)]).float() / 32
    expected = 4 * (f * probs.mean(0)).sum()
    torch.testing.assert_close(load_balancing_loss(probs, idx, 4), expected)
    # A perfectly balanced router scores k.
    uniform = torch.full((8, 4), 0.25)
    balanced_idx = torch.tensor([[0, 1], [2, 3]] * 4)
    assert load_balancing_loss(uniform, balanced_idx, 4).item() == pytest.approx(2.0)


def test_aux_loss_sends_gradient_to_router_only_through_probabilities():
    torch.manual_seed(0)
    moe = MoE(hidden_size=8, expert_hidden=16, num_experts=4, top_k=2)
    _, stats = moe(torch.randn(2, 5, 8))
    stats.aux_loss.backward()
    assert moe.gate.weight.grad is not None
    assert moe.gate.weight.grad.abs().sum() > 0
    # The experts do not take part in the loss.
    assert all(p.grad is None for p in moe.experts.parameters())


def test_dropless_moe_equals_dense_reference():
    torch.manual_seed(1)
    moe = MoE(hidden_size=8, expert_hidden=16, num_experts=4, top_k=2)
    x = torch.randn(3, 7, 8)
    out, stats = moe(x)
    torch.testing.assert_close(out, _dense_reference(moe, x))
    assert stats.dropped == 0 and stats.capacity is None
    assert int(stats.tokens_per_expert.sum()) == 3 * 7 * 2


def test_capacity_drops_assignments_and_reports_them():
    torch.manual_seed(2)
    moe = MoE(hidden_size=8, expert_hidden=16, num_experts=4, top_k=2, capacity_factor=0.5)
    # Push every token towards expert 0 so that it overflows.
    with torch.no_grad():
        moe.gate.weight.zero_()
        moe.gate.weight[0, 0] = 10.0
    x = torch.randn(20, 8)
    x[:, 0] = x[:, 0].abs() + 1.0
    out, stats = moe(x)
    capacity = expert_capacity(20, 2, 4, 0.5)
    assert stats.capacity == capacity == 5
    assert stats.tokens_per_expert[0] == 20
    kept = torch.clamp(stats.tokens_per_expert, max=capacity)
    assert stats.dropped == int((stats.tokens_per_expert - kept).sum()) > 0
    # First choices are served in token order: tokens 0..4 get expert 0, the rest do not.
    weights, idx, _ = route(moe.gate(x), 2)
    expected = torch.zeros_like(x)
    for t in range(capacity):
        expected[t] += weights[t, 0] * moe.experts[0](x[t])
    second_choice_queue: dict[int, int] = {}
    for t in range(20):
        e = int(idx[t, 1])
        second_choice_queue[e] = second_choice_queue.get(e, 0) + 1
        if second_choice_queue[e] <= capacity:
            expected[t] += weights[t, 1] * moe.experts[e](x[t])
    torch.testing.assert_close(out, expected)


def test_token_mask_excludes_padding():
    torch.manual_seed(3)
    moe = MoE(hidden_size=8, expert_hidden=16, num_experts=4, top_k=2)
    x = torch.randn(2, 5, 8)
    mask = torch.tensor([[0, 0, 1, 1, 1], [1, 1, 1, 1, 1]])
    out, stats = moe(x, token_mask=mask)
    assert torch.all(out[0, :2] == 0)
    torch.testing.assert_close(out[0, 2:], moe(x[0, 2:])[0])
    assert int(stats.tokens_per_expert.sum()) == 8 * 2


def test_swiglu_expert_formula():
    expert = SwiGLUExpert(4, 6)
    x = torch.randn(3, 4)
    expected = expert.w2.weight @ (F.silu(expert.w1.weight @ x.T) * (expert.w3.weight @ x.T))
    torch.testing.assert_close(expert(x), expected.T)


def test_load_balancing_loss_matches_hugging_face():
    modeling = pytest.importorskip(
        "transformers.models.minimax.modeling_minimax",
        reason="transformers is an optional dev dependency",
    )
    torch.manual_seed(4)
    logits = torch.randn(24, 6)
    _, idx, probs = route(logits, top_k=2)
    ours = load_balancing_loss(probs, idx, 6)
    theirs = modeling.load_balancing_loss_func((logits,), num_experts=6, top_k=2)
    torch.testing.assert_close(ours, theirs)
