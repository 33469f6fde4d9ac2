# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Efficiency and test-time compute
#
# MiniMax-M1's report is titled *Scaling Test-Time Compute Efficiently with Lightning
# Attention* [1]. Its claim is about cost: a reasoning model that thinks for tens of thousands
# of tokens pays for every one of them, and M1 pays less per token than DeepSeek-R1 once the
# answer is long. In this lesson you
#
# 1. **derive** what one decode step costs in a softmax layer and in a lightning layer, and
#    predict the context at which M1's 10 softmax layers outspend its 70 lightning layers;
# 2. **reproduce** the report's FLOPs curves for M1, R1 and Qwen3-235B-A22B from their public
#    shapes, and check the report's two claims against them: what holds, what does not, and
#    what the report leaves unsaid;
# 3. **measure** decode steps and a whole sampled answer of minimoe models on your own machine,
#    predict a hybrid's decode time from the other two models, and extrapolate to answers of
#    40K and 80K tokens, the lengths M1's RL ran at;
# 4. **redo** the arithmetic of the report's RL cost figure and say what it leaves out.
#
# **Why it matters for M1 vs R1.** Reinforcement learning on reasoning means generating answers,
# very many of them, and scoring them. M1 was released with thinking budgets of 40K and 80K
# tokens [1]. In a softmax-attention model every new token attends to every token before it, so
# the 80,000th token costs far more than the first. In M1, 70 of the 80 layers keep a fixed-size
# state (lesson 02), and only 10 pay for the context. Whether that makes long-answer RL
# affordable is a question of arithmetic, and this lesson does it.
#
# Numbers in square brackets point to the sources at the end.

# %%
import time

import matplotlib.pyplot as plt

from minimoe.exercises import check
from minimoe.flops import DEEPSEEK_R1, MINIMAX_M1, QWEN3_235B, decode_flops
from minimoe.smoke import pick

notebook_start, notebook_cpu_start = time.perf_counter(), time.process_time()
R1_NAIVE = DEEPSEEK_R1.replace(mla_form="naive")

# %% [markdown]
# ## 1. What is counted
#
# A FLOP here is one floating-point addition or multiplication, so a multiply-add in a matrix
# product counts 2. `minimoe.flops` counts every matrix product of a forward pass and nothing
# else: the linear layers (2 FLOPs per weight a token meets), attention itself (scores and the
# weighted sum of values, or a lightning layer's state products) and the LM head. Norms,
# activations, softmax, RoPE and the router's top-k are elementwise and left out; so is the
# embedding lookup, which is a gather. Kaplan et al. count the same way: a forward pass costs
# about 2N FLOPs per token for N non-embedding weights, plus a term that grows with the context
# [6]. The module's docstring lists every assumption.
#
# One decode step of M1 and of R1, split into its parts, at a short and a long context:

# %%
print(
    f"{'model':<28} {'context':>8} {'projections':>12} {'attention':>11} {'ffn':>11} "
    f"{'LM head':>10} {'total':>11}"
)
for arch in (MINIMAX_M1, DEEPSEEK_R1):
    for context in (0, 100_000):
        step = decode_flops(arch, context)
        print(
            f"{arch.name:<28} {context:>8,} {step.projections:>12.3g} {step.attention:>11.3g} "
            f"{step.ffn:>11.3g} {step.lm_head:>10.3g} {step.total:>11.3g}"
        )
m1_active = (decode_flops(MINIMAX_M1, 0).projections + decode_flops(MINIMAX_M1, 0).ffn) / 2
print(f"M1's weights met per token: {m1_active / 1e9:.1f}B (the report: 45.9B active [1])")
assert round(m1_active / 1e8) == 459

