"""Policy-gradient losses as pure functions, side by side, behind one registry.

Every loss has the same signature::

    loss_fn(logp, old_logp, advantages, mask, *, config=None, ref_logp=None) -> LossOutput

    logp        (batch, seq)  log π_θ(o_{i,t} | q, o_{i,<t}) of the sampled tokens, with grad
    old_logp    (batch, seq)  the same under the behaviour policy π_θold that sampled them
    advantages  (batch,) or (batch, seq)  Â_i (one per completion) or Â_{i,t}
    mask        (batch, seq)  1 on response tokens, 0 on prompt and padding
    config      LossConfig; None means this loss's paper settings, ``DEFAULT_CONFIGS[name]``
    ref_logp    (batch, seq)  log π_ref, only needed when ``config.kl_coef > 0``

batch = groups × group_size rows. ``old_logp``, ``ref_logp`` and ``advantages`` are treated as
constants (detached); the gradient flows through ``logp`` only. Positions where ``mask`` is 0
are replaced by zeros before any arithmetic, so whatever sits there (even NaN) changes nothing.

Notation: r_{i,t} = π_θ / π_θold = exp(logp − old_logp), |o_i| = response tokens of row i,
N = Σ_i |o_i|, B = batch, sg(·) = stop-gradient. Losses are minimised, so each one is minus
its paper's objective J.

One fact to keep in mind: sg(r)·∇log π = ∇r. While on-policy (one update per batch, r ≡ 1)
REINFORCE, GRPO, Dr. GRPO, DAPO, GSPO and CISPO all produce the gradient −Â·∇log π per token,
differing only in how tokens are weighted. That weight is the loss's **aggregation**
(``LossConfig.aggregation``), which every loss accepts; each paper's choice is its default:

    "token_mean"     1/N               every token counts equally       DAPO, CISPO, REINFORCE
    "sequence_mean"  1/(B·|o_i|)       every answer counts equally      GRPO, GSPO
    "constant"       1/(B·L_max)       a fixed budget, L_max tokens     Dr. GRPO

(:func:`aggregation_weights` returns these per-token weights.) Clipping acts only once π_θ
drifts from π_θold, i.e. with several optimizer steps per batch of rollouts.

Numerical safety: log r is clamped to ±MAX_LOG_RATIO before exp(), as verl does. A token
beyond that (a probability ratio above e^20 ≈ 5e8) gets no gradient through its ratio; such
a token means the rollout and the policy disagree completely, and training is already broken.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import NamedTuple, Protocol

import torch

from minimoe.rl.metrics import (
    approx_kl,
    clip_fraction,
    dropped_gradient_mass,
    is_weight_clip_fraction,
    kl_k3,
    masked_mean,
    max_ratio,
    mean_ratio,
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
    "cispo",
    "dapo",
    "default_config",
    "dr_grpo",
    "get_policy_loss",
    "grpo",
    "gspo",
    "ppo_clip_objective",
    "register_policy_loss",
    "reinforce",
    "resolve_config",
]

MAX_LOG_RATIO = 20.0

AGGREGATIONS = ("token_mean", "sequence_mean", "constant")
"""How a loss averages its per-token terms over a batch; see :func:`aggregation_weights`."""

REFERENCE_EPS = 0.2
"""The one PPO trust region (1 ± 0.2) at which every loss also reports its clip metrics
(``clip_fraction_ref``, ``dropped_gradient_mass_ref``), whatever ε the loss itself uses, so
that the numbers compare across losses."""


@dataclass(frozen=True)
class LossConfig:
    """Hyperparameters shared by the policy losses (each loss reads the fields it needs).

    Attributes:
        eps_low: ε_low, PPO clip below: r is clipped at 1 − ε_low when Â < 0.
        eps_high: ε_high, PPO clip above: r is clipped at 1 + ε_high when Â > 0
            (DAPO's "clip-higher" uses 0.28). CISPO and REINFORCE use both only for the
            clip metrics ("what PPO would have clipped").
        is_eps_high: ε^IS_high, CISPO's cap on the importance weight, r̂ ≤ 1 + ε^IS_high
            (MiniMax-M1's convention). M1 does not publish its value; the default 4.0 is
            ScaleRL's recommended absolute cap ε_max = 5 written in M1's convention.
        is_eps_low: ε^IS_low, CISPO's floor r̂ ≥ 1 − ε^IS_low; None = no floor (M1's choice).
        kl_coef: β, weight of the k3 estimate of KL(π_θ ‖ π_ref) added per token (needs
            ``ref_logp``; the RL trainer keeps a frozen copy of the starting model as π_ref
            when β > 0). 0 disables it, as in DAPO, Dr. GRPO, CISPO and TRL's default;
            DeepSeek-R1 used 0.001.
        aggregation: how the per-token terms are averaged over the batch, one of
            ``AGGREGATIONS`` (see :func:`aggregation_weights`). None means the loss's paper
            choice: ``"sequence_mean"`` for GRPO and GSPO, ``"constant"`` for Dr. GRPO,
            ``"token_mean"`` for DAPO, CISPO and REINFORCE.
        max_response_len: L_max, the constant of ``aggregation="constant"``: the generation
            budget (max new tokens), as Dr. GRPO's code (``generate_max_length``) and TRL
            (``max_completion_length``) use. The RL trainer fills it in from its rollouts.
        normalize_std: how the advantages fed to this loss are computed (read by the RL
            trainer, not by the loss): divide by the group's std (GRPO, DAPO, GSPO, CISPO)
            or only subtract the group mean (Dr. GRPO). None means the loss's paper choice.
    """

    eps_low: float = 0.2
    eps_high: float = 0.2
    is_eps_high: float = 4.0
    is_eps_low: float | None = None
    kl_coef: float = 0.0
    aggregation: str | None = None
    max_response_len: int | None = None
    normalize_std: bool | None = None

    def __post_init__(self) -> None:
        for name in ("eps_low", "eps_high", "is_eps_high", "kl_coef"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not value >= 0:
                raise ValueError(f"LossConfig.{name} must be a number >= 0, got {value!r}")
        if self.is_eps_low is not None and not self.is_eps_low >= 0:
            raise ValueError(
                f"LossConfig.is_eps_low must be None (no floor) or >= 0, got {self.is_eps_low!r}"
            )
        if self.aggregation is not None and self.aggregation not in AGGREGATIONS:
            raise ValueError(
                f"LossConfig.aggregation must be None (the paper's) or one of "
                f"{', '.join(AGGREGATIONS)}; got {self.aggregation!r}"
            )
        if self.max_response_len is not None and (
            not isinstance(self.max_response_len, int) or self.max_response_len < 1
        ):
            raise ValueError(
                f"LossConfig.max_response_len must be None or a positive int, "
                f"got {self.max_response_len!r}"
            )
        if self.normalize_std not in (None, True, False):
            raise ValueError(
                f"LossConfig.normalize_std must be None (the paper's), True or False, "
                f"got {self.normalize_std!r}"
            )


@dataclass
class LossOutput:
    """What every policy loss returns.

    Attributes:
        loss: 0-dim tensor to call ``.backward()`` on.
        metrics: plain floats for logging. Every loss reports ``loss``, ``mean_ratio``,
            ``max_ratio``, ``approx_kl`` (KL(π_θold ‖ π_θ), see ``metrics.approx_kl``),
            ``clip_fraction`` and ``dropped_gradient_mass`` (PPO's trust region at the loss's
            own ``eps_low``/``eps_high``, see ``metrics``), and the same two at the fixed
            ``REFERENCE_EPS`` on the token ratio r, ``clip_fraction_ref`` and
            ``dropped_gradient_mass_ref``: a property of the batch alone, comparable across
            losses (DAPO's own ε_high is 0.28, GSPO clips a sequence ratio). ``kl_ref`` when
            ``ref_logp`` is given; CISPO adds ``is_weight_clip_fraction``.
    """

    loss: torch.Tensor
    metrics: dict[str, float] = field(default_factory=dict)


class PolicyLoss(Protocol):
    """The uniform signature of every registered loss (see the module docstring)."""

    def __call__(
        self,
        logp: torch.Tensor,
        old_logp: torch.Tensor,
        advantages: torch.Tensor,
        mask: torch.Tensor,
        *,
        config: LossConfig | None = None,
        ref_logp: torch.Tensor | None = None,
    ) -> LossOutput: ...


POLICY_LOSSES: dict[str, PolicyLoss] = {}
DEFAULT_CONFIGS: dict[str, LossConfig] = {}


def register_policy_loss(name: str, default: LossConfig | None = None):
    """Decorator: add a loss to ``POLICY_LOSSES`` under ``name``, with its paper settings.

    ``default`` (``LossConfig()`` when omitted) goes to ``DEFAULT_CONFIGS[name]`` and is used when
    the loss is called with ``config=None``; its fields left at None are filled in with
    ``aggregation="token_mean"`` and ``normalize_std=True``.
    """

    def decorator(fn: PolicyLoss) -> PolicyLoss:
        if name in POLICY_LOSSES:
            raise ValueError(f"a policy loss named {name!r} is already registered")
        paper = default if default is not None else LossConfig()
        POLICY_LOSSES[name] = fn
        DEFAULT_CONFIGS[name] = dataclasses.replace(
            paper,
            aggregation=paper.aggregation or "token_mean",
            normalize_std=True if paper.normalize_std is None else paper.normalize_std,
        )
        return fn

    return decorator


def _check_name(name: str) -> None:
    if name not in POLICY_LOSSES:
        known = ", ".join(sorted(POLICY_LOSSES))
        raise ValueError(f"unknown policy loss {name!r}; known losses: {known}")


def get_policy_loss(name: str) -> PolicyLoss:
    """The loss registered as ``name``; ValueError listing the known names otherwise."""
    _check_name(name)
    return POLICY_LOSSES[name]


def default_config(name: str) -> LossConfig:
    """The paper settings of loss ``name``; change fields with ``dataclasses.replace``."""
    _check_name(name)
    return DEFAULT_CONFIGS[name]


def resolve_config(name: str, config: LossConfig | None) -> LossConfig:
    """``config`` for loss ``name`` with its "the paper's" fields filled in.

    None gives ``default_config(name)``; otherwise ``aggregation`` and ``normalize_std`` left at
    None take the paper's values, so ``LossConfig(kl_coef=0.01)`` keeps GRPO's per-answer mean.
    """
    paper = default_config(name)
    if config is None:
        return paper
    return dataclasses.replace(
        config,
        aggregation=config.aggregation or paper.aggregation,
        normalize_std=paper.normalize_std if config.normalize_std is None else config.normalize_std,
    )


# --------------------------------------------------------------------------------------------
# Shared pieces


class _Batch(NamedTuple):
    """Validated inputs, zeroed outside the mask, advantages broadcast to ``(batch, seq)``."""

    logp: torch.Tensor  # with grad
    old_logp: torch.Tensor
    advantages: torch.Tensor
    mask: torch.Tensor  # float 0/1
    ref_logp: torch.Tensor | None
    log_ratio: torch.Tensor  # logp − old_logp, clamped to ±MAX_LOG_RATIO, with grad
    ratio: torch.Tensor  # exp(log_ratio), with grad


def _prepare(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    ref_logp: torch.Tensor | None,
    config: LossConfig,
) -> _Batch:
    for name, value in (("logp", logp), ("old_logp", old_logp), ("advantages", advantages)):
        if not isinstance(value, torch.Tensor) or not value.is_floating_point():
            raise TypeError(f"{name} must be a floating-point torch.Tensor")
    if logp.dim() != 2 or logp.numel() == 0:
        raise ValueError(f"logp must be a non-empty (batch, seq), got shape {tuple(logp.shape)}")
    shape = logp.shape
    if old_logp.shape != shape or mask.shape != shape:
        raise ValueError(
            f"logp, old_logp and mask must share the shape (batch, seq); got "
            f"{tuple(shape)}, {tuple(old_logp.shape)} and {tuple(mask.shape)}"
        )
    if advantages.shape not in (shape[:1], shape):
        raise ValueError(
            f"advantages must be (batch,) = {tuple(shape[:1])} or (batch, seq) = {tuple(shape)}, "
            f"got {tuple(advantages.shape)}"
        )
    if not bool(((mask == 0) | (mask == 1)).all()):
        raise ValueError("mask must contain only 0 (prompt/padding) and 1 (response tokens)")
    if ref_logp is not None and ref_logp.shape != shape:
        raise ValueError(f"ref_logp must be {tuple(shape)}, got {tuple(ref_logp.shape)}")
    if config.kl_coef > 0 and ref_logp is None:
        raise ValueError(f"config.kl_coef={config.kl_coef} needs ref_logp (log π_ref per token)")

    keep = mask.bool()
    if advantages.dim() == 1:
        advantages = advantages.unsqueeze(-1).expand(shape)

    def clean(x: torch.Tensor) -> torch.Tensor:
        # torch.where (not multiplication) so that NaN/inf in padding never reaches the graph
        return torch.where(keep, x, 0.0)

    logp = clean(logp)
    old_logp = clean(old_logp.detach())
    log_ratio = (logp - old_logp).clamp(-MAX_LOG_RATIO, MAX_LOG_RATIO)
    return _Batch(
        logp=logp,
        old_logp=old_logp,
        advantages=clean(advantages.detach()),
        mask=keep.to(logp.dtype),
        ref_logp=None if ref_logp is None else clean(ref_logp.detach()),
        log_ratio=log_ratio,
        ratio=log_ratio.exp(),
    )


def ppo_clip_objective(
    ratio: torch.Tensor, advantages: torch.Tensor, eps_low: float, eps_high: float
) -> torch.Tensor:
    """PPO's clipped surrogate per token, to be maximised (Schulman et al. 2017, Eq. 7):

        min(r·Â, clip(r, 1 − ε_low, 1 + ε_high)·Â)

    Its gradient is zero where the trust-region mask M = 0 (``metrics.trust_region_mask``).
    """
    clipped = ratio.clamp(1.0 - eps_low, 1.0 + eps_high)
    return torch.min(ratio * advantages, clipped * advantages)


def _ppo_clip(ratio: torch.Tensor, advantages: torch.Tensor, config: LossConfig) -> torch.Tensor:
    """The minimised form used by the PPO-family losses below."""
    return -ppo_clip_objective(ratio, advantages, config.eps_low, config.eps_high)


def _add_kl(per_token: torch.Tensor, batch: _Batch, config: LossConfig) -> torch.Tensor:
    """Add β·k3(log π_ref − log π_θ) per token (estimates KL(π_θ ‖ π_ref)); no-op when β = 0."""
    if config.kl_coef == 0:
        return per_token
    return per_token + config.kl_coef * kl_k3(batch.ref_logp - batch.logp)


def aggregation_weights(
    mask: torch.Tensor, aggregation: str, max_response_len: int | None = None
) -> torch.Tensor:
    """The weight w_{i,t} of each token's term in the loss: L = Σ_{i,t} w_{i,t}·ℓ_{i,t}.

        "token_mean"     w = 1/N            N = Σ_i |o_i|, all response tokens of the batch
        "sequence_mean"  w = 1/(B·|o_i|)    each completion's mean, then the batch mean
        "constant"       w = 1/(B·L_max)    L_max = ``max_response_len``, the generation budget

    (w = 0 off the mask.) The papers' choices: DAPO and MiniMax-M1's CISPO (M1 Eq. 4) divide by
    N; GRPO (DeepSeekMath, DeepSeek-R1) and GSPO average each completion first; Dr. GRPO divides
    the sum by the constant, because with 1/|o_i| a short correct answer gets more weight per
    token and a long wrong one less, so wrong answers drift longer (its "length bias").
    On-policy (r ≡ 1, no KL) every loss's gradient on token t is −Â_{i,t}·w_{i,t}·∇log π.

    Args:
        mask: ``(batch, seq)`` 1 on response tokens (float or bool).
        aggregation: one of ``AGGREGATIONS``.
        max_response_len: L_max; needed for ``"constant"``, and no response may be longer.

    Returns:
        ``(batch, seq)`` weights, in ``mask``'s dtype if floating (else the default dtype).
    """
    if aggregation not in AGGREGATIONS:
        raise ValueError(
            f"aggregation must be one of {', '.join(AGGREGATIONS)}, got {aggregation!r}"
        )
    dtype = mask.dtype if mask.is_floating_point() else torch.get_default_dtype()
    mask = mask.to(dtype)
    if aggregation == "token_mean":
        return mask / mask.sum().clamp(min=1.0)
    batch = mask.shape[0]
    if aggregation == "sequence_mean":
        return mask / (batch * mask.sum(dim=-1, keepdim=True).clamp(min=1.0))
    if max_response_len is None:
        raise ValueError(
            'aggregation="constant" needs max_response_len (L_max, the generation budget: max '
            "new tokens); the RL trainer sets it from its rollouts"
        )
    longest = int(mask.sum(dim=-1).max()) if mask.numel() else 0
    if longest > max_response_len:
        raise ValueError(
            f"a response has {longest} tokens but max_response_len={max_response_len}; set it "
            f"to the generation budget (max new tokens)"
        )
    return mask / (batch * max_response_len)


def aggregate(
    per_token: torch.Tensor,
    mask: torch.Tensor,
    aggregation: str,
    max_response_len: int | None = None,
) -> torch.Tensor:
    """Σ_{i,t} w_{i,t}·x_{i,t} with the weights of :func:`aggregation_weights`; a 0-dim tensor."""
    return (per_token * aggregation_weights(mask, aggregation, max_response_len)).sum()


def _aggregate(per_token: torch.Tensor, batch: _Batch, config: LossConfig) -> torch.Tensor:
    return aggregate(per_token, batch.mask, config.aggregation, config.max_response_len)


def _metrics(
    loss: torch.Tensor, batch: _Batch, config: LossConfig, clip_ratio: torch.Tensor | None = None
) -> dict[str, torch.Tensor]:
    """The metrics every loss reports; ``clip_ratio`` is the ratio the loss clips (default r)."""
    ratio = batch.ratio.detach()
    clip_ratio = ratio if clip_ratio is None else clip_ratio.detach()
    eps = (config.eps_low, config.eps_high)
    ref = (REFERENCE_EPS, REFERENCE_EPS)
    metrics = {
        "loss": loss.detach(),
        "mean_ratio": mean_ratio(ratio, batch.mask),
        "max_ratio": max_ratio(ratio, batch.mask),
        "approx_kl": approx_kl(batch.logp, batch.old_logp, batch.mask),
        "clip_fraction": clip_fraction(clip_ratio, batch.advantages, batch.mask, *eps),
        "dropped_gradient_mass": dropped_gradient_mass(
            clip_ratio, batch.advantages, batch.mask, *eps
        ),
        "clip_fraction_ref": clip_fraction(ratio, batch.advantages, batch.mask, *ref),
        "dropped_gradient_mass_ref": dropped_gradient_mass(
            ratio, batch.advantages, batch.mask, *ref
        ),
    }
    if batch.ref_logp is not None:
        metrics["kl_ref"] = masked_mean(kl_k3(batch.ref_logp - batch.logp.detach()), batch.mask)
    return metrics


def _output(loss: torch.Tensor, metrics: dict[str, torch.Tensor]) -> LossOutput:
    return LossOutput(loss=loss, metrics={k: float(v) for k, v in metrics.items()})


# --------------------------------------------------------------------------------------------
# The losses


@register_policy_loss("reinforce")
def reinforce(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    config: LossConfig | None = None,
    ref_logp: torch.Tensor | None = None,
) -> LossOutput:
    """REINFORCE with a baseline: L = −(1/N) Σ_i Σ_t Â_i · log π_θ(o_{i,t} | q, o_{i,<t}).

    Pass baseline-subtracted advantages (``reinforce_baseline_advantages`` or
    ``group_advantages``). The textbook estimator sums log π over a completion; by default we
    divide the whole batch by its N response tokens instead (``aggregation="token_mean"``,
    nanochat's choice), a constant per batch that keeps the step size independent of response
    length. With it, CISPO without weight clipping is exactly this loss (as MiniMax-M1 notes).

    ``old_logp`` does not enter the loss: this is the on-policy estimator, and reusing a batch
    for several steps makes it biased. It is used for the metrics only.
    """
    config = resolve_config("reinforce", config)
    batch = _prepare(logp, old_logp, advantages, mask, ref_logp, config)
    per_token = _add_kl(-batch.advantages * batch.logp, batch, config)
    loss = _aggregate(per_token, batch, config)
    return _output(loss, _metrics(loss, batch, config))


@register_policy_loss("grpo", default=LossConfig(aggregation="sequence_mean"))
def grpo(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    config: LossConfig | None = None,
    ref_logp: torch.Tensor | None = None,
) -> LossOutput:
    """GRPO (DeepSeekMath, DeepSeek-R1): PPO's clipped surrogate, averaged per completion.

        L = −(1/B) Σ_i (1/|o_i|) Σ_t [ min(r·Â, clip(r, 1 − ε_low, 1 + ε_high)·Â) − β·D_KL ]
        D_KL = π_ref/π_θ − log(π_ref/π_θ) − 1          (k3, per token; only if β > 0)

    Tokens outside the trust region (Â > 0 and r > 1 + ε_high, or Â < 0 and r < 1 − ε_low) get
    zero gradient. The 1/|o_i| (``aggregation="sequence_mean"``, the default) gives each token of
    a short completion more weight than one of a long completion, which Dr. GRPO calls length
    bias. Defaults: ε = 0.2, β = 0, advantages divided by the group std.
    """
    config = resolve_config("grpo", config)
    batch = _prepare(logp, old_logp, advantages, mask, ref_logp, config)
    per_token = _add_kl(_ppo_clip(batch.ratio, batch.advantages, config), batch, config)
    loss = _aggregate(per_token, batch, config)
    return _output(loss, _metrics(loss, batch, config))


@register_policy_loss("dr_grpo", default=LossConfig(aggregation="constant", normalize_std=False))
def dr_grpo(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    config: LossConfig | None = None,
    ref_logp: torch.Tensor | None = None,
) -> LossOutput:
    """Dr. GRPO ("Understanding R1-Zero-Like Training"): GRPO without the length bias.

        L = −1/(B·L_max) Σ_i Σ_t min(r·Â, clip(r, 1 − ε_low, 1 + ε_high)·Â)

    The per-completion 1/|o_i| is replaced by one constant (``aggregation="constant"``),
    L_max = ``config.max_response_len``, the generation budget: the authors' code uses
    ``generate_max_length`` and TRL divides by batch × ``max_completion_length``. Called on
    its own, the loss needs ``max_response_len`` set; the RL trainer sets it to its max new
    tokens. The paper's second change, advantages without division by the std
    (Â_i = R_i − mean_j R_j), is recorded as ``normalize_std=False`` in its default config,
    which the trainer reads. Defaults: ε = 0.2, no KL.
    """
    config = resolve_config("dr_grpo", config)
    batch = _prepare(logp, old_logp, advantages, mask, ref_logp, config)
    per_token = _add_kl(_ppo_clip(batch.ratio, batch.advantages, config), batch, config)
    loss = _aggregate(per_token, batch, config)
    return _output(loss, _metrics(loss, batch, config))


@register_policy_loss("dapo", default=LossConfig(eps_low=0.2, eps_high=0.28))
def dapo(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    config: LossConfig | None = None,
    ref_logp: torch.Tensor | None = None,
) -> LossOutput:
    """DAPO: decoupled "clip-higher" bounds and a token-level mean over the whole batch.

        L = −(1/N) Σ_i Σ_t min(r·Â, clip(r, 1 − ε_low, 1 + ε_high)·Â),   ε_low = 0.2, ε_high = 0.28

    The wider upper bound lets rare tokens (π_old = 0.01 can only reach 0.012 at ε = 0.2) grow
    further before their gradient is cut. The 1/N is ``aggregation="token_mean"``, the default.
    No KL term (β = 0). Dynamic sampling and the overlong penalty belong to the rollout loop,
    not to the loss.
    """
    config = resolve_config("dapo", config)
    batch = _prepare(logp, old_logp, advantages, mask, ref_logp, config)
    per_token = _add_kl(_ppo_clip(batch.ratio, batch.advantages, config), batch, config)
    loss = _aggregate(per_token, batch, config)
    return _output(loss, _metrics(loss, batch, config))


@register_policy_loss(
    "gspo", default=LossConfig(eps_low=3e-4, eps_high=4e-4, aggregation="sequence_mean")
)
def gspo(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    config: LossConfig | None = None,
    ref_logp: torch.Tensor | None = None,
) -> LossOutput:
    """GSPO (Qwen): clip one sequence-level ratio instead of per-token ratios.

        s_i = (π_θ(o_i|q) / π_θold(o_i|q))^(1/|o_i|) = exp((1/|o_i|) Σ_t log r_{i,t})
        L   = −(1/B) Σ_i min(s_i·Â_i, clip(s_i, 1 − ε_low, 1 + ε_high)·Â_i)

    Written in the token form (GSPO-token, as verl implements it): each token carries
    s_{i,t} = sg(s_i)·π_θ(o_{i,t}) / sg(π_θ(o_{i,t})), whose value is s_i and whose gradient is
    s_i·∇log π_θ(o_{i,t}); the per-token terms are then averaged with (1/B) Σ_i (1/|o_i|) Σ_t
    (``aggregation="sequence_mean"``, the default; the other aggregations weight each sequence
    by its length).
    For per-completion advantages Â_i this has exactly GSPO's value and gradient, and it also
    accepts per-token advantages. A whole completion is either clipped or not, so
    ``clip_fraction`` is the share of tokens in clipped completions. ``mean_ratio`` and
    ``max_ratio`` report the token ratios r. Paper settings: ε_low = 3e-4, ε_high = 4e-4
    (sequence ratios stay very close to 1), no KL.
    """
    config = resolve_config("gspo", config)
    batch = _prepare(logp, old_logp, advantages, mask, ref_logp, config)
    lengths = batch.mask.sum(dim=-1, keepdim=True).clamp(min=1.0)
    seq_log_ratio = (batch.log_ratio * batch.mask).sum(dim=-1, keepdim=True) / lengths
    log_s = batch.logp - batch.logp.detach() + seq_log_ratio.detach()
    seq_ratio = log_s.exp()
    per_token = _add_kl(_ppo_clip(seq_ratio, batch.advantages, config), batch, config)
    loss = _aggregate(per_token, batch, config)
    return _output(loss, _metrics(loss, batch, config, clip_ratio=seq_ratio))


@register_policy_loss("cispo")
def cispo(
    logp: torch.Tensor,
    old_logp: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    *,
    config: LossConfig | None = None,
    ref_logp: torch.Tensor | None = None,
) -> LossOutput:
    """CISPO (MiniMax-M1 Eq. 4–5): clip the importance-sampling weight, never the gradient.

        L   = −(1/N) Σ_i Σ_t sg(r̂_{i,t})·Â_{i,t}·log π_θ(o_{i,t} | q, o_{i,<t})
        r̂   = clip(r, 1 − ε^IS_low, 1 + ε^IS_high)     (no lower bound when ε^IS_low is None)

    The gradient of token t is −r̂·Â/N·∇log π: identical to PPO's inside the trust region, and
    for tokens PPO would drop (often rare "fork" tokens whose r grew after the first update) it
    stays non-zero, with the weight capped at 1 + ε^IS_high. Token-level mean 1/N
    (``aggregation="token_mean"``, the default), no KL.

    The ε convention differs between implementations; here it is M1's:
      - MiniMax-M1: upper cap 1 + ε^IS_high (``config.is_eps_high``); M1 sets ε^IS_low large,
        i.e. no lower bound, our ``is_eps_low=None``.
      - verl ``cispo``: clip(r, 1 − clip_ratio_low, 1 + clip_ratio_high), the same as M1.
      - TRL (``loss_type="cispo"``) and ScaleRL: an absolute cap, min(r, epsilon_high), with
        recommended ``epsilon_high = 5.0``. TRL's ε_max equals 1 + our ``is_eps_high``; its
        5.0 is ``LossConfig(is_eps_high=4.0)``, our default. (Note that TRL's epsilon_high of
        0.28, as used for DAPO, would mean a cap of 0.28, below 1, in CISPO mode.)

    ``clip_fraction`` and ``dropped_gradient_mass`` report what PPO clipping at
    ``eps_low``/``eps_high`` would have removed from this batch; CISPO itself removes nothing.
    ``is_weight_clip_fraction`` is the share of tokens whose weight r̂ was truncated.
    """
    config = resolve_config("cispo", config)
    batch = _prepare(logp, old_logp, advantages, mask, ref_logp, config)
    floor = None if config.is_eps_low is None else 1.0 - config.is_eps_low
    is_weight = batch.ratio.clamp(min=floor, max=1.0 + config.is_eps_high).detach()
    per_token = _add_kl(-is_weight * batch.advantages * batch.logp, batch, config)
    loss = _aggregate(per_token, batch, config)
    metrics = _metrics(loss, batch, config)
    metrics["is_weight_clip_fraction"] = is_weight_clip_fraction(
        batch.ratio.detach(), batch.mask, config.is_eps_low, config.is_eps_high
    )
    return _output(loss, metrics)
