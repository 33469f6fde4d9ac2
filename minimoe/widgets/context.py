"""Lesson 09's explorer: one context length, and what it costs MiniMax-M1, DeepSeek-R1 and
Qwen3-235B-A22B, from their public shapes (:mod:`minimoe.flops`).

:func:`context_view` computes everything for one setting of the controls (a context length t and
a number of sequences): the FLOPs of one decode step at context t and the share of them that
attention takes, the FLOPs of a whole answer of t tokens, and the cache the sequences hold at
t tokens, for each model, with whether t is inside the model's advertised context window.
:func:`plot_context_view` draws the curves around it, and :func:`context_explorer` wraps both in
sliders. The pure function is what the tests and the lesson call; the widget only redraws what it
returns.
"""

from __future__ import annotations

from dataclasses import dataclass

from minimoe.flops import (
    DEEPSEEK_R1,
    MINIMAX_M1,
    QWEN3_235B,
    Architecture,
    CacheSize,
    cache_bytes,
    decode_flops,
    generation_flops,
)

MODELS: dict[str, Architecture] = {
    "MiniMax-M1": MINIMAX_M1,
    "DeepSeek-R1 (absorbed MLA)": DEEPSEEK_R1,
    "DeepSeek-R1 (naive MLA)": DEEPSEEK_R1.replace(mla_form="naive"),
    "Qwen3-235B-A22B": QWEN3_235B,
}
"""The compared models. R1 twice: its cache and its attention FLOPs depend on the MLA form."""

CONTEXT_WINDOWS: dict[str, int] = {
    "MiniMax-M1": 1_000_000,  # M1 report: "natively supports a context length of 1 million"
    "DeepSeek-R1 (absorbed MLA)": 131_072,  # DeepSeek-R1 README: 128K
    "DeepSeek-R1 (naive MLA)": 131_072,
    "Qwen3-235B-A22B": 131_072,  # secondary: Qwen3 blog table as transcribed, 128K
}
"""Each model's advertised context window; 128K is taken as 131,072 tokens."""

CONTEXTS = tuple(sorted({2**p for p in range(10, 23)} | {100_000, 1_000_000}))
"""The slider's context lengths: 1,024 … 4,194,304 tokens, with 100K and 1M as the report
writes them."""


@dataclass(frozen=True)
class ModelAtContext:
    """One model at one context length.

    Attributes:
        name: the model's label.
        decode_flops: FLOPs of one decode step with ``context`` tokens in the cache.
        attention_share: the part of that step that attention takes (0 … 1).
        answer_flops: cumulative FLOPs to generate an answer of ``context`` tokens after a
            one-token prompt (:func:`minimoe.flops.generation_flops`).
        cache: bytes the sequences hold at ``context`` tokens, by kind (bfloat16 keys, values
            and latents; float32 lightning states).
        in_window: whether ``context`` fits the model's advertised context window.
    """

    name: str
    decode_flops: int
    attention_share: float
    answer_flops: int
    cache: CacheSize
    in_window: bool


@dataclass(frozen=True)
class ContextView:
    """What the explorer shows for one setting: ``models`` holds one :class:`ModelAtContext`
    per entry of :data:`MODELS`, in that order."""

    context: int
    sequences: int
    models: tuple[ModelAtContext, ...]

    def model(self, name: str) -> ModelAtContext:
        """The entry of model ``name`` (a key of :data:`MODELS`)."""
        for entry in self.models:
            if entry.name == name:
                return entry
        raise ValueError(f"unknown model {name!r}; choose one of {list(MODELS)}")

    def table(self) -> str:
        """The numbers as a printable table."""
        lines = [
            f"context {self.context:,} tokens, {self.sequences} sequence(s)",
            f"{'model':<27} {'decode step':>12} {'attention':>9} {'whole answer':>13} "
            f"{'cache':>10}  in window",
        ]
        for m in self.models:
            lines.append(
                f"{m.name:<27} {m.decode_flops:>12.3g} {m.attention_share:>9.0%} "
                f"{m.answer_flops:>13.3g} {m.cache.total / 1e9:>7.2f} GB  "
                f"{'yes' if m.in_window else 'no'}"
            )
        return "\n".join(lines)


