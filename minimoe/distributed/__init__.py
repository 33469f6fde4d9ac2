"""Scaling out on ``torch.distributed``: expert parallelism, the global router, data parallelism.

* :mod:`~minimoe.distributed.launch`: the device and backend (CUDA + NCCL, else CPU + gloo), the
  process group with a timeout, and :func:`spawn` for local processes (scripts and notebooks);
  ``torchrun`` works too.
* :mod:`~minimoe.distributed.router`: the global router (routing counts all-gathered before the
  capacity rule) and the per-rank one.
* :mod:`~minimoe.distributed.expert_parallel`: :class:`ExpertParallelMoE` (experts spread over
  the ranks, tokens exchanged with all-to-all) and the exchange's byte count.
* :mod:`~minimoe.distributed.data_parallel`: data-parallel SFT and RL steps.
* :mod:`~minimoe.distributed.check`: ``minimoe distributed check``.
"""

from minimoe.distributed.expert_parallel import (
    AllToAllTraffic,
    ExpertParallelMoE,
    GroupRoutedMoE,
    all_to_all,
    all_to_all_bytes,
    owned_experts,
)
from minimoe.distributed.launch import (
    DEFAULT_TIMEOUT_S,
    DistributedRunError,
    device_and_backend,
    init_process_group,
    launched_by_torchrun,
    spawn,
)
from minimoe.distributed.router import GroupRouting, global_queue_position, plan_routing

__all__ = [
    "DEFAULT_TIMEOUT_S",
    "AllToAllTraffic",
    "DistributedRunError",
    "ExpertParallelMoE",
    "GroupRoutedMoE",
    "GroupRouting",
    "all_to_all",
    "all_to_all_bytes",
    "device_and_backend",
    "global_queue_position",
    "init_process_group",
    "launched_by_torchrun",
    "owned_experts",
    "plan_routing",
    "spawn",
]
