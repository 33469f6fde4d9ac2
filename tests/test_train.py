"""SFT, evaluation, rollouts and the RL loop at toy sizes."""

from __future__ import annotations

import math

import pytest
import torch
from tiny import SORT_TWO, task_model, warm_task_model

from minimoe.rl.losses import LossConfig
from minimoe.rl.metrics import trust_region_mask
from minimoe.rl.rollout import collect_rollout, token_logprobs
from minimoe.rl.trainer import (
    RLConfig,
    evaluate_policy,
    make_policy_batch,
    reference_model,
    rl_learning_rate,
    train_rl,
    update_policy,
)
from minimoe.tasks import TOKENIZER, make_dataset
from minimoe.train import (
    SFTConfig,
    encode_sft_batch,
    evaluate,
    make_optimizer,
    pass_at_k,
    train_sft,
)
from minimoe.train.evaluate import complete_prompts

_model = task_model


PROBLEMS = make_dataset("sorting", 64, seed=0, difficulty=3)
EVAL = make_dataset("sorting", 8, seed=0, split="eval", difficulty=3)


def test_sft_batch_masks_only_the_target():
    ids, mask = encode_sft_batch(PROBLEMS[:2])
    first = TOKENIZER.encode(PROBLEMS[0].prompt, add_bos=True) + TOKENIZER.encode(
        PROBLEMS[0].target
    )
    assert ids[0, : len(first)].tolist() == first
    prompt_len = len(TOKENIZER.encode(PROBLEMS[0].prompt, add_bos=True))
    assert mask[0, : prompt_len - 1].sum() == 0
    assert mask[0].sum() == len(TOKENIZER.encode(PROBLEMS[0].target))


def test_sft_lowers_the_loss():
    history = train_sft(
        _model(), PROBLEMS, SFTConfig(steps=30, batch_size=16, eval_every=0), progress=False
    )
    assert history[-1]["loss"] < 0.7 * history[0]["loss"]


def test_resumed_sft_replays_the_uninterrupted_losses(tmp_path):
    config = SFTConfig(steps=6, batch_size=8, eval_every=0, warmup=2, checkpoint_every=3)
    path = tmp_path / "sft.safetensors"
    straight = train_sft(_model(), PROBLEMS, config, progress=False)
    interrupted: list[dict] = []

    def interrupt_after_step_3(record):
        interrupted.append(record)
        if record["step"] == 3:
            raise KeyboardInterrupt  # as if the learner stopped the kernel

    with pytest.raises(KeyboardInterrupt):
        train_sft(
            _model(),
            PROBLEMS,
            config,
            checkpoint_path=path,
            progress=False,
            on_step=interrupt_after_step_3,
        )
    rest = train_sft(
        _model(seed=99), PROBLEMS, config, checkpoint_path=path, resume=True, progress=False
    )
    assert [r["step"] for r in rest] == [4, 5, 6]
    assert [r["loss"] for r in interrupted + rest] == [r["loss"] for r in straight]


def test_resume_without_a_checkpoint_is_explained(tmp_path):
    with pytest.raises(FileNotFoundError, match="cannot resume"):
        train_sft(
            _model(), PROBLEMS, SFTConfig(steps=2), checkpoint_path=tmp_path / "x", resume=True
        )


@pytest.mark.parametrize(
    "n, c, k, expected",
    [
        (10, 0, 1, 0.0),
        (10, 10, 3, 1.0),
        (4, 1, 1, 0.25),
        (4, 1, 2, 0.5),
        (5, 2, 2, 1 - math.comb(3, 2) / math.comb(5, 2)),
    ],
)
def test_pass_at_k(n, c, k, expected):
    assert pass_at_k(n, c, k) == pytest.approx(expected)


def test_pass_at_k_rejects_impossible_counts():
    with pytest.raises(ValueError, match="0 <= c <= n"):
        pass_at_k(3, 4, 1)


def test_evaluate_is_deterministic_and_reports_pass_at_powers_of_two():
    model = warm_task_model()
    a = evaluate(model, SORT_TWO[:16], temperature=1.0, samples=4, seed=3)
    b = evaluate(model, SORT_TWO[:16], temperature=1.0, samples=4, seed=3)
    assert a == b and set(a.pass_at) == {1, 2, 4}
    # pass@1 is the mean reward; more tries can only help
    assert a.pass_at[1] == pytest.approx(a.accuracy)
    assert a.pass_at[1] < a.pass_at[2] < a.pass_at[4]


def test_rollout_masks_cover_the_completion_up_to_eos():
    rollout = collect_rollout(
        _model(),
        EVAL[:2],
        group_size=3,
        max_new_tokens=8,
        generator=torch.Generator().manual_seed(0),
    )
    assert rollout.ids.shape[0] == 6 and rollout.rewards.shape == (6,)
    for row, text in enumerate(rollout.completions):
        assert rollout.response_mask[row].sum().item() == len(TOKENIZER.encode(text))
        assert rollout.attention_mask[row, -8:].sum().item() == len(TOKENIZER.encode(text))
    logp, ent = token_logprobs(_model(), rollout.ids, rollout.attention_mask, rollout.response_mask)
    assert logp.shape == rollout.response_mask.shape and ent.item() > 0


