"""minimoe.distributed: the routing rules in one process, then real gloo processes.

The spawned tests (marked slow) start 2 or 4 processes on a 2-core machine, each with one
thread; each takes a few seconds, most of it starting Python and importing torch in every
process.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import torch
import torch.distributed as dist

from minimoe.attention.lightning import lightning_attention_blockwise, lightning_slopes
from minimoe.checkpoint import load_checkpoint
from minimoe.distributed import (
    DistributedRunError,
    all_to_all_bytes,
    global_queue_position,
    owned_experts,
    plan_routing,
    spawn,
)
from minimoe.distributed.check import TOLERANCE, passed, report, run_check, small_task_model
from minimoe.distributed.data_parallel import (
    all_reduce_gradients,
    broadcast_parameters,
    rank_and_world,
    rl_step,
    shard,
)
from minimoe.distributed.router import balancing_loss_term, choice_counts
from minimoe.distributed.sequence_parallel import incoming_states, lightning_attention_in_chunks
from minimoe.moe import MoE, load_balancing_loss, route
from minimoe.recipes import SHIPPED
from minimoe.rl.trainer import RLConfig
from minimoe.tasks import make_dataset
from minimoe.train.evaluate import max_completion_tokens
from minimoe.train.optim import make_optimizer
from minimoe.train.sft import SFTConfig, train_sft

# ---------------------------------------------------------------- the rules, in one process


def _split_routing(num_experts=8, top_k=2, sizes=(7, 0, 12, 5), seed=0):
    """One batch's routing cut into ranks of the given sizes: per rank (expert_idx, probs)."""
    generator = torch.Generator().manual_seed(seed)
    logits = torch.randn(sum(sizes), num_experts, generator=generator)
    logits[:, 0] += 1.5  # an overloaded expert, so that capacity matters
    _, expert_idx, probs = route(logits, top_k)
    return expert_idx, probs, list(torch.split(expert_idx, sizes)), list(torch.split(probs, sizes))


@pytest.mark.parametrize("capacity_factor", [0.5, 1.0, 1.25])
@pytest.mark.parametrize("sizes", [(7, 0, 12, 5), (10, 10), (3,)])
def test_global_router_keeps_what_one_process_keeps(capacity_factor, sizes):
    expert_idx, _, per_rank, _ = _split_routing(sizes=sizes)
    moe = MoE(4, 4, 8, 2, capacity_factor)
    # The one-process rule, from MoE's own code path: choice-major queue, capacity from T.
    from minimoe.moe import expert_capacity, queue_position

    capacity = expert_capacity(len(expert_idx), 2, 8, capacity_factor)
    one_process = (queue_position(expert_idx.t().reshape(-1), 8) < capacity).view(2, -1)
    all_counts = torch.stack([choice_counts(e, 8) for e in per_rank])
    start, dropped = 0, None
    for rank, local in enumerate(per_rank):
        plan = plan_routing(local, all_counts, rank, moe.capacity_factor, "global")
        assert plan.capacity == capacity
        mine = one_process[:, start : start + len(local)].reshape(-1)
        assert torch.equal(plan.keep, mine), f"rank {rank} keeps other assignments"
        start += len(local)
        dropped = plan.dropped
    assert dropped == int((~one_process).sum())


def test_global_queue_position_counts_earlier_ranks_and_choices():
    # rank 0: tokens choosing (e0, e1), (e0, e1); rank 1: (e0, e1). Experts 0 and 1 only.
    expert_idx = [torch.tensor([[0, 1], [0, 1]]), torch.tensor([[0, 1]])]
    counts = torch.stack([choice_counts(e, 2) for e in expert_idx])
    # First choices go first across the group (rank 0's two, then rank 1's), then second ones.
    assert global_queue_position(expert_idx[0], counts, 0).tolist() == [0, 1, 0, 1]
    assert global_queue_position(expert_idx[1], counts, 1).tolist() == [2, 2]


def test_per_rank_router_is_each_rank_alone_and_drops_more():
    _, _, per_rank, _ = _split_routing(sizes=(12, 12, 12, 12))
    all_counts = torch.stack([choice_counts(e, 8) for e in per_rank])
    from minimoe.moe import expert_capacity, queue_position

    for rank, local in enumerate(per_rank):
        plan = plan_routing(local, all_counts, rank, 1.0, "per_rank")
        alone = queue_position(local.t().reshape(-1), 8) < expert_capacity(12, 2, 8, 1.0)
        assert torch.equal(plan.keep, alone)
    per_rank_drops = plan_routing(per_rank[0], all_counts, 0, 1.0, "per_rank").dropped
    global_drops = plan_routing(per_rank[0], all_counts, 0, 1.0, "global").dropped
    assert per_rank_drops >= global_drops > 0


