"""Small models the tests share: each builds in milliseconds yet has every part of the model."""

from __future__ import annotations

import functools

import torch

from minimoe.config import MiniMoEConfig
from minimoe.model import MiniMoE
from minimoe.tasks import TOKENIZER, make_dataset
from minimoe.train import SFTConfig, train_sft

# 4 layers (3 lightning + 1 softmax), blocks of 4 tokens so prompts span several blocks.
LLLS = MiniMoEConfig.preset(
    "tiny",
    vocab_size=50,
    hidden_size=32,
    num_layers=4,
    layer_pattern="LLLS",
    expert_hidden=48,
    block_size=4,
    max_seq_len=64,
)


def seeded(config: MiniMoEConfig = LLLS, seed: int = 0) -> MiniMoE:
    """MiniMoE(config) with weights drawn after torch.manual_seed(seed), in eval mode."""
    torch.manual_seed(seed)
    return MiniMoE(config).eval()


def task_model(seed: int = 0, **overrides) -> MiniMoE:
    """A 2-layer hybrid ("LS") over the task tokenizer's vocabulary, for training tests."""
    torch.manual_seed(seed)
    config = MiniMoEConfig.preset(
        "tiny",
        vocab_size=TOKENIZER.vocab_size,
        hidden_size=32,
        num_layers=2,
        layer_pattern="LS",
        expert_hidden=32,
        **overrides,
    )
    return MiniMoE(config)


SORT_TWO = make_dataset("sorting", 64, seed=0, difficulty=2)
"""Sorting two digits: a task_model learns it well enough by SFT in half a second to be RL-tuned."""


@functools.cache
def _warm_weights(seed: int) -> dict[str, torch.Tensor]:
    model = task_model(seed)
    config = SFTConfig(steps=70, batch_size=16, lr=1e-2, warmup=5, eval_every=0, seed=seed)
    train_sft(model, SORT_TWO, config, progress=False)
    return model.state_dict()


def warm_task_model(seed: int = 0) -> MiniMoE:
    """A task_model after 70 SFT steps on SORT_TWO (cached; each call returns a fresh copy).

    In our runs (seeds 0-9) its answers at temperature 1 were right 14-43% of the time: mixed
    rewards in most groups, so RL has a signal to learn from."""
    model = task_model(seed)
    model.load_state_dict(_warm_weights(seed))
    return model
