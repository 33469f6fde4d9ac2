# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · From linear attention to lightning attention
#
# Lesson 01 measured the problem: softmax attention costs time like n² and, computed plainly,
# memory like n². MiniMax-M1 uses **lightning attention** in 70 of its 80 layers [4, 5]. Its
# cost grows like n, and while generating it keeps a fixed-size state instead of a growing
# cache. This lesson derives it in four steps:
#
# 1. the **kernel trick**: drop the softmax, and (QKᵀ)V can be computed as Q(KᵀV);
# 2. the **causal prefix state**: a running sum of kᵀv that turns attention into a recurrence;
# 3. **decay**: the state forgets at a per-head rate, so M1's heads cover different spans;
# 4. the **blockwise tiling** that gives lightning attention its name and its speed.
#
# You write the recurrent form and one block of the tiled form, confirm that every form computes
# the same output, and measure their speed against n. Numbers in square brackets point to the
# sources at the end.

# %%
import math
import time

import matplotlib.pyplot as plt
import torch

from minimoe.experiments.scaling import time_call
from minimoe.exercises import check
from minimoe.smoke import is_smoke, pick

torch.manual_seed(0)
torch.set_num_threads(1)  # steadier timings: see lesson 01
print("torch", torch.__version__)

# %% [markdown]
# ## 1. The kernel trick
#
# Softmax attention normalises each row of QKᵀ with exponentials, which ties every query to every
# key: the n × n matrix must exist, at least tile by tile. Katharopoulos et al. [1] asked what
# happens if the similarity is a plain product of features, φ(q)·φ(k). Then, without the
# softmax, matrix products can be regrouped:
#
#     (Q Kᵀ) V  =  Q (Kᵀ V)
#
# The left side builds an n × n matrix: about 2·n²·d multiply-adds. The right side builds
# KᵀV, a d × d matrix, first: about 2·n·d². For n much larger than d the right side is far
# cheaper. M1 uses SiLU as φ, applied to q, k and v [5]. Here q and k stand for the features
# already. Check that both orders agree, and time them:

# %%
n, d = pick(4096, 512), 64
q, k, v = (torch.randn(n, d) / d**0.25 for _ in range(3))
left = (q @ k.T) @ v
right = q @ (k.T @ v)
t_left = time_call(lambda: (q @ k.T) @ v, repeats=3)
t_right = time_call(lambda: q @ (k.T @ v), repeats=3)
relative = (left - right).abs().max() / left.abs().max()
print(f"n = {n}, d = {d}: largest relative difference {relative:.1e}")
print(
    f"(QKᵀ)V: {t_left * 1e3:.2f} ms   Q(KᵀV): {t_right * 1e3:.2f} ms   ratio {t_left / t_right:.0f}x"
)
assert torch.allclose(left, right, rtol=1e-3, atol=1e-3)

# %% [markdown]
# ## 2. Causal: a running state
#
# A language model needs the causal version: row t may only use keys s ≤ t. With the mask the
# regrouping seems lost, since [(QKᵀ) ⊙ L]V, with L the lower-triangular matrix of ones, needs
# the full matrix again. But look at one row:
#
#     o_t = Σ_{s≤t} (q_t·k_s) v_s  =  q_t · Σ_{s≤t} k_sᵀ v_s  =  q_t S_t
#
# S_t is a d × d **state**: the sum of the outer products k_sᵀ v_s so far. It obeys
# S_t = S_{t−1} + k_tᵀ v_t. That is a recurrence, like an RNN's: attention becomes a loop over
# tokens that carries a fixed-size state [1]. Check it with a cumulative sum over the outer
# products, against the masked form. minimoe's `lightning_attention_naive` computes the masked
# form; with slopes of 0 there is no decay yet, so it is plain causal linear attention.

# %%
from minimoe.attention import (
    decay_mask,
    lightning_attention_blockwise,
    lightning_attention_fast,
    lightning_attention_naive,
    lightning_decode_step,
    lightning_slopes,
)

q, k, v = (torch.randn(1, 1, 64, 8) for _ in range(3))  # (batch, heads, seq, head_dim)
masked = lightning_attention_naive(q, k, v, slopes=torch.zeros(1))
states = torch.cumsum(k[..., :, None] * v[..., None, :], dim=2)  # S_t for every t: (.., 64, 8, 8)
running = (q[..., None, :] @ states)[..., 0, :]
print(f"masked form vs running state: {(masked - running).abs().max():.2e}")
assert torch.allclose(masked, running, atol=1e-4)

