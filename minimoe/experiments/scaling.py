"""How a computation's cost grows with the sequence length n, measured, and what caches hold.

Lessons 01 and 02 ask the same question of every attention form: if n doubles, how much longer
does it take and how much more memory does it need? A cost that grows like c·n^p is a straight
line of slope p on log-log axes, so we

- measure the time and the peak tensor memory of a call at several n (:func:`measure_scaling`);
- fit that slope, the exponent p (:func:`loglog_slope`);
- draw the curves with their fitted exponents (:func:`plot_scaling`).

Quadratic attention has p = 2 (its n × n score matrix), linear forms p = 1. Timing uses
:func:`time_call` (which ``minimoe bench`` uses too); memory uses torch's profiler
(:func:`peak_memory_bytes`).

The cache sizes of a model, by contrast, are not measured but computed exactly from its config:
see :mod:`minimoe.flops`.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch


def time_call(
    fn: Callable[[], object],
    repeats: int,
    warmup: int = 1,
    clock: Callable[[], float] = time.perf_counter,
    min_total_s: float = 0.0,
    max_repeats: int = 50,
) -> float:
    """Median time of ``fn()`` in seconds by ``clock``, over at least ``repeats`` calls after
    ``warmup``, and more (up to ``max_repeats``) until the timed calls add up to
    ``min_total_s``: a fast call on a noisy machine then gets enough samples for a steady
    median, a slow one is not repeated needlessly."""
    if repeats <= 0 or max_repeats < repeats:
        raise ValueError(f"need 0 < repeats <= max_repeats, got {repeats} and {max_repeats}")
    for _ in range(warmup):
        fn()
    times: list[float] = []
    while len(times) < repeats or (sum(times) < min_total_s and len(times) < max_repeats):
        start = clock()
        fn()
        times.append(clock() - start)
    return statistics.median(times)


@dataclass(frozen=True)
class Scaling:
    """Measured cost of one computation at several sequence lengths.

    Attributes:
        name: what was measured (used as the plot label).
        ns: the sequence lengths n, increasing.
        seconds: median time of one call at each n.
        peak_bytes: peak tensor memory one call allocated at each n (see
            :func:`peak_memory_bytes`), or None when memory was not measured.
    """

    name: str
    ns: tuple[int, ...]
    seconds: tuple[float, ...]
    peak_bytes: tuple[int, ...] | None = None

    @property
    def time_exponent(self) -> float:
        """Fitted p in time ≈ c·n^p over all measured n."""
        return loglog_slope(self.ns, self.seconds)

    @property
    def memory_exponent(self) -> float:
        """Fitted p in peak memory ≈ c·n^p over all measured n."""
        if self.peak_bytes is None:
            raise ValueError(f"{self.name}: memory was not measured (memory=False)")
        return loglog_slope(self.ns, self.peak_bytes)


def loglog_slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of log y against log x: the exponent p of y ≈ c·x^p.

    The base of the logarithm does not matter. Needs at least two distinct positive xs and
    positive ys.
    """
    if len(xs) != len(ys):
        raise ValueError(f"xs and ys must have the same length, got {len(xs)} and {len(ys)}")
    if len(set(xs)) < 2:
        raise ValueError(f"need at least two distinct x values to fit a slope, got {list(xs)}")
    if min(xs) <= 0 or min(ys) <= 0:
        raise ValueError("xs and ys must be positive to take logarithms")
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    covariance = sum((a - mx) * (b - my) for a, b in zip(lx, ly))
    variance = sum((a - mx) ** 2 for a in lx)
    return covariance / variance


