"""The smoke switch: one environment variable that shrinks step counts for fast runs.

Set ``MINIMOE_SMOKE=1`` to run every notebook and command with tiny settings (CI uses it for the
student notebooks). Unset, or set to ``0``, the defaults are the real settings. This module is the
only place that reads the variable.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")

ENV_VAR = "MINIMOE_SMOKE"
_OFF = {"", "0", "false", "no", "off"}


def is_smoke() -> bool:
    """True when ``MINIMOE_SMOKE`` is set to anything but 0/false/no/off."""
    return os.environ.get(ENV_VAR, "").strip().lower() not in _OFF


def pick(default: T, smoke: T) -> T:
    """Return ``smoke`` in smoke mode, else ``default`` (the real setting)."""
    return smoke if is_smoke() else default
