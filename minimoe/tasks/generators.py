"""Verifiable reasoning tasks: generators of problems with a worked reference solution.

Every problem is three strings in the task alphabet (see ``tokenizer.py``):

    prompt   the question, ending with the think marker ":"
    target   what the model should write: short worked steps, "#", the answer, "<eos>"
    answer   the reference answer alone

so ``prompt + target`` is one supervised training sequence, and ``problem.verify(completion)``
scores anything the model writes after the prompt (1.0 correct, 0.0 otherwise; no format credit).
The worked steps are never graded, only the answer after the last ``#``.

Each task has a ``difficulty`` knob and draws from its own seeded ``random.Random``, so the same
seed gives the same problems. ``make_dataset`` builds a list of distinct problems from one split:
a problem belongs to the evaluation split when a hash of its task and its ``split_key`` falls in
the first ``EVAL_PERCENT`` of 100 buckets, so train and eval sets never share a problem, whatever
seeds they were drawn with. The key ignores orders that do not matter (``3+5`` and ``5+3``; the
numbers of a Countdown; the digits to sort), so an evaluation problem is never a training problem
written in another order.
"""

from __future__ import annotations

import functools
import hashlib
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from minimoe.tasks.tokenizer import ANSWER_MARKER, EOS, THINK_MARKER
from minimoe.tasks.verify import verify_countdown, verify_exact, verify_integer

EVAL_PERCENT = 10
SPLITS = ("train", "eval")


@dataclass(frozen=True)
class Problem:
    """One task instance. ``prompt + target`` is the full supervised sequence."""

    prompt: str
    answer: str
    target: str
    task: str

    def verify(self, completion: str) -> float:
        """Reward for ``completion``, the text the model wrote after the prompt."""
        return TASKS[self.task].verify(self, completion)


def _solution(steps: str, answer: str) -> str:
    return f"{steps}{ANSWER_MARKER}{answer}{EOS}"


class Task:
    """A problem generator with a difficulty knob and its own seeded random number generator.

    Subclasses set ``name`` and the difficulty range, and write ``sample`` and ``verify``.
    """

    name: ClassVar[str]
    min_difficulty: ClassVar[int]
    max_difficulty: ClassVar[int]
    default_difficulty: ClassVar[int]

    def __init__(self, difficulty: int | None = None, seed: int = 0) -> None:
        if difficulty is None:
            difficulty = self.default_difficulty
        if (
            isinstance(difficulty, bool)
            or not isinstance(difficulty, int)
            or not (self.min_difficulty <= difficulty <= self.max_difficulty)
        ):
            raise ValueError(
                f"{type(self).__name__} difficulty must be an int from {self.min_difficulty} "
                f"to {self.max_difficulty}, got {difficulty!r}"
            )
        self.difficulty = difficulty
        self.rng = random.Random(seed)

    def sample(self) -> Problem:
        raise NotImplementedError

    @staticmethod
    def verify(problem: Problem, completion: str) -> float:
        raise NotImplementedError

    @staticmethod
    def split_key(problem: Problem) -> str:
        """What decides the problem's split. Problems that differ only by an order that does not
        matter share a key, so a reordered training problem can never reappear in evaluation."""
        return problem.prompt

    def __iter__(self) -> Iterator[Problem]:
        while True:
            yield self.sample()


