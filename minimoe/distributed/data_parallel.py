"""Data parallelism: every rank holds the whole model and trains on its share of each batch.

One process training on a batch of B examples and R processes training on B/R each must
agree. So each rank's backward pass gives its exact part of the one-process gradient, and
:func:`all_reduce_gradients` averages the ranks' gradients after the backward pass (the sum
divided by R, as ``DistributedDataParallel`` does; why not DDP itself is said there):

* **SFT** (:func:`sft_step`). The loss is a mean over the batch's N target tokens. Rank r's n_r
  tokens carry the share (n_r / N) of it, so it backpropagates R · (n_r / N) × its own mean
  (the average's division by R undoes the R). The MoE layers see the group
  (:class:`~minimoe.distributed.expert_parallel.GroupRoutedMoE`, via :func:`group_routed`), so the
  balancing loss, and any capacity limit, are those of the whole batch. Every rank encodes the
  whole batch and keeps its rows, so its padding is what one process would have.
* **RL** (:func:`rl_step`). Each rank samples its share of the rollouts: whole groups, so the
  group-relative advantages are computed as before. How the policy loss averages (over tokens,
  over sequences, by a constant) depends on the loss, so instead of rescaling, the ranks gather
  the per-token log-probabilities (one number per token) and every rank computes the loss of
  the whole batch. The gather's backward pass sums each row's gradient over the ranks (R equal
  copies), and the average over the ranks brings it back to the one-process gradient.

Rollouts are sampled in ``num_shards`` pieces, each with its own seeded generator. The samples
then depend on the shards, not on how many processes share them: one process that plays every
shard gets the same completions, rewards and losses as R processes (the tests check this).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from minimoe.distributed.expert_parallel import GroupRoutedMoE
from minimoe.distributed.router import Router
from minimoe.model import MiniMoE
from minimoe.rl.losses import get_policy_loss
from minimoe.rl.rollout import token_logprobs
from minimoe.rl.trainer import RLConfig, make_policy_batch, rl_learning_rate, sample_rollout
from minimoe.tasks import Problem
from minimoe.train.optim import make_optimizer, optimizer_step, set_lr
from minimoe.train.sft import SFTConfig, encode_sft_batch, sft_batch, sft_loss


def rank_and_world(group: dist.ProcessGroup | None = None) -> tuple[int, int]:
    """(rank, world size) in ``group``; (0, 1) when no process group is running."""
    if not dist.is_initialized():
        return 0, 1
    return dist.get_rank(group), dist.get_world_size(group)


def shard(count: int, rank: int, world_size: int) -> range:
    """This rank's contiguous block of ``count`` items (rows, prompts, shards)."""
    if count % world_size:
        raise ValueError(
            f"{count} items cannot be split evenly over {world_size} ranks: choose a multiple"
        )
    size = count // world_size
    return range(rank * size, (rank + 1) * size)


def broadcast_parameters(model: nn.Module, group: dist.ProcessGroup | None = None) -> None:
    """Copy rank 0's weights and buffers to every rank, so that all replicas start equal."""
    for tensor in [*model.parameters(), *model.buffers()]:
        dist.broadcast(tensor.data, src=dist.get_global_rank(group, 0) if group else 0, group=group)


def all_reduce_gradients(
    parameters: Iterable[nn.Parameter],
    group: dist.ProcessGroup | None = None,
    *,
    average: bool = True,
) -> None:
    """Sum the ranks' gradients (and divide by the world size when ``average``), in one call.

    A parameter that no rank gave a gradient keeps none (``grad`` None), as in one process, so
    AdamW skips it the same way; one that only some ranks used gets zeros from the others.

    Why not ``DistributedDataParallel``: DDP all-reduces during the backward pass, bucket by
    bucket, and waits for every parameter's gradient. Which experts receive tokens changes from
    batch to batch and from rank to rank, so some experts get no gradient on some ranks; DDP
    allows for that only by searching the autograd graph for unused parameters on every step
    (``find_unused_parameters=True``). An all-reduce after the backward pass, with a count of
    who used what, needs no search and reads in a few lines.
    """
    params = [p for p in parameters if p.requires_grad]
    if not params:
        return
    world = dist.get_world_size(group)
    used = torch.tensor([p.grad is not None for p in params], device=params[0].device).long()
    dist.all_reduce(used, group=group)
    params = [p for p, count in zip(params, used.tolist()) if count]
    flat = torch.cat(
        [(p.grad if p.grad is not None else torch.zeros_like(p)).reshape(-1) for p in params]
    )
    dist.all_reduce(flat, group=group)
    if average:
        flat /= world
    for p, grad in zip(params, torch.split(flat, [p.numel() for p in params])):
        p.grad = grad.view_as(p).clone()


