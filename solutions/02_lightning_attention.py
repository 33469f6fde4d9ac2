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
# cache. DeepSeek-R1, M1's point of comparison, uses softmax attention (its compressed MLA
# variant) in all of its 61 layers [7], so its cost per generated token keeps growing with the
# context. Much of M1's efficiency claim against R1 starts here (lesson 08 measures it).
#
# By the end of this lesson you can
#
# 1. explain the **kernel trick**: without the softmax, (QKᵀ)V can be computed as Q(KᵀV);
# 2. turn causal linear attention into a **recurrence** over a fixed-size state, and debug one;
# 3. say what **decay** does to that state, and how M1's per-head slopes set what each head
#    remembers;
# 4. derive the **blockwise tiling** that gives lightning attention its name and its speed, and
#    measure that all forms agree and how their cost grows with n.
#
# Numbers in square brackets point to the sources at the end.

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
# cheaper. In M1, φ is SiLU [5]. (M1's code applies SiLU to the whole fused q/k/v projection,
# so the values pass through it too. That shapes v, a separate design choice; the feature map
# is what acts on q and k, the two sides of the similarity.) Here q and k stand for the
# features φ(q) and φ(k) already. Check that both orders agree, and time them:

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
final_size = {}
for slope in [0.0, 0.001, 0.01, 0.1]:
    state, norms = torch.zeros(1, 1, 16, 16), []
    for t in range(steps):
        _, state = lightning_decode_step(
            q1[:, :, t], k1[:, :, t], v1[:, :, t], torch.tensor([slope]), state
        )
        norms.append(state.norm().item())
    final_size[slope] = norms[-1]
    ax.plot(norms, label=f"s = {slope:g} (λ = {math.exp(-slope):.3f})")
ax.set_xlabel("token t")
ax.set_ylabel("state size ‖S_t‖ (Frobenius norm)")
ax.set_title("The state with and without decay")
ax.legend()
plt.show()
print(f"after {steps} tokens: ‖S‖ = {final_size[0.0]:.1f} without decay (√t = {steps**0.5:.1f})")
print(f"                     ‖S‖ = {final_size[0.1]:.1f} with s = 0.1")
assert 0.7 < final_size[0.0] / steps**0.5 < 1.3 and final_size[0.0] > 5 * final_size[0.1]

# %% [markdown]
# Without decay (s = 0) the state keeps growing like a random walk: the outer products of
# independent random tokens add up to a size near √t (each of these has a size of about 1, and
# the cell checks the √t). With decay it levels off, because old tokens fade as fast as new
# ones arrive: the weights 1, λ, λ², … add up to 1/(1 − λ), so the state effectively holds the
# last 1/(1 − λ) or so tokens (about 100 for λ = 0.99).
#
# **Exercise 1: find the bug.** Here is a first attempt at the recurrent form. Its inputs are
# q, k of shape `(batch, heads, seq, head_dim)`, v of shape `(batch, heads, seq, v_dim)` and
# slopes of shape `(heads,)`; it returns the outputs `(batch, heads, seq, v_dim)` and the final
# state. It runs, and its outputs look plausible, but they are not the masked form's. Run it
# and read the comparison it prints.


# %%
def recurrent_attempt(q, k, v, slopes):
    """A first attempt at S_t = λ S_{t−1} + k_tᵀ v_t, o_t = q_t S_t. It has a bug."""
    batch, heads, seq, head_dim = q.shape
    decay = torch.exp(-slopes)[:, None, None]  # λ per head
    state = torch.zeros(batch, heads, head_dim, v.shape[-1], dtype=q.dtype)
    outputs = []
    for t in range(seq):
        outer = k[:, :, t, :, None] * v[:, :, t, None, :]  # k_tᵀ v_t: (batch, heads, d, v_dim)
        state = decay * (state + outer)
        outputs.append((q[:, :, t, None, :] @ state)[:, :, 0, :])  # q_t S_t
    return torch.stack(outputs, dim=2), state


attempt_slopes = lightning_slopes(4, 0, 2).double()
q, k, v = (torch.randn(1, 4, 12, 8, dtype=torch.float64) for _ in range(3))
ratio = recurrent_attempt(q, k, v, attempt_slopes)[0] / lightning_attention_naive(
    q, k, v, attempt_slopes
)
print("attempt / masked form, per head (smallest and largest over every token and feature):")
for head in range(4):
    print(f"  head {head}: {ratio[0, head].min():.6f} … {ratio[0, head].max():.6f}")
