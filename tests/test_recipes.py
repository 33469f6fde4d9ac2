"""Recipes run end to end at smoke size; shipped checkpoints load and score as their cards say."""

from __future__ import annotations

import pytest

from minimoe.checkpoint import load_checkpoint, read_header
from minimoe.cli import main
from minimoe.recipes import RECIPES, SHIPPED, accuracies, get_recipe, run_recipe
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
