"""Lesson 07 (CISPO): the trust-region mask of M1's Eq. 7, how each loss weighs the tokens of
answers of unequal length, and the ceiling on the share of tokens PPO can clip from above."""

from __future__ import annotations

import torch

from minimoe.exercises import close, exercise
from minimoe.rl import aggregation_weights, trust_region_mask


def token_weights(
    lengths: torch.Tensor, aggregation: str, max_response_len: int | None = None
) -> torch.Tensor:
    """The weight w_i that every token of answer i gets in the loss, L = Σ_i Σ_t w_i·ℓ_{i,t},
    for a batch of B answers of ``lengths`` (B,) tokens:

        "token_mean"     w_i = 1/N,            N = Σ_j |o_j|       (DAPO, CISPO)
        "sequence_mean"  w_i = 1/(B·|o_i|)                          (GRPO)
        "constant"       w_i = 1/(B·L_max),    L_max = max_response_len (Dr. GRPO)

    The library's ``aggregation_weights`` on the batch's mask, read off one token per answer.
    """
    lengths = torch.as_tensor(lengths)
    mask = (torch.arange(int(lengths.max())) < lengths[:, None]).to(torch.float64)
    weights = aggregation_weights(mask, aggregation, max_response_len)
    return weights[:, 0]


def up_clip_ceiling(
    old_logp: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor, eps_high: float
) -> float:
    """The largest share of response tokens that PPO's clip can ever cut from above, however
    many updates are made on the batch.

    A token is clipped above when Â > 0 and r > 1 + ε_high. Since π_θ ≤ 1, r = π_θ/π_old can
    never exceed 1/π_old, so only tokens with π_old < 1/(1 + ε_high) can get there.

    Args:
        old_logp, mask: ``(batch, seq)``; advantages: ``(batch,)``.
    """
    adv = advantages[:, None].expand_as(old_logp)
    possible = (adv > 0) & (old_logp.exp() < 1 / (1 + eps_high)) & mask.bool()
    return (possible.sum() / mask.sum()).item()


# ------------------------------------------------------------------------ 07.trust_region_mask


def _mask_two_sided(ratio, advantages, eps_low, eps_high):
    return (ratio >= 1 - eps_low) & (ratio <= 1 + eps_high)


def _mask_signs_swapped(ratio, advantages, eps_low, eps_high):
    adv = advantages.expand_as(ratio)
    return ~(((adv < 0) & (ratio > 1 + eps_high)) | ((adv > 0) & (ratio < 1 - eps_low)))


def _mask_edges_swapped(ratio, advantages, eps_low, eps_high):
    return trust_region_mask(ratio, advantages, eps_high, eps_low)


def _mask_zero_advantage_clipped(ratio, advantages, eps_low, eps_high):
    adv = advantages.expand_as(ratio)
    return ~(((adv >= 0) & (ratio > 1 + eps_high)) | ((adv <= 0) & (ratio < 1 - eps_low)))


def _mask_upper_side_only(ratio, advantages, eps_low, eps_high):
    adv = advantages.expand_as(ratio)
    return ~((adv > 0) & (ratio > 1 + eps_high))


@exercise(
    "07.trust_region_mask",
    reference=trust_region_mask,
    hints=(
        "Look again at lesson 06's plot of the slope of min(r·Â, clip(r)·Â): the gradient "
        "vanishes only where the min picks the flat, clipped branch. For which sign of Â is the "
        "clipped branch the smaller one above the upper edge, and for which below the lower edge?",
        "Two cases switch a token off: Â > 0 with r beyond 1 + eps_high, and Â < 0 with r below "
        "1 - eps_low (strict inequalities). Everything else, including every token with Â = 0 "
        "and every token inside the edges, keeps M = 1. Return a bool tensor, True where M = 1.",
        "above = (advantages > 0) & (ratio > 1 + eps_high); below = (advantages < 0) & "
        "(ratio < 1 - eps_low); return ~(above | below)",
    ),
    wrong=[
        _mask_two_sided,
        _mask_signs_swapped,
        _mask_edges_swapped,
        _mask_zero_advantage_clipped,
        _mask_upper_side_only,
    ],
)
def _check_trust_region_mask(candidate) -> None:
    ratio = torch.tensor([[0.3, 0.7, 0.79, 0.85, 1.0, 1.1, 1.19, 1.25, 1.3, 2.0, 5.0]])
    for advantage in (1.0, -1.0, 0.0, 2.5, -0.4):
        for eps_low, eps_high in ((0.2, 0.2), (0.2, 0.28), (0.1, 0.3)):
            advantages = torch.full_like(ratio, advantage)
            got = torch.as_tensor(candidate(ratio, advantages, eps_low, eps_high))
            want = trust_region_mask(ratio, advantages, eps_low, eps_high)
            what = (
                f"trust_region_mask(r, Â={advantage}, eps_low={eps_low}, eps_high={eps_high}) "
                f"at r = {ratio[0].tolist()}"
            )
            assert got.shape == want.shape, f"{what}: expected shape {tuple(want.shape)}"
            assert torch.equal(got.bool(), want), f"{what}: expected {want[0].int().tolist()}"


# ------------------------------------------------------------------------------ 07.token_weights


def _weights_sequence_mean_without_batch(lengths, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths).double()
    if aggregation == "sequence_mean":
        return 1 / lengths
    return token_weights(lengths.long(), aggregation, max_response_len)


def _weights_constant_longest_answer(lengths, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths)
    if aggregation == "constant":
        return token_weights(lengths, aggregation, int(lengths.max()))
    return token_weights(lengths, aggregation, max_response_len)