@pytest.mark.parametrize("loss", ["cispo", "grpo", "dapo"])
def test_rl_loop_runs_and_reports_metrics(loss):
    model = _model()
    train_sft(model, PROBLEMS, SFTConfig(steps=20, batch_size=16, eval_every=0), progress=False)
    config = RLConfig(
        loss=loss, steps=2, prompts_per_step=4, group_size=4, updates_per_batch=2, eval_every=0
    )
    history = train_rl(model, PROBLEMS, config, eval_problems=EVAL, progress=False)
    assert len(history) == 2
    for key in (
        "reward",
        "pass_rate",
        "clip_fraction",
        "dropped_gradient_mass",
        "clip_fraction_ref",
        "dropped_gradient_mass_ref",
        "entropy",
        "response_length",
        "lr",
        "eval_greedy",
        "eval_sampled",
        "eval_sampled_se",
    ):
        assert key in history[-1]


@pytest.mark.slow
def test_rl_raises_the_reward_on_an_easy_task():
    """30 CISPO steps on two-digit sorting from a weak SFT start (about 2 s): in our runs the
    mean reward of the last five steps beat the first five by 0.29 to 0.46 (model seeds 0-9)."""
    model = warm_task_model(seed=0)
    config = RLConfig(
        loss="cispo",
        steps=30,
        prompts_per_step=16,
        group_size=8,
        updates_per_batch=2,
        lr=3e-3,
        eval_every=0,
    )
    rewards = [record["reward"] for record in train_rl(model, SORT_TWO, config, progress=False)]
    first, last = sum(rewards[:5]) / 5, sum(rewards[-5:]) / 5
    assert last > first + 0.15, f"mean reward went from {first:.2f} to {last:.2f}: {rewards}"


def _updates_on_one_batch(loss: str, rollout, updates: int = 4, **changes):
    """What rl_step does with one rollout batch: the trainer's optimizer and update loop (no
    warm-up unless ``changes`` asks: these tests want the policy to move)."""
    model = warm_task_model().train()
    config = RLConfig(loss=loss, updates_per_batch=updates, lr=1e-2, **{"warmup": 0, **changes})
    optimizer = make_optimizer(model, config.lr, config.betas, config.weight_decay)
    batch = make_policy_batch(model, rollout, config)
    return batch, update_policy(model, optimizer, batch, config)


def _rollout(temperature=1.0, max_new_tokens=6, problems=SORT_TWO[:8], group_size=8):
    return collect_rollout(
        warm_task_model(),
        problems,
        group_size=group_size,
        max_new_tokens=max_new_tokens,
        temperature=temperature,
        generator=torch.Generator().manual_seed(0),
    )


def test_cispo_keeps_gradient_on_tokens_that_grpo_clips_inside_the_update_loop():
    rollout = _rollout()
    batch, grpo = _updates_on_one_batch("grpo", rollout)
    _, cispo = _updates_on_one_batch("cispo", rollout)
    learning = batch.mask.bool() & (batch.advantages[:, None] != 0)
    assert learning.any(), "the batch has no learning signal"
    # on-policy, nothing is clipped: every token with Â ≠ 0 gets gradient under both losses
    assert bool((grpo[0].token_grad[learning] != 0).all())
    clipped_somewhere = False
    for g, c in zip(grpo[1:], cispo[1:]):
        outside = learning & ~trust_region_mask(g.ratio, batch.advantages[:, None], 0.2, 0.2)
        # GRPO: a token gets zero gradient exactly when it left the trust region
        assert torch.equal(g.token_grad[learning] == 0, outside[learning])
        # CISPO: every token with Â ≠ 0 still gets gradient, the ones GRPO clips included
        assert bool((c.token_grad[learning] != 0).all())
        assert bool((c.token_grad[outside] != 0).all())
        clipped_somewhere |= bool(outside.any())
    assert clipped_somewhere, "no token left the trust region: raise the learning rate"


def test_unknown_loss_is_refused_with_the_known_names():
    with pytest.raises(ValueError, match="cispo"):
        RLConfig(loss="ppo2")


# --------------------------------------------------------------------------------------------
# The review of issue 15: each test failed before its fix