class Arithmetic(Task):
    """Add or subtract two numbers of ``difficulty`` digits, working column by column.

    The steps list each column's value from the units column leftwards, carry or borrow
    included: for addition ``a + b + carry`` (0..19; the tens digit is the next carry), for
    subtraction ``a - b - borrow`` (-10..9; a negative value means borrow 1). The answer's digits
    are these values mod 10, read backwards. Subtraction always takes the smaller number from the
    larger, so answers are never negative.

    Example (difficulty 3)::

        prompt  "347+285:"      target  "12,13,6#632<eos>"
        prompt  "347-285:"      target  "2,-4,0#62<eos>"
    """

    name = "arithmetic"
    min_difficulty, max_difficulty, default_difficulty = 1, 8, 3

    def sample(self) -> Problem:
        low = 10 ** (self.difficulty - 1) if self.difficulty > 1 else 0
        high = 10**self.difficulty - 1
        a, b = self.rng.randint(low, high), self.rng.randint(low, high)
        operator = self.rng.choice("+-")
        if operator == "-" and a < b:
            a, b = b, a
        return self.problem(a, operator, b)

    def problem(self, a: int, operator: str, b: int) -> Problem:
        """The problem ``a operator b`` with its worked steps, e.g. ``problem(347, "+", 285)``."""
        if operator not in ("+", "-"):
            raise ValueError(f"operator must be '+' or '-', got {operator!r}")
        if a < 0 or b < 0 or (operator == "-" and a < b):
            raise ValueError(
                f"need 0 <= b <= a for subtraction and a, b >= 0; got {a}{operator}{b}"
            )
        result = a + b if operator == "+" else a - b
        columns = _column_values(a, b, operator, len(str(max(a, b))))
        return Problem(
            prompt=f"{a}{operator}{b}{THINK_MARKER}",
            answer=str(result),
            target=_solution(",".join(map(str, columns)), str(result)),
            task=self.name,
        )

    @staticmethod
    def verify(problem: Problem, completion: str) -> float:
        return verify_integer(completion, int(problem.answer))

    @staticmethod
    def split_key(problem: Problem) -> str:
        if "+" in problem.prompt:  # a+b and b+a are the same problem
            a, b = sorted(problem.prompt.removesuffix(THINK_MARKER).split("+"), key=int)
            return f"{a}+{b}"
        return problem.prompt


def _column_values(a: int, b: int, operator: str, digits: int) -> list[int]:
    """Per-column values, units first: digit sums plus carry, or differences minus borrow."""
    values, carry = [], 0
    for _ in range(digits):
        a_digit, b_digit = a % 10, b % 10
        a, b = a // 10, b // 10
        if operator == "+":
            value = a_digit + b_digit + carry
            carry = value // 10
        else:
            value = a_digit - b_digit - carry
            carry = int(value < 0)
        values.append(value)
    return values


class Countdown(Task):
    """Reach a target from ``difficulty`` numbers (each 1..9) with ``+ - *`` and brackets.

    The answer is an expression that must use every given number exactly once (a number given
    twice is used twice) and equal the target; the verifier parses it with the safe parser of
    ``verify.py``. Many answers are right, which gives RL room to explore.

    The target is drawn uniformly from the values in 1..99 that the numbers can make, and a
    reference solution is found by brute-force search over pairs of numbers and operators, tried
    in a random order, so the worked steps vary between problems. Each step combines two numbers
    still available, as in the game; intermediate values stay in 0..999 (subtraction takes the
    smaller from the larger), which keeps the steps short but is not required of the model.

    Example (difficulty 3)::

        prompt  "9 4 5>16:"     target  "9-5=4,4*4=16#4*(9-5)<eos>"
        prompt  "1 7 9>64:"     target  "7*9=63,1+63=64#1+7*9<eos>"
    """

    name = "countdown"
    min_difficulty, max_difficulty, default_difficulty = 2, 5, 3
    max_number = 9
    max_target = 99
    max_intermediate = 999

    def sample(self) -> Problem:
        numbers = [self.rng.randint(1, self.max_number) for _ in range(self.difficulty)]
        # Never empty: the sum of at most five numbers 1..9 is itself a target in 1..99.
        targets = sorted(v for v in _reachable(tuple(sorted(numbers))) if 1 <= v <= self.max_target)
        return self.problem(numbers, self.rng.choice(targets))

    def problem(self, numbers: list[int], target: int) -> Problem:
        """The problem of making ``target`` from ``numbers``, with a reference solution found by
        search, e.g. ``problem([9, 4, 5], 16)``. Raises ValueError if no solution exists."""
        if len(numbers) < 2 or any(
            isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in numbers
        ):
            raise ValueError(f"numbers must be at least two positive ints, got {numbers!r}")
        pool = [(n, str(n), _ATOM) for n in numbers]
        steps = _search(pool, target, self.rng)
        if steps is None:
            raise ValueError(f"{target} cannot be made from {numbers} by Countdown's rules")
        expression = steps[-1][1]
        trace = ",".join(step for step, _ in steps)
        return Problem(
            prompt=f"{' '.join(map(str, numbers))}>{target}{THINK_MARKER}",
            answer=expression,
            target=_solution(trace, expression),
            task=self.name,
        )

    @staticmethod
    def parse_prompt(prompt: str) -> tuple[list[int], int]:
        """``"3 5 7>24:"`` -> ``([3, 5, 7], 24)``. Prompts come from the generator, not the model."""
        match = re.fullmatch(r"(\d+(?: \d+)*)>(\d+):", prompt)
        if match is None:
            raise ValueError(f"{prompt!r} is not a Countdown prompt like '3 5 7>24:'")
        return [int(n) for n in match.group(1).split()], int(match.group(2))

    @staticmethod
    def verify(problem: Problem, completion: str) -> float:
        numbers, target = Countdown.parse_prompt(problem.prompt)
        return verify_countdown(completion, numbers, target)

    @staticmethod
    def split_key(problem: Problem) -> str:
        numbers, target = Countdown.parse_prompt(problem.prompt)  # the numbers' order is irrelevant
        return f"{sorted(numbers)}>{target}"


