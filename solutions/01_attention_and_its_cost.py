# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Attention and its cost
#
# MiniMax-M1 reads contexts of up to a million tokens [2]. Ordinary softmax attention, the kind
# every transformer since 2017 uses [1], makes that expensive: each token compares itself with
# every earlier token, so the work grows with the *square* of the length. M1 therefore keeps
# softmax attention in only 10 of its 80 layers [2, 3]. In this lesson you
#
# 1. write causal softmax attention and check it against minimoe's;
# 2. write one decoding step with a **KV cache**, and count what the cache costs, for M1 too;
# 3. measure how time and memory grow with the sequence length n, and fit the exponent.
#
# Lesson 02 then builds the linear-time attention that M1 uses in the other 70 layers.
# Numbers in square brackets point to the sources at the end.

# %%
import math
import time

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from minimoe.exercises import check
from minimoe.smoke import is_smoke, pick

torch.manual_seed(0)
print("torch", torch.__version__)

# %% [markdown]
# ## Scaled dot-product attention
#
# Every token t has a **query** q_t, a **key** k_t and a **value** v_t, vectors of d numbers
# made from the token's hidden state by three linear maps. Token t scores each token s by the
# dot product q_t·k_s, turns the scores into weights with a softmax, and returns the weighted
# average of the values [1]:
#
#     A = softmax(Q Kᵀ / √d),    O = A V
#
# Two details matter.
#
# - **The scale 1/√d.** If the entries of q and k have variance 1, their dot product has
#   variance d. Without the scale, large heads give huge scores, the softmax puts almost all
#   weight on one token, and its gradients vanish [1]. You can see the growth directly:

# %%
for d in [16, 64, 256]:
    q, k = torch.randn(10_000, d), torch.randn(10_000, d)
    dots = (q * k).sum(dim=1)
    print(f"d = {d:>3}: std of q·k = {dots.std():6.2f}   sqrt(d) = {math.sqrt(d):5.2f}")

# %% [markdown]
# - **The causal mask.** A language model predicts token t+1 from tokens up to t, so token t
#   must not look ahead. Scores of future keys (s > t) are set to −∞ *before* the softmax, so
#   they get weight exactly 0 and each row's weights over the past still sum to 1 [1].
#
# **Exercise 1.** Write `causal_attention(q, k, v)` for tensors of shape
# `(batch, heads, seq, head_dim)` (v may have another last dimension). Use the scale
# 1/√head_dim, the mask from `torch.triu(..., diagonal=1)` and `masked_fill`, then softmax over
# the last dimension.


# %%
def causal_attention(q, k, v):
    """softmax(Q Kᵀ / sqrt(d) + causal mask) V for (batch, heads, seq, head_dim) tensors."""
    ### BEGIN SOLUTION
    seq, head_dim = q.shape[-2], q.shape[-1]
    scores = q @ k.transpose(-1, -2) / math.sqrt(head_dim)  # (batch, heads, seq, seq)
    future = torch.ones(seq, seq, dtype=torch.bool).triu(diagonal=1)
    scores = scores.masked_fill(future, float("-inf"))
    return torch.softmax(scores, dim=-1) @ v
    ### END SOLUTION


# %%
causal_attention = check("01.causal_attention", causal_attention)

# %% [markdown]
# Look at the weights for one short sequence: each row is a token, each column a key it may
# read. Everything above the diagonal is exactly zero, and every row sums to 1.

# %%
q, k, v = (torch.randn(1, 1, 8, 16) for _ in range(3))
scores = q @ k.transpose(-1, -2) / math.sqrt(16)
weights = torch.softmax(scores.masked_fill(torch.ones(8, 8).triu(1).bool(), float("-inf")), -1)
print("row sums:", weights[0, 0].sum(dim=-1).numpy().round(6))

fig, ax = plt.subplots(figsize=(4, 3.5))
image = ax.imshow(weights[0, 0].numpy(), cmap="Blues", vmin=0, vmax=1)
fig.colorbar(image, ax=ax, label="attention weight")
ax.set_xlabel("key position s (token)")
ax.set_ylabel("query position t (token)")
ax.set_title("Causal attention weights (8 tokens)")
plt.show()

