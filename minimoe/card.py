"""Model cards built from a trained model and what its run measured, and a check that a card's
numbers are that model's (lesson 14; the shipped checkpoints' cards are made the same way).

A model card says what a model is, how it was made, how well it does and what it is for. Here no
number on a card is typed in; each comes from the model or from the run that made it:

* :class:`TrainingRun` records a run as it happens. :meth:`TrainingRun.sft` and
  :meth:`TrainingRun.rl` train, time the stage and describe it from the config it used;
  :meth:`TrainingRun.evaluate` measures held-out accuracy and notes a fingerprint of the weights
  it measured (:func:`weights_fingerprint`), so that a number measured before the last training
  step cannot pass for the final one.
* :func:`choose_license` records a license from :mod:`minimoe.licenses` by its id, with the
  reasons for the choice and the answers of the license questions asked about it
  (:class:`LicenseChoice`).
* :meth:`ModelCard.from_run` builds the card from the model, the run and the choices a person
  makes in words (name, description, intended use, limitations, license);
  :meth:`ModelCard.to_markdown` renders it.
* :func:`check_card` refuses a card whose numbers are not those of the model and the run:
  parameter counts, architecture, weights, training stages and times, evaluations (none left
  out, none added), and a license that is in the table.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from minimoe.benchmarks import standard_error
from minimoe.config import MiniMoEConfig
from minimoe.licenses import Answer, License, LicenseTable, load_licenses
from minimoe.model import count_parameters
from minimoe.rl.trainer import RLConfig, train_rl
from minimoe.tasks import Problem
from minimoe.train import SFTConfig, evaluate, train_sft


class CardError(ValueError):
    """A model card does not match the model or the run it claims to describe."""


def weights_fingerprint(model: nn.Module) -> str:
    """A short hash of every tensor in ``model``'s state dict (names, dtypes, shapes, values).

    Two models have the same fingerprint exactly when their weights are identical, so it tells
    whether an evaluation measured these weights or earlier (or other) ones. A checkpoint saved
    and loaded again keeps its fingerprint: safetensors stores the values bit for bit.
    """
    digest = hashlib.sha256()
    for name, tensor in sorted(model.state_dict().items()):
        flat = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f"{name}|{flat.dtype}|{tuple(tensor.shape)}|".encode())
        digest.update(flat.view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()[:16]


# ------------------------------------------------------------------------------- what a run did


@dataclass(frozen=True)
class Stage:
    """One training stage of a run: its name (``"sft"``, ``"rl"``), what it did, how long it took."""

    name: str
    description: str
    seconds: float


@dataclass(frozen=True)
class Evaluation:
    """One held-out accuracy, with how it was measured.

    Attributes:
        name: the row's label, e.g. ``"rl_greedy"``.
        accuracy: mean verified reward over ``problems × samples`` answers.
        problems: held-out problems.
        samples: answers sampled per problem.
        temperature: 0 for greedy decoding, else the sampling temperature.
        weights: :func:`weights_fingerprint` of the model that was measured.
        baseline: ``""`` for the run's own model, else the name of the model it is compared with.
    """

    name: str
    accuracy: float
    problems: int
    samples: int
    temperature: float
    weights: str
    baseline: str = ""

    @property
    def label(self) -> str:
        """The name, after the baseline's when there is one: ``"sorting-cispo: greedy"``."""
        return f"{self.baseline}: {self.name}" if self.baseline else self.name

    @property
    def standard_error(self) -> float | None:
        """How far the accuracy moves when the answers to the same problems are sampled again:
        sqrt(p(1 − p) / (problems · samples)) (:func:`minimoe.benchmarks.standard_error`).
        ``None`` for greedy decoding, which gives the same answers every time."""
        if self.temperature == 0:
            return None
        return standard_error(self.accuracy, self.problems, self.samples)


def measure(
    name: str,
    model: nn.Module,
    problems: Sequence[Problem],
    *,
    temperature: float = 0.0,
    samples: int = 1,
    seed: int = 0,
    baseline: str = "",
) -> Evaluation:
    """Held-out accuracy of ``model`` (:func:`minimoe.train.evaluate`) as an :class:`Evaluation`."""
    result = evaluate(model, problems, temperature=temperature, samples=samples, seed=seed)
    return Evaluation(
        name,
        result.accuracy,
        result.problems,
        result.samples,
        float(temperature),
        weights_fingerprint(model),
        baseline,
    )


