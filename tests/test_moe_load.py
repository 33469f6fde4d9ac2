"""Lesson 03's MoE-load experiment: the task, the load statistics, training and the plot."""

from __future__ import annotations

import math

import matplotlib
import pytest
import torch

from minimoe.experiments.moe_load import (
    ClusterTask,
    dropped_assignments,
    plot_expert_load,
    train_moe_layer,
)
from minimoe.moe import load_cv, max_load_cv

matplotlib.use("Agg")


def test_load_cv_is_zero_when_even_and_largest_when_one_expert_takes_all():
    assert load_cv(torch.tensor([5, 5, 5, 5])) == pytest.approx(0.0)
    assert load_cv(torch.tensor([8, 0, 0, 0])) == pytest.approx(math.sqrt(3))
    with pytest.raises(ValueError, match="positive"):
        load_cv(torch.zeros(4))


@pytest.mark.parametrize("num_experts, top_k", [(16, 2), (32, 2), (8, 1), (6, 3)])
def test_max_load_cv_is_reached_by_a_collapse_onto_k_experts_and_never_exceeded(num_experts, top_k):
    collapsed = torch.zeros(num_experts)
    collapsed[:top_k] = 100  # 100 tokens, each on the same k experts
    assert load_cv(collapsed) == pytest.approx(max_load_cv(num_experts, top_k))
    g = torch.Generator().manual_seed(0)
    for _ in range(20):  # skewed random top-k routing stays below the bound
        scores = torch.randn(50, num_experts, generator=g) + 3 * torch.rand(
            num_experts, generator=g
        )
        counts = torch.bincount(scores.topk(top_k).indices.reshape(-1), minlength=num_experts)
        assert load_cv(counts) <= max_load_cv(num_experts, top_k) + 1e-9
    with pytest.raises(ValueError, match="top_k"):
        max_load_cv(4, 5)


def test_dropped_assignments_counts_overflow_beyond_capacity():
    # 10 tokens, top-2, 4 experts: capacity ceil(1.0 * 10 * 2 / 4) = 5 per expert.
    counts = torch.tensor([9, 5, 4, 2])
    assert dropped_assignments(counts, top_k=2, capacity_factor=1.0) == 4
    assert dropped_assignments(counts, top_k=2, capacity_factor=2.0) == 0


def test_cluster_task_targets_follow_each_cluster_map():
    g = torch.Generator().manual_seed(0)
    task = ClusterTask.random(num_clusters=3, hidden=4, generator=g)
    x, y = task.sample(50, g)
    assert x.shape == y.shape == (50, 4)
    # Each token's target is x @ A_c for the cluster whose centre it is nearest to.
    nearest = torch.cdist(x, task.centres).argmin(dim=1)
    expected = torch.einsum("th,thk->tk", x, task.maps[nearest])
    torch.testing.assert_close(y, expected)


def test_train_moe_layer_reports_a_distribution_and_is_reproducible():
    a = train_moe_layer(top_k=2, aux_weight=0.0, num_experts=4, steps=3, tokens=32)
    b = train_moe_layer(top_k=2, aux_weight=0.0, num_experts=4, steps=3, tokens=32)
    assert len(a.token_share) == 4
    assert sum(a.token_share) == pytest.approx(1.0)
    assert a.token_share == b.token_share and a.task_loss == b.task_loss
    assert len(a.task_loss) == len(a.balance_loss) == len(a.cv_history) == 3
    assert a.cv == pytest.approx(load_cv(torch.tensor(a.token_share)))


def test_same_seed_same_start_whatever_the_aux_weight():
    # Only the objective differs: the first step's task loss is computed before any update.
    a = train_moe_layer(top_k=2, aux_weight=0.0, num_experts=4, steps=2, tokens=32)
    b = train_moe_layer(top_k=2, aux_weight=1.0, num_experts=4, steps=2, tokens=32)
    assert a.task_loss[0] == b.task_loss[0]
    assert a.task_loss[1] != b.task_loss[1]


def test_balancing_loss_evens_out_the_load():
    settings = dict(top_k=2, num_experts=8, steps=60, tokens=128)
    free = train_moe_layer(aux_weight=0.0, **settings)
    balanced = train_moe_layer(aux_weight=1.0, **settings)
    assert balanced.cv < free.cv


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(top_k=0), "top_k"),
        (dict(top_k=9, num_experts=8), "top_k"),
        (dict(aux_weight=-1.0), "aux_weight"),
        (dict(steps=0), "steps"),
    ],
)
def test_bad_settings_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        train_moe_layer(**kwargs)


def test_plot_has_labelled_axes():
    load = train_moe_layer(num_experts=4, steps=2, tokens=16)
    ax = plot_expert_load(load)
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
    assert len(ax.patches) == 4
