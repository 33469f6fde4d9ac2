"""What this environment is: versions, device and threads (used by `minimoe doctor` and lesson 00)."""

from __future__ import annotations

import platform
import time
from importlib import metadata

from minimoe import __version__
from minimoe.smoke import ENV_VAR, is_smoke

PACKAGES = (
    "torch",
    "numpy",
    "matplotlib",
    "ipywidgets",
    "tqdm",
    "safetensors",
    "jupyterlab",
    "jupytext",
)


def package_version(package: str) -> str:
    """The installed version of ``package``, or "not installed"."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def best_device() -> str:
    """ "cuda", "mps" or "cpu": the fastest device torch can use here."""
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return "mps"
    return "cpu"


def environment_info() -> dict[str, str]:
    """A name -> value table of the facts a learner or instructor needs when something goes wrong."""
    import torch

    device = best_device()
    if device == "cuda":
        device = f"cuda ({torch.cuda.get_device_name(0)})"
    info = {
        "minimoe": __version__,
        "python": platform.python_version(),
        "platform": f"{platform.system()} {platform.machine()}",
    }
    info.update({name: package_version(name) for name in PACKAGES})
    info["device"] = device
    info["torch threads"] = str(torch.get_num_threads())
    info["smoke mode"] = f"{'on' if is_smoke() else 'off'} (set {ENV_VAR}=1 for tiny runs)"
    return info


def matmul_gflops(size: int = 512, repeats: int = 5) -> float:
    """Measured fp32 matrix-multiply speed on the CPU, in GFLOP/s (best of ``repeats``)."""
    import torch

    a, b = torch.randn(size, size), torch.randn(size, size)
    a @ b  # warm-up
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best / 1e9