@dataclass
class TrainingRun:
    """The record of one run, filled in by the run itself.

    Train through :meth:`sft` and :meth:`rl` (each is timed and described from its config) and
    measure through :meth:`evaluate`; :meth:`ModelCard.from_run` then reads everything from here.

    Attributes:
        task: the task the model was trained on (``"sorting"``).
        difficulty: the task's difficulty setting.
        seed: the seed of the run (evaluations sample with it).
        stages: the training stages, in order.
        evaluations: the measurements, in order.
    """

    task: str
    difficulty: int
    seed: int = 0
    stages: list[Stage] = field(default_factory=list)
    evaluations: list[Evaluation] = field(default_factory=list)

    @property
    def seconds(self) -> dict[str, float]:
        """Wall-clock seconds of each training stage, by name."""
        return {stage.name: stage.seconds for stage in self.stages}

    def _stage_name(self, kind: str) -> str:
        used = {stage.name for stage in self.stages}
        if kind not in used:
            return kind
        return next(f"{kind}{n}" for n in range(2, len(used) + 2) if f"{kind}{n}" not in used)

    def _timed(self, kind: str, description: str, stage: Callable[[], list[dict]]) -> list[dict]:
        start = time.perf_counter()
        history = stage()
        seconds = time.perf_counter() - start
        self.stages.append(Stage(self._stage_name(kind), description, seconds))
        return history

    def sft(
        self, model: nn.Module, train: Sequence[Problem], config: SFTConfig, **kwargs: Any
    ) -> list[dict]:
        """:func:`minimoe.train.train_sft`, timed and recorded; returns its history."""
        description = (
            f"SFT for {config.steps} steps on {len(train):,} problems "
            f"(batch {config.batch_size}, peak learning rate {config.lr:g})"
        )
        return self._timed("sft", description, lambda: train_sft(model, train, config, **kwargs))

    def rl(
        self, model: nn.Module, train: Sequence[Problem], config: RLConfig, **kwargs: Any
    ) -> list[dict]:
        """:func:`minimoe.rl.trainer.train_rl`, timed and recorded; returns its history."""
        description = (
            f"{config.loss.upper()} for {config.steps} steps ({config.prompts_per_step} prompts × "
            f"{config.group_size} answers, {config.updates_per_batch} updates per batch, "
            f"learning rate {config.lr:g} after {config.warmup} warm-up updates)"
        )
        return self._timed("rl", description, lambda: train_rl(model, train, config, **kwargs))

    def evaluate(
        self,
        name: str,
        model: nn.Module,
        problems: Sequence[Problem],
        *,
        temperature: float = 0.0,
        samples: int = 1,
        baseline: str = "",
    ) -> Evaluation:
        """:func:`measure` with the run's seed, recorded; a name can be used once per model
        (once for the run's own model, once for each ``baseline``)."""
        if any((e.baseline, e.name) == (baseline, name) for e in self.evaluations):
            whose = f" of {baseline}" if baseline else ""
            raise ValueError(
                f"the run already has an evaluation{whose} named {name!r}; pick another name"
            )
        result = measure(
            name,
            model,
            problems,
            temperature=temperature,
            samples=samples,
            seed=self.seed,
            baseline=baseline,
        )
        self.evaluations.append(result)
        return result


# ------------------------------------------------------------------------------------ licenses


@dataclass(frozen=True)
class LicenseCheck:
    """A license question asked about the chosen license, and its answer (from an
    :class:`~minimoe.licenses.Answer`)."""

    question: str
    verdict: str
    decided_by: str

    @classmethod
    def from_answer(cls, answer: Answer) -> LicenseCheck:
        return cls(answer.question, answer.verdict, answer.clause.cite())


@dataclass(frozen=True)
class LicenseChoice:
    """A license for a model: its id in :mod:`minimoe.licenses`, and why it was chosen."""

    license: str
    name: str
    reasons: tuple[str, ...]
    checks: tuple[LicenseCheck, ...] = ()


