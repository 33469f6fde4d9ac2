"""The RL loop: rollouts, group advantages, several off-policy updates per batch, metrics.

One step:

1. draw ``prompts_per_step`` training problems and sample ``group_size`` completions for each
   with the current policy π_θold (temperature 1, as in M1's RL);
2. score them with the verifier and turn rewards into group-relative advantages Â;
3. record log π_θold of every sampled token;
4. make ``updates_per_batch`` optimizer steps on that same batch. After the first one π_θ has
   moved away from π_θold, so the importance ratio r = π_θ/π_θold departs from 1 and the losses
   start to differ: PPO-style clipping zeroes some tokens' gradients, CISPO only caps their weight.

The per-step record holds what lesson 07 plots: reward, pass rate, clip fraction, gradient mass
dropped by the PPO mask, entropy and response length.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from minimoe.checkpoint import save_checkpoint
from minimoe.rl.advantages import group_advantages
from minimoe.rl.losses import LossConfig, default_config, get_policy_loss
from minimoe.rl.metrics import zero_variance_group_fraction
from minimoe.rl.rollout import collect_rollout, token_logprobs
from minimoe.tasks import Problem
from minimoe.train.evaluate import evaluate, max_completion_tokens
from minimoe.train.sft import make_optimizer


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
    extra: dict = field(default_factory=dict)  # free-form notes copied into checkpoints

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


def rl_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    problems: Sequence[Problem],
    config: RLConfig,
    *,
    max_new_tokens: int,
    generator: torch.Generator,
) -> dict:
    """One rollout batch and ``updates_per_batch`` optimizer steps on it; returns the step's metrics."""
    loss_fn = get_policy_loss(config.loss)
    loss_config = config.resolved_loss_config()
    rollout = collect_rollout(
        model,
        problems,
        config.group_size,
        max_new_tokens=max_new_tokens,
        temperature=config.temperature,
        top_p=config.top_p,
        generator=generator,
    )
    advantages = group_advantages(
        rollout.rewards, config.group_size, normalize_std=config.normalize_std
    )
    mask = rollout.response_mask
    with torch.no_grad():
        old_logp, ent = token_logprobs(model, rollout.ids, rollout.attention_mask, mask)
    update_metrics: list[dict] = []
    for _ in range(config.updates_per_batch):
        logp, _ = token_logprobs(model, rollout.ids, rollout.attention_mask)
        out = loss_fn(logp, old_logp, advantages, mask, config=loss_config)
        optimizer.zero_grad(set_to_none=True)
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.grad_clip)
        optimizer.step()
        update_metrics.append(out.metrics)
    # The first update is on-policy (ratio 1, nothing clipped); report the off-policy ones.
    off_policy = update_metrics[1:] or update_metrics
    record = {
        key: sum(m[key] for m in off_policy) / len(off_policy)
        for key in off_policy[0]
        if key != "loss"
    }
    groups = rollout.rewards.view(-1, config.group_size)
    record.update(
        reward=rollout.rewards.mean().item(),
        pass_rate=(groups.max(dim=1).values >= 1.0).float().mean().item(),
        zero_variance_groups=zero_variance_group_fraction(
            rollout.rewards, config.group_size
        ).item(),
        entropy=ent.item(),
        response_length=rollout.response_lengths.mean().item(),
    )
    return record


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
