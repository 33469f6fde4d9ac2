"""Lesson 07b (long answers): how hard each aggregation pushes a whole answer of a ragged
batch, and which tokens PPO's clip can ever silence."""

from __future__ import annotations

import torch

from minimoe.exercises import close, exercise
from minimoe.rl import aggregation_weights


def answer_push(
    lengths: torch.Tensor,
    advantages: torch.Tensor,
    aggregation: str,
    max_response_len: int | None = None,
) -> torch.Tensor:
    """The total push the loss gives answer i on the first, on-policy update: Â_i times the sum
    of its tokens' weights, Â_i·|o_i|·w_i, for a batch of answers of ``lengths`` (B,) tokens
    with advantages ``advantages`` (B,). Positive: the answer is made more likely; negative:
    less. ``w_i`` is the per-token weight of ``aggregation`` (``aggregation_weights``):

        "token_mean"     w_i = 1/N,  N = Σ_j |o_j|        -> push Â_i·|o_i|/N
        "sequence_mean"  w_i = 1/(B·|o_i|)                -> push Â_i/B, whatever the length
        "constant"       w_i = 1/(B·L_max)                -> push Â_i·|o_i|/(B·L_max)
    """
    lengths = torch.as_tensor(lengths)
    advantages = torch.as_tensor(advantages, dtype=torch.float64)
    mask = (torch.arange(int(lengths.max())) < lengths[:, None]).to(torch.float64)
    weights = aggregation_weights(mask, aggregation, max_response_len)
    return advantages * weights.sum(dim=1)


def clippable(
    old_prob: torch.Tensor, advantages: torch.Tensor, eps_low: float, eps_high: float
) -> torch.Tensor:
    """True for the tokens that PPO's clip can silence after *some* number of off-policy
    updates, however many: a token is clipped when Â > 0 and r > 1 + ε_high, or Â < 0 and
    r < 1 − ε_low, with r = π_θ/π_old and 0 < π_θ ≤ 1.

    Â > 0: r ≤ 1/π_old, so only tokens with π_old < 1/(1 + ε_high) can get past the upper edge.
    Â < 0: r can fall towards 0 for any token, so every one can pass the lower edge.
    Â = 0: never (the token carries no gradient to clip).
    """
    old_prob = torch.as_tensor(old_prob)
    advantages = torch.as_tensor(advantages).expand_as(old_prob)
    up = (advantages > 0) & (old_prob < 1 / (1 + eps_high))
    down = advantages < 0
    return up | down


# ------------------------------------------------------------------------------ 07b.answer_push


def _push_per_token(lengths, advantages, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths)
    return answer_push(lengths, advantages, aggregation, max_response_len) / lengths


def _push_without_advantage(lengths, advantages, aggregation, max_response_len=None):
    return answer_push(lengths, torch.ones(len(lengths)), aggregation, max_response_len)


def _push_sequence_mean_scaled_by_length(lengths, advantages, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths)
    push = answer_push(lengths, advantages, aggregation, max_response_len)
    if aggregation == "sequence_mean":
        return push * lengths / lengths.double().mean()
    return push


def _push_constant_at_longest(lengths, advantages, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths)
    if aggregation == "constant":
        return answer_push(lengths, advantages, aggregation, int(lengths.max()))
    return answer_push(lengths, advantages, aggregation, max_response_len)


def _push_token_mean_per_group_size(lengths, advantages, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths)
    if aggregation == "token_mean":
        advantages = torch.as_tensor(advantages, dtype=torch.float64)
        return advantages * lengths / (len(lengths) * lengths.double().mean() ** 2)
    return answer_push(lengths, advantages, aggregation, max_response_len)