def _license_entry(license: str, table: LicenseTable) -> License:
    """The table's license called ``license`` (id or name); refuses models, terms of service
    and unknown names, listing the licenses that come close."""
    if not isinstance(license, str) or not license.strip():
        raise TypeError(f"license must be a license id such as 'apache-2.0', got {license!r}")
    licenses = [lic for lic in table.licenses.values() if lic.kind == "license"]
    ids = ", ".join(lic.id for lic in licenses)
    try:
        entry = table.find(license)
    except ValueError:
        names = {lic.id: lic.id for lic in licenses} | {lic.name: lic.id for lic in licenses}
        close = difflib.get_close_matches(license, list(names), n=3, cutoff=0.4)
        close += difflib.get_close_matches(license.lower(), list(names), n=3, cutoff=0.4)
        close_ids = list(dict.fromkeys(names[c] for c in close))
        near = f" Did you mean {', '.join(close_ids)}?" if close_ids else ""
        raise ValueError(
            f"{license!r} is not a license in minimoe.licenses.{near} The licenses are: {ids}"
        ) from None
    if not isinstance(entry, License):
        current = entry.license_on().license
        raise ValueError(
            f"{license!r} is a model ({entry.name}), not a license; its license is {current!r}. "
            f"Choose a license id: {ids}"
        )
    if entry.kind != "license":
        raise ValueError(
            f"{entry.id!r} is a service's terms of use ({entry.name}): they govern using that "
            f"service, not a model you release. Choose a license id: {ids}"
        )
    return entry


def choose_license(
    license: str,
    reasons: Sequence[str],
    *,
    answers: Sequence[Answer] = (),
    table: LicenseTable | None = None,
) -> LicenseChoice:
    """Record ``license`` (an id or name in :mod:`minimoe.licenses`) with the ``reasons`` for it.

    ``answers`` are answers of the license questions (``may_ship_product(...)`` and so on) asked
    about this license; the card lists them. Raises ValueError for a license that is not in the
    table (naming the close matches), a model or terms of service instead of a license, no
    reasons, or an answer about another license.
    """
    table = table or load_licenses()
    entry = _license_entry(license, table)
    if isinstance(reasons, str):
        raise TypeError("reasons must be a list of sentences, e.g. ['...', '...'], not one string")
    reasons = tuple(reasons)
    if not reasons or not all(isinstance(r, str) and r.strip() for r in reasons):
        raise ValueError(
            f"give at least one reason for choosing {entry.id}, each a non-empty sentence; "
            f"got {reasons!r}"
        )
    for answer in answers:
        if not isinstance(answer, Answer):
            raise TypeError(f"answers must be minimoe.licenses answers, got {answer!r}")
        if not answer.subject.startswith(entry.name):
            raise ValueError(
                f"an answer is about {answer.subject!r}, not about {entry.name}: ask the "
                f"question with {entry.id!r}"
            )
    return LicenseChoice(
        entry.id,
        entry.name,
        tuple(r.strip() for r in reasons),
        tuple(LicenseCheck.from_answer(a) for a in answers),
    )


# ---------------------------------------------------------------------------------- the card


