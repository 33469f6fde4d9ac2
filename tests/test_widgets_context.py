"""Lesson 09's explorer: the pure view function against minimoe.flops, its plot and the widget,
without a browser."""

from __future__ import annotations

import matplotlib
import pytest

from minimoe.flops import (
    MINIMAX_M1,
    cache_bytes,
    decode_flops,
    generation_flops,
    kv_cache_bytes,
    lightning_state_bytes,
)
from minimoe.widgets.context import (
    CONTEXT_WINDOWS,
    CONTEXTS,
    MODELS,
    ContextView,
    context_explorer,
    context_view,
    plot_context_view,
)

matplotlib.use("Agg")


@pytest.mark.parametrize("context", [1024, 100_000, 1_000_000])
def test_view_is_the_library_arithmetic(context):
    view = context_view(context, sequences=3)
    assert [m.name for m in view.models] == list(MODELS)
    for entry, arch in zip(view.models, MODELS.values()):
        step = decode_flops(arch, context)
        assert entry.decode_flops == step.total
        assert entry.attention_share == pytest.approx(step.attention / step.total)
        assert entry.answer_flops == generation_flops(arch, context).total
        assert entry.cache == cache_bytes(arch, context, batch=3)


def test_m1_at_a_million_tokens_builds_on_lesson_01():
    m1 = context_view(1_000_000).model("MiniMax-M1")
    kv = kv_cache_bytes(10, 8, 128, 1_000_000, 2)  # lesson 01's 40.96 GB
    assert kv == 40_960_000_000
    assert m1.cache.total == kv + lightning_state_bytes(70, 64, 128)
    assert m1.in_window


def test_windows_and_what_grows():
    short, long = context_view(131_072), context_view(1_000_000)
    assert all(entry.in_window for entry in short.models)
    assert [entry.in_window for entry in long.models] == [
        CONTEXT_WINDOWS[name] >= 1_000_000 for name in MODELS
    ]
    for a, b in zip(short.models, long.models):
        assert b.decode_flops > a.decode_flops and b.attention_share > a.attention_share
    # Per sequence FLOPs, total cache: more sequences multiply the cache only.
    many = context_view(131_072, sequences=16)
    for one, sixteen in zip(short.models, many.models):
        assert sixteen.decode_flops == one.decode_flops
        assert sixteen.cache.total == 16 * one.cache.total
    assert "MiniMax-M1" in short.table() and "GB" in short.table()


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(context=0), "context"),
        (dict(context=1.5), "context"),
        (dict(sequences=0), "sequences"),
        (dict(sequences=True), "sequences"),
    ],
)
def test_bad_settings_are_explained(kwargs, message):
    with pytest.raises(ValueError, match=message):
        context_view(**kwargs)


def test_unknown_model_is_explained():
    with pytest.raises(ValueError, match="unknown model"):
        context_view().model("GPT")


def test_plot_has_three_labelled_log_log_panels():
    axes = plot_context_view(context_view(65_536))
    assert len(axes) == 3
    for ax in axes:
        assert ax.get_xscale() == ax.get_yscale() == "log"
        assert ax.get_xlabel() and ax.get_ylabel() and "65,536" in ax.get_title()
    assert "GB" in axes[2].get_ylabel()


def test_explorer_builds_and_redraws_when_a_slider_moves():
    explorer = context_explorer()
    context, sequences = explorer.children[0].children
    assert isinstance(explorer.view, ContextView) and explorer.view.context == 131_072
    context.value = CONTEXTS[-1]
    sequences.value = 8
    assert (explorer.view.context, explorer.view.sequences) == (CONTEXTS[-1], 8)
    assert explorer.view.model("MiniMax-M1").cache == cache_bytes(MINIMAX_M1, CONTEXTS[-1], 8)
