"""Long generations, measured: what an answer of thousands of tokens costs each kind of model.

M1's report is titled *scaling test-time compute*: RL with 40K- and 80K-token answers is only
affordable when a token late in the answer costs about what an early one does. Three minimoe
models of equal size show it on a CPU, all with the same width, depth, heads and experts:

- ``all-softmax`` (``"S"``): every layer keeps a KV cache and re-reads it at every step;
- ``hybrid`` (``"LLLLLLLS"``, M1's 7:1): one softmax layer in eight;
- ``all-lightning`` (``"L"``): a fixed-size state per layer, nothing grows.

Measured, each in its own function:

- :func:`measure_prefill`: one forward pass over n prompt tokens;
- :func:`measure_decode`: one decode step at context t, from a cache of t tokens (random keys,
  values and states: a step's cost does not depend on their values), and the bytes that step's
  cache holds (``HybridCache.nbytes()``) against :func:`minimoe.flops.cache_bytes`;
- :func:`measure_rollout`: a whole sampled answer with :func:`minimoe.generation.generate`, the
  way RL rolls out, its wall time and tokens per second;
- :func:`measure_hf_decode`: decode speed inside minimoe's ``generate`` and inside
  transformers' ``generate`` for the same weights (a random ``MiniMaxForCausalLM`` converted
  with :mod:`minimoe.convert`), at a given context;
- :func:`crossover_context`: the context at which a decode step of the all-softmax model costs
  twice what it costs at the shortest context, i.e. where attention's share of the step
  overtakes everything else (projections, experts, the LM head and Python's overhead);
- :func:`top_ops`: where the time of a call goes, operator by operator (to see *why* one
  implementation is slower than the other).

Every row of :func:`bench_generation` is a plain dict, for :func:`minimoe.bench.print_table` and
JSON; :func:`plot_generation` draws them on log-log axes with fitted slopes;
:func:`summarize_generation` states the headline numbers of a run. Timings are upper bounds on
a shared machine; say so when quoting them.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch

from minimoe.attention import KVCache
from minimoe.config import MiniMoEConfig
from minimoe.experiments.scaling import time_call
from minimoe.flops import Architecture, cache_bytes, decode_flops, prefill_flops
from minimoe.generation import generate
from minimoe.model import HybridCache, MiniMoE

Row = dict[str, Any]

SCHEDULES = {"all-softmax": "S", "hybrid": "LLLLLLLS", "all-lightning": "L"}
HEAD_DIM = 64
FLOAT32 = 4


def bench_config(width: int, layer_pattern: str, max_seq_len: int = 65_536) -> MiniMoEConfig:
    """The benchmark's model at a given width: 8 layers, heads of 64 dims (width // 64 of them,
    at least one), a quarter as many key/value heads, 4 experts of width 2·width with top-2, a
    256-token vocabulary. Only ``layer_pattern`` differs between the compared models."""
    if width < HEAD_DIM or width % HEAD_DIM:
        raise ValueError(f"width must be a positive multiple of {HEAD_DIM}, got {width}")
    heads = width // HEAD_DIM
    return MiniMoEConfig(
        vocab_size=256,
        hidden_size=width,
        num_layers=8,
        layer_pattern=layer_pattern,
        num_heads=heads,
        head_dim=HEAD_DIM,
        num_kv_heads=max(1, heads // 4),
        num_experts=4,
        top_k=2,
        expert_hidden=2 * width,
        max_seq_len=max_seq_len,
    )


def bench_models(width: int, max_seq_len: int = 65_536, seed: int = 0) -> dict[str, MiniMoE]:
    """The three models of :data:`SCHEDULES` at ``width``, seeded, in eval mode."""
    models = {}
    for name, pattern in SCHEDULES.items():
        torch.manual_seed(seed)
        models[name] = MiniMoE(bench_config(width, pattern, max_seq_len)).eval()
    return models


def synthetic_cache(model: MiniMoE, context: int, seed: int = 0) -> HybridCache:
    """A cache of ``context`` tokens for one sequence, filled with random numbers: keys and
    values (batch 1, kv_heads, context, head_dim) for softmax layers, a (1, heads, d, d) float32
    state for lightning layers. A decode step costs the same whatever the values are."""
    config = model.config
    generator = torch.Generator().manual_seed(seed)
    dtype = next(model.parameters()).dtype
    layers: list[torch.Tensor | KVCache] = []
    for kind in config.layer_types:
        if kind == "softmax":
            shape = (1, config.num_kv_heads, context, config.head_dim)
            k, v = (torch.randn(shape, generator=generator).to(dtype) for _ in range(2))
            layers.append(KVCache(k, v))
        else:
            shape = (1, config.num_heads, config.head_dim, config.head_dim)
            layers.append(torch.randn(shape, generator=generator) * 0.01)
    return HybridCache(layers, context)


@dataclass(frozen=True)
class Timing:
    """How to time: a clock, repeats, and the name the rows record.

    A call that takes longer than ``single_call_s`` the first time is timed by that call alone
    (its own warm-up is negligible next to it); shorter ones get
    :func:`~minimoe.experiments.scaling.time_call`'s median of ``repeats`` after a warm-up.
    """

    repeats: int = 3
    cpu_clock: bool = False
    min_total_s: float = 0.5
    single_call_s: float = 2.0

    @property
    def clock(self) -> Callable[[], float]:
        return time.process_time if self.cpu_clock else time.perf_counter

    @property
    def name(self) -> str:
        return "cpu" if self.cpu_clock else "wall"

    def seconds(self, fn: Callable[[], object]) -> float:
        """Seconds of one call of fn(), without autograd (see the class docstring)."""
        with torch.no_grad():
            start = self.clock()
            fn()
            first = self.clock() - start
            if first > self.single_call_s:
                return first
            return time_call(
                fn, self.repeats, warmup=0, clock=self.clock, min_total_s=self.min_total_s
            )


def measure_prefill(model: MiniMoE, name: str, n: int, timing: Timing) -> Row:
    """Time one forward pass over n tokens (batch 1); FLOPs as minimoe's kernels compute them
    (whole score matrices and tiles: ``causal=False``)."""
    ids = torch.randint(0, model.config.vocab_size, (1, n))
    seconds = timing.seconds(lambda: model(ids))
    flops = prefill_flops(Architecture.from_config(model.config), n, causal=False).total
    return {
        "measure": "prefill",
        "model": name,
        "n": n,
        "time_s": seconds,
        "tokens_per_s": n / seconds,
        "flops": flops,
        "gflops": flops / seconds / 1e9,
    }


def measure_decode(model: MiniMoE, name: str, context: int, timing: Timing) -> Row:
    """Time one decode step at ``context`` (batch 1) and read the size of the cache it returns.

    As in generation, each timed step continues from the cache the previous step returned,
    with room reserved for the steps to come (so the context grows from ``context`` by at most
    the few dozen timed steps). The cache after the first step holds context + 1 tokens,
    measured with ``HybridCache.nbytes()`` and compared with :func:`minimoe.flops.cache_bytes`
    at the model's dtype.
    """
    token = torch.zeros(1, 1, dtype=torch.long)
    with torch.no_grad():
        start = synthetic_cache(model, context).reserve(context + 128)
        latest = model(token, cache=start).cache
    measured = latest.nbytes()

    def step() -> None:
        nonlocal latest
        latest = model(token, cache=latest).cache

    seconds = timing.seconds(step)
    arch = Architecture.from_config(model.config)
    size = next(model.parameters()).element_size()
    analytic = cache_bytes(arch, context + 1, bytes_per_value=size).total
    flops = decode_flops(arch, context).total
    return {
        "measure": "decode",
        "model": name,
        "context": context,
        "time_s": seconds,
        "tokens_per_s": 1 / seconds,
        "flops": flops,
        "gflops": flops / seconds / 1e9,
        "cache_bytes": measured,
        "analytic_cache_bytes": analytic,
        "cache_rel_diff": measured / analytic - 1,
    }


class _StepClock:
    """Records the clock at the start of every forward call of a module (a forward pre-hook):
    the first stamp is the prefill, every later one a decode step."""

    def __init__(self, module: torch.nn.Module, clock: Callable[[], float]) -> None:
        self.stamps: list[float] = []
        self._clock = clock
        self._handle = module.register_forward_pre_hook(lambda *_: self.stamps.append(clock()))

    def close(self) -> None:
        self._handle.remove()

    def seconds_per_step(self) -> float:
        """Mean seconds from one decode step's start to the next's (sampling included)."""
        if len(self.stamps) < 3:
            raise ValueError("need at least two decode steps to time one")
        return (self.stamps[-1] - self.stamps[1]) / (len(self.stamps) - 2)


def measure_rollout(
    model: MiniMoE,
    name: str,
    new_tokens: int,
    timing: Timing,
    prompt: int = 16,
    seed: int = 0,
) -> Row:
    """Sample one whole answer of ``new_tokens`` tokens at temperature 1 (as an RL rollout
    does) after a random prompt; one timed run. The cache the last step returns is measured
    (a forward hook) against :func:`minimoe.flops.cache_bytes`."""
    generator = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, model.config.vocab_size, (1, prompt), generator=generator)
    last: list[int] = []
    handle = model.register_forward_hook(lambda _m, _a, out: last.append(out.cache.nbytes()))
    try:
        start = timing.clock()
        generate(model, ids, max_new_tokens=new_tokens, generator=generator)
        seconds = timing.clock() - start
    finally:
        handle.remove()
    arch = Architecture.from_config(model.config)
    size = next(model.parameters()).element_size()
    return {
        "measure": "rollout",
        "model": name,
        "prompt": prompt,
        "new_tokens": new_tokens,
        "time_s": seconds,
        "tokens_per_s": new_tokens / seconds,
        "cache_bytes": last[-1],
        "analytic_cache_bytes": cache_bytes(
            arch, prompt + new_tokens - 1, bytes_per_value=size
        ).total,
    }


def estimated_rollout_seconds(
    decode_rows: Sequence[Row], name: str, new_tokens: int, prompt: int
) -> float | None:
    """Seconds a rollout would take by the measured decode times of model ``name``: the sum
    over its steps of the per-step time interpolated (log-log) between measured contexts, and
    extrapolated from the last two beyond them. None without two measured contexts."""
    points = sorted((row["context"], row["time_s"]) for row in decode_rows if row["model"] == name)
    if len(points) < 2:
        return None
    xs = [math.log(x) for x, _ in points]
    ys = [math.log(y) for _, y in points]

    def per_step(context: int) -> float:
        x = math.log(max(context, 1))
        i = max(1, min(len(xs) - 1, next((j for j, v in enumerate(xs) if v >= x), len(xs) - 1)))
        slope = (ys[i] - ys[i - 1]) / (xs[i] - xs[i - 1])
        return math.exp(ys[i - 1] + slope * (x - xs[i - 1]))

    # A few hundred sample contexts are plenty for a smooth curve.
    samples = min(new_tokens, 256)
    step = new_tokens / samples
    return sum(per_step(int(prompt + (i + 0.5) * step)) for i in range(samples)) * step


def hf_twin(width: int, max_seq_len: int = 65_536, seed: int = 0):
    """A random transformers ``MiniMaxForCausalLM`` shaped like the hybrid :func:`bench_config`,
    and the same weights converted to minimoe (:func:`minimoe.convert.from_hf_model`).
    Returns (hf_model, minimoe_model), both in eval mode, or None without transformers."""
    try:
        import transformers
    except ImportError:
        return None
    from minimoe.convert import from_hf_model

    ours = bench_config(width, SCHEDULES["hybrid"], max_seq_len)
    alpha = ours.alpha
    config = transformers.MiniMaxConfig(
        vocab_size=ours.vocab_size,
        hidden_size=ours.hidden_size,
        intermediate_size=ours.expert_hidden,
        num_hidden_layers=ours.num_layers,
        num_attention_heads=ours.num_heads,
        num_key_value_heads=ours.num_kv_heads,
        head_dim=ours.head_dim,
        num_local_experts=ours.num_experts,
        num_experts_per_tok=ours.top_k,
        layer_types=[
            "linear_attention" if kind == "lightning" else "full_attention"
            for kind in ours.layer_types
        ],
        max_position_embeddings=max_seq_len,
        linear_attn_alpha_factor=alpha,
        full_attn_alpha_factor=alpha,
        mlp_alpha_factor=alpha,
    )
    torch.manual_seed(seed)
    hf = transformers.MiniMaxForCausalLM(config).eval()
    hf.generation_config.eos_token_id = None  # every answer runs to its full length
    return hf, from_hf_model(hf).eval()


def measure_hf_decode(
    hf_model, model: MiniMoE, context: int, timing: Timing, new_tokens: int = 33
) -> list[Row]:
    """Decode speed at ``context`` inside transformers' ``generate`` and minimoe's ``generate``,
    greedy, for the same weights, and where a decode step's time goes in each.

    One run each: a prompt of ``context`` random tokens, then ``new_tokens``; timed from the
    first decode step's start to the last one's (sampling and bookkeeping included, the
    prefill not), a mean over new_tokens − 2 steps. Then one more decode step on the cache
    each run ended with, under torch's profiler (:func:`top_ops`).

    transformers' MiniMax cache reports a length of 0 when layer 0 is a lightning layer, so its
    RoPE positions restart and its tokens differ from minimoe's after the first; every step
    still attends to the whole cache, so the work per step is the same.
    """
    ids = torch.randint(0, model.config.vocab_size, (1, context))
    caches: list[object] = []
    keep_cache = model.register_forward_hook(lambda _m, _a, out: caches.append(out.cache))

    def run_hf() -> object:
        out = hf_model.generate(
            ids,
            max_new_tokens=new_tokens,
            min_new_tokens=new_tokens,
            do_sample=False,
            pad_token_id=0,
            return_dict_in_generate=True,
        )
        return out.cache

    def run_ours() -> object:
        generate(model, ids, max_new_tokens=new_tokens, temperature=0)
        return caches[-1]

    token = torch.zeros(1, 1, dtype=torch.long)
    position = torch.tensor([[context + new_tokens - 1]])
    steps = {
        "transformers": lambda cache: hf_model(token, cache=cache, position_ids=position),
        "minimoe": lambda cache: model(token, cache=cache),
    }
    rows = []
    try:
        for impl, module, run in (("transformers", hf_model, run_hf), ("minimoe", model, run_ours)):
            stamps = _StepClock(module, timing.clock)
            try:
                with torch.no_grad():
                    cache = run()
            finally:
                stamps.close()
            seconds = stamps.seconds_per_step()
            rows.append(
                {
                    "measure": "hf_decode",
                    "impl": impl,
                    "context": context,
                    "time_s": seconds,
                    "tokens_per_s": 1 / seconds,
                }
            )
            for op, share in top_ops(functools.partial(steps[impl], cache)):
                rows.append(
                    {
                        "measure": "profile",
                        "impl": impl,
                        "context": context,
                        "op": op,
                        "share": share,
                    }
                )
            caches.clear()
    finally:
        keep_cache.remove()
    ours = next(row for row in rows if row["measure"] == "hf_decode" and row["impl"] == "minimoe")
    theirs = next(row for row in rows if row["measure"] == "hf_decode" and row["impl"] != "minimoe")
    ours["speed_vs_transformers"] = theirs["time_s"] / ours["time_s"]
    return rows


def crossover_context(contexts: Sequence[int], seconds: Sequence[float]) -> float | None:
    """The context at which a decode step costs twice what it costs at the shortest context,
    interpolated log-linearly between measured contexts; None if it never does.

    Past it, the part of a step that grows with the context (attention over the cache) costs
    more than all the rest together (projections, experts, the LM head, Python's overhead).
    """
    points = sorted(zip(contexts, seconds))
    target = 2 * points[0][1]
    for (c0, s0), (c1, s1) in zip(points, points[1:]):
        if s1 >= target:
            if s1 == s0:
                return float(c1)
            fraction = (math.log(target) - math.log(s0)) / (math.log(s1) - math.log(s0))
            return math.exp(math.log(c0) + fraction * (math.log(c1) - math.log(c0)))
    return None


def top_ops(fn: Callable[[], object], k: int = 5) -> list[tuple[str, float]]:
    """The k operators with the most self CPU time in one call of fn(), as (name, share of the
    call's total self time), from torch's profiler."""
    # The plain profiler, which starts at once; without the setting, the C++ side still logs
    # a "profiler_start/stop" line pair per call.
    os.environ.setdefault("KINETO_LOG_LEVEL", "6")
    with torch.no_grad(), torch.autograd.profiler.profile(use_kineto=False) as prof:
        fn()
    events = prof.key_averages()
    total = sum(event.self_cpu_time_total for event in events) or 1
    ranked = sorted(events, key=lambda event: event.self_cpu_time_total, reverse=True)
    return [(event.key, event.self_cpu_time_total / total) for event in ranked[:k]]


@dataclass(frozen=True)
class GenerationPlan:
    """The sizes of one :func:`bench_generation` run.

    Attributes:
        width: the compared models' width (see :func:`bench_config`).
        prefill_ns: prompt lengths to time a prefill at.
        contexts: contexts to time a decode step at.
        rollouts: answer lengths to generate whole.
        hf_contexts: contexts for minimoe against transformers (empty to skip).
        crossover_widths: widths whose all-softmax decode curve gives a crossover context.
        rollout_budget_s: a rollout whose time, estimated from the measured decode curve,
            exceeds this is not run (its row says so and gives the estimate); None runs all.
    """

    width: int = 256
    prefill_ns: tuple[int, ...] = (512, 1024, 2048, 4096, 8192)
    contexts: tuple[int, ...] = (128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768)
    rollouts: tuple[int, ...] = (1024, 4096, 16384)
    hf_contexts: tuple[int, ...] = (1024, 16384)
    crossover_widths: tuple[int, ...] = (64, 128, 256, 512)
    rollout_budget_s: float | None = 600.0

    @property
    def max_seq_len(self) -> int:
        longest = max(
            [*self.prefill_ns, *self.contexts, *self.hf_contexts, 16 + max(self.rollouts)]
        )
        return longest + 64


SMOKE_PLAN = GenerationPlan(
    width=64,
    prefill_ns=(32, 64),
    contexts=(16, 64, 256),
    rollouts=(8, 16),
    hf_contexts=(32,),
    crossover_widths=(64,),
    rollout_budget_s=None,
)


def bench_generation(
    plan: GenerationPlan = GenerationPlan(),
    timing: Timing = Timing(),
    threads: int | None = None,
    progress: bool = True,
) -> list[Row]:
    """Measure everything in the module docstring for ``plan``; one row per measurement.

    Args:
        plan: the sizes (:data:`SMOKE_PLAN` runs in seconds).
        timing: repeats and clock (``Timing(cpu_clock=True)`` with ``threads=1`` on a busy
            machine: CPU time leaves out waiting for a core).
        threads: torch threads while measuring (restored afterwards); None keeps the setting.
        progress: tqdm bars over the steps.
    """
    if timing.cpu_clock and threads != 1:
        raise ValueError("cpu_clock needs threads=1: CPU time adds up all threads")
    previous = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    try:
        rows = _bench(plan, timing, progress)
    finally:
        torch.set_num_threads(previous)
    for row in rows:
        row.update(
            width=row.get("width", plan.width), threads=threads or previous, clock=timing.name
        )
    return rows


def _bar(items, desc: str, progress: bool):
    if not progress:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, leave=False)


def _bench(plan: GenerationPlan, timing: Timing, progress: bool) -> list[Row]:
    rows: list[Row] = []
    models = bench_models(plan.width, plan.max_seq_len)
    jobs = [(name, n) for name in models for n in plan.prefill_ns]
    for name, n in _bar(jobs, "prefill", progress):
        rows.append(measure_prefill(models[name], name, n, timing))
    jobs = [(name, c) for name in models for c in plan.contexts]
    for name, context in _bar(jobs, "decode", progress):
        rows.append(measure_decode(models[name], name, context, timing))
    decode_rows = [row for row in rows if row["measure"] == "decode"]
    jobs = [(name, n) for name in models for n in plan.rollouts]
    for name, n in _bar(jobs, "rollouts", progress):
        estimate = estimated_rollout_seconds(decode_rows, name, n, prompt=16)
        if (
            plan.rollout_budget_s is not None
            and estimate is not None
            and estimate > plan.rollout_budget_s
        ):
            rows.append(
                {
                    "measure": "rollout",
                    "model": name,
                    "new_tokens": n,
                    "estimated_time_s": estimate,
                    "note": f"not run: estimated from the decode curve above the "
                    f"{plan.rollout_budget_s:.0f} s budget",
                }
            )
            continue
        row = measure_rollout(models[name], name, n, timing)
        row["estimated_time_s"] = estimate
        rows.append(row)
    del models
    twins = hf_twin(plan.width, plan.max_seq_len) if plan.hf_contexts else None
    if plan.hf_contexts and twins is None:
        rows.append({"measure": "hf_decode", "note": "transformers not importable"})
    elif twins is not None:
        hf_model, ours = twins
        for context in _bar(plan.hf_contexts, "vs transformers", progress):
            rows.extend(measure_hf_decode(hf_model, ours, context, timing))
        del hf_model, ours
    for width in _bar(plan.crossover_widths, "crossover", progress):
        if width == plan.width:  # measured above
            times = [row["time_s"] for row in decode_rows if row["model"] == "all-softmax"]
        else:
            config = bench_config(width, SCHEDULES["all-softmax"], plan.max_seq_len)
            model = MiniMoE(config).eval()
            times = [
                measure_decode(model, "all-softmax", c, timing)["time_s"] for c in plan.contexts
            ]
        shortest, longest = min(plan.contexts), max(plan.contexts)
        rows.append(
            {
                "measure": "crossover",
                "model": "all-softmax",
                "width": width,
                "crossover_context": crossover_context(plan.contexts, times),
                "time_shortest_s": times[0],
                "time_longest_s": times[-1],
                "context_share_at_longest": 1 - times[0] / times[-1],
                "contexts": f"{shortest}..{longest}",
            }
        )
    return rows


# ---------------------------------------------------------------------------- reporting


def _ratio(rows: Sequence[Row], model: str, low: int, high: int) -> float | None:
    times = {
        row["context"]: row["time_s"]
        for row in rows
        if row.get("measure") == "decode" and row["model"] == model
    }
    if low in times and high in times:
        return times[high] / times[low]
    return None


def summarize_generation(rows: Sequence[Row]) -> list[str]:
    """The headline numbers of a :func:`bench_generation` run, as sentences."""
    lines = []
    timed = next((row for row in rows if "clock" in row), None)
    if timed is not None:
        lines.append(
            f"{timed['clock']} clock, {timed['threads']} torch thread(s), width {timed['width']}: "
            "on a shared machine every time is an upper bound"
        )
    decode = [row for row in rows if row.get("measure") == "decode"]
    contexts = sorted({row["context"] for row in decode})
    if decode:
        low = 1024 if 1024 in contexts else contexts[0]
        high = contexts[-1]
        growth = {name: _ratio(rows, name, low, high) for name in SCHEDULES}
        targets = {"all-softmax": (">=", 3.0), "hybrid": ("<=", 1.5)}
        parts = []
        for name, ratio in growth.items():
            if ratio is None:
                continue
            text = f"{name} {ratio:.2f}x"
            if name in targets:
                sign, bound = targets[name]
                met = ratio >= bound if sign == ">=" else ratio <= bound
                text += f" (target {sign} {bound}: {'met' if met else 'not met'})"
            parts.append(text)
        lines.append(f"decode time per token, context {low:,} -> {high:,}: " + ", ".join(parts))
        worst = max(abs(row["cache_rel_diff"]) for row in decode)
        lines.append(
            f"measured cache bytes against minimoe.flops: largest relative difference {worst:.2%}"
        )
        lightning = {row["cache_bytes"] for row in decode if row["model"] == "all-lightning"}
        if lightning:
            constant = "constant" if len(lightning) == 1 else "NOT constant"
            lines.append(
                f"all-lightning cache over contexts {contexts[0]:,}..{high:,}: {constant} at "
                f"{min(lightning):,} bytes"
            )
    for row in rows:
        if row.get("measure") == "hf_decode" and row.get("impl") == "minimoe":
            lines.append(
                f"decode at context {row['context']:,}: minimoe {row['tokens_per_s']:.1f} "
                f"tokens/s, {row['speed_vs_transformers']:.2f}x transformers' generate on the "
                "same weights"
            )
    for row in rows:
        if row.get("measure") == "crossover":
            where = (
                f"at a context of about {row['crossover_context']:,.0f} tokens"
                if row["crossover_context"] is not None
                else f"not within {row['contexts']}"
            )
            lines.append(
                f"width {row['width']}: attention overtakes the rest of an all-softmax decode "
                f"step {where}"
            )
    rollouts = [row for row in rows if row.get("measure") == "rollout" and "time_s" in row]
    for row in rollouts:
        lines.append(
            f"rollout of {row['new_tokens']:,} tokens, {row['model']}: {row['time_s']:.1f} s, "
            f"{row['tokens_per_s']:.1f} tokens/s"
        )
    for row in rows:
        if row.get("measure") == "rollout" and "time_s" not in row:
            lines.append(
                f"rollout of {row['new_tokens']:,} tokens, {row['model']}: {row['note']} "
                f"(about {row['estimated_time_s']:.0f} s)"
            )
    return lines


def plot_generation(rows: Sequence[Row]):
    """Four log-log panels with fitted slopes: prefill time against n, decode time per token
    against the context, the cache that step holds, and a whole answer's time against its
    length. Returns the matplotlib figure."""
    import matplotlib.pyplot as plt

    from minimoe.experiments.scaling import Scaling, plot_scaling

    def runs(measure: str, x: str, memory: bool = False) -> list[Scaling]:
        out = []
        for name in SCHEDULES:
            points = sorted(
                (row[x], row["time_s"], row.get("cache_bytes"))
                for row in rows
                if row.get("measure") == measure and row.get("model") == name and "time_s" in row
            )
            if len(points) >= 2:
                xs, seconds, sizes = zip(*points)
                out.append(Scaling(name, xs, seconds, sizes if memory else None))
        return out

    width = next((row["width"] for row in rows if "width" in row), None)
    panels = [
        (runs("prefill", "n"), "time", "prompt tokens n", "prefill time (s)", "Prefill"),
        (
            runs("decode", "context"),
            "time",
            "context t (tokens)",
            "time per decode step (s)",
            "Decode: one token at context t",
        ),
        (
            runs("decode", "context", memory=True),
            "memory",
            "context t (tokens)",
            "cache held (MiB)",
            "The cache that step returns (HybridCache.nbytes)",
        ),
        (
            runs("rollout", "new_tokens"),
            "time",
            "answer length (tokens)",
            "time for the whole answer (s)",
            "A sampled answer, as in an RL rollout",
        ),
    ]
    fig, axes = plt.subplots(2, 2, figsize=(12, 9))
    for ax, (data, quantity, xlabel, ylabel, title) in zip(axes.flat, panels):
        plot_scaling(data, quantity, ax=ax)
        ax.set_xlabel(f"{xlabel}, log scale")
        ax.set_ylabel(f"{ylabel}, log scale")
        ax.set_title(f"{title}, width {width}")
    fig.tight_layout()
    return fig
