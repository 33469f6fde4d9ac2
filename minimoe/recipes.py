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
from minimoe.rl.losses import AGGREGATIONS, LossConfig, get_policy_loss
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
            difficulty=min(self.difficulty, 10),  # long-answer tasks: shorter answers, seconds
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
"""The recipes with a shipped checkpoint (``minimoe recipe NAME``)."""

CISPO_REMAINDER = Recipe(
    name="remainder-cispo",
    description="A tiny hybrid MoE warm-started by SFT to find remainders by repeated "
    "subtraction (answers of 6 to 120 tokens), then improved with CISPO.",
    task="remainder",
    difficulty=30,
    train_size=1000,
    eval_size=64,
    sft=SFTConfig(steps=300, batch_size=32, lr=3e-3, warmup=10, eval_every=0),
    rl=RLConfig(
        loss="cispo",
        steps=16,
        prompts_per_step=8,
        group_size=8,
        updates_per_batch=4,
        lr=5e-5,
        warmup=4,
        eval_every=4,
        eval_problems=64,
        eval_samples=4,
    ),
)
"""The long-answer comparison's recipe (``minimoe compare --task remainder``): SFT stops
early on purpose, leaving held-out accuracy far below the ceiling and pass@k at T = 1 well above
it, the headroom RL can harvest."""


@dataclass(frozen=True)
class Comparison:
    """What ``minimoe compare --task NAME`` runs by default, and what it reports.

    ``losses`` are loss names, each optionally with an aggregation after a colon
    (``"grpo:token_mean"``: GRPO's loss averaged DAPO's way; see
    :data:`minimoe.rl.losses.AGGREGATIONS`). With ``target_gain`` set, the record also carries
    the long-answer analysis (:func:`comparison_analysis`): accuracy at the evaluated steps,
    steps until the T = 1 accuracy first rises ``target_gain`` above the run's SFT start, answer
    length and entropy over training, and the clip statistics on fork tokens (π_θold below
    ``fork_probability``) against common ones.
    """

    task: str
    recipe: Recipe
    losses: tuple[str, ...] = ("cispo", "dapo", "grpo")
    eval_every: int | None = None
    target_gain: float | None = None
    fork_probability: float | None = None
    command: str = ""


def parse_loss(spec: str) -> tuple[str, LossConfig | None]:
    """``"grpo:token_mean"`` -> ``("grpo", LossConfig(aggregation="token_mean"))``; a bare name
    keeps its paper's settings (None). Unknown names or aggregations raise ValueError."""
    name, _, aggregation = spec.partition(":")
    get_policy_loss(name)
    if not aggregation:
        return name, None
    if aggregation not in AGGREGATIONS:
        raise ValueError(
            f"{spec!r}: aggregation must be one of {', '.join(AGGREGATIONS)}, got {aggregation!r}"
        )
    return name, LossConfig(aggregation=aggregation)