# %% [markdown]
# ## 3. Decay: a state that forgets
#
# The plain running sum never forgets: every token stays in S_t with full weight forever, and
# the state keeps growing. Lightning attention multiplies the state by a **decay** λ (between 0
# and 1) before adding each new token [3, 5]:
#
#     S_t = λ S_{t−1} + k_tᵀ v_t,    o_t = q_t S_t
#
# Unrolled, token s enters o_t with weight λ^(t−s). That is the masked form again,
# O = [(QKᵀ) ⊙ M] V, now with the **decay mask** M[t, s] = λ^(t−s) for s ≤ t and 0 above the
# diagonal. There is no softmax, no 1/√d and no denominator; M1 normalises the output with an
# RMSNorm instead [2, 5]. Each head h has its own slope s_h, and λ_h = exp(−s_h).
#
# Watch the size of the state with and without decay (one head, small random inputs):

# %%
steps = pick(2000, 200)
q1, k1, v1 = (torch.randn(1, 1, steps, 16) / 4 for _ in range(3))
fig, ax = plt.subplots(figsize=(6, 3.5))
for slope in [0.0, 0.001, 0.01, 0.1]:
    state, norms = torch.zeros(1, 1, 16, 16), []
    for t in range(steps):
        _, state = lightning_decode_step(
            q1[:, :, t], k1[:, :, t], v1[:, :, t], torch.tensor([slope]), state
        )
        norms.append(state.norm().item())
    ax.plot(norms, label=f"s = {slope:g} (λ = {math.exp(-slope):.3f})")
ax.set_xlabel("token t")
ax.set_ylabel("state size ‖S_t‖ (Frobenius norm)")
ax.set_title("The state with and without decay")
ax.legend()
plt.show()

# %% [markdown]
# Without decay (s = 0) the state keeps growing, like a random walk. With decay it levels off:
# it effectively holds only the last 1/(1 − λ) or so tokens (about 100 for λ = 0.99).
#
# **Exercise 1.** Write the recurrent form `lightning_recurrent(q, k, v, slopes)`. Inputs:
# q, k of shape `(batch, heads, seq, head_dim)`, v of shape `(batch, heads, seq, v_dim)`, and
# slopes of shape `(heads,)`. Start from a zero state of shape `(batch, heads, head_dim, v_dim)`.
# For each token: decay the state, add k_tᵀ v_t, read out o_t = q_t S_t. Return
# `(out, state)`: the outputs `(batch, heads, seq, v_dim)` and the final state. The check
# compares your output with the masked form, `lightning_attention_naive`.
#
# Tip: for one token, `k_t[..., :, None] * v_t[..., None, :]` is the outer product, and
# `(q_t[..., None, :] @ state)[..., 0, :]` is the readout.


# %%
def lightning_recurrent(q, k, v, slopes):
    """S_t = λ S_{t−1} + k_tᵀ v_t, o_t = q_t S_t, with λ = exp(−slopes) per head."""
    ### BEGIN SOLUTION
    batch, heads, seq, head_dim = q.shape
    decay = torch.exp(-slopes)[:, None, None]  # λ per head, broadcast over (head_dim, v_dim)
    state = torch.zeros(batch, heads, head_dim, v.shape[-1], dtype=q.dtype)
    outputs = []
    for t in range(seq):
        state = decay * state + k[:, :, t, :, None] * v[:, :, t, None, :]
        outputs.append((q[:, :, t, None, :] @ state)[:, :, 0, :])
    return torch.stack(outputs, dim=2), state
    ### END SOLUTION


# %%
lightning_recurrent = check("02.lightning_recurrent", lightning_recurrent)

# %% [markdown]
# ## Per-head slopes: what each head remembers
#
# How fast should a head forget? M1 gives every head a different slope, a geometric ladder
# borrowed from ALiBi [6]: with H heads, s_h = 2^(−8h/H) for h = 1 … H. Layer l of L scales its
# ladder by the factor 1 − l/(L − 1), plus a tiny constant: about 1 in the first layer, about 0
# in the last [4, 5].
# minimoe's `lightning_slopes(num_heads, layer_idx, num_layers)` computes exactly that.
#
# A handy measure is the **half-life**: after ln 2 / s tokens a key's weight λ^(t−s) has
# halved. Plot it for every head of several of M1's 70 lightning layers (64 heads, 80 layers
# [5]):

