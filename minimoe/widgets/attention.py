"""Lesson 02's explorer: what one lightning head remembers, how the blocks tile it, and what the
state costs next to a KV cache.

:func:`decay_view` computes everything for one setting of the controls (a layer and a head of
MiniMax-M1, a block size, a context length): the head's slope s and decay λ = exp(−s), its
half-life, the decay mask M[t, s'] = λ^(t−s') over a short window, and the memory of one
lightning layer's state against one softmax layer's KV cache. :func:`plot_decay_view` draws it,
and :func:`decay_explorer` wraps both in sliders. The pure function is what the tests and the
lesson call; the widget only redraws what it returns.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from minimoe.attention import decay_mask, lightning_slopes
from minimoe.config import MiniMoEConfig
from minimoe.flops import kv_cache_bytes, lightning_state_bytes

M1 = MiniMoEConfig.preset("minimax-m1")
BLOCK_SIZES = (4, 8, 16, 32, 64)  # the explorer's mask window is 64 tokens
CONTEXTS = tuple(2**p for p in range(8, 21))  # 256 … 1,048,576 tokens


@dataclass(frozen=True)
class DecayView:
    """What the explorer shows for one setting.

    Attributes:
        layer_idx: the layer (0-based, counting all of M1's layers).
        head: the head h, 1-based as in s_h = 2^(−8h/H) · layer factor.
        slope: s_h of this head in this layer.
        decay: λ = exp(−s), the share of the state a token keeps per step.
        half_life: ln 2 / s, the number of tokens after which a key's weight has halved.
        block_size: B, the tile length of the blockwise form.
        mask: (window, window) float32, M[t, s'] = λ^(t−s') for t ≥ s', else 0.
        context: n, the context length for the memory comparison.
        state_bytes: one lightning layer's state, heads · d · d float32 values.
        kv_cache_bytes: one softmax layer's cache at n tokens, 2 · kv_heads · d · n bfloat16.
    """

    layer_idx: int
    head: int
    slope: float
    decay: float
    half_life: float
    block_size: int
    mask: torch.Tensor
    context: int
    state_bytes: int
    kv_cache_bytes: int

    @property
    def crossover(self) -> int:
        """Context length at which one KV cache outgrows one lightning state (in bytes)."""
        return math.ceil(self.state_bytes / kv_cache_bytes(1, M1.num_kv_heads, M1.head_dim, 1))


def lightning_layers(config: MiniMoEConfig = M1) -> list[int]:
    """Indices of the lightning layers of ``config`` (M1: 70 of 80; 7, 15, … are softmax)."""
    return [i for i, kind in enumerate(config.layer_types) if kind == "lightning"]


def decay_view(
    layer_idx: int = 0,
    head: int = 1,
    block_size: int = 16,
    context: int = 4096,
    window: int = 64,
) -> DecayView:
    """Compute what the explorer shows for one head of one of MiniMax-M1's lightning layers.

    Args:
        layer_idx: a lightning layer of M1 (see :func:`lightning_layers`).
        head: 1 … 64.
        block_size: B, at most ``window``.
        context: n tokens, for the KV-cache size.
        window: tokens shown in the mask image.
    """
    if layer_idx not in lightning_layers():
        raise ValueError(
            f"layer {layer_idx} is not a lightning layer of MiniMax-M1: choose one of 0-78 "
            "except the softmax layers 7, 15, 23, ..., 79"
        )
    if not 1 <= head <= M1.num_heads:
        raise ValueError(f"head must be between 1 and {M1.num_heads}, got {head}")
    if window < 1:
        raise ValueError(f"window must be positive, got {window}")
    if not 1 <= block_size <= window:
        raise ValueError(f"block_size must be between 1 and window={window}, got {block_size}")
    if context < 1:
        raise ValueError(f"context must be a positive number of tokens, got {context}")
    slopes = lightning_slopes(M1.num_heads, layer_idx, M1.num_layers)
    slope = slopes[head - 1 : head]  # (1,): a one-head slope tensor
    s = slope.item()
    return DecayView(
        layer_idx=layer_idx,
        head=head,
        slope=s,
        decay=math.exp(-s),
        half_life=math.log(2) / s,
        block_size=block_size,
        mask=decay_mask(window, slope)[0],
        context=context,
        state_bytes=lightning_state_bytes(1, M1.num_heads, M1.head_dim),
        kv_cache_bytes=kv_cache_bytes(1, M1.num_kv_heads, M1.head_dim, context),
    )


def plot_decay_view(view: DecayView, axes=None):
    """Left: the decay mask with the block tiling. Right: state vs KV-cache memory against n.

    Returns the two axes.
    """
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.patches import Rectangle

    if axes is None:
        _, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    ax_mask, ax_mem = axes
    window = view.mask.shape[0]
    # The future (s > t) is drawn grey: masked out, as opposed to a weight that decayed to ~0.
    future = torch.ones(window, window, dtype=torch.bool).triu(diagonal=1).numpy()
    cmap = plt.get_cmap("viridis").with_extremes(bad="lightgrey")
    shown = np.ma.masked_array(view.mask.numpy(), mask=future)
    image = ax_mask.imshow(shown, cmap=cmap, vmin=0.0, vmax=1.0)
    ax_mask.figure.colorbar(image, ax=ax_mask, label="M[t, s] = λ^(t−s)")
    # Diagonal tiles are the intra-block (masked, left) products; everything below them reaches
    # a query only through the carried state (the inter-block, right product).
    for start in range(0, window, view.block_size):
        size = min(view.block_size, window - start)
        ax_mask.add_patch(
            Rectangle((start - 0.5, start - 0.5), size, size, fill=False, color="white", lw=1.2)
        )
    ax_mask.set_xlabel("key position s (token)")
    ax_mask.set_ylabel("query position t (token)")
    ax_mask.set_title(
        f"layer {view.layer_idx}, head {view.head}: λ = {view.decay:.4f}, "
        f"half-life {view.half_life:,.1f} tokens\nwhite squares: blocks of B = {view.block_size}; "
        "grey: future (masked)"
    )

    ns = list(CONTEXTS)
    cache_mib = [kv_cache_bytes(1, M1.num_kv_heads, M1.head_dim, n) / 2**20 for n in ns]
    ax_mem.plot(ns, cache_mib, label="softmax layer: KV cache (bf16)")
    ax_mem.plot(ns, [view.state_bytes / 2**20] * len(ns), label="lightning layer: state (fp32)")
    ax_mem.plot([view.context], [view.kv_cache_bytes / 2**20], "o", color="tab:blue")
    ax_mem.set_xscale("log", base=2)
    ax_mem.set_yscale("log")
    ax_mem.set_xlabel("context length n (tokens, log scale)")
    ax_mem.set_ylabel("memory per layer and sequence (MiB, log scale)")
    ax_mem.set_title(
        f"At n = {view.context:,}: KV cache {view.kv_cache_bytes / 2**20:,.1f} MiB, "
        f"state {view.state_bytes / 2**20:,.0f} MiB\n(equal at n = {view.crossover:,})"
    )
    ax_mem.grid(True, alpha=0.3)
    ax_mem.legend(loc="upper left", fontsize="small")
    return axes


def decay_explorer():
    """Sliders for the layer, the head, the block size and the context length; each change
    recomputes :func:`decay_view` and redraws it.

    Returns the ipywidgets container (display it in a notebook); its ``view`` attribute holds the
    :class:`DecayView` of the current setting.
    """
    import ipywidgets as widgets

    from minimoe.widgets import new_figure, show_in

    layer = widgets.SelectionSlider(options=lightning_layers(), value=0, description="layer")
    head = widgets.IntSlider(value=1, min=1, max=M1.num_heads, description="head")
    block = widgets.SelectionSlider(options=list(BLOCK_SIZES), value=16, description="block B")
    context = widgets.SelectionSlider(
        options=[(f"{n:,}", n) for n in CONTEXTS], value=4096, description="context n"
    )
    output = widgets.Output()
    box = widgets.VBox([widgets.HBox([layer, head]), widgets.HBox([block, context]), output])

    def redraw(_change=None) -> None:
        box.view = decay_view(layer.value, head.value, block.value, context.value)
        figure, axes = new_figure(1, 2, figsize=(12, 4.5))
        plot_decay_view(box.view, axes)
        show_in(output, [figure])

    for control in (layer, head, block, context):
        control.observe(redraw, names="value")
    redraw()
    return box