# %% [markdown]
# Without context, M1's step is the dearer one: it multiplies each token by more active weights
# than R1 does. At a context of 100,000 tokens the attention column has changed the order. The
# next two exercises find out why.
#
# ## 2. One decode step, layer by layer
#
# At a decode step the model has a cache of t earlier tokens and computes one new token.
#
# - A **softmax layer** (lesson 01) computes the new token's query for each of its H heads.
#   Each query is compared with every key in the cache and with the new token's own key, and
#   the values are summed with the resulting weights. M1's softmax layers share 8 key/value
#   heads among their 64 query heads (grouped-query attention).
# - A **lightning layer** (lesson 02) keeps one d × d state per head. The new token adds the
#   outer product of its key and value to the (decayed) state and reads its output as q times
#   the state.
#
# **Exercise 1.** Write `decode_layer_flops(kind, heads, kv_heads, head_dim, context)`: the
# attention FLOPs of one decode step in one layer of `kind` `"softmax"` or `"lightning"`, when
# the cache holds `context` tokens. Count only the attention products (not the q/k/v
# projections), at 2 FLOPs per multiply-add. Think about whether `kv_heads` matters.


# %%
def decode_layer_flops(kind, heads, kv_heads, head_dim, context):
    """Attention FLOPs of one decode step in one softmax or lightning layer at context t."""
    ### BEGIN SOLUTION
    if kind == "softmax":
        # Every query head scores t + 1 keys and sums t + 1 values, d multiply-adds each.
        # Grouped-query heads share keys: that saves cache memory, not these products.
        return 2 * heads * (head_dim + head_dim) * (context + 1)
    # The state update k^T v and the read-out q S, d x d multiply-adds each per head.
    return 4 * heads * head_dim * head_dim
    ### END SOLUTION


# %%
decode_layer_flops = check("08.decode_layer_flops", decode_layer_flops)

# %% [markdown]
# Now measure: torch's `FlopCounterMode` watches a real minimoe model run one decode step and
# adds up the matrix products it sees (`minimoe.flops.counted_flops`). Take the benchmark's
# all-softmax and all-lightning models (8 layers, 4 heads of 64, one key/value head; section 5
# times them) and step them at two contexts. The difference between the two counts is the
# context's share alone, and your formula predicts it.

# %%
from functools import partial

import torch

from minimoe.experiments.generation import bench_models, synthetic_cache
from minimoe.flops import counted_flops

bench = bench_models(256, max_seq_len=4096)
config = bench["all-softmax"].config
token = torch.zeros(1, 1, dtype=torch.long)
counted = {}
for name in ("all-softmax", "all-lightning"):
    for context in (1024, 2048):
        step = partial(bench[name], token, cache=synthetic_cache(bench[name], context))
        with torch.no_grad():
            counted[name, context] = counted_flops(step)
shape = (config.num_heads, config.num_kv_heads, config.head_dim)
predicted = config.num_layers * (
    decode_layer_flops("softmax", *shape, 2048) - decode_layer_flops("softmax", *shape, 1024)
)
measured = counted["all-softmax", 2048] - counted["all-softmax", 1024]
print(f"all-softmax, context 1,024 -> 2,048: counted +{measured:,} FLOPs, predicted +{predicted:,}")
growth = counted["all-lightning", 2048] - counted["all-lightning", 1024]
print(f"all-lightning, context 1,024 -> 2,048: counted +{growth:,} FLOPs")
assert measured == predicted and growth == 0

# %% [markdown]
# The counter agrees with you to the FLOP, and the all-lightning model's step does not grow at
# all. (The counter misses one thing in a lightning step: it sees the outer product kᵀv as an
# elementwise multiplication, not a matrix product, so its total for a lightning layer is
# 2·H·d² lower than yours. The docstring of `counted_flops` says so.)
#
# ## 3. Where the softmax layers take over
#
# Per layer, your two formulas are equal when t + 1 = d: beyond a context of one head
# dimension, a lightning layer is the cheaper one. But M1 has seven lightning layers for each
# softmax layer.
#
# **Exercise 2.** Write `softmax_overtakes_lightning(arch)`: the shortest context t at which the
# attention of *all* softmax layers of the model `arch` costs more FLOPs in one decode step than
# the attention of all its lightning layers. `arch` is a `minimoe.flops.Architecture`: use
# `arch.count("L")`, `arch.count("S")`, `arch.num_heads`, `arch.num_kv_heads` and
# `arch.head_dim`, and your `decode_layer_flops`. Before you run it, guess M1's answer.