# Operator precedence of an expression's outermost operator, to decide where brackets go.
_SUM, _PRODUCT, _ATOM = 1, 2, 3


@functools.lru_cache(maxsize=2**15)
def _reachable(pool: tuple[int, ...]) -> frozenset[int]:
    """Every value the sorted multiset ``pool`` can make under Countdown's step rules."""
    if len(pool) == 1:
        return frozenset(pool)
    values: set[int] = set()
    for i in range(len(pool)):
        for j in range(i + 1, len(pool)):
            rest = pool[:i] + pool[i + 1 : j] + pool[j + 1 :]
            for value in _combine_values(pool[i], pool[j]):
                values |= _reachable(tuple(sorted(rest + (value,))))
    return frozenset(values)


def _combine_values(a: int, b: int) -> set[int]:
    return {v for v in (a + b, a * b, abs(a - b)) if v <= Countdown.max_intermediate}


def _search(
    pool: list[tuple[int, str, int]], target: int, rng: random.Random
) -> list[tuple[str, str]] | None:
    """Depth-first search for steps that turn ``pool`` into ``[target]``.

    ``pool`` holds (value, expression, precedence) triples. Returns the steps as
    (``"a*b=c"``, expression so far) pairs, or None. Pools that cannot make the target are cut
    off early with the memoised ``_reachable``.
    """
    if target not in _reachable(tuple(sorted(value for value, _, _ in pool))):
        return None
    if len(pool) == 1:
        return []
    moves = [
        (i, j, operator)
        for i in range(len(pool))
        for j in range(i + 1, len(pool))
        for operator in "+-*"
    ]
    rng.shuffle(moves)
    for i, j, operator in moves:
        left, right = pool[i], pool[j]
        if operator == "-" and left[0] < right[0]:
            left, right = right, left
        combined = _apply(left, right, operator)
        if combined[0] > Countdown.max_intermediate:
            continue
        rest = [item for k, item in enumerate(pool) if k not in (i, j)]
        later = _search(rest + [combined], target, rng)
        if later is not None:
            step = f"{left[0]}{operator}{right[0]}={combined[0]}"
            return [(step, combined[1])] + later
    return None


def _apply(
    left: tuple[int, str, int], right: tuple[int, str, int], operator: str
) -> tuple[int, str, int]:
    """Combine two pool entries, bracketing sub-expressions only where precedence needs it."""
    (a, a_text, a_prec), (b, b_text, b_prec) = left, right
    if operator == "*":
        a_text = a_text if a_prec >= _PRODUCT else f"({a_text})"
        b_text = b_text if b_prec >= _PRODUCT else f"({b_text})"
        return a * b, f"{a_text}*{b_text}", _PRODUCT
    if operator == "-":
        # a - (b + c) needs the brackets; a + (b + c) does not.
        b_text = b_text if b_prec >= _PRODUCT else f"({b_text})"
        return a - b, f"{a_text}-{b_text}", _SUM
    return a + b, f"{a_text}+{b_text}", _SUM