# %% [markdown]
# PyTorch has a fused version, `F.scaled_dot_product_attention`. It computes the same thing,
# up to float32 rounding:

# %%
q, k, v = (torch.randn(2, 4, 128, 32) for _ in range(3))
ours = causal_attention(q, k, v)
fused = F.scaled_dot_product_attention(q, k, v, is_causal=True)
print(f"largest difference, yours vs PyTorch's fused kernel: {(ours - fused).abs().max():.2e}")
assert torch.allclose(ours, fused, atol=1e-5)

# %% [markdown]
# ## Generating text: the KV cache
#
# A model generates one token at a time. At step t it needs the new token's query q_t, and the
# keys and values of *all* tokens so far. Those keys and values never change once computed
# (token s only ever sees tokens up to s), so recomputing them at every step would waste work.
# Instead each softmax layer keeps a **KV cache**: the keys and values of every token so far.
# A decoding step appends the new token's key and value and attends from q_t to the whole cache.
# No mask is needed, because everything in the cache is in the past.
#
# minimoe's `KVCache` holds two tensors, `k` and `v`, of shape `(batch, heads, tokens, head_dim)`.
#
# **Exercise 2.** Write `decode_step(q_t, k_t, v_t, cache)`. The new token's tensors have shape
# `(batch, heads, 1, head_dim)`. Return `(o_t, new_cache)`: the new token's attention output, of
# shape `(batch, heads, 1, head_dim)`, and a `KVCache` with the new key and value appended along
# the sequence dimension (`dim=2`).

# %%
from minimoe.attention import KVCache, causal_softmax_attention


def decode_step(q_t, k_t, v_t, cache):
    """Append k_t, v_t to the cache, then attend from q_t to every cached token."""
    ### BEGIN SOLUTION
    keys = torch.cat((cache.k, k_t), dim=2)
    values = torch.cat((cache.v, v_t), dim=2)
    scores = q_t @ keys.transpose(-1, -2) / math.sqrt(q_t.shape[-1])  # (batch, heads, 1, t)
    return torch.softmax(scores, dim=-1) @ values, KVCache(keys, values)
    ### END SOLUTION


# %%
decode_step = check("01.decode_step", decode_step)

# %% [markdown]
# Decode a whole sequence one token at a time, starting from an empty cache. Row by row, the
# result must equal full causal attention over the sequence: the cache changes the cost, not
# the answer.

# %%
batch, heads, seq, head_dim = 1, 2, 32, 16
q, k, v = (torch.randn(batch, heads, seq, head_dim) for _ in range(3))
cache = KVCache(torch.zeros(batch, heads, 0, head_dim), torch.zeros(batch, heads, 0, head_dim))
rows = []
for t in range(seq):
    o_t, cache = decode_step(q[:, :, t : t + 1], k[:, :, t : t + 1], v[:, :, t : t + 1], cache)
    rows.append(o_t)
decoded = torch.cat(rows, dim=2)
diff = (decoded - causal_softmax_attention(q, k, v)).abs().max().item()
print(f"cache now holds {cache.length} tokens; decoded vs full attention: {diff:.2e}")
assert cache.length == seq and diff < 1e-5

# %% [markdown]
# Step t reads t keys and t values, so its work grows linearly with the context, and the cache
# itself grows by one key and one value per token in every softmax layer.
#
# ### How big does the cache get?
#
# Per layer and per token, the cache stores one key and one value, each of `head_dim` numbers,
# for each *key/value head*. M1's softmax layers use grouped-query attention: their 64 query
# heads share 8 key/value heads, which shrinks the cache eightfold [3, 4]. minimoe's
# `"minimax-m1"` preset copies the shapes of M1's released `config.json` [3]: 80 layers whose
# `attn_type_list` puts one softmax layer after every seven lightning layers, 8 key/value heads
# and `head_dim` 128. `minimoe.flops.kv_cache_bytes` does the arithmetic. Assume the cache is
# stored in bfloat16 (2 bytes per number). At M1's context of one million tokens [2]:

# %%
from minimoe.config import MiniMoEConfig
from minimoe.flops import kv_cache_bytes

