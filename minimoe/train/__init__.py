"""Training: supervised fine-tuning (the warm start) and evaluation by verified accuracy."""

from minimoe.train.evaluate import EvalResult, evaluate, pass_at_k
from minimoe.train.sft import SFTConfig, encode_sft_batch, train_sft

__all__ = ["EvalResult", "SFTConfig", "encode_sft_batch", "evaluate", "pass_at_k", "train_sft"]
