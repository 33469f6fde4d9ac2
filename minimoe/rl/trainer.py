"""The RL loop: rollouts, group advantages, several off-policy updates per batch, metrics.

One step:

1. draw ``prompts_per_step`` training problems and sample ``group_size`` completions for each
   with the current policy π_θold (temperature 1, as in M1's RL);
2. score them with the verifier and turn rewards into group-relative advantages Â (divided by
   the group's std or not, as the loss's paper does);
3. record log π_θold of every sampled token (and log π_ref under a frozen copy of the starting
   model, when the loss has a KL penalty), scored at the sampling temperature;
4. make ``updates_per_batch`` optimizer steps on that same batch. After the first one π_θ has
   moved away from π_θold, so the importance ratio r = π_θ/π_θold departs from 1 and the losses
   start to differ: PPO-style clipping zeroes some tokens' gradients, CISPO only caps their weight.

In code, :func:`rl_step` is :func:`~minimoe.rl.rollout.collect_rollout` (1-2), then
:func:`make_policy_batch` (3), :func:`update_policy` (4) and :func:`step_record`, the per-step
record that lesson 07 plots: reward, pass rate, clip fraction, gradient mass dropped by the PPO
mask (at the loss's own ε and at the common ``REFERENCE_EPS``), entropy and response length.
Lesson 07's fork-token analysis (:func:`minimoe.experiments.fork_tokens.replay_updates`) runs
the very same :func:`update_policy` on one batch and keeps every :class:`PolicyUpdate`.
Optimizer, update step, clipping and the learning-rate warm-up come from
:mod:`minimoe.train.optim`, as in SFT.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from minimoe.checkpoint import save_checkpoint
from minimoe.rl.advantages import group_advantages
from minimoe.rl.losses import REFERENCE_EPS, LossConfig, get_policy_loss, resolve_config
from minimoe.rl.metrics import clip_statistics_by_token, zero_variance_group_fraction
from minimoe.rl.rollout import Rollout, collect_rollout, token_logprobs
from minimoe.tasks import Problem
from minimoe.train.evaluate import EVAL_SAMPLES, held_out_accuracy, max_completion_tokens
from minimoe.train.optim import make_optimizer, optimizer_step, set_lr, warmup_cosine_lr


@dataclass
class RLConfig:
    """Settings of :func:`train_rl`.

    ``loss`` names a registered policy loss (``minimoe.rl.losses.POLICY_LOSSES``); ``loss_config``
    overrides its paper settings (fields left at None keep the paper's: its aggregation and
    whether advantages are divided by the group std). AdamW uses β2 = 0.95 as M1 reports (§3.2);
    set ``betas`` to (0.9, 0.999) to see the default instead.

    ``warmup``: the learning rate rises linearly over the first ``warmup`` optimizer updates, then
    stays at ``lr`` (:func:`rl_learning_rate`). Each ``train_rl`` call starts a fresh AdamW, whose
    first steps move every weight by about ``lr`` whatever the gradient's size; a warm-up keeps
    those steps small. ``temperature`` is the sampler's, and the loss scores tokens at it;
    ``top_p`` must stay 1 (see ``__post_init__``). ``eval_samples`` answers per held-out problem
    go into ``eval_sampled``.
    """

    loss: str = "cispo"
    loss_config: LossConfig | None = None
    steps: int = 30
    prompts_per_step: int = 16
    group_size: int = 8
    updates_per_batch: int = 4
    lr: float = 1e-3
    warmup: int = 8
    betas: tuple[float, float] = (0.9, 0.95)
    weight_decay: float = 0.0
    grad_clip: float = 1.0
    temperature: float = 1.0
    top_p: float = 1.0
    eval_every: int = 10
    eval_problems: int = 200
    eval_samples: int = EVAL_SAMPLES
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
        if self.warmup < 0 or self.eval_samples < 1:
            raise ValueError(
                f"RLConfig needs warmup >= 0 and eval_samples >= 1, "
                f"got {self.warmup} and {self.eval_samples}"
            )
        if not self.temperature > 0:
            raise ValueError(
                f"RLConfig.temperature must be > 0 (RL samples; 0 is greedy), got {self.temperature}"
            )
        if self.top_p != 1.0:
            raise ValueError(
                f"RLConfig.top_p={self.top_p}: RL needs top_p=1.0. Nucleus sampling draws from a "
                f"truncated distribution that the loss cannot score (the dropped tokens have "
                f"probability 0 there), so the policy gradient would be biased; lower the "
                f"temperature instead if you want less random samples"
            )

    def resolved_loss_config(self, max_new_tokens: int | None = None) -> LossConfig:
        """The loss's settings with its paper's choices filled in (``losses.resolve_config``)
        and, given the rollouts' ``max_new_tokens``, that budget as L_max (Dr. GRPO's constant)
        unless ``loss_config`` sets one."""
        config = resolve_config(self.loss, self.loss_config)
        if max_new_tokens is not None and config.max_response_len is None:
            config = dataclasses.replace(config, max_response_len=max_new_tokens)
        return config


def rl_learning_rate(config: RLConfig, update: int) -> float:
    """The learning rate of optimizer update ``update`` (0-based, counted over the whole run):
    a linear warm-up over ``config.warmup`` updates, then ``config.lr``, held constant as RL
    recipes usually do (``warmup_cosine_lr`` with its floor at the peak)."""
    return warmup_cosine_lr(
        update, config.lr, warmup=config.warmup, decay_end=config.warmup, min_lr_ratio=1.0
    )


@dataclass
class PolicyBatch:
    """A rollout ready for the policy loss: its advantages and the sampling policy's log-probs.

    Attributes:
        rollout: the sampled completions (ids, masks, rewards, temperature, budget).
        advantages: ``(batch,)`` group-relative advantages Â_i.
        old_logp: ``(batch, seq - 1)`` log π_θold of every token under the policy that sampled
            it, at the rollout's temperature.
        entropy: mean entropy of π_θold's next-token distribution (at that temperature) over
            the response tokens.
        ref_logp: ``(batch, seq - 1)`` log π_ref under the frozen reference model, or None
            when the loss has no KL penalty.
    """

    rollout: Rollout
    advantages: torch.Tensor
    old_logp: torch.Tensor
    entropy: float
    ref_logp: torch.Tensor | None = None

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


def reference_model(model: nn.Module, config: RLConfig) -> nn.Module | None:
    """A frozen copy of ``model`` to serve as π_ref, when ``config``'s loss has a KL penalty
    (``kl_coef > 0``); None otherwise, so that runs without one keep no second model."""
    if config.resolved_loss_config().kl_coef == 0:
        return None
    reference = copy.deepcopy(model).eval()
    reference.requires_grad_(False)
    return reference


def make_policy_batch(
    model: nn.Module, rollout: Rollout, config: RLConfig, ref_model: nn.Module | None = None
) -> PolicyBatch:
    """Group-relative advantages of ``rollout``'s rewards (std-normalised or not, as the loss's
    paper does) and log π_θold of its tokens at the rollout's temperature; log π_ref as well
    when a ``ref_model`` is given (see :func:`reference_model`)."""
    normalize_std = config.resolved_loss_config().normalize_std
    advantages = group_advantages(rollout.rewards, rollout.group_size, normalize_std=normalize_std)
    args = (rollout.ids, rollout.attention_mask)
    with torch.no_grad():
        old_logp, entropy = token_logprobs(
            model, *args, rollout.response_mask, temperature=rollout.temperature
        )
        ref_logp = None
        if ref_model is not None:
            ref_logp, _ = token_logprobs(ref_model, *args, temperature=rollout.temperature)
    return PolicyBatch(rollout, advantages, old_logp, entropy.item(), ref_logp)


def update_policy(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: PolicyBatch,
    config: RLConfig,
    *,
    updates_done: int = 0,
) -> list[PolicyUpdate]:
    """``config.updates_per_batch`` optimizer steps with ``config.loss`` on one batch.

    The first update is on-policy; after it π_θ has moved away from π_θold, the ratios r depart
    from 1, and the losses start to differ. ``updates_done`` (optimizer updates made earlier in
    the run) places these on the warm-up schedule (:func:`rl_learning_rate`). Dr. GRPO's
    constant L_max is the rollout's generation budget unless ``loss_config`` sets one. Returns
    one :class:`PolicyUpdate` per step, in order.
    """
    loss_fn = get_policy_loss(config.loss)
    loss_config = config.resolved_loss_config(batch.rollout.max_new_tokens)
    ids, attention_mask = batch.rollout.ids, batch.rollout.attention_mask
    updates = []
    for update in range(1, config.updates_per_batch + 1):
        lr = rl_learning_rate(config, updates_done + update - 1)
        set_lr(optimizer, lr)
        logp, _ = token_logprobs(model, ids, attention_mask, temperature=batch.rollout.temperature)
        logp.retain_grad()  # keep ∂L/∂log π per token: which tokens this update learns from
        out = loss_fn(
            logp,
            batch.old_logp,
            batch.advantages,
            batch.mask,
            config=loss_config,
            ref_logp=batch.ref_logp,
        )
        grad_norm = optimizer_step(model, optimizer, out.loss, config.grad_clip)
        current = logp.detach()
        updates.append(
            PolicyUpdate(
                update=update,
                logp=current,
                ratio=(current - batch.old_logp).exp(),
                token_grad=logp.grad.detach(),
                metrics={**out.metrics, "grad_norm": grad_norm, "lr": lr},
            )
        )
    return updates


def step_record(
    batch: PolicyBatch,
    updates: Sequence[PolicyUpdate],
    *,
    fork_probability: float | None = None,
) -> dict:
    """What one RL step reports: the loss metrics averaged over the off-policy updates (the first
    update is on-policy, with r ≡ 1 and nothing clipped), among them ``clip_fraction_ref`` and
    ``dropped_gradient_mass_ref`` at the one ε every loss shares, ``grad_norm`` and ``lr``; and
    the rollout's reward, pass rate, zero-variance groups, entropy (of the sampler, at its
    temperature) and mean response length in tokens.

    With ``fork_probability``, also the same two clip metrics at ``REFERENCE_EPS`` on fork tokens
    (π_θold below it) and on common ones, and the forks' share of the tokens, averaged over the
    same updates (:func:`~minimoe.rl.metrics.clip_statistics_by_token`, keys ending ``_ref_fork``
    and ``_ref_common``, and ``fork_share``)."""
    off_updates = list(updates[1:]) or [updates[0]]
    off_policy = [u.metrics for u in off_updates]
    record = {
        key: sum(m[key] for m in off_policy) / len(off_policy)
        for key in off_policy[0]
        if key != "loss"
    }
    if fork_probability is not None:
        split = [
            clip_statistics_by_token(
                u.ratio,
                batch.advantages,
                batch.mask,
                batch.old_logp,
                fork_probability,
                REFERENCE_EPS,
                REFERENCE_EPS,
            )
            for u in off_updates
        ]
        for key in split[0]:
            name = (
                key
                if key == "fork_share"
                else key.replace("_fork", "_ref_fork").replace("_common", "_ref_common")
            )
            record[name] = sum(s[key].item() for s in split) / len(split)
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
    """``config.group_size`` completions per problem at the config's temperature."""
    return collect_rollout(
        model,
        problems,
        config.group_size,
        max_new_tokens=max_new_tokens,
        temperature=config.temperature,
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
    updates_done: int = 0,
    ref_model: nn.Module | None = None,
    fork_probability: float | None = None,
) -> dict:
    """One RL step: sample a rollout batch, make ``updates_per_batch`` optimizer steps on it
    (:func:`update_policy`), and return the step's metrics (:func:`step_record`, which also
    splits the clip metrics into fork and common tokens given ``fork_probability``).
    ``updates_done`` counts the optimizer updates made before (for the warm-up); ``ref_model``
    is π_ref for a KL penalty (:func:`reference_model`)."""
    rollout = sample_rollout(
        model, problems, config, max_new_tokens=max_new_tokens, generator=generator
    )
    batch = make_policy_batch(model, rollout, config, ref_model)
    updates = update_policy(model, optimizer, batch, config, updates_done=updates_done)
    return step_record(batch, updates, fork_probability=fork_probability)


