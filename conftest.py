"""Repository-wide pytest hooks for running the course notebooks with nbval.

* Student notebooks (``lessons/``) run in smoke mode; solution notebooks run at their real default
  settings. The kernel inherits the environment when nbval starts it at the notebook's first cell,
  so the variable is set just before that.
* At the end, one line per notebook gives its wall time (kernel start plus every cell).
* Every worker and notebook kernel uses one CPU thread. With two test workers on two cores, torch's
  default of one thread per core oversubscribes the machine, and we measured small-model
  generation run 20x slower that way (52 s instead of 2.2 s).
"""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

import pytest

from minimoe.smoke import ENV_VAR

os.environ["OMP_NUM_THREADS"] = "1"  # before torch is imported; notebook kernels inherit it

import torch  # noqa: E402

torch.set_num_threads(1)

_notebook_seconds: dict[str, float] = defaultdict(float)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    path = Path(str(item.fspath))
    if hasattr(item, "output_timeout"):
        # nbval waits only 5 s for a cell's output messages; with two busy workers on two cores the
        # kernel can lag longer than that after a long cell (seen in CI on lesson 04).
        item.output_timeout = 120
    if path.suffix == ".ipynb":
        if path.parent.name == "lessons":
            os.environ[ENV_VAR] = "1"
        else:
            os.environ.pop(ENV_VAR, None)


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::", 1)[0]
    if path.endswith(".ipynb"):
        _notebook_seconds[path] += report.duration


def pytest_terminal_summary(terminalreporter):
    if not _notebook_seconds:
        return
    terminalreporter.section("notebook wall time")
    for path, seconds in sorted(_notebook_seconds.items()):
        terminalreporter.write_line(f"{seconds:7.1f} s  {path}")
    terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s  total")
