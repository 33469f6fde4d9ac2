"""Recipes run end to end at smoke size; shipped checkpoints load and score as their cards say."""

from __future__ import annotations

import pytest

from minimoe.checkpoint import load_checkpoint, read_header
from minimoe.cli import main
from minimoe.recipes import (
    CISPO_SORTING,
    COMPARISON_COMMAND,
    COMPARISONS,
    RECIPES,
    REMAINDER_COMPARISON_FILE,
    SHIPPED,
    SHIPPED_COMPARISON,
    accuracies,
    get_recipe,
    load_comparison,
    parse_loss,
    run_recipe,
)
from minimoe.rl.losses import LossConfig
from minimoe.smoke import ENV_VAR


@pytest.fixture
def smoke(monkeypatch):
    monkeypatch.setenv(ENV_VAR, "1")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RECIPES))
def test_recipe_runs_at_smoke_size_and_writes_checkpoint_and_card(name, smoke, tmp_path):
    out = tmp_path / f"{name}.safetensors"
    result = run_recipe(get_recipe(name), out=out, progress=False)
    header = read_header(out)
    assert header["metadata"]["recipe"] == name
    assert header["metadata"]["accuracy"] == result.accuracy
    card = out.with_suffix(".md").read_text()
    assert f"minimoe recipe {name}" in card and "Apache-2.0" in card


def test_unknown_recipe_lists_the_known_ones():
    with pytest.raises(ValueError, match="sorting-sft"):
        get_recipe("sorting-ppo")


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_shipped_checkpoint_scores_as_its_card_says(name):
    path = SHIPPED / f"{name}.safetensors"
    checkpoint = load_checkpoint(path)
    recipe = get_recipe(checkpoint.metadata["recipe"]).with_seed(checkpoint.metadata["seed"])
    _, held_out = recipe.data()
    stage = "rl" if recipe.rl else "sft"
    measured = accuracies(checkpoint.model, held_out, stage, recipe.seed)
    claimed = checkpoint.metadata["accuracy"]
    # Greedy decoding is deterministic; a different CPU or BLAS may flip a borderline token or two.
    assert measured[f"{stage}_greedy"] == pytest.approx(claimed[f"{stage}_greedy"], abs=0.02)
    # T = 1 averages EVAL_SAMPLES answers per problem; the same seed draws the same answers,
    # up to those flipped tokens, so it stays well within three standard errors
    error = claimed[f"{stage}_sampled_se"]
    assert error < 0.02
    assert measured[f"{stage}_sampled"] == pytest.approx(claimed[f"{stage}_sampled"], abs=3 * error)
    card = path.with_suffix(".md").read_text()
    assert f"| {stage}_greedy | {claimed[f'{stage}_greedy']:.3f} |" in card
    assert f"| {stage}_sampled | {claimed[f'{stage}_sampled']:.3f} | {error:.3f} |" in card


