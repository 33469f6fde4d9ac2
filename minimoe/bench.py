"""Measured benchmarks: each returns a list of rows (dicts), printed with :func:`print_table`
and saved with :func:`write_json`.

Attention (``minimoe bench attention``) times, in one run so that the numbers are comparable:

- ``matmul``: a square float32 matmul, the machine's practical FLOP rate right now;
- ``lightning_blockwise``: the fast kernels, :func:`~minimoe.attention.lightning_attention_fast`;
- ``lightning_naive``: the masked O(n²) form, while its n×n matrices fit in memory;
- ``sdpa_causal``: torch's fused causal softmax attention (what softmax layers cost);
- ``lightning_module`` / ``hf_lightning_module``: minimoe's :class:`LightningAttention` and
  transformers' ``MiniMaxLightningAttention`` with the same weights (projections, norm and gate
  included), when transformers is installed.

FLOP counts (multiply-add = 2 FLOPs; elementwise work not counted), per batch row and head, with
n tokens, head_dim d, block size B:

- matmul (N×N by N×N): 2·N³ in total;
- lightning_blockwise: 4·n·B·d + 4·n·d²: the intra-block QKᵀ and (QKᵀ⊙D)V over whole B×B
  tiles (the masked upper triangles included: that work is done), plus the state products
  Q·S and K̃ᵀV (a shorter last block counts its own length). The kernel's scan of block
  states (an m×m by m×d² product per run of m blocks, 2·m·d² per block) is real work left out
  of the count, so its rate is, if anything, understated;
- lightning_naive: 4·n²·d: the full QKᵀ and (QKᵀ⊙M)V;
- sdpa_causal: 2·n²·d: only the causal half of QKᵀ and AV (what a causal kernel must do);
- the modules: their kernel (transformers tiles by 256), plus 2·n·hidden·5·H·d per batch row
  for the qkv, gate and output projections; hidden is MODULE_HIDDEN = 64, so the projections
  stay small next to the attention.

Each row's ``gflops`` uses its own FLOP count; ``frac_matmul`` divides it by the same run's
matmul rate. ``analytic_mem_bytes`` is an estimate computed from the shapes, not a
measurement: the largest intermediates a method holds at once (blockwise: each worker
thread's scratch for one run of blocks; naive: its n×n matrices; matmul: its three matrices);
None where not estimated (SDPA's fused kernel works in small tiles). Outputs are not counted.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import torch
import torch.nn.functional as F

from minimoe.attention import (
    DEFAULT_BLOCK_SIZE,
    LightningAttention,
    lightning_attention_fast,
    lightning_attention_naive,
    lightning_slopes,
)
from minimoe.attention.kernels import per_sequence_scratch_bytes
from minimoe.experiments.scaling import Scaling, plot_scaling, time_call

Row = dict[str, Any]

# transformers' lightning attention always runs with its own tiles of 256 tokens (its default).
HF_BLOCK_SIZE = 256
# The layers are timed with a narrow model width, so that their projections (the same work in
# both implementations) do not drown the attention itself.
MODULE_HIDDEN = 64
_FLOAT32 = 4


def matmul_rate(
    size: int = 2048,
    dtype: torch.dtype = torch.float32,
    repeats: int = 5,
    clock: Callable[[], float] = time.perf_counter,
    min_total_s: float = 0.0,
) -> Row:
    """Time one (size × size) @ (size × size) matmul: the reference FLOP rate."""
    a = torch.randn(size, size, dtype=dtype)
    b = torch.randn(size, size, dtype=dtype)
    out = torch.empty(size, size, dtype=dtype)
    seconds = time_call(
        lambda: torch.mm(a, b, out=out), repeats, clock=clock, min_total_s=min_total_s
    )
    flops = 2 * size**3
    return {
        "method": "matmul",
        "n": size,
        "time_s": seconds,
        "gflops": flops / seconds / 1e9,
        "frac_matmul": 1.0,
        "speedup_vs_sdpa": None,
        "flops": flops,
        "analytic_mem_bytes": 3 * size * size * a.element_size(),
        "dtype": str(dtype),
    }


def lightning_blockwise_flops(batch: int, heads: int, n: int, head_dim: int, block: int) -> int:
    """4·d·ΣL² + 4·n·d² per batch row and head, ΣL² summing the squared block lengths (n·B
    when B divides n; a shorter last block counts its own length)."""
    whole, tail = divmod(n, block)
    squares = whole * block**2 + tail**2
    return batch * heads * (4 * squares * head_dim + 4 * n * head_dim**2)


def bench_attention(
    ns: Sequence[int] = (1024, 2048, 4096, 8192, 16384, 32768, 65536),
    heads: int = 8,
    head_dim: int = 64,
    dtype: torch.dtype = torch.float32,
    batch: int = 1,
    repeats: int = 3,
    block_size: int | None = None,
    naive_max_bytes: int = 2 << 30,
    sdpa_max_n: int = 16384,
    matmul_size: int = 2048,
    with_modules: bool = True,
    seed: int = 0,
    threads: int | None = None,
    cpu_clock: bool = False,
    min_total_s: float = 1.0,
) -> list[Row]:
    """Time the attention kernels at each length in ``ns`` (see the module docstring).

    Args:
        ns: sequence lengths n.
        heads, head_dim, batch, dtype: the q, k, v shape (batch, heads, n, head_dim) and dtype.
        repeats: timed calls per measurement (the median is reported), after one warm-up call.
        min_total_s: fast calls are repeated more, until their timed calls add up to this
            many seconds (at most 50 calls).
        block_size: B for the blockwise kernel; None for its default.
        naive_max_bytes: the naive form runs only while its n×n intermediates (estimated) fit.
        sdpa_max_n: SDPA's causal attention is timed only up to this n (it is O(n²)).
        matmul_size: side of the square matmul that sets the reference rate.
        with_modules: also time minimoe's and transformers' full lightning attention layers.
        seed: for the random inputs.
        threads: torch threads to use while timing (restored afterwards); None keeps the
            current setting.
        cpu_clock: time with the process's CPU time instead of the wall clock. Needs
            threads=1 (CPU time adds up all threads). On a machine shared with other busy
            processes this leaves out the time spent waiting for a core, so it is a steadier
            measure of the work itself.

    Returns:
        One row per (method, n): method, n, time_s, flops, gflops, frac_matmul,
        speedup_vs_sdpa (None without an SDPA time at that n), analytic_mem_bytes, and the shape.
    """
    if not ns or min(ns) <= 0:
        raise ValueError(f"ns must be positive sequence lengths, got {ns}")
    if cpu_clock and threads != 1:
        raise ValueError("cpu_clock=True needs threads=1: CPU time adds up all threads")
    previous_threads = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        torch.manual_seed(seed)
        clock = time.process_time if cpu_clock else time.perf_counter
        reference = matmul_rate(matmul_size, dtype, max(repeats, 3), clock, min_total_s)
        setup = _Setup(
            batch=batch,
            heads=heads,
            head_dim=head_dim,
            dtype=dtype,
            block=DEFAULT_BLOCK_SIZE if block_size is None else block_size,
            slopes=lightning_slopes(heads, 0, 2),
            repeats=repeats,
            clock=clock,
            naive_max_bytes=naive_max_bytes,
            sdpa_max_n=sdpa_max_n,
            with_modules=with_modules,
            min_total_s=min_total_s,
            hf_layer=_hf_lightning_layer(heads, head_dim, dtype) if with_modules else None,
        )
        reference.update(threads=torch.get_num_threads(), clock=setup.clock_name)
        rows: list[Row] = [reference]
        for n in ns:
            rows.extend(_bench_length(n, setup, reference["gflops"]))
        if with_modules and setup.hf_layer is None:
            rows.append({"method": "hf_lightning_module", "note": "transformers not importable"})
        return rows
    finally:
        torch.set_num_threads(previous_threads)


class _Setup(NamedTuple):
    """What every length of :func:`bench_attention` shares."""

    batch: int
    heads: int
    head_dim: int
    dtype: torch.dtype
    block: int
    slopes: torch.Tensor
    repeats: int
    clock: Callable[[], float]
    naive_max_bytes: int
    sdpa_max_n: int
    with_modules: bool
    min_total_s: float
    hf_layer: torch.nn.Module | None

    @property
    def clock_name(self) -> str:
        return "cpu" if self.clock is time.process_time else "wall"

    def measure(self, method: str, fn: Callable[[], object], flops: int, **fields) -> Row:
        """One row: the median time of fn() and the rates it implies."""
        with torch.no_grad():
            seconds = time_call(fn, self.repeats, clock=self.clock, min_total_s=self.min_total_s)
        return {
            "method": method,
            "n": fields.pop("n"),
            "time_s": seconds,
            "gflops": flops / seconds / 1e9,
            "frac_matmul": None,  # filled in once the whole length is measured
            "speedup_vs_sdpa": None,
            "flops": flops,
            **fields,
            "batch": self.batch,
            "heads": self.heads,
            "head_dim": self.head_dim,
            "dtype": str(self.dtype),
            "threads": torch.get_num_threads(),
            "clock": self.clock_name,
        }


def _bench_length(n: int, setup: _Setup, matmul_gflops: float) -> list[Row]:
    """The rows of :func:`bench_attention` for one sequence length n."""
    batch, heads, d, block = setup.batch, setup.heads, setup.head_dim, setup.block
    q, k, v = (torch.randn(batch, heads, n, d, dtype=setup.dtype) * 0.5 for _ in range(3))
    rows = [
        setup.measure(
            "lightning_blockwise",
            lambda: lightning_attention_fast(q, k, v, setup.slopes, block),
            lightning_blockwise_flops(batch, heads, n, d, block),
            n=n,
            # each worker's scratch (the output itself not counted, as for the other methods)
            analytic_mem_bytes=min(torch.get_num_threads(), batch * heads)
            * per_sequence_scratch_bytes(n, block, d, d, _FLOAT32),
            block_size=block,
        )
    ]
    naive_bytes = 3 * batch * heads * n * n * _FLOAT32  # scores, decay mask, masked scores
    if naive_bytes <= setup.naive_max_bytes:
        rows.append(
            setup.measure(
                "lightning_naive",
                lambda: lightning_attention_naive(q, k, v, setup.slopes),
                4 * batch * heads * n * n * d,
                n=n,
                analytic_mem_bytes=naive_bytes,
            )
        )
    if n <= setup.sdpa_max_n:
        rows.append(
            setup.measure(
                "sdpa_causal",
                lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True),
                2 * batch * heads * n * n * d,
                n=n,
                analytic_mem_bytes=None,
            )
        )
    if setup.with_modules:
        x = torch.randn(batch, n, MODULE_HIDDEN, dtype=setup.dtype)
        projections = 2 * batch * n * MODULE_HIDDEN * 5 * heads * d
        ours = _minimoe_lightning_layer(setup.hf_layer, heads, d, setup.dtype)
        rows.append(
            setup.measure(
                "lightning_module",
                lambda: ours(x),
                lightning_blockwise_flops(batch, heads, n, d, ours.block_size) + projections,
                n=n,
                analytic_mem_bytes=None,
                block_size=ours.block_size,
            )
        )
        hf_layer = setup.hf_layer
        if hf_layer is not None:
            with torch.no_grad():
                diff = _max_diff(ours(x)[0], hf_layer(x, None, None)[0])
            rows.append(
                setup.measure(
                    "hf_lightning_module",
                    lambda: hf_layer(x, None, None),
                    lightning_blockwise_flops(batch, heads, n, d, HF_BLOCK_SIZE) + projections,
                    n=n,
                    analytic_mem_bytes=None,
                    block_size=HF_BLOCK_SIZE,
                    max_abs_diff_vs_minimoe=diff,
                )
            )
    sdpa = next((row["time_s"] for row in rows if row["method"] == "sdpa_causal"), None)
    for row in rows:
        row["frac_matmul"] = row["gflops"] / matmul_gflops
        row["speedup_vs_sdpa"] = None if sdpa is None else sdpa / row["time_s"]
    return rows


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return (a.float() - b.float()).abs().max().item()


def _hf_lightning_layer(heads: int, head_dim: int, dtype: torch.dtype) -> torch.nn.Module | None:
    """transformers' MiniMaxLightningAttention (layer 0 of 2), or None if not importable."""
    try:
        from transformers import MiniMaxConfig
        from transformers.models.minimax.modeling_minimax import MiniMaxLightningAttention
    except ImportError:
        return None
    config = MiniMaxConfig(
        hidden_size=MODULE_HIDDEN,
        num_attention_heads=heads,
        num_key_value_heads=heads,
        head_dim=head_dim,
        num_hidden_layers=2,
        layer_types=["linear_attention", "full_attention"],
        block_size=HF_BLOCK_SIZE,
    )
    return MiniMaxLightningAttention(config, layer_idx=0).to(dtype).eval()


