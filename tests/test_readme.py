"""CI must install and test exactly the way the README tells a new user to."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _readme_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"## Set up, run, test\s+```bash\n(.*?)```", readme, re.S)
    assert block, "README lost its 'Set up, run, test' block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def test_ci_runs_the_readme_test_command_verbatim():
    setup, test = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text()
    assert test.startswith("pytest ")
    assert test in ci.splitlines()


def test_ci_installs_the_way_the_readme_says():
    setup, _ = _readme_commands()
    ci = (ROOT / ".ci" / "run").read_text()
    for step in ("pip install torch==2.13.0", 'pip install -e ".[dev]"'):
        assert step in setup and step in ci
    assert ci.index("torch==2.13.0") < ci.index('-e ".[dev]"'), "torch must be installed first"
