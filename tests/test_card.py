"""Model cards: built from the model and its run, rendered, and refused when a number is not
the model's (typed in, stale, left out, from another model)."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from minimoe.card import (
    CardError,
    Evaluation,
    ModelCard,
    TrainingRun,
    check_card,
    choose_license,
    measure,
    weights_fingerprint,
)
from minimoe.checkpoint import load_checkpoint, save_checkpoint
from minimoe.licenses import may_ship_product, may_train_on_outputs
from minimoe.model import count_parameters
from minimoe.rl.trainer import RLConfig
from minimoe.train import SFTConfig
from tests.tiny import SORT_TWO, task_model, warm_task_model

HELD_OUT = SORT_TWO[:16]
LICENSE = choose_license("apache-2.0", ["it grants a patent license", "no user threshold"])


@pytest.fixture(scope="module")
def trained():
    """A model that went through a recorded SFT and RL stage, with three evaluations."""
    model = warm_task_model()
    run = TrainingRun("sorting", 2, seed=0)
    sft = SFTConfig(steps=3, batch_size=8, warmup=1, eval_every=0)
    run.sft(model, SORT_TWO, sft, progress=False)
    run.evaluate("sft_greedy", model, HELD_OUT)
    rl = RLConfig(steps=1, prompts_per_step=4, group_size=4, updates_per_batch=1, eval_every=0)
    run.rl(model, SORT_TWO, rl, progress=False)
    run.evaluate("rl_greedy", model, HELD_OUT)
    run.evaluate("rl_sampled", model, HELD_OUT, temperature=1.0, samples=2)
    return model, run


def card_of(model, run, **changes) -> ModelCard:
    card = ModelCard.from_run(
        model,
        run,
        name="my-sorter",
        description="A test model.",
        intended_use="tests",
        license=LICENSE,
    )
    return dataclasses.replace(card, **changes)


def test_fingerprint_changes_with_any_weight_and_survives_a_checkpoint(tmp_path):
    model = task_model(seed=0)
    before = weights_fingerprint(model)
    assert before == weights_fingerprint(task_model(seed=0))
    assert before != weights_fingerprint(task_model(seed=1))
    path = save_checkpoint(tmp_path / "m.safetensors", model, model.config)
    assert weights_fingerprint(load_checkpoint(path).model) == before
    with torch.no_grad():
        next(model.parameters()).view(-1)[0] += 1e-6
    assert weights_fingerprint(model) != before


def test_measure_records_how_and_what_was_measured():
    model = warm_task_model()
    greedy = measure("g", model, HELD_OUT)
    sampled = measure("s", model, HELD_OUT, temperature=1.0, samples=4, seed=1)
    assert (greedy.problems, greedy.samples, greedy.temperature) == (16, 1, 0.0)
    assert greedy.standard_error is None  # greedy answers do not change when asked again
    assert (sampled.problems, sampled.samples) == (16, 4)
    p = sampled.accuracy
    assert sampled.standard_error == pytest.approx((p * (1 - p) / 64) ** 0.5)
    assert greedy.weights == sampled.weights == weights_fingerprint(model)


def test_run_times_and_describes_each_stage_from_its_config(trained):
    _, run = trained
    assert [s.name for s in run.stages] == ["sft", "rl"]
    assert all(s.seconds > 0 for s in run.stages)
    assert run.seconds == {s.name: s.seconds for s in run.stages}
    assert "SFT for 3 steps on 64 problems (batch 8" in run.stages[0].description
    assert (
        "CISPO for 1 steps (4 prompts × 4 answers, 1 updates per batch" in run.stages[1].description
    )
    # The SFT evaluation saw other weights than the RL ones.
    assert run.evaluations[0].weights != run.evaluations[1].weights
    with pytest.raises(ValueError, match="already has an evaluation named 'rl_greedy'"):
        run.evaluate("rl_greedy", trained[0], HELD_OUT)


def test_a_second_stage_of_the_same_kind_gets_its_own_name():
    model, run = task_model(), TrainingRun("sorting", 2)
    config = SFTConfig(steps=1, batch_size=4, warmup=0, eval_every=0)
    run.sft(model, SORT_TWO, config, progress=False)
    run.sft(model, SORT_TWO, config, progress=False)
    assert list(run.seconds) == ["sft", "sft2"]


def test_card_from_run_carries_the_models_numbers_and_passes_the_check(trained):
    model, run = trained
    card = card_of(model, run)
    assert (card.total_parameters, card.active_parameters) == count_parameters(model)
    assert card.seconds == run.seconds and card.evaluations == tuple(run.evaluations)
    check_card(card, model, run)
    text = card.to_markdown()
    total, active = count_parameters(model)
    assert f"{total:,} parameters, {active:,} active per token" in text
    rl_greedy = run.evaluations[1]
    assert f"| rl_greedy | {rl_greedy.accuracy:.3f} | (deterministic) | 16 × 1 | 0 |" in text
    assert "| rl_sampled |" in text and "16 × 2 | 1 |" in text
    assert "Apache License 2.0 (`apache-2.0`" in text and "it grants a patent license." in text
    assert f"{run.stages[0].seconds:.0f} s" in text


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"total_parameters": 555_520}, "total parameters"),
        ({"active_parameters": 1}, "active parameters"),
        ({"weights": "0" * 16}, "weights"),
        ({"seed": 1}, "seed"),
        ({"difficulty": 10}, "difficulty"),
    ],
)
def test_check_refuses_a_typed_in_number(trained, changes, message):
    model, run = trained
    with pytest.raises(CardError, match=message):
        check_card(card_of(model, run, **changes), model, run)


def test_check_refuses_a_rounded_accuracy_and_a_rounded_time(trained):
    model, run = trained
    card = card_of(model, run)
    rounded = dataclasses.replace(
        card.evaluations[2], accuracy=round(card.evaluations[2].accuracy, 1) + 0.01
    )
    with pytest.raises(CardError, match="evaluation 'rl_sampled' differs.*accuracy"):
        check_card(card_of(model, run, evaluations=(*card.evaluations[:2], rounded)), model, run)
    stage = dataclasses.replace(card.stages[0], seconds=round(card.stages[0].seconds) + 1.0)
    with pytest.raises(CardError, match="stage 'sft'"):
        check_card(card_of(model, run, stages=(stage, card.stages[1])), model, run)


def test_check_refuses_a_card_that_leaves_out_or_adds_an_evaluation(trained):
    model, run = trained
    card = card_of(model, run)
    flattering = card_of(model, run, evaluations=card.evaluations[:2])  # the T = 1 row dropped
    with pytest.raises(CardError, match="'rl_sampled' was measured but is not on the card"):
        check_card(flattering, model, run)
    invented = Evaluation("mmlu", 0.9, 100, 1, 0.0, card.weights)
    with pytest.raises(CardError, match="'mmlu' is on the card but the run never measured it"):
        check_card(card_of(model, run, evaluations=(*card.evaluations, invented)), model, run)


def test_check_refuses_a_model_trained_after_its_last_evaluation():
    model, run = task_model(seed=4), TrainingRun("sorting", 2)
    config = SFTConfig(steps=2, batch_size=4, warmup=0, eval_every=0)
    run.sft(model, SORT_TWO, config, progress=False)
    run.evaluate("sft_greedy", model, HELD_OUT)
    run.sft(model, SORT_TWO, config, progress=False)  # more training, no new evaluation
    with pytest.raises(CardError, match="no evaluation measured the model's current weights"):
        check_card(card_of(model, run), model, run)


def test_check_refuses_the_card_of_another_model(trained):
    model, run = trained
    other = warm_task_model()
    with pytest.raises(CardError, match="weights") as err:
        check_card(card_of(model, run), other, run)
    assert "no evaluation measured the model's current weights" in str(err.value)


def test_check_lists_every_problem_and_names_the_architecture_change(trained):
    model, run = trained
    card = card_of(model, run, config=model.config.replace(top_k=1), total_parameters=0)
    with pytest.raises(CardError) as err:
        check_card(card, model, run)
    assert "top_k=1 (model: 2)" in str(err.value) and "total parameters" in str(err.value)


def test_baselines_are_listed_apart_and_do_not_count_as_the_models_own(trained):
    model, run = trained
    run = dataclasses.replace(run, evaluations=list(run.evaluations))
    run.evaluate("greedy", warm_task_model(), HELD_OUT, baseline="warm start")
    card = card_of(model, run)
    check_card(card, model, run)
    assert "Compared with, measured the same way:" in card.to_markdown()
    assert "| warm start: greedy |" in card.to_markdown()


def test_choose_license_records_the_id_reasons_and_answers():
    answers = [may_ship_product("apache-2.0", 900_000_000), may_train_on_outputs("apache-2.0")]
    choice = choose_license("Apache-2.0", ["a patent grant"], answers=answers)
    assert choice.license == "apache-2.0" and choice.name == "Apache License 2.0"
    assert [c.verdict for c in choice.checks] == ["yes", "yes"]
    assert "900,000,000" in choice.checks[0].question


@pytest.mark.parametrize(
    "license, message",
    [
        ("Apache 2", r"not a license in minimoe.licenses\. Did you mean apache-2.0"),
        ("llama-3.2-license", "Did you mean llama-3.3-license, llama-3.1-license"),
        ("MiniMax-M1", "is a model .*its license is 'apache-2.0'"),
        ("openai-terms-2024-01", "a service's terms of use"),
    ],
)
def test_choose_license_refuses_what_is_not_a_license_in_the_table(license, message):
    with pytest.raises(ValueError, match=message):
        choose_license(license, ["a reason"])


def test_choose_license_needs_reasons_and_answers_about_itself():
    with pytest.raises(TypeError, match="list of sentences"):
        choose_license("mit", "short")
    with pytest.raises(ValueError, match="at least one reason"):
        choose_license("mit", [])
    with pytest.raises(ValueError, match="not about MIT License"):
        choose_license("mit", ["short"], answers=[may_train_on_outputs("apache-2.0")])


def test_card_needs_words_and_a_chosen_license(trained):
    model, run = trained
    with pytest.raises(ValueError, match="needs an intended use"):
        ModelCard.from_run(model, run, name="x", description="y", intended_use=" ", license=LICENSE)
    with pytest.raises(TypeError, match="choose_license"):
        ModelCard.from_run(
            model, run, name="x", description="y", intended_use="z", license="apache-2.0"
        )


def test_metadata_is_json_ready(trained):
    import json

    model, run = trained
    data = json.loads(json.dumps(card_of(model, run).to_metadata()))
    assert data["config"] == model.config.to_dict()
    assert data["license"]["license"] == "apache-2.0"