def _minimoe_lightning_layer(
    hf_layer: torch.nn.Module | None, heads: int, head_dim: int, dtype: torch.dtype
) -> LightningAttention:
    """minimoe's layer 0 of 2, with hf_layer's weights when there is one."""
    layer = LightningAttention(MODULE_HIDDEN, heads, head_dim, layer_idx=0, num_layers=2)
    if hf_layer is not None:
        weights = {
            name: value for name, value in hf_layer.state_dict().items() if name.endswith("weight")
        }
        layer.load_state_dict(weights)
        layer.norm.eps = hf_layer.norm.variance_epsilon
    return layer.to(dtype).eval()


def _format(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        if value == 0 or not math.isfinite(value):
            return str(value)
        magnitude = abs(value)
        return f"{value:.3g}" if magnitude < 1e4 else f"{value:.3e}"
    return str(value)


def print_table(rows: Sequence[Row]) -> None:
    """Print rows as an aligned text table; columns in order of first appearance."""
    columns: list[str] = []
    for row in rows:
        columns.extend(key for key in row if key not in columns)
    cells = [[_format(row.get(key)) for key in columns] for row in rows]
    widths = [max(len(key), *(len(line[i]) for line in cells)) for i, key in enumerate(columns)]
    print("  ".join(key.rjust(width) for key, width in zip(columns, widths)))
    for line in cells:
        print("  ".join(cell.rjust(width) for cell, width in zip(line, widths)))


def write_json(rows: Sequence[Row], path: str | Path) -> Path:
    """Write ``{"environment": ..., "rows": rows}`` to ``path`` as JSON; returns the path."""
    from minimoe.env import environment_info

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"environment": environment_info(), "rows": list(rows)}
    path.write_text(json.dumps(payload, indent=2) + "\n")
    return path


