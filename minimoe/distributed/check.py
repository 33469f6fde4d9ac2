"""``minimoe distributed check``: the distributed layers and one training step against one process.

Every rank builds the same weights and the same global batch from one seed, runs the one-process
reference on the whole batch itself (the models are tiny), runs its distributed share, and
compares its part. The largest differences over the ranks are reported; the check fails above
:data:`TOLERANCE` (float32), or when a dropped-token count differs at all.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from minimoe.config import MiniMoEConfig
from minimoe.distributed.data_parallel import (
    all_reduce_gradients,
    broadcast_parameters,
    group_routed,
    sft_step,
    shard,
)
from minimoe.distributed.expert_parallel import ExpertParallelMoE, all_to_all_bytes
from minimoe.distributed.launch import DEFAULT_TIMEOUT_S, spawn, this_device
from minimoe.model import MiniMoE
from minimoe.moe import MoE
from minimoe.tasks import TOKENIZER, make_dataset
from minimoe.train.optim import make_optimizer
from minimoe.train.sft import encode_sft_batch, sft_loss

TOLERANCE = 1e-5
"""Largest difference accepted, in float32: the two sides add the same numbers in other orders."""

HIDDEN, EXPERT_HIDDEN, NUM_EXPERTS, TOP_K = 16, 32, 8, 2
AUX_WEIGHT = 0.1  # weight of the balancing loss in the check's MoE objective
SFT_BATCH = 8  # divisible by 1, 2, 4 and 8 ranks
SFT_LR, SFT_CLIP = 3e-3, 1.0


def moe_batch(world_size: int, seed: int = 0) -> tuple[list[torch.Tensor], list[torch.Tensor]]:
    """Every rank's tokens and padding masks, different counts per rank.

    Rank r has 12 + 4r tokens of width 16, shifted by a rank-dependent offset so that the
    ranks prefer different experts; every fifth token is padding.

    Returns:
        xs: R tensors (T_r, 16); masks: R tensors (T_r,), 1 for real tokens.
    """
    generator = torch.Generator().manual_seed(seed)
    xs, masks = [], []
    for rank in range(world_size):
        tokens = 12 + 4 * rank
        offset = torch.randn(HIDDEN, generator=generator)
        xs.append(torch.randn(tokens, HIDDEN, generator=generator) + offset)
        masks.append((torch.arange(tokens) % 5 != 4).long())
    return xs, masks


def _compare(mine: torch.Tensor | None, reference: torch.Tensor | None) -> tuple[float, float]:
    """(max |mine − reference|, max |reference|); a missing gradient (None) counts as zeros."""
    if mine is None and reference is None:
        return 0.0, 0.0
    mine = torch.zeros_like(reference) if mine is None else mine.detach().cpu()
    reference = torch.zeros_like(mine) if reference is None else reference.detach().cpu()
    if not mine.numel():
        return 0.0, 0.0
    return (mine - reference).abs().max().item(), reference.abs().max().item()


def _largest(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    return max(p[0] for p in pairs), max(p[1] for p in pairs)


def _group_max(values: dict[str, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """The largest difference and value of each comparison over the ranks."""
    names = list(values)  # the same order on every rank
    t = torch.tensor([values[n] for n in names], dtype=torch.float64, device=this_device())
    dist.all_reduce(t, op=dist.ReduceOp.MAX)
    return {name: tuple(row) for name, row in zip(names, t.tolist())}


def check_moe_layer(capacity_factor: float | None, seed: int = 0) -> dict:
    """Expert-parallel MoE (global router) vs the one-process MoE; call on every rank."""
    rank, world = dist.get_rank(), dist.get_world_size()
    device = this_device()
    xs, masks = moe_batch(world, seed)
    xs, masks = [x.to(device) for x in xs], [m.to(device) for m in masks]
    w = torch.randn(sum(len(x) for x in xs), HIDDEN, generator=torch.Generator().manual_seed(1))
    w = w.to(device)
    rows = range(sum(len(x) for x in xs[:rank]), sum(len(x) for x in xs[: rank + 1]))

    torch.manual_seed(seed)
    reference = MoE(HIDDEN, EXPERT_HIDDEN, NUM_EXPERTS, TOP_K, capacity_factor).to(device)
    x_all = torch.cat(xs).requires_grad_()
    out_all, stats_all = reference(x_all, torch.cat(masks))
    # A training-like objective: a mean over the batch's tokens plus the balancing loss.
    ((out_all * w).sum() / len(x_all) + AUX_WEIGHT * stats_all.aux_loss).backward()

    torch.manual_seed(seed)
    full = MoE(HIDDEN, EXPERT_HIDDEN, NUM_EXPERTS, TOP_K, capacity_factor).to(device)
    layer = ExpertParallelMoE(full)
    x = xs[rank].clone().requires_grad_()
    out, stats = layer(x, masks[rank])
    # The one-process objective is the sum of the ranks' parts; the balancing loss's part is
    # 1/R of this rank's term (the terms average to the group's loss).
    ((out * w[rows]).sum() / len(x_all) + AUX_WEIGHT * stats.aux_loss / world).backward()
    all_reduce_gradients([layer.gate.weight], average=False)  # the router copies' parts add up

    aux = stats.aux_loss.detach().clone()
    dist.all_reduce(aux)
    expert_grads = [
        _compare(p.grad, q.grad)
        for e, mine in zip(layer.owned, layer.experts)
        for p, q in zip(mine.parameters(), reference.experts[e].parameters())
    ]
    diffs = _group_max(
        {
            "output": _compare(out, out_all[rows]),
            "input gradient": _compare(x.grad, x_all.grad[rows]),
            "router gradient": _compare(layer.gate.weight.grad, reference.gate.weight.grad),
            "expert gradients": _largest(expert_grads),
            "balancing loss": _compare(aux / world, stats_all.aux_loss),
        }
    )
    traffic = torch.tensor([layer.traffic.bytes_sent, layer.traffic.bytes_off_rank], device=device)
    dist.all_reduce(traffic)
    served = int(stats_all.tokens_per_expert.sum()) - stats_all.dropped
    return {
        "capacity_factor": capacity_factor,
        "diffs": diffs,
        "dropped": stats.dropped,
        "dropped_one_process": stats_all.dropped,
        "bytes_sent": int(traffic[0]),
        "bytes_off_rank": int(traffic[1]),
        "bytes_formula": all_to_all_bytes(served, HIDDEN, x.element_size()),
    }


def small_task_model(seed: int = 0) -> MiniMoE:
    """The ``tiny`` preset cut to 2 layers ("LS") over the task tokenizer; builds in milliseconds."""
    torch.manual_seed(seed)
    config = MiniMoEConfig.preset(
        "tiny", vocab_size=TOKENIZER.vocab_size, num_layers=2, layer_pattern="LS"
    )
    return MiniMoE(config)


def check_sft_step(seed: int = 0) -> dict:
    """One data-parallel SFT step (group-routed MoE) vs one process; call on every rank."""
    problems = make_dataset("sorting", SFT_BATCH, seed=seed, difficulty=3)
    device = this_device()
    ids, loss_mask = (t.to(device) for t in encode_sft_batch(problems))

    reference = small_task_model(seed).to(device)
    ref_optimizer = make_optimizer(reference, SFT_LR, (0.9, 0.95), 0.01)
    ref_loss, ref_ce = sft_loss(reference, ids, loss_mask)
    ref_loss.backward()
    torch.nn.utils.clip_grad_norm_(reference.parameters(), SFT_CLIP)
    ref_optimizer.step()

    model = small_task_model(seed).to(device)
    optimizer = make_optimizer(model, SFT_LR, (0.9, 0.95), 0.01)
    broadcast_parameters(model)
    with group_routed(model):
        ce, _ = sft_step(model, optimizer, problems, SFT_CLIP)
    grads = [_compare(p.grad, q.grad) for p, q in zip(model.parameters(), reference.parameters())]
    with torch.no_grad():
        after = sft_loss(model, ids, loss_mask)[1]
        ref_after = sft_loss(reference, ids, loss_mask)[1]
    return {
        "diffs": _group_max(
            {
                "loss": _compare(torch.tensor(ce), ref_ce),
                "gradients": _largest(grads),
                "loss after the step": _compare(after, ref_after),
            }
        ),
        "rows_per_rank": len(shard(SFT_BATCH, dist.get_rank(), dist.get_world_size())),
    }


def check_worker(seed: int = 0) -> dict:
    """Everything the check compares, on this rank of a running group."""
    return {
        "world_size": dist.get_world_size(),
        "backend": dist.get_backend(),
        "moe": [check_moe_layer(None, seed), check_moe_layer(1.0, seed)],
        "sft": check_sft_step(seed),
    }


def passed(result: dict) -> bool:
    """True when every difference is within :data:`TOLERANCE` and the drop counts agree."""
    diffs = [d for m in result["moe"] for d, _ in m["diffs"].values()]
    diffs += [d for d, _ in result["sft"]["diffs"].values()]
    drops_agree = all(m["dropped"] == m["dropped_one_process"] for m in result["moe"])
    return drops_agree and max(diffs) <= TOLERANCE


def _row(name: str, diff: float, scale: float) -> str:
    return f"    {name:<22} max |diff| {diff:.1e}   (largest |value| {scale:.1e})"


def report(result: dict) -> str:
    """The check's result as a table."""
    lines = [
        f"minimoe distributed check: {result['world_size']} {result['backend']} processes "
        f"against one process (float32, tolerance {TOLERANCE:.0e})"
    ]
    for m in result["moe"]:
        capacity = (
            "dropless"
            if m["capacity_factor"] is None
            else f"capacity factor {m['capacity_factor']}"
        )
        lines.append(f"  MoE layer, experts spread over the ranks, global router, {capacity}")
        lines += [_row(name, *pair) for name, pair in m["diffs"].items()]
        lines.append(
            f"    {'dropped assignments':<22} {m['dropped']} (one process: {m['dropped_one_process']})"
        )
        lines.append(
            f"    {'all-to-all bytes':<22} {m['bytes_sent']:,} sent, formula {m['bytes_formula']:,}; "
            f"{m['bytes_off_rank']:,} to other ranks"
        )
    lines.append(f"  one SFT step, data parallel, {result['sft']['rows_per_rank']} rows per rank")
    lines += [_row(name, *pair) for name, pair in result["sft"]["diffs"].items()]
    lines.append("passed" if passed(result) else "FAILED: a difference is above the tolerance")
    return "\n".join(lines)


def run_check(world_size: int, seed: int = 0, timeout_s: float = DEFAULT_TIMEOUT_S) -> dict:
    """Spawn ``world_size`` local processes and run the check; rank 0's result."""
    return spawn(check_worker, world_size, seed, timeout_s=timeout_s)[0]


def main(world_size: int | None = None, seed: int = 0) -> int:
    """Run the check and print it; 0 when it passed, 1 otherwise.

    With ``world_size`` it spawns that many local processes. Without, it runs on the process
    group this process already belongs to (under torchrun), and rank 0 prints.
    """
    if world_size is not None:
        result = run_check(world_size, seed)
    else:
        result = check_worker(seed)
        if dist.get_rank():
            return 0 if passed(result) else 1
    print(report(result))
    return 0 if passed(result) else 1