print("the heads' slopes:", [round(s, 4) for s in attempt_slopes.tolist()])

# %% [markdown]
# Within each head the ratio is a single number, the same at every token. Work out which number
# it is, and from that what the attempt does wrong. Then write the corrected
# `lightning_recurrent(q, k, v, slopes)`, with the same inputs and outputs. The check compares
# it with the masked form, `lightning_attention_naive`, and its final state with minimoe's.


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
assert torch.allclose(ratio, torch.exp(-attempt_slopes)[None, :, None, None])
print("the attempt's outputs were exactly λ times the right ones, head by head")

# %% [markdown]
# The attempt decays the new token before reading it, so every weight carries one λ too many:
# λ^(t−s+1) where the recurrence gives λ^(t−s). By induction its state is exactly λ·S_t at every
# step, so the bug scales every output of a head by that head's λ. The cell above asserts it.
# A bug of this kind is easy to miss: for slow-decaying heads λ is close to 1, and the outputs
# look almost right.

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
assert spans[0][0] < 1 and 150 < spans[0][1] < 200
assert 50 < spans[78][0] < 70 and 13_000 < spans[78][1] < 15_000

# %% [markdown]
# The first layer's heads span from under one token to about 180 tokens, while the last
# lightning layer's heads span from about 60 to about 14,000 tokens (the cell asserts these
# spans, which follow from the formula alone). Early layers look locally; late layers keep
# nearly everything. The M1 report says the same in words: the earlier layers, with their
# faster decay, focus on local information [4].
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
# blocks, the state ("right") product carries everything earlier. Number the rows and keys of a
# block i, j = 0 … B−1, and let S be the state entering it: everything up to the token just
# before the block. Then the block's outputs and the state it hands on have this shape,
#
#     o_i   = Σ_{j≤i} w_in(i, j) (q_i·k_j) v_j       intra-block: a masked product, B × B
#           + w_read(i) q_i S                        inter-block: what row i reads of the state
#     S_new = w_fade S + Σ_j w_key(j) k_jᵀ v_j       the state carried to the next block
#
# where every weight w is a power of λ. The MiniMax-01 paper writes this tiling without decay
# (every w = 1) [2]; Lightning Attention-2 tiles with decay [3], and M1's code runs it with
# B = 256 [5]. Which powers? The recurrence S_t = λ S_{t−1} + k_tᵀ v_t knows: each token step
# multiplies everything already in the state by λ once.
#
# **Exercise 2: derive, then write one block.** Find the four weights by counting decay steps
# in the recurrence. Then write `lightning_block(q_b, k_b, v_b, slopes, state)`, with B taken
# from `q_b.shape[2]`, the state of shape `(batch, heads, head_dim, v_dim)`, returning
# `(o_b, new_state)`. The in-block weights are the masked form's, so `decay_mask(B, slopes)`
# (shape `(heads, B, B)`) gives w_in. The check tests the parts one at a time (a zero entering
# state, then k = v = 0), so a wrong answer learns which weight is off.


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
# Counting steps gives w_in(i, j) = λ^(i−j), w_read(i) = λ^(i+1) (row i comes i + 1 steps after
# the state's last token), w_fade = λ^B and w_key(j) = λ^(B−1−j) (key j has B − 1 − j steps to
# go to the block's last token). M1's code precomputes exactly these four as its diagonal,
# query, block and key decays [5].
#
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
# The cell asserts differences below 1e-12 in float64 and below 1e-5 in float32; in our run
# they were around 1e-15 and 1e-6, a few roundings of each precision. The forms are the same
# function, computed in different orders.
#
# ## Speed against n
#
# Now measure each form's time and peak memory against n, as in lesson 01, with softmax
# attention for comparison (lesson 01's explicit form and PyTorch's fused kernel). Two heads of
# 64 dimensions, float32, one thread, CPU time; the blockwise form runs on minimoe's fast
# kernels (`lightning_attention_fast`). The quadratic forms stop at 4,096 tokens, where the
# masked form's n × n matrices already take about half a gigabyte. The recurrent form stops at
# 2,048, because its Python loop is slow. In our run the measurements took well under a
# minute.

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
# The next cell asserts time slopes near 1 for the blockwise and recurrent forms, and about 2
# or a little more for the masked form and lesson 01's explicit softmax attention. (PyTorch's
# fused kernel has fixed overheads that flatten its slope at short lengths; in our run it was
# below 2.) As in lesson 01, more than 2 comes from the CPU's caches: the masked form makes
# several passes over n × n matrices (scores, decay mask, product), and once they outgrow the
# caches every element comes from main memory. The count of operations still grows like n²;
# the time per operation grows too.
#
# The masked form's memory grows like n², while the blockwise form needs only its output plus
# a workspace of fixed size (the fast kernels process a bounded run of blocks at a time), so its
# memory grows at most like n. Compare the times at the lengths both forms ran:

