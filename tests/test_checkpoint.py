"""Checkpoints: safetensors round trip, atomic writes, clear errors on corrupt or mismatched files."""

from __future__ import annotations

import pytest
import torch
from tiny import task_model

from minimoe.checkpoint import CheckpointError, load_checkpoint, read_header, save_checkpoint
from minimoe.model import MiniMoE


def _model(**overrides) -> MiniMoE:
    return task_model(**overrides)


def test_round_trip_restores_weights_config_step_and_metadata(tmp_path):
    model = _model()
    path = save_checkpoint(
        tmp_path / "m.safetensors", model, model.config, step=7, metadata={"note": "hi"}
    )
    loaded = load_checkpoint(path)
    assert loaded.config == model.config and loaded.step == 7 and loaded.metadata == {"note": "hi"}
    for (name, a), b in zip(model.state_dict().items(), loaded.model.state_dict().values()):
        assert torch.equal(a, b), name
    ids = torch.randint(3, 24, (2, 5))
    assert torch.equal(model(ids).logits, loaded.model(ids).logits)


def test_optimizer_state_round_trips(tmp_path):
    model = _model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95))
    model(torch.randint(3, 24, (2, 5))).logits.sum().backward()
    optimizer.step()
    path = save_checkpoint(
        tmp_path / "m.safetensors", model, model.config, optimizer=optimizer, step=1
    )
    twin = _model()
    fresh = torch.optim.AdamW(twin.parameters(), lr=1e-3, betas=(0.9, 0.95))
    loaded = load_checkpoint(path, optimizer=fresh, model=twin)
    for p, q in zip(model.parameters(), twin.parameters()):
        a, b = optimizer.state[p], fresh.state[q]
        assert torch.equal(a["exp_avg"], b["exp_avg"]) and torch.equal(
            a["exp_avg_sq"], b["exp_avg_sq"]
        )
    assert loaded.step == 1


def test_no_temporary_files_are_left_behind(tmp_path):
    model = _model()
    save_checkpoint(tmp_path / "m.safetensors", model, model.config)
    save_checkpoint(tmp_path / "m.safetensors", model, model.config)
    assert [p.name for p in tmp_path.iterdir()] == ["m.safetensors"]


def test_truncated_file_gets_a_clear_error(tmp_path):
    model = _model()
    path = save_checkpoint(tmp_path / "m.safetensors", model, model.config)
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(CheckpointError, match="corrupt"):
        load_checkpoint(path)


def test_garbage_file_gets_a_clear_error(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(b"not a checkpoint at all")
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        read_header(path)


def test_missing_file_says_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "nope.safetensors")


def test_checkpoint_of_another_shape_is_refused(tmp_path):
    model = _model()
    path = save_checkpoint(tmp_path / "m.safetensors", model, model.config)
    other = _model(num_experts=2, top_k=1)
    with pytest.raises(CheckpointError, match="does not fit this model"):
        load_checkpoint(path, model=other)


def test_resuming_without_optimizer_state_is_refused(tmp_path):
    model = _model()
    path = save_checkpoint(tmp_path / "m.safetensors", model, model.config)
    with pytest.raises(CheckpointError, match="no optimizer state"):
        load_checkpoint(path, optimizer=torch.optim.AdamW(model.parameters()))
