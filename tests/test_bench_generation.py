"""The long-generation benchmark: its structure at smoke sizes (no timing is asserted: timings
are the benchmark's to measure, not the tests')."""

from __future__ import annotations

import dataclasses
import json
import math

import matplotlib
import pytest
import torch

from minimoe.experiments.generation import (
    SCHEDULES,
    SMOKE_PLAN,
    Timing,
    _StepClock,
    bench_config,
    bench_generation,
    bench_models,
    crossover_context,
    estimated_rollout_seconds,
    measure_decode,
    measure_rollout,
    plot_generation,
    summarize_generation,
    synthetic_cache,
)
from minimoe.flops import Architecture, cache_bytes
from minimoe.model import count_parameters

matplotlib.use("Agg")
FAST = Timing(repeats=1, min_total_s=0.0)


@pytest.fixture(scope="module")
def smoke_rows():
    return bench_generation(SMOKE_PLAN, FAST, progress=False)


def test_the_compared_models_differ_only_in_their_attention_layers():
    configs = {name: bench_config(128, pattern) for name, pattern in SCHEDULES.items()}
    shapes = {dataclasses.replace(config, layer_pattern="S") for config in configs.values()}
    assert len(shapes) == 1
    assert configs["hybrid"].layer_types.count("softmax") == 1
    assert configs["all-lightning"].layer_types.count("softmax") == 0
    with pytest.raises(ValueError, match="multiple of 64"):
        bench_config(100, "S")


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_synthetic_cache_has_the_model_cache_layout(name):
    model = bench_models(64, max_seq_len=512)[name]
    cache = synthetic_cache(model, 40)
    arch = Architecture.from_config(model.config)
    assert cache.length == 40
    assert cache.nbytes() == cache_bytes(arch, 40, bytes_per_value=4).total
    with torch.no_grad():  # the model accepts it and extends it by one token
        out = model(torch.zeros(1, 1, dtype=torch.long), cache=cache)
    assert out.cache.length == 41


def test_decode_rows_measure_the_cache_and_lightning_stays_constant():
    models = bench_models(64, max_seq_len=512)
    rows = [
        measure_decode(model, name, context, FAST)
        for name, model in models.items()
        for context in (8, 100)
    ]
    assert all(row["cache_rel_diff"] == 0 for row in rows)
    lightning = {row["cache_bytes"] for row in rows if row["model"] == "all-lightning"}
    softmax = [row["cache_bytes"] for row in rows if row["model"] == "all-softmax"]
    assert len(lightning) == 1 and softmax[1] > softmax[0]


def test_rollout_measures_the_final_cache():
    model = bench_models(64, max_seq_len=512)["hybrid"]
    row = measure_rollout(model, "hybrid", 12, FAST, prompt=5)
    assert row["cache_bytes"] == row["analytic_cache_bytes"]
    assert row["tokens_per_s"] == pytest.approx(12 / row["time_s"])


def test_crossover_is_where_the_step_time_doubles():
    contexts, seconds = [1, 2, 4, 8], [1.0, 1.5, 3.0, 6.0]
    fraction = math.log(2 / 1.5) / math.log(3 / 1.5)
    assert crossover_context(contexts, seconds) == pytest.approx(2 ** (1 + fraction))
    assert crossover_context(contexts, [1.0, 1.1, 1.2, 1.3]) is None


def test_rollout_estimate_sums_the_interpolated_decode_curve():
    flat = [{"model": "m", "context": c, "time_s": 0.01} for c in (16, 1024)]
    assert estimated_rollout_seconds(flat, "m", 500, prompt=16) == pytest.approx(5.0)
    # Time proportional to the context: the sum is close to c·Σt.
    linear = [{"model": "m", "context": c, "time_s": 1e-6 * c} for c in (100, 10_000)]
    estimate = estimated_rollout_seconds(linear, "m", 1000, prompt=100)
    assert estimate == pytest.approx(1e-6 * (100 * 1000 + 1000**2 / 2), rel=0.01)
    assert estimated_rollout_seconds(flat, "other", 10, prompt=1) is None


def test_step_clock_times_decode_steps_only():
    layer = torch.nn.Linear(2, 2)
    ticks = iter([0.0, 10.0, 11.0, 12.0, 13.0])
    clock = _StepClock(layer, lambda: next(ticks))
    for _ in range(5):
        layer(torch.zeros(1, 2))
    clock.close()
    assert clock.seconds_per_step() == 1.0  # the 10 s prefill is not a step
    layer(torch.zeros(1, 2))  # removed: no more stamps
    assert len(clock.stamps) == 5


@pytest.mark.slow
def test_smoke_run_has_every_measurement(smoke_rows):
    measures = {row.get("measure") for row in smoke_rows}
    assert {"prefill", "decode", "rollout", "crossover"} <= measures
    names = {row["model"] for row in smoke_rows if row.get("measure") == "decode"}
    assert names == set(SCHEDULES)
    for row in smoke_rows:
        assert row["width"] > 0 and row["clock"] == "wall"
    hf = [row for row in smoke_rows if row.get("measure") == "hf_decode"]
    if hf and "note" not in hf[0]:
        assert {row["impl"] for row in hf} == {"minimoe", "transformers"}
        assert any("speed_vs_transformers" in row for row in hf)
        assert {row["impl"] for row in smoke_rows if row.get("measure") == "profile"} == {
            "minimoe",
            "transformers",
        }
    lines = summarize_generation(smoke_rows)
    assert any("decode time per token" in line for line in lines)
    assert any("largest relative difference 0.00%" in line for line in lines)
    assert any("constant" in line for line in lines)


@pytest.mark.slow
def test_smoke_run_plots_four_labelled_log_log_panels(smoke_rows):
    figure = plot_generation(smoke_rows)
    axes = figure.axes
    assert len(axes) == 4
    for ax in axes:
        assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
        assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()
        assert "slope" in ax.get_legend().get_texts()[0].get_text()


def test_rollouts_over_budget_are_estimated_not_run():
    plan = dataclasses.replace(
        SMOKE_PLAN, hf_contexts=(), crossover_widths=(), rollout_budget_s=1e-9
    )
    rows = bench_generation(plan, FAST, progress=False)
    rollouts = [row for row in rows if row["measure"] == "rollout"]
    assert rollouts and all("time_s" not in row and row["estimated_time_s"] > 0 for row in rollouts)
    assert any("not run" in line for line in summarize_generation(rows))


def test_cpu_clock_needs_one_thread():
    with pytest.raises(ValueError, match="threads=1"):
        bench_generation(SMOKE_PLAN, Timing(cpu_clock=True), threads=2)


@pytest.mark.slow
def test_the_bench_generation_command(tmp_path, capsys):
    from minimoe.cli import main

    path = tmp_path / "gen.json"
    assert main(["bench", "generation", "--smoke", "--json", str(path)]) == 0
    payload = json.loads(path.read_text())
    assert {row["measure"] for row in payload["rows"]} >= {"prefill", "decode", "rollout"}
    assert path.with_suffix(".png").exists()
    assert "decode time per token" in capsys.readouterr().out


def test_parameter_counts_of_the_compared_models_are_close():
    totals = {
        name: count_parameters(bench_config(256, pattern))[0] for name, pattern in SCHEDULES.items()
    }
    assert max(totals.values()) / min(totals.values()) < 1.1
