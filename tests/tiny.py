"""Small models the tests share: each builds in milliseconds yet has every part of the model."""

from __future__ import annotations

import torch

from minimoe.config import MiniMoEConfig
from minimoe.model import MiniMoE
from minimoe.tasks import TOKENIZER

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