# %%
def softmax_overtakes_lightning(arch):
    """Shortest context at which the softmax layers' decode attention outspends the lightning
    layers'."""
    ### BEGIN SOLUTION
    shape = (arch.num_heads, arch.num_kv_heads, arch.head_dim)
    fixed = arch.count("L") * decode_layer_flops("lightning", *shape, 0)
    per_key = arch.count("S") * decode_layer_flops("softmax", *shape, 0)  # cost of one key
    # per_key * (t + 1) > fixed first holds at t = fixed // per_key.
    return fixed // per_key
    ### END SOLUTION


# %%
softmax_overtakes_lightning = check("08.softmax_overtakes_lightning", softmax_overtakes_lightning)
m1_crossover = softmax_overtakes_lightning(MINIMAX_M1)
print(f"M1: the 10 softmax layers outspend the 70 lightning layers from t = {m1_crossover:,}")
assert m1_crossover == 7 * MINIMAX_M1.head_dim

# %% [markdown]
# Seven head dimensions: beyond a short paragraph, most of M1's attention FLOPs are spent in
# its 10 softmax layers, and the 70 lightning layers are a fixed cost. That is why M1 still
# pays for long contexts, just at an eighth of the rate an all-softmax M1 would.
#
# The comparison that decides the race is a different one: when does attention, whatever its
# kind, cost more than everything else a token does (its projections, its experts, the LM
# head)? A decode step costs a + b·(t + 1), so it is a line in t, and the answer is where
# attention's part of it equals the rest:

# %%
print(f"{'model':<28} {'attention = the rest at t ≈':>28}")
takeover = {}
for arch in (MINIMAX_M1, DEEPSEEK_R1, R1_NAIVE, QWEN3_235B):
    start, next_step = decode_flops(arch, 0), decode_flops(arch, 1)
    per_token = next_step.attention - start.attention  # b: the cost of one more key
    rest = start.total - start.attention  # everything but attention
    takeover[arch.name, arch.mla_form] = (rest - start.attention) / per_token
    label = f"{arch.name} ({arch.mla_form} MLA)" if arch.count("M") else arch.name
    print(f"{label:<28} {takeover[arch.name, arch.mla_form]:>28,.0f}")
assert 2e5 < takeover["MiniMax-M1", "absorbed"] < 4e5
assert 2e3 < takeover["DeepSeek-R1", "absorbed"] < 1e4 < takeover["DeepSeek-R1", "naive"] < 2e4

# %% [markdown]
# R1's attention costs as much as the rest of its step after a few thousand tokens (absorbed
# MLA, the default of DeepSeek's inference code [3]) or about fifteen thousand (naive MLA). M1's
# does so only after about three hundred thousand. Over a 100K-token answer almost all of R1's
# extra cost is attention, and almost none of M1's.
#
# ## 4. M1 against R1 and Qwen3: the report's claims
#
# The report's Figure 1 plots "theoretical inference FLOPs" against generation length for the
# three models, up to 128K tokens, and its text says that "compared to DeepSeek R1, M1 consumes
# less than 50% of the FLOPs at a generation length of 64K tokens, and approximately 25% of the
# FLOPs at a length of 100K tokens" [1]. It does not say how it counted. So count it: the
# cumulative FLOPs to generate an answer of N tokens, from the released shapes of M1 [2],
# DeepSeek-V3 (R1's architecture) [3, 4] and, from secondary sources, Qwen3-235B-A22B [5]. R1's
# MLA attention can run in two forms: **naive** expands each cached latent into per-head keys
# and values, **absorbed** folds the expansion into the query and attends over the 576-wide
# latents directly, at 3.4 times the attention FLOPs per cached token but with a far smaller
# cache (lesson 09) [3].

# %%
from minimoe.flops import plot_generation_flops, report_comparison

plot_generation_flops()
plt.show()
comparison = report_comparison()
print(comparison.text())

