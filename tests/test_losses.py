"""Tests for minimoe.rl.losses and minimoe.rl.metrics: the properties the lessons rely on."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from minimoe.rl import (
    AGGREGATIONS,
    DEFAULT_CONFIGS,
    POLICY_LOSSES,
    LossConfig,
    aggregation_weights,
    approx_kl,
    clip_fraction,
    default_config,
    dropped_gradient_mass,
    entropy,
    get_policy_loss,
    is_weight_clip_fraction,
    register_policy_loss,
    resolve_config,
    trust_region_mask,
)
from minimoe.rl import losses as losses_module
from minimoe.rl.metrics import clip_statistics_by_token

ALL_LOSSES = sorted(POLICY_LOSSES)
PPO_FAMILY = ["grpo", "dr_grpo", "dapo"]  # token-ratio clipping: zero gradient outside M


def paper(name, seq, **changes):
    """Loss ``name``'s paper settings with ``changes``, and L_max = ``seq`` (the budget of these
    hand-made batches, whose columns are all response positions)."""
    return dataclasses.replace(default_config(name), max_response_len=seq, **changes)


def loss_and_grad(name, logp, old_logp, advantages, mask, **kwargs):
    """Run loss ``name`` on a fresh leaf copy of ``logp``; return (output, ∂loss/∂logp).
    Without a ``config``, the paper settings with L_max = ``seq``."""
    kwargs.setdefault("config", paper(name, logp.shape[-1]))
    logp = logp.detach().clone().requires_grad_(True)
    out = get_policy_loss(name)(logp, old_logp, advantages, mask, **kwargs)
    out.loss.backward()
    return out, logp.grad


def one_sequence(ratios, advantage):
    """One completion of len(ratios) tokens, all response, with the given r_t; logp = log 0.1."""
    ratio = torch.tensor([ratios], dtype=torch.float64)
    logp = torch.full_like(ratio, math.log(0.1))
    old_logp = logp - ratio.log()
    return logp, old_logp, torch.tensor([advantage], dtype=torch.float64), torch.ones_like(ratio)


# --------------------------------------------------------------------------------------------
# Clipping: which tokens keep a gradient


@pytest.mark.parametrize("name", PPO_FAMILY)
def test_positive_advantage_above_trust_region_gets_zero_gradient(name):
    # token 1 has r = 1.5 > 1 + ε_high for ε_high in {0.2, 0.28}; tokens 0 and 2 have r = 1
    logp, old, adv, mask = one_sequence([1.0, 1.5, 1.0], advantage=1.0)
    _, grad = loss_and_grad(name, logp, old, adv, mask)
    assert grad[0, 1].item() == 0.0
    # the unclipped tokens get -r·Â/3 (all three normalisers are 3 here: |o|, N, B·seq)
    torch.testing.assert_close(grad[0, [0, 2]], torch.full((2,), -1 / 3, dtype=torch.float64))


@pytest.mark.parametrize("name", PPO_FAMILY)
def test_negative_advantage_below_trust_region_gets_zero_gradient(name):
    logp, old, adv, mask = one_sequence([1.0, 0.5, 1.0], advantage=-1.0)  # 0.5 < 1 - 0.2
    _, grad = loss_and_grad(name, logp, old, adv, mask)
    assert grad[0, 1].item() == 0.0
    torch.testing.assert_close(grad[0, [0, 2]], torch.full((2,), 1 / 3, dtype=torch.float64))


def test_clip_higher_keeps_tokens_grpo_drops():
    # r = 1.25 lies between 1 + 0.2 (GRPO's bound) and 1 + 0.28 (DAPO's)
    logp, old, adv, mask = one_sequence([1.25, 1.0], advantage=2.0)
    _, grad_grpo = loss_and_grad("grpo", logp, old, adv, mask)
    _, grad_dapo = loss_and_grad("dapo", logp, old, adv, mask)
    assert grad_grpo[0, 0].item() == 0.0
    # DAPO: -r·Â/N = -1.25 * 2 / 2
    assert grad_dapo[0, 0].item() == pytest.approx(-1.25)


def test_clip_metrics_at_the_reference_eps_compare_across_losses():
    # r = 1.25 with Â > 0: outside 1 + 0.2, inside DAPO's own 1 + 0.28
    logp, old, adv, mask = one_sequence([1.25, 1.0, 1.0, 1.0], advantage=1.0)
    outs = {name: loss_and_grad(name, logp, old, adv, mask)[0].metrics for name in ALL_LOSSES}
    assert outs["dapo"]["clip_fraction"] == 0.0  # at its own ε it clips nothing
    assert outs["grpo"]["clip_fraction"] == pytest.approx(0.25)
    for name, metrics in outs.items():  # at the shared ε = 0.2 every loss reads the same
        assert metrics["clip_fraction_ref"] == pytest.approx(0.25), name
        assert metrics["dropped_gradient_mass_ref"] == pytest.approx(1.25 / 4.25), name
    assert losses_module.REFERENCE_EPS == 0.2


def test_cispo_keeps_clipped_tokens_with_capped_weight():
    # r = 10 with Â = +1, N = 3: PPO drops it; CISPO's gradient is -(1 + ε^IS_high)·Â/N
    logp, old, adv, mask = one_sequence([1.0, 10.0, 1.0], advantage=1.0)
    config = LossConfig(is_eps_high=0.28)
    out, grad = loss_and_grad("cispo", logp, old, adv, mask, config=config)
    assert grad[0, 1].item() == pytest.approx(-1.28 / 3)
    assert grad[0, 0].item() == pytest.approx(-1 / 3)
    assert out.metrics["is_weight_clip_fraction"] == pytest.approx(1 / 3)
    # with the default cap 1 + 4 = 5, r = 1.5 is not truncated: weight 1.5
    logp, old, adv, mask = one_sequence([1.0, 1.5, 1.0], advantage=1.0)
    out, grad = loss_and_grad("cispo", logp, old, adv, mask)
    assert grad[0, 1].item() == pytest.approx(-1.5 / 3)
    assert out.metrics["is_weight_clip_fraction"] == 0.0
    # ... and PPO would have dropped that token: it shows in the counterfactual clip metrics
    assert out.metrics["clip_fraction"] == pytest.approx(1 / 3)
    assert out.metrics["dropped_gradient_mass"] == pytest.approx(1.5 / 3.5)


def test_cispo_has_no_lower_bound_by_default():
    # Â = -1, r = 0.5: PPO drops it; CISPO's gradient is -r̂·Â/N = 0.5 / 3 (r̂ = r, no floor)
    logp, old, adv, mask = one_sequence([1.0, 0.5, 1.0], advantage=-1.0)
    _, grad = loss_and_grad("cispo", logp, old, adv, mask)
    assert grad[0, 1].item() == pytest.approx(0.5 / 3)
    # with a floor ε^IS_low = 0.2 the weight is raised to 0.8
    config = LossConfig(is_eps_low=0.2)
    out, grad = loss_and_grad("cispo", logp, old, adv, mask, config=config)
    assert grad[0, 1].item() == pytest.approx(0.8 / 3)
    assert out.metrics["is_weight_clip_fraction"] == pytest.approx(1 / 3)


def test_reinforce_ignores_the_ratio():
    logp, old, adv, mask = one_sequence([1.0, 10.0, 0.01], advantage=2.0)
    _, grad = loss_and_grad("reinforce", logp, old, adv, mask)
    torch.testing.assert_close(grad, torch.full_like(grad, -2 / 3))


# --------------------------------------------------------------------------------------------
# On-policy: every loss is the same gradient up to its normaliser


def ragged_batch(seed=0):
    """Four answers of 1, 12, 3 and 30 tokens in a (4, 40) batch, on-policy (r ≡ 1)."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([1, 12, 3, 30])
    seq = 40
    logp = torch.rand(4, seq, generator=gen, dtype=torch.float64).log()
    adv = torch.randn(4, generator=gen, dtype=torch.float64)
    mask = (torch.arange(seq) < lengths[:, None]).to(torch.float64)
    return logp, logp.clone(), adv, mask, lengths


