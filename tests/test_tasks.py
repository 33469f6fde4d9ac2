from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from minimoe.tasks import (
    ANSWER_MARKER,
    EVAL_PERCENT,
    TASKS,
    THINK_MARKER,
    TOKENIZER,
    Arithmetic,
    Countdown,
    Remainder,
    Sorting,
    evaluate_expression,
    make_dataset,
    split_of,
)

DEFAULT_MAX_TOKENS = 48
LONG_ANSWER_TASKS = {"remainder": 128}  # long on purpose: the token budget of each
# Tasks whose problem space is small: at most this many distinct problems per split in the tests.
SMALL_SPACE = {"remainder": (900, 60)}


def sequence_length(problem) -> int:
    return len(TOKENIZER.encode(problem.prompt, add_bos=True)) + len(
        TOKENIZER.encode(problem.target)
    )


@st.composite
def task_and_difficulty(draw):
    task = TASKS[draw(st.sampled_from(sorted(TASKS)))]
    return task, draw(st.integers(task.min_difficulty, task.max_difficulty))


@settings(max_examples=150, deadline=None)
@given(task_and_difficulty(), st.integers(0, 2**32))
def test_reference_target_always_verifies(task_and_difficulty, seed):
    task, difficulty = task_and_difficulty
    problem = task(difficulty, seed).sample()
    assert problem.task == task.name
    assert problem.prompt.endswith(THINK_MARKER)
    assert problem.target.endswith("<eos>") and problem.target.count(ANSWER_MARKER) == 1
    assert problem.target.removesuffix("<eos>").endswith(ANSWER_MARKER + problem.answer)
    TOKENIZER.encode(problem.prompt + problem.target)  # every character is in the alphabet
    assert problem.verify(problem.target) == 1.0
    assert problem.verify(problem.target.removesuffix("<eos>")) == 1.0


@pytest.mark.parametrize("name", sorted(TASKS))
def test_same_seed_same_problems(name):
    first = list(_take(TASKS[name](seed=7), 20))
    assert list(_take(TASKS[name](seed=7), 20)) == first
    assert list(_take(TASKS[name](seed=8), 20)) != first


def _take(task, n):
    for _, problem in zip(range(n), task):
        yield problem


@pytest.mark.parametrize("name", sorted(TASKS))
def test_default_difficulty_fits_the_sequence_budget(name):
    lengths = [sequence_length(p) for p in make_dataset(name, 500, seed=0)]
    assert max(lengths) <= LONG_ANSWER_TASKS.get(name, DEFAULT_MAX_TOKENS)


@pytest.mark.parametrize("task", [Arithmetic, Countdown, Remainder, Sorting])
def test_difficulty_out_of_range_is_rejected(task):
    for bad in (task.min_difficulty - 1, task.max_difficulty + 1, 2.0, True):
        with pytest.raises(ValueError, match="difficulty must be an int"):
            task(bad)


def test_documented_examples():
    assert Arithmetic().problem(347, "+", 285).target == "12,13,6#632<eos>"
    assert Arithmetic().problem(347, "-", 285).target == "2,-4,0#62<eos>"
    assert Arithmetic().problem(947, "+", 685).target == "12,13,16#1632<eos>"
    assert Sorting().problem("5391406612").target == "#0112345669<eos>"
    problem = Countdown().problem([9, 4, 5], 16)
    assert problem.prompt == "9 4 5>16:"
    assert problem.verify("9-5=4,4*4=16#4*(9-5)<eos>") == 1.0


def test_arithmetic_steps_carry_and_borrow():
    # 505 - 9: 5-9 borrows (-4), 0-0-1 borrows again (-1), 5-0-1 = 4.
    assert Arithmetic().problem(505, "-", 9).target == "-4,-1,4#496<eos>"
    assert Arithmetic().problem(999, "+", 1).target == "10,10,10#1000<eos>"
    with pytest.raises(ValueError, match="0 <= b <= a"):
        Arithmetic().problem(1, "-", 2)


def test_subtraction_answers_are_never_negative():
    task = Arithmetic(4, seed=3)
    assert all(int(p.answer) >= 0 for p in _take(task, 300))


def test_countdown_reference_uses_each_number_once_and_hits_the_target():
    for problem in make_dataset("countdown", 200, seed=1, difficulty=4):
        numbers, target = Countdown.parse_prompt(problem.prompt)
        evaluation = evaluate_expression(problem.answer)
        assert evaluation.value == target and 1 <= target <= Countdown.max_target
        assert sorted(evaluation.numbers) == sorted(numbers)
        assert all(1 <= n <= Countdown.max_number for n in numbers)