def headline_ratios(rows: Sequence[Row]) -> list[str]:
    """The headline ratios of an attention run, as sentences (all from the same run)."""
    times = {(row["method"], row["n"]): row for row in rows if "time_s" in row}
    blockwise = sorted(n for method, n in times if method == "lightning_blockwise")
    lines = []
    with_sdpa = [n for n in blockwise if ("sdpa_causal", n) in times]
    if with_sdpa:
        row = times[("lightning_blockwise", with_sdpa[-1])]
        lines.append(
            f"at n = {with_sdpa[-1]:,}: lightning blockwise is {row['speedup_vs_sdpa']:.1f}x as "
            f"fast as SDPA causal, at {row['frac_matmul']:.0%} of the matmul rate "
            f"({row['gflops']:.0f} GFLOP/s on its own FLOP count)"
        )
    quadrupled = [n for n in blockwise if 4 * n in blockwise]
    if quadrupled:
        n = quadrupled[-1]
        ratio = (
            times[("lightning_blockwise", 4 * n)]["time_s"]
            / times[("lightning_blockwise", n)]["time_s"]
        )
        lines.append(f"time({4 * n:,}) / time({n:,}) = {ratio:.2f} (linear growth gives 4)")
    paired = [
        n
        for n in blockwise
        if ("hf_lightning_module", n) in times and ("lightning_module", n) in times
    ]
    if paired:
        speedups = [
            times[("hf_lightning_module", n)]["time_s"] / times[("lightning_module", n)]["time_s"]
            for n in paired
        ]
        lines.append(
            f"minimoe's layer against transformers': {min(speedups):.2f}x to {max(speedups):.2f}x "
            f"as fast over n = {paired[0]:,}..{paired[-1]:,}"
        )
    return lines