def test_aggregation_weights_pin_each_papers_normaliser_on_a_ragged_batch():
    _, _, _, mask, lengths = ragged_batch()
    n_tokens, batch = 46, 4  # 1 + 12 + 3 + 30
    token = aggregation_weights(mask, "token_mean")
    sequence = aggregation_weights(mask, "sequence_mean")
    constant = aggregation_weights(mask, "constant", max_response_len=50)
    for i, length in enumerate(lengths.tolist()):
        on, off = slice(0, length), slice(length, None)
        torch.testing.assert_close(token[i, on], torch.full_like(token[i, on], 1 / n_tokens))
        expected = torch.full_like(sequence[i, on], 1 / (batch * length))
        torch.testing.assert_close(sequence[i, on], expected)
        torch.testing.assert_close(constant[i, on], torch.full_like(constant[i, on], 1 / 200))
        for weights in (token, sequence, constant):
            assert (weights[i, off] == 0).all()
    # token_mean and sequence_mean weights sum to 1; the constant's to N / (B·L_max)
    assert token.sum().item() == pytest.approx(1.0)
    assert sequence.sum().item() == pytest.approx(1.0)
    assert constant.sum().item() == pytest.approx(n_tokens / 200)
    # per token, the 1-token answer outweighs the 30-token one 30:1 under the per-answer mean
    assert sequence[0, 0].item() == pytest.approx(30 * sequence[3, 0].item())


