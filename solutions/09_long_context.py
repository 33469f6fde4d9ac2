# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · Long context
#
# MiniMax-M1 "natively supports a context length of 1 million tokens, 8x the context size of
# DeepSeek R1" [1]. A long context asks two things of a model: its cache must fit in memory,
# and something from far back must still be retrievable. In this lesson you
#
# 1. compute the **cache** of M1 at 1M tokens (its softmax layers' keys and values plus its
#    lightning states) against DeepSeek-R1's MLA latent cache, and derive what MLA must keep
#    per token;
# 2. map the **decay half-lives** of all 4,480 lightning heads of M1, and count how many still
#    remember a token a given distance back;
# 3. measure what **partial RoPE** does: the rotated and the position-free halves of a head,
#    scoring a matching key at growing distances;
# 4. run a **retrieval experiment as the context grows**: a hybrid, an all-lightning model and a
#    hybrid with RoPE on every dimension, trained on short contexts and tested on longer ones;
# 5. explore the FLOPs and cache curves of M1, R1 and Qwen3 with a context-length slider.
#
# **Why it matters for M1 vs R1.** Lesson 08 showed that long answers cost M1 less compute than
# R1. Long *inputs* (a codebase, a book, a long agent history) ask for memory and for reach.
# M1's lightning layers keep a fixed-size state, so they cost the same memory at 1M tokens as
# at 1K, but they also forget. Its 10 softmax layers keep every token, at a price that grows
# with the context. Which part does what is the subject of this lesson.
#
# Numbers in square brackets point to the sources at the end.

# %%
import math
import time

import matplotlib.pyplot as plt
import torch

from minimoe.config import MiniMoEConfig
from minimoe.env import best_device
from minimoe.exercises import check
from minimoe.flops import DEEPSEEK_R1, MINIMAX_M1, QWEN3_235B, cache_bytes
from minimoe.smoke import is_smoke, pick

torch.manual_seed(0)
notebook_start, notebook_cpu_start = time.perf_counter(), time.process_time()
m1 = MiniMoEConfig.preset("minimax-m1")

# %% [markdown]
# ## 1. The cache at 1M tokens and at 128K
#
# Lesson 01 computed what M1's 10 softmax layers cache at a million tokens: 2 × 8 key/value
# heads × 128 numbers per token and layer, 40.96 GB in bfloat16. Lesson 04 added the 70
# lightning layers' states, one 64 × 128 × 128 float32 state per layer whatever the length [2].
# `minimoe.flops.cache_bytes` puts both together:

# %%
million = 1_000_000
m1_cache = cache_bytes(MINIMAX_M1, million)
print(
    f"M1 at {million:,} tokens: keys and values {m1_cache.kv / 1e9:.2f} GB "
    f"+ lightning states {m1_cache.state / 1e9:.2f} GB = {m1_cache.total / 1e9:.2f} GB"
)
assert m1_cache.kv == 40_960_000_000 and m1_cache.state == 70 * 64 * 128 * 128 * 4

# %% [markdown]
# DeepSeek-R1 caches in another way. Its attention is **multi-head latent attention** (MLA)
# [3, 4]. Each token's keys and values for all 128 heads are expanded from one compressed
# *latent* vector of `kv_lora_rank` = 512 numbers by learned up-projections. DeepSeek's
# inference code by default caches only the latents and folds the up-projections into the
# query and the output ("absorbed" MLA) [3]. One part of the key cannot be rebuilt from the
# latent this way: the part that carries the token's position, because RoPE rotates it by an
# angle that depends on where the token sits. MLA therefore gives every token one extra key of
# `qk_rope_head_dim` = 64 numbers, rotated and shared by all heads: the *decoupled RoPE key*
# [4]. R1's first 3 of 61 layers have a dense feed-forward block instead of experts; their
# attention is MLA like the others' [3]. (Qwen3-235B-A22B, in the table below, uses
# grouped-query attention with 4 key/value heads in all 94 layers, from secondary sources [6].)
#
# **Exercise 1.** Write `mla_cache_bytes(arch, tokens, bytes_per_value)`: the bytes that the MLA
# layers of `arch` cache for one sequence of `tokens` tokens in the absorbed form. `arch` is a
# `minimoe.flops.Architecture`; its fields `kv_lora_rank`, `qk_rope_dim`, `num_heads`,
# `qk_nope_dim`, `v_head_dim`, `num_layers`, `dense_layers` and `count("M")` (the number of MLA
# layers) are all there. Decide which of them you need.