# %%
from minimoe.config import MiniMoEConfig
from minimoe.widgets.attention import lightning_layers

m1 = MiniMoEConfig.preset("minimax-m1")
m1_heads, m1_layers = m1.num_heads, m1.num_layers
shown_layers = [0, 22, 46, 70, 78]
spans = {}
fig, ax = plt.subplots(figsize=(7, 4))
print(f"{'layer':>5} {'shortest half-life':>19} {'longest half-life':>18}  (tokens)")
for layer in shown_layers:
    half_life = math.log(2) / lightning_slopes(m1_heads, layer, m1_layers)
    ax.plot(range(1, m1_heads + 1), half_life, label=f"layer {layer}")
    print(f"{layer:>5} {half_life.min():>19,.1f} {half_life.max():>18,.0f}")
    spans[layer] = (half_life.min().item(), half_life.max().item())
ax.set_yscale("log")
ax.set_xlabel("head h")
ax.set_ylabel("half-life ln 2 / s (tokens, log scale)")
ax.set_title("How far back each head of M1 remembers")
ax.legend()
plt.show()
assert all(layer in lightning_layers() for layer in shown_layers)
assert spans[0][0] < 1 and spans[78][1] > 10_000

# %% [markdown]
# You should see that the first layer's heads span from under one token to about 180 tokens,
# while the last lightning layer's heads span from about 60 to about 14,000 tokens. Early layers
# look locally; late layers keep nearly everything. The M1 report says the same in words: the
# earlier layers, with their faster decay, focus on local information [4].
#
# ## 4. The blockwise form: lightning attention
#
# We now have two exact forms, and neither is fast:
#
# - the **masked** form does n² work, as softmax attention does;
# - the **recurrent** form does only n·d² work, but in n tiny sequential steps, which keeps
#   matrix hardware idle (and, in Python, pays overhead on every token).
#
# Lightning attention splits the sequence into blocks of B tokens and uses each form where it is
# good [2, 3]. Within a block, the masked ("left") product is a small B × B matrix. Across
# blocks, the state ("right") product carries everything earlier. For row i of a block
# (i = 0 … B−1), entered with state S:
#
#     o_i   = Σ_{j≤i} λ^(i−j) (q_i·k_j) v_j          intra-block: [(Q_b K_bᵀ) ⊙ D] V_b
#           + λ^(i+1) q_i S                          inter-block: the state, decayed i+1 steps
#     S_new = λ^B S + Σ_j λ^(B−1−j) k_jᵀ v_j         the state carried to the next block
#
# D is the block's own decay mask (`decay_mask(B, slopes)`). The exponents count steps: the
# state S holds everything up to the token just before the block, so row i sees it i+1 steps
# later; key j has B−1−j steps to go until the block's last token. The MiniMax-01 paper writes
# the tiling without decay [2], Lightning Attention-2 tiles with decay [3], and M1's code uses
# exactly these decays, with B = 256 [5].
#
# **Exercise 2.** Write one block, `lightning_block(q_b, k_b, v_b, slopes, state)`, with B taken
# from `q_b.shape[2]`. Return `(o_b, new_state)`. Broadcast the per-head slopes as
# `slopes[:, None, None]`, and a column of positions as `torch.arange(B)[:, None]`.


# %%
def lightning_block(q_b, k_b, v_b, slopes, state):
    """One block: intra (masked product) + inter (state product), and the carried state."""
    ### BEGIN SOLUTION
    size = q_b.shape[2]
    s = slopes[:, None, None]  # (heads, 1, 1)
    i = torch.arange(size, dtype=q_b.dtype)[:, None]  # row / key position in the block
    intra = ((q_b @ k_b.transpose(-1, -2)) * decay_mask(size, slopes)) @ v_b
    inter = (q_b * torch.exp(-s * (i + 1))) @ state
    carried = (
        torch.exp(-s * size) * state
        + (k_b * torch.exp(-s * (size - 1 - i))).transpose(-1, -2) @ v_b
    )
    return intra + inter, carried
    ### END SOLUTION


# %%
lightning_block = check("02.lightning_block", lightning_block)