def test_aggregation_weights_reject_what_they_cannot_weigh():
    _, _, _, mask, _ = ragged_batch()
    with pytest.raises(ValueError, match="needs max_response_len"):
        aggregation_weights(mask, "constant")
    with pytest.raises(ValueError, match="30 tokens but max_response_len=16"):
        aggregation_weights(mask, "constant", max_response_len=16)
    with pytest.raises(ValueError, match="token_mean"):
        aggregation_weights(mask, "per_answer")
    with pytest.raises(ValueError, match="LossConfig.aggregation"):
        LossConfig(aggregation="mean")


def test_aggregations_by_hand_two_answers_of_lengths_2_and_8():
    # on-policy, Â = +1 (2 tokens) and −1 (8 tokens): each token's term −r·Â is −1 or +1
    mask = (torch.arange(10) < torch.tensor([[2], [8]])).to(torch.float64)
    logp = torch.full_like(mask, -1.0)
    adv = torch.tensor([1.0, -1.0], dtype=torch.float64)
    expected = {
        "token_mean": (-2 + 8) / 10,  # the long wrong answer dominates
        "sequence_mean": (-1 + 1) / 2,  # each answer counts once: they cancel
        "constant": (-2 + 8) / (2 * 10),  # L_max = 10
    }
    for aggregation, value in expected.items():
        cfg = LossConfig(aggregation=aggregation, max_response_len=10)
        out, _ = loss_and_grad("dapo", logp, logp, adv, mask, config=cfg)
        assert out.loss.item() == pytest.approx(value), aggregation


@pytest.mark.parametrize("aggregation", AGGREGATIONS)
@pytest.mark.parametrize("name", ALL_LOSSES)
def test_on_policy_every_loss_gives_minus_advantage_times_its_weight(name, aggregation):
    logp, old, adv, mask, _ = ragged_batch()
    cfg = paper(name, 40, aggregation=aggregation)
    out, grad = loss_and_grad(name, logp, old, adv, mask, config=cfg)
    weights = aggregation_weights(mask, aggregation, max_response_len=40)
    torch.testing.assert_close(grad, -adv[:, None] * weights)
    assert out.metrics["clip_fraction"] == 0.0
    assert out.metrics["dropped_gradient_mass"] == 0.0
    assert out.metrics["clip_fraction_ref"] == 0.0
    assert out.metrics["approx_kl"] == 0.0
    assert out.metrics["mean_ratio"] == pytest.approx(1.0)


def test_each_loss_defaults_to_its_papers_aggregation_and_advantages():
    logp, old, adv, mask, lengths = ragged_batch()
    n_tokens, batch = mask.sum(), 4
    per_sequence = batch * lengths[:, None].to(torch.float64)
    normaliser = {
        "reinforce": n_tokens,  # nanochat
        "dapo": n_tokens,  # DAPO: 1 / Σ|o_i|
        "cispo": n_tokens,  # MiniMax-M1 Eq. 4: 1 / Σ|o_i|
        "grpo": per_sequence,  # DeepSeekMath / R1: 1/G Σ_i 1/|o_i|
        "gspo": per_sequence,  # GSPO: 1/G Σ_i
        "dr_grpo": batch * 40,  # Dr. GRPO: 1 / (G·L_max)
    }
    assert set(normaliser) == set(POLICY_LOSSES)
    for name, norm in normaliser.items():
        _, grad = loss_and_grad(name, logp, old, adv, mask)
        torch.testing.assert_close(grad * norm, -adv[:, None] * mask, msg=name)
    assert [n for n in ALL_LOSSES if not default_config(n).normalize_std] == ["dr_grpo"]


# --------------------------------------------------------------------------------------------
# Values computed by hand


@pytest.fixture
def hand_batch():
    """Two completions; row 0 has 2 response tokens + 1 pad, row 1 has 3. N = 5, B = 2.

    ratios r:   row 0 = [1.1, 1.5, pad], Â_0 = +1
                row 1 = [0.9, 0.6, 1.0], Â_1 = -1
    logp = -1 on response tokens (so the CISPO/REINFORCE values are easy), old = logp - log r.
    """
    ratio = torch.tensor([[1.1, 1.5, 1.0], [0.9, 0.6, 1.0]], dtype=torch.float64)
    mask = torch.tensor([[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]], dtype=torch.float64)
    logp = torch.full_like(ratio, -1.0)
    return logp, logp - ratio.log(), torch.tensor([1.0, -1.0], dtype=torch.float64), mask