def test_balancing_terms_average_to_the_one_process_loss_and_gradient():
    expert_idx, probs, per_rank_idx, _ = _split_routing(sizes=(9, 4, 11))
    probs = probs.detach().requires_grad_()
    one_process = load_balancing_loss(probs, expert_idx, 8)
    (want,) = torch.autograd.grad(one_process, probs)
    all_counts = torch.stack([choice_counts(e, 8) for e in per_rank_idx])
    pieces, start = [], 0
    for rank, local in enumerate(per_rank_idx):
        plan = plan_routing(local, all_counts, rank, None, "global")
        rows = probs[start : start + len(local)]
        pieces.append(balancing_loss_term(rows, local, plan, world_size=3))
        start += len(local)
    group_loss = torch.stack(pieces).mean()
    torch.testing.assert_close(group_loss, one_process)
    torch.testing.assert_close(torch.autograd.grad(group_loss, probs)[0], want)


def test_all_to_all_bytes_and_expert_ownership():
    assert all_to_all_bytes(10, 16, 4) == 4 * 10 * 16 * 4
    assert all_to_all_bytes(10, 16, 2, training=False) == 2 * 10 * 16 * 2
    assert list(owned_experts(1, 4, 8)) == [2, 3]
    with pytest.raises(ValueError, match="multiple of the world size"):
        owned_experts(0, 3, 8)
    with pytest.raises(ValueError, match="evenly"):
        shard(10, 0, 4)
    assert rank_and_world() == (0, 1)
    with pytest.raises(ValueError, match="router must be one of"):
        plan_routing(torch.zeros(1, 1, dtype=torch.long), torch.ones(1, 1, 1), 0, 1.0, "local")


@pytest.mark.parametrize("lengths", [[40], [13, 27], [5, 1, 17, 17], [10, 10, 10, 10]])
def test_lightning_attention_in_chunks_equals_one_pass(lengths):
    g = torch.Generator().manual_seed(0)
    q, k, v = (0.5 * torch.randn(2, 3, 40, 8, generator=g, dtype=torch.float64) for _ in range(3))
    slopes = lightning_slopes(3, 1, 4).double()
    whole, _ = lightning_attention_blockwise(q, k, v, slopes, 8)
    torch.testing.assert_close(lightning_attention_in_chunks(q, k, v, slopes, lengths, 8), whole)


def test_chunk_arguments_are_checked():
    x = torch.zeros(1, 1, 4, 2)
    with pytest.raises(ValueError, match="sum to 4"):
        lightning_attention_in_chunks(x, x, x, torch.ones(1), [2, 3])
    with pytest.raises(ValueError, match="2 local states but 3"):
        incoming_states([torch.zeros(1, 1, 2, 2)] * 2, torch.ones(1), [1, 2, 3])


def test_spawn_refuses_a_function_defined_in_a_notebook(monkeypatch):
    def cell_function():
        return 1

    cell_function.__module__ = "__main__"
    monkeypatch.delattr(sys.modules["__main__"], "__file__", raising=False)
    with pytest.raises(ValueError, match="Put it in a module"):
        spawn(cell_function, 2)


# ---------------------------------------------------------------- real processes


@pytest.mark.slow
@pytest.mark.parametrize("world_size", [2, 4])
def test_check_matches_one_process(world_size):
    result = run_check(world_size)
    assert passed(result), report(result)
    for layer in result["moe"]:
        assert all(diff <= TOLERANCE for diff, _ in layer["diffs"].values()), report(result)
        assert layer["dropped"] == layer["dropped_one_process"]
        assert layer["bytes_sent"] == layer["bytes_formula"]
    assert result["moe"][1]["dropped"] > 0, "the capacity case should drop something"


