"""Distillation (lesson 10): a teacher writes traces, a smaller student learns from them, and we
measure what it cost and how much of the teacher the student carries.

- **Traces.** :func:`make_traces` lets a teacher answer training prompts and keeps its answers
  as SFT targets: *sequence-level* knowledge distillation (Kim & Rush, 2016), which needs only
  the teacher's text, as distillation through an API does. ``keep="all"`` keeps every answer
  that ended with ``<eos>`` (the teacher's mistakes too, as a copier without a verifier would);
  ``keep="verified"`` keeps only answers the task's verifier accepts (rejection sampling). A
  trace that never wrote ``<eos>`` within the budget is always dropped: a student trained on it
  would learn not to stop.
- **Routes to a student.** :func:`distill_student` trains it by SFT on the traces;
  :func:`train_direct` trains the same architecture without a teacher, SFT on the ground-truth
  answers and then RL on the verifier's reward. Each returns its model and the
  :class:`Cost` of every stage.
- **Cost.** :class:`FlopMeter` counts, with :mod:`minimoe.flops`, the forward passes a model
  actually runs while it is open (a prefill of ``n`` tokens is :func:`~minimoe.flops.prefill_flops`,
  causal; a decode step at context ``t`` is :func:`~minimoe.flops.decode_flops`, per row), and
  the backward passes of the ones that build a graph: twice their forward, the convention of
  :mod:`minimoe.flops` (training costs about three times a forward pass). Wall time is taken
  over the same span. Padding is counted: the model runs on it.
- **Similarity.** :func:`~minimoe.similarity.agreement` of two models' answers, over all
  prompts and on the prompts where a reference model was wrong
  (:func:`~minimoe.similarity.mistake_agreement`); :func:`teacher_forced_kl`, the per-token
  KL(teacher ‖ model) on the same prefixes (:func:`~minimoe.similarity.token_kl`); and a
  logistic-regression :func:`source_classifier` on simple :func:`answer_features` that tries
  to tell which model wrote an answer. :func:`similarity` runs them all.

What the cost leaves out is stated where it is printed: the teacher's own training (its
checkpoint records the seconds it took: :func:`teacher_training_seconds`), evaluation, and the
verifier (a string comparison).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from minimoe.checkpoint import load_checkpoint, read_header
from minimoe.config import MiniMoEConfig
from minimoe.flops import Architecture, decode_flops, parameter_counts, prefill_flops
from minimoe.model import MiniMoE
from minimoe.rl.trainer import RLConfig, train_rl
from minimoe.similarity import agreement, mistake_agreement, token_kl
from minimoe.tasks import Problem
from minimoe.train.evaluate import Completions, complete_prompts, max_completion_tokens
from minimoe.train.sft import SFTConfig, train_sft

TEACHER_PATH = Path(__file__).resolve().parents[1] / "checkpoints" / "sorting-cispo.safetensors"
"""The shipped RL-tuned teacher (its card: ``sorting-cispo.md`` beside it)."""

STUDENT_CHANGES: dict = {"num_layers": 4, "layer_pattern": "LLLS"}
"""The student: the teacher's config with half its layers (3 lightning, 1 softmax)."""

BACKWARD_MULTIPLE = 2
"""A backward pass costs about twice its forward pass (:mod:`minimoe.flops`: training is about
three times the forward, Kaplan's 6N = 2N forward + 4N backward)."""

KEEP = ("all", "verified")


# ---------------------------------------------------------------------------------- the models


def load_teacher(path: str | Path = TEACHER_PATH) -> MiniMoE:
    """The teacher checkpoint at ``path`` (by default the shipped ``sorting-cispo``), in eval
    mode with its weights frozen."""
    model = load_checkpoint(path).model.eval()
    model.requires_grad_(False)
    return model


def teacher_training_seconds(path: str | Path = TEACHER_PATH) -> dict[str, float]:
    """The seconds each stage of the teacher's training took on the CPU that made it, as its
    checkpoint header records them (``{"sft": …, "rl": …}``): the cost distillation does not pay
    again, but someone paid once."""
    seconds = read_header(path).get("metadata", {}).get("seconds")
    if not seconds:
        raise ValueError(f"{path} records no training seconds in its header")
    return {k: float(v) for k, v in seconds.items()}


