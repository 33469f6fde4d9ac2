"""Multi-query associative recall (MQAR): a retrieval task where pure linear attention runs out of room.

A sequence lists ``num_pairs`` key-value pairs, then asks for some of the keys again::

    [k₁:v₁] [k₂:v₂] … [k_N:v_N]  k?₁ k?₂ … k?_M

Each pair is ONE token (its id encodes both the key and the value), each question is a key
token, and at each question the model must predict the value paired with that key. Keys in one
sequence are distinct. Nothing else in the sequence predicts the answer, so the only way to do
better than chance (1/num_values) is to *retrieve* the pair from the context.

Zoology's MQAR (Arora et al., 2023) writes a key and its value as two tokens; a model must then
first learn to attach each value to the key before it, an induction-style circuit that takes
thousands of training steps to appear. Writing a pair as one token removes that step and keeps
the question we care about: can a layer keep N pairs until they are asked for?

A softmax layer can look back at every earlier token and find the matching key exactly. A
lightning layer must squeeze all N pairs into a fixed (head_dim × head_dim) state per head, as
a sum of outer products k_iᵀ v_i; with more pairs than the state can keep apart, the answers
blur. :func:`run_recall_experiment` trains tiny models with different layer schedules on equal
budgets and measures their recall accuracy (lesson 04). :func:`recall_vs_context` trains them on
short contexts and measures recall as the context grows past the longest they trained on
(lesson 09).

Everything is seeded and pure: the same arguments give the same batches and the same models.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from minimoe.config import MiniMoEConfig
from minimoe.env import model_device
from minimoe.model import MiniMoE, count_parameters
from minimoe.train.optim import make_optimizer, optimizer_step, set_lr, warmup_cosine_lr

IGNORE_INDEX = -100
"""Label of positions that ask nothing (cross-entropy skips them)."""


@dataclass(frozen=True)
class RecallTask:
    """Token layout of MQAR with one token per pair.

    Token ids, with K = num_keys and V = num_values:

    - pair tokens ``0 … K·V−1``: key k with value v is ``k·V + v``;
    - question tokens ``K·V … K·V+K−1``: "what was the value of key k?" is ``K·V + k``;
    - answer tokens ``K·V+K … K·V+K+V−1``: value v is ``K·V + K + v``.

    Attributes:
        num_keys: K, the key alphabet; a sequence holds at most this many pairs.
        num_values: V, the value alphabet (chance accuracy is 1/V).
        num_queries: questions per sequence; a sequence with fewer pairs asks about every pair
            (see :meth:`queries`).
    """

    num_keys: int = 64
    num_values: int = 8
    num_queries: int = 16

    def __post_init__(self) -> None:
        for name in ("num_keys", "num_values", "num_queries"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"RecallTask.{name} must be a positive integer, got {value!r}")

    @property
    def vocab_size(self) -> int:
        """Pair, question and answer tokens: K·V + K + V."""
        return self.num_keys * self.num_values + self.num_keys + self.num_values

    def pair_token(self, key: torch.Tensor, value: torch.Tensor) -> torch.Tensor:
        """Token id of the pair (key, value); key in [0, K), value in [0, V)."""
        return key * self.num_values + value

    def question_token(self, key: torch.Tensor) -> torch.Tensor:
        """Token id of the question "value of key?"."""
        return self.num_keys * self.num_values + key

    def answer_token(self, value: torch.Tensor) -> torch.Tensor:
        """Token id of the answer ``value``."""
        return self.num_keys * self.num_values + self.num_keys + value

    def queries(self, num_pairs: int) -> int:
        """Questions in a sequence of ``num_pairs`` pairs: num_queries, or every pair if fewer."""
        return min(self.num_queries, num_pairs)

    def seq_len(self, num_pairs: int) -> int:
        """Tokens in one sequence: one per pair, one per question."""
        return num_pairs + self.queries(num_pairs)

    def answer_positions(self, num_pairs: int) -> torch.Tensor:
        """(queries,) positions of the questions, where the value must be predicted."""
        return num_pairs + torch.arange(self.queries(num_pairs))


@dataclass
class RecallBatch:
    """A batch of MQAR sequences.

    Attributes:
        input_ids: (batch, seq) token ids.
        labels: (batch, seq) the answer token at each question, IGNORE_INDEX elsewhere.
    """

    input_ids: torch.Tensor
    labels: torch.Tensor


def make_recall_batch(
    task: RecallTask, num_pairs: int, batch_size: int, generator: torch.Generator
) -> RecallBatch:
    """Sample ``batch_size`` MQAR sequences with ``num_pairs`` pairs each.

    Keys are drawn without replacement (distinct within a sequence), values with replacement,
    and the questions ask about distinct pairs of the sequence, in random order.

    Args:
        task: the token layout.
        num_pairs: N, between 1 and task.num_keys.
        batch_size: sequences to draw.
        generator: a seeded ``torch.Generator``; the batch is a pure function of its state.

    Returns:
        :class:`RecallBatch` with tensors of shape (batch_size, task.seq_len(num_pairs)).
    """
    if not isinstance(num_pairs, int) or not 1 <= num_pairs <= task.num_keys:
        raise ValueError(
            f"num_pairs={num_pairs!r} must be an integer between 1 and num_keys={task.num_keys} "
            "(the keys of one sequence are distinct)"
        )
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    # Distinct keys per row: the first num_pairs of a random permutation of the key alphabet.
    keys = torch.rand(batch_size, task.num_keys, generator=generator).argsort(dim=1)[:, :num_pairs]
    values = torch.randint(task.num_values, (batch_size, num_pairs), generator=generator)
    # Which pairs are asked about, in which order: distinct indices into the pairs.
    asked = torch.rand(batch_size, num_pairs, generator=generator).argsort(dim=1)
    asked = asked[:, : task.queries(num_pairs)]

    pairs = task.pair_token(keys, values)
    questions = task.question_token(keys.gather(1, asked))
    input_ids = torch.cat([pairs, questions], dim=1)
    labels = torch.full_like(input_ids, IGNORE_INDEX)
    labels[:, num_pairs:] = task.answer_token(values.gather(1, asked))
    return RecallBatch(input_ids, labels)


def recall_accuracy(logits: torch.Tensor, labels: torch.Tensor) -> float:
    """Share of questions whose most likely next token is the right value.

    Args:
        logits: (batch, seq, vocab) next-token scores.
        labels: (batch, seq) with IGNORE_INDEX where nothing is asked.

    Returns:
        accuracy in [0, 1] over the asked positions only.
    """
    if logits.shape[:2] != labels.shape:
        raise ValueError(
            f"logits (batch, seq, vocab) {tuple(logits.shape)} do not match labels "
            f"(batch, seq) {tuple(labels.shape)}"
        )
    asked = labels != IGNORE_INDEX
    if not asked.any():
        raise ValueError("labels ask nothing: every position is IGNORE_INDEX")
    correct = logits.argmax(dim=-1)[asked] == labels[asked]
    return correct.float().mean().item()


def recall_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over the asked positions."""
    return F.cross_entropy(
        logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=IGNORE_INDEX
    )


