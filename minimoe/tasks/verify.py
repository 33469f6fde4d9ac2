"""Safe parsing and checking of model answers.

A reward function reads text that a model wrote, so it must treat that text as hostile: no
``eval``, ``exec``, ``compile`` or symbolic-maths parser ever sees it. Instead a small recursive
descent parser accepts exactly this grammar, over integers only:

    expression := term (("+" | "-") term)*
    term       := factor ("*" factor)*
    factor     := number | "(" expression ")"
    number     := 1 to 12 ASCII digits

Spaces between tokens are ignored. There is no unary minus, no division and no power. Every kind
of work is bounded, so a hostile string costs at most a few hundred steps:

* the text is at most ``MAX_EXPRESSION_CHARS`` characters,
* a number has at most ``MAX_NUMBER_DIGITS`` digits,
* brackets nest at most ``MAX_DEPTH`` deep,
* every intermediate value stays within ``±MAX_MAGNITUDE``.

Called directly, the parser raises ``ExpressionError`` saying why a string was rejected. The
``verify_*`` functions never raise on a completion: anything wrong earns reward 0.0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from minimoe.tasks.tokenizer import ANSWER_MARKER, EOS

MAX_COMPLETION_CHARS = 256
MAX_EXPRESSION_CHARS = 256
MAX_NUMBER_DIGITS = 12
MAX_DEPTH = 32
MAX_MAGNITUDE = 10**18

ASCII_DIGITS = "0123456789"
OPERATORS = "+-*()"


class ExpressionError(ValueError):
    """The text is not an expression of the grammar above, or it breaks one of the limits."""


@dataclass(frozen=True)
class Evaluation:
    """What the parser found.

    Attributes:
        value: the integer the expression evaluates to.
        numbers: the number literals, in the order they appear (Countdown checks these).
        steps: units of work done: characters scanned plus tokens parsed.
    """

    value: int
    numbers: tuple[int, ...]
    steps: int


class ExpressionParser:
    """Recursive descent over ``+ - * ( )`` and integers; see the module docstring for the grammar.

    ``steps`` counts the work done so far, also when parsing fails part-way.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.steps = 0
        self.tokens: list[str] = []
        self.position = 0  # index into self.tokens
        self.numbers: list[int] = []

    def parse(self) -> Evaluation:
        self._tokenize()
        if not self.tokens:
            raise ExpressionError("the expression is empty")
        value = self._expression(depth=0)
        if self.position != len(self.tokens):
            raise ExpressionError(
                f"unexpected {self.tokens[self.position]!r} after a complete expression"
            )
        return Evaluation(value=value, numbers=tuple(self.numbers), steps=self.steps)

    def _tokenize(self) -> None:
        # The length check comes first, so a huge string is rejected before it is read.
        if len(self.text) > MAX_EXPRESSION_CHARS:
            raise ExpressionError(
                f"the expression has {len(self.text)} characters; at most {MAX_EXPRESSION_CHARS} are allowed"
            )
        digits = ""
        for index, char in enumerate(self.text):
            self.steps += 1
            if char in ASCII_DIGITS:  # str.isdigit() would also accept other scripts' digits
                digits += char
                if len(digits) > MAX_NUMBER_DIGITS:
                    raise ExpressionError(
                        f"a number at position {index - len(digits) + 1} has more than {MAX_NUMBER_DIGITS} digits"
                    )
                continue
            if digits:
                self.tokens.append(digits)
                digits = ""
            if char in OPERATORS:
                self.tokens.append(char)
            elif char != " ":
                raise ExpressionError(
                    f"unexpected character {char!r} at position {index}; "
                    "an expression may contain only digits, + - * ( ) and spaces"
                )
        if digits:
            self.tokens.append(digits)

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        self.steps += 1
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _expression(self, depth: int) -> int:
        value = self._term(depth)
        while self._peek() in ("+", "-"):
            operator = self._take()
            right = self._term(depth)
            value = _checked(value + right if operator == "+" else value - right)
        return value

    def _term(self, depth: int) -> int:
        value = self._factor(depth)
        while self._peek() == "*":
            self._take()
            value = _checked(value * self._factor(depth))
        return value

    def _factor(self, depth: int) -> int:
        token = self._peek()
        if token is None:
            raise ExpressionError("the expression ends where a number or '(' was expected")
        if token == "(":
            if depth >= MAX_DEPTH:
                raise ExpressionError(f"brackets nest more than {MAX_DEPTH} deep")
            self._take()
            value = self._expression(depth + 1)
            if self._peek() != ")":
                raise ExpressionError("a '(' is never closed")
            self._take()
            return value
        if token[0] in ASCII_DIGITS:
            self._take()
            number = int(token)
            self.numbers.append(number)
            return number
        raise ExpressionError(f"expected a number or '(' but found {token!r}")


def _checked(value: int) -> int:
    if abs(value) > MAX_MAGNITUDE:
        raise ExpressionError(f"an intermediate value exceeds {MAX_MAGNITUDE:.0e} in magnitude")
    return value


def evaluate_expression(text: str) -> Evaluation:
    """Parse and evaluate ``text``; raises ``ExpressionError`` with the reason if it is rejected.

    >>> evaluate_expression("(7-5)*3").value
    6
    """
    return ExpressionParser(text).parse()


def parse_integer(text: str) -> int:
    """Read a whole integer answer: an optional ``-`` then 1 to 12 ASCII digits, nothing else.

    Leading zeros are allowed (``"062"`` reads as 62). Raises ``ExpressionError`` otherwise.
    """
    digits = text[1:] if text.startswith("-") else text
    if not 1 <= len(digits) <= MAX_NUMBER_DIGITS or any(c not in ASCII_DIGITS for c in digits):
        raise ExpressionError(
            f"{text[:40]!r} is not an integer of 1 to {MAX_NUMBER_DIGITS} ASCII digits"
        )
    return int(text)


def extract_answer(completion: str) -> str | None:
    """The text after the last answer marker ``#``, up to the first ``<eos>``, without surrounding
    spaces. ``None`` when there is no marker or the completion is longer than
    ``MAX_COMPLETION_CHARS`` (a runaway generation earns nothing).

    >>> extract_answer("12,13,6#632<eos>")
    '632'
    """
    if not isinstance(completion, str):
        raise TypeError(f"a completion is a str, got {type(completion).__name__}")
    end = completion.find(EOS)
    if end != -1:
        completion = completion[:end]
    if len(completion) > MAX_COMPLETION_CHARS:
        return None
    marker = completion.rfind(ANSWER_MARKER)
    if marker == -1:
        return None
    return completion[marker + 1 :].strip(" ")


def verify_integer(completion: str, expected: int) -> float:
    """1.0 if the answer is the integer ``expected``, else 0.0."""
    answer = extract_answer(completion)
    if answer is None:
        return 0.0
    try:
        return float(parse_integer(answer) == expected)
    except ExpressionError:
        return 0.0


def verify_exact(completion: str, expected: str) -> float:
    """1.0 if the answer is exactly the string ``expected``, else 0.0."""
    return float(extract_answer(completion) == expected)


def verify_countdown(completion: str, numbers: Sequence[int], target: int) -> float:
    """1.0 if the answer is an expression that uses each of ``numbers`` exactly once (as a multiset:
    a number given twice may be used twice) and evaluates to ``target``, else 0.0."""
    answer = extract_answer(completion)
    if answer is None:
        return 0.0
    try:
        evaluation = evaluate_expression(answer)
    except ExpressionError:
        return 0.0
    uses_each_once = Counter(evaluation.numbers) == Counter(numbers)
    return float(uses_each_once and evaluation.value == target)