def student_config(teacher: MiniMoEConfig, **changes) -> MiniMoEConfig:
    """The teacher's config with :data:`STUDENT_CHANGES` (or ``changes``) applied; it must come
    out smaller than the teacher."""
    if not isinstance(teacher, MiniMoEConfig):
        raise TypeError(f"student_config expects the teacher's MiniMoEConfig, got {teacher!r}")
    config = teacher.replace(**(changes or STUDENT_CHANGES))
    if parameter_counts(config)[0] >= parameter_counts(teacher)[0]:
        raise ValueError(
            f"the student ({changes or STUDENT_CHANGES}) is not smaller than the teacher; "
            "remove layers or narrow it"
        )
    return config


# -------------------------------------------------------------------------------- counting cost


@dataclass
class Cost:
    """What one stage cost: forward and backward FLOPs counted by :class:`FlopMeter`, and wall
    seconds over the same span."""

    stage: str
    forward: int = 0
    backward: int = 0
    seconds: float = 0.0

    @property
    def flops(self) -> int:
        return self.forward + self.backward


class FlopMeter:
    """Count the FLOPs of every forward pass ``models`` run while the meter is open (``with``).

    A call without a cache is a prefill of its ``(batch, n)`` ids (:func:`prefill_flops`,
    causal); a call on one new token with a cache is a decode step at the cache's length
    (:func:`decode_flops`); each is multiplied by the batch. A call made with gradients enabled
    on a model in training mode is followed by a backward pass in every minimoe trainer, so it
    adds :data:`BACKWARD_MULTIPLE` times its forward to ``backward``. ``seconds`` is the wall
    time between entering and leaving.
    """

    def __init__(self, stage: str, *models: nn.Module) -> None:
        if not models or not all(isinstance(m, MiniMoE) for m in models):
            raise TypeError("FlopMeter counts MiniMoE models: pass at least one")
        self.cost = Cost(stage)
        self._models = models
        self._handles: list = []
        self._start = 0.0

    def _hook(self, module: MiniMoE, args: tuple, kwargs: dict, _output) -> None:
        ids = args[0] if args else kwargs["input_ids"]
        cache = args[1] if len(args) > 1 else kwargs.get("cache")
        batch, n = ids.shape
        arch = Architecture.from_config(module.config)
        if cache is None:
            count = prefill_flops(arch, n).total
        elif n == 1:
            count = decode_flops(arch, cache.length).total
        else:
            raise ValueError("FlopMeter counts prefills and one-token decode steps only")
        self.cost.forward += batch * count
        if torch.is_grad_enabled() and module.training:
            self.cost.backward += BACKWARD_MULTIPLE * batch * count

    def __enter__(self) -> FlopMeter:
        self._handles = [
            m.register_forward_hook(self._hook, with_kwargs=True) for m in self._models
        ]
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        self.cost.seconds += time.perf_counter() - self._start
        for handle in self._handles:
            handle.remove()
        self._handles = []


# ------------------------------------------------------------------------------------- traces


@dataclass
class Traces:
    """What :func:`make_traces` returns.

    Attributes:
        problems: the kept traces as SFT problems: each prompt with the teacher's answer as its
            ``target`` (``answer`` is still the true answer, for the verifier).
        completions: every answer the teacher wrote, one per prompt, kept or not.
        rewards: the verifier's reward of each answer.
        finished: whether each answer ended with ``<eos>``.
        keep: the filter used (:data:`KEEP`).
        cost: the teacher's generation, counted by :class:`FlopMeter`.
        problems_asked: the prompts the teacher answered, with their true targets.
    """

    problems: list[Problem]
    completions: list[str]
    rewards: list[float]
    finished: list[bool]
    keep: str
    cost: Cost
    problems_asked: list[Problem] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        """Share of the teacher's answers the verifier accepts."""
        return sum(r >= 1.0 for r in self.rewards) / len(self.rewards)

    def filtered(self, keep: str) -> Traces:
        """The same answers (and the same generation cost) kept with another filter: the
        teacher does not write them again."""
        return _kept(
            self.problems_asked, self.completions, self.rewards, self.finished, keep, self.cost
        )


