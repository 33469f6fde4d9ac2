"""The attention benchmark at tiny sizes: structure and JSON only, never speed."""

from __future__ import annotations

import json

import pytest
import torch

from minimoe import bench

TINY = dict(ns=(32, 80), heads=2, head_dim=8, repeats=1, matmul_size=32, sdpa_max_n=64)


@pytest.fixture(scope="module")
def rows():
    return bench.bench_attention(**TINY)


def test_rows_cover_every_method(rows):
    methods = {(row["method"], row.get("n")) for row in rows}
    assert ("matmul", 32) in methods
    for n in (32, 80):
        assert ("lightning_blockwise", n) in methods
        assert ("lightning_naive", n) in methods
        assert ("lightning_module", n) in methods
    assert ("sdpa_causal", 32) in methods
    assert ("sdpa_causal", 80) not in methods  # above sdpa_max_n
    hf_rows = [row for row in rows if row["method"] == "hf_lightning_module"]
    assert hf_rows  # timed, or a note saying why not
    for row in hf_rows:
        assert "note" in row or row["max_abs_diff_vs_minimoe"] < 1e-4


def test_row_fields_are_consistent(rows):
    reference = rows[0]
    assert reference["method"] == "matmul" and reference["frac_matmul"] == 1.0
    for row in rows:
        if "time_s" not in row:
            continue
        assert row["time_s"] > 0 and row["flops"] > 0
        assert row["gflops"] == pytest.approx(row["flops"] / row["time_s"] / 1e9)
        assert row["frac_matmul"] == pytest.approx(row["gflops"] / reference["gflops"])
        if row["method"] == "sdpa_causal":
            assert row["speedup_vs_sdpa"] == pytest.approx(1.0)
        elif row["method"] != "matmul" and row["n"] == 80:
            assert row["speedup_vs_sdpa"] is None


def test_flop_count_of_blockwise():
    # 1 row, 1 head, n = 10 in blocks of 4: blocks of 4, 4, 2 -> ΣL² = 36; d = 3
    assert bench.lightning_blockwise_flops(1, 1, 10, 3, 4) == 4 * 36 * 3 + 4 * 10 * 9
    assert bench.lightning_blockwise_flops(2, 3, 8, 3, 4) == 6 * (4 * 8 * 4 * 3 + 4 * 8 * 9)


def test_print_table_and_json(rows, tmp_path, capsys):
    bench.print_table(rows)
    printed = capsys.readouterr().out
    assert "lightning_blockwise" in printed and "gflops" in printed.splitlines()[0]
    path = bench.write_json(rows, tmp_path / "out" / "bench.json")
    data = json.loads(path.read_text())
    assert data["rows"] == json.loads(json.dumps(rows))
    assert "torch" in data["environment"]


def test_main_attention_prints_and_writes(monkeypatch, tmp_path, capsys):
    calls = []
    real = bench.bench_attention

    def tiny(ns):
        calls.append(list(ns))
        return real(**{**TINY, "ns": (32,), "with_modules": False})

    monkeypatch.setattr(bench, "bench_attention", tiny)
    assert bench.main_attention(tmp_path / "a.json", max_n=3000) == 0
    assert calls == [[1024, 2048]]
    assert "wrote" in capsys.readouterr().out
    assert json.loads((tmp_path / "a.json").read_text())["rows"][0]["method"] == "matmul"
    assert (tmp_path / "a.png").read_bytes()[:4] == b"\x89PNG"


def _row(method, n, time_s, **fields):
    return {"method": method, "n": n, "time_s": time_s, **fields}


def test_headline_ratios_of_one_run():
    rows = [
        _row("matmul", 2048, 0.1),
        _row("lightning_blockwise", 4096, 0.02, speedup_vs_sdpa=8.0, frac_matmul=0.4, gflops=50.0),
        _row("sdpa_causal", 4096, 0.16),
        _row("lightning_blockwise", 16384, 0.09),
        _row("lightning_module", 4096, 0.05),
        _row("hf_lightning_module", 4096, 0.1),
        _row("lightning_module", 16384, 0.4),
        _row("hf_lightning_module", 16384, 0.6),
    ]
    assert bench.headline_ratios(rows) == [
        "at n = 4,096: lightning blockwise is 8.0x as fast as SDPA causal, at 40% of the matmul "
        "rate (50 GFLOP/s on its own FLOP count)",
        "time(16,384) / time(4,096) = 4.50 (linear growth gives 4)",
        "minimoe's layer against transformers': 1.50x to 2.00x as fast over n = 4,096..16,384",
    ]
    # without SDPA, a 4x longer run or transformers, there is nothing to compare
    assert bench.headline_ratios([_row("lightning_blockwise", 1024, 0.01)]) == []
    assert (
        bench.headline_ratios([{"method": "hf_lightning_module", "note": "not importable"}]) == []
    )


def test_plot_has_one_line_per_method_timed_at_two_lengths(tmp_path, monkeypatch):
    import matplotlib.pyplot as plt

    saved = []
    monkeypatch.setattr(plt, "close", saved.append)  # keep the figure to inspect it
    rows = [
        _row("matmul", 2048, 0.1, threads=2),
        _row("lightning_blockwise", 1024, 0.01),
        _row("lightning_blockwise", 2048, 0.02),
        _row("sdpa_causal", 1024, 0.02),  # one length only: no line
        {"method": "hf_lightning_module", "note": "transformers not importable"},
    ]
    path = bench.plot_attention(rows, tmp_path / "plot.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    (ax,) = saved[0].axes
    assert [line.get_label() for line in ax.get_lines()] == ["lightning_blockwise: slope 1.00"]
    assert "2 CPU threads" in ax.get_title() and "log scale" in ax.get_xlabel()


def test_cpu_clock_with_one_thread_restores_threads():
    before = torch.get_num_threads()
    rows = bench.bench_attention(**{**TINY, "ns": (16,)}, threads=1, cpu_clock=True)
    assert {row["clock"] for row in rows} == {"cpu"} and {row["threads"] for row in rows} == {1}
    assert torch.get_num_threads() == before


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="threads=1"):
        bench.bench_attention(ns=(16,), cpu_clock=True)
    with pytest.raises(ValueError):
        bench.bench_attention(ns=())
