"""Binomial noise of benchmark accuracies, checked by hand and against simulation."""

from __future__ import annotations

import math
import random

import pytest

from minimoe.benchmarks import (
    M1_MODELS,
    M1_REPORT_TABLE,
    THINKING_BUDGETS,
    Z_95,
    difference_standard_error,
    is_distinguishable,
    noise_band,
    problems_needed,
    standard_error,
)


def test_standard_error_by_hand():
    assert standard_error(0.5, 100) == pytest.approx(0.05)
    assert standard_error(0.8, 30) == pytest.approx(math.sqrt(0.16 / 30))
    assert standard_error(0.8, 30, runs=32) == pytest.approx(math.sqrt(0.16 / 960))
    assert standard_error(1.0, 10) == 0.0


def test_standard_error_matches_simulated_benchmarks():
    rng = random.Random(0)
    p, n, trials = 0.7, 40, 4000
    scores = [sum(rng.random() < p for _ in range(n)) / n for _ in range(trials)]
    mean = sum(scores) / trials
    spread = math.sqrt(sum((s - mean) ** 2 for s in scores) / (trials - 1))
    assert spread == pytest.approx(standard_error(p, n), rel=0.05)


def test_run_to_run_error_is_at_most_the_equal_difficulty_bound():
    # Problems of different difficulty, same mean accuracy: the re-sampling noise is smaller.
    rng = random.Random(1)
    difficulties = [0.95, 0.9, 0.2, 0.75, 0.7, 0.7]  # mean 0.7
    n, runs, trials = len(difficulties), 8, 3000
    scores = [
        sum(rng.random() < q for q in difficulties for _ in range(runs)) / (n * runs)
        for _ in range(trials)
    ]
    mean = sum(scores) / trials
    spread = math.sqrt(sum((s - mean) ** 2 for s in scores) / (trials - 1))
    assert spread < standard_error(0.7, n, runs)


def test_noise_band_is_centred_and_clipped():
    low, high = noise_band(0.5, 100)
    assert (low, high) == pytest.approx((0.5 - Z_95 * 0.05, 0.5 + Z_95 * 0.05))
    assert noise_band(0.99, 10)[1] == 1.0
    assert noise_band(0.01, 10)[0] == 0.0
    assert noise_band(0.5, 100, z=1.0) == pytest.approx((0.45, 0.55))


def test_difference_and_distinguishability():
    se = difference_standard_error(0.6, 0.5, 100)
    assert se == pytest.approx(math.sqrt(0.24 / 100 + 0.25 / 100))
    assert not is_distinguishable(0.6, 0.5, 100)  # gap 0.10 < 1.96 * 0.07
    assert is_distinguishable(0.6, 0.5, 400)
    assert is_distinguishable(0.5, 0.6, 400)  # symmetric


def test_problems_needed_is_the_smallest_n_that_separates():
    for a, b, runs in [(0.6, 0.5, 1), (0.875, 0.769, 1), (0.875, 0.769, 32), (0.576, 0.56, 1)]:
        n = problems_needed(a, b, runs)
        assert is_distinguishable(a, b, n, runs)
        assert n == 1 or not is_distinguishable(a, b, n - 1, runs)
    assert problems_needed(0.0, 1.0) == 1
    with pytest.raises(ValueError, match="any n"):
        problems_needed(0.7, 0.7)


@pytest.mark.parametrize(
    "call",
    [
        lambda: standard_error(86.0, 30),
        lambda: standard_error(0.5, 0),
        lambda: standard_error(0.5, 10, runs=0),
        lambda: noise_band(-0.1, 10),
        lambda: problems_needed(0.5, 57.6),
    ],
)
def test_bad_input_is_explained(call):
    with pytest.raises(ValueError, match="must be"):
        call()


def test_percentages_get_a_hint():
    with pytest.raises(ValueError, match="divide a percentage by 100"):
        standard_error(76.9, 30)


def test_m1_table_as_the_report_gives_it():
    assert len(M1_REPORT_TABLE) == 10
    assert set(THINKING_BUDGETS) == set(M1_MODELS)
    rows = {row.benchmark: row for row in M1_REPORT_TABLE}
    assert rows["AIME 2025"].scores["DeepSeek-R1-0528"] == 87.5
    assert rows["AIME 2024"].samples == rows["AIME 2025"].samples == 32
    assert rows["LiveCodeBench (24/8~25/5)"].samples == 16
    assert rows["SWE-bench Verified"].problems == 486
    assert rows["OpenAI-MRCR (1M)"].scores["DeepSeek-R1-0528"] is None
    for row in M1_REPORT_TABLE:
        assert set(row.scores) == set(M1_MODELS)
        assert all(s is None or 0 <= s <= 100 for s in row.scores.values())
