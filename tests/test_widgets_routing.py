"""Lesson 13's explorer: the routers compared in one process, and the widget, without a browser."""

from __future__ import annotations

import matplotlib
import pytest

from minimoe.experiments.scaling_out import TOP_K, compare_routers
from minimoe.widgets.routing import plot_router_loads, router_explorer

matplotlib.use("Agg")


@pytest.mark.parametrize("world_size", [1, 2, 4])
@pytest.mark.parametrize("skew", [0.0, 2.0])
def test_the_global_router_never_drops_more(world_size, skew):
    for factor in (0.75, 1.0, 1.5):
        result = compare_routers(world_size, factor, skew, tokens_per_rank=32)
        assert len(result.loads) == world_size and len(result.loads[0]) == 8
        assert sum(map(sum, result.loads)) == result.assignments == world_size * 32 * TOP_K
        # Equal token counts and capacities that divide evenly (factor · 32 · 2 / 8):
        assert result.capacity_global == world_size * result.capacity_per_rank
        assert result.dropped_global <= result.dropped_per_rank
        if world_size == 1:
            assert result.dropped_global == result.dropped_per_rank


def test_skewed_ranks_make_the_per_rank_router_drop_more():
    even = compare_routers(4, 1.5, 0.0)
    skewed = compare_routers(4, 1.5, 2.0)
    gap = lambda r: r.dropped_per_rank - r.dropped_global  # noqa: E731
    assert gap(skewed) > gap(even) >= 0


def test_explorer_builds_and_redraws_when_a_slider_moves():
    explorer = router_explorer(tokens_per_rank=16)
    world, factor, skew = explorer.children[0].children
    assert len(explorer.result.loads) == 4
    world.value = 2
    factor.value = 2.0
    assert len(explorer.result.loads) == 2
    assert explorer.result.capacity_global == 2 * explorer.result.capacity_per_rank
    plot_router_loads(explorer.result)
