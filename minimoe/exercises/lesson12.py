"""Lesson 12 (the race): what distillation evidence can show, and benchmark noise bands."""

from __future__ import annotations

import itertools
import math

from minimoe.benchmarks import (
    Z_95,
    is_distinguishable,
    noise_band,
    problems_needed,
    standard_error,
)
from minimoe.exercises import close, exercise

# --------------------------------------------------------------------------------- 12.evidence

EVIDENCE_STATEMENTS = {
    "A": "A classifier tells model A's answers from model B's with 97% accuracy, so B was "
    "trained on A's outputs.",
    "B": "B's answers are very similar to A's; B may have trained on A's outputs, on web text "
    "that contains A's outputs, on the same public data as A, or on a third model's outputs.",
    "C": "A watermark that A put into its outputs before they were collected, detected again in "
    "the open-weight model B, is evidence that B was trained on A's outputs.",
    "D": "API logs and account records could tie a lab to mass collection of outputs, but "
    "outsiders can only weigh them once they are published for review.",
    "E": "A model that calls itself ChatGPT was distilled from ChatGPT.",
    "F": "A fingerprint planted in A's weights, found in B, shows that B reuses A's weights; it "
    "says nothing about training on A's API outputs.",
}
"""The statements of exercise 12.evidence, by letter."""


def conclusions_that_follow() -> set[str]:
    """The letters of the statements in :data:`EVIDENCE_STATEMENTS` that the evidence supports."""
    return {"B", "C", "D", "F"}


@exercise(
    "12.evidence",
    reference=conclusions_that_follow,
    hints=(
        "For each statement, ask whether some other explanation fits the same evidence just as "
        "well. A conclusion follows only if the evidence rules the alternatives out.",
        "Similar outputs have several innocent explanations, and a model's name for itself is "
        "text it learned from the web. Signals planted before any copying, or the provider's own "
        "logs, point at one explanation; a fingerprint in weights is about weights.",
        "Two statements overclaim (the classifier one and the self-naming one); the other four "
        "follow.",
    ),
    wrong=[
        lambda: {"A", "B", "C", "D", "F"},
        lambda: {"B", "C", "D", "E", "F"},
        lambda: {"B", "D"},
        lambda: {"A", "C", "E"},
    ],
)
def _check_evidence(candidate) -> None:
    got = candidate()
    assert isinstance(got, (set, frozenset, list, tuple)), (
        f"return a set of letters such as {{'B'}}, got {got!r}"
    )
    got = {str(letter).strip().upper() for letter in got}
    unknown = got - set(EVIDENCE_STATEMENTS)
    assert not unknown, f"there are no statements {sorted(unknown)}; use letters A to F"
    want = conclusions_that_follow()
    overclaims = sorted(got - want)
    missed = sorted(want - got)
    assert not overclaims and not missed, (
        f"{len(overclaims)} of your letters overclaim and you left out {len(missed)} that follow"
    )


# ------------------------------------------------------------------------------- 12.noise_band


def _band_without_sqrt(accuracy, n, runs=1, z=Z_95):
    half = z * accuracy * (1 - accuracy) / (n * runs)
    return max(0.0, accuracy - half), min(1.0, accuracy + half)


def _band_ignoring_runs(accuracy, n, runs=1, z=Z_95):
    return noise_band(accuracy, n, 1, z)


def _band_sqrt_over_n(accuracy, n, runs=1, z=Z_95):
    half = z * math.sqrt(accuracy * (1 - accuracy)) / (n * runs)
    return max(0.0, accuracy - half), min(1.0, accuracy + half)


def _band_not_clipped(accuracy, n, runs=1, z=Z_95):
    half = z * standard_error(accuracy, n, runs)
    return accuracy - half, accuracy + half


def _band_one_sigma(accuracy, n, runs=1, z=Z_95):
    return noise_band(accuracy, n, runs, 1.0)


@exercise(
    "12.noise_band",
    reference=noise_band,
    hints=(
        "Each problem is a coin flip that lands 'right' with probability p. How does the spread "
        "of an average of many independent coin flips shrink as you add flips? With several "
        "samples per problem, count every sampled answer as a flip.",
        "The variance of one flip is p(1 - p); the variance of the mean of m flips is that "
        "divided by m, with m the number of problems times the samples per problem. The band is "
        "the accuracy plus or minus z standard deviations, kept inside [0, 1].",
        "half = z * sqrt(p * (1 - p) / (n * runs)); return (max(0, p - half), min(1, p + half)).",
    ),
    wrong=[
        _band_without_sqrt,
        _band_ignoring_runs,
        _band_sqrt_over_n,
        _band_not_clipped,
        _band_one_sigma,
    ],
)
def _check_noise_band(candidate) -> None:
    cases = [
        (0.5, 100, 1, Z_95),
        (0.769, 40, 1, Z_95),
        (0.875, 40, 32, Z_95),
        (0.65, 200, 16, 1.0),
        (0.98, 20, 1, Z_95),
        (0.03, 25, 1, 2.5),
    ]
    for accuracy, n, runs, z in cases:
        got = candidate(accuracy, n, runs, z)
        assert len(got) == 2, f"return (low, high), got {got!r}"
        close(
            got,
            noise_band(accuracy, n, runs, z),
            f"noise_band({accuracy}, n={n}, runs={runs}, z={z:.3g})",
            tol=1e-9,
        )