def test_grpo_by_hand(hand_batch):
    # per-token -min(r·Â, clip(r, 0.8, 1.2)·Â):
    #   row 0: -min(1.1, 1.1) = -1.1 ; -min(1.5, 1.2) = -1.2          mean over 2 = -1.15
    #   row 1: -min(-.9, -.9) = 0.9 ; -min(-.6, -.8) = 0.8 ; -min(-1, -1) = 1.0   mean = 0.9
    #   loss = (-1.15 + 0.9) / 2 = -0.125
    out, grad = loss_and_grad("grpo", *hand_batch)
    assert out.loss.item() == pytest.approx(-0.125)
    # gradient -r·Â/(B·|o_i|) where not clipped; the clipped tokens (1.5 and 0.6) get 0
    expected = torch.tensor([[-1.1 / 4, 0, 0], [0.9 / 6, 0, 1.0 / 6]], dtype=torch.float64)
    torch.testing.assert_close(grad, expected)
    # metrics: clipped tokens 2 of 5; |r·Â| = 1.1, 1.5, .9, .6, 1.0 (sum 5.1), dropped 1.5 + .6
    assert out.metrics["clip_fraction"] == pytest.approx(0.4)
    assert out.metrics["dropped_gradient_mass"] == pytest.approx(2.1 / 5.1)
    assert out.metrics["mean_ratio"] == pytest.approx(5.1 / 5)
    assert out.metrics["max_ratio"] == pytest.approx(1.5)
    # k3 = r - 1 - log r: 0.0046898 + 0.0945349 + 0.0053605 + 0.1108256 + 0 = 0.2154108
    assert out.metrics["approx_kl"] == pytest.approx(0.2154108 / 5, rel=1e-6)


def test_dapo_and_dr_grpo_by_hand(hand_batch):
    # DAPO (ε_high 0.28): row 0 = -1.1 - min(1.5, 1.28) = -2.38 ; row 1 = 2.7 ; (0.32) / N=5
    out, _ = loss_and_grad("dapo", *hand_batch)
    assert out.loss.item() == pytest.approx(0.064)
    # Dr. GRPO (ε 0.2): row 0 = -2.3, row 1 = 2.7 ; sum 0.4 / (B·L_max)
    out, _ = loss_and_grad("dr_grpo", *hand_batch)
    assert out.loss.item() == pytest.approx(0.4 / 6)  # L_max = 3
    cfg = paper("dr_grpo", 4)
    out, grad = loss_and_grad("dr_grpo", *hand_batch, config=cfg)
    assert out.loss.item() == pytest.approx(0.4 / 8)
    assert grad[0, 0].item() == pytest.approx(-1.1 / 8)


def test_cispo_and_reinforce_by_hand(hand_batch):
    # CISPO, ε^IS_high = 0.28: r̂ = [1.1, 1.28 | 0.9, 0.6, 1.0], logp = -1, N = 5
    #   loss = -(1/5) Σ r̂·Â·logp = (1/5)(1.1 + 1.28 - 0.9 - 0.6 - 1.0) = -0.024
    out, grad = loss_and_grad("cispo", *hand_batch, config=LossConfig(is_eps_high=0.28))
    assert out.loss.item() == pytest.approx(-0.024)
    expected = torch.tensor([[-1.1, -1.28, 0], [0.9, 0.6, 1.0]], dtype=torch.float64) / 5
    torch.testing.assert_close(grad, expected)
    assert out.metrics["is_weight_clip_fraction"] == pytest.approx(0.2)
    # REINFORCE: Σ Â·logp = (+1)(-1)·2 + (-1)(-1)·3 = 1, so loss = -(1/5)·1 = -0.2
    out, grad = loss_and_grad("reinforce", *hand_batch)
    assert out.loss.item() == pytest.approx(-0.2)


def test_gspo_by_hand(hand_batch):
    cfg = LossConfig(eps_low=0.2, eps_high=0.2)
    # s_0 = sqrt(1.1 * 1.5) = 1.284523 > 1.2 with Â > 0: clipped, term -1.2, no gradient
    # s_1 = (0.9 * 0.6 * 1.0)^(1/3) = 0.814325 inside [0.8, 1.2]: term +0.814325
    # loss = (-1.2 + 0.814325) / 2 = -0.1928375
    out, grad = loss_and_grad("gspo", *hand_batch, config=cfg)
    s1 = 0.54 ** (1 / 3)
    assert out.loss.item() == pytest.approx((-1.2 + s1) / 2)
    # ∂/∂logp_{1,t} of -s_1·Â_1/B with s_1 = exp(mean_t log r): s_1 / (B·|o_1|) = s_1 / 6
    expected = torch.tensor([[0, 0, 0], [s1 / 6, s1 / 6, s1 / 6]], dtype=torch.float64)
    torch.testing.assert_close(grad, expected)
    # clip_fraction counts tokens of clipped completions: row 0's 2 of 5 tokens
    assert out.metrics["clip_fraction"] == pytest.approx(0.4)