def train_rl(
    model: nn.Module,
    train_problems: Sequence[Problem],
    config: RLConfig | None = None,
    *,
    eval_problems: Sequence[Problem] = (),
    checkpoint_path: str | Path | None = None,
    progress: bool = True,
    on_step: Callable[[dict], None] | None = None,
    fork_probability: float | None = None,
) -> list[dict]:
    """Improve ``model`` with RL on ``train_problems``; return one record per step.

    With ``fork_probability`` each record also splits the clip metrics at ``REFERENCE_EPS``
    into fork tokens (π_θold below it) and common ones (:func:`step_record`).

    Every ``eval_every`` steps (and at the end) a record also carries ``eval_greedy``,
    ``eval_sampled`` and ``eval_sampled_se`` (:func:`evaluate_policy`) on ``eval_problems``.
    Prompts are drawn as a pure function of ``(seed, step)``. With a KL penalty in the loss, the
    model as it is at the start is kept, frozen, as π_ref.
    """
    config = config or RLConfig()
    if not train_problems:
        raise ValueError("train_rl needs at least one training problem")
    model.train()
    optimizer = make_optimizer(model, config.lr, config.betas, config.weight_decay)
    ref_model = reference_model(model, config)
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
            rl_step(
                model,
                optimizer,
                problems,
                config,
                max_new_tokens=budget,
                generator=rng,
                updates_done=step * config.updates_per_batch,
                ref_model=ref_model,
                fork_probability=fork_probability,
            )
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
    """Held-out accuracy greedy (``eval_greedy``) and at the RL sampling temperature averaged
    over ``config.eval_samples`` answers per problem (``eval_sampled``, with its standard error
    ``eval_sampled_se``); see :func:`~minimoe.train.evaluate.held_out_accuracy`."""
    result = held_out_accuracy(
        model,
        problems,
        temperature=config.temperature,
        samples=config.eval_samples,
        seed=config.seed,
    )
    model.train()
    return {f"eval_{key}": value for key, value in result.items()}