@dataclass(frozen=True)
class RecallRun:
    """Settings of one training run; every model in an experiment gets the same ones.

    Attributes:
        steps: optimizer steps.
        batch_size: sequences per step.
        pair_counts: numbers of pairs N to train on; each step uses one, in turn.
        lr: peak AdamW learning rate: linear warm-up, constant, then a cosine decay to 10%
            over the last ``decay_fraction`` of the steps (:func:`warmup_cosine_lr`).
        warmup: warm-up steps.
        decay_fraction: share of the steps spent decaying the learning rate.
        seed: seeds the initial weights and the training batches.
        eval_sequences: sequences per evaluated N.
        device: where the models train ("cpu", "cuda", ...; lessons pass ``best_device()``).
    """

    steps: int = 700
    batch_size: int = 32
    pair_counts: tuple[int, ...] = (8, 16, 32, 64)
    lr: float = 3e-3
    warmup: int = 20
    decay_fraction: float = 0.3
    seed: int = 0
    eval_sequences: int = 256
    device: str = "cpu"

    def lr_at(self, step: int) -> float:
        """Learning rate of step ``step`` (0-based); the floor is reached at the last step."""
        return warmup_cosine_lr(
            step,
            self.lr,
            warmup=self.warmup,
            decay_start=max(self.warmup, round(self.steps * (1 - self.decay_fraction))),
            decay_end=self.steps - 1,
        )