def test_dr_grpo_in_the_trainer_divides_by_the_budget_and_does_not_divide_by_the_std():
    # a budget of 10 new tokens; the per-token tensors also span the prompt's columns
    rollout = _rollout(max_new_tokens=10)
    assert rollout.response_mask.shape[1] > 10
    batch, (first,) = _updates_on_one_batch("dr_grpo", rollout, updates=1)
    groups = rollout.rewards.view(-1, 8)
    mean_only = (groups - groups.mean(dim=1, keepdim=True)).reshape(-1)
    torch.testing.assert_close(batch.advantages, mean_only)
    # on-policy, ∂L/∂log π_t = −Â_i / (B·L_max) with L_max = the budget, on every response token
    expected = -mean_only[:, None] * batch.mask / (rollout.ids.shape[0] * 10)
    torch.testing.assert_close(first.token_grad, expected)
    # the other losses keep GRPO's std-normalised advantages
    grpo_batch, _ = _updates_on_one_batch("grpo", rollout, updates=1)
    learning = groups.std(dim=1) > 0
    assert not torch.allclose(
        grpo_batch.advantages.view(-1, 8)[learning], mean_only.view(-1, 8)[learning]
    )


def test_kl_penalty_works_from_the_trainer_with_a_frozen_reference():
    model = warm_task_model()
    config = RLConfig(
        loss="grpo",
        loss_config=LossConfig(kl_coef=0.1),
        steps=2,
        prompts_per_step=4,
        group_size=4,
        updates_per_batch=2,
        lr=1e-2,
        warmup=0,
        eval_every=0,
    )
    history = train_rl(model, SORT_TWO, config, progress=False)
    # π_ref is the starting model: the policy has moved away from it, so KL(π_θ ‖ π_ref) > 0
    assert all(h["kl_ref"] > 0 for h in history)
    reference = reference_model(warm_task_model(), config)
    assert not any(p.requires_grad for p in reference.parameters()) and not reference.training
    assert reference_model(model, RLConfig()) is None  # no KL, no second model


def test_rollouts_are_scored_at_the_sampling_temperature():
    temperature = 0.5
    rollout = _rollout(temperature=temperature)
    model = warm_task_model()
    batch = make_policy_batch(model, rollout, RLConfig(temperature=temperature))
    with torch.no_grad():
        logits = model(rollout.ids, attention_mask=rollout.attention_mask).logits[:, :-1]
    sampler = torch.log_softmax(logits.float() / temperature, dim=-1)
    expected = sampler.gather(-1, rollout.ids[:, 1:, None]).squeeze(-1)
    keep = batch.mask.bool()
    torch.testing.assert_close(batch.old_logp[keep], expected[keep], rtol=1e-5, atol=1e-5)
    # the sampler's own log-probabilities say the same
    done = complete_prompts(
        model,
        [p.prompt for p in SORT_TWO[:4]],
        max_new_tokens=6,
        temperature=temperature,
        generator=torch.Generator().manual_seed(1),
    )
    scored, _ = token_logprobs(model, done.ids, done.attention_mask, temperature=temperature)
    generated = done.completion_mask.bool()
    new = scored[:, -generated.shape[1] :]
    torch.testing.assert_close(
        new[generated], done.output.logprobs[generated], atol=1e-5, rtol=1e-5
    )


def test_rl_refuses_top_p_below_one_and_a_greedy_sampler():
    with pytest.raises(ValueError, match="top_p=0.9: RL needs top_p=1.0"):
        RLConfig(top_p=0.9)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        RLConfig(temperature=0.0)
    with pytest.raises(ValueError, match="temperature must be > 0"):
        collect_rollout(warm_task_model(), SORT_TWO[:1], 2, max_new_tokens=4, temperature=0.0)


def test_rl_warms_the_learning_rate_up_over_the_first_updates():
    config = RLConfig(lr=1e-3, warmup=4)
    assert [rl_learning_rate(config, u) for u in range(6)] == pytest.approx(
        [2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3]
    )
    assert rl_learning_rate(RLConfig(lr=1e-3, warmup=0), 0) == 1e-3
    # the trainer follows the schedule across steps: 2 updates per step
    model = warm_task_model()
    history = train_rl(
        model,
        SORT_TWO,
        RLConfig(steps=2, prompts_per_step=2, group_size=2, updates_per_batch=2, lr=1e-3, warmup=4),
        progress=False,
    )
    # the record averages the off-policy updates: update 2 of 4 in step 1, update 4 in step 2
    assert [h["lr"] for h in history] == pytest.approx([5e-4, 1e-3])


def test_held_out_evaluation_averages_several_samples_and_reports_its_error():
    model = warm_task_model()
    config = RLConfig(eval_samples=4, seed=3)
    result = evaluate_policy(model, SORT_TWO[:16], config)
    sampled = evaluate(model, SORT_TWO[:16], temperature=1.0, samples=4, seed=3)
    assert result["eval_sampled"] == sampled.accuracy
    p = sampled.accuracy
    assert result["eval_sampled_se"] == pytest.approx(math.sqrt(p * (1 - p) / (16 * 4)))
    assert result["eval_greedy"] == evaluate(model, SORT_TWO[:16], temperature=0.0).accuracy
    assert RLConfig().eval_samples >= 8