# %%
def mla_cache_bytes(arch, tokens, bytes_per_value=2):
    """Bytes of the absorbed-MLA cache of one sequence of `tokens` tokens."""
    ### BEGIN SOLUTION
    # Per token and MLA layer: the latent c (kv_lora_rank) and the shared RoPE key
    # (qk_rope_dim). Every layer has attention; only the feed-forward of the dense ones differs.
    per_token = arch.kv_lora_rank + arch.qk_rope_dim
    return arch.count("M") * per_token * tokens * bytes_per_value
    ### END SOLUTION


# %%
mla_cache_bytes = check("09.mla_cache_bytes", mla_cache_bytes)

R1_NAIVE = DEEPSEEK_R1.replace(mla_form="naive")
window_128k = 131_072
models = {
    "MiniMax-M1": MINIMAX_M1,
    "DeepSeek-R1 (absorbed MLA)": DEEPSEEK_R1,
    "DeepSeek-R1 (naive MLA)": R1_NAIVE,
    "Qwen3-235B-A22B": QWEN3_235B,
}
print(f"{'model (bfloat16 cache)':<28} {'bytes per token':>16} {'at 128K':>10} {'at 1M':>10}")
for name, arch in models.items():
    per_token = cache_bytes(arch, 1).total - cache_bytes(arch, 0).total
    at_128k, at_1m = cache_bytes(arch, window_128k).total, cache_bytes(arch, million).total
    print(f"{name:<28} {per_token:>16,} {at_128k / 1e9:>7.2f} GB {at_1m / 1e9:>7.1f} GB")
r1_latent = mla_cache_bytes(DEEPSEEK_R1, window_128k)
assert r1_latent == cache_bytes(DEEPSEEK_R1, window_128k).latent
assert cache_bytes(MINIMAX_M1, 1).kv < mla_cache_bytes(DEEPSEEK_R1, 1)
naive_vs_absorbed = cache_bytes(R1_NAIVE, 1).kv / mla_cache_bytes(DEEPSEEK_R1, 1)
assert 70 < naive_vs_absorbed < 72 and 69e9 < mla_cache_bytes(DEEPSEEK_R1, million) < 71e9
print(
    f"\nR1's latent cache at its 128K window: {r1_latent / 1e9:.2f} GB; "
    f"M1's whole cache at its 1M window: {m1_cache.total / 1e9:.2f} GB"
)

# %% [markdown]
# Per token, M1 caches *less* than R1 even though MLA compresses R1's keys and values more than
# 8-way grouped-query attention compresses M1's: M1 caches in 10 layers, R1 in 61. Naive MLA,
# which caches the expanded keys and values of all 128 heads, would need about 71 times the
# absorbed form's memory; that is why the absorbed form is the default [3].
#
# So memory alone does not explain the eightfold difference in context windows: R1's cache at
# a million tokens would be about 70 GB, large but not impossible on an 8-GPU machine. A
# context window is first of all the length a model was trained and tested to read: M1
# extended its training context in four stages, from 32K to 1M tokens [1]; R1's README gives
# 128K [5]. Memory and compute decide what such training and serving cost, and there M1's
# design helps: its cache per token is smaller, and its compute per token grows slowly with
# the context (lesson 08). The memory it saves matters most with many long sequences at once,
# as in RL; the explorer at the end of the lesson has a slider for the number of sequences.
#
# ## 2. How far back a lightning head reaches
#
# A lightning head multiplies its state by its decay λ = exp(−s) at every token (lesson 02).
# Lesson 02 plotted the half-lives ln 2 / s of five of M1's layers; here are all 70 lightning
# layers and all 64 heads, from `lightning_slopes` with M1's formula [2]:

# %%
from minimoe.attention import lightning_slopes