# %% [markdown]
# A whole sequence is a loop over blocks that hands the state from one to the next. The last
# block may be shorter; its decays use its own length. minimoe's reference version of this loop
# is `lightning_attention_blockwise` in `minimoe/attention/lightning.py`: the same three steps
# per block (its `lightning_block_step`), computed in float32 (float64 for float64 inputs), and
# able to continue from a given state.


# %%
def blockwise(q, k, v, slopes, block_size):
    """The sequence in blocks of block_size tokens, using lightning_block on each."""
    batch, heads, seq, head_dim = q.shape
    state = torch.zeros(batch, heads, head_dim, v.shape[-1], dtype=q.dtype)
    outputs = []
    for start in range(0, seq, block_size):
        block = slice(start, start + block_size)
        o_b, state = lightning_block(q[:, :, block], k[:, :, block], v[:, :, block], slopes, state)
        outputs.append(o_b)
    return torch.cat(outputs, dim=2), state


# %% [markdown]
# ## All forms agree
#
# A plain loop is clear but slow: every block costs a few small matrix products and some Python.
# What minimoe's model runs is `lightning_attention_fast`, which hands the work to the fast
# kernels in `minimoe/attention/kernels.py`. They compute the same function with many blocks
# per matrix product, or, for long inputs on a CPU, one head's sequence per core, and the
# tests hold each of them equal to the reference loop.
#
# Six ways to compute the same thing: the masked form, your recurrent form, your blockwise loop,
# minimoe's reference loop, and minimoe's fast kernels at two block sizes. Compare them on a
# length that is not a multiple of the block size, with the slopes of M1's first layer for 8
# heads, in float64 and in float32:

# %%
n = pick(1000, 200)
slopes = lightning_slopes(8, 0, 80)
forms = {  # each takes (q, k, v, slopes) and returns the output
    "your recurrent": lambda *qkvs: lightning_recurrent(*qkvs)[0],
    "your blockwise, B = 64": lambda *qkvs: blockwise(*qkvs, 64)[0],
    "minimoe reference, B = 64": lambda *qkvs: lightning_attention_blockwise(*qkvs, 64)[0],
    "minimoe fast, B = 64": lambda *qkvs: lightning_attention_fast(*qkvs, 64)[0],
    "minimoe fast, B = 256": lambda *qkvs: lightning_attention_fast(*qkvs, 256)[0],
}
worst = {}
for dtype in [torch.float64, torch.float32]:
    q, k, v = (torch.randn(1, 8, n, 32, dtype=dtype) * 0.5 for _ in range(3))
    s = slopes.to(dtype)
    reference = lightning_attention_naive(q, k, v, s)
    for name, form in forms.items():
        diff = (form(q, k, v, s) - reference).abs().max() / reference.abs().max()
        worst[name, dtype] = diff.item()

print(f"n = {n}; largest difference from the masked form, relative to its largest output")
print(f"{'form':<28} {'float64':>9} {'float32':>9}")
for name in forms:
    print(f"{name:<28} {worst[name, torch.float64]:>9.1e} {worst[name, torch.float32]:>9.1e}")
assert all(diff < 1e-12 for (_, dtype), diff in worst.items() if dtype == torch.float64)
assert all(diff < 1e-5 for (_, dtype), diff in worst.items() if dtype == torch.float32)

# %% [markdown]
# In float64 the differences should be around 1e-15, a few roundings of float64; in float32
# around 1e-6 or less. The forms are the same function, computed in different orders.
#
# ## Speed against n
#
# Now measure each form's time and peak memory against n, as in lesson 01, with softmax
# attention for comparison (lesson 01's explicit form and PyTorch's fused kernel). Two heads of
# 64 dimensions, float32, one thread, CPU time; the blockwise form runs on minimoe's fast
# kernels (`lightning_attention_fast`). The quadratic forms stop at 4,096 tokens, where the
# masked form's n × n matrices already take about half a gigabyte. The recurrent form stops at
# 2,048, because its Python loop is slow. This should take under a minute.

# %%
import torch.nn.functional as F

from minimoe.attention import causal_softmax_attention
from minimoe.experiments.scaling import measure_scaling, plot_scaling

