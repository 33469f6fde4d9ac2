"""Scaling measurements: the timer, the slope fit, peak memory, the sweep and the plot."""

from __future__ import annotations

import math

import matplotlib
import pytest
import torch

from minimoe.experiments.scaling import (
    Scaling,
    loglog_slope,
    measure_scaling,
    peak_memory_bytes,
    plot_scaling,
    time_call,
)

matplotlib.use("Agg")


@pytest.mark.parametrize("power", [0.5, 1.0, 2.0, 3.0])
def test_loglog_slope_recovers_a_power_law(power):
    xs = [16, 32, 64, 128, 256]
    assert loglog_slope(xs, [7.5 * x**power for x in xs]) == pytest.approx(power)


def test_loglog_slope_is_a_least_squares_fit():
    # Points y = x² except one, 2× too high: the fit lies between.
    xs = [1, 2, 4, 8]
    ys = [1, 4, 16, 128]
    # In log2 units the residuals from y = x² are (0, 0, 0, 1) at log x = (0, 1, 2, 3), whose
    # own least-squares slope is 1.5 / 5 = 0.3.
    assert loglog_slope(xs, ys) == pytest.approx(2.3)


@pytest.mark.parametrize(
    "xs, ys, message",
    [
        ([1, 2], [1], "same length"),
        ([4, 4], [1, 2], "distinct"),
        ([0, 2], [1, 2], "positive"),
        ([1, 2], [1, -2], "positive"),
    ],
)
def test_loglog_slope_rejects_bad_input(xs, ys, message):
    with pytest.raises(ValueError, match=message):
        loglog_slope(xs, ys)


def test_peak_memory_counts_what_the_call_allocates():
    x = torch.randn(100, 100)

    def make_two_square_matrices():
        a = x @ x  # 40,000 bytes
        b = a + 1  # 40,000 more, while a is alive
        return b.sum()

    peak = peak_memory_bytes(make_two_square_matrices)
    assert 80_000 <= peak <= 90_000


def test_peak_memory_of_a_quadratic_matrix_grows_fourfold_per_doubling():
    peaks = []
    for n in (256, 512):
        q = torch.randn(n, 8)
        peaks.append(peak_memory_bytes(lambda q=q: (q @ q.T).sum()))
    assert peaks[1] / peaks[0] == pytest.approx(4.0, rel=0.01)


def test_measure_scaling_times_and_profiles_every_length():
    built = []

    def make_call(n):
        built.append(n)
        q = torch.randn(n, 4)
        return lambda: q @ q.T

    run = measure_scaling("outer", make_call, [64, 128, 256], repeats=1)
    assert built == [64, 128, 256]
    assert run.ns == (64, 128, 256) and len(run.seconds) == 3
    assert all(t > 0 for t in run.seconds)
    # n×n float32 results: exactly 4·n² bytes each, so the memory exponent is 2.
    assert run.peak_bytes == tuple(4 * n * n for n in (64, 128, 256))
    assert run.memory_exponent == pytest.approx(2.0)
    assert math.isfinite(run.time_exponent)


def test_measure_scaling_without_memory():
    run = measure_scaling("sum", lambda n: torch.ones(n).sum, [8, 16], repeats=1, memory=False)
    assert run.peak_bytes is None
    with pytest.raises(ValueError, match="memory was not measured"):
        _ = run.memory_exponent


@pytest.mark.parametrize("ns", [[8], [16, 8], [0, 8], [8, 8]])
def test_measure_scaling_rejects_bad_lengths(ns):
    with pytest.raises(ValueError, match="increasing"):
        measure_scaling("x", lambda n: lambda: None, ns, repeats=1)


def test_plot_scaling_has_log_axes_labels_and_exponents():
    run = Scaling("toy", (1, 2, 4), (1.0, 4.0, 16.0), (10, 20, 40))
    ax = plot_scaling([run], "time")
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert "n" in ax.get_xlabel() and "s" in ax.get_ylabel() and ax.get_title()
    assert "slope 2.00" in ax.get_legend().get_texts()[0].get_text()
    ax = plot_scaling([run], "memory")
    assert "MiB" in ax.get_ylabel()
    assert "slope 1.00" in ax.get_legend().get_texts()[0].get_text()
    with pytest.raises(ValueError, match="quantity"):
        plot_scaling([run], "flops")


def test_time_call_repeats_fast_calls_until_the_time_budget():
    calls = []
    ticks = iter(range(1000))  # a fake clock: every reading is one second after the last
    seconds = time_call(
        lambda: calls.append(1), repeats=3, warmup=0, clock=lambda: next(ticks), min_total_s=7
    )
    assert seconds == 1 and len(calls) == 7  # 7 timed calls of one "second" each
    calls.clear()
    time_call(lambda: calls.append(1), repeats=3, warmup=2, min_total_s=1e9, max_repeats=9)
    assert len(calls) == 2 + 9  # capped


def test_time_call_rejects_impossible_repeats():
    with pytest.raises(ValueError):
        time_call(lambda: None, repeats=0)
    with pytest.raises(ValueError, match="max_repeats"):
        time_call(lambda: None, repeats=5, max_repeats=4)
