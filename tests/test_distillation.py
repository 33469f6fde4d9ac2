"""Lesson 10's distillation experiment: traces, the cost meter against minimoe.flops, and the
similarity measures on tiny models."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from minimoe import similarity
from minimoe.experiments import distillation as dist
from minimoe.flops import Architecture, generation_flops, prefill_flops
from minimoe.generation import generate
from minimoe.rl.trainer import RLConfig
from minimoe.tasks import TOKENIZER, make_dataset
from minimoe.train import SFTConfig, train_sft
from tests.tiny import SORT_TWO, task_model, warm_task_model

HELD_OUT = make_dataset("sorting", 12, seed=2, split="eval", difficulty=2)


def test_the_shipped_teacher_loads_frozen_and_the_student_is_smaller():
    teacher = dist.load_teacher()
    assert not teacher.training
    assert not any(p.requires_grad for p in teacher.parameters())
    config = dist.student_config(teacher.config)
    assert config.num_layers == 4 and config.layer_pattern == "LLLS"
    assert dist.teacher_training_seconds().keys() == {"sft", "rl"}
    with pytest.raises(ValueError, match="not smaller"):
        dist.student_config(teacher.config, hidden_size=128)
    with pytest.raises(TypeError, match="MiniMoEConfig"):
        dist.student_config("tiny")


def test_the_meter_counts_generation_as_flops_generation_flops():
    model = task_model().eval()
    arch = Architecture.from_config(model.config)
    ids = torch.randint(3, TOKENIZER.vocab_size, (3, 5))
    with dist.FlopMeter("gen", model) as meter:
        generate(model, ids, max_new_tokens=4, eos_id=None)
    assert meter.cost.forward == 3 * generation_flops(arch, 4, prompt=5).total
    assert meter.cost.backward == 0 and meter.cost.seconds > 0


def test_the_meter_counts_an_sft_step_as_a_forward_and_twice_it_backward():
    model = task_model()
    arch = Architecture.from_config(model.config)
    config = SFTConfig(steps=2, batch_size=4, eval_every=0, warmup=0)
    with dist.FlopMeter("sft", model) as meter:
        train_sft(model, SORT_TWO, config, progress=False)
    width = len(TOKENIZER.encode(SORT_TWO[0].prompt, add_bos=True) + TOKENIZER.encode("#00<eos>"))
    forward = 2 * 4 * prefill_flops(arch, width).total
    assert meter.cost.forward == forward
    assert meter.cost.backward == dist.BACKWARD_MULTIPLE * forward
    assert meter.cost.flops == 3 * forward
    with pytest.raises(TypeError, match="MiniMoE"):
        dist.FlopMeter("nothing")


def test_traces_keep_what_the_filter_documents():
    teacher = warm_task_model()
    every = dist.make_traces(teacher, SORT_TWO, keep="all", temperature=1.0, seed=1)
    verified = dist.make_traces(teacher, SORT_TWO, keep="verified", temperature=1.0, seed=1)
    assert every.completions == verified.completions  # the same draws, filtered differently
    again = every.filtered("verified")
    assert again.problems == verified.problems and again.cost is every.cost
    assert again.filtered("all").problems == every.problems
    assert len(every.completions) == len(SORT_TWO)
    assert 0 < every.accuracy < 1  # some answers are wrong: the filter has work to do
    ended = sum(every.finished)
    assert len(every.problems) == ended
    right = sum(r >= 1 and f for r, f in zip(verified.rewards, verified.finished))
    assert len(verified.problems) == right < ended
    assert all(p.verify(p.target) == 1.0 for p in verified.problems)
    assert {p.target for p in every.problems} <= set(every.completions)
    assert all(t.endswith("<eos>") for t in (p.target for p in every.problems))
    arch = Architecture.from_config(teacher.config)
    assert every.cost.forward >= len(SORT_TWO) * prefill_flops(arch, 4).total
    with pytest.raises(ValueError, match="keep must be one of"):
        dist.make_traces(teacher, SORT_TWO, keep="correct")
    with pytest.raises(ValueError, match="at least one prompt"):
        dist.make_traces(teacher, [])


def test_agreement_and_kl_of_a_model_with_itself():
    model = warm_task_model()
    greedy = dist.answers(model, HELD_OUT)
    assert similarity.agreement(greedy, greedy) == 1.0
    share, mistakes = similarity.mistake_agreement(HELD_OUT, greedy, greedy)
    assert mistakes == 0 or share == 1.0
    assert dist.teacher_forced_kl(model, model, HELD_OUT) == pytest.approx(0.0, abs=1e-6)
    other = task_model(seed=3)
    assert dist.teacher_forced_kl(model, other, HELD_OUT) > 0.1
    with pytest.raises(ValueError, match="same prompts"):
        similarity.agreement(greedy, greedy[:-1])


def test_mistake_agreement_counts_only_the_reference_s_wrong_answers():
    problems = make_dataset("sorting", 4, seed=0, difficulty=3)
    right = [p.target for p in problems]
    reference = [right[0], "#999<eos>", "#000<eos>", right[3]]
    other = [right[0], "#999<eos>", right[2], "#123<eos>"]
    assert similarity.mistake_agreement(problems, reference, other) == (0.5, 2)
    share, count = similarity.mistake_agreement(problems, right, other)
    assert count == 0 and share != share  # NaN: the reference made no mistake


def test_token_kl_is_teacher_to_model_on_answer_positions_only():
    torch.manual_seed(0)
    p, q = torch.randn(2, 5, 7), torch.randn(2, 5, 7)
    mask = torch.tensor([[0, 0, 1, 1], [0, 1, 1, 0]])
    log_p, log_q = p[:, :-1].log_softmax(-1), q[:, :-1].log_softmax(-1)
    want = (log_p.exp() * (log_p - log_q)).sum(-1)[mask.bool()].mean()
    torch.testing.assert_close(similarity.token_kl(p, q, mask), want)
    assert similarity.token_kl(p, p, mask).item() == pytest.approx(0.0, abs=1e-7)
    with pytest.raises(ValueError, match="seq - 1"):
        similarity.token_kl(p, q, torch.ones(2, 5))


def test_the_classifier_is_at_chance_on_one_source_and_near_one_on_different_ones():
    problems = make_dataset("sorting", 200, seed=0, difficulty=6)
    right = [p.target for p in problems]
    same = dist.source_classifier(problems, right, right)
    assert same.accuracy == pytest.approx(0.5, abs=0.05)
    reversed_answers = [f"#{p.answer[::-1]}<eos>" for p in problems]
    apart = dist.source_classifier(problems, right, reversed_answers)
    assert apart.accuracy > 0.95 and apart.test_size == 200
    assert dist.answer_features(problems[0], right[0]).tolist()[:4] == [1.0, 0.0, 1.0, 0.0]
    with pytest.raises(ValueError, match="answers per problem"):
        dist.source_classifier(problems, right, right[:-1])


def test_both_routes_train_a_student_and_count_every_stage():
    teacher = warm_task_model()
    traces = dist.make_traces(teacher, SORT_TWO)
    config = teacher.config
    sft = SFTConfig(steps=3, batch_size=8, eval_every=0, warmup=0)
    distilled = dist.distill_student(traces, config, sft, progress=False)
    assert [c.stage for c in distilled.costs][0] == "teacher writes traces"
    assert distilled.flops == sum(c.flops for c in distilled.costs) > traces.cost.flops
    seen = []
    rl = RLConfig(steps=1, prompts_per_step=2, group_size=2, updates_per_batch=1, eval_every=0)
    direct = dist.train_direct(SORT_TWO, config, sft, rl, progress=False, after_sft=seen.append)
    assert seen == [direct.model] and len(direct.costs) == 2
    assert all(c.backward > 0 for c in direct.costs)  # SFT and RL updates both backpropagate
    rows = dist.cost_rows([distilled, direct])
    assert [r["stage"] for r in rows].count("total") == 2
    assert rows[-1]["flops"] == direct.flops
    only_sft = dist.train_direct(SORT_TWO, config, sft, None, progress=False)
    assert only_sft.name == "SFT" and len(only_sft.costs) == 1
    rows = dist.similarity(teacher, {"student": distilled.model}, HELD_OUT[:8], samples=2)
    assert rows[0].keys() >= {"agreement", "mistake_agreement", "kl", "classifier"}
    assert dataclasses.is_dataclass(traces)