def test_gspo_matches_the_sequence_level_formula():
    torch.manual_seed(1)
    batch, seq = 5, 6
    logp = (0.3 * torch.randn(batch, seq, dtype=torch.float64) - 2).requires_grad_(True)
    old = logp.detach() + 0.1 * torch.randn(batch, seq, dtype=torch.float64)
    adv = torch.randn(batch, dtype=torch.float64)
    mask = (torch.rand(batch, seq) < 0.7).to(torch.float64)
    mask[:, 0] = 1.0
    cfg = LossConfig(eps_low=0.05, eps_high=0.05)
    out = POLICY_LOSSES["gspo"](logp, old, adv, mask, config=cfg)
    (grad,) = torch.autograd.grad(out.loss, logp)
    # direct: s_i = exp(mean_t (logp - old)), L = -mean_i min(s·Â, clip(s)·Â)
    logp2 = logp.detach().clone().requires_grad_(True)
    s = (((logp2 - old) * mask).sum(-1) / mask.sum(-1)).exp()
    direct = -torch.min(s * adv, s.clamp(0.95, 1.05) * adv).mean()
    (grad2,) = torch.autograd.grad(direct, logp2)
    assert out.loss.item() == pytest.approx(direct.item())
    torch.testing.assert_close(grad * mask, grad2 * mask)


def test_kl_penalty_by_hand():
    # one token, logp = log 0.5, ref = log 0.25: d = ref - logp = -log 2
    # k3 = e^d - d - 1 = 0.5 + log 2 - 1 = 0.1931472 ; ∂k3/∂logp = 1 - e^d = 0.5
    logp = torch.tensor([[math.log(0.5)]], dtype=torch.float64)
    ref = torch.tensor([[math.log(0.25)]], dtype=torch.float64)
    adv = torch.zeros(1, dtype=torch.float64)  # isolate the KL term
    mask = torch.ones_like(logp)
    cfg = LossConfig(kl_coef=0.1)
    out, grad = loss_and_grad("grpo", logp, logp, adv, mask, config=cfg, ref_logp=ref)
    assert out.loss.item() == pytest.approx(0.1 * (0.5 + math.log(2) - 1))
    assert grad.item() == pytest.approx(0.1 * 0.5)
    assert out.metrics["kl_ref"] == pytest.approx(0.5 + math.log(2) - 1)
    # β = 0 (the default): the reference is only reported, not penalised
    out, grad = loss_and_grad("grpo", logp, logp, adv, mask, ref_logp=ref)
    assert out.loss.item() == 0.0 and grad.item() == 0.0
    assert "kl_ref" in out.metrics
    with pytest.raises(ValueError, match="needs ref_logp"):
        get_policy_loss("grpo")(logp, logp, adv, mask, config=cfg)


# --------------------------------------------------------------------------------------------
# Registry, configs, masking, input checks


def test_unknown_name_lists_known_losses():
    with pytest.raises(ValueError, match="unknown policy loss 'ppo2'") as info:
        get_policy_loss("ppo2")
    for name in ["cispo", "dapo", "dr_grpo", "grpo", "gspo", "reinforce"]:
        assert name in str(info.value)
    with pytest.raises(ValueError, match="known losses"):
        default_config("ppo2")


def test_register_a_new_loss(monkeypatch):
    monkeypatch.setattr(losses_module, "POLICY_LOSSES", dict(POLICY_LOSSES))
    monkeypatch.setattr(losses_module, "DEFAULT_CONFIGS", dict(DEFAULT_CONFIGS))

    @register_policy_loss("toy", default=LossConfig(eps_high=0.5))
    def toy(logp, old_logp, advantages, mask, *, config=None, ref_logp=None):
        return POLICY_LOSSES["reinforce"](logp, old_logp, advantages, mask)

    assert losses_module.get_policy_loss("toy") is toy
    assert losses_module.default_config("toy").eps_high == 0.5
    with pytest.raises(ValueError, match="already registered"):
        register_policy_loss("toy")(toy)


