from __future__ import annotations

import time

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from minimoe.tasks import (
    Arithmetic,
    Countdown,
    ExpressionError,
    ExpressionParser,
    Remainder,
    Sorting,
    evaluate_expression,
    extract_answer,
    make_dataset,
    parse_integer,
    verify_countdown,
    verify_exact,
    verify_integer,
)
from minimoe.tasks.verify import (
    MAX_COMPLETION_CHARS,
    MAX_DEPTH,
    MAX_EXPRESSION_CHARS,
    MAX_MAGNITUDE,
)

# Each parse scans at most MAX_EXPRESSION_CHARS characters and takes at most as many tokens.
MAX_STEPS = 2 * MAX_EXPRESSION_CHARS
GENEROUS_SECONDS = 0.1  # a safety net only; the step count is the real bound

HOSTILE = [
    "",
    "#",
    "# ",
    "#" + "(" * 10_000,
    "#" + "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
    "#" + "9" * 10_000,
    "#" + "9" * 13,
    "#2**99999999",
    "#2*" * 100,
    "#" + "*".join(["999999999999"] * 3),
    "#__import__('os').system('ls')",
    "#().__class__.__bases__[0].__subclasses__()",
    "#lambda: 0",
    "#1e9",
    "#0x10",
    "#1_000",
    "#1/2",
    "#-5",
    "#--5",
    "#+5",
    "#(1+2",
    "#1+2)",
    "#()",
    "#1 2",
    "#١٢٣",  # Arabic-Indic digits
    "#１２",  # full-width digits
    "#²",
    "#\x00",
    "#1\n+2",
    "#" * 100_000,
    "x" * 1_000_000 + "#632",
]


def timed(function, *args):
    start = time.monotonic()
    result = function(*args)
    assert time.monotonic() - start < GENEROUS_SECONDS
    return result


@pytest.mark.parametrize("completion", HOSTILE)
def test_hostile_completions_score_zero(completion):
    assert timed(verify_integer, completion, 632) == 0.0
    assert timed(verify_exact, completion, "632") == 0.0
    assert timed(verify_countdown, completion, [3, 5, 7], 22) == 0.0


@pytest.mark.parametrize("completion", HOSTILE)
def test_hostile_expressions_raise_expression_error_after_bounded_work(completion):
    parser = ExpressionParser(completion.removeprefix("#"))
    with pytest.raises(ExpressionError):
        parser.parse()
    assert parser.steps <= MAX_STEPS


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=400), st.text(alphabet="0123456789+-*() #", max_size=300)))
def test_fuzzed_text_never_raises_and_parsing_is_bounded(text):
    for completion in (text, "#" + text):
        assert verify_integer(completion, 7) in (0.0, 1.0)
        assert verify_exact(completion, "7") in (0.0, 1.0)
        assert verify_countdown(completion, [3, 4], 7) in (0.0, 1.0)
    parser = ExpressionParser(text)
    try:
        evaluation = parser.parse()
    except ExpressionError:
        pass
    else:
        assert abs(evaluation.value) <= MAX_MAGNITUDE
        assert evaluation.steps == parser.steps
    assert parser.steps <= MAX_STEPS


@st.composite
def expressions(draw, depth=0):
    """(text, value, peak) triples of the grammar: the value computed alongside the text, and the
    largest magnitude any subexpression reaches (the parser refuses those above MAX_MAGNITUDE)."""
    if depth >= 4 or draw(st.booleans()):
        number = draw(st.integers(0, 999))
        return str(number), number, number
    left_text, left, left_peak = draw(expressions(depth + 1))
    right_text, right, right_peak = draw(expressions(depth + 1))
    operator = draw(st.sampled_from("+-*"))
    value = {"+": left + right, "-": left - right, "*": left * right}[operator]
    return f"({left_text}{operator}{right_text})", value, max(abs(value), left_peak, right_peak)


@given(expressions())
@example(
    (
        "((((0+346)*(390*700))+0)*(84*((0+366)*(573*601))))",
        1_000_064_960_936_496_000,
        1_000_064_960_936_496_000,
    )
)  # once found by CI: the value just above the cap
def test_parser_evaluates_the_grammar_correctly(triple):
    text, value, peak = triple
    if peak > MAX_MAGNITUDE:
        with pytest.raises(ExpressionError, match="exceeds"):
            evaluate_expression(text)
    else:
        assert evaluate_expression(text).value == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1+2*3", 7),
        ("(1+2)*3", 9),
        ("10-4-3", 3),
        ("2*3*4", 24),
        (" 7 - ( 5 - 3 ) ", 5),
        ("007", 7),
    ],
)
def test_precedence_and_associativity(text, value):
    assert evaluate_expression(text).value == value