def context_view(context: int = 131_072, sequences: int = 1) -> ContextView:
    """Decode-step FLOPs, whole-answer FLOPs and cache bytes of every model of :data:`MODELS`
    at ``context`` tokens, for ``sequences`` sequences (FLOPs are per sequence; the cache is the
    sequences' total)."""
    for name, value in (("context", context), ("sequences", sequences)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive whole number, got {value!r}")
    entries = []
    for name, arch in MODELS.items():
        step = decode_flops(arch, context)
        entries.append(
            ModelAtContext(
                name=name,
                decode_flops=step.total,
                attention_share=step.attention / step.total,
                answer_flops=generation_flops(arch, context).total,
                cache=cache_bytes(arch, context, batch=sequences),
                in_window=context <= CONTEXT_WINDOWS[name],
            )
        )
    return ContextView(context=context, sequences=sequences, models=tuple(entries))


def plot_context_view(view: ContextView, axes=None):
    """Three log-log panels against the context length: FLOPs of one decode step, FLOPs of a
    whole answer, and cache memory; the view's context marked, and each curve dotted beyond its
    model's context window. Returns the three axes."""
    import matplotlib.pyplot as plt

    if axes is None:
        _, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    views = [context_view(t, view.sequences) for t in CONTEXTS]
    panels = (
        (lambda m: m.decode_flops, "FLOPs of one decode step", "One token at context t"),
        (lambda m: m.answer_flops, "FLOPs of the whole answer", "An answer of t tokens"),
        (
            lambda m: m.cache.total / 1e9,
            f"cache of {view.sequences} sequence(s) (GB)",
            "Cache held at t tokens",
        ),
    )
    for ax, (value, ylabel, title) in zip(axes, panels):
        for i, name in enumerate(MODELS):
            color = f"C{i}"
            style = "--" if "naive" in name else "-"
            xs = [v.context for v in views]
            ys = [value(v.models[i]) for v in views]
            inside = [(x, y) for x, y in zip(xs, ys) if x <= CONTEXT_WINDOWS[name]]
            ax.plot(*zip(*inside), style, color=color, label=name)
            ax.plot(xs, ys, ":", color=color, alpha=0.6)
            ax.plot([view.context], [value(view.models[i])], "o", color=color)
        ax.axvline(view.context, color="gray", lw=0.8)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlabel("context t (tokens, log scale)")
        ax.set_ylabel(f"{ylabel}, log scale")
        ax.set_title(f"{title}; t = {view.context:,}")
        ax.grid(True, alpha=0.3)
    axes[0].legend(fontsize="small", title="dotted: beyond the model's window")
    return axes


def context_explorer():
    """A context-length slider and a sequences slider; each change recomputes
    :func:`context_view`, prints its table and redraws the curves.

    Returns the ipywidgets container (display it in a notebook); its ``view`` attribute holds the
    :class:`ContextView` of the current setting.
    """
    import ipywidgets as widgets

    from minimoe.widgets import new_figure, show_in

    context = widgets.SelectionSlider(
        options=[(f"{t:,}", t) for t in CONTEXTS], value=131_072, description="context t"
    )
    sequences = widgets.IntSlider(value=1, min=1, max=64, description="sequences")
    output = widgets.Output()
    box = widgets.VBox([widgets.HBox([context, sequences]), output])

    def redraw(_change=None) -> None:
        box.view = context_view(context.value, sequences.value)
        figure, axes = new_figure(1, 3, figsize=(15, 4.5))
        plot_context_view(box.view, axes)
        show_in(output, [box.view.table(), figure])

    for control in (context, sequences):
        control.observe(redraw, names="value")
    redraw()
    return box
