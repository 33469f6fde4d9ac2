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
    steps for a notebook, or ``eval_every`` for held-out accuracy during the run). Returns one row
    per (seed, loss): ``sft_*`` and ``rl_*`` accuracies (:func:`accuracies`; the final ``rl_*``
    come from the run's last evaluation, which is the same measurement), the seconds of each
    stage, and the history of :func:`~minimoe.rl.trainer.train_rl` (``eval_*`` on the steps it
    evaluated).
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
            if rl.temperature != 1.0:
                raise ValueError("compare_losses measures accuracies at T = 1: keep temperature=1")
            start = time.perf_counter()
            history = train_rl(model, train, rl, eval_problems=held_out, progress=progress)
            final = {f"rl_{k[5:]}": v for k, v in history[-1].items() if k.startswith("eval_")}
            rows.append(
                {
                    "seed": seed,
                    "loss": loss,
                    **before,
                    **final,
                    "sft_seconds": sft_seconds,
                    "rl_seconds": time.perf_counter() - start,
                    "history": history,
                }
            )
    return rows


COMPARISON_KEYS = ("sft_greedy", "sft_sampled", "rl_greedy", "rl_sampled", "rl_seconds")
"""What ``minimoe compare`` summarises over seeds, per loss."""

SHIPPED_COMPARISON = Path(__file__).resolve().parent / "data" / "sorting_rl_comparison.json"
"""The three-seed CISPO/DAPO/GRPO comparison shipped with minimoe (its plot: the same name,
.png). Made by ``COMPARISON_COMMAND``."""

COMPARISON_COMMAND = (
    "minimoe compare --recipe sorting-cispo --eval-every 10 "
    "--json minimoe/data/sorting_rl_comparison.json"
)


def _rounded(value, digits: int = 4):
    """``value`` with every float rounded to ``digits`` decimals (lists and dicts walked)."""
    if isinstance(value, float):
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    return value


def comparison_record(recipe: Recipe, rows: list[dict], rl_changes: dict | None = None) -> dict:
    """What ``minimoe compare --json`` writes: the recipe, its RL settings with the changes,
    the losses and seeds, the per-loss summary over seeds (:func:`summarize_over_seeds` of
    ``COMPARISON_KEYS``: mean and standard deviation) and every row of :func:`compare_losses`
    with its history; floats rounded to 4 decimals."""
    recipe = pick(recipe, recipe.smoke())
    rl = dataclasses.replace(recipe.rl, **(rl_changes or {})) if recipe.rl else None
    settings = dataclasses.asdict(rl) if rl else {}
    settings.pop("loss", None)
    settings.pop("seed", None)
    record = {
        "recipe": recipe.name,
        "rl": settings,
        "losses": list(dict.fromkeys(r["loss"] for r in rows)),
        "seeds": list(dict.fromkeys(r["seed"] for r in rows)),
        "eval_samples": EVAL_SAMPLES,
        "summary": summarize_over_seeds(rows, COMPARISON_KEYS),
        "runs": rows,
    }
    return _rounded(record)


def plot_comparison(record: dict, axes=None):
    """Held-out accuracy (T = 1 and greedy) against RL steps, and the rollouts' mean reward,
    for each loss of a :func:`comparison_record`: lines are means over the seeds, bands span
    them. Step 0 is the SFT start. Draws into three ``axes`` if given; returns the figure."""
    import matplotlib.pyplot as plt

    if axes is None:
        fig, axes = plt.subplots(1, 3, figsize=(14, 3.6))
    fig = axes[0].figure
    for loss in record["losses"]:
        runs = [r for r in record["runs"] if r["loss"] == loss]
        for ax, key in zip(axes, ("sampled", "greedy")):
            points = [
                [(0, r[f"sft_{key}"])]
                + [(h["step"], h[f"eval_{key}"]) for h in r["history"] if f"eval_{key}" in h]
                for r in runs
            ]
            steps = [s for s, _ in points[0]]
            values = torch.tensor([[v for _, v in run] for run in points])
            ax.plot(steps, values.mean(0), marker="o", label=loss)
            ax.fill_between(steps, values.min(0).values, values.max(0).values, alpha=0.2)
        rewards = torch.tensor([[h["reward"] for h in r["history"]] for r in runs])
        steps = [h["step"] for h in runs[0]["history"]]
        axes[2].plot(steps, rewards.mean(0), label=loss)
        axes[2].fill_between(steps, rewards.min(0).values, rewards.max(0).values, alpha=0.2)
    seeds = len(record["seeds"])
    titles = (
        f"Held-out accuracy at T = 1 ({record['eval_samples']} answers each)",
        "Held-out accuracy, greedy",
        "Mean reward of the rollouts",
    )
    for ax, title, unit in zip(axes, titles, ("accuracy", "accuracy", "reward (share correct)")):
        ax.set_xlabel("RL step")
        ax.set_ylabel(unit)
        ax.set_title(title)
    axes[0].legend(title=f"{seeds} seeds: mean, band = range")
    fig.suptitle(f"CISPO vs DAPO vs GRPO from the same SFT start ({record['recipe']})")
    fig.tight_layout()
    return fig


def write_comparison(record: dict, path: str | Path) -> tuple[Path, Path]:
    """Write ``record`` as JSON to ``path`` and its :func:`plot_comparison` beside it (.png)."""
    import json

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(f"--json {path}: folder {path.parent} does not exist; create it")
    path.write_text(json.dumps(record, separators=(",", ":")) + "\n")
    fig = plot_comparison(record)
    png = path.with_suffix(".png")
    fig.savefig(png, dpi=100, bbox_inches="tight")
    plt.close(fig)
    return path, png


def load_comparison(path: str | Path = SHIPPED_COMPARISON) -> dict:
    """A comparison written by :func:`write_comparison` (by default the shipped one)."""
    import json

    return json.loads(Path(path).read_text())


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