@dataclass(frozen=True)
class ModelCard:
    """What a model is, how it was made, how well it does, what it is for and its license.

    Build it with :meth:`from_run`, so that every number comes from the model and the run;
    :func:`check_card` verifies a card built any other way.
    """

    name: str
    description: str
    config: MiniMoEConfig
    total_parameters: int
    active_parameters: int
    weights: str
    task: str
    difficulty: int
    seed: int
    stages: tuple[Stage, ...]
    evaluations: tuple[Evaluation, ...]
    intended_use: str
    license: LicenseChoice
    limitations: str = ""
    reproduce: str = ""

    @classmethod
    def from_run(
        cls,
        model: nn.Module,
        run: TrainingRun,
        *,
        name: str,
        description: str,
        intended_use: str,
        license: LicenseChoice,
        limitations: str = "",
        reproduce: str = "",
    ) -> ModelCard:
        """The card of ``model`` as ``run`` made and measured it; the words are yours."""
        for label, text in (
            ("a name", name),
            ("a description", description),
            ("an intended use", intended_use),
        ):
            if not isinstance(text, str) or not text.strip():
                raise ValueError(f"a model card needs {label}: write it in words")
        if not isinstance(license, LicenseChoice):
            raise TypeError(f"license must come from choose_license(...), got {license!r}")
        total, active = count_parameters(model)
        return cls(
            name=name.strip(),
            description=description.strip(),
            config=model.config,
            total_parameters=total,
            active_parameters=active,
            weights=weights_fingerprint(model),
            task=run.task,
            difficulty=run.difficulty,
            seed=run.seed,
            stages=tuple(run.stages),
            evaluations=tuple(run.evaluations),
            intended_use=intended_use.strip(),
            license=license,
            limitations=limitations.strip(),
            reproduce=reproduce.strip(),
        )

    @property
    def seconds(self) -> dict[str, float]:
        """Training seconds per stage, by name."""
        return {stage.name: stage.seconds for stage in self.stages}

    @property
    def headline(self) -> dict[str, float | None]:
        """The numbers of the card's summary line: the parameter counts; the last greedy and the
        last sampled accuracy that measured the model's current weights (its own evaluations,
        not the baselines), with the sampled one's standard error; the training seconds summed
        over the stages. An accuracy the run did not measure is ``None``."""
        final = [e for e in self.evaluations if not e.baseline and e.weights == self.weights]
        greedy = [e for e in final if e.temperature == 0]
        sampled = [e for e in final if e.temperature > 0]
        return {
            "total_parameters": self.total_parameters,
            "active_parameters": self.active_parameters,
            "greedy": greedy[-1].accuracy if greedy else None,
            "sampled": sampled[-1].accuracy if sampled else None,
            "sampled_se": sampled[-1].standard_error if sampled else None,
            "training_seconds": sum(stage.seconds for stage in self.stages),
        }

    def to_metadata(self) -> dict[str, Any]:
        """The card as JSON-ready data, for a checkpoint's header."""
        data = dataclasses.asdict(self)
        data["config"] = self.config.to_dict()
        return data

    def to_markdown(self) -> str:
        """The card as markdown, the format of the shipped checkpoints' ``.md`` files."""
        c = self.config
        kinds = c.layer_types
        schedule = (
            f"{c.num_layers} layers with schedule `{c.layer_pattern}` "
            f"({kinds.count('lightning')} lightning, {kinds.count('softmax')} softmax)"
        )
        stages = "; then ".join(f"{s.description}, {s.seconds:.0f} s" for s in self.stages)
        numbers = self.headline
        accuracy = []
        if numbers["greedy"] is not None:
            accuracy.append(f"{numbers['greedy']:.3f} greedy")
        if numbers["sampled"] is not None:
            accuracy.append(f"{numbers['sampled']:.3f} ± {numbers['sampled_se']:.3f} sampled")
        measured = f"held-out accuracy {', '.join(accuracy)}; " if accuracy else ""
        lines = [
            f"# {self.name}",
            "",
            self.description,
            "",
            f"**In short:** {self.total_parameters:,} parameters ({self.active_parameters:,} "
            f"active per token); {measured}trained in {numbers['training_seconds']:.0f} s.",
            "",
            f"- **Architecture:** {schedule}, {c.num_experts} experts (top-{c.top_k}) of width "
            f"{c.expert_hidden}, hidden size {c.hidden_size}, {c.num_heads} heads; "
            f"{self.total_parameters:,} parameters, {self.active_parameters:,} active per token "
            f"(weights {self.weights}).",
            f"- **Training:** generated `{self.task}` problems (difficulty {self.difficulty}), "
            f"seed {self.seed}: {stages or 'none'}; times on the CPU that made it.",
        ]
        if self.reproduce:
            lines.append(f"- **Reproduce:** `{self.reproduce}`")
        own = [e for e in self.evaluations if not e.baseline]
        baselines = [e for e in self.evaluations if e.baseline]
        lines += [
            "- **Evaluation:** verified accuracy on held-out problems (the eval split never "
            'shares a prompt with training); "greedy" is temperature 0; a sampled accuracy '
            "averages every answer, and its standard error is how far it moves when the answers "
            "are sampled again.",
            "",
            *_evaluation_table(own),
        ]
        if baselines:
            lines += [
                "",
                "Compared with, measured the same way:",
                "",
                *_evaluation_table(baselines),
            ]
        lines += ["", f"- **Intended use:** {self.intended_use}"]
        if self.limitations:
            lines.append(f"- **Limitations:** {self.limitations}")
        lic = self.license
        lines.append(
            f"- **License:** {lic.name} (`{lic.license}` in minimoe.licenses). Why: "
            + " ".join(r if r.endswith(".") else r + "." for r in lic.reasons)
        )
        for check in lic.checks:
            lines.append(
                f"  - {check.question} **{check.verdict.upper()}** (decided by {check.decided_by})"
            )
        return "\n".join(lines) + "\n"