def make_traces(
    teacher: MiniMoE,
    prompts: Sequence[Problem],
    *,
    keep: str = "all",
    temperature: float = 0.0,
    batch_size: int = 500,
    seed: int = 0,
) -> Traces:
    """The teacher answers every problem in ``prompts`` (greedy by default, as Kim & Rush decode
    the teacher's best sequence); answers that ended with ``<eos>`` become SFT targets, all of
    them (``keep="all"``) or only those the verifier accepts (``keep="verified"``)."""
    if keep not in KEEP:
        raise ValueError(f"keep must be one of {KEEP}, got {keep!r}")
    if not prompts:
        raise ValueError("make_traces needs at least one prompt")
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    was_training = teacher.training
    teacher.eval()
    budget = max_completion_tokens(prompts)
    generator = torch.Generator().manual_seed(seed)
    completions: list[str] = []
    finished: list[bool] = []
    with FlopMeter("teacher writes traces", teacher) as meter:
        for start in range(0, len(prompts), batch_size):
            chunk = prompts[start : start + batch_size]
            done = complete_prompts(
                teacher,
                [p.prompt for p in chunk],
                max_new_tokens=budget,
                temperature=temperature,
                generator=generator,
            )
            completions += done.texts()
            finished += done.output.finished.tolist()
        rewards = [p.verify(text) for p, text in zip(prompts, completions)]
    teacher.train(was_training)
    return _kept(list(prompts), completions, rewards, finished, keep, meter.cost)


def _kept(
    prompts: list[Problem],
    completions: list[str],
    rewards: list[float],
    finished: list[bool],
    keep: str,
    cost: Cost,
) -> Traces:
    if keep not in KEEP:
        raise ValueError(f"keep must be one of {KEEP}, got {keep!r}")
    kept = [
        dataclasses.replace(p, target=text)
        for p, text, reward, ended in zip(prompts, completions, rewards, finished)
        if ended and (keep == "all" or reward >= 1.0)
    ]
    if not kept:
        raise ValueError(f"the teacher wrote no trace that passes keep={keep!r}")
    return Traces(kept, completions, rewards, finished, keep, cost, prompts)


# ---------------------------------------------------------------------------- the two routes


@dataclass
class Route:
    """A trained student and what each stage of its training cost."""

    name: str
    model: MiniMoE
    costs: list[Cost] = field(default_factory=list)
    history: dict[str, list[dict]] = field(default_factory=dict)

    @property
    def flops(self) -> int:
        return sum(c.flops for c in self.costs)

    @property
    def seconds(self) -> float:
        return sum(c.seconds for c in self.costs)


def _fresh_student(config: MiniMoEConfig, seed: int) -> MiniMoE:
    torch.manual_seed(seed)
    return MiniMoE(config)


def distill_student(
    traces: Traces,
    config: MiniMoEConfig,
    sft: SFTConfig,
    *,
    seed: int = 0,
    progress: bool = True,
) -> Route:
    """A fresh student of ``config`` trained by SFT on ``traces``; its costs are the teacher's
    generation, then the student's SFT."""
    student = _fresh_student(config, seed)
    with FlopMeter("student SFT on traces", student) as meter:
        history = train_sft(student, traces.problems, sft, progress=progress)
    return Route("distilled", student, [traces.cost, meter.cost], {"sft": history})


def train_direct(
    problems: Sequence[Problem],
    config: MiniMoEConfig,
    sft: SFTConfig,
    rl: RLConfig | None,
    *,
    seed: int = 0,
    progress: bool = True,
    after_sft: Callable[[MiniMoE], None] | None = None,
) -> Route:
    """A fresh student of ``config`` trained without a teacher: SFT on the ground-truth targets
    of ``problems``, then (unless ``rl`` is None) RL with the verifier's reward on the same
    prompts. ``after_sft``, if given, is called with the model between the stages (to evaluate
    it; not counted)."""
    student = _fresh_student(config, seed)
    route = Route("SFT + RL" if rl else "SFT", student)
    with FlopMeter("student SFT on ground truth", student) as meter:
        route.history["sft"] = train_sft(student, problems, sft, progress=progress)
    route.costs.append(meter.cost)
    if after_sft is not None:
        after_sft(student)
    if rl is not None:
        with FlopMeter("student RL (rollouts, scoring, updates)", student) as meter:
            route.history["rl"] = train_rl(student, problems, rl, progress=progress)
        route.costs.append(meter.cost)
    return route


