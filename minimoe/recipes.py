"""Named, reproducible training recipes: the shipped checkpoints and the demo are made by these.

A recipe fixes everything a run depends on: the task and its difficulty, the model preset, the
data sizes and seeds, the SFT settings and (optionally) the RL settings. ``minimoe recipe NAME``
runs one and writes a checkpoint whose header records the recipe and the measured accuracies;
``MINIMOE_SMOKE=1`` (or ``--smoke``) shrinks it to seconds for tests.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path

import torch

from minimoe.card import ModelCard, TrainingRun, choose_license
from minimoe.checkpoint import save_checkpoint
from minimoe.config import MiniMoEConfig
from minimoe.model import MiniMoE
from minimoe.rl.trainer import RLConfig, train_rl
from minimoe.smoke import pick
from minimoe.tasks import TOKENIZER, Problem, make_dataset
from minimoe.train import EVAL_SAMPLES, SFTConfig, held_out_accuracy, train_sft

SHIPPED = Path(__file__).resolve().parent / "checkpoints"


@dataclass(frozen=True)
class Recipe:
    """Everything one training run depends on."""

    name: str
    description: str
    task: str = "sorting"
    difficulty: int = 10
    preset: str = "tiny"
    train_size: int = 4000
    eval_size: int = 200
    sft: SFTConfig = field(default_factory=SFTConfig)
    rl: RLConfig | None = None
    seed: int = 0

    def smoke(self) -> Recipe:
        """The same recipe at toy sizes (seconds), for tests and ``--smoke``."""
        rl = None
        if self.rl is not None:
            rl = dataclasses.replace(
                self.rl, steps=2, prompts_per_step=4, group_size=4, eval_every=0
            )
        return dataclasses.replace(
            self,
            train_size=200,
            eval_size=16,
            sft=dataclasses.replace(self.sft, steps=10, batch_size=16, eval_every=0, warmup=2),
            rl=rl,
        )

    def with_seed(self, seed: int) -> Recipe:
        sft = dataclasses.replace(self.sft, seed=seed)
        rl = dataclasses.replace(self.rl, seed=seed) if self.rl else None
        return dataclasses.replace(self, seed=seed, sft=sft, rl=rl)

    def data(self) -> tuple[list[Problem], list[Problem]]:
        """(train, eval) problems; the eval split never shares a prompt with training."""
        train = make_dataset(
            self.task, self.train_size, seed=1, split="train", difficulty=self.difficulty
        )
        held_out = make_dataset(
            self.task, self.eval_size, seed=2, split="eval", difficulty=self.difficulty
        )
        return train, held_out

    def model_config(self) -> MiniMoEConfig:
        return MiniMoEConfig.preset(self.preset, vocab_size=TOKENIZER.vocab_size)


SFT_SORTING = Recipe(
    name="sorting-sft",
    description="A tiny hybrid (7 lightning : 1 softmax) MoE warm-started by SFT to sort 10 digits.",
    sft=SFTConfig(steps=100, batch_size=64, lr=3e-3, warmup=10, eval_every=0),
)

CISPO_SORTING = dataclasses.replace(
    SFT_SORTING,
    name="sorting-cispo",
    description="sorting-sft improved with CISPO (several off-policy updates per rollout batch).",
    rl=RLConfig(
        loss="cispo",
        steps=30,
        prompts_per_step=32,
        group_size=8,
        updates_per_batch=2,
        lr=1e-4,
        eval_every=0,
    ),
)

RECIPES: dict[str, Recipe] = {r.name: r for r in (SFT_SORTING, CISPO_SORTING)}


def get_recipe(name: str) -> Recipe:
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(sorted(RECIPES))}")
    return RECIPES[name]


@dataclass
class RunResult:
    """What :func:`run_recipe` measured."""

    model: MiniMoE
    sft_history: list[dict]
    rl_history: list[dict]
    accuracy: dict[str, float]  # e.g. {"sft_greedy": …, "sft_sampled": …, "sft_sampled_se": …}
    seconds: dict[str, float]


def accuracies(
    model: MiniMoE, problems: list[Problem], prefix: str, seed: int = 0
) -> dict[str, float]:
    """Held-out accuracy greedy (``{prefix}_greedy``) and at temperature 1, the RL sampling
    temperature, averaged over ``EVAL_SAMPLES`` answers per problem (``{prefix}_sampled``, with
    its standard error ``{prefix}_sampled_se``): :func:`minimoe.train.held_out_accuracy`."""
    result = held_out_accuracy(model, problems, temperature=1.0, seed=seed)
    return {f"{prefix}_{key}": value for key, value in result.items()}


def run_recipe(
    recipe: Recipe, *, out: str | Path | None = None, progress: bool = True
) -> RunResult:
    """Train ``recipe`` from scratch; save the result to ``out`` when given, with its model card
    (:func:`model_card`) beside it as ``.md``."""
    recipe = pick(recipe, recipe.smoke())
    torch.manual_seed(recipe.seed)
    train, held_out = recipe.data()
    model = MiniMoE(recipe.model_config())
    run = TrainingRun(recipe.task, recipe.difficulty, recipe.seed)
    sft_history = run.sft(model, train, recipe.sft, progress=progress)
    _record_accuracies(run, model, held_out, "sft")
    rl_history: list[dict] = []
    if recipe.rl is not None:
        rl_history = run.rl(model, train, recipe.rl, progress=progress)
        _record_accuracies(run, model, held_out, "rl")
    accuracy = {}  # what accuracies() returns: each accuracy, and a sampled one's standard error
    for e in run.evaluations:
        accuracy[e.name] = e.accuracy
        if e.standard_error is not None:
            accuracy[f"{e.name}_se"] = e.standard_error
    if out is not None:
        meta = {
            "recipe": recipe.name,
            "seed": recipe.seed,
            "accuracy": accuracy,
            "seconds": run.seconds,
        }
        save_checkpoint(out, model, model.config, metadata=meta)
        Path(out).with_suffix(".md").write_text(model_card(recipe, model, run).to_markdown())
    return RunResult(model, sft_history, rl_history, accuracy, run.seconds)


def _record_accuracies(run: TrainingRun, model: MiniMoE, problems: list[Problem], prefix: str):
    """What :func:`accuracies` measures, recorded in ``run`` for the model card."""
    run.evaluate(f"{prefix}_greedy", model, problems, temperature=0.0)
    run.evaluate(f"{prefix}_sampled", model, problems, temperature=1.0, samples=EVAL_SAMPLES)


def model_card(recipe: Recipe, model: MiniMoE, run: TrainingRun) -> ModelCard:
    """The model card of a checkpoint made by ``recipe`` (:class:`minimoe.card.ModelCard`)."""
    return ModelCard.from_run(
        model,
        run,
        name=recipe.name,
        description=recipe.description,
        intended_use="teaching. It sorts digit strings in the course's task format and "
        "nothing else.",
        license=choose_license("apache-2.0", ["Apache-2.0, like the rest of minimoe's code"]),
        reproduce=f"minimoe recipe {recipe.name} --seed {recipe.seed} --out "
        f"{recipe.name}.safetensors",
    )


def compare_losses(
    recipe: Recipe,
    losses: tuple[str, ...] = ("cispo", "dapo", "grpo"),
    seeds: tuple[int, ...] = (0, 1, 2),
    *,
    rl_changes: dict | None = None,
    progress: bool = True,
) -> list[dict]:
    """Warm-start one model per seed with the recipe's SFT, then RL-tune a copy with each loss.

    Every loss sees the same SFT model, prompts and RL budget for a given seed, so differences
    come from the loss alone. ``rl_changes`` overrides fields of the recipe's RLConfig (e.g. fewer
    steps for a notebook). Returns one row per (seed, loss) with the accuracies and the history.
    """
    if recipe.rl is None:
        raise ValueError(f"recipe {recipe.name!r} has no RL stage to compare")
    rows = []
    for seed in seeds:
        seeded = pick(recipe, recipe.smoke()).with_seed(seed)
        torch.manual_seed(seed)
        train, held_out = seeded.data()
        model = MiniMoE(seeded.model_config())
        start = time.perf_counter()
        train_sft(model, train, seeded.sft, progress=progress)
        sft_seconds = time.perf_counter() - start
        before = accuracies(model, held_out, "sft", seed)
        warm = {k: v.clone() for k, v in model.state_dict().items()}
        for loss in losses:
            model.load_state_dict(warm)
            rl = dataclasses.replace(seeded.rl, loss=loss, loss_config=None, **(rl_changes or {}))
            start = time.perf_counter()
            history = train_rl(model, train, rl, progress=progress)
            rows.append(
                {
                    "seed": seed,
                    "loss": loss,
                    **before,
                    **accuracies(model, held_out, "rl", seed),
                    "sft_seconds": sft_seconds,
                    "rl_seconds": time.perf_counter() - start,
                    "history": history,
                }
            )
    return rows


def summarize_over_seeds(
    rows: list[dict], keys: tuple[str, ...] = ("rl_greedy", "rl_sampled", "rl_seconds")
) -> dict[str, dict[str, tuple[float, float]]]:
    """``{loss: {key: (mean, standard deviation over seeds)}}`` for rows of
    :func:`compare_losses` (or any rows with a ``"loss"`` and the ``keys``)."""
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for loss in dict.fromkeys(r["loss"] for r in rows):
        mine = [r for r in rows if r["loss"] == loss]
        out[loss] = {}
        for key in keys:
            values = torch.tensor([float(r[key]) for r in mine])
            spread = values.std().item() if len(values) > 1 else 0.0
            out[loss][key] = (values.mean().item(), spread)
    return out