def _weights_token_mean_padded(lengths, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths)
    if aggregation == "token_mean":
        return torch.full(lengths.shape, 1 / (len(lengths) * int(lengths.max())), dtype=float)
    return token_weights(lengths, aggregation, max_response_len)


def _weights_token_mean_per_answer(lengths, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths)
    if aggregation == "token_mean":
        return token_weights(lengths, "sequence_mean")
    return token_weights(lengths, aggregation, max_response_len)


def _weights_totals_instead(lengths, aggregation, max_response_len=None):
    lengths = torch.as_tensor(lengths)
    return token_weights(lengths, aggregation, max_response_len) * lengths


@exercise(
    "07.token_weights",
    reference=token_weights,
    hints=(
        "Write each paper's loss as one double sum over answers i and tokens t of "
        "(something) times the token's term. That something is the token's weight. Which of the "
        "normalisers depend on the answer the token belongs to, and which are the same for "
        "the whole batch?",
        "DAPO and CISPO divide by the number of response tokens in the whole batch; GRPO "
        "averages each answer over its own tokens and then averages the B answers; Dr. GRPO "
        "divides by B times the fixed budget L_max, never by a length it measured.",
        'N = lengths.sum(); B = len(lengths); "token_mean": 1 / N for every answer; '
        '"sequence_mean": 1 / (B * lengths); "constant": 1 / (B * max_response_len)',
    ),
    wrong=[
        _weights_sequence_mean_without_batch,
        _weights_constant_longest_answer,
        _weights_token_mean_padded,
        _weights_token_mean_per_answer,
        _weights_totals_instead,
    ],
)
def _check_token_weights(candidate) -> None:
    for lengths, budget in (([4, 12], 16), ([12, 12, 12, 12], 12), ([3, 7, 1, 10, 5], 12)):
        lengths = torch.tensor(lengths)
        for aggregation in ("token_mean", "sequence_mean", "constant"):
            got = torch.as_tensor(candidate(lengths.clone(), aggregation, budget)).reshape(-1)
            close(
                got,
                token_weights(lengths, aggregation, budget),
                f"token_weights({lengths.tolist()}, {aggregation!r}, max_response_len={budget})",
                tol=1e-9,
            )


# ---------------------------------------------------------------------------- 07.up_clip_ceiling


def _ceiling_all_positive_tokens(old_logp, advantages, mask, eps_high):
    adv = advantages[:, None].expand_as(old_logp)
    return (((adv > 0) & mask.bool()).sum() / mask.sum()).item()


def _ceiling_both_signs(old_logp, advantages, mask, eps_high):
    adv = advantages[:, None].expand_as(old_logp)
    possible = (adv != 0) & (old_logp.exp() < 1 / (1 + eps_high)) & mask.bool()
    return (possible.sum() / mask.sum()).item()


def _ceiling_wrong_bound(old_logp, advantages, mask, eps_high):
    adv = advantages[:, None].expand_as(old_logp)
    possible = (adv > 0) & (old_logp.exp() < 1 - eps_high) & mask.bool()
    return (possible.sum() / mask.sum()).item()


def _ceiling_over_all_positions(old_logp, advantages, mask, eps_high):
    adv = advantages[:, None].expand_as(old_logp)
    possible = (adv > 0) & (old_logp.exp() < 1 / (1 + eps_high)) & mask.bool()
    return (possible.sum() / mask.numel()).item()


def _ceiling_of_positive_tokens_only(old_logp, advantages, mask, eps_high):
    adv = advantages[:, None].expand_as(old_logp)
    positive = (adv > 0) & mask.bool()
    possible = positive & (old_logp.exp() < 1 / (1 + eps_high))
    return (possible.sum() / positive.sum().clamp(min=1)).item()


@exercise(
    "07.up_clip_ceiling",
    reference=up_clip_ceiling,
    hints=(
        "A probability can never exceed 1. So how far can the ratio of a token's new probability "
        "to its old one grow when the old one was already high, and which tokens can therefore "
        "never leave the trust region through its upper edge, however many updates you make?",
        "r ≤ 1/π_old, so a token can pass 1 + eps_high only if π_old < 1/(1 + eps_high); it is "
        "clipped from above only when its answer's Â is positive. Count the response tokens "
        "that meet both conditions and divide by the number of response tokens.",
        "adv = advantages[:, None].expand_as(old_logp); possible = (adv > 0) & (old_logp.exp() "
        "< 1 / (1 + eps_high)) & mask.bool(); return (possible.sum() / mask.sum()).item()",
    ),
    wrong=[
        _ceiling_all_positive_tokens,
        _ceiling_both_signs,
        _ceiling_wrong_bound,
        _ceiling_over_all_positions,
        _ceiling_of_positive_tokens_only,
    ],
)
def _check_up_clip_ceiling(candidate) -> None:
    generator = torch.Generator().manual_seed(0)
    batch, seq = 8, 9
    old_prob = torch.rand(batch, seq, generator=generator).clamp(min=0.02)
    old_prob[0, :4] = torch.tensor([0.82, 0.84, 0.5, 0.79])  # around 1/1.2 and 1 − 0.2
    advantages = torch.tensor([1.0, -1.0, 0.5, 0.0, -0.3, 2.0, 1.0, -2.0])
    lengths = torch.tensor([9, 5, 7, 9, 3, 8, 2, 6])
    mask = (torch.arange(seq) < lengths[:, None]).float()
    for eps_high in (0.2, 0.28, 1.0):
        got = candidate(old_prob.log(), advantages, mask, eps_high)
        close(
            float(got),
            up_clip_ceiling(old_prob.log(), advantages, mask, eps_high),
            f"up_clip_ceiling(..., eps_high={eps_high})",
            tol=1e-6,
        )