m1 = MiniMoEConfig.preset("minimax-m1")
softmax_layers = m1.layer_types.count("softmax")
n_million = 1_000_000
m1_cache = kv_cache_bytes(softmax_layers, m1.num_kv_heads, m1.head_dim, n_million, 2)
all_softmax = kv_cache_bytes(m1.num_layers, m1.num_kv_heads, m1.head_dim, n_million, 2)
print(f"softmax layers in M1: {softmax_layers} of {m1.num_layers}")
print(f"KV cache at 1M tokens, M1's {softmax_layers} softmax layers: {m1_cache / 1e9:6.2f} GB")
print(f"if all {m1.num_layers} layers were softmax:            {all_softmax / 1e9:6.2f} GB")
assert softmax_layers == 10 and round(m1_cache / 1e9) == 41 and all_softmax == 8 * m1_cache

# %% [markdown]
# About 41 GB for a single sequence, and eight times that if every layer were a softmax layer.
# Later lessons refer back to this number. How much is 41 GB? The MiniMax-01 team sized its
# models so that a single machine of 8 GPUs with 640 GB of memory in all could process more than
# a million tokens, using 8-bit quantization [4]. If the weights take one byte each, M1's 456B
# parameters [2] fill 456 GB of those 640 GB.
#
# **Exercise 3.** Write `tokens_that_fit(memory_bytes, num_layers, kv_heads, head_dim,
# bytes_per_value)`: the longest context, in whole tokens, whose KV cache (one sequence,
# `num_layers` softmax layers) fits in `memory_bytes`. No formula this time: work out what one
# token costs from the description above.


# %%
def tokens_that_fit(memory_bytes, num_layers, kv_heads, head_dim, bytes_per_value=2):
    """The longest context whose KV cache fits in memory_bytes (whole tokens)."""
    ### BEGIN SOLUTION
    per_token = 2 * num_layers * kv_heads * head_dim * bytes_per_value
    return memory_bytes // per_token
    ### END SOLUTION


# %%
tokens_that_fit = check("01.tokens_that_fit", tokens_that_fit)

# %% [markdown]
# So how long a context would fit next to the 8-bit weights on that machine, if nothing else
# needed memory? (Activations and the lightning layers' states also need some, so this is an
# upper bound.)

# %%
left_over = 640 * 10**9 - 456 * 10**9
longest = tokens_that_fit(left_over, softmax_layers, m1.num_kv_heads, m1.head_dim, 2)
all_softmax_longest = tokens_that_fit(left_over, m1.num_layers, m1.num_kv_heads, m1.head_dim, 2)
print(f"memory left beside the weights: {left_over / 1e9:.0f} GB")
print(f"longest context, M1's 10 softmax layers: {longest:>10,} tokens")
print(f"longest context, if all 80 were softmax: {all_softmax_longest:>10,} tokens")
assert longest > n_million > all_softmax_longest

# %% [markdown]
# With M1's ten softmax layers a context of a million tokens fits, with room to spare; with
# softmax attention in all 80 layers it would not. The cache grows in a straight line with n:

# %%
contexts = [2**p for p in range(10, 21)]
fig, ax = plt.subplots(figsize=(6, 3.5))
for layers, label in [(m1.num_layers, "80 softmax layers"), (softmax_layers, "M1: 10 softmax")]:
    gb = [kv_cache_bytes(layers, m1.num_kv_heads, m1.head_dim, n, 2) / 1e9 for n in contexts]
    ax.plot(contexts, gb, "o-", label=label)
ax.set_xscale("log", base=2)
ax.set_yscale("log")
ax.set_xlabel("context length n (tokens, log scale)")
ax.set_ylabel("KV cache (GB, bfloat16, log scale)")
ax.set_title("KV cache of one sequence, M1's shapes")
ax.grid(True, alpha=0.3)
ax.legend()
plt.show()

# %% [markdown]
# ## Measuring the cost against n
#
# Processing a whole prompt at once (*prefill*) computes the full n × n score matrix: n² dot
# products of d numbers, and n² numbers to store, per head. We expect time and memory to grow
# like n². Let us measure rather than trust the formula.
#
# `minimoe.experiments.scaling.measure_scaling` calls a function at several lengths n. It reports the
# median time of a few calls, and the peak memory the call's tensors take, which it reads from
# torch's profiler. A cost c·nᵖ is a straight line of slope p on log-log axes, so
# `loglog_slope` fits p.
#
# Two choices make the measurement steadier. We run torch on one thread: several threads help
# large matrices more than small ones, which would bend the curve. And we time CPU time rather
# than wall-clock time, so that other programs on the machine count less.
#
# We measure your `causal_attention`, which builds the matrix explicitly, and PyTorch's fused
# `F.scaled_dot_product_attention`.