@pytest.mark.slow
def test_cli_check_prints_and_exits_zero():
    done = subprocess.run(
        [sys.executable, "-m", "minimoe.cli", "distributed", "check", "--world-size", "2"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "passed" in done.stdout and "max |diff|" in done.stdout


@pytest.mark.slow
def test_torchrun_runs_the_check():
    torchrun = os.path.join(os.path.dirname(sys.executable), "torchrun")
    done = subprocess.run(
        [torchrun, "--nproc-per-node", "2", "-m", "minimoe.distributed", "check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 gloo processes" in done.stdout and "passed" in done.stdout


def _sft_worker(steps: int, batch_size: int) -> list[dict]:
    from minimoe.distributed.data_parallel import train_sft_data_parallel

    config = SFTConfig(steps=steps, batch_size=batch_size, warmup=2, eval_every=0)
    problems = make_dataset("sorting", 64, seed=0, difficulty=3)
    return train_sft_data_parallel(small_task_model(0), problems, config, progress=False)


@pytest.mark.slow
def test_data_parallel_sft_gives_the_losses_of_train_sft():
    steps, batch_size = 3, 8
    ranks = spawn(_sft_worker, 2, steps, batch_size)
    config = SFTConfig(steps=steps, batch_size=batch_size, warmup=2, eval_every=0)
    problems = make_dataset("sorting", 64, seed=0, difficulty=3)
    alone = train_sft(small_task_model(0), problems, config, progress=False)
    # float32, the same sums in a different order (per-rank partial sums, then across ranks):
    # differences of a few 1e-7 on losses near 3; 1e-5 leaves room for other CPUs.
    for rank in ranks:
        for mine, want in zip(rank, alone):
            assert mine["lr"] == want["lr"]
            assert abs(mine["loss"] - want["loss"]) <= 1e-5, (mine, want)
            assert abs(mine["grad_norm"] - want["grad_norm"]) <= 1e-5, (mine, want)


def _rl_worker(num_shards: int) -> list[dict]:
    model = load_checkpoint(SHIPPED / "sorting-sft.safetensors").model
    if rank_and_world()[1] > 1:
        broadcast_parameters(model)
    config = RLConfig(prompts_per_step=4, group_size=4, updates_per_batch=2)
    optimizer = make_optimizer(model, config.lr, config.betas, config.weight_decay)
    problems = make_dataset("sorting", 8, seed=0, difficulty=10)
    budget = max_completion_tokens(problems)
    return [
        rl_step(
            model,
            optimizer,
            problems[4 * step : 4 * step + 4],
            config,
            max_new_tokens=budget,
            seed=0,
            step=step,
            num_shards=num_shards,
        )
        for step in range(1)
    ]


@pytest.mark.slow
def test_data_parallel_rl_gives_the_losses_of_one_process_playing_every_shard():
    ranks = spawn(_rl_worker, 2, 2)
    alone = _rl_worker(2)
    assert any(loss != 0 for record in alone for loss in record["losses"])
    # The same rollouts (each shard's generator), the same per-token log-probabilities, the
    # gradient summed from two parts: equal to float32 rounding (in our runs, bit for bit).
    for rank in ranks:
        for mine, want in zip(rank, alone):
            assert mine["reward"] == want["reward"]
            assert mine["losses"] == pytest.approx(want["losses"], abs=1e-6)


def _gradient_worker() -> dict:
    rank = dist.get_rank()
    used_by_one, used_by_none, used_by_all = (torch.nn.Parameter(torch.zeros(2)) for _ in range(3))
    if rank == 0:
        used_by_one.grad = torch.tensor([2.0, 4.0])
    used_by_all.grad = torch.full((2,), float(rank + 1))
    all_reduce_gradients([used_by_one, used_by_none, used_by_all])
    return {
        "one": used_by_one.grad.tolist(),
        "none": used_by_none.grad is None,
        "all": used_by_all.grad.tolist(),
    }


@pytest.mark.slow
def test_all_reduce_gradients_averages_and_keeps_unused_parameters_without_gradient():
    for result in spawn(_gradient_worker, 2):
        assert result == {"one": [1.0, 2.0], "none": True, "all": [1.5, 1.5]}


# ---------------------------------------------------------------- failing ranks


def _raises_on_rank_one() -> int:
    if dist.get_rank() == 1:
        raise ValueError("rank one cannot go on")
    dist.barrier()
    return 0


def _exits_on_rank_one() -> int:
    if dist.get_rank() == 1:
        os._exit(3)
    dist.barrier()
    return 0


def _rank_one_never_arrives() -> int:
    if dist.get_rank() == 1:
        time.sleep(60)
    dist.all_reduce(torch.ones(1))
    return 0


@pytest.mark.slow
def test_a_rank_that_raises_fails_the_run_naming_it():
    with pytest.raises(DistributedRunError, match=r"rank 1 of 2 failed: ValueError: rank one"):
        spawn(_raises_on_rank_one, 2, timeout_s=10)


@pytest.mark.slow
def test_a_rank_that_exits_fails_the_run_naming_it():
    with pytest.raises(DistributedRunError, match=r"rank 1 of 2 exited early \(exit code 3\)"):
        spawn(_exits_on_rank_one, 2, timeout_s=10)


@pytest.mark.slow
def test_a_missing_rank_times_out_instead_of_hanging():
    start = time.perf_counter()
    with pytest.raises(DistributedRunError, match="rank 0 of 2 failed"):
        spawn(_rank_one_never_arrives, 2, timeout_s=3)
    assert time.perf_counter() - start < 30
