"""A pytest plugin that writes every notebook's wall time, its result and the machine to JSON.

``minimoe course times`` loads it (``pytest -p minimoe.notebook_times --notebook-times PATH``)
when it runs the notebooks as CI does, and records the result in ``course/times.json`` with
:func:`minimoe.kit.record_times`. A notebook's time is the sum of its cells' setup, call and
teardown durations, from starting its kernel to its last cell: the same sum as the "notebook wall
time" table that the repository's ``conftest.py`` prints. The plugin also notes the machine (CPU,
usable cores, memory, versions) and samples the load average as reports arrive, so that a time
says under what conditions it was measured.
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections import defaultdict
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import pytest

OPTION = "--notebook-times"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        OPTION,
        metavar="PATH",
        default=None,
        help="write each notebook's wall time, its result and the machine's load to PATH as JSON",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption(OPTION) and not hasattr(config, "workerinput"):  # not in xdist workers
        config.pluginmanager.register(NotebookTimer(config), "minimoe-notebook-timer")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def machine_info() -> dict:
    """The facts that make a measured time comparable: CPU, usable cores, memory, versions."""
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        torch_version = metadata.version("torch")
    except metadata.PackageNotFoundError:
        torch_version = "not installed"
    return {
        "cpu": _cpu_model(),
        "cpus": usable,
        "memory_gb": round(_memory_gb(), 1),
        "system": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "torch": torch_version,
    }


def _load() -> float:
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def _arguments_without_output(argv: list[str]) -> list[str]:
    """The command line without ``--notebook-times PATH``, which names a throwaway file."""
    kept, skip = [], False
    for arg in argv:
        if skip or arg.startswith(f"{OPTION}="):
            skip = False
            continue
        if arg == OPTION:
            skip = True
            continue
        kept.append(arg)
    return kept


class NotebookTimer:
    """Sums each notebook's report durations (xdist sends the workers' reports to the
    controller, where this runs) and samples the load average as reports arrive."""

    def __init__(self, config: pytest.Config):
        self.config = config
        self.seconds: dict[str, float] = defaultdict(float)
        self.failed: set[str] = set()
        self.loads = [_load()]
        self.started = datetime.now(timezone.utc)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        path = report.nodeid.split("::", 1)[0]
        if path.endswith(".ipynb"):
            self.seconds[path] += report.duration
            if report.failed:
                self.failed.add(path)
            self.loads.append(_load())

    def pytest_terminal_summary(self, terminalreporter) -> None:
        target = self.config.getoption(OPTION)
        if target and self.seconds:
            Path(target).write_text(json.dumps(self.result(), indent=1) + "\n", encoding="utf-8")
            terminalreporter.write_line(f"notebook times written to {target}")

    def result(self) -> dict:
        workers = getattr(self.config.option, "numprocesses", None) or 0
        return {
            "started": self.started.strftime("%Y-%m-%d %H:%M UTC"),
            "command": " ".join(["pytest", *_arguments_without_output(sys.argv[1:])]),
            "workers": max(int(workers), 1),
            "torch_threads": int(os.environ.get("OMP_NUM_THREADS", "0")) or None,
            "machine": machine_info(),
            "load_average": {
                "start": round(self.loads[0], 2),
                "max": round(max(self.loads), 2),
                "end": round(_load(), 2),
            },
            "notebooks": {
                path: {"seconds": round(seconds, 2), "passed": path not in self.failed}
                for path, seconds in sorted(self.seconds.items())
            },
        }
