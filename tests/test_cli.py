"""The minimoe command: readable output and clear errors for bad flags."""

from __future__ import annotations

import pytest

from minimoe import smoke
from minimoe.cli import main


def test_doctor_reports_versions_device_and_notebooks(capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    for field in ("torch", "device", "torch threads", "smoke mode", "notebooks"):
        assert field in out


@pytest.mark.parametrize(
    "argv",
    [
        ["nonsense"],
        ["course", "rebuild"],
        ["bench", "attention", "--max-n", "-3"],
        ["compare", "--losses", "cispo:per_token"],
        ["compare", "--losses", "ppo:token_mean"],
    ],
)
def test_bad_arguments_exit_2_with_usage(argv, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "usage: minimoe" in capsys.readouterr().err


def test_smoke_switch(monkeypatch):
    monkeypatch.delenv(smoke.ENV_VAR, raising=False)
    assert smoke.pick(100, 2) == 100
    monkeypatch.setenv(smoke.ENV_VAR, "1")
    assert smoke.pick(100, 2) == 2
    monkeypatch.setenv(smoke.ENV_VAR, "0")
    assert not smoke.is_smoke()


def test_compare_names_the_known_tasks(capsys):
    assert main(["compare", "--task", "chess", "--smoke"]) == 2
    assert "sorting, remainder" in capsys.readouterr().err