def get_recipe(name: str) -> Recipe:
    """A recipe of ``RECIPES``, or the recipe of a comparison (``COMPARISONS``)."""
    known = {**{c.recipe.name: c.recipe for c in COMPARISONS.values()}, **RECIPES}
    if name not in known:
        raise ValueError(f"unknown recipe {name!r}; choose one of {', '.join(sorted(known))}")
    return known[name]


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
    fork_probability: float | None = None,
) -> list[dict]:
    """Warm-start one model per seed with the recipe's SFT, then RL-tune a copy with each loss.

    Every loss sees the same SFT model, prompts and RL budget for a given seed, so differences
    come from the loss alone. ``rl_changes`` overrides fields of the recipe's RLConfig (e.g. fewer
    steps for a notebook, or ``eval_every`` for held-out accuracy during the run). Returns one row
    per (seed, loss): ``sft_*`` and ``rl_*`` accuracies (:func:`accuracies`; the final ``rl_*``
    come from the run's last evaluation, which is the same measurement), the seconds of each
    stage, and the history of :func:`~minimoe.rl.trainer.train_rl` (``eval_*`` on the steps it
    evaluated). A loss may carry an aggregation, ``"grpo:token_mean"`` (:func:`parse_loss`);
    the row's ``loss`` is that label. ``fork_probability`` adds the clip metrics on fork and
    common tokens to every step (:func:`~minimoe.rl.trainer.step_record`).
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
            name, loss_config = parse_loss(loss)
            rl = dataclasses.replace(
                seeded.rl, loss=name, loss_config=loss_config, **(rl_changes or {})
            )
            if rl.temperature != 1.0:
                raise ValueError("compare_losses measures accuracies at T = 1: keep temperature=1")
            start = time.perf_counter()
            history = train_rl(
                model,
                train,
                rl,
                eval_problems=held_out,
                progress=progress,
                fork_probability=fork_probability,
            )
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


REMAINDER_COMPARISON_FILE = (
    Path(__file__).resolve().parent / "data" / "remainder_rl_comparison.json"
)
"""The long-answer comparison shipped with minimoe (plot: same name, .png); see COMPARISONS."""

COMPARISONS: dict[str, Comparison] = {
    "sorting": Comparison("sorting", CISPO_SORTING, command=COMPARISON_COMMAND),
    "remainder": Comparison(
        "remainder",
        CISPO_REMAINDER,
        losses=("cispo", "dapo", "grpo", "grpo:token_mean", "dr_grpo"),
        target_gain=0.04,
        fork_probability=0.5,
        command="minimoe compare --task remainder --json minimoe/data/remainder_rl_comparison.json",
    ),
}
"""``minimoe compare --task NAME``: each task's recipe, losses and analysis. Sorting (the
default) has 12-token answers, where every aggregation gives the same gradient; remainder has
answers of 6 to 120 tokens whose success turns on one rare stop token."""


def get_comparison(task: str) -> Comparison:
    if task not in COMPARISONS:
        raise ValueError(f"no comparison for task {task!r}; choose one of {', '.join(COMPARISONS)}")
    return COMPARISONS[task]


def _rounded(value, digits: int = 4):
    """``value`` with every float rounded to ``digits`` decimals (lists and dicts walked); a
    float below 10^-digits in size keeps ``digits`` significant digits instead, so that a
    learning rate such as 5e-5 survives."""
    if isinstance(value, float):
        if value != 0 and abs(value) < 10**-digits:
            return float(f"{value:.{digits}g}")
        return round(value, digits)
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_rounded(v, digits) for v in value]
    return value


def comparison_record(
    recipe: Recipe,
    rows: list[dict],
    rl_changes: dict | None = None,
    *,
    comparison: Comparison | None = None,
    wall_seconds: float | None = None,
) -> dict:
    """What ``minimoe compare --json`` writes: the recipe, its RL settings with the changes,
    the losses and seeds, the per-loss summary over seeds (:func:`summarize_over_seeds` of
    ``COMPARISON_KEYS``: mean and standard deviation) and every row of :func:`compare_losses`
    with its history; floats rounded to 4 decimals. A ``comparison`` with a ``target_gain``
    adds its task, command, the whole run's ``wall_seconds`` and ``analysis``
    (:func:`comparison_analysis`)."""
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
    if comparison is not None and comparison.target_gain is not None:
        record.update(
            task=comparison.task,
            command=comparison.command,
            wall_seconds=wall_seconds,
            analysis=comparison_analysis(rows, comparison.target_gain, comparison.fork_probability),
        )
    return _rounded(record)


CLIP_KEYS = (
    "clip_fraction_ref_fork",
    "clip_fraction_ref_common",
    "dropped_gradient_mass_ref_fork",
    "dropped_gradient_mass_ref_common",
    "fork_share",
)
"""The per-step clip statistics on fork and common tokens that the analysis averages."""


def _mean_std(values: list[float]) -> list[float]:
    """[mean, standard deviation] of ``values`` (the deviation is 0 for a single value)."""
    tensor = torch.tensor([float(v) for v in values])
    spread = tensor.std().item() if len(tensor) > 1 else 0.0
    return [tensor.mean().item(), spread]


def comparison_analysis(
    rows: list[dict], target_gain: float, fork_probability: float | None
) -> dict:
    """The long-answer analysis of :func:`compare_losses` rows, per loss (over seeds):

    ``accuracy``: ``{"sampled"|"greedy": {step: [mean, std]}}`` at step 0 (the SFT start) and
    every evaluated step. ``steps_to_target``: for each seed the first evaluated step whose T = 1
    accuracy is at least the run's SFT start + ``target_gain`` (None if never), how many seeds
    got there and the mean over those. ``length`` and ``entropy``: ``{"steps", "mean", "std"}``
    of the rollouts' mean answer length (tokens) and the sampler's entropy at each step.
    ``final_length``: [mean, std] of the last step's mean answer length. ``clip``: the
    ``CLIP_KEYS`` averaged over each run's steps, then [mean, std] over seeds.
    """
    out: dict = {"target_gain": target_gain, "fork_probability": fork_probability, "losses": {}}
    for loss in dict.fromkeys(r["loss"] for r in rows):
        runs = [r for r in rows if r["loss"] == loss]
        accuracy: dict = {}
        for key in ("sampled", "greedy"):
            points: dict[int, list[float]] = {0: [r[f"sft_{key}"] for r in runs]}
            for r in runs:
                for h in r["history"]:
                    if f"eval_{key}" in h:
                        points.setdefault(h["step"], []).append(h[f"eval_{key}"])
            accuracy[key] = {str(step): _mean_std(v) for step, v in points.items()}
        reached = []
        for r in runs:
            goal = r["sft_sampled"] + target_gain
            hits = [h["step"] for h in r["history"] if h.get("eval_sampled", -1.0) >= goal - 1e-9]
            reached.append(hits[0] if hits else None)
        got = [s for s in reached if s is not None]
        steps = [h["step"] for h in runs[0]["history"]]
        curves = {}
        for key in ("response_length", "entropy"):
            per_step = [[r["history"][i][key] for r in runs] for i in range(len(steps))]
            stats = [_mean_std(v) for v in per_step]
            curves[key] = {
                "steps": steps,
                "mean": [m for m, _ in stats],
                "std": [s for _, s in stats],
            }
        clip = {}
        if fork_probability is not None:
            for key in CLIP_KEYS:
                clip[key] = _mean_std(
                    [sum(h[key] for h in r["history"]) / len(r["history"]) for r in runs]
                )
        out["losses"][loss] = {
            "accuracy": accuracy,
            "steps_to_target": {
                "per_seed": reached,
                "reached": len(got),
                "mean": sum(got) / len(got) if got else None,
            },
            "length": curves["response_length"],
            "entropy": curves["entropy"],
            "final_length": _mean_std([r["history"][-1]["response_length"] for r in runs]),
            "clip": clip,
        }
    return out


def plot_comparison(record: dict, axes=None):
    """Held-out accuracy (T = 1 and greedy) against RL steps, and the rollouts' mean reward,
    for each loss of a :func:`comparison_record`: lines are means over the seeds, bands span
    them. Step 0 is the SFT start. A record with an ``analysis`` gets a second row: mean answer
    length and entropy over training, and the clip statistics on fork vs common tokens. Draws
    into the given ``axes`` (three, or six with an analysis); returns the figure."""
    import matplotlib.pyplot as plt

    analysis = record.get("analysis")
    if axes is None:
        rows = 2 if analysis else 1
        fig, axes = plt.subplots(rows, 3, figsize=(14, 3.6 * rows))
    axes = list(getattr(axes, "flat", axes))
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
        for ax, key in zip(
            axes[2:5] if analysis else axes[2:3], ("reward", "response_length", "entropy")
        ):
            values = torch.tensor([[h[key] for h in r["history"]] for r in runs])
            steps = [h["step"] for h in runs[0]["history"]]
            ax.plot(steps, values.mean(0), label=loss)
            ax.fill_between(steps, values.min(0).values, values.max(0).values, alpha=0.2)
    seeds = len(record["seeds"])
    titles = [
        (f"Held-out accuracy at T = 1 ({_samples_note(record)})", "accuracy"),
        ("Held-out accuracy, greedy", "accuracy"),
        ("Mean reward of the rollouts", "reward (share correct)"),
    ]
    if analysis:
        titles += [
            ("Mean answer length of the rollouts", "tokens"),
            ("Entropy of the sampler", "nats per token"),
        ]
    for ax, (title, unit) in zip(axes, titles):
        ax.set_xlabel("RL step")
        ax.set_ylabel(unit)
        ax.set_title(title)
    axes[0].legend(title=f"{seeds} seeds: mean, band = range", fontsize=8)
    if analysis:
        ax = axes[5]
        losses = list(analysis["losses"])
        width = 0.2
        bars = (
            ("clip_fraction_ref_fork", "clipped share, fork"),
            ("clip_fraction_ref_common", "clipped share, common"),
            ("dropped_gradient_mass_ref_fork", "dropped mass, fork"),
            ("dropped_gradient_mass_ref_common", "dropped mass, common"),
        )
        for i, (key, label) in enumerate(bars):
            means = [analysis["losses"][loss]["clip"][key][0] for loss in losses]
            ax.bar([j + (i - 1.5) * width for j in range(len(losses))], means, width, label=label)
        ax.set_xticks(range(len(losses)), losses, rotation=20, fontsize=8)
        ax.set_ylabel("share (mean over steps and seeds)")
        ax.set_xlabel("loss")
        ax.set_title(
            f"PPO clip at ε = 0.2: forks (π_old < {analysis['fork_probability']}) vs common"
        )
        ax.legend(fontsize=7)
    fig.suptitle(f"CISPO vs DAPO vs GRPO from the same SFT start ({record['recipe']})")
    fig.tight_layout()
    return fig


def _samples_note(record: dict) -> str:
    rl = record["rl"].get("eval_samples", record["eval_samples"])
    if rl == record["eval_samples"]:
        return f"{rl} answers each"
    return f"{record['eval_samples']} answers each at step 0, {rl} after"


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
            out[loss][key] = tuple(_mean_std([r[key] for r in mine]))
    return out
