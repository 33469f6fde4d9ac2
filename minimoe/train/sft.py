"""Supervised fine-tuning: teach the model the task format and a first skill (the warm start).

The model reads ``<bos> prompt target`` and is trained with cross-entropy on the target tokens
only: the worked steps, the answer and ``<eos>``. Batches and the learning rate are pure functions
of ``(seed, step)``, so a run resumed from a checkpoint replays exactly the losses of an
uninterrupted one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from minimoe.checkpoint import load_checkpoint, save_checkpoint
from minimoe.env import model_device
from minimoe.tasks import TOKENIZER, Problem
from minimoe.train.evaluate import evaluate
from minimoe.train.optim import make_optimizer, optimizer_step, set_lr, warmup_cosine_lr


@dataclass
class SFTConfig:
    """Settings of :func:`train_sft`. AdamW with β2 = 0.95, as in MiniMax-01's pre-training."""

    steps: int = 600
    batch_size: int = 64
    lr: float = 3e-3
    warmup: int = 30
    min_lr_ratio: float = 0.1
    weight_decay: float = 0.01
    betas: tuple[float, float] = (0.9, 0.95)
    grad_clip: float = 1.0
    eval_every: int = 200
    eval_problems: int = 200
    checkpoint_every: int = 0  # 0: only at the end (when a path is given)
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("steps", "batch_size"):
            if getattr(self, name) < 1:
                raise ValueError(f"SFTConfig.{name} must be at least 1, got {getattr(self, name)}")
        if not self.lr > 0:
            raise ValueError(f"SFTConfig.lr must be positive, got {self.lr}")

    def lr_at(self, step: int) -> float:
        """Linear warm-up, then a cosine decay towards ``min_lr_ratio * lr`` over the remaining
        steps (:func:`~minimoe.train.optim.warmup_cosine_lr`)."""
        return warmup_cosine_lr(
            step,
            self.lr,
            warmup=self.warmup,
            decay_end=self.steps,
            min_lr_ratio=self.min_lr_ratio,
        )


def encode_sft_batch(problems: Sequence[Problem]) -> tuple[torch.Tensor, torch.Tensor]:
    """Right-padded ``<bos> prompt target`` ids and a loss mask.

    Returns:
        ids: ``(batch, seq)`` token ids.
        loss_mask: ``(batch, seq - 1)`` floats, 1 where ``ids[:, 1:]`` is a target token to learn.
    """
    rows, masks = [], []
    for p in problems:
        prompt = TOKENIZER.encode(p.prompt, add_bos=True)
        target = TOKENIZER.encode(p.target)
        rows.append(prompt + target)
        masks.append([0] * (len(prompt) - 1) + [1] * len(target))
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), TOKENIZER.pad_id, dtype=torch.long)
    loss_mask = torch.zeros(len(rows), width - 1)
    for i, (row, mask) in enumerate(zip(rows, masks)):
        ids[i, : len(row)] = torch.tensor(row)
        loss_mask[i, : len(mask)] = torch.tensor(mask, dtype=torch.float)
    return ids, loss_mask


def sft_batch(
    train_problems: Sequence[Problem], batch_size: int, seed: int, step: int
) -> list[Problem]:
    """The batch of step ``step``: ``batch_size`` problems drawn with replacement, a pure
    function of ``(seed, step)`` (so a resumed or a data-parallel run sees the same batches)."""
    generator = torch.Generator().manual_seed(seed * 1_000_003 + step)
    index = torch.randint(len(train_problems), (batch_size,), generator=generator)
    return [train_problems[i] for i in index.tolist()]


def sft_loss(
    model: nn.Module, ids: torch.Tensor, loss_mask: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """(total loss, target cross-entropy): mean CE over target tokens, plus the MoE balancing loss."""
    out = model(ids)
    logits = out.logits[:, :-1].float()
    ce = F.cross_entropy(
        logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1), reduction="none"
    )
    ce = (ce * loss_mask.reshape(-1)).sum() / loss_mask.sum()
    return ce + out.aux_loss, ce


def train_sft(
    model: nn.Module,
    train_problems: Sequence[Problem],
    config: SFTConfig | None = None,
    *,
    eval_problems: Sequence[Problem] = (),
    checkpoint_path: str | Path | None = None,
    resume: bool = False,
    progress: bool = True,
    on_step: Callable[[dict], None] | None = None,
) -> list[dict]:
    """Fine-tune ``model`` on ``train_problems``; return one record per step.

    Each record has ``step``, ``loss`` (target cross-entropy), ``lr`` and ``grad_norm`` (before
    clipping); every ``eval_every``
    steps and at the end it also has ``eval_accuracy`` (greedy, on ``eval_problems``). With
    ``checkpoint_path`` the model and optimizer are saved there; ``resume=True`` continues from it.
    """
    config = config or SFTConfig()
    if not train_problems:
        raise ValueError("train_sft needs at least one training problem")
    model.train()
    device = model_device(model)
    optimizer = make_optimizer(model, config.lr, config.betas, config.weight_decay)
    start = 0
    if resume:
        if checkpoint_path is None or not Path(checkpoint_path).exists():
            raise FileNotFoundError(f"cannot resume: no checkpoint at {checkpoint_path}")
        start = load_checkpoint(checkpoint_path, model=model, optimizer=optimizer).step
    eval_set = list(eval_problems)[: config.eval_problems]
    history: list[dict] = []
    bar = tqdm(
        range(start, config.steps),
        desc="SFT",
        disable=not progress,
        initial=start,
        total=config.steps,
    )
    for step in bar:
        ids, loss_mask = encode_sft_batch(
            sft_batch(train_problems, config.batch_size, config.seed, step)
        )
        ids, loss_mask = ids.to(device), loss_mask.to(device)
        lr = config.lr_at(step)
        set_lr(optimizer, lr)
        loss, ce = sft_loss(model, ids, loss_mask)
        grad_norm = optimizer_step(model, optimizer, loss, config.grad_clip)
        record = {"step": step + 1, "loss": ce.item(), "lr": lr, "grad_norm": grad_norm}
        last = step + 1 == config.steps
        if eval_set and (last or (config.eval_every and (step + 1) % config.eval_every == 0)):
            record["eval_accuracy"] = evaluate(model, eval_set, temperature=0.0).accuracy
            model.train()
        if checkpoint_path and (
            last or (config.checkpoint_every and (step + 1) % config.checkpoint_every == 0)
        ):
            save_checkpoint(
                checkpoint_path, model, model.config, optimizer=optimizer, step=step + 1
            )
        history.append(record)
        bar.set_postfix(
            {k: f"{v:.3f}" for k, v in record.items() if k in ("loss", "eval_accuracy")}
        )
        if on_step:
            on_step(record)
    return history
