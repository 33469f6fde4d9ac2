"""Checkpoints in safetensors, written atomically.

A checkpoint is one ``.safetensors`` file. It holds the model's weights under ``model.*``, and,
when training should be resumable, the optimizer's tensors under ``optim.*``. Everything that is
not a tensor (the model config, the step, the optimizer's hyperparameters, free-form metadata such
as a model card's numbers) is stored as JSON in the file's header metadata.

safetensors never runs code when loading, unlike pickle-based ``torch.save`` files, so a
checkpoint from an untrusted source cannot execute anything. Files are written to a temporary
name beside the target and then renamed, so an interrupted save never leaves a half-written
checkpoint where a good one was.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

FORMAT = "minimoe-checkpoint-1"


class CheckpointError(ValueError):
    """A checkpoint file is missing, corrupt, or does not fit the model it is loaded into."""


@dataclass
class Checkpoint:
    """What :func:`load_checkpoint` returns."""

    model: nn.Module
    config: Any
    step: int = 0
    metadata: dict[str, Any] = field(default_factory=dict)


def _optimizer_tensors(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], dict]:
    """Split an optimizer's state into flat tensors and a JSON-able rest."""
    state = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for index, param_state in state["state"].items():
        for key, value in param_state.items():
            if torch.is_tensor(value):
                tensors[f"optim.{index}.{key}"] = value.detach().contiguous()
            else:
                scalars.setdefault(str(index), {})[key] = value
    return tensors, {"param_groups": state["param_groups"], "scalars": scalars}


def _restore_optimizer(optimizer: torch.optim.Optimizer, tensors: dict, saved: dict) -> None:
    state: dict[int, dict[str, Any]] = {}
    for name, value in tensors.items():
        _, index, key = name.split(".", 2)
        state.setdefault(int(index), {})[key] = value
    for index, values in saved["scalars"].items():
        state.setdefault(int(index), {}).update(values)
    optimizer.load_state_dict({"state": state, "param_groups": saved["param_groups"]})


def save_checkpoint(
    path: str | Path,
    model: nn.Module,
    config: Any,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    step: int = 0,
    metadata: dict[str, Any] | None = None,
) -> Path:
    """Write ``model`` (and optionally ``optimizer``) to ``path`` atomically; return the path.

    ``config`` must have ``to_dict()``; ``metadata`` must be JSON-serialisable.
    """
    from safetensors.torch import save_file

    path = Path(path)
    tensors = {f"model.{k}": v.detach().contiguous() for k, v in model.state_dict().items()}
    header = {
        "format": FORMAT,
        "config": config.to_dict(),
        "step": step,
        "metadata": metadata or {},
    }
    if optimizer is not None:
        optim_tensors, header["optimizer"] = _optimizer_tensors(optimizer)
        tensors.update(optim_tensors)
    text = {"minimoe": json.dumps(header)}
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    try:
        save_file(tensors, tmp, metadata=text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it normal permissions
        os.replace(tmp, path)  # atomic on POSIX and Windows
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def read_header(path: str | Path) -> dict[str, Any]:
    """The JSON header of a checkpoint (config, step, metadata) without loading any tensor."""
    from safetensors import safe_open

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint at {path}")
    try:
        with safe_open(str(path), framework="pt") as handle:
            raw = (handle.metadata() or {}).get("minimoe")
    except Exception as err:  # safetensors raises its own error types for damaged files
        raise CheckpointError(
            f"{path} is not a readable safetensors file ({err}). It may be truncated or corrupt: "
            "delete it and save or download it again."
        ) from None
    if raw is None:
        raise CheckpointError(f"{path} is a safetensors file but not a minimoe checkpoint")
    try:
        header = json.loads(raw)
    except json.JSONDecodeError:
        raise CheckpointError(f"{path} has a damaged header; save the checkpoint again") from None
    if header.get("format") != FORMAT:
        raise CheckpointError(f"{path} has format {header.get('format')!r}; expected {FORMAT!r}")
    return header


def load_checkpoint(
    path: str | Path,
    *,
    optimizer: torch.optim.Optimizer | None = None,
    model: nn.Module | None = None,
) -> Checkpoint:
    """Load a checkpoint written by :func:`save_checkpoint`.

    Builds a fresh ``MiniMoE`` from the stored config unless ``model`` is given. Pass the
    ``optimizer`` of that model to restore its state too (for resuming training).
    """
    from safetensors.torch import load_file

    from minimoe.config import MiniMoEConfig
    from minimoe.model import MiniMoE

    header = read_header(path)
    config = MiniMoEConfig.from_dict(header["config"])
    try:
        tensors = load_file(str(path))
    except Exception as err:
        raise CheckpointError(f"{path}: tensor data is corrupt ({err}); save it again") from None
    if model is None:
        model = MiniMoE(config)
    weights = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
    expected = model.state_dict()
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    wrong_shape = [k for k in expected if k in weights and weights[k].shape != expected[k].shape]
    if missing or unexpected or wrong_shape:
        raise CheckpointError(
            f"{path} does not fit this model: missing {missing[:5]}, unexpected {unexpected[:5]}, "
            f"wrong shapes {wrong_shape[:5]}. Was it saved from a different config?"
        )
    model.load_state_dict(weights)
    if optimizer is not None:
        if "optimizer" not in header:
            raise CheckpointError(
                f"{path} holds no optimizer state, so training cannot resume from it"
            )
        optim = {k: v for k, v in tensors.items() if k.startswith("optim.")}
        _restore_optimizer(optimizer, optim, header["optimizer"])
    return Checkpoint(model, config, int(header.get("step", 0)), header.get("metadata", {}))
