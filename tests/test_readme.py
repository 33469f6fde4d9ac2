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


def test_the_library_map_lists_every_module():
    readme = (ROOT / "README.md").read_text()
    table = re.search(r"## Library map\n(.*?)\n## ", readme, re.S)
    assert table, "README lost its 'Library map' section"
    named = set(re.findall(r"`([\w/]+(?:\.py|/))`", table.group(1)))
    package = ROOT / "minimoe"
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package).as_posix()
        if path.name == "__init__.py" and path.parent == package:
            continue  # the public API, described above the map
        folder = relative.split("/")[0] + "/"
        if relative not in named and folder not in named and path.name != "__init__.py":
            raise AssertionError(f"minimoe/{relative} has no row in README's library map")