# %%
blockwise_run, fused_run = runs["lightning blockwise"], runs["softmax fused SDPA"]
common = sorted(set(blockwise_run.ns) & set(fused_run.ns))  # the lengths both forms ran
advantage = {}
print(f"{'n':>6} {'blockwise ms':>13} {'fused SDPA ms':>14} {'SDPA / blockwise':>17}")
for n in common:
    a = blockwise_run.seconds[blockwise_run.ns.index(n)]
    b = fused_run.seconds[fused_run.ns.index(n)]
    advantage[n] = b / a
    print(f"{n:>6} {a * 1e3:>13.2f} {b * 1e3:>14.2f} {b / a:>17.1f}")

if not is_smoke():
    for name in ["lightning blockwise", "your recurrent"]:
        assert 0.7 <= runs[name].time_exponent <= 1.3, f"{name}: time should grow about like n"
    for name in ["lightning masked", "softmax explicit (lesson 01)"]:
        assert 1.6 <= runs[name].time_exponent <= 3.0, f"{name}: time should grow like n² or more"
    assert 1.9 <= runs["lightning masked"].memory_exponent <= 2.1
    assert blockwise_run.memory_exponent <= 1.1
    assert advantage[common[-1]] > 1.5 * advantage[common[0]], "SDPA should fall behind with n"

# %% [markdown]
# The last column grows with n (the cell asserts that it grows by more than half from the
# shortest to the longest length both ran): the blockwise time doubles with every doubling of n
# while the softmax time about quadruples, so in our run the ratio roughly doubled at each step.
# Real systems run both on GPUs with tuned kernels, which changes the constants but not the
# exponents.
#
# ## The state's memory against the KV cache
#
# Generating with lightning attention needs only the state: heads × d × d numbers per layer,
# whatever the context length. A softmax layer's KV cache grows by 2 × kv_heads × d numbers
# per token (lesson 01). With M1's shapes, 64 heads of 128 dimensions in the lightning layers
# and 8 key/value heads in the softmax layers [5], the two are equal in *count* at
# 64·128·128 / (2·8·128) = 512 tokens per layer. Counted in bytes, with a float32 state (as M1's
# code keeps it [5]) and a bfloat16 cache, they are equal at 1,024 tokens. All of M1's
# lightning states together:

# %%
from minimoe.flops import lightning_state_bytes

n_lightning = m1.layer_types.count("lightning")
states = lightning_state_bytes(n_lightning, m1.num_heads, m1.head_dim, bytes_per_value=4)
print(f"{n_lightning} lightning layers, states (float32), at any length: {states / 1e6:,.0f} MB")
assert round(states / 1e6) == 294

