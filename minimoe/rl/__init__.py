"""RL on verifiable rewards: the policy-gradient math, rollouts and the training loop.

The math (``advantages``, ``losses``, ``metrics``) is pure functions of tensors, exported here, so
that the RL loop, the lessons and the tests all call the same code. Typical use::

    from minimoe.rl import get_policy_loss, group_advantages

    adv = group_advantages(rewards, group_size)            # (groups * group_size,)
    out = get_policy_loss("cispo")(logp, old_logp, adv, mask)
    out.loss.backward(); log(out.metrics)

The modules that run a model are imported from their own names: ``minimoe.rl.rollout`` samples
completions and scores their log-probabilities, ``minimoe.rl.trainer`` is the loop
(``RLConfig``, ``train_rl``, and ``rl_step`` with its parts).
"""

from __future__ import annotations

from minimoe.rl.advantages import group_advantages, reinforce_baseline_advantages
from minimoe.rl.losses import (
    AGGREGATIONS,
    DEFAULT_CONFIGS,
    MAX_LOG_RATIO,
    POLICY_LOSSES,
    REFERENCE_EPS,
    LossConfig,
    LossOutput,
    PolicyLoss,
    aggregate,
    aggregation_weights,
    default_config,
    get_policy_loss,
    register_policy_loss,
    resolve_config,
)
from minimoe.rl.metrics import (
    approx_kl,
    clip_fraction,
    dropped_gradient_mass,
    entropy,
    is_weight_clip_fraction,
    kl_k3,
    masked_mean,
    max_ratio,
    mean_ratio,
    trust_region_mask,
    zero_variance_group_fraction,
)

__all__ = [
    "AGGREGATIONS",
    "DEFAULT_CONFIGS",
    "MAX_LOG_RATIO",
    "POLICY_LOSSES",
    "REFERENCE_EPS",
    "LossConfig",
    "LossOutput",
    "PolicyLoss",
    "aggregate",
    "aggregation_weights",
    "approx_kl",
    "clip_fraction",
    "default_config",
    "dropped_gradient_mass",
    "entropy",
    "get_policy_loss",
    "group_advantages",
    "is_weight_clip_fraction",
    "kl_k3",
    "masked_mean",
    "max_ratio",
    "mean_ratio",
    "register_policy_loss",
    "reinforce_baseline_advantages",
    "resolve_config",
    "trust_region_mask",
    "zero_variance_group_fraction",
]
