"""What this environment is: versions, the device lessons use, threads (`minimoe doctor`, lesson 00)."""

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
    """The one place that picks where lessons put their models: "cuda", "mps" or "cpu".

    CUDA when torch sees a GPU (a Colab GPU runtime, say); otherwise Apple's MPS when it is
    available *and* a small operation on it succeeds (some torch builds report MPS but cannot
    use it); otherwise the CPU. Training and evaluation functions never call this: they follow
    the device of the model they are given (:func:`model_device`), so the choice stays here.
    """
    import torch

    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        try:
            torch.ones(2, device="mps").sum().item()
        except RuntimeError:
            return "cpu"
        return "mps"
    return "cpu"


def model_device(model):
    """The ``torch.device`` of ``model``'s parameters: where its inputs must be put."""
    try:
        return next(model.parameters()).device
    except StopIteration:
        raise ValueError(f"{type(model).__name__} has no parameters, so no device") from None


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
