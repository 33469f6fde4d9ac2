"""The RL loop: rollouts, group advantages, several off-policy updates per batch, metrics.

One step:

1. draw ``prompts_per_step`` training problems and sample ``group_size`` completions for each
   with the current policy π_θold (temperature 1, as in M1's RL);
2. score them with the verifier and turn rewards into group-relative advantages Â;
3. record log π_θold of every sampled token;
4. make ``updates_per_batch`` optimizer steps on that same batch. After the first one π_θ has
   moved away from π_θold, so the importance ratio r = π_θ/π_θold departs from 1 and the losses
   start to differ: PPO-style clipping zeroes some tokens' gradients, CISPO only caps their weight.

In code, :func:`rl_step` is :func:`~minimoe.rl.rollout.collect_rollout` (1-2), then
:func:`make_policy_batch` (3), :func:`update_policy` (4) and :func:`step_record`, the per-step
record that lesson 07 plots: reward, pass rate, clip fraction, gradient mass dropped by the PPO
mask, entropy and response length. Lesson 07's fork-token analysis
(:func:`minimoe.experiments.fork_tokens.replay_updates`) runs the very same
:func:`update_policy` on one batch and keeps every :class:`PolicyUpdate`. Optimizer, update step
and clipping come from :mod:`minimoe.train.optim`, as in SFT.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from minimoe.checkpoint import save_checkpoint
from minimoe.rl.advantages import group_advantages
from minimoe.rl.losses import LossConfig, default_config, get_policy_loss
from minimoe.rl.metrics import zero_variance_group_fraction
from minimoe.rl.rollout import Rollout, collect_rollout, token_logprobs
from minimoe.tasks import Problem
from minimoe.train.evaluate import evaluate, max_completion_tokens
from minimoe.train.optim import make_optimizer, optimizer_step


@dataclass
class RLConfig:
    """Settings of :func:`train_rl`.

    ``loss`` names a registered policy loss (``minimoe.rl.losses.POLICY_LOSSES``); ``loss_config``
    overrides its paper settings. AdamW uses β2 = 0.95 as M1 reports (§3.2); set ``betas`` to
    (0.9, 0.999) to see the default instead.
    """

    loss: str = "cispo"
    loss_config: LossConfig | None = None
    steps: int = 30
    prompts_per_step: int = 16
    group_size: int = 8
    updates_per_batch: int = 4
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.95)
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    temperature: float = 1.0
    top_p: float = 1.0
    normalize_std: bool = True
    eval_every: int = 10
    eval_problems: int = 200
    checkpoint_every: int = 0
    seed: int = 0

    def __post_init__(self) -> None:
        get_policy_loss(self.loss)  # unknown names fail here, listing the known ones
        for name in ("steps", "prompts_per_step", "group_size", "updates_per_batch"):
            if getattr(self, name) < 1:
                raise ValueError(f"RLConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.group_size < 2:
            raise ValueError(
                "RLConfig.group_size must be at least 2: advantages compare samples of a group"
            )

    def resolved_loss_config(self) -> LossConfig:
        return self.loss_config or default_config(self.loss)


@dataclass
class PolicyBatch:
    """A rollout ready for the policy loss: its advantages and the sampling policy's log-probs.

    Attributes:
        rollout: the sampled completions (ids, masks, rewards).
        advantages: ``(batch,)`` group-relative advantages Â_i.
        old_logp: ``(batch, seq - 1)`` log π_θold of every token under the policy that sampled it.
        entropy: mean entropy of π_θold's next-token distribution over the response tokens.
    """

    rollout: Rollout
    advantages: torch.Tensor
    old_logp: torch.Tensor
    entropy: float

    @property
    def mask(self) -> torch.Tensor:
        """``(batch, seq - 1)`` 1 on response tokens."""
        return self.rollout.response_mask


@dataclass
class PolicyUpdate:
    """One optimizer update on a :class:`PolicyBatch`, and the batch as the policy saw it just
    before.

    Attributes:
        update: 1 for the first update (on-policy: r ≡ 1), 2 for the second, and so on.
        logp: ``(batch, seq - 1)`` log π_θ of the sampled tokens before this update (detached).
        ratio: ``(batch, seq - 1)`` r = π_θ / π_θold before this update.
        token_grad: ``(batch, seq - 1)`` ∂L/∂log π_θ(o_t), the weight each token's gradient
            got in this update: the parameter gradient is Σ_t token_grad_t · ∇_θ log π_θ(o_t).
            It is 0 off the mask, and 0 for a token whose gradient the loss clipped away.
        metrics: the loss's metrics (``clip_fraction``, ``dropped_gradient_mass``, …) and
            ``grad_norm``, the gradient norm before clipping.
    """

    update: int
    logp: torch.Tensor
    ratio: torch.Tensor
    token_grad: torch.Tensor
    metrics: dict[str, float]


def make_policy_batch(model: nn.Module, rollout: Rollout, *, normalize_std: bool) -> PolicyBatch:
    """Group-relative advantages of ``rollout``'s rewards and log π_θold of its tokens."""
    advantages = group_advantages(rollout.rewards, rollout.group_size, normalize_std=normalize_std)
    with torch.no_grad():
        old_logp, entropy = token_logprobs(
            model, rollout.ids, rollout.attention_mask, rollout.response_mask
        )
    return PolicyBatch(rollout, advantages, old_logp, entropy.item())