@pytest.mark.slow
def test_demo_smoke_prints_a_table_and_saves_a_plot(smoke, tmp_path, capsys):
    assert main(["demo", "--smoke", "--quiet", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "SFT warm start" in out and "+ CISPO" in out and "tokens/s" in out
    assert (tmp_path / "demo.png").stat().st_size > 10_000


def _shape(record: dict) -> dict:
    """The structure of a comparison record: its keys at every level, without the values."""
    runs = record["runs"]
    return {
        "record": sorted(record),
        "rl": sorted(record["rl"]),
        "summary": sorted({key for stats in record["summary"].values() for key in stats}),
        "run": sorted({key for run in runs for key in run}),
        "step": sorted({key for run in runs for step in run["history"] for key in step}),
    }


@pytest.mark.slow
def test_shipped_comparison_has_the_shape_compare_writes(smoke, tmp_path, capsys):
    out = tmp_path / "comparison.json"
    argv = ["compare", "--smoke", "--quiet", "--losses", "cispo,grpo", "--seeds", "0"]
    assert main([*argv, "--eval-every", "1", "--json", str(out)]) == 0
    assert f"wrote {out.with_suffix('.png')}" in capsys.readouterr().out
    written, shipped = load_comparison(out), load_comparison(SHIPPED_COMPARISON)
    assert _shape(written) == _shape(shipped)
    assert SHIPPED_COMPARISON.with_suffix(".png").is_file()


def test_shipped_comparison_is_what_its_command_makes():
    shipped = load_comparison()
    assert COMPARISON_COMMAND.startswith("minimoe compare --recipe sorting-cispo ")
    assert shipped["recipe"] == CISPO_SORTING.name
    assert shipped["losses"] == ["cispo", "dapo", "grpo"] and shipped["seeds"] == [0, 1, 2]
    settings = {k: v for k, v in shipped["rl"].items() if k != "eval_every"}
    recipe = {k: v for k, v in vars(CISPO_SORTING.rl).items() if k in settings}
    assert settings == {k: list(v) if isinstance(v, tuple) else v for k, v in recipe.items()}
    assert shipped["rl"]["eval_every"] == 10
    for run in shipped["runs"]:
        assert len(run["history"]) == CISPO_SORTING.rl.steps
        evaluated = [step["step"] for step in run["history"] if "eval_sampled" in step]
        assert evaluated == [10, 20, 30]
        assert run["rl_sampled"] == run["history"][-1]["eval_sampled"]
    for loss, stats in shipped["summary"].items():
        mine = [run["rl_sampled"] for run in shipped["runs"] if run["loss"] == loss]
        assert stats["rl_sampled"][0] == pytest.approx(sum(mine) / len(mine), abs=1e-3)


def _analysis_shape(record: dict) -> dict:
    analysis = record["analysis"]
    per_loss = list(analysis["losses"].values())
    return {
        "analysis": sorted(analysis),
        "loss": sorted({key for a in per_loss for key in a}),
        "clip": sorted({key for a in per_loss for key in a["clip"]}),
        "target": sorted({key for a in per_loss for key in a["steps_to_target"]}),
        "accuracy": sorted({key for a in per_loss for key in a["accuracy"]}),
    }


def test_loss_labels_carry_an_aggregation():
    assert parse_loss("cispo") == ("cispo", None)
    assert parse_loss("grpo:token_mean") == ("grpo", LossConfig(aggregation="token_mean"))
    with pytest.raises(ValueError, match="aggregation"):
        parse_loss("grpo:per_token")
    with pytest.raises(ValueError, match="cispo"):
        parse_loss("ppo")


@pytest.mark.slow
def test_remainder_comparison_command_makes_the_shipped_structure(smoke, tmp_path, capsys):
    """The shipped long-answer comparison's command, at smoke size, writes the same structure."""
    shipped = load_comparison(REMAINDER_COMPARISON_FILE)
    command = shipped["command"].split()
    assert command[:4] == ["minimoe", "compare", "--task", "remainder"]
    out = tmp_path / "remainder.json"
    argv = [*command[1 : command.index("--json")], "--smoke", "--quiet"]
    argv += ["--losses", "cispo,grpo:token_mean", "--seeds", "0", "--eval-every", "1"]
    assert main([*argv, "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "steps to +" in printed and "wall time" in printed
    written = load_comparison(out)
    assert _shape(written) == _shape(shipped)
    assert _analysis_shape(written) == _analysis_shape(shipped)
    assert written["losses"] == ["cispo", "grpo:token_mean"]
    assert out.with_suffix(".png").stat().st_size > 10_000


def test_shipped_remainder_comparison_is_what_its_command_makes():
    shipped = load_comparison(REMAINDER_COMPARISON_FILE)
    comparison = COMPARISONS["remainder"]
    assert shipped["command"] == comparison.command
    assert shipped["task"] == "remainder" and shipped["recipe"] == comparison.recipe.name
    assert shipped["losses"] == list(comparison.losses) and shipped["seeds"] == [0, 1, 2]
    assert 0 < shipped["wall_seconds"] < 3600
    rl = comparison.recipe.rl
    assert shipped["rl"]["steps"] == rl.steps and shipped["rl"]["lr"] == rl.lr
    analysis = shipped["analysis"]
    assert analysis["target_gain"] == comparison.target_gain
    for loss, a in analysis["losses"].items():
        runs = [r for r in shipped["runs"] if r["loss"] == loss]
        assert len(runs) == 3 and all(len(r["history"]) == rl.steps for r in runs)
        evaluated = [str(s) for s in range(0, rl.steps + 1, rl.eval_every)]
        assert list(a["accuracy"]["sampled"]) == evaluated
        start = [r["sft_sampled"] for r in runs]
        assert a["accuracy"]["sampled"]["0"][0] == pytest.approx(sum(start) / 3, abs=1e-3)
        assert len(a["steps_to_target"]["per_seed"]) == 3
        assert len(a["length"]["mean"]) == rl.steps and 0 < a["final_length"][0] < 130
        for key in ("clip_fraction_ref_fork", "dropped_gradient_mass_ref_common", "fork_share"):
            assert 0 <= a["clip"][key][0] <= 1
    assert REMAINDER_COMPARISON_FILE.with_suffix(".png").is_file()