lightning_layers = [i for i, kind in enumerate(m1.layer_types) if kind == "lightning"]
half_lives = torch.stack(
    [math.log(2) / lightning_slopes(m1.num_heads, i, m1.num_layers) for i in lightning_layers]
)  # (70 layers, 64 heads), tokens
print(f"shortest half-life: {half_lives.min():.2f} tokens (layer 0, head 1)")
print(f"longest half-life: {half_lives.max():,.0f} tokens (layer {lightning_layers[-1]}, head 64)")

# %% [markdown]
# **Exercise 2.** A key written into a lightning head keeps the weight λ^Δ = exp(−s·Δ) after Δ
# more tokens. Write `heads_reaching(config, distance, weight)`: how many lightning heads of the
# model `config` still give a token at least `weight` of its weight `distance` tokens later.
# Use `lightning_slopes(num_heads, layer_idx, num_layers)` and `config.layer_types`; think about
# which index a layer's slopes are computed with.


# %%
def heads_reaching(config, distance, weight=0.5):
    """Lightning heads of `config` whose decay keeps at least `weight` after `distance` tokens."""
    ### BEGIN SOLUTION
    count = 0
    for layer, kind in enumerate(config.layer_types):
        if kind != "lightning":  # softmax layers do not decay
            continue
        # The slope uses the layer's index among all layers, softmax ones included.
        slopes = lightning_slopes(config.num_heads, layer, config.num_layers).double()
        count += int((torch.exp(-slopes * distance) >= weight).sum())
    return count
    ### END SOLUTION


# %%
heads_reaching = check("09.heads_reaching", heads_reaching)
total_heads = len(lightning_layers) * m1.num_heads
distances = [2**p for p in range(0, 21)]
reach = {w: [heads_reaching(m1, d, w) for d in distances] for w in (0.5, 0.01)}
for d in (1_000, 10_000, 100_000, million):
    print(
        f"after {d:>9,} tokens: {heads_reaching(m1, d, 0.5):>4} of {total_heads} heads keep "
        f"half a token's weight, {heads_reaching(m1, d, 0.01):>4} keep 1% of it"
    )
assert heads_reaching(m1, 100_000, 0.01) == 0

# %%
fig, (ax_map, ax_reach) = plt.subplots(1, 2, figsize=(13, 4.5))
image = ax_map.imshow(
    half_lives.log10().T,
    aspect="auto",
    origin="lower",
    cmap="viridis",
    extent=(-0.5, len(lightning_layers) - 0.5, 0.5, m1.num_heads + 0.5),
)
plt.colorbar(image, ax=ax_map, label="log10 of the half-life (tokens)")
ax_map.set_xlabel("lightning layer (0 … 69; M1's layers 0 … 78 without the softmax ones)")
ax_map.set_ylabel("head h")
ax_map.set_title("Half-life ln 2 / s of every lightning head of M1")
for w, style in ((0.5, "o-"), (0.01, "s--")):
    ax_reach.plot(distances, reach[w], style, label=f"keeps at least {w:g} of the weight")