def peak_memory_bytes(fn: Callable[[], object]) -> int:
    """Peak CPU tensor memory, in bytes, that one call of ``fn()`` holds above where it started.

    torch's profiler records every tensor allocation and free on the CPU, attributed to the
    operator that made it. Adding them up in time order gives the memory in use after each
    operator; the largest value is the peak. Two limits: memory an operator allocates and frees
    again before it returns is netted out (so a kernel's private scratch space is missed), and
    only CPU tensors are seen. Tensors that existed before the call (the inputs) do not count.
    """
    # The profiler's C++ side otherwise prints two "profiler_start/stop" log lines per call.
    os.environ.setdefault("KINETO_LOG_LEVEL", "6")
    # The plain (non-Kineto) profiler: it records the same memory events, and starts at once
    # where Kineto's first start took about 5 s on the course's CPU machine.
    with torch.autograd.profiler.profile(profile_memory=True, use_kineto=False) as prof:
        fn()
    in_use = peak = 0
    for event in sorted(prof.function_events, key=lambda e: e.time_range.start):
        in_use += event.self_cpu_memory_usage
        peak = max(peak, in_use)
    return peak


def measure_scaling(
    name: str,
    make_call: Callable[[int], Callable[[], object]],
    ns: Sequence[int],
    *,
    repeats: int = 3,
    memory: bool = True,
    clock: Callable[[], float] = time.perf_counter,
    progress: bool = False,
) -> Scaling:
    """Time (and profile the memory of) a computation at every sequence length in ``ns``.

    Args:
        name: a label for the result.
        make_call: ``make_call(n)`` builds the inputs for length n and returns a function of no
            arguments that does the work; only that function is timed and profiled.
        ns: sequence lengths, at least two, increasing.
        repeats: timed calls per length (the median counts), after one warm-up call.
        memory: also measure :func:`peak_memory_bytes` (one more call per length).
        clock: the timer, e.g. ``time.process_time`` for the CPU time of this process, which
            on a shared machine leaves out the time spent waiting for a core (use it with one
            thread: CPU time adds up all threads).
        progress: show a tqdm progress bar over the lengths.

    Returns:
        :class:`Scaling` with one time (and peak) per n. Runs under ``torch.no_grad()``.
    """
    ns = tuple(int(n) for n in ns)
    if len(ns) < 2 or min(ns) <= 0 or list(ns) != sorted(set(ns)):
        raise ValueError(f"ns must be at least two increasing positive lengths, got {ns}")
    lengths = ns
    if progress:
        from tqdm.auto import tqdm

        lengths = tqdm(ns, desc=name, leave=False)
    seconds, peaks = [], []
    with torch.no_grad():
        for n in lengths:
            call = make_call(n)
            seconds.append(time_call(call, repeats, clock=clock))
            if memory:
                peaks.append(peak_memory_bytes(call))
            del call  # free this length's inputs before building the next ones
    return Scaling(name, ns, tuple(seconds), tuple(peaks) if memory else None)


def plot_scaling(runs: Sequence[Scaling], quantity: str = "time", ax=None):
    """Log-log plot of time or peak memory against n, one line per run, exponent in the legend.

    Args:
        runs: results of :func:`measure_scaling`.
        quantity: ``"time"`` (seconds) or ``"memory"`` (peak MiB).
        ax: matplotlib axes to draw on; a new figure if None.

    Returns:
        The axes.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter

    if quantity not in ("time", "memory"):
        raise ValueError(f"quantity must be 'time' or 'memory', got {quantity!r}")
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 4))
    for run in runs:
        if quantity == "time":
            ax.plot(run.ns, run.seconds, "o-", label=f"{run.name}: slope {run.time_exponent:.2f}")
        else:
            mib = [b / 2**20 for b in run.peak_bytes]
            ax.plot(run.ns, mib, "o-", label=f"{run.name}: slope {run.memory_exponent:.2f}")
    ax.set_xscale("log", base=2)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_yscale("log")
    ax.set_xlabel("sequence length n (tokens, log scale)")
    if quantity == "time":
        ax.set_ylabel("time per call (s, log scale)")
        ax.set_title("Time against sequence length")
    else:
        ax.set_ylabel("peak tensor memory (MiB, log scale)")
        ax.set_title("Peak memory against sequence length")
    ax.grid(True, which="major", alpha=0.3)
    if runs:
        ax.legend(fontsize="small")
    return ax