def _evaluation_table(evaluations: Sequence[Evaluation]) -> list[str]:
    rows = ["| metric | held-out accuracy | standard error | problems × samples | temperature |"]
    rows.append("|---|---|---|---|---|")
    for e in evaluations:
        se = "(deterministic)" if e.standard_error is None else f"{e.standard_error:.3f}"
        rows.append(
            f"| {e.label} | {e.accuracy:.3f} | {se} | {e.problems} × {e.samples} | {e.temperature:g} |"
        )
    return rows


# ---------------------------------------------------------------------------------- the check


def _differences(label: str, on_card: Any, actual: Any) -> list[str]:
    return [] if on_card == actual else [f"{label}: the card says {on_card!r}, it is {actual!r}"]


def check_card(card: ModelCard, model: nn.Module, run: TrainingRun) -> None:
    """Raise :class:`CardError` unless ``card``'s numbers are those of ``model`` and ``run``.

    Checked: the total and active parameter counts, the architecture and the weights'
    fingerprint against the model; the task, seed, training stages and their times, and every
    evaluation against the run (exactly: a number copied from a printout, or kept from an
    earlier run, does not match); that no measurement was left out or added; that at least one
    of the model's own evaluations measured its current weights (none is stale); and that the
    license is a license in :mod:`minimoe.licenses` with reasons. Every problem found is listed.
    """
    if not isinstance(card, ModelCard):
        raise TypeError(f"check_card expects a ModelCard, got {type(card).__name__}")
    problems: list[str] = []
    total, active = count_parameters(model)
    problems += _differences("total parameters", card.total_parameters, total)
    problems += _differences("active parameters", card.active_parameters, active)
    if card.config != model.config:
        changed = [
            f"{key}={value!r} (model: {model.config.to_dict()[key]!r})"
            for key, value in card.config.to_dict().items()
            if model.config.to_dict()[key] != value
        ]
        problems.append(f"architecture differs from the model's: {', '.join(changed)}")
    current = weights_fingerprint(model)
    problems += _differences("weights", card.weights, current)
    problems += _differences("task", card.task, run.task)
    problems += _differences("difficulty", card.difficulty, run.difficulty)
    problems += _differences("seed", card.seed, run.seed)
    names = [stage.name for stage in card.stages]
    problems += _differences("training stages", names, [stage.name for stage in run.stages])
    measured_stages = {s.name: s for s in run.stages}
    for stage in card.stages:
        if stage.name in measured_stages and stage != measured_stages[stage.name]:
            truth = measured_stages[stage.name]
            problems.append(
                f"stage {stage.name!r}: the card says {stage.description!r} in "
                f"{stage.seconds:.3f} s; the run did {truth.description!r} in {truth.seconds:.3f} s"
            )
    measured = {e.label: e for e in run.evaluations}
    carded = {e.label: e for e in card.evaluations}
    for name in measured.keys() - carded.keys():
        problems.append(f"evaluation {name!r} was measured but is not on the card")
    for name in carded.keys() - measured.keys():
        problems.append(f"evaluation {name!r} is on the card but the run never measured it")
    for name in carded.keys() & measured.keys():
        on_card, truth = carded[name], measured[name]
        if on_card != truth:
            fields = [
                f"{f.name} {getattr(on_card, f.name)!r} (measured {getattr(truth, f.name)!r})"
                for f in dataclasses.fields(Evaluation)
                if getattr(on_card, f.name) != getattr(truth, f.name)
            ]
            problems.append(f"evaluation {name!r} differs from the run's: {', '.join(fields)}")
    own = [e for e in run.evaluations if not e.baseline]
    if not any(e.weights == current for e in own):
        problems.append(
            "no evaluation measured the model's current weights (the model changed after its "
            "last evaluation, or it is another model): evaluate it again after the last step"
        )
    if not isinstance(card.license, LicenseChoice):
        problems.append(f"license must come from choose_license(...), got {card.license!r}")
    else:
        try:
            choose_license(card.license.license, card.license.reasons)
        except (TypeError, ValueError) as err:
            problems.append(f"license: {err}")
    if problems:
        raise CardError(
            f"the card of {card.name!r} does not match the model and its run:\n- "
            + "\n- ".join(problems)
        )
