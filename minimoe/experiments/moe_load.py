"""Lesson 03's experiment: how the router's top-k and the balancing-loss weight shape expert load.

:func:`train_moe_layer` trains one :class:`~minimoe.moe.MoE` layer on a small synthetic task in a
second or two and reports how evenly its router spreads the tokens; :func:`plot_expert_load`
draws the result as a bar chart. Lesson 03 calls both, and its explorer
(:func:`minimoe.widgets.moe.moe_load_explorer`) reruns them when a slider moves.

The task: every token belongs to one of ``num_clusters`` clusters (a centre plus noise) and its
target is the token times that cluster's own random matrix. Experts that specialise in clusters
fit it well, so the router has a reason to route by cluster; without a balancing loss it tends
to pile most clusters onto the few experts that happened to learn first.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from minimoe.moe import MoE, expert_capacity, load_cv
from minimoe.train.optim import make_optimizer, optimizer_step


@dataclass(frozen=True)
class ClusterTask:
    """Tokens x = centre_c + noise with targets y = x A_c, for a random cluster c per token.

    Attributes:
        centres: (clusters, hidden) cluster centres.
        maps: (clusters, hidden, hidden) one random matrix A_c per cluster.
    """

    centres: torch.Tensor
    maps: torch.Tensor

    @classmethod
    def random(cls, num_clusters: int, hidden: int, generator: torch.Generator) -> ClusterTask:
        """Centres of norm about 2·sqrt(hidden), maps with entries of variance 1/hidden."""
        centres = 2.0 * torch.randn(num_clusters, hidden, generator=generator)
        maps = torch.randn(num_clusters, hidden, hidden, generator=generator) / math.sqrt(hidden)
        return cls(centres, maps)

    def sample(
        self, num_tokens: int, generator: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """x (num_tokens, hidden) and y (num_tokens, hidden)."""
        cluster = torch.randint(self.centres.shape[0], (num_tokens,), generator=generator)
        x = self.centres[cluster] + 0.3 * torch.randn(
            num_tokens, self.centres.shape[1], generator=generator
        )
        return x, torch.einsum("th,thk->tk", x, self.maps[cluster])


@dataclass
class ExpertLoad:
    """How one trained MoE layer spreads its tokens.

    Attributes:
        top_k: experts per token k.
        aux_weight: weight of the balancing loss in the training objective.
        token_share: (num_experts,) share of all routed assignments that each expert received on
            held-out tokens; sums to 1 (a balanced router gives 1/E each).
        cv: coefficient of variation of ``token_share`` (std / mean): 0 for a perfectly even
            load, at most :func:`max_load_cv` = sqrt(E/k − 1), when k experts take everything.
        dropped_share: share of assignments that a capacity factor of ``capacity_factor`` would
            drop with this load.
        capacity_factor: the factor used for ``dropped_share``.
        task_loss: mean-squared error per training step.
        balance_loss: unweighted balancing loss L_aux per training step.
        cv_history: CV of the load of each training batch, per step.
        layer: the trained layer (dropless).
        task: the task it was trained on, to draw more tokens from.
    """

    top_k: int
    aux_weight: float
    token_share: list[float]
    cv: float
    dropped_share: float
    capacity_factor: float
    task_loss: list[float]
    balance_loss: list[float]
    cv_history: list[float]
    layer: MoE
    task: ClusterTask


def dropped_assignments(counts: torch.Tensor, top_k: int, capacity_factor: float) -> int:
    """Assignments a capacity limit would drop: Σ_i max(0, count_i − C).

    Args:
        counts: (num_experts,) assignments routed to each expert (all tokens' k choices).
        top_k: k, so that tokens = counts.sum() / k.
        capacity_factor: C = ceil(capacity_factor · tokens · k / E).
    """
    num_tokens = int(counts.sum().item()) // top_k
    capacity = expert_capacity(num_tokens, top_k, counts.numel(), capacity_factor)
    return int((counts - capacity).clamp(min=0).sum().item())


def train_moe_layer(
    top_k: int = 2,
    aux_weight: float = 0.0,
    *,
    num_experts: int = 16,
    hidden: int = 16,
    expert_hidden: int = 32,
    num_clusters: int = 16,
    steps: int = 150,
    tokens: int = 256,
    lr: float = 3e-2,
    capacity_factor: float = 1.25,
    seed: int = 0,
) -> ExpertLoad:
    """Train one MoE layer on a :class:`ClusterTask` and measure how evenly it routes.

    The loss is MSE(moe(x), y) + aux_weight · L_aux, with L_aux the Switch/GShard balancing loss of
    :func:`minimoe.moe.load_balancing_loss`. The same seed gives the same task, the same initial
    weights and the same batches whatever ``top_k`` and ``aux_weight`` are, so runs differ only
    in those two settings.

    Returns:
        :class:`ExpertLoad`, measured on 2048 held-out tokens.
    """
    if not 1 <= top_k <= num_experts:
        raise ValueError(f"top_k={top_k} must be between 1 and num_experts={num_experts}")
    if aux_weight < 0:
        raise ValueError(f"aux_weight must be >= 0, got {aux_weight}")
    if steps < 1 or tokens < 1:
        raise ValueError(f"steps and tokens must be positive, got {steps} and {tokens}")
    g = torch.Generator().manual_seed(seed)
    task = ClusterTask.random(num_clusters, hidden, g)
    torch.manual_seed(seed)
    layer = MoE(hidden, expert_hidden, num_experts, top_k)
    # Adam without weight decay or clipping: the task is small and the run short.
    optimizer = make_optimizer(layer, lr, betas=(0.9, 0.999), weight_decay=0.0)

    task_loss, balance_loss, cv_history = [], [], []
    for _ in range(steps):
        x, y = task.sample(tokens, g)
        out, stats = layer(x)
        loss = F.mse_loss(out, y)
        optimizer_step(layer, optimizer, loss + aux_weight * stats.aux_loss, grad_clip=None)
        task_loss.append(loss.item())
        balance_loss.append(stats.aux_loss.item())
        cv_history.append(load_cv(stats.tokens_per_expert))

    with torch.no_grad():
        x, _ = task.sample(2048, g)
        _, stats = layer(x)
    counts = stats.tokens_per_expert
    return ExpertLoad(
        top_k=top_k,
        aux_weight=aux_weight,
        token_share=(counts.double() / counts.sum()).tolist(),
        cv=load_cv(counts),
        dropped_share=dropped_assignments(counts, top_k, capacity_factor) / counts.sum().item(),
        capacity_factor=capacity_factor,
        task_loss=task_loss,
        balance_loss=balance_loss,
        cv_history=cv_history,
        layer=layer,
        task=task,
    )


def plot_expert_load(load: ExpertLoad, ax=None):
    """Bar chart of each expert's token share, with the even share 1/E as a dashed line."""
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3))
    num_experts = len(load.token_share)
    ax.bar(range(num_experts), [100 * s for s in load.token_share], color="tab:blue")
    ax.axhline(100 / num_experts, color="gray", linestyle="--", label="even share 1/E")
    ax.set_xticks(range(num_experts))
    ax.set_xlabel("expert")
    ax.set_ylabel("share of routed tokens (%)")
    ax.set_title(
        f"top-{load.top_k}, balancing weight {load.aux_weight:g}\nCV {load.cv:.2f}, "
        f"{100 * load.dropped_share:.0f}% dropped at capacity factor {load.capacity_factor:g}"
    )
    ax.legend(loc="upper right")
    return ax