heads, head_dim = 2, 64
speed_slopes = lightning_slopes(heads, 0, 2)
speed_forms = {  # each takes (q, k, v)
    "lightning masked": lambda q, k, v: lightning_attention_naive(q, k, v, speed_slopes),
    "your recurrent": lambda q, k, v: lightning_recurrent(q, k, v, speed_slopes),
    "lightning blockwise": lambda q, k, v: lightning_attention_fast(q, k, v, speed_slopes),
    "softmax explicit (lesson 01)": causal_softmax_attention,
    "softmax fused SDPA": lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=True),
}
lengths = {
    "lightning masked": pick([256, 512, 1024, 2048, 4096], [64, 128, 256]),
    "your recurrent": pick([256, 512, 1024, 2048], [64, 128, 256]),
    "lightning blockwise": pick([2048, 4096, 8192, 16384, 32768, 65536], [256, 512, 1024]),
    "softmax explicit (lesson 01)": pick([256, 512, 1024, 2048, 4096], [64, 128, 256]),
    "softmax fused SDPA": pick([256, 512, 1024, 2048, 4096, 8192], [64, 128, 256]),
}


def timed(form):
    """make_call(n) for measure_scaling: random inputs of length n, then form(q, k, v)."""

    def make_call(n):
        q, k, v = (torch.randn(1, heads, n, head_dim) * 0.5 for _ in range(3))
        return lambda: form(q, k, v)

    return make_call


runs = {
    name: measure_scaling(name, timed(form), lengths[name], clock=time.process_time, progress=True)
    for name, form in speed_forms.items()
}

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
plot_scaling(list(runs.values()), "time", ax=axes[0])
plot_scaling(list(runs.values()), "memory", ax=axes[1])
plt.tight_layout()
plt.show()

print(f"{'form':<30} {'n range':>14} {'time slope':>11} {'memory slope':>13}")
for name, run in runs.items():
    span = f"{run.ns[0]}-{run.ns[-1]}"
    print(f"{name:<30} {span:>14} {run.time_exponent:>11.2f} {run.memory_exponent:>13.2f}")

# %% [markdown]
# You should see time slopes near 1 for the blockwise and recurrent forms, and about 2 or a
# little more for the masked form and for softmax attention. As in lesson 01, more than 2 comes
# from the CPU's caches: the masked form makes several passes over n × n matrices (scores, decay
# mask, product), and once they outgrow the caches every element comes from main memory. The
# count of operations still grows like n²; the time per operation grows too.
#
# The masked form's memory grows like n², while the blockwise form needs only its output plus
# a workspace of fixed size (the fast kernels process a bounded run of blocks at a time), so its
# memory grows at most like n. Compare the times at the lengths both forms ran:

# %%
blockwise_run, fused_run = runs["lightning blockwise"], runs["softmax fused SDPA"]
print(f"{'n':>6} {'blockwise ms':>13} {'fused SDPA ms':>14} {'SDPA / blockwise':>17}")
for n in sorted(set(blockwise_run.ns) & set(fused_run.ns)):
    a = blockwise_run.seconds[blockwise_run.ns.index(n)]
    b = fused_run.seconds[fused_run.ns.index(n)]
    print(f"{n:>6} {a * 1e3:>13.2f} {b * 1e3:>14.2f} {b / a:>17.1f}")

if not is_smoke():
    assert 0.7 <= blockwise_run.time_exponent <= 1.3, "blockwise time should grow about like n"
    masked = runs["lightning masked"]
    assert 1.6 <= masked.time_exponent <= 3.0, "masked time should grow like n² (or a bit faster)"
    assert 1.9 <= masked.memory_exponent <= 2.1
    assert blockwise_run.memory_exponent <= 1.1

# %% [markdown]
# The last column should roughly double with every doubling of n: the blockwise time doubles
# while the softmax time about quadruples. Real systems run both on GPUs with tuned kernels,
# which changes the constants but not the exponents.
#
# ## The state's memory against the KV cache
#
# Generating with lightning attention needs only the state: heads × d × d numbers per layer,
# whatever the context length. A softmax layer's KV cache grows by 2 × kv_heads × d numbers
# per token (lesson 01). With M1's shapes, 64 heads of 128 dimensions in the lightning layers
# and 8 key/value heads in the softmax layers [5], the two are equal in *count* at
# 64·128·128 / (2·8·128) = 512 tokens per layer. Counted in bytes, with a float32 state (as M1's
# code keeps it [5]) and a bfloat16 cache, they are equal at 1,024 tokens. For a whole
# million-token sequence:

# %%
from minimoe.flops import kv_cache_bytes, lightning_state_bytes