def test_parser_reports_numbers_and_reasons():
    assert evaluate_expression("(7-5)*3").numbers == (7, 5, 3)
    with pytest.raises(ExpressionError, match="unexpected character 'x' at position 2"):
        evaluate_expression("1+x")
    with pytest.raises(ExpressionError, match="nest more than"):
        evaluate_expression("(" * 40 + "1" + ")" * 40)
    with pytest.raises(ExpressionError, match="more than 12 digits"):
        evaluate_expression("1234567890123")
    with pytest.raises(ExpressionError, match="exceeds"):
        evaluate_expression("999999999999*999999999999")
    with pytest.raises(ExpressionError, match="at most 256"):
        evaluate_expression("1+" * 200 + "1")
    with pytest.raises(ExpressionError, match="expected a number"):
        evaluate_expression("2**3")


def test_parse_integer():
    assert parse_integer("632") == 632 and parse_integer("-7") == -7 and parse_integer("062") == 62
    for bad in ("", "-", "+5", "6 3", "٦", "1" * 13, "5.0"):
        with pytest.raises(ExpressionError):
            parse_integer(bad)


def test_extract_answer():
    assert extract_answer("12,13,6#632<eos>") == "632"
    assert extract_answer("1#2#3") == "3"  # the last marker counts
    assert extract_answer("1#2<eos>#3") == "2"  # nothing after <eos> counts
    assert extract_answer("#  632 ") == "632"
    assert extract_answer("632") is None
    assert extract_answer("1" * MAX_COMPLETION_CHARS + "#1") is None
    with pytest.raises(TypeError):
        extract_answer(632)


@pytest.mark.parametrize("difficulty", [1, 3, 5])
def test_arithmetic_wrong_answers_score_zero(difficulty):
    for problem in make_dataset("arithmetic", 50, seed=2, difficulty=difficulty):
        a, b = (int(x) for x in problem.prompt[:-1].replace("-", "+").split("+"))
        steps = problem.target.split("#")[0]
        value = int(problem.answer)
        wrong_operator = a - b if "+" in problem.prompt else a + b
        for wrong in {value + 1, value - 1, wrong_operator} - {value}:
            assert problem.verify(f"{steps}#{wrong}<eos>") == 0.0
        assert problem.verify(f"{steps}{problem.answer}<eos>") == 0.0  # no marker
        assert problem.verify(f"#{problem.answer}x") == 0.0
        assert problem.verify(f"#{problem.answer}") == 1.0  # steps are not graded


def test_countdown_accepts_any_correct_expression_and_nothing_else():
    problem = Countdown().problem([9, 4, 5], 16)
    for right in ("4*(9-5)", "(9-5)*4", " 4 * ( 9 - 5 ) ", "((9-5))*4", "(9-5)*(4)"):
        assert problem.verify(f"#{right}") == 1.0
    for wrong in (
        "4*(9+5)",  # wrong operator
        "4*(9-4)",  # a number not given
        "4*4",  # 4 used twice, 9 and 5 unused
        "9+5+4",  # every number once, wrong value
        "16",  # the target itself
        "4*(9-5)+0",  # an extra number
        "94-5",  # digits glued into a new number
        "4*(9-5)*1",
    ):
        assert problem.verify(f"#{wrong}") == 0.0


def test_countdown_wrong_operator_in_references_scores_zero():
    scores = []
    for problem in make_dataset("countdown", 100, seed=4):
        _, target = Countdown.parse_prompt(problem.prompt)
        for i, char in enumerate(problem.answer):
            for other in "+-*".replace(char, "") if char in "+-*" else "":
                changed = problem.answer[:i] + other + problem.answer[i + 1 :]
                score = problem.verify(f"#{changed}")
                # A swapped operator earns 1.0 only when it happens to hit the target too.
                assert score == float(evaluate_expression(changed).value == target)
                scores.append(score)
    assert len(scores) > 300 and sum(scores) / len(scores) < 0.1


def test_sorting_wrong_answers_score_zero():
    problem = Sorting().problem("539140")
    assert problem.verify("#013459") == 1.0
    for wrong in ("#013495", "#01345", "#0134599", "#954310", "#0 1 3 4 5 9", "013459"):
        assert problem.verify(wrong) == 0.0


def test_reference_targets_verify_at_every_difficulty():
    for task in (Arithmetic, Countdown, Remainder, Sorting):
        for difficulty in range(task.min_difficulty, task.max_difficulty + 1):
            generator = task(difficulty, seed=difficulty)
            for _ in range(20):
                problem = generator.sample()
                assert problem.verify(problem.target) == 1.0, problem