# %%
ratios = dict(zip(comparison.lengths, zip(*comparison.ratios.values())))
labels = list(comparison.ratios)
at_64k = dict(zip(labels, ratios[65_536]))
at_100k = dict(zip(labels, ratios[100_000]))
assert 0.42 < at_64k["R1 naive MLA"] < 0.47 and 0.15 < at_64k["R1 absorbed MLA"] < 0.19
assert 0.32 < at_100k["R1 naive MLA"] < 0.36 and 0.1 < at_100k["R1 absorbed MLA"] < 0.14
assert 0.2 < at_100k["naive, cost of token N only"] < 0.24
assert 0.27 < at_100k["naive, after a 32,768-token prompt"] < 0.31
assert 1.25 < at_100k["weights only (no attention)"] < 1.32

# %% [markdown]
# **Reading the table.** The first claim, less than half of R1's FLOPs at 64K tokens, holds in
# both MLA forms: about 44% with naive MLA and about 17% with absorbed MLA. The second claim
# does not come out of cumulative counting. At 100K tokens the total over the answer gives about
# 34% against naive MLA and about 12% against absorbed MLA; neither is "approximately 25%".
# The cost of the single token at position 100K comes closer (about 22%, naive), and so does
# counting after a long prompt (about 29%). Any of these could be what the report meant; we
# cannot tell which, and neither can a reader of the report.
#
# **What the report does not say** about its counting, and what each choice does here:
#
# - whether Figure 1 is cumulative over the answer or per token. The scale of its y-axis (units
#   of 10¹⁶ up to 128K tokens) matches our cumulative totals, not a single token's cost
#   (printed above), which suggests cumulative counting, and then the 25% is not reproduced;
# - which MLA form it assumed for R1: it moves the ratio by a factor of about three;
# - the prompt length: a longer prompt makes every R1 step dearer;
# - whether it counts the weighted sum of values as well as the scores. Kaplan et al.'s
#   context term, 2·n_layer·n_ctx·d_attn, counts only one of the two products [6]; MiniMax-01's
#   report says it follows Kaplan's methodology [7], and that formula has no obvious d_attn for
#   MLA at all.
#
# What cannot move the ratios: 1 or 2 FLOPs per multiply-add (both models change alike), and
# causal halving (it only touches the prompt). And what holds in every accounting here: without
# attention M1 costs about 1.3 times R1 per token, so all of M1's advantage comes from
# attention, and it grows with the answer.
#
# ## 5. Measured on your machine
#
# FLOPs are a model of cost; time is the cost. `minimoe.experiments.generation.bench_generation`
# times three minimoe models of equal size that differ only in their layers: all-softmax,
# the 7:1 hybrid, and all-lightning (width 256, 8 layers, 4 heads of 64, 4 experts). It times
# one decode step at several contexts, each from a cache of that many tokens, and one whole
# sampled answer per model, and it reads the size of every cache it builds. The plan below is
# sized for a lesson; `minimoe bench generation` runs the full one (contexts to 32K, answers of
# up to 16K tokens, a comparison with transformers' `generate`) and writes its rows as JSON.
#
# Times on a shared or busy machine are upper bounds. The cell asserts only what does not depend
# on the machine.

# %%
from minimoe.bench import print_table
from minimoe.experiments.generation import (
    GenerationPlan,
    Timing,
    bench_generation,
    summarize_generation,
)

plan = GenerationPlan(
    width=pick(256, 64),
    prefill_ns=(),
    contexts=pick((256, 1024, 4096, 16384, 32768), (16, 64, 256)),
    rollouts=pick((256,), (8,)),
    hf_contexts=(),
    crossover_widths=(pick(256, 64),),
    rollout_budget_s=None,
)
bench_start = time.perf_counter()
rows = bench_generation(plan, Timing(repeats=3, min_total_s=0.2), threads=1)
bench_seconds = time.perf_counter() - bench_start
decode_rows = [row for row in rows if row["measure"] == "decode"]
print_table(
    [{k: row[k] for k in ("model", "context", "time_s", "cache_bytes")} for row in decode_rows]
)
print("\n".join(summarize_generation(rows)))
print(f"(the measurements took {bench_seconds:.0f} s)")