n_lightning, n_softmax = m1.layer_types.count("lightning"), m1.layer_types.count("softmax")
states = lightning_state_bytes(n_lightning, m1.num_heads, m1.head_dim, bytes_per_value=4)
cache = kv_cache_bytes(n_softmax, m1.num_kv_heads, m1.head_dim, 1_000_000, bytes_per_value=2)
print(f"{n_lightning} lightning layers, states (float32), any n: {states / 1e6:>7,.0f} MB")
print(f"{n_softmax} softmax layers, KV cache at 1M tokens (bf16): {cache / 1e6:>7,.0f} MB")
assert round(states / 1e6) == 294

# %% [markdown]
# So at a million tokens nearly all of M1's cache memory is in its 10 softmax layers. The 70
# lightning layers add about 0.3 GB in total.
#
# ## Explore: decay, heads and blocks
#
# The explorer below shows one head of one of M1's lightning layers. On the left is its decay
# mask over 64 tokens. The white squares are the blocks of the tiled form: inside them the
# masked product runs, and everything below them reaches a query only through the carried
# state. On the right is one layer's memory against the context length. Move the sliders:
# layer 0, head 1 forgets within a token; layer 78, head 64 barely forgets at all. The cell
# also draws one setting directly, so you see a result without a live kernel.

# %%
from IPython.display import display

from minimoe.widgets.attention import decay_explorer, decay_view, plot_decay_view

display(decay_explorer())
view = decay_view(layer_idx=30, head=40, block_size=16, context=4096)
plot_decay_view(view)
plt.tight_layout()
plt.show()
print(f"layer 30, head 40: slope {view.slope:.5f}, λ = {view.decay:.4f}")
print(f"half-life {view.half_life:.1f} tokens")
print(f"one layer's state and one layer's KV cache are equal at n = {view.crossover:,} tokens")
assert view.crossover == 1024

# %% [markdown]
# ## What you built
#
# - The kernel trick trades an n × n matrix for a d × d one.
# - Causality turns it into a recurrence over a fixed-size state, and decay lets that state
#   forget, at a rate that differs per head and per layer.
# - Blocks combine both forms: masked products inside a block, the state across blocks. All
#   forms agree, and the blockwise one runs in time linear in n.
#
# What lightning attention gives up is exact recall: a d × d state cannot hold every earlier
# token the way a KV cache does. The MiniMax-01 team found pure lightning attention weak at
# retrieval, and replaced every eighth layer with softmax attention for that reason [2]. Lesson
# 04 builds that hybrid and tests it on a retrieval task.
#
# ## Sources
#
# 1. Katharopoulos, Vyas, Pappas, Fleuret, *Transformers are RNNs: Fast Autoregressive
#    Transformers with Linear Attention*, ICML 2020, arXiv 2006.16236 (the kernel trick and the
#    causal recurrence): https://arxiv.org/abs/2006.16236
# 2. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv 2501.08313
#    (2025), §2.2 (lightning attention: left product within blocks, right product across them;
#    normalisation instead of softmax; block size 256; limited retrieval of pure lightning
#    attention and the hybrid with softmax every eighth layer): https://arxiv.org/abs/2501.08313
# 3. Qin et al., *Lightning Attention-2: A Free Lunch for Handling Unlimited Sequence Lengths in
#    Large Language Models*, arXiv 2401.04658 (2024) (the intra/inter-block tiling with decay):
#    https://arxiv.org/abs/2401.04658
# 4. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025), §1-2 (the hybrid of lightning and softmax layers; earlier layers
#    decay faster and focus on local information): https://arxiv.org/abs/2506.13585
# 5. MiniMax-M1 repository, `config.json` (80 layers, `attn_type_list`, 64 heads of 128, 8
#    key/value heads) and `modeling_minimax_m1.py` (SiLU on q, k and v; the slope formula and
#    its layer factor; the query, key, in-block and block decays; `BLOCK = 256`; a float32
#    state; RMSNorm and an output gate): https://github.com/MiniMax-AI/MiniMax-M1 . The same
#    computation is in Hugging Face transformers, `models/minimax/modular_minimax.py`
#    (`MiniMaxLightningAttention`).
# 6. Press, Smith, Lewis, *Train Short, Test Long: Attention with Linear Biases Enables Input
#    Length Extrapolation* (ALiBi), ICLR 2022, arXiv 2108.12409 (the geometric ladder of
#    per-head slopes): https://arxiv.org/abs/2108.12409
