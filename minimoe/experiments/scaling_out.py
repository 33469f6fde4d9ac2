"""Lesson 13's experiments: expert parallelism, the two routers and data-parallel SFT, measured.

:func:`expert_parallel_demo` and :func:`data_parallel_sft` run on every rank of a group that
:func:`minimoe.distributed.spawn` starts (so they live in a module it can import) and return
plain numbers (JSON) describing what their rank saw. :func:`compare_routers` routes the same
layer in one process, simulating the ranks, for the explorer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.distributed as dist

from minimoe.distributed.check import small_task_model
from minimoe.distributed.data_parallel import train_sft_data_parallel
from minimoe.distributed.expert_parallel import ExpertParallelMoE
from minimoe.distributed.launch import device_and_backend
from minimoe.distributed.router import choice_counts, plan_routing
from minimoe.moe import MoE, route
from minimoe.tasks import make_dataset
from minimoe.train.sft import SFTConfig

HIDDEN, EXPERT_HIDDEN, NUM_EXPERTS, TOP_K = 16, 32, 8, 2


def skewed_tokens(
    world_size: int, tokens_per_rank: int, skew: float, seed: int = 0
) -> list[torch.Tensor]:
    """Every rank's tokens, (tokens_per_rank, 16) each: noise plus ``skew`` × a rank's own offset.

    With a skew above 0 the ranks' tokens differ the way different documents do, so a router
    sends each rank's tokens to different favourite experts.
    """
    generator = torch.Generator().manual_seed(seed)
    offsets = torch.randn(world_size, HIDDEN, generator=generator)
    return [
        torch.randn(tokens_per_rank, HIDDEN, generator=generator) + skew * offsets[rank]
        for rank in range(world_size)
    ]


def expert_parallel_demo(
    tokens_per_rank: int, skew: float, capacity_factors: Sequence[float], seed: int = 0
) -> dict:
    """An MoE layer of 8 experts spread over the ranks, against one process.

    1. A training step (forward and backward, dropless): this rank's largest output
       difference from the one-process layer on the group's batch, and the bytes it sent.
    2. For each capacity factor, a forward pass with each router: the group's dropped
       assignments, and the one-process layer's.
    """
    rank, world = dist.get_rank(), dist.get_world_size()
    xs = skewed_tokens(world, tokens_per_rank, skew, seed)
    x_all = torch.cat(xs)

    def layers(capacity_factor: float | None) -> tuple[MoE, MoE]:
        torch.manual_seed(seed)
        one_process = MoE(HIDDEN, EXPERT_HIDDEN, NUM_EXPERTS, TOP_K, capacity_factor)
        torch.manual_seed(seed)
        return one_process, MoE(HIDDEN, EXPERT_HIDDEN, NUM_EXPERTS, TOP_K, capacity_factor)

    one_process, full = layers(None)
    layer = ExpertParallelMoE(full)
    x = xs[rank].clone().requires_grad_()
    out, _ = layer(x)
    out.square().mean().backward()  # the backward pass sends the gradients back: more bytes
    with torch.no_grad():
        reference = one_process(x_all)[0][rank * tokens_per_rank : (rank + 1) * tokens_per_rank]

    dropped: dict[str, list[int]] = {"global": [], "per_rank": [], "one_process": []}
    with torch.no_grad():
        for factor in capacity_factors:
            one_process, full = layers(factor)
            dropped["one_process"].append(one_process(x_all)[1].dropped)
            for router in ("global", "per_rank"):
                dropped[router].append(ExpertParallelMoE(full, router=router)(xs[rank])[1].dropped)
    return {
        "rank": rank,
        "world_size": world,
        "backend": dist.get_backend(),
        "device": str(device_and_backend()[0]),
        "tokens": tokens_per_rank,
        "experts": list(layer.owned),
        "bytes_to": layer.traffic.bytes_to,
        "exchanges": layer.traffic.exchanges,
        "max_diff": (out.detach() - reference).abs().max().item(),
        "dropped": dropped,
    }


def data_parallel_sft(steps: int, batch_size: int, seed: int = 0) -> list[dict]:
    """SFT of :func:`~minimoe.distributed.check.small_task_model` on sorting, data parallel; every rank returns the history."""
    config = SFTConfig(steps=steps, batch_size=batch_size, warmup=min(30, steps), seed=seed)
    return train_sft_data_parallel(
        small_task_model(seed), sft_problems(seed), config, progress=False
    )


def sft_problems(seed: int = 0) -> list:
    """The training problems of :func:`data_parallel_sft`: 512 sorting problems, difficulty 3."""
    return make_dataset("sorting", 512, seed=seed, difficulty=3)


@dataclass
class RouterComparison:
    """The two routers on one simulated group (lesson 13's explorer).

    Attributes:
        loads: (R, E) assignments each rank's tokens send to each expert, before drops.
        capacity_global: C from the group's tokens; capacity_per_rank: C_r from one rank's.
        dropped_global, dropped_per_rank: the group's dropped assignments under each router.
        assignments: T · k, all of them.
    """

    loads: list[list[int]]
    capacity_global: int
    capacity_per_rank: int
    dropped_global: int
    dropped_per_rank: int
    assignments: int


def compare_routers(
    world_size: int, capacity_factor: float, skew: float, tokens_per_rank: int = 64, seed: int = 0
) -> RouterComparison:
    """Route :func:`skewed_tokens` with the layer of :func:`expert_parallel_demo`, in one process.

    The ranks are simulated: their routing counts are stacked instead of all-gathered, and
    :func:`~minimoe.distributed.router.plan_routing` decides for each as a real rank would, so
    the drop counts are those the spawned processes measure for the same settings.
    """
    torch.manual_seed(seed)
    gate = MoE(HIDDEN, EXPERT_HIDDEN, NUM_EXPERTS, TOP_K).gate
    with torch.no_grad():
        chosen = [
            route(gate(x), TOP_K)[1] for x in skewed_tokens(world_size, tokens_per_rank, skew, seed)
        ]
    all_counts = torch.stack([choice_counts(c, NUM_EXPERTS) for c in chosen])
    plans = {
        router: plan_routing(chosen[0], all_counts, 0, capacity_factor, router)
        for router in ("global", "per_rank")
    }
    return RouterComparison(
        loads=all_counts.sum(dim=1).tolist(),
        capacity_global=plans["global"].capacity,
        capacity_per_rank=plans["per_rank"].capacity,
        dropped_global=plans["global"].dropped,
        dropped_per_rank=plans["per_rank"].dropped,
        assignments=world_size * tokens_per_rank * TOP_K,
    )