def recall_model_config(task: RecallTask, layer_pattern: str, **overrides) -> MiniMoEConfig:
    """A tiny MiniMoE for the recall experiment: one layer per letter, width 64, 4 heads of 8 dims.

    Small heads on purpose: a lightning head's 8 × 8 state can keep at most 8 keys orthogonal,
    far fewer than the 64 pairs the longest sequences hold, while a softmax layer keeps them all.
    ``init_std=0.1`` rather than the default 0.02: with post-norm and a tiny initialisation this
    task learns much more slowly. Any field can be overridden.
    """
    settings = dict(
        vocab_size=task.vocab_size,
        hidden_size=64,
        num_layers=len(layer_pattern),
        layer_pattern=layer_pattern,
        num_heads=4,
        head_dim=8,
        num_kv_heads=4,
        num_experts=4,
        top_k=2,
        expert_hidden=32,
        block_size=32,
        max_seq_len=task.seq_len(task.num_keys),
        init_std=0.1,
    )
    return MiniMoEConfig(**{**settings, **overrides})


@dataclass
class RecallResult:
    """What one model learned.

    Attributes:
        name: the label given to the model (e.g. its layer pattern).
        config: the model's config.
        params: total parameters.
        losses: training loss per step.
        accuracy: recall accuracy per evaluated number of pairs N.
        model: the trained model (eval mode).
    """

    name: str
    config: MiniMoEConfig
    params: int
    losses: list[float]
    accuracy: dict[int, float] = field(default_factory=dict)
    model: MiniMoE | None = None


def train_recall(
    config: MiniMoEConfig, task: RecallTask, run: RecallRun, name: str = "", progress: bool = True
) -> RecallResult:
    """Train one model on MQAR and measure its accuracy at every N of ``run.pair_counts``.

    The batches depend only on ``run.seed``, so every model sees the very same data.
    """
    if config.vocab_size < task.vocab_size:
        raise ValueError(
            f"config.vocab_size={config.vocab_size} is smaller than the task's {task.vocab_size}"
        )
    longest = task.seq_len(max(run.pair_counts))
    if config.max_seq_len < longest:
        raise ValueError(f"config.max_seq_len={config.max_seq_len} < longest sequence {longest}")
    torch.manual_seed(run.seed)
    model = MiniMoE(config).to(run.device)  # built on the CPU first: the same weights anywhere
    optimizer = make_optimizer(model, run.lr, betas=(0.9, 0.95), weight_decay=0.01)
    data = torch.Generator().manual_seed(run.seed)
    losses = []
    model.train()
    for step in tqdm(range(run.steps), desc=name or "train", disable=not progress, leave=False):
        set_lr(optimizer, run.lr_at(step))
        num_pairs = run.pair_counts[step % len(run.pair_counts)]
        batch = make_recall_batch(task, num_pairs, run.batch_size, data)
        out = model(batch.input_ids.to(run.device))
        loss = recall_loss(out.logits, batch.labels.to(run.device))
        optimizer_step(model, optimizer, loss + out.aux_loss, grad_clip=1.0)
        losses.append(loss.item())
    model.eval()
    accuracy = {
        n: evaluate_recall(model, task, n, run.eval_sequences, seed=run.seed + 1)
        for n in run.pair_counts
    }
    total, _ = count_parameters(model)
    return RecallResult(name, config, total, losses, accuracy, model)