# %%
seconds = {(row["model"], row["context"]): row["time_s"] for row in decode_rows}
low, high = (1024, 32768) if 1024 in plan.contexts else (plan.contexts[0], plan.contexts[-1])
growth = {name: seconds[name, high] / seconds[name, low] for name in bench}
lightning_caches = {row["cache_bytes"] for row in decode_rows if row["model"] == "all-lightning"}
assert all(row["cache_bytes"] == row["analytic_cache_bytes"] for row in decode_rows)
assert len(lightning_caches) == 1
if plan.width == 256:
    assert growth["all-softmax"] > 1.5 * growth["hybrid"], growth

# %% [markdown]
# Three things in this output hold on any machine, and the cell asserts them: every cache the
# models built holds exactly the bytes `minimoe.flops.cache_bytes` predicts, the all-lightning
# model's cache is the same size at every context, and from a context of 1K to 32K the
# all-softmax model's decode step slows down far more than the hybrid's. How much more depends
# on your machine: Python's overhead per step is a floor that a fast attention kernel never gets
# under, so the growth shows only where attention dominates (the summary's "attention overtakes
# the rest" line says where that was in this run).
#
# **Exercise 3.** Predict the hybrid's decode time from the other two models' times, without
# looking at the hybrid's. The three models are the same in everything but which attention each
# layer runs. Write `predict_hybrid_seconds(all_softmax_s, all_lightning_s, num_layers,
# softmax_layers)`.


# %%
def predict_hybrid_seconds(all_softmax_s, all_lightning_s, num_layers, softmax_layers):
    """A hybrid's decode-step time from an all-softmax and an all-lightning model's."""
    ### BEGIN SOLUTION
    # Each step is a shared part c plus one attention cost per layer; the hybrid has
    # N - k lightning and k softmax layers, so it is a weighted mean of the other two.
    lightning_layers = num_layers - softmax_layers
    return (lightning_layers * all_lightning_s + softmax_layers * all_softmax_s) / num_layers
    ### END SOLUTION


# %%
predict_hybrid_seconds = check("08.predict_hybrid_seconds", predict_hybrid_seconds)
layers, softmax_layers = config.num_layers, bench["hybrid"].config.layer_types.count("softmax")
print(f"{'context':>8} {'all-softmax':>12} {'all-lightning':>14} {'hybrid':>9} {'predicted':>10}")
predicted_hybrid = {}
for context in plan.contexts:
    s, lt = seconds["all-softmax", context], seconds["all-lightning", context]
    predicted_hybrid[context] = predict_hybrid_seconds(s, lt, layers, softmax_layers)
    print(
        f"{context:>8,} {1e3 * s:>10.1f}ms {1e3 * lt:>12.1f}ms "
        f"{1e3 * seconds['hybrid', context]:>7.1f}ms {1e3 * predicted_hybrid[context]:>8.1f}ms"
    )

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
for name, marker in (("all-softmax", "o"), ("hybrid", "s"), ("all-lightning", "^")):
    ax.plot(plan.contexts, [seconds[name, c] for c in plan.contexts], marker + "-", label=name)
ax.plot(plan.contexts, list(predicted_hybrid.values()), "k--", label="hybrid, your prediction")
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("context t (tokens in the cache, log scale)")
ax.set_ylabel("time of one decode step (s, log scale)")
ax.set_title(f"Decode step against context, width {plan.width}, measured here")
ax.grid(True, alpha=0.3)
ax.legend()
plt.show()

# %% [markdown]
# In our run the prediction came within about 10% of the measured hybrid at every context: the
# hybrid's curve is the all-lightning one with one eighth of the all-softmax model's growth on
# top. If yours is far off at one context, the likeliest cause is the machine's load changing
# between measurements (the bench interleaves the three models at each context to spread such
# changes evenly): rerun the bench cell.
#
# ## 6. What this means for answers of 40K and 80K tokens
#
# A whole sampled answer is one prefill and then one decode step per token, each at a longer
# context than the last. The plan above generated one short answer per model and timed it. For
# longer answers `estimated_rollout_seconds` adds up the measured decode curve over the answer's
# contexts, interpolating between the measured contexts and extending the last measured slope
# past the longest one. First check the estimate against the answer that was measured, then ask
# it about the lengths M1's RL ran at.

# %%
from minimoe.experiments.generation import estimated_rollout_seconds

