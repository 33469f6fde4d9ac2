"""Lesson 07's fork-token experiment: replaying updates on one batch, and the token views."""

from __future__ import annotations

import copy

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from tiny import SORT_TWO, task_model, warm_task_model

from minimoe.experiments.fork_tokens import (
    clip_rate_by_probability,
    gradient_weight_curve,
    highlight_tokens,
    per_token_gradient,
    replay_updates,
    token_view,
)
from minimoe.rl import trainer
from minimoe.rl.rollout import collect_rollout
from minimoe.rl.trainer import RLConfig, train_rl
from minimoe.tasks import TOKENIZER, make_dataset

_model = task_model


PROBLEMS = make_dataset("sorting", 8, seed=0, difficulty=3)


def _batch():
    """Two rows of four tokens; the last token of row 1 is padding."""
    old_logp = torch.log(torch.tensor([[0.9, 0.05, 0.5, 0.3], [0.2, 0.95, 0.01, 0.6]]))
    ratio = torch.tensor([[1.0, 3.0, 1.1, 0.5], [0.7, 1.01, 5.0, 2.0]])
    advantages = torch.tensor([1.0, -1.0])
    mask = torch.tensor([[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 0.0]])
    return old_logp, ratio, advantages, mask


def test_token_view_flattens_response_tokens_and_marks_both_clip_sides():
    old_logp, ratio, advantages, mask = _batch()
    view = token_view(old_logp, ratio, advantages, mask, eps_low=0.2, eps_high=0.2)
    assert view.ratio.tolist() == pytest.approx([1.0, 3.0, 1.1, 0.5, 0.7, 1.01, 5.0])
    assert view.old_prob.tolist() == pytest.approx([0.9, 0.05, 0.5, 0.3, 0.2, 0.95, 0.01])
    # row 0 (Â > 0): r = 3.0 is above 1.2; row 1 (Â < 0): r = 0.7 is below 0.8
    assert view.clipped_high.tolist() == [False, True, False, False, False, False, False]
    assert view.clipped_low.tolist() == [False, False, False, False, True, False, False]
    assert view.clipped.sum().item() == 2


def test_token_view_rejects_mismatched_shapes():
    old_logp, ratio, advantages, mask = _batch()
    with pytest.raises(ValueError, match="share one"):
        token_view(old_logp, ratio[:, :3], advantages, mask)


@settings(max_examples=50, deadline=None)
@given(
    old=st.lists(st.floats(0.001, 1.0), min_size=1, max_size=20),
    new=st.lists(st.floats(0.001, 1.0), min_size=1, max_size=20),
    eps=st.floats(0.01, 1.0),
)
def test_only_tokens_below_one_over_one_plus_eps_can_be_clipped_above(old, new, eps):
    n = min(len(old), len(new))
    old_p, new_p = torch.tensor([old[:n]]), torch.tensor([new[:n]])
    view = token_view(old_p.log(), new_p / old_p, torch.ones(1), torch.ones(1, n), eps, eps)
    assert bool((view.old_prob[view.clipped_high] < 1 / (1 + eps)).all())


def test_clip_rate_by_probability_counts_every_token_once():
    old_prob = torch.tensor([0.05, 0.2, 0.2, 0.95, 1.0, 0.5])
    clipped = torch.tensor([True, True, False, False, False, False])
    bins = clip_rate_by_probability(old_prob, clipped, edges=(0.0, 0.1, 0.5, 1.0))
    assert [b.tokens for b in bins] == [1, 2, 3]  # 1.0 lands in the last bin, 0.5 in [0.5, 1]
    assert [b.clipped for b in bins] == [1, 1, 0]
    assert [b.clip_rate for b in bins] == [1.0, 0.5, 0.0]


@pytest.mark.parametrize("edges", [(0.5,), (0.0, 0.5, 0.5), (1.0, 0.0)])
def test_clip_rate_by_probability_rejects_bad_edges(edges):
    with pytest.raises(ValueError, match="increasing"):
        clip_rate_by_probability(torch.ones(2), torch.zeros(2, dtype=torch.bool), edges)