def test_default_configs_follow_the_papers():
    assert default_config("grpo") == LossConfig(
        eps_low=0.2, eps_high=0.2, kl_coef=0.0, aggregation="sequence_mean", normalize_std=True
    )
    dr_grpo = default_config("dr_grpo")
    assert (dr_grpo.aggregation, dr_grpo.normalize_std) == ("constant", False)
    assert {default_config(n).aggregation for n in ("dapo", "cispo", "reinforce")} == {"token_mean"}
    assert default_config("gspo").aggregation == "sequence_mean"
    assert (default_config("dapo").eps_low, default_config("dapo").eps_high) == (0.2, 0.28)
    assert (default_config("gspo").eps_low, default_config("gspo").eps_high) == (3e-4, 4e-4)
    cispo = default_config("cispo")
    assert cispo.is_eps_low is None and cispo.is_eps_high == 4.0  # TRL/ScaleRL ε_max = 5
    assert all(cfg.kl_coef == 0.0 for cfg in DEFAULT_CONFIGS.values())
    # change one field, keep the rest
    assert dataclasses.replace(default_config("dapo"), kl_coef=0.01).eps_high == 0.28


def test_fields_left_at_none_keep_the_papers_choice():
    assert resolve_config("grpo", None) == default_config("grpo")
    grpo = resolve_config("grpo", LossConfig(kl_coef=0.01))
    assert (grpo.aggregation, grpo.normalize_std, grpo.kl_coef) == ("sequence_mean", True, 0.01)
    dr_grpo = resolve_config("dr_grpo", LossConfig(eps_high=0.3))
    assert (dr_grpo.aggregation, dr_grpo.normalize_std) == ("constant", False)
    changed = resolve_config("grpo", LossConfig(aggregation="token_mean", normalize_std=False))
    assert (changed.aggregation, changed.normalize_std) == ("token_mean", False)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"eps_low": -0.1},
        {"eps_high": float("nan")},
        {"is_eps_high": -1.0},
        {"is_eps_low": -0.5},
        {"kl_coef": -1e-3},
        {"max_response_len": 0},
        {"max_response_len": 2.5},
        {"aggregation": "per_token"},
        {"normalize_std": "yes"},
    ],
)
def test_loss_config_rejects_bad_values(kwargs):
    with pytest.raises(ValueError, match="LossConfig"):
        LossConfig(**kwargs)


def random_batch(seed, batch=6, seq=9, dtype=torch.float32):
    gen = torch.Generator().manual_seed(seed)
    logp = torch.log_softmax(torch.randn(batch, seq, 11, generator=gen), -1)[..., 0].to(dtype)
    old = logp + 0.5 * torch.randn(batch, seq, generator=gen, dtype=dtype)
    ref = logp + 0.5 * torch.randn(batch, seq, generator=gen, dtype=dtype)
    adv = torch.randn(batch, generator=gen, dtype=dtype)
    mask = (torch.rand(batch, seq, generator=gen) < 0.7).to(dtype)
    return logp, old, adv, mask, ref


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_every_loss_returns_finite_scalar_and_metrics(name):
    logp, old, adv, mask, ref = random_batch(0)
    cfg = paper(name, logp.shape[-1], kl_coef=0.05)
    out, grad = loss_and_grad(name, logp, old, adv, mask, config=cfg, ref_logp=ref)
    assert out.loss.dim() == 0 and torch.isfinite(out.loss)
    assert torch.isfinite(grad).all()
    keys = {"loss", "mean_ratio", "max_ratio", "approx_kl", "clip_fraction"}
    keys |= {"dropped_gradient_mass", "clip_fraction_ref", "dropped_gradient_mass_ref", "kl_ref"}
    assert keys <= set(out.metrics)
    assert all(isinstance(v, float) and math.isfinite(v) for v in out.metrics.values())
    # per-token advantages (batch, seq) are accepted too and equal the broadcast ones
    per_token = adv[:, None].expand_as(logp)
    out2, grad2 = loss_and_grad(name, logp, old, per_token, mask, config=cfg, ref_logp=ref)
    torch.testing.assert_close(out2.loss, out.loss)
    torch.testing.assert_close(grad2, grad)


@pytest.mark.parametrize("name", ALL_LOSSES)
def test_padding_changes_nothing(name):
    logp, old, adv, mask, ref = random_batch(1)
    cfg = paper(name, logp.shape[-1], kl_coef=0.05)
    out, grad = loss_and_grad(name, logp, old, adv, mask, config=cfg, ref_logp=ref)
    pad = mask == 0
    garbage = torch.full_like(logp, float("nan"))
    messy = [torch.where(pad, g, x) for g, x in zip([garbage, -garbage, garbage], [logp, old, ref])]
    messy_adv = torch.where(pad, 1e30, adv[:, None].expand_as(logp))
    out2, grad2 = loss_and_grad(
        name, messy[0], messy[1], messy_adv, mask, config=cfg, ref_logp=messy[2]
    )
    assert out2.loss.item() == out.loss.item()
    assert out2.metrics == out.metrics
    assert torch.equal(grad2, grad)
    assert (grad[pad] == 0).all()