for row in rows:
    if row["measure"] == "rollout":
        print(
            f"{row['model']:>13}: {row['new_tokens']} tokens sampled in {row['time_s']:.2f} s "
            f"({row['tokens_per_s']:.0f} tokens/s); the decode curve estimated "
            f"{row['estimated_time_s']:.2f} s"
        )
answers = pick((16_384, 40_000, 80_000), (512, 1024))
print(f"\n{'estimated minutes for one answer':<34}" + "".join(f"{n:>10,}" for n in answers))
estimate = {}
for name in bench:
    estimate[name] = [estimated_rollout_seconds(decode_rows, name, n, prompt=16) for n in answers]
    print(f"{name:<34}" + "".join(f"{s / 60:>10.1f}" for s in estimate[name]))
print(
    f"{'all-softmax / hybrid':<34}"
    + "".join(f"{s / h:>10.1f}" for s, h in zip(estimate["all-softmax"], estimate["hybrid"]))
)

# %% [markdown]
# In our run the estimate for the measured short answers was within about 10% of the
# measurement, and an 80K-token answer of the all-softmax model came out at three to four times
# the hybrid's, a ratio that grew with the answer's length; the hybrid stayed above the
# all-lightning model, whose steps do not grow at all. (These are tiny models on a CPU, so the
# minutes mean nothing by themselves; the ratios are the point.) The same shape appears in the
# FLOPs of the real models. Here is what the last token of an answer costs against the first,
# and what the whole answer costs:

# %%
from minimoe.flops import generation_flops


def last_vs_first(arch, n):
    """What the last token of an n-token answer costs against the first."""
    return decode_flops(arch, n - 1).total / decode_flops(arch, 0).total


print(f"{'model':<28} {'answer':>7} {'last token / first':>19} {'answer FLOPs':>13}")
for arch in (MINIMAX_M1, DEEPSEEK_R1, R1_NAIVE):
    label = f"{arch.name} ({arch.mla_form} MLA)" if arch.count("M") else arch.name
    for n in (40_000, 80_000):
        total = generation_flops(arch, n).total
        print(f"{label:<28} {n:>7,} {last_vs_first(arch, n):>19.2f} {total:>13.3g}")
assert last_vs_first(MINIMAX_M1, 80_000) < 1.5
assert 6 < last_vs_first(R1_NAIVE, 80_000) < 7 and 19 < last_vs_first(DEEPSEEK_R1, 80_000) < 20

# %% [markdown]
# The 80,000th token of an M1 answer costs less than 1.5 times the first; R1's costs about six
# times its first with naive MLA and about twenty times with absorbed MLA. An RL step samples
# many answers and waits for them; with long answers, most of a softmax model's step goes into
# the late tokens of its longest answers. This is the sense in which lightning attention makes
# long-answer RL affordable: not by making a token cheap, but by keeping the last token about as
# cheap as the first. (In minimoe's own RL, lessons 06-07, answers are a few dozen tokens long,
# and none of this shows.)
#
# ## 7. The RL cost figure
#
# The report states that "M1's full RL training on 512 H800 GPUs" took "only three weeks, with a
# rental cost of just $534,700" [1]. `minimoe.flops.M1_RL_RENTAL` stores those three numbers as
# stated. Do the arithmetic:

# %%
from minimoe.flops import M1_RL_RENTAL

run = M1_RL_RENTAL
gpu_hours = run.gpus * run.days * 24
print(f"{run.gpus} {run.gpu}s x {run.days} days x 24 h = {gpu_hours:,} GPU-hours")
print(f"${run.cost_usd:,} / {gpu_hours:,} GPU-hours = ${run.cost_usd / gpu_hours:.2f} per GPU-hour")
assert gpu_hours == run.gpu_hours == 258_048 and round(run.price_per_gpu_hour, 2) == 2.07