def cost_rows(routes: Sequence[Route]) -> list[dict]:
    """One row per stage of each route (``route``, ``stage``, ``flops``, ``seconds``), then one
    total row per route."""
    rows = []
    for route in routes:
        for cost in route.costs:
            rows.append(
                {
                    "route": route.name,
                    "stage": cost.stage,
                    "flops": cost.flops,
                    "seconds": cost.seconds,
                }
            )
        rows.append(
            {"route": route.name, "stage": "total", "flops": route.flops, "seconds": route.seconds}
        )
    return rows


# -------------------------------------------------------------------------------- similarity


@torch.no_grad()
def answers(
    model: MiniMoE,
    problems: Sequence[Problem],
    *,
    temperature: float = 0.0,
    samples: int = 1,
    seed: int = 0,
) -> list[str]:
    """``samples`` answers of ``model`` to each problem (greedy by default), problem by problem:
    answers[i * samples + j] is the j-th answer to problems[i]."""
    if samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    was_training = model.training
    model.eval()
    expanded = [p.prompt for p in problems for _ in range(samples)]
    done = complete_prompts(
        model,
        expanded,
        max_new_tokens=max_completion_tokens(problems),
        temperature=temperature,
        generator=torch.Generator().manual_seed(seed),
    )
    model.train(was_training)
    return done.texts()


@torch.no_grad()
def teacher_forced_kl(
    teacher: MiniMoE, model: MiniMoE, problems: Sequence[Problem], *, batch_size: int = 256
) -> float:
    """Per-token KL(teacher ‖ model) (:func:`token_kl`), both models reading the same prefixes:
    each prompt followed by the teacher's greedy answer."""
    if not problems:
        raise ValueError("teacher_forced_kl needs at least one problem")
    total, tokens = 0.0, 0.0
    for start in range(0, len(problems), batch_size):
        chunk = problems[start : start + batch_size]
        done = _greedy(teacher, chunk)
        ids, attention = done.ids, done.attention_mask
        response = torch.cat([torch.zeros_like(done.prompt_mask), done.completion_mask], 1)
        response = response[:, 1:]
        logits = [_logits(m, ids, attention) for m in (teacher, model)]
        count = response.sum().item()
        total += token_kl(*logits, response).item() * count
        tokens += count
    return total / tokens


def _greedy(model: MiniMoE, problems: Sequence[Problem]) -> Completions:
    was_training = model.training
    model.eval()
    done = complete_prompts(
        model,
        [p.prompt for p in problems],
        max_new_tokens=max_completion_tokens(problems),
        temperature=0.0,
    )
    model.train(was_training)
    return done


