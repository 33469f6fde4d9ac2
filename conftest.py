"""Repository-wide pytest hooks for running the course notebooks with nbval.

* Student notebooks (``lessons/``) run in smoke mode; solution notebooks run at their real default
  settings. The kernel inherits the environment when nbval starts it at the notebook's first cell,
  so the variable is set just before that.
* At the end, one line per notebook gives its wall time (kernel start plus every cell) and its
  kernel's peak resident memory: the kernel's VmHWM (Linux's high-water mark of resident memory)
  plus the largest sum of its live child processes' peaks that a sampler sees every half second,
  each child's VmHWM less its file pages (the children's library pages are the kernel's too, and
  a container's memory limit counts those once). A
  solutions notebook (real defaults) fails at the cell where the peak first passes 1.5 GB, so that
  Binder's 2 GB keeps room for the JupyterLab server. Measured in this run: no notebook is
  executed twice for it.
* The JupyterLab browser test (tests/test_browser.py) reports its per-notebook times here too.
* Every worker and notebook kernel uses one CPU thread. With two test workers on two cores, torch's
  default of one thread per core oversubscribes the machine, and we measured small-model
  generation run 20x slower that way (52 s instead of 2.2 s).
"""

from __future__ import annotations

import os
import threading
import time
from collections import defaultdict
from pathlib import Path

import pytest

from minimoe.smoke import ENV_VAR

os.environ["OMP_NUM_THREADS"] = "1"  # before torch is imported; notebook kernels inherit it

import torch  # noqa: E402

torch.set_num_threads(1)

_notebook_seconds: dict[str, float] = defaultdict(float)
_notebook_peak: dict[str, int] = {}
_browser_seconds: dict[str, float] = {}

KERNEL_MEMORY_LIMIT = 1_500_000_000  # bytes: a solutions kernel's budget within Binder's 2 GB


def _status_bytes(pid: int, *fields: str) -> int:
    """The sum of ``fields`` (kB lines such as ``VmHWM``) of /proc/PID/status, 0 if it is gone."""
    total = 0
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                name, _, value = line.partition(":")
                if name in fields:
                    total += int(value.split()[0]) * 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return total


def _child_peak(pid: int) -> int:
    return max(0, _status_bytes(pid, "VmHWM") - _status_bytes(pid, "RssFile"))


class _KernelMemory:
    """Tracks the peak memory of the kernel of the notebook that is running in this worker."""

    def __init__(self) -> None:
        self.pid: int | None = None
        self.children_peak = 0
        self._lock = threading.Lock()
        self._sampler: threading.Thread | None = None

    def peak(self, pid: int) -> int:
        """Kernel VmHWM plus the children's peak; a new pid starts a new notebook."""
        with self._lock:
            if pid != self.pid:
                self.pid, self.children_peak = pid, 0
            self._sample_children()
            if self._sampler is None:
                self._sampler = threading.Thread(target=self._run, daemon=True)
                self._sampler.start()
            return _status_bytes(pid, "VmHWM") + self.children_peak

    def _run(self) -> None:
        while True:
            time.sleep(0.5)
            with self._lock:
                self._sample_children()

    def _sample_children(self) -> None:
        try:
            import psutil

            children = psutil.Process(self.pid).children(recursive=True)
        except Exception:  # no psutil, or the kernel has just exited
            return
        # A child's own peak: its VmHWM less its file pages (torch's libraries), which are the
        # kernel's too and which a container's memory limit counts once.
        private = sum(_child_peak(c.pid) for c in children)
        self.children_peak = max(self.children_peak, private)


_kernel_memory = _KernelMemory()


def _kernel_pid(item) -> int | None:
    kernel = getattr(item.parent, "kernel", None)  # nbval's RunningKernel, set for notebook cells
    return getattr(getattr(getattr(kernel, "km", None), "provisioner", None), "pid", None)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        pid = _kernel_pid(item)
        if pid is not None and os.path.exists(f"/proc/{pid}/status"):
            peak = _kernel_memory.peak(pid)
            item.user_properties.append(("kernel_peak_bytes", peak))
            path = Path(str(item.fspath))
            first = not getattr(item.parent, "_over_memory_budget", False)
            if path.parent.name == "solutions" and peak > KERNEL_MEMORY_LIMIT and first:
                item.parent._over_memory_budget = True
                raise AssertionError(
                    f"{path.name}: the kernel's peak resident memory reached "
                    f"{peak / 1e6:.0f} MB after this cell, over the {KERNEL_MEMORY_LIMIT / 1e6:.0f}"
                    " MB budget that keeps the notebook within Binder's 2 GB"
                )


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
    for name, value in report.user_properties:  # sent by xdist workers along with the report
        if name == "kernel_peak_bytes":
            _notebook_peak[path] = max(value, _notebook_peak.get(path, 0))
        elif name == "browser_seconds":
            _browser_seconds[report.nodeid.split("[", 1)[-1].rstrip("]")] = value


def pytest_terminal_summary(terminalreporter):
    if _notebook_seconds:
        terminalreporter.section("notebook wall time and kernel peak memory")
        for path, seconds in sorted(_notebook_seconds.items()):
            peak = (
                f"{_notebook_peak[path] / 1e6:7.0f} MB" if path in _notebook_peak else "    n/a   "
            )
            terminalreporter.write_line(f"{seconds:7.1f} s  {peak}  {path}")
        terminalreporter.write_line(f"{sum(_notebook_seconds.values()):7.1f} s              total")
        terminalreporter.write_line(
            f"(peak: kernel VmHWM plus its children's private memory; solutions/ fail above "
            f"{KERNEL_MEMORY_LIMIT / 1e6:.0f} MB)"
        )
    if _browser_seconds:
        terminalreporter.section("JupyterLab in Chromium: open, run all cells, try the explorers")
        for name, seconds in sorted(_browser_seconds.items()):
            terminalreporter.write_line(f"{seconds:7.1f} s  lessons/{name}")
        terminalreporter.write_line(f"{sum(_browser_seconds.values()):7.1f} s  total")