# %% [markdown]
# About $2.07 per H800-hour. DeepSeek priced its V3 training run the same way, at an assumed
# $2 per H800 GPU-hour [8], so both figures are rental-equivalent prices of stated runs, not
# what either company spent.
#
# **What the $534,700 leaves out.** By the report's own account, M1 starts from
# MiniMax-Text-01, continues its pretraining on 7.5 trillion more tokens, and is fine-tuned
# before RL begins [1]; none of those stages is in the figure. Nor are the experiments and
# failed runs before the final one, building the RL environments and data, the staff, or
# owning the GPUs rather than renting them. DeepSeek's $5.576M carries the same kind of caveat
# in its own words: it covers only the official training run, "excluding the costs associated
# with prior research and ablation experiments" [8].
#
# How large is what it leaves out? MiniMax publishes no GPU-hours for its pretraining, but
# DeepSeek does for V3: 180K H800 GPU-hours per trillion training tokens, for a model with 37B
# activated parameters [8]. Training compute per token grows with the activated parameters
# (Kaplan's 6N [6]). So, as a rough scale, suppose M1's 45.9B activated parameters trained as
# efficiently per parameter as V3 did, over the 7.5T tokens of continued pretraining alone:

# %%
v3_hours_per_trillion, v3_active = 180_000, 37e9  # DeepSeek-V3 report [8]
m1_active_params, continued_tokens = 45.9e9, 7.5e12  # M1 report [1]
continued_hours = v3_hours_per_trillion * continued_tokens / 1e12 * m1_active_params / v3_active
print(f"continued pretraining at V3's rate: about {continued_hours / 1e6:.1f}M H800-hours")
print(
    f"the RL stage: {run.gpu_hours / 1e6:.2f}M H800-hours, "
    f"{run.gpu_hours / continued_hours:.0%} of that"
)
assert continued_hours > 2 * run.gpu_hours

# %% [markdown]
# The assumption cannot be checked (V3 trained in FP8 and its attention differs from M1's), so
# read the result as a scale, not a number: the continued pretraining alone would take several
# times the RL stage's GPU time, before counting MiniMax-Text-01's own pretraining. The RL
# figure prices a minority of M1's compute, and the figure that would cover it all has not been
# published. Lesson 12 sets the RL figure against the export controls on the H800.

# %%
print(
    f"notebook ran in {time.perf_counter() - notebook_start:.0f} s "
    f"({time.process_time() - notebook_cpu_start:.0f} s of CPU time)"
)

