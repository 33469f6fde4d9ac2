"""One training step for everything that trains: the optimizer, the update and the schedule.

SFT (:mod:`minimoe.train.sft`), the RL trainer (:mod:`minimoe.rl.trainer`) and the lesson
experiments (:mod:`minimoe.experiments`) all train with these three pieces, so a change to how
minimoe takes a step is made once:

- :func:`make_optimizer`: AdamW, with weight decay on matrices only;
- :func:`optimizer_step`: zero the gradients, backpropagate, clip, step; returns the gradient
  norm before clipping;
- :func:`warmup_cosine_lr`: linear warm-up, an optional constant phase, then a cosine decay to a
  floor; :func:`set_lr` writes a learning rate into the optimizer.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
from torch import nn


def make_optimizer(
    model: nn.Module, lr: float, betas: tuple[float, float], weight_decay: float
) -> torch.optim.AdamW:
    """AdamW over ``model``'s trainable parameters; no weight decay on norms and biases.

    Weight decay pulls weights towards zero. That regularises a matrix, but a norm's gain or a
    bias is one number per channel whose value means something on its own (a gain of 1 leaves
    the channel as it is), so vectors are left alone, as in GPT-2 and nanoGPT.
    """
    decay = [p for p in model.parameters() if p.requires_grad and p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.requires_grad and p.dim() < 2]
    groups = [
        {"params": decay, "weight_decay": weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    return torch.optim.AdamW(groups, lr=lr, betas=betas)


def optimizer_step(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    loss: torch.Tensor,
    grad_clip: float | None = 1.0,
    *,
    sync_gradients: Callable[[], None] | None = None,
) -> float:
    """One update: zero the gradients, ``loss.backward()``, clip, ``optimizer.step()``.

    Args:
        model: whose parameters ``optimizer`` updates (their gradient norm is clipped).
        optimizer: e.g. from :func:`make_optimizer`.
        loss: a scalar to minimise.
        grad_clip: scale the gradients down so that their global L2 norm is at most this;
            None to leave them as they are.
        sync_gradients: called between the backward pass and the clipping; data parallelism
            averages the ranks' gradients there (:mod:`minimoe.distributed.data_parallel`).

    Returns:
        The global L2 norm of the gradients before clipping.
    """
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    if sync_gradients is not None:
        sync_gradients()
    # With no limit clip_grad_norm_ still measures the norm, and scales by exactly 1.
    limit = float("inf") if grad_clip is None else grad_clip
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), limit)
    optimizer.step()
    return norm.item()


def warmup_cosine_lr(
    step: int,
    peak_lr: float,
    *,
    warmup: int,
    decay_end: int,
    decay_start: int | None = None,
    min_lr_ratio: float = 0.1,
) -> float:
    """The learning rate of step ``step`` (0-based): warm up, hold, then a cosine down to a floor.

    - steps 0 … warmup−1: linear warm-up, ``peak_lr · (step + 1) / warmup``;
    - up to ``decay_start`` (default: the end of the warm-up): ``peak_lr``;
    - from ``decay_start`` to ``decay_end``: half a cosine from ``peak_lr`` down to
      ``min_lr_ratio · peak_lr``, which it reaches at step ``decay_end`` and keeps after it.

    SFT decays from the end of the warm-up to the end of training. The recall experiment holds
    the peak for most of its run and decays over the last 30%, reaching the floor at its last
    step.
    """
    if warmup < 0 or not 0 <= min_lr_ratio <= 1:
        raise ValueError(
            f"need warmup >= 0 and 0 <= min_lr_ratio <= 1, got {warmup} and {min_lr_ratio}"
        )
    decay_start = warmup if decay_start is None else decay_start
    if step < warmup:
        return peak_lr * (step + 1) / warmup
    if step < decay_start:
        return peak_lr
    progress = (step - decay_start) / max(1, decay_end - decay_start)
    cosine = 0.5 * (1 + math.cos(math.pi * min(1.0, progress)))
    return peak_lr * (min_lr_ratio + (1 - min_lr_ratio) * cosine)


def set_lr(optimizer: torch.optim.Optimizer, lr: float) -> None:
    """Use learning rate ``lr`` for every parameter group from the next step on."""
    for group in optimizer.param_groups:
        group["lr"] = lr
