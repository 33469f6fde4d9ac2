"""``python -m minimoe.distributed``: the check, and a data-parallel SFT run, on several processes.

Under torchrun, which starts the processes and sets their ranks::

    torchrun --nproc-per-node 2 -m minimoe.distributed check
    torchrun --nproc-per-node 2 -m minimoe.distributed sft --steps 20

Alone, spawning the processes itself (``--world-size``, default 2)::

    python -m minimoe.distributed check --world-size 4
"""

from __future__ import annotations

import argparse
import sys

import torch.distributed as dist

from minimoe.distributed import check
from minimoe.distributed.launch import init_process_group, launched_by_torchrun, spawn
from minimoe.experiments.scaling_out import data_parallel_sft


def _print_history(history: list[dict], world_size: int) -> None:
    print(f"data-parallel SFT on {world_size} processes")
    for record in history:
        print(f"  step {record['step']:>4}  loss {record['loss']:.4f}  lr {record['lr']:.2e}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m minimoe.distributed", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("check", help="distributed results against one process")
    p.add_argument("--world-size", type=int, default=2, help="processes to spawn (not torchrun)")
    p = sub.add_parser("sft", help="a short data-parallel SFT run; prints the losses")
    p.add_argument("--world-size", type=int, default=2, help="processes to spawn (not torchrun)")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch-size", type=int, default=16, help="the global batch")
    p.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    if not launched_by_torchrun():
        if args.command == "check":
            return check.main(args.world_size)
        history = spawn(data_parallel_sft, args.world_size, args.steps, args.batch_size, args.seed)[
            0
        ]
        _print_history(history, args.world_size)
        return 0

    init_process_group()
    try:
        if args.command == "check":
            return check.main()
        history = data_parallel_sft(args.steps, args.batch_size, args.seed)
        if dist.get_rank() == 0:
            _print_history(history, dist.get_world_size())
        return 0
    finally:
        dist.destroy_process_group()


if __name__ == "__main__":
    sys.exit(main())