@torch.no_grad()
def evaluate_recall(
    model: MiniMoE, task: RecallTask, num_pairs: int, num_sequences: int, seed: int = 1
) -> float:
    """Recall accuracy of ``model`` on ``num_sequences`` fresh sequences with N = num_pairs."""
    batch = make_recall_batch(task, num_pairs, num_sequences, torch.Generator().manual_seed(seed))
    device = model_device(model)
    return recall_accuracy(model(batch.input_ids.to(device)).logits, batch.labels.to(device))


def run_recall_experiment(
    patterns: Sequence[str],
    base: MiniMoEConfig,
    task: RecallTask,
    run: RecallRun,
    progress: bool = True,
) -> list[RecallResult]:
    """Train one model per layer pattern (``"LLLL"``, ``"SSSS"``, ``"LLLS"``, …) on equal budgets.

    The models differ only in ``layer_pattern``: same width, depth, experts, data and steps.
    """
    results = []
    for pattern in patterns:
        config = base.replace(layer_pattern=pattern)
        results.append(train_recall(config, task, run, name=pattern, progress=progress))
    return results


@dataclass
class ContextRecall:
    """Recall of one trained model at contexts up to and beyond those it trained on.

    Attributes:
        name: the label given to the model.
        trained: the training run (``trained.accuracy`` holds the trained numbers of pairs).
        accuracy: recall accuracy per evaluated number of pairs N.
        contexts: tokens in a sequence of N pairs, per evaluated N (:meth:`RecallTask.seq_len`).
    """

    name: str
    trained: RecallResult
    accuracy: dict[int, float]
    contexts: dict[int, int]

    def longest_trained(self) -> int:
        """The largest number of pairs the model trained on."""
        return max(self.trained.accuracy)


def recall_vs_context(
    configs: dict[str, MiniMoEConfig],
    task: RecallTask,
    run: RecallRun,
    eval_pair_counts: Sequence[int],
    eval_seed: int = 7,
    progress: bool = True,
) -> list[ContextRecall]:
    """Retrieval as the context grows: train every model on the short contexts of
    ``run.pair_counts`` (equal budgets, the same batches), then measure its recall at every N of
    ``eval_pair_counts``, which may hold more pairs, and so longer contexts, than any training
    sequence did.

    Args:
        configs: label -> model config (e.g. the hybrid, all-lightning, the hybrid with RoPE on
            every dimension). Every config must fit the longest evaluated sequence.
        task: the token layout; every evaluated N must be at most ``task.num_keys``.
        run: the training settings, shared by all models.
        eval_pair_counts: the numbers of pairs N to evaluate at.
        eval_seed: seeds the evaluation sequences (``run.eval_sequences`` per N), the same for
            every model.
    """
    counts = sorted(set(eval_pair_counts))
    if not counts:
        raise ValueError("eval_pair_counts is empty: give the numbers of pairs to evaluate at")
    if counts[0] < 1 or counts[-1] > task.num_keys:
        raise ValueError(
            f"eval_pair_counts {counts} must lie between 1 and num_keys={task.num_keys} "
            "(num_pairs: the keys of one sequence are distinct)"
        )
    longest = task.seq_len(counts[-1])
    for name, config in configs.items():
        if config.max_seq_len < longest:
            raise ValueError(
                f"{name}: config.max_seq_len={config.max_seq_len} < {longest} tokens, the "
                f"longest evaluated sequence ({counts[-1]} pairs)"
            )
    out = []
    for name, config in configs.items():
        trained = train_recall(config, task, run, name=name, progress=progress)
        accuracy = {
            n: evaluate_recall(trained.model, task, n, run.eval_sequences, seed=eval_seed)
            for n in counts
        }
        out.append(ContextRecall(name, trained, accuracy, {n: task.seq_len(n) for n in counts}))
    return out