def test_countdown_rejects_unreachable_targets():
    with pytest.raises(ValueError, match="cannot be made"):
        Countdown().problem([1, 1], 5)
    with pytest.raises(ValueError, match="at least two"):
        Countdown().problem([5], 5)


def test_sorting_rejects_non_digits():
    with pytest.raises(ValueError, match="0-9"):
        Sorting().problem("12a")


@pytest.mark.parametrize("name", sorted(TASKS))
def test_train_and_eval_never_overlap(name):
    n_train, n_eval = SMALL_SPACE.get(name, (1000, 100))
    train = make_dataset(name, n_train, seed=0, split="train")
    evaluation = make_dataset(name, n_eval, seed=0, split="eval")
    other_seed = make_dataset(name, n_train, seed=1, split="train")
    key = TASKS[name].split_key
    assert not {key(p) for p in evaluation} & {key(p) for p in train + other_seed}
    assert {split_of(p) for p in train} == {"train"} and {split_of(p) for p in evaluation} == {
        "eval"
    }
    assert len({p.prompt for p in train}) == len(train) == n_train  # distinct within a split


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (Arithmetic().problem(347, "+", 285), Arithmetic().problem(285, "+", 347)),
        (Countdown().problem([9, 4, 5], 16), Countdown().problem([5, 9, 4], 16)),
        (Sorting().problem("539140"), Sorting().problem("014359")),
    ],
)
def test_reorderings_of_a_problem_share_its_split(first, second):
    assert first.prompt != second.prompt
    assert TASKS[first.task].split_key(first) == TASKS[second.task].split_key(second)


def test_remainder_subtracts_until_below_the_divisor():
    problem = Remainder().problem(53, 7)
    assert problem.prompt == "7)53:" and problem.answer == "4"
    assert problem.target == "46,39,32,25,18,11,4#4<eos>"
    assert Remainder().problem(14, 7).target == "7,0#0<eos>"
    for a, divisor in ((5, 7), (53, 1), (53, 10), (True, 3), (53.0, 7)):
        with pytest.raises(ValueError, match="divisor"):
            Remainder().problem(a, divisor)


def test_remainder_answers_vary_widely_in_length():
    lengths = [len(TOKENIZER.encode(p.target)) for p in make_dataset("remainder", 900, seed=0)]
    assert min(lengths) < 20 and max(lengths) > 100  # tens to over a hundred tokens
    # the decisive token is rare: one '#' per answer, against many routine ones
    problem = Remainder().problem(9 * 30 + 8, 9)
    assert problem.target.count("#") == 1 and len(TOKENIZER.encode(problem.target)) > 90


def test_remainder_wrong_or_hostile_answers_score_zero():
    problem = Remainder().problem(53, 7)
    assert problem.verify("46,39,32,25,18,11,4#4<eos>") == 1.0
    assert problem.verify("#4") == 1.0  # only the answer is graded
    stopped_early = "46,39,32,25,18,11#11<eos>"
    went_on = "46,39,32,25,18,11,4,-3#-3<eos>"
    hostile = ("#04", "#4.0", "#+4", "#４", "#4#", "4", "", "#" * 100_000, "1," * 500_000 + "#4")
    for wrong in (stopped_early, went_on, *hostile):
        start = time.monotonic()
        assert problem.verify(wrong) == 0.0, wrong
        assert time.monotonic() - start < 0.5


def test_eval_split_is_about_eval_percent():
    problems = list(_take(Arithmetic(seed=0), 5000))
    fraction = sum(split_of(p) == "eval" for p in problems) / len(problems)
    assert abs(fraction - EVAL_PERCENT / 100) < 0.02


def test_make_dataset_is_reproducible_and_validates():
    assert make_dataset("sorting", 50, seed=3) == make_dataset("sorting", 50, seed=3)
    with pytest.raises(ValueError, match="unknown task"):
        make_dataset("chess", 1)
    with pytest.raises(ValueError, match="split"):
        make_dataset("sorting", 1, split="test")
    with pytest.raises(ValueError, match="distinct"):
        make_dataset("arithmetic", 200, difficulty=1)  # only 155 distinct 1-digit problems exist
