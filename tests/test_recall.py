"""The associative-recall task, its metric and the experiment runner (lesson 04)."""

from __future__ import annotations

import pytest
import torch

from minimoe.experiments.recall import (
    IGNORE_INDEX,
    RecallRun,
    RecallTask,
    evaluate_recall,
    make_recall_batch,
    recall_accuracy,
    recall_loss,
    recall_model_config,
    run_recall_experiment,
    train_recall,
)
from minimoe.model import count_parameters

TASK = RecallTask(num_keys=12, num_values=5, num_queries=4)


def _batch(num_pairs=6, batch_size=8, seed=0):
    return make_recall_batch(TASK, num_pairs, batch_size, torch.Generator().manual_seed(seed))


def test_token_layout_ranges_do_not_overlap():
    K, V = TASK.num_keys, TASK.num_values
    pairs = TASK.pair_token(torch.arange(K)[:, None], torch.arange(V)[None, :]).flatten()
    questions = TASK.question_token(torch.arange(K))
    answers = TASK.answer_token(torch.arange(V))
    everything = torch.cat([pairs, questions, answers])
    assert sorted(everything.tolist()) == list(range(TASK.vocab_size))


def test_batch_shapes_and_answer_positions():
    batch = _batch(num_pairs=6)
    assert batch.input_ids.shape == batch.labels.shape == (8, TASK.seq_len(6)) == (8, 10)
    asked = (batch.labels != IGNORE_INDEX).nonzero()[:, 1].reshape(8, -1)
    assert torch.equal(asked, TASK.answer_positions(6).expand(8, -1))
    assert TASK.answer_positions(6).tolist() == [6, 7, 8, 9]


def test_every_answer_is_the_value_of_the_asked_key():
    K, V = TASK.num_keys, TASK.num_values
    batch = _batch(num_pairs=7, batch_size=16, seed=3)
    for ids, labels in zip(batch.input_ids, batch.labels):
        pairs, questions = ids[:7], ids[7:]
        memory = {int(p) // V: int(p) % V for p in pairs}
        assert len(memory) == 7, "keys within a sequence must be distinct"
        asked_keys = [int(q) - K * V for q in questions]
        assert len(set(asked_keys)) == len(asked_keys), "questions must be distinct"
        for key, label in zip(asked_keys, labels[7:]):
            assert int(label) == TASK.answer_token(torch.tensor(memory[key]))
        assert torch.all(labels[:7] == IGNORE_INDEX)


def test_short_sequences_ask_about_every_pair():
    batch = _batch(num_pairs=2)
    assert TASK.queries(2) == 2 and batch.input_ids.shape == (8, 4)


def test_batches_are_a_pure_function_of_the_seed():
    a, b, c = _batch(seed=5), _batch(seed=5), _batch(seed=6)
    assert torch.equal(a.input_ids, b.input_ids) and torch.equal(a.labels, b.labels)
    assert not torch.equal(a.input_ids, c.input_ids)


@pytest.mark.parametrize("num_pairs", [0, 13, 2.0])
def test_bad_pair_counts_are_explained(num_pairs):
    with pytest.raises(ValueError, match="num_pairs"):
        make_recall_batch(TASK, num_pairs, 2, torch.Generator())


def test_bad_task_is_explained():
    with pytest.raises(ValueError, match="num_values"):
        RecallTask(num_keys=4, num_values=0)


def test_accuracy_counts_only_asked_positions():
    batch = _batch()
    perfect = torch.nn.functional.one_hot(batch.labels.clamp(min=0), TASK.vocab_size).float()
    assert recall_accuracy(perfect, batch.labels) == 1.0
    # Garbage at unasked positions changes nothing; one wrong answer out of 32 costs 1/32.
    noisy = perfect.clone()
    noisy[batch.labels == IGNORE_INDEX] = torch.randn(TASK.vocab_size)
    noisy[0, TASK.answer_positions(6)[0]] = torch.eye(TASK.vocab_size)[
        0
    ]  # a pair token, never an answer
    assert recall_accuracy(noisy, batch.labels) == pytest.approx(1 - 1 / 32)
    assert recall_loss(perfect * 50, batch.labels).item() < 1e-6


def test_accuracy_rejects_mismatched_shapes_and_empty_labels():
    batch = _batch()
    with pytest.raises(ValueError, match="do not match"):
        recall_accuracy(torch.zeros(8, 3, TASK.vocab_size), batch.labels)
    with pytest.raises(ValueError, match="ask nothing"):
        recall_accuracy(torch.zeros(1, 2, 4), torch.full((1, 2), IGNORE_INDEX))


def test_model_config_fits_the_task_and_keeps_heads_small():
    config = recall_model_config(TASK, "LS")
    assert config.vocab_size == TASK.vocab_size and config.layer_types == ["lightning", "softmax"]
    assert config.max_seq_len >= TASK.seq_len(TASK.num_keys)
    assert recall_model_config(TASK, "LS", hidden_size=32).hidden_size == 32


SMOKE_RUN = RecallRun(steps=3, batch_size=4, pair_counts=(2, 6), eval_sequences=8)


def test_train_recall_smoke():
    config = recall_model_config(
        TASK, "LS", hidden_size=32, num_heads=2, num_kv_heads=2, head_dim=8
    )
    result = train_recall(config, TASK, SMOKE_RUN, name="LS", progress=False)
    assert result.name == "LS" and len(result.losses) == 3
    assert set(result.accuracy) == {2, 6}
    assert result.params == count_parameters(result.model)[0]
    assert not result.model.training
    # Evaluating again on the same seed gives the same number.
    again = evaluate_recall(result.model, TASK, 6, 8, seed=SMOKE_RUN.seed + 1)
    assert again == result.accuracy[6]


def test_experiment_trains_one_model_per_pattern_on_the_same_budget():
    base = recall_model_config(TASK, "LL", hidden_size=32, num_heads=2, num_kv_heads=2, head_dim=8)
    results = run_recall_experiment(["LL", "SS"], base, TASK, SMOKE_RUN, progress=False)
    assert [r.name for r in results] == ["LL", "SS"]
    assert [r.config.layer_pattern for r in results] == ["LL", "SS"]
    # Everything but the schedule is the same.
    assert all(
        r.config.replace(layer_pattern="L") == base.replace(layer_pattern="L") for r in results
    )
    assert all(len(r.losses) == SMOKE_RUN.steps for r in results)


def test_runner_rejects_a_model_too_small_for_the_task():
    small = recall_model_config(TASK, "LS", vocab_size=8)
    with pytest.raises(ValueError, match="vocab_size"):
        train_recall(small, TASK, SMOKE_RUN, progress=False)
    short = recall_model_config(TASK, "LS", max_seq_len=4)
    with pytest.raises(ValueError, match="max_seq_len"):
        train_recall(short, TASK, SMOKE_RUN, progress=False)


def test_learning_rate_warms_up_holds_then_decays_to_a_tenth():
    run = RecallRun(steps=100, warmup=10, lr=1.0, decay_fraction=0.3)
    assert run.lr_at(0) == pytest.approx(0.1)
    assert run.lr_at(9) == run.lr_at(69) == 1.0
    assert run.lr_at(99) == pytest.approx(0.1)
    assert all(run.lr_at(s) >= run.lr_at(s + 1) for s in range(10, 99))