# %% [markdown]
# ## What you built
#
# - `decode_layer_flops`: a softmax layer's decode step costs 2·H·2d·(t + 1) and grows with the
#   context; a lightning layer's costs 4·H·d² whatever the context. Grouped-query heads save
#   memory, not FLOPs. torch's FLOP counter agreed with you.
# - `softmax_overtakes_lightning`: in M1 the 10 softmax layers outspend the 70 lightning layers
#   from a context of 896 tokens, and attention as a whole outspends M1's weights only after
#   about 300K tokens, against a few thousand for R1.
# - The report's comparison, reproduced from public shapes: "less than 50% at 64K" holds; the
#   "25% at 100K" does not come out of cumulative counting, and the report does not say how it
#   counted.
# - Measured decode and rollout costs of three minimoe models, and `predict_hybrid_seconds`,
#   which predicts the hybrid from the other two; estimates for 40K- and 80K-token answers.
# - The RL figure: 258,048 H800-hours at about $2.07, a rental price of one stage.
#
# **Key terms:** test-time compute, decode step, prefill, absorbed MLA, naive MLA, thinking
# budget, GPU-hour, rental-equivalent.
#
# ## Try it
#
# How much longer could M1's answers be before its last token costs twice its first? Start from
# `decode_flops(MINIMAX_M1, t).total / decode_flops(MINIMAX_M1, 0).total` and search over t;
# do the same for `DEEPSEEK_R1` and `DEEPSEEK_R1.replace(mla_form="naive")`. Then rerun the
# bench cell of section 5 with `width=512` and `crossover_widths=(512,)` in the plan (a few
# minutes): does doubling the width move the context at which attention overtakes the rest of
# the step, and in which direction? The arithmetic of section 3 predicts it: the weights per
# token grow with the width squared, the attention per cached token only with the width.
#
# ## Check your understanding
#
# 1. Grouped-query attention with 8 key/value heads shrinks M1's KV cache eightfold. Why does it
#    not shrink the attention FLOPs of a decode step?
# 2. Without attention, M1 costs about 1.3 times R1 per token. Where, then, does its advantage
#    over long answers come from, and why does it grow with the answer's length?
# 3. The report's "approximately 25% at 100K" is not reproduced by cumulative counting. Name two
#    accounting choices that would move the ratio, and one that cannot.
# 4. Why is $534,700 not "the cost of M1"? Name two things it leaves out.

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. Every one of the 64 query heads still scores every cached key and sums every cached value;
#    the 8 heads of keys and values are only stored once per group of 8 query heads. GQA saves
#    memory and memory bandwidth, not products.
# 2. From attention alone: 70 of its 80 layers cost a constant 4·H·d² per token, and only 10
#    pay for the context, at 2·H·2d per cached token each. R1 pays for the context in all 61
#    layers, at a higher rate per token (576 + 512 dims in absorbed MLA). The advantage grows
#    because the context part of a step grows linearly with the answer, and it is R1's that
#    grows fast.
# 3. Moving: cumulative vs per-token counting, naive vs absorbed MLA for R1, the prompt length,
#    counting only the scores (Kaplan's context term) rather than scores and values. Not
#    moving: 1 or 2 FLOPs per multiply-add; causal halving of the prompt.
# 4. It is the rental-equivalent price of the RL stage alone. It leaves out MiniMax-Text-01's
#    pretraining, the 7.5T-token continued pretraining and the fine-tuning before RL, failed
#    runs and experiments, data and environments, staff, and owning the hardware.

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025): §1 (45.9B active of 456B; thinking budgets of 40K and 80K tokens;
#    "less than 50% of the FLOPs at a generation length of 64K tokens, and approximately 25% ...
#    at ... 100K"; Fig. 1, "theoretical inference FLOPs"; RL "on 512 H800 GPUs" in "three
#    weeks", "$534,700"), §2 (continued pretraining on 7.5T tokens, then SFT):
#    https://arxiv.org/abs/2506.13585
# 2. MiniMax-M1 repository, `config.json` (80 layers, `attn_type_list`, 64 heads of 128, 8
#    key/value heads, 32 experts, top-2, `intermediate_size` 9216, vocabulary 200,064):
#    https://github.com/MiniMax-AI/MiniMax-M1
# 3. DeepSeek-V3 repository, `inference/configs/config_671B.json` (61 layers, 3 dense, MLA with
#    `kv_lora_rank` 512 and `qk_rope_head_dim` 64, 256 routed experts with 8 active plus 1
#    shared) and `inference/model.py` (`attn_impl = "absorb"` by default, or `"naive"`):
#    https://github.com/deepseek-ai/DeepSeek-V3
# 4. DeepSeek-R1 repository, `README.md` (R1 is trained from DeepSeek-V3-Base; 671B total, 37B
#    activated, 128K context): https://github.com/deepseek-ai/DeepSeek-R1
# 5. Qwen3-235B-A22B shapes, **secondary**: 94 layers, 64 query and 4 key/value heads, 128
#    experts with 8 active from transcriptions of the Qwen3 blog's table
#    (https://qwenlm.github.io/blog/qwen3/); hidden size 4096, expert width 1536, vocabulary
#    151,936 from THUDM/slime `scripts/models/qwen3-235B-A22B.sh`; head dimension 128 assumed.
# 6. J. Kaplan et al., *Scaling Laws for Neural Language Models*, arXiv 2001.08361 (2020), §2.1
#    and Table 1 (C_forward ≈ 2N + 2·n_layer·n_ctx·d_attn; C ≈ 6N per training token):
#    https://arxiv.org/abs/2001.08361
# 7. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv
#    2501.08313 (2025), §2.2.2 ("We adhere to the FLOPs calculation methodology established by
#    Kaplan et al."): https://arxiv.org/abs/2501.08313
# 8. DeepSeek-AI, *DeepSeek-V3 Technical Report*, arXiv 2412.19437 (2024), §1 (2.788M H800
#    GPU-hours, $2 per GPU-hour, $5.576M, "excluding the costs associated with prior research
#    and ablation experiments"; 37B activated parameters; "180K H800 GPU hours" per trillion
#    tokens): https://arxiv.org/abs/2412.19437