@exercise(
    "07b.answer_push",
    reference=answer_push,
    hints=(
        "An answer's push is the sum, over its own tokens, of the weight each token gets, times "
        "the answer's advantage. Under which aggregation does that sum stop depending on how "
        "many tokens the answer has, and under which does it grow with them?",
        "Multiply the per-token weight by the answer's length: DAPO/CISPO's 1/N gives |o_i|/N, "
        "GRPO's 1/(B·|o_i|) gives 1/B for every answer, Dr. GRPO's 1/(B·L_max) gives "
        "|o_i|/(B·L_max). Then multiply by Â_i, sign included.",
        "N = lengths.sum(); B = len(lengths); token_mean: advantages * lengths / N; "
        "sequence_mean: advantages / B; constant: advantages * lengths / (B * max_response_len)",
    ),
    wrong=[
        _push_per_token,
        _push_without_advantage,
        _push_sequence_mean_scaled_by_length,
        _push_constant_at_longest,
        _push_token_mean_per_group_size,
    ],
)
def _check_answer_push(candidate) -> None:
    cases = (
        ([12, 48], [1.0, -1.0], 64),
        ([6, 20, 90, 120], [1.5, 0.5, -0.5, -1.5], 124),
        ([30, 30, 30], [1.0, -0.5, -0.5], 40),
    )
    for lengths, advantages, budget in cases:
        lengths, advantages = torch.tensor(lengths), torch.tensor(advantages)
        for aggregation in ("token_mean", "sequence_mean", "constant"):
            got = candidate(lengths.clone(), advantages.clone(), aggregation, budget)
            close(
                torch.as_tensor(got, dtype=torch.float64).reshape(-1),
                answer_push(lengths, advantages, aggregation, budget),
                f"answer_push({lengths.tolist()}, {advantages.tolist()}, {aggregation!r}, "
                f"max_response_len={budget})",
                tol=1e-9,
            )


# -------------------------------------------------------------------------------- 07b.clippable


def _clippable_upper_only(old_prob, advantages, eps_low, eps_high):
    return clippable(old_prob, advantages, eps_low, eps_high) & (
        torch.as_tensor(advantages).expand_as(torch.as_tensor(old_prob)) > 0
    )


def _clippable_wrong_bound(old_prob, advantages, eps_low, eps_high):
    old_prob = torch.as_tensor(old_prob)
    advantages = torch.as_tensor(advantages).expand_as(old_prob)
    return ((advantages > 0) & (old_prob < 1 - eps_high)) | (advantages < 0)


def _clippable_lower_needs_likely(old_prob, advantages, eps_low, eps_high):
    old_prob = torch.as_tensor(old_prob)
    advantages = torch.as_tensor(advantages).expand_as(old_prob)
    up = (advantages > 0) & (old_prob < 1 / (1 + eps_high))
    return up | ((advantages < 0) & (old_prob > 1 - eps_low))


def _clippable_everything(old_prob, advantages, eps_low, eps_high):
    return torch.ones_like(torch.as_tensor(old_prob), dtype=torch.bool)


def _clippable_zero_advantage(old_prob, advantages, eps_low, eps_high):
    old_prob = torch.as_tensor(old_prob)
    advantages = torch.as_tensor(advantages).expand_as(old_prob)
    return clippable(old_prob, advantages, eps_low, eps_high) | (
        (advantages == 0) & (old_prob < 1 / (1 + eps_high))
    )


@exercise(
    "07b.clippable",
    reference=clippable,
    hints=(
        "A probability can never exceed 1 and never fall below 0. How far can the ratio "
        "π_θ/π_old rise for a token the sampler already found likely, and how far can it fall "
        "for any token? Which edge of the trust region matters for which sign of Â?",
        "Â > 0 is clipped only above 1 + ε_high, and r ≤ 1/π_old caps how high it gets: the "
        "token must have π_old < 1/(1 + ε_high). Â < 0 is clipped below 1 − ε_low, which every "
        "token can reach. A token with Â = 0 is never clipped.",
        "up = (advantages > 0) & (old_prob < 1 / (1 + eps_high)); down = advantages < 0; "
        "return up | down",
    ),
    wrong=[
        _clippable_upper_only,
        _clippable_wrong_bound,
        _clippable_lower_needs_likely,
        _clippable_everything,
        _clippable_zero_advantage,
    ],
)
def _check_clippable(candidate) -> None:
    old_prob = torch.tensor([0.01, 0.2, 0.5, 0.75, 0.81, 0.85, 0.9, 0.99])
    for advantage in (1.0, -1.0, 0.0, 0.3):
        for eps_low, eps_high in ((0.2, 0.2), (0.2, 0.28), (0.1, 0.05)):
            advantages = torch.full_like(old_prob, advantage)
            got = torch.as_tensor(candidate(old_prob.clone(), advantages, eps_low, eps_high))
            want = clippable(old_prob, advantages, eps_low, eps_high)
            what = (
                f"clippable(π_old={old_prob.tolist()}, Â={advantage}, eps_low={eps_low}, "
                f"eps_high={eps_high})"
            )
            assert got.shape == want.shape, f"{what}: expected shape {tuple(want.shape)}"
            assert torch.equal(got.bool(), want), f"{what}: expected {want.int().tolist()}"
