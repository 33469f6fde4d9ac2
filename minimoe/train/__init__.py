"""Training: one optimizer and update step, supervised fine-tuning (the warm start), and
evaluation by verified accuracy."""

from minimoe.train.evaluate import EVAL_SAMPLES, EvalResult, evaluate, held_out_accuracy, pass_at_k
from minimoe.train.optim import make_optimizer, optimizer_step, set_lr, warmup_cosine_lr
from minimoe.train.sft import SFTConfig, encode_sft_batch, train_sft

__all__ = [
    "EVAL_SAMPLES",
    "EvalResult",
    "SFTConfig",
    "encode_sft_batch",
    "evaluate",
    "held_out_accuracy",
    "make_optimizer",
    "optimizer_step",
    "pass_at_k",
    "set_lr",
    "train_sft",
    "warmup_cosine_lr",
]