def test_per_token_gradient_dapo_drops_clipped_tokens_cispo_keeps_them():
    old_logp, ratio, advantages, mask = _batch()
    logp = old_logp + ratio.log()
    clipped = (torch.tensor([[0, 1, 0, 0], [1, 0, 0, 0]]) == 1) & mask.bool()
    dapo = per_token_gradient("dapo", logp, old_logp, advantages, mask)
    cispo = per_token_gradient("cispo", logp, old_logp, advantages, mask)
    assert dapo[clipped].abs().sum() == 0
    assert bool((cispo[clipped] != 0).all())
    # CISPO: ∂L/∂logp_t = −min(r, 1 + ε^IS_high)·Â / N on every response token, N = 7
    expected = -ratio.clamp(max=5.0) * advantages[:, None] / 7 * mask
    torch.testing.assert_close(cispo, expected)


def test_gradient_weight_curve_matches_the_masks():
    r = torch.tensor([0.5, 1.0, 1.3, 6.0])
    up = gradient_weight_curve(r, 1.0, eps_low=0.2, eps_high=0.2, is_eps_high=4.0)
    assert up["ppo"].tolist() == pytest.approx([0.5, 1.0, 0.0, 0.0])
    assert up["cispo"].tolist() == pytest.approx([0.5, 1.0, 1.3, 5.0])
    down = gradient_weight_curve(r, -2.0, eps_low=0.2, eps_high=0.2, is_eps_high=4.0)
    assert down["ppo"].tolist() == pytest.approx([0.0, -2.0, -2.6, -12.0])
    assert down["cispo"].tolist() == pytest.approx([-1.0, -2.0, -2.6, -10.0])


def test_highlight_tokens_brackets_flagged_response_tokens():
    ids = torch.tensor(TOKENIZER.encode("21:#12<eos>", add_bos=True))
    # 8 ids, 7 predictions; predictions 3..6 write "#12<eos>"
    mask = torch.tensor([0, 0, 0, 1, 1, 1, 1], dtype=torch.float)
    flags = torch.tensor([True, False, False, False, True, False, False])
    assert highlight_tokens(ids, mask, flags) == "#[1]2<eos>"


def test_replay_updates_records_ratios_before_each_update():
    model = _model()
    rollout = collect_rollout(
        model, PROBLEMS[:4], 4, max_new_tokens=6, generator=torch.Generator().manual_seed(0)
    )
    rollout.rewards = torch.tensor([1.0, 0.0, 0.0, 1.0] * 4)  # every group has a signal
    before = [p.detach().clone() for p in model.parameters()]
    model.eval()
    replay = replay_updates(model, rollout, RLConfig(updates_per_batch=3, lr=1e-2))
    assert [u.update for u in replay.updates] == [1, 2, 3]
    keep = replay.mask.bool()
    torch.testing.assert_close(replay.updates[0].ratio[keep], torch.ones(int(keep.sum())))
    assert replay.updates[0].metrics["clip_fraction"] == 0.0
    assert not torch.equal(replay.updates[2].ratio[keep], replay.updates[0].ratio[keep])
    assert any(not torch.equal(a, p) for a, p in zip(before, model.parameters()))
    assert replay.advantages.shape == (16,)
    assert not model.training  # left in the mode it was in


def test_replay_updates_is_the_trainers_first_step_on_the_same_batch(monkeypatch):
    """Lesson 07's claim, "the same as the trainer", as code: replaying the batch that train_rl
    sampled in its first step, with the same RLConfig, ends at exactly the trainer's weights."""
    warm = warm_task_model()
    sampled = []

    def keep_rollout(*args, **kwargs):
        sampled.append(collect_rollout(*args, **kwargs))
        return sampled[-1]

    monkeypatch.setattr(trainer, "collect_rollout", keep_rollout)
    config = RLConfig(
        steps=1, prompts_per_step=4, group_size=4, updates_per_batch=3, lr=1e-3, eval_every=0
    )
    trained, replayed = copy.deepcopy(warm), copy.deepcopy(warm)
    train_rl(trained, SORT_TWO, config, progress=False)
    (rollout,) = sampled
    groups = rollout.rewards.view(-1, config.group_size)
    assert bool((groups.max(1).values > groups.min(1).values).any()), "no learning signal"
    replay = replay_updates(replayed, rollout, config)
    for a, b in zip(trained.parameters(), replayed.parameters()):
        assert torch.equal(a, b)
    assert any(not torch.equal(a, b) for a, b in zip(warm.parameters(), trained.parameters()))
    assert len(replay.updates) == config.updates_per_batch