# %% [markdown]
# Lesson 01 computed the other side: at M1's context of a million tokens, its 10 softmax layers
# hold about 41 GB of keys and values in bfloat16. So at a million tokens nearly all of M1's
# cache memory is in those 10 layers; the 70 lightning layers add about 0.3 GB, whatever the
# length.
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
# - The kernel trick, measured: without the softmax, Q(KᵀV) trades an n × n matrix for a
#   d × d one.
# - `lightning_recurrent`: causal linear attention with decay as a loop over a fixed-size state,
#   debugged from a first attempt whose every output was off by one factor of λ.
# - M1's per-head slopes: half-lives from under a token in the first layer to about 14,000
#   tokens in the last lightning layer.
# - `lightning_block`, with its four decays derived from the recurrence: masked products inside
#   a block, the state across blocks. All six forms agree to rounding, and the blockwise one runs
#   in time and memory linear in n.
# - The state's memory: about 0.3 GB for all 70 of M1's lightning layers, at any length, against
#   lesson 01's 41 GB of KV cache in its 10 softmax layers at a million tokens.
#
# What lightning attention gives up is exact recall: a d × d state cannot hold every earlier
# token the way a KV cache does. The MiniMax-01 team found pure lightning attention weak at
# retrieval, and replaced every eighth layer with softmax attention for that reason [2]. Lesson
# 04 builds that hybrid and tests it on a retrieval task.
#
# ## Try it
#
# Which block size is fastest? Each block costs about 4·B·d multiply-adds per token for its
# masked product and 4·d² per token for the state, so large blocks do more work, while small
# blocks run more, smaller matrix products. Time minimoe's plain loop at several block sizes for
# one long input, starting from
#
#     q, k, v = (torch.randn(1, 2, 8192, 64) * 0.5 for _ in range(3))
#     slopes_2 = lightning_slopes(2, 0, 2)
#     for B in [16, 64, 256, 1024]:
#         seconds = time_call(lambda: lightning_attention_blockwise(q, k, v, slopes_2, B), repeats=3)
#         print(f"B = {B:>4}: {seconds * 1e3:.1f} ms")
#
# Where is the optimum, and how far is it from the B where the two per-token costs are equal
# (B = d)? Then do the same with `lightning_attention_fast`, which runs many blocks per matrix
# product, and see whether the optimum moves. M1's code uses B = 256 on GPUs [5].
#
# ## Check your understanding
#
# 1. Why does the kernel trick fail for softmax attention? What exactly ties the rows of
#    softmax(QKᵀ) to every key?
# 2. The first attempt's outputs were exactly λ times the right ones, at every token. Why
#    exactly λ, and why the same factor at every token?
# 3. The blockwise form with B = 1 and with B = n is each one of the earlier forms. Which, and
#    why is neither a good choice?
# 4. A lightning head's state has a fixed size. What does it give up compared with a KV cache,
#    and how does M1 make up for it?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. The softmax divides each row of exp(QKᵀ) by that row's sum over all keys, and exp(q·k) is
#    not a product φ(q)·φ(k) of finite features. So the n × n scores must be formed (at least
#    tile by tile) before they can be normalised, and the product cannot be regrouped as
#    Q(KᵀV). Lightning attention drops the softmax and normalises the output instead.
# 2. The attempt computes S'_t = λ(S'_{t−1} + k_tᵀ v_t). If S'_{t−1} = λ S_{t−1}, then
#    S'_t = λ(λ S_{t−1} + k_tᵀ v_t) = λ S_t, and S'_0 = λ S_0 holds for the zero state, so by
#    induction the attempt's state is λ S_t at every step and its output q_t S'_t is λ o_t.
#    Every weight has one decay step too many: λ^(t−s+1) instead of λ^(t−s).
# 3. With B = 1 each block is a single token: the recurrent form, n tiny sequential steps. With
#    B = n the whole sequence is one block: the masked form, with n² work and memory. Blocks in
#    between do matrix products big enough to keep the hardware busy, with work that grows like
#    n·(B·d + d²).
# 4. Exact recall of any earlier token. A d × d state is a sum of outer products: it can keep
#    only about d keys apart before read-outs mix their values, and decay fades old tokens
#    (even M1's slowest heads have half-lives of some thousands of tokens). A KV cache keeps
#    every key and value. M1 keeps one softmax layer in every eight for that exact recall [2],
#    the hybrid of lesson 04.

# %% [markdown]
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
#    key/value heads) and `modeling_minimax_m1.py` (SiLU on the fused q/k/v projection; the
#    slope formula and its layer factor; the query, key, in-block and block decays;
#    `BLOCK = 256`; a float32 state; RMSNorm and an output gate):
#    https://github.com/MiniMax-AI/MiniMax-M1 . The same
#    computation is in Hugging Face transformers, `models/minimax/modular_minimax.py`
#    (`MiniMaxLightningAttention`).
# 6. Press, Smith, Lewis, *Train Short, Test Long: Attention with Linear Biases Enables Input
#    Length Extrapolation* (ALiBi), ICLR 2022, arXiv 2108.12409 (the geometric ladder of
#    per-head slopes): https://arxiv.org/abs/2108.12409
# 7. DeepSeek-AI, DeepSeek-V3 repository, `inference/configs/config_671B.json` (61 layers, every
#    one with multi-head latent attention: `kv_lora_rank`, `qk_rope_head_dim`), and the
#    DeepSeek-R1 README (R1 is trained from DeepSeek-V3-Base, 128K context):
#    https://github.com/deepseek-ai/DeepSeek-V3 , https://github.com/deepseek-ai/DeepSeek-R1