def update_policy(
    model: nn.Module, optimizer: torch.optim.Optimizer, batch: PolicyBatch, config: RLConfig
) -> list[PolicyUpdate]:
    """``config.updates_per_batch`` optimizer steps with ``config.loss`` on one batch.

    The first update is on-policy; after it π_θ has moved away from π_θold, the ratios r depart
    from 1, and the losses start to differ. Returns one :class:`PolicyUpdate` per step, in order.
    """
    loss_fn = get_policy_loss(config.loss)
    loss_config = config.resolved_loss_config()
    ids, attention_mask = batch.rollout.ids, batch.rollout.attention_mask
    updates = []
    for update in range(1, config.updates_per_batch + 1):
        logp, _ = token_logprobs(model, ids, attention_mask)
        logp.retain_grad()  # keep ∂L/∂log π per token: which tokens this update learns from
        out = loss_fn(logp, batch.old_logp, batch.advantages, batch.mask, config=loss_config)
        grad_norm = optimizer_step(model, optimizer, out.loss, config.grad_clip)
        current = logp.detach()
        updates.append(
            PolicyUpdate(
                update=update,
                logp=current,
                ratio=(current - batch.old_logp).exp(),
                token_grad=logp.grad.detach(),
                metrics={**out.metrics, "grad_norm": grad_norm},
            )
        )
    return updates


def step_record(batch: PolicyBatch, updates: Sequence[PolicyUpdate]) -> dict:
    """What one RL step reports: the loss metrics averaged over the off-policy updates (the first
    update is on-policy, with r ≡ 1 and nothing clipped), and the rollout's reward, pass rate,
    zero-variance groups, entropy and response length."""
    off_policy = [u.metrics for u in updates[1:]] or [updates[0].metrics]
    record = {
        key: sum(m[key] for m in off_policy) / len(off_policy)
        for key in off_policy[0]
        if key != "loss"
    }
    rollout = batch.rollout
    groups = rollout.rewards.view(-1, rollout.group_size)
    record.update(
        reward=rollout.rewards.mean().item(),
        pass_rate=(groups.max(dim=1).values >= 1.0).float().mean().item(),
        zero_variance_groups=zero_variance_group_fraction(
            rollout.rewards, rollout.group_size
        ).item(),
        entropy=batch.entropy,
        response_length=rollout.response_lengths.mean().item(),
    )
    return record


def sample_rollout(
    model: nn.Module,
    problems: Sequence[Problem],
    config: RLConfig,
    *,
    max_new_tokens: int,
    generator: torch.Generator,
) -> Rollout:
    """``config.group_size`` completions per problem at the config's temperature and top-p."""
    return collect_rollout(
        model,
        problems,
        config.group_size,
        max_new_tokens=max_new_tokens,
        temperature=config.temperature,
        top_p=config.top_p,
        generator=generator,
    )


def rl_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    problems: Sequence[Problem],
    config: RLConfig,
    *,
    max_new_tokens: int,
    generator: torch.Generator,
) -> dict:
    """One RL step: sample a rollout batch, make ``updates_per_batch`` optimizer steps on it
    (:func:`update_policy`), and return the step's metrics (:func:`step_record`)."""
    rollout = sample_rollout(
        model, problems, config, max_new_tokens=max_new_tokens, generator=generator
    )
    batch = make_policy_batch(model, rollout, normalize_std=config.normalize_std)
    return step_record(batch, update_policy(model, optimizer, batch, config))


def train_rl(
    model: nn.Module,
    train_problems: Sequence[Problem],
    config: RLConfig | None = None,
    *,
    eval_problems: Sequence[Problem] = (),
    checkpoint_path: str | Path | None = None,
    progress: bool = True,
    on_step: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Improve ``model`` with RL on ``train_problems``; return one record per step.

    Every ``eval_every`` steps (and at the end) a record also carries ``eval_greedy`` and
    ``eval_sampled`` (accuracy at temperature 0 and at the sampling temperature) on
    ``eval_problems``. Prompts are drawn as a pure function of ``(seed, step)``.
    """
    config = config or RLConfig()
    if not train_problems:
        raise ValueError("train_rl needs at least one training problem")
    model.train()
    optimizer = make_optimizer(model, config.lr, config.betas, config.weight_decay)
    budget = max_completion_tokens(train_problems)
    eval_set = list(eval_problems)[: config.eval_problems]
    history: list[dict] = []
    bar = tqdm(range(config.steps), desc=f"RL ({config.loss})", disable=not progress)
    for step in bar:
        rng = torch.Generator().manual_seed(config.seed * 1_000_003 + step)
        index = torch.randint(len(train_problems), (config.prompts_per_step,), generator=rng)
        problems = [train_problems[i] for i in index.tolist()]
        record = {"step": step + 1}
        record.update(
            rl_step(model, optimizer, problems, config, max_new_tokens=budget, generator=rng)
        )
        last = step + 1 == config.steps
        if eval_set and (last or (config.eval_every and (step + 1) % config.eval_every == 0)):
            record.update(evaluate_policy(model, eval_set, config))
        if checkpoint_path and (
            last or (config.checkpoint_every and (step + 1) % config.checkpoint_every == 0)
        ):
            meta = {
                "rl": {
                    **dataclasses.asdict(config),
                    "loss_config": dataclasses.asdict(config.resolved_loss_config()),
                }
            }
            save_checkpoint(
                checkpoint_path,
                model,
                model.config,
                optimizer=optimizer,
                step=step + 1,
                metadata=meta,
            )
        history.append(record)
        bar.set_postfix(reward=f"{record['reward']:.2f}", clip=f"{record['clip_fraction']:.3f}")
        if on_step:
            on_step(record)
    return history


def evaluate_policy(model: nn.Module, problems: Sequence[Problem], config: RLConfig) -> dict:
    """Held-out accuracy greedy and at the RL sampling temperature."""
    greedy = evaluate(model, problems, temperature=0.0).accuracy
    sampled = evaluate(
        model, problems, temperature=config.temperature, top_p=config.top_p, seed=config.seed
    ).accuracy
    model.train()
    return {"eval_greedy": greedy, "eval_sampled": sampled}
