"""Lesson 02's explorer: the pure view function, its plot and the widget, without a browser."""

from __future__ import annotations

import math

import matplotlib
import pytest
import torch

from minimoe.attention import decay_mask, lightning_slopes
from minimoe.widgets.attention import (
    DecayView,
    decay_explorer,
    decay_view,
    lightning_layers,
    plot_decay_view,
)

matplotlib.use("Agg")


def test_m1_has_seventy_lightning_layers_between_its_softmax_layers():
    layers = lightning_layers()
    assert len(layers) == 70
    assert 7 not in layers and 79 not in layers and layers[-1] == 78


@pytest.mark.parametrize("layer_idx, head", [(0, 1), (0, 64), (38, 10), (78, 64)])
def test_view_matches_the_library_slopes_and_mask(layer_idx, head):
    view = decay_view(layer_idx, head, block_size=8, context=1000, window=12)
    slope = lightning_slopes(64, layer_idx, 80)[head - 1]
    assert view.slope == pytest.approx(slope.item())
    assert view.decay == pytest.approx(math.exp(-slope.item()))
    assert view.half_life == pytest.approx(math.log(2) / slope.item())
    torch.testing.assert_close(view.mask, decay_mask(12, slope[None])[0])
    # Half-life means what it says: the weight of a key half_life tokens back is 1/2.
    assert view.decay**view.half_life == pytest.approx(0.5)


def test_early_heads_forget_fast_and_late_layers_barely_forget():
    # Derived from M1's formula: about 0.8 tokens at layer 0, head 1; about 14,000 at layer 78,
    # head 64.
    assert decay_view(0, 1).half_life < 1
    assert decay_view(78, 64).half_life > 10_000
    assert decay_view(0, 1).mask[10, 0] < 0.001 < 0.99 < decay_view(78, 64).mask[10, 0]


def test_memory_of_state_and_cache():
    view = decay_view(context=4096)
    assert view.state_bytes == 64 * 128 * 128 * 4  # 4 MiB of float32
    assert view.kv_cache_bytes == 2 * 8 * 128 * 4096 * 2
    # A float32 state of 64·128·128 values equals a bf16 cache of 2·8·128·n values at n = 1024.
    assert view.crossover == 1024
    assert decay_view(context=view.crossover).kv_cache_bytes == view.state_bytes


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(layer_idx=7), "softmax"),
        (dict(layer_idx=80), "lightning layer"),
        (dict(head=0), "head"),
        (dict(head=65), "head"),
        (dict(block_size=0), "block_size"),
        (dict(block_size=65), "block_size"),
        (dict(context=0), "context"),
        (dict(window=0), "window"),
    ],
)
def test_bad_settings_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        decay_view(**kwargs)


def test_plot_draws_mask_blocks_and_labelled_memory_axes():
    view = decay_view(0, 3, block_size=16, window=64)
    ax_mask, ax_mem = plot_decay_view(view)
    assert len(ax_mask.patches) == 4  # 64 tokens in blocks of 16
    assert ax_mask.get_xlabel() and ax_mask.get_ylabel() and "half-life" in ax_mask.get_title()
    assert ax_mem.get_xscale() == ax_mem.get_yscale() == "log"
    assert "MiB" in ax_mem.get_ylabel() and "tokens" in ax_mem.get_xlabel()
    ragged = plot_decay_view(decay_view(block_size=24, window=64))[0]
    assert len(ragged.patches) == 3  # blocks of 24, 24 and a last one of 16


def test_explorer_builds_and_redraws_when_a_slider_moves():
    explorer = decay_explorer()
    (layer, head), (block, context) = (row.children for row in explorer.children[:2])
    assert isinstance(explorer.view, DecayView)
    assert (explorer.view.layer_idx, explorer.view.head, explorer.view.block_size) == (0, 1, 16)
    layer.value = 78
    head.value = 64
    block.value = 32
    context.value = 1 << 20
    view = explorer.view
    assert (view.layer_idx, view.head, view.block_size, view.context) == (78, 64, 32, 1 << 20)
    assert view.half_life > 10_000
