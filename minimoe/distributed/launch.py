"""Starting a group of processes: one device choice, one process-group setup, two launchers.

* ``torchrun --nproc-per-node 2 -m minimoe.distributed check`` starts the processes itself and
  tells each its rank in the environment (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ...);
  :func:`init_process_group` reads it from there.
* :func:`spawn` starts them from Python, a script or a Jupyter kernel, with
  ``torch.multiprocessing``. Each process is a fresh interpreter that imports the work function
  by name, so it must live in a module (like the ones in :mod:`minimoe.distributed`), not in a
  notebook cell.

Every process group has a timeout: a rank that waits in a collective for a peer that crashed,
exited or never arrives fails after ``timeout_s`` seconds instead of hanging, and :func:`spawn`
turns the first failing rank into one :class:`DistributedRunError` that names it.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp

DEFAULT_TIMEOUT_S = 60.0
"""How long a rank waits in a collective (or at start-up) for the others before failing."""


class DistributedRunError(RuntimeError):
    """A rank of a :func:`spawn` run raised, exited early or timed out."""


def device_and_backend(local_rank: int = 0) -> tuple[torch.device, str]:
    """The one place minimoe chooses: CUDA with NCCL when GPUs are present, else CPU with gloo.

    Rank ``local_rank`` of a machine gets GPU ``local_rank``. (The CUDA branch is kept minimal:
    the test machines have no GPU, so only the gloo branch is exercised.)
    """
    if torch.cuda.is_available():
        return torch.device("cuda", local_rank % torch.cuda.device_count()), "nccl"
    return torch.device("cpu"), "gloo"


def init_process_group(
    rank: int | None = None,
    world_size: int | None = None,
    *,
    init_method: str = "env://",
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> torch.device:
    """Join the group and return this rank's device.

    Without ``rank`` and ``world_size`` they come from torchrun's environment. On the CPU each
    process uses one thread: N processes share the machine's cores, and more threads than cores
    makes every collective wait for the slowest, descheduled one.
    """
    if rank is None:
        rank, world_size = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
    device, backend = device_and_backend(int(os.environ.get("LOCAL_RANK", rank)))
    if device.type == "cuda":
        torch.cuda.set_device(device)
    else:
        torch.set_num_threads(1)
    dist.init_process_group(
        backend,
        init_method=init_method,
        rank=rank,
        world_size=world_size,
        timeout=timedelta(seconds=timeout_s),
    )
    return device


def this_device() -> torch.device:
    """The device :func:`init_process_group` chose for this rank (call it after joining)."""
    return device_and_backend(int(os.environ.get("LOCAL_RANK", dist.get_rank())))[0]


def launched_by_torchrun() -> bool:
    """True inside a process that torchrun (or another launcher using its variables) started."""
    return "RANK" in os.environ and "WORLD_SIZE" in os.environ


def spawn(
    fn: Callable[..., Any],
    world_size: int,
    *args: Any,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> list[Any]:
    """Run ``fn(*args)`` on ``world_size`` new local processes, one rank each; return the results.

    Each process joins a fresh process group (gloo on the CPU) before calling ``fn`` and leaves
    it afterwards. ``fn`` must be importable (defined in a module) and return something JSON can
    hold (numbers, strings, lists, dicts).

    Returns:
        the ranks' return values, in rank order.

    Raises:
        DistributedRunError: a rank raised, exited or timed out (the message says which and why).
    """
    if not isinstance(world_size, int) or world_size < 1:
        raise ValueError(f"world_size must be a positive integer, got {world_size!r}")
    main = sys.modules.get("__main__")
    if fn.__module__ == "__main__" and not hasattr(main, "__file__"):
        raise ValueError(
            f"spawn cannot run {fn.__name__!r}: it is defined in this notebook or shell, and the "
            "new processes cannot import it. Put it in a module (a .py file) and import it."
        )
    with tempfile.TemporaryDirectory(prefix="minimoe-spawn-") as results:
        try:
            mp.start_processes(
                _run_rank,
                args=(world_size, _free_port(), timeout_s, results, fn, args),
                nprocs=world_size,
                start_method="spawn",
            )
        except mp.ProcessRaisedException as err:
            reason = err.msg.strip().splitlines()[-1]
            raise DistributedRunError(
                f"rank {err.error_index} of {world_size} failed: {reason}\n"
                f"(its traceback follows; the other ranks were stopped)\n{err.msg}"
            ) from None
        except mp.ProcessExitedException as err:
            how = f"signal {err.signal_name}" if err.signal_name else f"exit code {err.exit_code}"
            raise DistributedRunError(
                f"rank {err.error_index} of {world_size} exited early ({how}); "
                "the other ranks were stopped"
            ) from None
        out = []
        for rank in range(world_size):
            path = Path(results, f"rank{rank}.json")
            if not path.exists():
                raise DistributedRunError(f"rank {rank} of {world_size} exited without a result")
            out.append(json.loads(path.read_text()))
        return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run_rank(
    rank: int,
    world_size: int,
    port: int,
    timeout_s: float,
    results: str,
    fn: Callable[..., Any],
    args: tuple,
) -> None:
    init_process_group(rank, world_size, init_method=f"tcp://127.0.0.1:{port}", timeout_s=timeout_s)
    result = fn(*args)
    partial = Path(results, f"rank{rank}.json.partial")
    partial.write_text(json.dumps(result))
    partial.rename(partial.with_suffix(""))
    dist.destroy_process_group()