def test_mask_with_empty_rows_and_empty_batch():
    logp, old, adv, mask, _ = random_batch(2, batch=3, seq=4)
    mask[1] = 0.0
    for name in ALL_LOSSES:
        out, grad = loss_and_grad(name, logp, old, adv, mask)
        assert torch.isfinite(out.loss) and (grad[1] == 0).all()
        out, grad = loss_and_grad(name, logp, old, adv, torch.zeros_like(mask))
        assert out.loss.item() == 0.0 and (grad == 0).all()


@pytest.mark.parametrize(
    ("change", "error", "match"),
    [
        ({"logp": torch.zeros(4)}, ValueError, r"\(batch, seq\)"),
        ({"old_logp": torch.zeros(2, 3)}, ValueError, "share the shape"),
        ({"mask": torch.ones(2, 3)}, ValueError, "share the shape"),
        ({"advantages": torch.zeros(3)}, ValueError, "advantages must be"),
        ({"mask": torch.full((2, 4), 0.5)}, ValueError, "only 0"),
        ({"ref_logp": torch.zeros(2, 5)}, ValueError, "ref_logp"),
        ({"logp": torch.zeros(2, 4, dtype=torch.long)}, TypeError, "floating-point"),
    ],
)
def test_bad_inputs_raise(change, error, match):
    args = {
        "logp": torch.zeros(2, 4),
        "old_logp": torch.zeros(2, 4),
        "advantages": torch.zeros(2),
        "mask": torch.ones(2, 4),
        "ref_logp": None,
    }
    args.update(change)
    with pytest.raises(error, match=match):
        get_policy_loss("grpo")(
            args["logp"], args["old_logp"], args["advantages"], args["mask"],
            ref_logp=args["ref_logp"],
        )  # fmt: skip


def test_dr_grpo_needs_the_budget_and_rejects_a_too_small_one():
    logp, old, adv, mask, _ = random_batch(3, seq=8)
    mask[0] = 1.0
    with pytest.raises(ValueError, match="max_response_len"):
        get_policy_loss("dr_grpo")(logp, old, adv, mask, config=LossConfig(max_response_len=4))
    # the old fallback, the batch's seq dimension, counted prompt columns in the trainer's layout
    with pytest.raises(ValueError, match="generation budget"):
        get_policy_loss("dr_grpo")(logp, old, adv, mask)


def test_huge_log_ratio_is_clamped():
    # log r = 1000 would overflow exp(); it is clamped to MAX_LOG_RATIO = 20
    logp = torch.tensor([[0.0, -1.0]])
    old = torch.tensor([[-1000.0, -1.0]])
    for name in ALL_LOSSES:
        out, grad = loss_and_grad(name, logp, old, torch.tensor([-1.0]), torch.ones_like(logp))
        assert torch.isfinite(out.loss) and torch.isfinite(grad).all(), name
        assert out.metrics["max_ratio"] == pytest.approx(math.exp(20), rel=1e-5)


# --------------------------------------------------------------------------------------------
# Metric functions on their own


def test_trust_region_mask_and_clip_metrics():
    ratio = torch.tensor([[1.5, 1.5, 0.5, 0.5, 1.0]])
    adv = torch.tensor([[1.0, -1.0, 1.0, -1.0, 3.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0, 1.0]])
    # only (Â>0, r>1.2) and (Â<0, r<0.8) leave the trust region
    assert trust_region_mask(ratio, adv, 0.2, 0.2).tolist() == [[False, True, True, False, True]]
    assert clip_fraction(ratio, adv, mask, 0.2, 0.2).item() == pytest.approx(0.4)
    # |r·Â| = 1.5, 1.5, 0.5, 0.5, 3.0 (sum 7); dropped 1.5 + 0.5 = 2
    assert dropped_gradient_mass(ratio, adv, mask, 0.2, 0.2).item() == pytest.approx(2 / 7)
    # masking out the first token: clipped 1 of 4, dropped 0.5 / 5.5
    mask[0, 0] = 0
    assert clip_fraction(ratio, adv, mask, 0.2, 0.2).item() == pytest.approx(0.25)
    assert dropped_gradient_mass(ratio, adv, mask, 0.2, 0.2).item() == pytest.approx(0.5 / 5.5)
    assert dropped_gradient_mass(ratio, torch.zeros(1), mask, 0.2, 0.2).item() == 0.0
    # IS truncation counts r above 1 + ε^IS_high (and below 1 − ε^IS_low if set), any Â
    assert is_weight_clip_fraction(ratio, mask, None, 0.28).item() == pytest.approx(0.25)
    assert is_weight_clip_fraction(ratio, mask, 0.2, 0.28).item() == pytest.approx(0.75)