def _logits(model: MiniMoE, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
    was_training = model.training
    model.eval()
    logits = model(ids, attention_mask=attention).logits
    model.train(was_training)
    return logits


# ------------------------------------------------------------------ who wrote it: a classifier

FEATURES = (
    "correct",
    "length error",
    "ended with <eos>",
    "positions wrong",
    "digits miscounted",
    "out-of-order pairs",
    "first wrong position",
)
"""What :func:`answer_features` measures of an answer, in order."""


def answer_features(problem: Problem, completion: str) -> torch.Tensor:
    """A few numbers about one answer to a sorting-like problem (:data:`FEATURES`): whether it
    is right, how far its length is from the right one, whether it ended, how many positions
    differ from the right answer, how many digits it has too many or too few, how many
    neighbouring pairs are out of order, and where (as a share of the length) it first goes
    wrong (1 when it never does)."""
    right = problem.answer
    text = completion.split("<eos>")[0]
    written = text.split("#", 1)[1] if "#" in text else text
    ended = "<eos>" in completion
    wrong = sum(a != b for a, b in zip(written, right)) + abs(len(written) - len(right))
    miscount = sum(abs(written.count(d) - right.count(d)) for d in set(written + right))
    unordered = sum(a > b for a, b in zip(written, written[1:]))
    first = next((i for i, (a, b) in enumerate(zip(written, right)) if a != b), None)
    if first is None:
        first = min(len(written), len(right)) if len(written) != len(right) else len(right)
    return torch.tensor(
        [
            float(problem.verify(completion) >= 1.0),
            float(len(written) - len(right)),
            float(ended),
            wrong / len(right),
            float(miscount),
            float(unordered),
            first / len(right),
        ]
    )


@dataclass
class ClassifierResult:
    """How well a logistic regression tells two models' answers apart on held-out prompts."""

    accuracy: float  # on the held-out half of the prompts; 0.5 is chance
    train_accuracy: float
    weights: torch.Tensor  # (features,) on standardised features
    test_size: int


def source_classifier(
    problems: Sequence[Problem],
    answers_a: Sequence[str],
    answers_b: Sequence[str],
    *,
    samples: int = 1,
    steps: int = 200,
    l2: float = 1e-3,
    seed: int = 0,
) -> ClassifierResult:
    """Train a logistic regression to tell whether model A or model B wrote an answer.

    ``answers_a`` and ``answers_b`` hold ``samples`` answers per problem, problem by problem
    (as :func:`answers` returns them). The prompts are split in two halves at random (seeded):
    the classifier is fitted on the answers to one half, with L-BFGS on standardised
    :func:`answer_features` and an L2 penalty, and scored on the answers to the other, so it
    never sees a test prompt. With identical sources its held-out accuracy is near 0.5.
    """
    if len(answers_a) != len(problems) * samples or len(answers_b) != len(answers_a):
        raise ValueError(
            f"need {samples} answers per problem from each model: {len(problems)} problems, "
            f"got {len(answers_a)} and {len(answers_b)} answers"
        )
    if len(problems) < 4:
        raise ValueError("source_classifier needs at least 4 problems (two per half)")
    expanded = [p for p in problems for _ in range(samples)]
    features = torch.stack(
        [answer_features(p, t) for p, t in zip(expanded + expanded, [*answers_a, *answers_b])]
    )
    labels = torch.cat([torch.zeros(len(answers_a)), torch.ones(len(answers_b))])
    order = torch.randperm(len(problems), generator=torch.Generator().manual_seed(seed))
    test_prompt = torch.zeros(len(problems), dtype=torch.bool)
    test_prompt[order[: len(problems) // 2]] = True
    test = test_prompt.repeat_interleave(samples).repeat(2)
    mean = features[~test].mean(0)
    std = features[~test].std(0).clamp_min(1e-6)
    x = (features - mean) / std
    weights = torch.zeros(x.shape[1], requires_grad=True)
    bias = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.LBFGS([weights, bias], max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        optimizer.zero_grad()
        logits = x[~test] @ weights + bias
        loss = F.binary_cross_entropy_with_logits(logits, labels[~test])
        loss = loss + l2 * weights.square().sum()
        loss.backward()
        return loss

    optimizer.step(closure)
    with torch.no_grad():
        predicted = (x @ weights + bias) > 0
        correct = predicted == labels.bool()
    return ClassifierResult(
        accuracy=correct[test].float().mean().item(),
        train_accuracy=correct[~test].float().mean().item(),
        weights=weights.detach(),
        test_size=int(test.sum()),
    )


def similarity(
    teacher: MiniMoE,
    models: dict[str, MiniMoE],
    problems: Sequence[Problem],
    *,
    samples: int = 4,
    seed: int = 0,
) -> list[dict]:
    """For each model: agreement with the teacher's greedy answers, on every prompt and on the
    teacher's mistakes (:func:`mistake_agreement`), the teacher-forced per-token KL
    (:func:`teacher_forced_kl`), and the held-out accuracy of a classifier telling its
    temperature-1 answers from the teacher's (:func:`source_classifier`, ``samples`` answers per
    prompt). One row per model."""
    teacher_greedy = answers(teacher, problems)
    teacher_sampled = answers(teacher, problems, temperature=1.0, samples=samples, seed=seed)
    rows = []
    for name, model in models.items():
        greedy = answers(model, problems)
        shared, mistakes = mistake_agreement(problems, teacher_greedy, greedy)
        sampled = answers(model, problems, temperature=1.0, samples=samples, seed=seed + 1)
        classifier = source_classifier(
            problems, teacher_sampled, sampled, samples=samples, seed=seed
        )
        rows.append(
            {
                "model": name,
                "agreement": agreement(teacher_greedy, greedy),
                "mistake_agreement": shared,
                "teacher_mistakes": mistakes,
                "kl": teacher_forced_kl(teacher, model, problems),
                "classifier": classifier.accuracy,
            }
        )
    return rows
