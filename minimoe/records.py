"""A check shared by the loaders of the course's data files (timeline, licenses, openness)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def check_fields(
    record: Any,
    where: str,
    required: Sequence[str],
    optional: Sequence[str] | None = None,
    *,
    error: type[ValueError] = ValueError,
) -> None:
    """Raise ``error`` naming ``where`` unless ``record`` is a mapping with every required field.

    With ``optional`` given, a field that is neither required nor optional is refused too (a typo
    in a field name would otherwise be silently ignored).
    """
    if not isinstance(record, Mapping):
        raise error(f"{where}: expected an object with fields, got {type(record).__name__}")
    missing = [name for name in required if name not in record]
    if missing:
        raise error(f"{where}: missing field(s) {', '.join(missing)}")
    if optional is None:
        return
    unknown = sorted(set(record) - set(required) - set(optional))
    if unknown:
        raise error(
            f"{where}: unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join([*required, *optional])}"
        )


def check_choice(
    record: Mapping[str, Any],
    name: str,
    choices: Sequence[str],
    where: str,
    *,
    error: type[ValueError] = ValueError,
) -> str:
    """``record[name]`` if it is one of ``choices``; otherwise raise ``error`` listing them."""
    value = record[name]
    if value not in choices:
        raise error(f"{where}: field '{name}' must be one of {', '.join(choices)}; got {value!r}")
    return value