@contextmanager
def group_routed(
    model: MiniMoE, group: dist.ProcessGroup | None = None, router: Router = "global"
) -> Iterator[MiniMoE]:
    """Within the block, every MoE layer of ``model`` routes with the group's counts.

    The layers are swapped for :class:`GroupRoutedMoE` views of the same weights and swapped
    back at the end, so the model works alone again (for generation, say) afterwards.
    """
    originals = [layer.mlp for layer in model.layers]
    for layer in model.layers:
        layer.mlp = GroupRoutedMoE(layer.mlp, group, router)
    try:
        yield model
    finally:
        for layer, moe in zip(model.layers, originals):
            layer.mlp = moe


def sft_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    problems: Sequence[Problem],
    grad_clip: float,
    group: dist.ProcessGroup | None = None,
) -> tuple[float, float]:
    """One SFT step on the global batch ``problems``, this rank training on its rows.

    ``model``'s MoE layers must be group-routed (:func:`group_routed`), and every rank's
    replica equal (:func:`broadcast_parameters`). Returns the batch's target cross-entropy and
    the gradient norm before clipping, as one process would report them.
    """
    rank, world = rank_and_world(group)
    ids, loss_mask = encode_sft_batch(problems)
    rows = shard(len(problems), rank, world)
    device = next(model.parameters()).device
    ids, local_mask = ids[rows].to(device), loss_mask[rows].to(device)
    loss, ce = sft_loss(model, ids, local_mask)
    share = local_mask.sum() / loss_mask.sum()  # n_r / N
    # loss = ce + aux: scale the cross-entropy by R · n_r / N and leave the balancing term, which
    # GroupRoutedMoE already returns in the form whose mean over the ranks is the group's.
    objective = loss + (world * share - 1) * ce
    grad_norm = optimizer_step(
        model, optimizer, objective, grad_clip, sync_gradients=_averager(model, group)
    )
    batch_ce = (ce.detach() * share).reshape(1)
    if world > 1:
        dist.all_reduce(batch_ce, group=group)
    return batch_ce.item(), grad_norm


def _averager(model: nn.Module, group: dist.ProcessGroup | None):
    """What :func:`~minimoe.train.optim.optimizer_step` calls after the backward pass."""
    if rank_and_world(group)[1] == 1:
        return None
    return lambda: all_reduce_gradients(model.parameters(), group)


def train_sft_data_parallel(
    model: MiniMoE,
    train_problems: Sequence[Problem],
    config: SFTConfig | None = None,
    *,
    group: dist.ProcessGroup | None = None,
    progress: bool = True,
) -> list[dict]:
    """:func:`minimoe.train.sft.train_sft` on R ranks: same batches, same learning rates.

    Call it on every rank with the same arguments (and an identically built model); each rank
    trains on its rows of every batch. Returns one record per step, ``step``, ``loss``, ``lr``
    and ``grad_norm``, equal to the one-process run's (up to the order of floating-point sums).
    Evaluation and checkpoints are left to the caller (on rank 0).
    """
    config = config or SFTConfig()
    rank, world = rank_and_world(group)
    model.train()
    optimizer = make_optimizer(model, config.lr, config.betas, config.weight_decay)
    history = []
    if world > 1:
        broadcast_parameters(model, group)
    with group_routed(model, group):
        for step in tqdm(
            range(config.steps), desc="SFT (data parallel)", disable=not progress or rank
        ):
            lr = config.lr_at(step)
            set_lr(optimizer, lr)
            problems = sft_batch(train_problems, config.batch_size, config.seed, step)
            loss, grad_norm = sft_step(model, optimizer, problems, config.grad_clip, group)
            history.append({"step": step + 1, "loss": loss, "lr": lr, "grad_norm": grad_norm})
    return history


def rollout_seed(seed: int, step: int, shard_index: int) -> int:
    """The seed of rollout shard ``shard_index`` at ``step``: distinct for every pair."""
    return (seed * 1_000_003 + step) * 10_007 + shard_index


def _all_gather_rows(local: torch.Tensor, group: dist.ProcessGroup | None) -> torch.Tensor:
    gathered = [torch.empty_like(local) for _ in range(dist.get_world_size(group))]
    dist.all_gather(gathered, local.contiguous(), group=group)
    return torch.cat(gathered)