def plot_attention(rows: Sequence[Row], path: str | Path) -> Path:
    """Save a log-log plot of time against n, one line per method timed at two or more n."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    runs = []
    for method in dict.fromkeys(row["method"] for row in rows if "time_s" in row):
        timed = sorted(
            (row["n"], row["time_s"])
            for row in rows
            if row.get("method") == method and "time_s" in row
        )
        if method != "matmul" and len(timed) >= 2:
            runs.append(Scaling(method, *map(tuple, zip(*timed))))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    plot_scaling(runs, "time", ax=ax)
    threads = rows[0].get("threads") if rows else None
    ax.set_title(f"Attention kernels and layers, one run ({threads} CPU threads)")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def main_attention(json_path: str | Path = "bench_attention.json", max_n: int = 65536) -> int:
    """``minimoe bench attention``: time, print the table and its headline ratios, write the
    JSON and a plot beside it (same name, .png). Returns 0."""
    ns = [n for n in (1024, 2048, 4096, 8192, 16384, 32768, 65536) if n <= max_n] or [max_n]
    rows = bench_attention(ns)
    print_table(rows)
    print()
    for line in headline_ratios(rows):
        print(line)
    print(f"wrote {write_json(rows, json_path)}")
    print(f"wrote {plot_attention(rows, Path(json_path).with_suffix('.png'))}")
    return 0


def main_generation(
    json_path: str | Path = "bench_generation.json",
    smoke: bool = False,
    width: int | None = None,
    threads: int | None = None,
    cpu_clock: bool = False,
    rollout_budget_s: float | None = None,
) -> int:
    """``minimoe bench generation``: measure long generations (see
    :mod:`minimoe.experiments.generation`), print a table per measurement and the headline
    numbers, write the JSON and a plot beside it (same name, .png). Returns 0.

    ``smoke`` runs the seconds-long sizes; ``width`` replaces the plan's model width;
    ``rollout_budget_s`` replaces its limit on estimated rollout time (0: no limit).
    """
    import dataclasses

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from minimoe.experiments import generation

    plan = generation.SMOKE_PLAN if smoke else generation.GenerationPlan()
    if width is not None:
        plan = dataclasses.replace(plan, width=width)
    if rollout_budget_s is not None:
        plan = dataclasses.replace(plan, rollout_budget_s=rollout_budget_s or None)
    timing = generation.Timing(repeats=1, min_total_s=0.0) if smoke else generation.Timing()
    timing = dataclasses.replace(timing, cpu_clock=cpu_clock)
    rows = generation.bench_generation(plan, timing, threads=threads)
    for measure in dict.fromkeys(row.get("measure") for row in rows):
        print_table([row for row in rows if row.get("measure") == measure])
        print()
    for line in generation.summarize_generation(rows):
        print(line)
    print(f"wrote {write_json(rows, json_path)}")
    figure = generation.plot_generation(rows)
    plot_path = Path(json_path).with_suffix(".png")
    figure.savefig(plot_path, dpi=120, bbox_inches="tight")
    plt.close(figure)
    print(f"wrote {plot_path}")
    return 0