class Remainder(Task):
    """Find the remainder of ``a`` divided by ``d`` by subtracting ``d`` again and again: a long
    answer whose length varies with the problem, and whose success turns on one rare token.

    The prompt writes the division as in long division, ``d)a``; the steps list the running
    value after each subtraction, and the answer is the first value below ``d``, i.e. ``a mod d``.
    Each problem draws its divisor from 2..9 and its number of subtractions from 2..``difficulty``,
    so worked answers run from about 6 to 120 tokens (difficulty 30). Nearly every token
    is routine (the next value, a digit at a time); the decisive one is rare: after each value,
    write ``,`` and go on, or ``#`` and stop. Stop one step early or late and the whole answer is
    wrong. Those rare, low-probability "fork" tokens are the ones MiniMax-M1 argues PPO's clip
    starves and CISPO keeps (§3.1 of its report).

    The problem space is small (about 1,300 problems at difficulty 30, a tenth of them in the
    evaluation split), so ask ``make_dataset`` for at most about 1,000 training and 100
    evaluation problems.

    Example::

        prompt  "7)53:"     target  "46,39,32,25,18,11,4#4<eos>"
    """

    name = "remainder"
    min_difficulty, max_difficulty, default_difficulty = 2, 60, 30

    def sample(self) -> Problem:
        divisor = self.rng.randint(2, 9)
        steps = self.rng.randint(2, self.difficulty)
        return self.problem(divisor * steps + self.rng.randint(0, divisor - 1), divisor)

    def problem(self, a: int, divisor: int) -> Problem:
        """The problem ``a mod divisor`` with its subtractions, e.g. ``problem(53, 7)``."""
        if any(isinstance(v, bool) or not isinstance(v, int) for v in (a, divisor)) or not (
            2 <= divisor <= 9 and a >= divisor
        ):
            raise ValueError(
                f"need ints with 2 <= divisor <= 9 and a >= divisor, got {a!r} and {divisor!r}"
            )
        values = list(range(a - divisor, -1, -divisor))
        return Problem(
            prompt=f"{divisor}){a}{THINK_MARKER}",
            answer=str(a % divisor),
            target=_solution(",".join(map(str, values)), str(a % divisor)),
            task=self.name,
        )

    @staticmethod
    def verify(problem: Problem, completion: str) -> float:
        return verify_exact(completion, problem.answer)


class Sorting(Task):
    """Sort a string of ``difficulty`` digits (repeats allowed) in ascending order.

    No worked steps: a small transformer learns to sort without writing any down, so the target
    starts with the answer marker. The single right answer makes this the easiest task to verify.

    Example (difficulty 10)::

        prompt  "5391406612:"   target  "#0112345669<eos>"
    """

    name = "sorting"
    min_difficulty, max_difficulty, default_difficulty = 2, 16, 10

    def sample(self) -> Problem:
        return self.problem("".join(self.rng.choice("0123456789") for _ in range(self.difficulty)))

    def problem(self, digits: str) -> Problem:
        """The problem of sorting the digit string ``digits``, e.g. ``problem("5391406612")``."""
        if not digits or any(c not in "0123456789" for c in digits):
            raise ValueError(f"digits must be a non-empty string of 0-9, got {digits!r}")
        answer = "".join(sorted(digits))
        return Problem(
            prompt=f"{digits}{THINK_MARKER}",
            answer=answer,
            target=_solution("", answer),
            task=self.name,
        )

    @staticmethod
    def verify(problem: Problem, completion: str) -> float:
        return verify_exact(completion, problem.answer)

    @staticmethod
    def split_key(problem: Problem) -> str:
        return problem.answer  # every ordering of the same digits


TASKS: dict[str, type[Task]] = {
    task.name: task for task in (Arithmetic, Countdown, Remainder, Sorting)
}


def split_of(problem: Problem) -> str:
    """``"eval"`` for the ``EVAL_PERCENT`` percent of problems whose hashed (task, split key) lands
    in the first buckets, ``"train"`` for the rest. A hash, unlike a seed range, keeps the splits
    apart even when two seeds happen to draw the same problem."""
    key = TASKS[problem.task].split_key(problem)
    digest = hashlib.sha256(f"{problem.task}|{key}".encode()).digest()
    return "eval" if int.from_bytes(digest[:8], "big") % 100 < EVAL_PERCENT else "train"


def make_dataset(
    task: str, n: int, seed: int = 0, split: str = "train", difficulty: int | None = None
) -> list[Problem]:
    """``n`` distinct problems of ``task`` from ``split``, reproducible from ``seed``.

    Raises:
        ValueError: unknown task or split, or a problem space too small to hold ``n`` distinct
            problems of this split.
    """
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {sorted(TASKS)}")
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    if not isinstance(n, int) or n < 0:
        raise ValueError(f"n must be a non-negative int, got {n!r}")
    generator = TASKS[task](difficulty, seed)
    problems: dict[str, Problem] = {}
    max_draws = 10 * n + 1000
    for _ in range(max_draws):
        if len(problems) == n:
            break
        problem = generator.sample()
        if split_of(problem) == split:
            problems.setdefault(problem.prompt, problem)
    if len(problems) < n:
        raise ValueError(
            f"found only {len(problems)} distinct {split} problems of {task!r} at difficulty "
            f"{generator.difficulty} in {max_draws} draws; ask for fewer or raise the difficulty"
        )
    return list(problems.values())