class _GatherRows(torch.autograd.Function):
    """All-gather along rows. Backward: each rank's loss may use every row, so a row's gradient
    is the sum over the ranks of theirs (an all-reduce), of which this rank keeps its own rows."""

    @staticmethod
    def forward(ctx, local, group):
        ctx.group, ctx.rows = group, local.shape[0]
        return _all_gather_rows(local, group)

    @staticmethod
    def backward(ctx, grad):
        grad = grad.contiguous()
        dist.all_reduce(grad, group=ctx.group)
        start = dist.get_rank(ctx.group) * ctx.rows
        return grad[start : start + ctx.rows], None


def _gather_rows(local: torch.Tensor, group: dist.ProcessGroup | None) -> torch.Tensor:
    """Every rank's rows (equal counts), in rank order; differentiable."""
    if rank_and_world(group)[1] == 1:
        return local
    if local.requires_grad:
        return _GatherRows.apply(local, group)
    return _all_gather_rows(local, group)


def _pad_columns(x: torch.Tensor, width: int) -> torch.Tensor:
    return F.pad(x, (0, width - x.shape[1]))


def rl_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    problems: Sequence[Problem],
    config: RLConfig,
    *,
    max_new_tokens: int,
    seed: int,
    step: int,
    num_shards: int | None = None,
    group: dist.ProcessGroup | None = None,
) -> dict:
    """One RL step (rollouts, advantages, ``updates_per_batch`` updates), this rank's share.

    ``problems`` is the step's global list of prompts, the same on every rank. It is cut into
    ``num_shards`` (default: the world size) equal pieces; this rank samples
    ``group_size`` completions per prompt for its pieces, each with the generator of
    :func:`rollout_seed`. Every rank's replica of ``model`` must be equal
    (:func:`broadcast_parameters`). ``step`` (0-based) also places the updates on the trainer's
    learning-rate warm-up (:func:`~minimoe.rl.trainer.rl_learning_rate`). No reference model is
    kept here, so the loss may have no KL penalty.

    Returns ``losses`` (one per update, the whole batch's), ``reward`` and ``response_length``
    (means over the whole batch).
    """
    rank, world = rank_and_world(group)
    num_shards = num_shards or world
    loss_config = config.resolved_loss_config(max_new_tokens)
    if loss_config.kl_coef > 0:
        raise ValueError(
            f"data-parallel rl_step keeps no reference model; set kl_coef=0 "
            f"(got {loss_config.kl_coef}) or train with minimoe.rl.trainer.train_rl"
        )
    if len(problems) % num_shards:
        raise ValueError(
            f"{len(problems)} prompts cannot be cut into {num_shards} equal rollout shards"
        )
    per_shard = len(problems) // num_shards
    device = next(model.parameters()).device
    rollouts = [
        sample_rollout(
            model,
            problems[s * per_shard : (s + 1) * per_shard],
            config,
            max_new_tokens=max_new_tokens,
            generator=torch.Generator().manual_seed(rollout_seed(seed, step, s)),
        )
        for s in shard(num_shards, rank, world)
    ]
    # Every rank pads its per-token tensors to the widest rollout of the step, so they stack.
    width = torch.tensor([max(r.ids.shape[1] - 1 for r in rollouts)], device=device)
    if world > 1:
        dist.all_reduce(width, op=dist.ReduceOp.MAX, group=group)
    width = int(width)

    def per_token(values: list[torch.Tensor]) -> torch.Tensor:
        return torch.cat([_pad_columns(v.to(device), width) for v in values])

    def batch_logprobs() -> torch.Tensor:
        logps = [
            token_logprobs(
                model, r.ids.to(device), r.attention_mask.to(device), temperature=r.temperature
            )[0]
            for r in rollouts
        ]
        return _gather_rows(per_token(logps), group)

    # Advantages per group and log π_θold per token, shard by shard as one process would.
    batches = [make_policy_batch(model, r, config) for r in rollouts]
    rewards = _gather_rows(torch.cat([r.rewards for r in rollouts]).to(device), group)
    advantages = _gather_rows(torch.cat([b.advantages for b in batches]).to(device), group)
    old_logp = _gather_rows(per_token([b.old_logp for b in batches]), group)
    mask = _gather_rows(per_token([r.response_mask for r in rollouts]), group)
    loss_fn = get_policy_loss(config.loss)
    losses = []
    for update in range(config.updates_per_batch):
        set_lr(optimizer, rl_learning_rate(config, step * config.updates_per_batch + update))
        out = loss_fn(batch_logprobs(), old_logp, advantages, mask, config=loss_config)
        optimizer_step(
            model, optimizer, out.loss, config.grad_clip, sync_gradients=_averager(model, group)
        )
        losses.append(out.loss.item())
    return {
        "losses": losses,
        "reward": rewards.float().mean().item(),
        "response_length": mask.sum(dim=1).mean().item(),
    }
