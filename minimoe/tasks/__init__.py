"""Verifiable reasoning tasks: a character tokenizer, problem generators and safe verifiers."""

from minimoe.tasks.generators import (
    EVAL_PERCENT,
    TASKS,
    Arithmetic,
    Countdown,
    Problem,
    Remainder,
    Sorting,
    Task,
    make_dataset,
    split_of,
)
from minimoe.tasks.tokenizer import (
    ANSWER_MARKER,
    THINK_MARKER,
    TOKENIZER,
    CharTokenizer,
)
from minimoe.tasks.verify import (
    Evaluation,
    ExpressionError,
    ExpressionParser,
    evaluate_expression,
    extract_answer,
    parse_integer,
    verify_countdown,
    verify_exact,
    verify_integer,
)

__all__ = [
    "ANSWER_MARKER",
    "EVAL_PERCENT",
    "TASKS",
    "THINK_MARKER",
    "TOKENIZER",
    "Arithmetic",
    "CharTokenizer",
    "Countdown",
    "Evaluation",
    "ExpressionError",
    "ExpressionParser",
    "Problem",
    "Remainder",
    "Sorting",
    "Task",
    "evaluate_expression",
    "extract_answer",
    "make_dataset",
    "parse_integer",
    "split_of",
    "verify_countdown",
    "verify_exact",
    "verify_integer",
]