ax_reach.set_xscale("log", base=2)
ax_reach.set_xlabel("distance Δ (tokens, log scale)")
ax_reach.set_ylabel(f"lightning heads (of {total_heads})")
ax_reach.set_title("How many heads still remember a token Δ tokens back")
ax_reach.grid(True, alpha=0.3)
ax_reach.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Early layers are local, late layers reach far: the report says as much ("the earlier layers
# focus more on local information"), and gives it as the reason its context was extended in
# stages [1]. But even the longest-lived head halves a token's weight within about 14,000
# tokens, and *no* lightning head keeps even 1% of it over 100,000 tokens (the cell asserts it).
# A fact from the first half of a million-token context reaches the end only through the 10
# softmax layers, which keep every key and value exactly. That is the reach the hybrid buys
# with its growing cache.
#
# ## 3. Partial RoPE: half a head for position, half for content
#
# M1's softmax layers rotate only the first 64 of each head's 128 dimensions with RoPE
# (`rotary_dim: 64`) and leave the other 64, the *position-free dimensions*, as they are; the
# RoPE base θ was raised from 10,000 in pretraining to 10,000,000 for long contexts [2, 7].
# The MiniMax-01 paper reports that applying RoPE to half of the dimensions "enables length
# extrapolation without performance degradation" [7]. Why would that be?
#
# RoPE turns each pair of rotated dimensions by an angle proportional to the position, each pair
# at its own frequency θ^(−2p/r) [8], so the score of a query at position t with a key at
# position t − Δ depends only on Δ (lesson 04 checked that). Measure what that does to the
# *best possible* key, one whose content equals the query's: random 128-dimensional queries,
# each scored against itself Δ tokens back, split into the rotated half and the position-free
# half, each divided by its own score at Δ = 0.

# %%
from minimoe.attention import apply_rope, rope_cos_sin

head_dim, rotary_dim = m1.head_dim, m1.rotary_dim
queries = torch.randn(4096, 1, 1, head_dim)  # (samples, heads, seq, head_dim)
gaps = [0] + [2**p for p in range(0, 21)]


def matched_scores(theta):
    """Mean score of each query with itself Δ back: (rotated half, position-free half), per Δ."""
    rotated, free = [], []
    for gap in gaps:
        cos, sin = rope_cos_sin(torch.tensor([gap, 0]), rotary_dim, theta)
        q = apply_rope(queries, cos[:1], sin[:1])  # the query at position gap
        k = apply_rope(queries, cos[1:], sin[1:])  # the same vector as a key at position 0
        product = (q * k)[..., 0, :]
        rotated.append(product[..., :rotary_dim].sum(-1).mean().item())
        free.append(product[..., rotary_dim:].sum(-1).mean().item())
    return [r / rotated[0] for r in rotated], [f / free[0] for f in free]


scores = {theta: matched_scores(theta) for theta in (1e4, m1.rope_theta)}
for theta, (rotated, free) in scores.items():
    print(
        f"θ = {theta:>10,.0f}: rotated half at Δ = 1K, 32K, 1M: "
        + ", ".join(f"{rotated[gaps.index(d)]:+.2f}" for d in (1024, 32768, 1 << 20))
        + f"; position-free half: {min(free):.2f} … {max(free):.2f}"
    )
# The rotated half's mean is the mean over its frequencies of cos(frequency · Δ):
frequencies = 1.0 / m1.rope_theta ** (torch.arange(0, rotary_dim, 2).double() / rotary_dim)
expected = [torch.cos(frequencies * gap).mean().item() for gap in gaps]
assert max(abs(a - b) for a, b in zip(scores[m1.rope_theta][0], expected)) < 0.05
assert all(abs(f - 1) < 1e-5 for f in scores[m1.rope_theta][1])
kept = {theta: dict(zip(gaps, rotated)) for theta, (rotated, _) in scores.items()}
assert kept[1e4][1024] < 0.4 < 0.5 < kept[m1.rope_theta][1024] and abs(kept[1e4][1 << 20]) < 0.2

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
shown = gaps[1:]
for theta, style in ((1e4, "o-"), (m1.rope_theta, "s-")):
    ax.plot(shown, scores[theta][0][1:], style, label=f"rotated 64 dims, θ = {theta:,.0f}")
ax.plot(shown, scores[m1.rope_theta][1][1:], "k--", label="position-free 64 dims (any θ)")
ax.axhline(0, color="gray", lw=0.8)
ax.set_xscale("log", base=2)
ax.set_xlabel("distance Δ between query and matching key (tokens, log scale)")
ax.set_ylabel("score of a perfect match / its score at Δ = 0")
ax.set_title("What a matching key scores Δ tokens back, per half of an M1 head")
ax.grid(True, alpha=0.3)
ax.legend()
plt.show()

# %% [markdown]
# The rotated half scores a perfect match lower and lower as it moves away: its pairs turn at
# different speeds, and once the fast ones have turned far, their contributions cancel. This is
# RoPE's "long-term decay" [8]: nearby tokens are favoured, and the head knows roughly how far
# back something is. With θ = 10,000 the rotated half has lost more than half of a match after a
# thousand tokens; with M1's θ = 10,000,000 more than half of it survives that distance, and it
# fades over hundreds of thousands of tokens instead: one reason to raise the base for long
# contexts. The position-free half scores the match exactly the same at every distance. That
# is the half a head can use to find a needle a million tokens back, and it behaves at unseen
# lengths just as it did in training.
#
# ## 4. Retrieval as the context grows
#
# Lesson 04 trained tiny models on multi-query associative recall (MQAR) [9]: N key-value pairs,
# then questions about some of the keys, with N up to 64, and found the all-lightning model
# falling behind as N grew. Here the question is a different one, the one a 1M-token context
# asks: what happens on contexts *longer than any the model trained on*? M1 trained at up to
# 1M tokens, and MiniMax-01 reports extrapolating to 4M at inference [7].
#
# The same task and the same tiny models as lesson 04 (width 64, 4 heads of 8 dimensions, 2
# layers), trained on N = 8, 16 and 32 pairs only and tested on up to 64. Three models with
# equal budgets and the same batches:
#
# - `hybrid`: lightning then softmax (`"LS"`), RoPE on half of each head, as in M1;
# - `all-lightning` (`"LL"`);
# - `hybrid, full RoPE`: the same hybrid with RoPE on all 8 dimensions of each head.
#
# **Predict before you run:** which model will lose the most accuracy beyond 32 pairs, and will
# the two hybrids behave alike?

# %%
from minimoe.experiments.recall import (
    RecallRun,
    RecallTask,
    recall_model_config,
    recall_vs_context,
)

task = RecallTask(num_keys=64, num_values=8, num_queries=16)
half = recall_model_config(task, "LS")
configs = {
    "hybrid": half,
    "all-lightning": half.replace(layer_pattern="LL"),
    "hybrid, full RoPE": half.replace(rotary_dim=half.head_dim),
}
run = RecallRun(
    steps=pick(600, 4),
    batch_size=pick(32, 4),
    pair_counts=pick((8, 16, 32), (8, 16)),
    eval_sequences=pick(256, 8),
    device=best_device(),  # a GPU where there is one (Colab), else the CPU
)
tested = pick((8, 16, 24, 32, 40, 48, 56, 64), (8, 16, 32))
train_start = time.perf_counter()
results = recall_vs_context(configs, task, run, tested)
train_seconds = time.perf_counter() - train_start
accuracy = {r.name: r.accuracy for r in results}
print(f"trained on N = {run.pair_counts}, {run.steps} steps of {run.batch_size} sequences each")
print(f"{'pairs N (tokens)':<19}" + "".join(f"{f'{n} ({task.seq_len(n)})':>10}" for n in tested))
for r in results:
    print(f"{r.name:<19}" + "".join(f"{r.accuracy[n]:>10.1%}" for n in tested))
print(f"(chance {1 / task.num_values:.1%}; training took {train_seconds:.0f} s)")

# %%
fig, ax = plt.subplots(figsize=(7, 4.5))
longest_trained = max(run.pair_counts)
for r, style in zip(results, ("o-", "s-", "^--")):
    contexts = [r.contexts[n] for n in tested]
    ax.plot(contexts, [100 * r.accuracy[n] for n in tested], style, label=r.name)
ax.axvspan(0, task.seq_len(longest_trained), color="gray", alpha=0.15, label="trained lengths")
ax.axhline(100 / task.num_values, color="gray", linestyle=":", label="chance")
ax.set_xlim(0, task.seq_len(max(tested)) + 4)
ax.set_ylim(0, 105)
ax.set_xlabel("context (tokens: N pairs and their questions)")
ax.set_ylabel("recall accuracy (%)")
ax.set_title("Recall on contexts up to twice as long as any trained on")
ax.grid(True, alpha=0.3)
ax.legend()
plt.show()

# %%
beyond = max(tested)
drop = {name: acc[longest_trained] - acc[beyond] for name, acc in accuracy.items()}
print(
    f"accuracy lost from N = {longest_trained} (trained) to N = {beyond} (never seen): "
    + ", ".join(f"{name} {100 * value:.1f} points" for name, value in drop.items())
)
if not is_smoke():
    assert all(acc[min(tested)] > 0.9 for acc in accuracy.values())
    assert accuracy["hybrid"][beyond] > accuracy["all-lightning"][beyond] + 0.1
    assert accuracy["all-lightning"][beyond] < accuracy["all-lightning"][min(tested)] - 0.1
    assert accuracy["hybrid"][beyond] > accuracy["hybrid, full RoPE"][beyond]

# %% [markdown]
# **Reading the result.** The cell asserts what held for each of the three seeds we tried: all
# three models recall short contexts almost perfectly; beyond the trained lengths the hybrid with
# M1's half RoPE keeps most of its accuracy, the all-lightning model falls well below it, and the
# hybrid with RoPE on every dimension ends in between. The
# lightning model's 8 × 8 states per head fill up as the pairs grow in number (lesson 04), and
# twice the pairs it trained on overload them. The hybrid's softmax layer has a key for every
# pair, so more pairs only mean more keys to compare.
#
# Why does full RoPE lose more beyond the trained lengths? Section 3 suggests the answer: every
# dimension the full-RoPE head matches content with is also turned by position, and at
# distances it never saw in training those turns are new; the half-RoPE head can match content
# in its position-free half, which does not care about distance. In our runs the full-RoPE
# hybrid lost 10 to 17 points more than the half-RoPE one at 64 pairs; three seeds and one
# task make that a measurement of this toy, consistent with what the MiniMax-01 paper reports
# for half RoPE at scale [7], not a test of their models.
#
# **What this does not show.** These are two-layer models of width 64, trained for a minute or
# two on one synthetic task, tested at twice their training length. In M1 the decay of the
# lightning layers spans 80 layers (section 2), and the softmax layers are 10 of them.
#
# ## 5. Explore: FLOPs and cache against the context
#
# Move the context slider from 1K to 4M tokens and the sequences slider from 1 to 64. The three
# panels are lesson 08's decode-step and whole-answer FLOPs and this lesson's cache, for M1, R1
# in both MLA forms and Qwen3; each curve turns dotted beyond the model's context window. The
# cell also prints and draws one setting directly, so you see a result without a live kernel.

# %%
from IPython.display import display

from minimoe.widgets.context import context_explorer, context_view, plot_context_view

display(context_explorer())
view = context_view(context=million, sequences=1)
print(view.table())
plot_context_view(view)
plt.tight_layout()
plt.show()
assert view.model("MiniMax-M1").in_window and not view.model("DeepSeek-R1 (absorbed MLA)").in_window
assert view.model("MiniMax-M1").cache.total == m1_cache.total

# %%
print(
    f"notebook ran in {time.perf_counter() - notebook_start:.0f} s "
    f"({time.process_time() - notebook_cpu_start:.0f} s of CPU time)"
)

# %% [markdown]
# ## What you built
#
# - M1's whole cache at 1M tokens, about 41 GB of keys and values plus 0.29 GB of lightning
#   states, against R1's MLA cache; `mla_cache_bytes`: a latent and one shared RoPE key per
#   token in each of 61 layers, more bytes per token than M1's 10 softmax layers keep.
# - A map of all 4,480 lightning heads' half-lives, and `heads_reaching`: no head keeps 1% of a
#   token's weight over 100K tokens, so long-range retrieval goes through the softmax layers.
# - A measurement of partial RoPE: the rotated half favours nearby keys, the position-free half
#   scores a match the same at any distance.
# - A retrieval experiment on contexts longer than any trained on (`recall_vs_context`): the
#   hybrid holds up, the all-lightning model falls behind.
#
# **Key terms:** context window, latent vector, decoupled RoPE key, RoPE base, position-free
# dimensions, length extrapolation.
#
# ## Try it
#
# Does the hybrid's advantage grow with the stretch? Train on N = 8 and 16 only and test up to
# 64, four times the trained length: `recall_vs_context(configs, task, RecallRun(steps=600,
# pair_counts=(8, 16)), tested)` from `minimoe.experiments.recall` (a couple of minutes). Then
# give the all-lightning model bigger heads, `half.replace(layer_pattern="LL", num_heads=2,
# num_kv_heads=2, head_dim=32)`: how much of its gap does a 32 × 32 state close? Finally, rerun
# the partial-RoPE cell with `rotary_dim = 128` and `32`: what does the position-free half look
# like when it is empty, or three quarters of the head?
#
# ## Check your understanding
#
# 1. MLA compresses keys and values into a 512-wide latent, yet R1 caches more bytes per token
#    than M1. Why?
# 2. Why does MLA need a separate RoPE key of 64 numbers per token, instead of rotating keys
#    rebuilt from the latent?
# 3. No lightning head of M1 keeps 1% of a token's weight over 100K tokens. How, then, can M1
#    answer a question about the first page of a million-token document?
# 4. What does the position-free half of a partially rotated head give that the rotated half
#    cannot, and what does the rotated half give in return?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. Because R1 caches in all 61 layers, 576 numbers each (the 512-wide latent and the 64-wide
#    RoPE key), 35,136 numbers per token, while M1 caches only in its 10 softmax layers, 2 × 8 ×
#    128 = 2,048 numbers each, 20,480 per token. Compression per layer loses to caching in
#    fewer layers.
# 2. The absorbed form never rebuilds keys: it folds the up-projection into the query. That is
#    possible only because the projection is the same matrix for every position. A rotated key
#    depends on its position, so the rotation would sit between the projection and the query and
#    could not be folded in. A small separate key, rotated once and cached, carries the position.
# 3. Through the 10 softmax layers, which keep every token's key and value and can attend to
#    the first page as exactly as to the last. The lightning layers handle the local structure;
#    what a softmax layer reads far back is passed on to the layers above it.
# 4. The position-free half scores a matching key the same at any distance, including
#    distances never seen in training, so it can find content anywhere in the context. The
#    rotated half makes the score depend on the distance: it tells nearby from far and order
#    from disorder, which the position-free half cannot.

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025): §1 ("natively supports a context length of 1 million tokens, 8x
#    the context size of DeepSeek R1"), §2 (the context extended "across four stages, starting
#    from a 32K context window length and ultimately extending the training context to 1M
#    tokens", because "the earlier and later layers have different decay rates, which makes
#    the earlier layers focus more on local information"): https://arxiv.org/abs/2506.13585
# 2. MiniMax-M1 repository, `config.json` (80 layers, `attn_type_list`, 64 heads of 128, 8
#    key/value heads, `rotary_dim: 64`, `rope_theta: 10000000`) and `modeling_minimax_m1.py`
#    (per-head slopes scaled by layer, float32 lightning state):
#    https://github.com/MiniMax-AI/MiniMax-M1
# 3. DeepSeek-V3 repository, `inference/configs/config_671B.json` (61 layers, 3 dense, 128
#    heads, `kv_lora_rank` 512, `qk_rope_head_dim` 64, `qk_nope_head_dim` 128, `v_head_dim`
#    128) and `inference/model.py` (`attn_impl = "absorb"` by default, caching the latent and
#    the RoPE key; `"naive"` caches keys and values): https://github.com/deepseek-ai/DeepSeek-V3
# 4. DeepSeek-AI, *DeepSeek-V2: A Strong, Economical, and Efficient Mixture-of-Experts Language
#    Model*, arXiv 2405.04434 (2024), §2.1 (multi-head latent attention, low-rank key-value
#    compression, the decoupled RoPE key): https://arxiv.org/abs/2405.04434
# 5. DeepSeek-R1 repository, `README.md` (trained from DeepSeek-V3-Base; context length 128K):
#    https://github.com/deepseek-ai/DeepSeek-R1
# 6. Qwen3-235B-A22B shapes, **secondary**: 94 layers, 4 key/value heads and the 128K context
#    from transcriptions of the Qwen3 blog (https://qwenlm.github.io/blog/qwen3/); head
#    dimension 128 assumed.
# 7. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv
#    2501.08313 (2025): the architecture search ("implementing RoPE on half of the softmax
#    attention dimensions enables length extrapolation without performance degradation"), the
#    RoPE base of 10,000 in pretraining raised to 5M and 10M in the long-context stages
#    (Table 6), inference extrapolated to 4 million tokens, and the limited retrieval of pure
#    lightning attention (§2.2): https://arxiv.org/abs/2501.08313
# 8. J. Su et al., *RoFormer: Enhanced Transformer with Rotary Position Embedding*, arXiv
#    2104.09864 (2021), §3 (rotary position embedding; its long-term decay of scores with
#    relative distance): https://arxiv.org/abs/2104.09864
# 9. S. Arora et al., *Zoology: Measuring and Improving Recall in Efficient Language Models*,
#    arXiv 2312.04927 (2023) (multi-query associative recall): https://arxiv.org/abs/2312.04927