# ------------------------------------------------------------------------ 12.is_distinguishable


def _one_model_error(a, b, n, runs=1, z=Z_95):
    return abs(a - b) > z * standard_error(a, n, runs)


def _errors_added(a, b, n, runs=1, z=Z_95):
    return abs(a - b) > z * (standard_error(a, n, runs) + standard_error(b, n, runs))


def _distinguishable_ignoring_runs(a, b, n, runs=1, z=Z_95):
    return is_distinguishable(a, b, n, 1, z)


def _signed_gap(a, b, n, runs=1, z=Z_95):
    return a - b > z * math.hypot(standard_error(a, n, runs), standard_error(b, n, runs))


@exercise(
    "12.is_distinguishable",
    reference=is_distinguishable,
    hints=(
        "The gap between two noisy measurements is itself noisy, and more so than either "
        "measurement alone. How do the noises of two independent measurements combine when you "
        "subtract one from the other?",
        "For independent measurements the variances add: the gap's standard error is the square "
        "root of the sum of the two squared standard errors (each with n problems and runs "
        "samples). Compare the size of the gap, whichever model is ahead, with z of those.",
        "return abs(a - b) > z * math.hypot(standard_error(a, n, runs), "
        "standard_error(b, n, runs))",
    ),
    wrong=[_one_model_error, _errors_added, _distinguishable_ignoring_runs, _signed_gap],
)
def _check_is_distinguishable(candidate) -> None:
    accuracies = (0.56, 0.62, 0.7, 0.77, 0.875)
    for (a, b), n, runs in itertools.product(
        itertools.permutations(accuracies, 2), (30, 100, 486), (1, 16)
    ):
        got = candidate(a, b, n, runs)
        want = is_distinguishable(a, b, n, runs)
        assert bool(got) == want, (
            f"is_distinguishable({a}, {b}, n={n}, runs={runs}): expected {want}, got {got}"
        )


# ---------------------------------------------------------------------------- 12.problems_needed


def _needed_one_model(a, b, runs=1, z=Z_95):
    return math.floor(z * z * 2 * a * (1 - a) / (runs * (a - b) ** 2)) + 1


def _needed_not_whole(a, b, runs=1, z=Z_95):
    return z * z * (a * (1 - a) + b * (1 - b)) / (runs * (a - b) ** 2)


def _needed_ignoring_runs(a, b, runs=1, z=Z_95):
    return problems_needed(a, b, 1, z)


def _needed_gap_not_squared(a, b, runs=1, z=Z_95):
    return math.floor(z * z * (a * (1 - a) + b * (1 - b)) / (runs * abs(a - b))) + 1


@exercise(
    "12.problems_needed",
    reference=problems_needed,
    hints=(
        "Start from the test you just wrote and ask the opposite question: keep the two "
        "accuracies fixed and let the number of problems grow. Where does the inequality first "
        "hold?",
        "Square both sides of gap > z * sqrt((a(1 - a) + b(1 - b)) / (n * runs)) and solve for "
        "n. The answer must be a whole number of problems, the first one past the boundary.",
        "n = floor(z**2 * (a*(1-a) + b*(1-b)) / (runs * (a - b)**2)) + 1",
    ),
    wrong=[_needed_one_model, _needed_not_whole, _needed_ignoring_runs, _needed_gap_not_squared],
)
def _check_problems_needed(candidate) -> None:
    for a, b, runs in [
        (0.914, 0.86, 1),
        (0.914, 0.86, 32),
        (0.769, 0.875, 1),
        (0.56, 0.576, 1),
        (0.7, 0.81, 16),
        (0.3, 0.9, 1),
    ]:
        got = candidate(a, b, runs)
        want = problems_needed(a, b, runs)
        assert isinstance(got, int) and not isinstance(got, bool), (
            f"return a whole number of problems (an int), got {got!r}"
        )
        assert got == want, f"problems_needed({a}, {b}, runs={runs}): expected {want}, got {got}"
