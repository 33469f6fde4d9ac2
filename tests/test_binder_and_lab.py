"""Binder and JupyterLab, proven: Binder's environment is built as repo2docker builds it, and every
student notebook runs in JupyterLab from that environment, in a real browser.

1. **Binder's environment.** The repository is copied (its tracked and unignored files, as
   repo2docker copies a checkout) and a fresh virtual environment is made with the Python of
   ``binder/runtime.txt``. ``binder/requirements.txt`` is installed from the copy's root, then
   ``binder/postBuild`` runs there, then ``minimoe doctor`` must report every notebook built.
   The one difference from mybinder.org: the requirements' ``--extra-index-url`` line (PyTorch's
   CPU wheel index) is dropped, because that server cannot be reached from these machines; pip
   then finds the very same ``torch==2.13.0+cpu`` wheel on this machine's disk (pip's configured
   find-links), the wheel that ``pip install torch==2.13.0`` installs here. On mybinder.org,
   repo2docker also starts from its own base environment with a JupyterLab already in it;
   here the environment starts empty, so JupyterLab comes from minimoe's ``course`` extra.
2. **Memory.** The solutions notebooks' kernel peaks are measured where they already run at
   their defaults, in the nbval run (conftest.py): no notebook is executed twice. What makes that
   measurement hold for Binder is that the packages a kernel loads have the same versions in
   both environments, which is checked here.
3. **JupyterLab in Chromium.** ``jupyter lab`` from Binder's environment serves the copy on
   127.0.0.1 with a token, throwaway settings, workspaces and config (news and update checks
   off), and ``MINIMOE_SMOKE=1``. Debian's Chromium, driven by Playwright (its own browser
   download does not work on these machines), opens each student notebook in its own workspace
   and a fresh kernel, runs all cells, and asserts that every cell ran without an error and that
   every widget rendered. In each cell with a slider or a dropdown (an explorer), it moves the
   first one and waits until the cell's output changes. A screenshot per notebook goes to
   ``test-artifacts/screenshots/`` (ignored by git); the per-notebook times are printed in the
   test summary.

Without Chromium, Playwright or the runtime's Python these tests skip with the reason, except
under CI (``CI=true``), where a skip would hide a broken promise, so they fail instead.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest

from minimoe import course
from minimoe.env import PACKAGES

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
STUDENT_NOTEBOOKS = [lesson.student.name for lesson in course.lessons(ROOT)]
# The index that real Binder uses for the CPU build of torch (unreachable from these machines).
TORCH_INDEX = "download.pytorch.org"
# Packages whose versions decide a kernel's memory: they must match the nbval environment's.
KERNEL_PACKAGES = ("torch", "numpy", "matplotlib", "ipywidgets", "safetensors", "tqdm")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LAB_SETTINGS = {  # user settings in the throwaway folder, as JupyterLab's settings editor writes them
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
    # Render every cell, not only those in view, so that outputs far down the page are in the DOM.
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

pytestmark = pytest.mark.slow


def _unavailable(reason: str):
    """Skip locally; under CI a missing browser or runtime is a failure, not a skip."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run this test, but: {reason}")
    pytest.skip(reason)


@dataclass(frozen=True)
class BinderEnv:
    repo: Path  # the copy of the repository, Binder's working directory
    venv: Path
    env: dict[str, str]  # the process environment of a Binder session

    def run(self, *command: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run(
            command, cwd=self.repo, env=self.env, capture_output=True, text=True, timeout=timeout
        )


def _copy_repository(dest: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (item.decode() for item in listed)):
        source = ROOT / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)


def _local_requirements(repo: Path) -> str:
    """binder/requirements.txt without the line that points at PyTorch's index."""
    lines = (repo / "binder" / "requirements.txt").read_text().splitlines()
    dropped = [line for line in lines if TORCH_INDEX in line]
    assert len(dropped) == 1 and dropped[0].startswith("--extra-index-url"), (
        f"expected exactly one --extra-index-url line for {TORCH_INDEX}, found {dropped}; "
        "update this test along with binder/requirements.txt"
    )
    return "\n".join(line for line in lines if TORCH_INDEX not in line) + "\n"


def _build_binder(base: Path) -> BinderEnv:
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()  # e.g. python-3.11
    python = shutil.which(runtime.replace("-", ""))
    if python is None:
        _unavailable(f"binder/runtime.txt asks for {runtime}, which is not on PATH")
    repo, venv = base / "repo", base / "venv"
    _copy_repository(repo)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", OMP_NUM_THREADS="1")
    env.pop("MINIMOE_SMOKE", None)  # the Lab server below sets it; doctor runs without it
    binder = BinderEnv(repo, venv, env)
    started = time.perf_counter()
    subprocess.run([python, "-m", "venv", str(venv)], check=True, timeout=300)
    requirements = base / "requirements-local.txt"
    requirements.write_text(_local_requirements(repo))
    installed = binder.run("pip", "install", "-q", "-r", str(requirements), timeout=1800)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    post_build = binder.run(str(repo / "binder" / "postBuild"))
    assert post_build.returncode == 0, post_build.stdout[-3000:] + post_build.stderr[-3000:]
    print(f"Binder environment built in {time.perf_counter() - started:.0f} s")
    return binder