# %%
from minimoe.experiments.scaling import loglog_slope, measure_scaling, plot_scaling

torch.set_num_threads(1)
heads, head_dim = 2, 64
ns = pick([256, 512, 1024, 2048, 4096], [64, 128, 256])


def inputs(n):
    return [torch.randn(1, heads, n, head_dim) for _ in range(3)]


def explicit_at(n):
    q, k, v = inputs(n)
    return lambda: causal_attention(q, k, v)


def fused_at(n):
    q, k, v = inputs(n)
    return lambda: F.scaled_dot_product_attention(q, k, v, is_causal=True)


runs = [
    measure_scaling(name, make, ns, clock=time.process_time, progress=True)
    for name, make in [("causal_attention (explicit)", explicit_at), ("fused SDPA", fused_at)]
]

# %%
print(f"{'':>6} {'explicit':>20} {'fused SDPA':>20}")
print(f"{'n':>6} {'ms':>10}{'MiB':>10} {'ms':>10}{'MiB':>10}")
for i, n in enumerate(ns):
    cells = " ".join(f"{r.seconds[i] * 1e3:>10.2f}{r.peak_bytes[i] / 2**20:>10.2f}" for r in runs)
    print(f"{n:>6} {cells}")

fig, axes = plt.subplots(1, 2, figsize=(12, 4))
plot_scaling(runs, "time", ax=axes[0])
plot_scaling(runs, "memory", ax=axes[1])
plt.tight_layout()
plt.show()

# %% [markdown]
# What did we measure? The score matrix alone is heads × n² float32 numbers: its size doubles
# twice for every doubling of n, a slope of exactly 2. Fit the slopes:

# %%
explicit, fused = runs
score_bytes = [heads * n * n * 4 for n in ns]
slopes = {
    "score matrix, heads·n²·4 bytes": loglog_slope(ns, score_bytes),
    "explicit: peak memory": explicit.memory_exponent,
    "explicit: time": explicit.time_exponent,
    "fused SDPA: peak memory": fused.memory_exponent,
    "fused SDPA: time": fused.time_exponent,
}
for what, slope in slopes.items():
    print(f"{what:<32} slope {slope:5.2f}")

assert abs(slopes["score matrix, heads·n²·4 bytes"] - 2.0) < 1e-9
if not is_smoke():
    assert 1.9 <= explicit.memory_exponent <= 2.1, "the explicit form stores n×n matrices"
    assert 1.6 <= explicit.time_exponent <= 2.8, "time should grow about like n² (or a bit faster)"
    assert fused.memory_exponent <= 1.2, "the fused kernel never holds the n×n matrix"
    assert fused.time_exponent >= 1.4, "the fused kernel still does n² work"

# %% [markdown]
# The cell above asserts the three slopes that theory predicts:
#
# - **Explicit attention: memory slope ≈ 2.** Its peak is a few n × n matrices (scores,
#   masked scores, weights), so it grows exactly like the score matrix once n is large.
# - **Time grows much faster than n for both.** At large n the n² dot products dominate. At
#   small n, fixed costs per call flatten the curve, so a fitted slope can come out below 2
#   (compare the fused kernel's slope above). The explicit form may show a little more than 2:
#   once its n × n matrices outgrow the CPU's caches (around n = 1,000 to 2,000 here), each of
#   its passes over them has to fetch every element from main memory, which costs more per
#   element.
# - **Fused SDPA: memory slope ≈ 1.** It works through the matrix in tiles and never holds it
#   whole. This is the idea of FlashAttention [5]. The work is still n², and so is the time.
#
# So a fused kernel fixes the memory but not the time. Only a different formula fixes the time,
# and that is what lightning attention is.
#
# ### What would a million tokens cost?
#
# Extrapolate the fitted power law from the largest n you ran to M1's one million tokens (still
# two heads of 64 dimensions, one CPU thread), and compute the size of one head's score matrix:

