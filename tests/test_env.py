"""The device is chosen in one place (``best_device``), and the library follows the model's device."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from minimoe import course, env

ROOT = Path(__file__).resolve().parents[1]


def _mps(monkeypatch, available: bool, works: bool = True):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: available)
    if available and not works:
        real_ones = torch.ones

        def broken_ones(*args, device=None, **kwargs):
            if device == "mps":
                raise RuntimeError("MPS backend reported but unusable")
            return real_ones(*args, device=device, **kwargs)

        monkeypatch.setattr(torch, "ones", broken_ones)


def test_cuda_wins_when_torch_reports_a_gpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    _mps(monkeypatch, available=True)
    assert env.best_device() == "cuda"


def test_cpu_without_cuda_or_mps(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    _mps(monkeypatch, available=False)
    assert env.best_device() == "cpu"


def test_mps_only_where_it_works(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    _mps(monkeypatch, available=True, works=False)
    assert env.best_device() == "cpu"


def test_doctor_reports_the_chosen_device(monkeypatch):
    monkeypatch.setattr(env, "best_device", lambda: "cpu")
    assert env.environment_info()["device"] == "cpu"


def test_model_device_names_the_parameters_device():
    assert env.model_device(torch.nn.Linear(2, 2)) == torch.device("cpu")
    with pytest.raises(ValueError, match="no parameters"):
        env.model_device(torch.nn.ReLU())


def test_every_lesson_that_builds_a_model_uses_best_device():
    """New lessons are covered too: any source that builds or loads a model must use best_device."""
    builds_a_model = re.compile(r"\bMiniMoE\(|\bload_checkpoint\(|\bRecallRun\(")
    missing = [
        source.name
        for source in (lesson.source for lesson in course.lessons(ROOT))
        if builds_a_model.search(text := source.read_text()) and "best_device()" not in text
    ]
    assert not missing, f"these lessons build a model but never call best_device(): {missing}"