@pytest.fixture(scope="module")
def binder(tmp_path_factory) -> BinderEnv:
    return _build_binder(tmp_path_factory.mktemp("binder"))


def test_binder_environment_passes_doctor(binder):
    done = binder.run("minimoe", "doctor", timeout=300)
    assert done.returncode == 0, done.stderr
    rows = {}
    for line in done.stdout.splitlines()[1:]:
        name, _, value = line.strip().partition("  ")
        rows[name.strip()] = value.strip()
    assert rows["torch"] == "2.13.0+cpu", done.stdout
    assert rows["device"] == "cpu", done.stdout
    for package in PACKAGES:
        assert rows[package] != "not installed", done.stdout
    count = len(course.lessons(binder.repo))
    assert rows["notebooks"].startswith(f"{count} lessons built and up to date"), done.stdout


def test_binder_kernel_packages_match_the_measured_environment(binder):
    """The nbval run measured kernel memory with these versions; Binder must load the same."""
    script = "import json; from importlib import metadata as m; import sys; "
    script += "print(json.dumps({p: m.version(p) for p in sys.argv[1:]}))"
    done = binder.run("python", "-c", script, *KERNEL_PACKAGES, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {p: metadata.version(p) for p in KERNEL_PACKAGES}


# --- JupyterLab in a real browser ---------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Lab:
    url: str
    token: str
    log: Path

    def tail(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


@pytest.fixture(scope="module")
def lab(binder, tmp_path_factory):
    if not CHROMIUM.exists():
        _unavailable(f"no browser: {CHROMIUM} is missing (apt-get install -y chromium)")
    base = tmp_path_factory.mktemp("lab")
    settings, workspaces, config, data = (base / n for n in ("settings", "ws", "config", "data"))
    for name, values in LAB_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    token, port = secrets.token_hex(16), _free_port()
    env = {
        **binder.env,
        "MINIMOE_SMOKE": "1",
        "JUPYTER_CONFIG_DIR": str(config),  # ignore the user's ~/.jupyter
        "JUPYTER_DATA_DIR": str(data),  # and their kernelspecs: the kernel is the venv's Python
        "JUPYTER_RUNTIME_DIR": str(base / "runtime"),
        "IPYTHONDIR": str(base / "ipython"),
    }
    log = base / "lab.log"
    command = [
        str(binder.venv / "bin" / "jupyter"),
        "lab",
        "--no-browser",
        "--allow-root",  # CI runs as root
        "--ip=127.0.0.1",
        f"--port={port}",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={binder.repo}",
        "--LabApp.expose_app_in_browser=True",  # window.jupyterapp, to run cells and read outputs
        f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={workspaces}",
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=binder.repo, env=env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2).read()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{log.read_text()[-4000:]}")
                time.sleep(0.5)
        yield Lab(url, token, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


@pytest.fixture(scope="module")
def browser(lab):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        # Playwright starts Chromium headless with a fresh temporary profile (--user-data-dir).
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


KERNEL_IDLE = """() => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return Boolean(kernel && kernel.status === 'idle' && panel.content && panel.content.widgets);
}"""

RUN_ALL = """() => {
    window.__runAll = null;
    window.jupyterapp.commands.execute('notebook:run-all-cells').then(
        ok => { window.__runAll = {ok: ok}; },
        error => { window.__runAll = {error: String(error)}; });
}"""

# For each code cell: its index, whether it ran, its errors, its widget views and how many of
# them show as widgets, and whether it holds a control (slider, dropdown). Each cell node gets a data-cell
# attribute so that Playwright can find it.
CELLS = """() => {
    const notebook = window.jupyterapp.shell.currentWidget.content;
    return notebook.widgets.map((cell, index) => {
        cell.node.setAttribute('data-cell', String(index));
        if (cell.model.type !== 'code') return null;
        const outputs = cell.model.outputs.toJSON();
        const area = cell.node.querySelector('.jp-OutputArea');
        return {
            index: index,
            executed: cell.model.executionCount !== null,
            errors: outputs.filter(o => o.output_type === 'error')
                           .map(o => o.ename + ': ' + o.evalue),
            views: outputs.filter(o => o.data
                && o.data['application/vnd.jupyter.widget-view+json']).length,
            // A widget view's node has no data-mime-type; a missing widget manager would show
            // the text/plain fallback instead. A closed widget (a finished tqdm bar with
            // leave=False) leaves an empty node, which is fine.
            shown: area ? [...area.querySelectorAll(
                ':scope > .jp-OutputArea-child > .jp-OutputArea-output')]
                .filter(node => node.getAttribute('data-mime-type') === null).length : 0,
            broken: area ? /Error displaying widget|Loading widget/.test(area.innerText) : false,
            control: area ? Boolean(area.querySelector(
                '.widget-slider [role=slider], .widget-dropdown select')) : false,
        };
    }).filter(c => c !== null);
}"""

# What an explorer shows, apart from its controls: Output widgets (plots, printed tables) and
# HTML / label widgets outside the controls.
SIGNATURE = """(index) => {
    const cell = document.querySelector(`[data-cell="${index}"] .jp-OutputArea`);
    const parts = [...cell.querySelectorAll('.widget-output, .widget-html-content')]
        .map(node => node.innerHTML);
    return parts.join('|');
}"""


SHUTDOWN = """async () => {
    const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
    if (panel && panel.sessionContext) await panel.sessionContext.shutdown();
}"""


def _wait(page, script: str, arg=None, timeout_s: float = 120) -> None:
    page.wait_for_function(script, arg=arg, timeout=timeout_s * 1000, polling=250)


def _poke(page, cell) -> None:
    """Move the first slider one step (back if it is at its maximum) or pick another option."""
    slider = cell.locator(".widget-slider [role=slider]").first
    if slider.count():
        now, top = slider.get_attribute("aria-valuenow"), slider.get_attribute("aria-valuemax")
        slider.focus()
        slider.press("ArrowLeft" if now is not None and now == top else "ArrowRight")
        return
    dropdown = cell.locator(".widget-dropdown select").first
    options = dropdown.locator("option").count()
    current = dropdown.evaluate("select => select.selectedIndex")
    dropdown.select_option(index=(current + 1) % options)


@pytest.mark.parametrize("notebook", STUDENT_NOTEBOOKS)
def test_lesson_runs_in_jupyterlab(notebook, lab, browser, record_property):
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    started = time.perf_counter()
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    stem = Path(notebook).stem
    try:
        page.goto(f"{lab.url}/lab/workspaces/{stem}/tree/lessons/{notebook}?token={lab.token}")
        _wait(page, KERNEL_IDLE, timeout_s=120)  # the API, not the toolbar, knows the kernel
        page.evaluate(RUN_ALL)  # not awaited: the command's promise settles when all cells ran
        _wait(page, "() => window.__runAll !== null", timeout_s=900)
        _wait(page, KERNEL_IDLE)
        result = page.evaluate("() => window.__runAll")
        cells = page.evaluate(CELLS)
        errors = [f"cell {c['index']}: {e}" for c in cells for e in c["errors"]]
        assert not errors, f"{notebook}: error outputs\n" + "\n".join(errors)
        assert result.get("ok") is True, f"{notebook}: run-all-cells reported {result}"
        not_run = [c["index"] for c in cells if not c["executed"]]
        assert not not_run, f"{notebook}: cells {not_run} did not run"
        try:  # widget views render asynchronously, after their cell has finished
            _wait(
                page,
                f"() => ({CELLS})().every(c => !c.views || (c.shown >= c.views && !c.broken))",
                timeout_s=60,
            )
        except PlaywrightTimeout:
            pass  # reported just below, cell by cell
        cells = page.evaluate(CELLS)
        unrendered = [
            c["index"] for c in cells if c["views"] and (c["shown"] < c["views"] or c["broken"])
        ]
        assert not unrendered, f"{notebook}: widgets in cells {unrendered} did not render"
        explorers = [c["index"] for c in cells if c["control"]]
        for index in explorers:
            before = page.evaluate(SIGNATURE, index)
            _poke(page, page.locator(f'[data-cell="{index}"] .jp-OutputArea'))
            _wait(
                page,
                f"""(before) => {{ const now = ({SIGNATURE})({index});
                    return now !== before && now.length > 0 && ({KERNEL_IDLE})(); }}""",
                arg=before,
                timeout_s=120,
            )
        target = f'[data-cell="{explorers[0]}"]' if explorers else ".jp-Notebook"
        page.locator(target).first.scroll_into_view_if_needed()
        # Wait until every plot is decoded, then give the browser a moment to paint it.
        page.evaluate("() => Promise.all([...document.images].map(i => i.decode().catch(() => 0)))")
        page.wait_for_timeout(500)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"))
    except Exception:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{stem}-failed.png"))
        print(f"JupyterLab log (tail):\n{lab.tail()}", file=sys.stderr)
        raise
    finally:
        page.evaluate(SHUTDOWN)  # the next notebook gets a fresh kernel and the memory back
        page.close()
    seconds = time.perf_counter() - started
    record_property("browser_seconds", seconds)
    print(f"{notebook}: {seconds:.1f} s in JupyterLab, explorers in cells {explorers}")
