"""How much of a benchmark score is noise: binomial error bars for accuracies (lesson 12).

An accuracy measured on n problems is an average of n right-or-wrong outcomes. If the model
solves each problem with probability p, the measured accuracy has standard error
sqrt(p(1 − p)/n): the binomial error of a mean of n coin flips. Reports often average k samples
per problem (MiniMax-M1's report averages AIME over 32 samples and LiveCodeBench over 16). The
k·n outcomes then shrink the noise of re-running the evaluation on the same problems to at most
sqrt(p(1 − p)/(n·k)). It does not shrink the other noise: which n problems the benchmark
happens to contain.

All accuracies here are fractions in [0, 1] (divide a table's percentages by 100). z = 1.96
gives 95% bands under the normal approximation, which is rough when n·p or n·(1 − p) is small.

:data:`M1_REPORT_TABLE` holds M1's own comparison with DeepSeek-R1-0528 (Table 2 of the M1 tech
report, the same as the README's table), with the number of samples averaged where the report
states it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

Z_95 = 1.96
"""The two-sided 95% point of the standard normal distribution, rounded as it usually is."""


def _check_accuracy(accuracy: float, name: str = "accuracy") -> None:
    if not 0.0 <= accuracy <= 1.0:
        hint = " (divide a percentage by 100)" if 1.0 < accuracy <= 100.0 else ""
        raise ValueError(f"{name} must be a fraction in [0, 1], got {accuracy!r}{hint}")


def _check_counts(n: int, runs: int) -> None:
    if n < 1:
        raise ValueError(f"n (the number of problems) must be at least 1, got {n!r}")
    if runs < 1:
        raise ValueError(f"runs (samples averaged per problem) must be at least 1, got {runs!r}")


def standard_error(accuracy: float, n: int, runs: int = 1) -> float:
    """Standard error of an accuracy measured on ``n`` problems, ``runs`` samples each.

    sqrt(p(1 − p) / (n · runs)). With ``runs=1`` it is the binomial standard error. With
    ``runs > 1`` it is the run-to-run error (re-sampling answers to the same problems) when every
    problem has the same success probability p, and an upper bound on it otherwise, because the
    mean of p_i(1 − p_i) over problems never exceeds p(1 − p) for their mean p.
    """
    _check_accuracy(accuracy)
    _check_counts(n, runs)
    return math.sqrt(accuracy * (1.0 - accuracy) / (n * runs))


def noise_band(accuracy: float, n: int, runs: int = 1, z: float = Z_95) -> tuple[float, float]:
    """The band accuracy ± z · :func:`standard_error`, clipped to [0, 1]: (low, high)."""
    half = z * standard_error(accuracy, n, runs)
    return max(0.0, accuracy - half), min(1.0, accuracy + half)


def difference_standard_error(accuracy_a: float, accuracy_b: float, n: int, runs: int = 1) -> float:
    """Standard error of the gap a − b between two models measured the same way.

    The two measurements are treated as independent, so their variances add:
    sqrt(SE_a² + SE_b²). When both models find the same problems hard, their errors are
    correlated and a paired comparison would be tighter; this is the conservative figure.
    """
    _check_accuracy(accuracy_a, "accuracy_a")
    _check_accuracy(accuracy_b, "accuracy_b")
    return math.hypot(standard_error(accuracy_a, n, runs), standard_error(accuracy_b, n, runs))


def is_distinguishable(
    accuracy_a: float, accuracy_b: float, n: int, runs: int = 1, z: float = Z_95
) -> bool:
    """Whether the gap |a − b| exceeds z standard errors of the difference."""
    return abs(accuracy_a - accuracy_b) > z * difference_standard_error(
        accuracy_a, accuracy_b, n, runs
    )


def problems_needed(accuracy_a: float, accuracy_b: float, runs: int = 1, z: float = Z_95) -> int:
    """The smallest number of problems n at which this gap would be distinguishable.

    Solving |a − b| > z · sqrt((a(1 − a) + b(1 − b)) / (n · runs)) for n gives
    n > z² (a(1 − a) + b(1 − b)) / (runs · (a − b)²); the answer is the next whole number.

    Raises:
        ValueError: when a == b, since no number of problems separates equal accuracies.
    """
    _check_accuracy(accuracy_a, "accuracy_a")
    _check_accuracy(accuracy_b, "accuracy_b")
    _check_counts(1, runs)
    gap = accuracy_a - accuracy_b
    if gap == 0:
        raise ValueError(f"equal accuracies ({accuracy_a}) cannot be told apart at any n")
    variance = accuracy_a * (1 - accuracy_a) + accuracy_b * (1 - accuracy_b)
    if variance == 0:  # 0% vs 100%: a single problem already separates them
        return 1
    n = math.floor(z * z * variance / (runs * gap * gap)) + 1
    while n > 1 and is_distinguishable(accuracy_a, accuracy_b, n - 1, runs, z):
        n -= 1  # guard against rounding at the boundary
    while not is_distinguishable(accuracy_a, accuracy_b, n, runs, z):
        n += 1
    return n


@dataclass(frozen=True)
class BenchmarkRow:
    """One row of a self-reported benchmark table.

    Attributes:
        benchmark: the benchmark's name as the report writes it.
        scores: model name -> score in percent, as printed (None where the table has a dash).
        samples: samples averaged per problem, where the report states it (else None).
        problems: the number of problems, where the report states it (else None).
    """

    benchmark: str
    scores: dict[str, float | None] = field(hash=False)
    samples: int | None = None
    problems: int | None = None


M1_MODELS = ("MiniMax-M1-80K", "MiniMax-M1-40K", "DeepSeek-R1-0528", "DeepSeek-R1")
"""The columns of M1's comparison (the report has more models; these are the course's four)."""

THINKING_BUDGETS = {
    "MiniMax-M1-80K": "80K",
    "MiniMax-M1-40K": "40K",
    "DeepSeek-R1-0528": "64K",
    "DeepSeek-R1": "32K",
}
"""The 'extended thinking' budget of each column, as the table states it."""


def _row(benchmark, m1_80k, m1_40k, r1_0528, r1, samples=None, problems=None) -> BenchmarkRow:
    scores = dict(zip(M1_MODELS, (m1_80k, m1_40k, r1_0528, r1)))
    return BenchmarkRow(benchmark, scores, samples, problems)


M1_REPORT_TABLE = (
    _row("AIME 2024", 86.0, 83.3, 91.4, 79.8, samples=32),
    _row("AIME 2025", 76.9, 74.6, 87.5, 70.0, samples=32),
    _row("LiveCodeBench (24/8~25/5)", 65.0, 62.3, 73.1, 55.9, samples=16),
    _row("SWE-bench Verified", 56.0, 55.6, 57.6, 49.2, problems=486),
    _row("OpenAI-MRCR (128k)", 73.4, 76.1, 51.5, 35.8),
    _row("OpenAI-MRCR (1M)", 56.2, 58.6, None, None),
    _row("LongBench-v2", 61.5, 61.0, 52.1, 58.3),
    _row("TAU-bench (airline)", 62.0, 60.0, 53.5, None),
    _row("TAU-bench (retail)", 63.5, 67.8, 63.9, None),
    _row("GPQA Diamond", 70.0, 69.2, 81.0, 71.5),
)
"""M1's comparison with DeepSeek-R1, from MiniMax's own report (all runs at temperature 1.0,
top-p 0.95). AIME is averaged over 32 samples and LiveCodeBench over 16; SWE-bench Verified
uses 486 tasks (14 of the 500 excluded). The report gives no sample counts or problem counts
for the other rows. Source: MiniMax-M1 tech report (arXiv 2506.13585), Table 2, and
https://github.com/MiniMax-AI/MiniMax-M1 README."""