# %%
p = explicit.time_exponent
t_million = explicit.seconds[-1] * (n_million / ns[-1]) ** p
print(f"measured at n = {ns[-1]:,}: {explicit.seconds[-1]:.3f} s; fitted exponent {p:.2f}")
print(f"extrapolated to n = 1,000,000: {t_million:,.0f} s = {t_million / 3600:,.1f} hours")
print(f"one head's n×n float32 score matrix at 1M tokens: {n_million**2 * 4 / 1e12:.0f} TB")

# %% [markdown]
# That is for one layer and two heads of 64 dimensions. M1 has 64 heads of 128 dimensions in
# each of its 10 softmax layers [3]. Real systems use GPUs and fused kernels, yet the n² in
# time stays. Next lesson: attention whose cost grows like n.
#
# ## What you built
#
# - `causal_attention`: scaled dot-product attention with a causal mask, equal to PyTorch's
#   fused kernel.
# - `decode_step`: one generation step with a KV cache, which reproduces full attention row by
#   row.
# - `tokens_that_fit`: the longest context whose cache fits in a memory budget. M1's 10
#   softmax layers hold about 41 GB at a million tokens (bfloat16); 80 softmax layers would hold
#   eight times that.
# - Measured slopes: time grows about like n² for both forms, memory like n² for the explicit
#   form and like n for the fused one.
#
# ## Try it
#
# Decoding one token at context t should cost time proportional to t, since it reads t keys.
# Measure it: with `measure_scaling`, time your `decode_step` for a cache of n tokens
# (`KVCache(torch.randn(1, heads, n, head_dim), torch.randn(1, heads, n, head_dim))`) at
# n = 1,024 … 65,536, and fit the slope. Then repeat with the cache in `torch.bfloat16`: does
# halving the bytes change the time?
#
# ## Check your understanding
#
# 1. Why does `decode_step` need no causal mask, while `causal_attention` does?
# 2. Grouped-query attention gives M1's 64 query heads 8 key/value heads. What does that shrink
#    eightfold, and what does it leave unchanged?
# 3. The fused kernel's memory grows like n but its time like n². Why does computing in tiles
#    fix one and not the other?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. The cache holds only tokens that came before the new one, and the new token itself. There is
#    no future in it to hide. During a prefill every token of the sequence is present at once, so
#    the mask has to stop token t from reading tokens after it.
# 2. The cache, and the memory traffic of reading it at every step: 8 key/value heads instead of
#    64. Each query head still scores every key and averages every value, so the attention FLOPs
#    per token stay the same.
# 3. Tiling changes how much of the score matrix exists at once: one tile instead of all n × n
#    numbers. Every query still has to be compared with every key, so the number of dot products,
#    and with it the time, stays n²/2. Only a different formula, like lesson 02's linear
#    attention, removes the n² work.

# %% [markdown]
# ## Sources
#
# 1. Vaswani et al., *Attention Is All You Need*, NeurIPS 2017, arXiv 1706.03762, §3.2
#    (scaled dot-product attention, the 1/√d_k scale and the decoder's mask):
#    https://arxiv.org/abs/1706.03762
# 2. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025), §1-2 (hybrid attention, a native 1M-token context, 456B
#    parameters):
#    https://arxiv.org/abs/2506.13585
# 3. MiniMax-M1 repository, `config.json` (`num_hidden_layers` 80, `attn_type_list`,
#    `num_attention_heads` 64, `num_key_value_heads` 8, `head_dim` 128) and
#    `modeling_minimax_m1.py`: https://github.com/MiniMax-AI/MiniMax-M1
# 4. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv 2501.08313
#    (2025), §2 (grouped-query attention with a group size of 8 in the softmax layers; the size
#    constraint: more than 1 million tokens on a single machine of up to 8 GPUs and 640 GB, with
#    8-bit quantization):
#    https://arxiv.org/abs/2501.08313
# 5. Dao et al., *FlashAttention: Fast and Memory-Efficient Exact Attention with IO-Awareness*,
#    NeurIPS 2022, arXiv 2205.14135: https://arxiv.org/abs/2205.14135