def test_approx_kl_is_nonnegative_and_zero_on_policy():
    logp, old, _, mask, _ = random_batch(4)
    assert approx_kl(logp, logp, mask).item() == 0.0
    assert approx_kl(logp, old, mask).item() > 0.0


def test_entropy():
    vocab = 7
    logits = torch.zeros(2, 3, vocab)  # uniform: H = log V
    logits[1] = torch.tensor([50.0] + [0.0] * (vocab - 1))  # almost one-hot: H ≈ 0
    mask = torch.tensor([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])
    assert entropy(logits, mask).item() == pytest.approx(math.log(vocab))
    mask[1] = 1.0
    assert entropy(logits, mask).item() == pytest.approx(math.log(vocab) / 2, rel=1e-4)
    # bf16 logits are computed in float32; gradients flow
    bf = torch.randn(2, 3, vocab, dtype=torch.bfloat16, requires_grad=True)
    h = entropy(bf, mask)
    assert h.dtype == torch.float32
    h.backward()
    assert bf.grad is not None
    with pytest.raises(ValueError, match="batch, seq, vocab"):
        entropy(torch.zeros(2, 3), mask)


# --------------------------------------------------------------------------------------------
# Property test over shapes and values


@settings(max_examples=40, deadline=None)
@given(
    batch=st.integers(1, 5),
    seq=st.integers(1, 6),
    name=st.sampled_from(ALL_LOSSES),
    log_scale=st.sampled_from([0.01, 1.0, 30.0]),
    seed=st.integers(0, 2**16),
    per_token_adv=st.booleans(),
)
def test_losses_are_finite(batch, seq, name, log_scale, seed, per_token_adv):
    gen = torch.Generator().manual_seed(seed)
    logp = -(torch.rand(batch, seq, generator=gen) * log_scale)
    old = -(torch.rand(batch, seq, generator=gen) * log_scale)
    ref = -(torch.rand(batch, seq, generator=gen) * log_scale)
    shape = (batch, seq) if per_token_adv else (batch,)
    adv = 10 * torch.randn(shape, generator=gen)
    mask = (torch.rand(batch, seq, generator=gen) < 0.6).float()
    cfg = paper(name, seq, kl_coef=0.1)
    out, grad = loss_and_grad(name, logp, old, adv, mask, config=cfg, ref_logp=ref)
    assert torch.isfinite(out.loss)
    assert torch.isfinite(grad).all()
    assert all(math.isfinite(v) for v in out.metrics.values())


def test_clip_statistics_split_fork_tokens_from_common_ones():
    # Row 0 (Â = +1): the fork token (π_old 0.1) rose to r = 1.5 and leaves PPO's trust region.
    # Row 1 (Â = -1): the fork (π_old 0.3) fell to 0.5, a common token (0.95) fell to 0.7.
    ratio = torch.tensor([[1.5, 1.0, 1.1], [0.5, 0.9, 0.7]])
    old_logp = torch.tensor([[0.1, 0.9, 0.9], [0.3, 0.95, 0.95]]).log()
    advantages, mask = torch.tensor([1.0, -1.0]), torch.ones(2, 3)
    stats = clip_statistics_by_token(ratio, advantages, mask, old_logp, 0.5, 0.2, 0.2)
    assert stats["fork_share"].item() == pytest.approx(2 / 6)
    assert stats["clip_fraction_fork"].item() == pytest.approx(1.0)
    assert stats["clip_fraction_common"].item() == pytest.approx(1 / 4)
    assert stats["dropped_gradient_mass_fork"].item() == pytest.approx(1.0)
    assert stats["dropped_gradient_mass_common"].item() == pytest.approx(0.7 / 3.7)
    # padding never counts, and a threshold outside (0, 1) is refused
    padded = clip_statistics_by_token(
        ratio, advantages, torch.tensor([[1.0, 1, 1], [0, 0, 0]]), old_logp, 0.5, 0.2, 0.2
    )
    assert padded["fork_share"].item() == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="fork_probability"):
        clip_statistics_by_token(ratio, advantages, mask, old_logp, 1.5, 0.2, 0.2)
