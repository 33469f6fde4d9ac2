# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · The hybrid
#
# Lessons 01 to 03 built the parts: softmax attention with its growing KV cache, lightning
# attention with its fixed-size state, and the Mixture of Experts. MiniMax-M1 stacks them in a
# fixed rhythm: seven lightning layers, then one softmax layer, over and over [1, 2]. In this
# lesson you
#
# 1. write that layer schedule, and meet the other details of an M1 layer: partial RoPE,
#    post-norm with DeepNorm scaling (and derive how far one sublayer turns the stream), and
#    the sigmoid output gate;
# 2. build a small hybrid, generate text with its **hybrid cache**, and predict, then measure,
#    where the softmax layers' growing cache overtakes the lightning layers' fixed states;
# 3. run a **retrieval experiment**: train tiny all-lightning, all-softmax and hybrid models on
#    associative recall with equal budgets, and measure where pure linear attention fails.
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
from minimoe.flops import hybrid_cache_bytes
from minimoe.smoke import is_smoke, pick

DEVICE = best_device()  # "cuda" on a GPU runtime such as Colab's, else "cpu" (or "mps")
torch.manual_seed(0)
notebook_start = time.perf_counter()

# %% [markdown]
# ## The 7:1 schedule
#
# The released M1 config lists an attention type per layer: 0 (lightning) seven times, then 1
# (softmax), repeated over all 80 layers. That makes 70 lightning layers and 10 softmax layers,
# the softmax ones at 0-based positions 7, 15, …, 79 [2]. minimoe writes the rhythm as a string
# of letters, `layer_pattern="LLLLLLLS"`, which repeats over `num_layers`.
#
# **Exercise 1.** Write `layer_schedule(pattern, num_layers)`. It returns one entry per layer,
# `"lightning"` for `L` and `"softmax"` for `S`, with the pattern repeated. The number of layers
# need not be a multiple of the pattern's length.


# %%
def layer_schedule(pattern, num_layers):
    """'lightning' or 'softmax' for each layer: the pattern's letters repeated cyclically."""
    ### BEGIN SOLUTION
    kinds = {"L": "lightning", "S": "softmax"}
    return [kinds[pattern[i % len(pattern)]] for i in range(num_layers)]
    ### END SOLUTION


# %%
layer_schedule = check("04.layer_schedule", layer_schedule)

m1 = MiniMoEConfig.preset("minimax-m1")
schedule = layer_schedule(m1.layer_pattern, m1.num_layers)
print("M1's first 16 layers:", " ".join(kind[0].upper() for kind in schedule[:16]), "…")
print(
    f"lightning layers: {schedule.count('lightning')}, softmax layers: {schedule.count('softmax')}"
)
print("softmax layers at:", [i for i, kind in enumerate(schedule) if kind == "softmax"])
assert schedule == m1.layer_types

# %% [markdown]
# Why keep any softmax layers at all? The MiniMax-01 team reports that pure lightning
# attention matched softmax attention on most benchmarks, but fell short on retrieval
# (needle-in-a-haystack). Replacing one layer in eight with softmax attention fixed that [3].
# The experiment at the end of this lesson tests that claim at toy scale.
#
# ## Partial RoPE, in softmax layers only
#
# Lightning layers get their sense of order from the decay λ (lesson 02) and use no position
# embedding. Softmax layers use RoPE, but only on the first half of each head: M1 rotates 64
# of its 128 dimensions [2, 3]. The rotated half lets attention depend on the distance t − s;
# the other half compares content alone. The MiniMax-01 paper credits this half-rotation
# with length extrapolation [3]. Check the first property: shift both positions by the same
# amount, and the rotated half's dot product stays the same.

# %%
from minimoe.attention import apply_rope, rope_cos_sin

head_dim, rotary_dim = 16, 8
q, k = torch.randn(1, 1, 1, head_dim), torch.randn(1, 1, 1, head_dim)


def score(pos_q, pos_k):
    cos, sin = rope_cos_sin(torch.tensor([pos_q, pos_k]), rotary_dim)
    q_rot = apply_rope(q, cos[:1], sin[:1])
    k_rot = apply_rope(k, cos[1:], sin[1:])
    return (q_rot * k_rot).sum().item()


print(f"q at 10, k at 7:   {score(10, 7):+.4f}")
print(f"q at 110, k at 107: {score(110, 107):+.4f}   (same distance)")
print(f"q at 10, k at 2:   {score(10, 2):+.4f}   (other distance)")
assert abs(score(10, 7) - score(110, 107)) < 1e-4

# %% [markdown]
# ## Post-norm with DeepNorm
#
# Most open models normalise *before* each sublayer (pre-norm): x + F(norm(x)). M1 normalises
# *after* it, and scales the residual by a constant α > 1 [2, 3]. With y the normalised stream
# entering a layer:
#
#     y  = RMSNorm(α·y + attention(y))
#     y' = RMSNorm(α·y + MoE(y))
#
# This is DeepNorm, which the MiniMax-01 paper sets to α = (2N)^¼ for N layers. DeepNorm also
# has an initialisation gain β = (8N)^−¼ [3]. The released weights leave the forward-pass β at
# 1: every `layernorm_*_alpha` in M1's config is 3.5566 and every `*_beta` is 1.0 [2]. The
# MiniMax-01 paper reports that post-norm beat pre-norm in its ablation [3]. minimoe's
# `DecoderLayer` implements this (see `minimoe/model.py`), and its config computes α:

# %%
alpha_m1 = MiniMoEConfig(num_layers=80).alpha
print(f"alpha for 80 layers: {alpha_m1:.10f}   (M1's config: 3.5565588200778455)")
assert abs(alpha_m1 - 3.5565588200778455) < 1e-12

# %% [markdown]
# What does α do? After each RMSNorm the stream y has an RMS of 1, whatever happened before. A
# sublayer adds its output F(y) to α·y, and the next norm rescales the sum. So α sets how far one
# sublayer can turn the stream: the larger α, the more of the old direction survives.
#
# **Exercise 2.** Suppose F(y) has an RMS of r and is orthogonal to y (for wide random vectors
# it nearly is). Write `stream_cosine(alpha, sublayer_rms)`: the cosine between y and the
# stream after the sublayer, RMSNorm(α·y + F(y)).


# %%
def stream_cosine(alpha, sublayer_rms):
    """Cosine between y and RMSNorm(alpha * y + F(y)) for F(y) of RMS r orthogonal to y."""
    ### BEGIN SOLUTION
    # RMSNorm only rescales, so this is the angle between y and alpha*y + F(y): a right triangle.
    return alpha / math.sqrt(alpha**2 + sublayer_rms**2)
    ### END SOLUTION


# %%
stream_cosine = check("04.stream_cosine", stream_cosine)

# %% [markdown]
# Now measure it: random streams of M1's width, normalised, and random sublayer outputs of
# several sizes, through minimoe's `RMSNorm`.

# %%
from minimoe.norm import RMSNorm

width = m1.hidden_size
norm = RMSNorm(width)
with torch.no_grad():
    y = norm(torch.randn(256, width))
    print(f"{'RMS of F(y)':>11} {'predicted':>10} {'measured':>9}")
    for r in [0.25, 1.0, 4.0]:
        out = norm(alpha_m1 * y + r * torch.randn(256, width))
        measured = torch.nn.functional.cosine_similarity(y, out, dim=-1).mean().item()
        print(f"{r:>11g} {stream_cosine(alpha_m1, r):>10.4f} {measured:>9.4f}")
        assert abs(measured - stream_cosine(alpha_m1, r)) < 0.01

# %% [markdown]
# Because α = (2N)^¼ grows with the number of layers, each sublayer of a deeper model turns the
# stream less. With α = 1, a sublayer output as large as the stream (r = 1) would turn it by
# 45°, and a stack of such sublayers would soon keep little of its input's direction.

# %%
turn_m1 = math.degrees(math.acos(stream_cosine(alpha_m1, 1.0)))
print(f"M1 (alpha {alpha_m1:.2f}), r = 1: {turn_m1:.1f} degrees per sublayer")
depths = [1, 2, 4, 8, 16, 32, 80, 160, 320, 1000]
angles = [math.degrees(math.acos(stream_cosine((2 * n) ** 0.25, 1.0))) for n in depths]
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(depths, angles, "o-")
ax.axvline(80, color="gray", linestyle="--", label="M1: 80 layers")
ax.set_xscale("log")
ax.set_xlabel("number of layers N (log scale)")
ax.set_ylabel("turn per sublayer (degrees)")
ax.set_title("How far one sublayer turns the stream, α = (2N)^¼, RMS of F = 1")
ax.legend()
plt.show()

# %% [markdown]
# ## The output gate
#
# A lightning layer does not use its attention output as is. It normalises the concatenated
# heads with an RMSNorm, then multiplies them element-wise by a **gate**, sigmoid(W_g·x),
# computed from the layer's input x [2, 4]. The gate lets each position decide how much of
# the attention read-out to let through. M1's softmax layers have no such gate: in the
# released code, whose softmax attention is Mistral's, and in the Hugging Face port, only the
# lightning layers have one [2, 4]. minimoe follows them. (Lesson 03 counted these shapes for
# M1 and got the report's 456B, a check that they are right.) Here are the parameters of one
# lightning layer and one softmax layer of the tiny preset:

# %%
from minimoe.model import MiniMoE

tiny = MiniMoEConfig.preset("tiny")
model = MiniMoE(tiny).to(DEVICE).eval()
for i in (0, 7):
    attention = model.layers[i].self_attn
    shapes = {name: tuple(p.shape) for name, p in attention.named_parameters()}
    print(f"layer {i} ({model.layers[i].layer_type}): {shapes}")

# %% [markdown]
# ## Generating with the hybrid cache
#
# When a model generates, it keeps a cache so that each new token does not recompute the past.
# In the hybrid, the two kinds of layers keep different things (lessons 01 and 02):
#
# - a **lightning** layer keeps its state S, one (head_dim × head_dim) matrix per head. It is
#   updated in place and never grows;
# - a **softmax** layer keeps the keys and values of every token so far, and grows by one row
#   per token.
#
# `minimoe.generation.generate` prefills the prompt in one pass, then samples one token at a
# time and carries a `HybridCache`. The model is untrained, so the tokens are noise, but the
# machinery is real. Check that decoding with the cache gives the same greedy tokens as
# recomputing the whole sequence at every step:

# %%
from minimoe.generation import generate

prompt = torch.randint(0, tiny.vocab_size, (2, 12)).to(DEVICE)
out = generate(model, prompt, max_new_tokens=20, temperature=0.0)
print("generated ids:", out.tokens[0, :12].tolist(), "…")

sequence = prompt
with torch.no_grad():
    for _ in range(20):  # no cache: rerun the whole sequence for every new token
        next_id = model(sequence).logits[:, -1].argmax(dim=-1, keepdim=True)
        sequence = torch.cat([sequence, next_id], dim=1)
assert torch.equal(out.tokens, sequence[:, prompt.shape[1] :])
print("cached and uncached greedy decoding agree")

# %% [markdown]
# ## When does the softmax cache take over?
#
# The lightning states have a fixed size; the softmax caches grow with every token. Somewhere the
# growing part overtakes the fixed one.
#
# **Exercise 3.** Write `cache_crossover_tokens(config, bytes_per_value)`: the shortest
# sequence (one sequence, whole tokens) at which the softmax layers' keys and values hold *more*
# bytes than all the lightning states of `config` together. Keys and values take
# `bytes_per_value` bytes each; the states are kept in float32 (4 bytes) whatever the model's
# precision, as in M1's code [2]. `minimoe.flops.hybrid_cache_bytes(config, seq_len, batch,
# bytes_per_value)` gives the whole cache's size, if you want it.


# %%
def cache_crossover_tokens(config, bytes_per_value=4):
    """Shortest sequence whose softmax KV caches outweigh all the lightning states."""
    ### BEGIN SOLUTION
    states = hybrid_cache_bytes(config, 0, 1, bytes_per_value)  # no tokens: only the states
    per_token = hybrid_cache_bytes(config, 1, 1, bytes_per_value) - states
    return states // per_token + 1
    ### END SOLUTION


# %%
cache_crossover_tokens = check("04.cache_crossover", cache_crossover_tokens)
crossover = cache_crossover_tokens(tiny, 4)
print(f"tiny preset (float32): the softmax cache takes over at {crossover} tokens")

# %% [markdown]
# Now measure the real cache of the tiny model as the sequence grows, split by layer kind,
# including one token before and at your crossover.

# %%
from minimoe.attention import KVCache


def bytes_by_kind(cache):
    """Cache bytes of the lightning layers and of the softmax layers."""
    sizes = {"lightning": 0, "softmax": 0}
    for entry in cache.layers:
        if isinstance(entry, KVCache):
            sizes["softmax"] += sum(t.numel() * t.element_size() for t in (entry.k, entry.v))
        else:
            sizes["lightning"] += entry.numel() * entry.element_size()
    return sizes


lengths = sorted({16, 64, crossover - 1, crossover, 256, 384, 512})
measured = {}
with torch.no_grad():
    for n in lengths:
        cache = model(torch.randint(0, tiny.vocab_size, (1, n))).cache
        measured[n] = bytes_by_kind(cache)
        assert cache.nbytes() == hybrid_cache_bytes(tiny, n)

print(f"{'tokens':>6} {'7 lightning layers':>19} {'1 softmax layer':>16}")
for n, sizes in measured.items():
    print(f"{n:>6} {sizes['lightning']:>17,} B {sizes['softmax']:>14,} B")
before, at = measured[crossover - 1], measured[crossover]
assert before["softmax"] <= before["lightning"] and at["softmax"] > at["lightning"]

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
ax.plot(
    lengths, [m["lightning"] / 1024 for m in measured.values()], "o-", label="7 lightning layers"
)
ax.plot(lengths, [m["softmax"] / 1024 for m in measured.values()], "s-", label="1 softmax layer")
ax.axvline(crossover, color="gray", linestyle="--", label=f"your crossover: {crossover} tokens")
ax.set_xlabel("sequence length (tokens)")
ax.set_ylabel("cache memory (KiB)")
ax.set_title("Hybrid cache of the tiny preset (batch 1, float32)")
ax.legend()
plt.show()

# %% [markdown]
# The lightning line is flat; the softmax line grows linearly and crosses it where you
# predicted. At M1's scale, with bfloat16 keys and values:

# %%
m1_crossover = cache_crossover_tokens(m1, 2)
state_bytes = hybrid_cache_bytes(m1, seq_len=0)  # before any token, only the states exist
print(f"M1's 70 lightning states: {state_bytes / 1e9:.2f} GB, whatever the length")
print(f"M1's 10 softmax layers outgrow them after {m1_crossover:,} tokens")
assert 0.25e9 < state_bytes < 0.35e9

# %% [markdown]
# So beyond a few thousand tokens, a short prompt by M1's standards, most of its cache belongs
# to the 10 softmax layers. Lesson 01 computed what they hold at M1's maximum input of 1M tokens
# [1]: about 41 GB (40.96 GB) in bfloat16, against eight times that if all 80 layers were softmax
# layers. The 70 lightning layers add only the fraction of a gigabyte printed above. What do
# those 10 layers buy? The experiment below measures it.
#
# ## The retrieval experiment: multi-query associative recall
#
# **The task.** A sequence lists N key-value pairs, then asks for some of the keys. At each
# question the model must output that key's value. This is *multi-query associative recall*
# (MQAR), a standard probe of what a sequence model can look up in its context [5]. Keys are
# distinct within a sequence, values are random, and the questions come in random order. So
# nothing but retrieval beats chance, which is 1/8 here.
#
# One simplification: the original MQAR writes a key and its value as two tokens [5]. A model
# then first has to learn to attach each value to the key before it, which takes far more
# training than fits into a CPU lesson. We write each pair as *one* token, whose id encodes
# both. The question stays the one we care about: can the model keep N pairs in memory until
# they are asked for?

# %%
from minimoe.experiments.recall import RecallTask, make_recall_batch

task = RecallTask(num_keys=64, num_values=8, num_queries=16)
sample = make_recall_batch(
    task, num_pairs=5, batch_size=1, generator=torch.Generator().manual_seed(0)
)
K, V = task.num_keys, task.num_values
pairs, questions = sample.input_ids[0, :5], sample.input_ids[0, 5:]
print("pairs:    ", "  ".join(f"[k{int(t) // V}:v{int(t) % V}]" for t in pairs))
print("questions:", "  ".join(f"k{int(t) - K * V}?" for t in questions))
print("answers:  ", "  ".join(f"v{int(a) - K * V - K}" for a in sample.labels[0, 5:]))

# %% [markdown]
# **Why lightning should struggle.** A lightning head stores its whole past in one
# (d_h × d_h) state, the sum of the outer products k_iᵀ v_i (with decay). To read a pair back,
# the query must pick out one k_i. With more pairs than dimensions, N > d_h, the keys can no
# longer be orthogonal, and every read-out mixes in the other pairs' values. A softmax layer
# keeps all N keys and values in its cache and picks the best match with an exponential, which
# is sharp. The MiniMax-01 paper argues the other way round: a lightning layer's state holds
# about d²/h numbers (d the model width, h the heads), against O(d) for softmax attention,
# so lightning should have *more* capacity; they use this to explain why the hybrid retrieves
# better than softmax alone [3]. That count leaves out the softmax layer's KV cache, which
# grows with the sequence as O(N·d) and is re-read in full at every step. For recall from a
# long context the cache is what matters, and our prediction is the opposite: pure lightning
# should fail first.
#
# **The models.** Three 2-layer MiniMoE models that differ only in `layer_pattern`:
# `"LL"` (all lightning), `"SS"` (all softmax) and `"LS"` (the hybrid: lightning, then softmax,
# like the end of each 8-layer block in M1). Two layers, not M1's 7:1 block of eight, because
# eight layers would cost four times as much per training step, more than this lesson's
# budget allows. Every model has width 64, 4 heads of d_h = 8 (so a lightning state is 8 × 8
# = 64 numbers per head), 4 experts (top-2), the same initialisation seed, the same batches
# and the same number of steps. The longest sequences hold N = 64 pairs.

# %%
from minimoe.model import count_parameters
from minimoe.experiments.recall import RecallRun, recall_model_config, run_recall_experiment

patterns = {"LL": "all lightning", "SS": "all softmax", "LS": "hybrid"}
base = recall_model_config(task, "LS")
run = RecallRun(
    steps=pick(700, 4),
    batch_size=pick(32, 4),
    pair_counts=pick((8, 16, 32, 64), (8, 64)),
    eval_sequences=pick(256, 8),
    device=DEVICE,
)
for pattern in patterns:
    total, _ = count_parameters(base.replace(layer_pattern=pattern))
    print(f"{pattern}: {total:,} parameters")
print(f"{run.steps} steps of {run.batch_size} sequences, N cycling through {run.pair_counts}")

# %%
train_start = time.perf_counter()
results = run_recall_experiment(list(patterns), base, task, run)
train_seconds = time.perf_counter() - train_start
accuracy = {r.name: r.accuracy for r in results}

print(f"{'model':<18} {'params':>8} " + " ".join(f"{'N=' + str(n):>7}" for n in run.pair_counts))
for r in results:
    row = " ".join(f"{r.accuracy[n]:7.1%}" for n in run.pair_counts)
    print(f"{r.name} {patterns[r.name]:<15} {r.params:>8,} {row}")
print(f"(chance: {1 / task.num_values:.1%}; training took {train_seconds:.0f} s)")

# %%
fig, (ax_acc, ax_loss) = plt.subplots(1, 2, figsize=(12, 4))
width = 0.8 / len(results)
for i, r in enumerate(results):
    xs = [j + (i - (len(results) - 1) / 2) * width for j in range(len(run.pair_counts))]
    ax_acc.bar(
        xs,
        [100 * r.accuracy[n] for n in run.pair_counts],
        width,
        label=f"{r.name} ({patterns[r.name]})",
    )
    smooth = torch.tensor(r.losses).unfold(0, min(20, len(r.losses)), 1).mean(dim=1)
    ax_loss.plot(smooth, label=f"{r.name} ({patterns[r.name]})")
ax_acc.axhline(100 / task.num_values, color="gray", linestyle="--", label="chance")
ax_acc.set_xticks(range(len(run.pair_counts)), [str(n) for n in run.pair_counts])
ax_acc.set_xlabel("key-value pairs in the sequence (N)")
ax_acc.set_ylabel("recall accuracy (%)")
ax_acc.set_title("Associative recall after equal training")
ax_acc.set_ylim(0, 130)
ax_acc.legend(loc="upper center", ncol=2, fontsize="small")
ax_loss.set_xlabel("training step")
ax_loss.set_ylabel("cross-entropy on the answers (nats)")
ax_loss.set_title("Training loss (moving average)")
ax_loss.legend()
plt.tight_layout()
plt.show()

# %%
longest, fewest = max(run.pair_counts), min(run.pair_counts)
gap = accuracy["LS"][longest] - accuracy["LL"][longest]
final_loss = {r.name: sum(r.losses[-50:]) / len(r.losses[-50:]) for r in results}
print(
    f"at N={longest}: hybrid {accuracy['LS'][longest]:.1%}, all-lightning "
    f"{accuracy['LL'][longest]:.1%}, gap {100 * gap:.1f} points"
)
losses = ", ".join(f"{name} {value:.3f}" for name, value in final_loss.items())
print(f"training loss, mean of the last 50 steps: {losses}")
if not is_smoke():
    assert all(accuracy[p][fewest] > 0.95 for p in patterns), "few pairs: all should recall"
    assert gap > 0.1, "the hybrid should clearly beat pure lightning on the longest sequences"
    assert accuracy["LL"][longest] < accuracy["LL"][fewest] - 0.1
    assert accuracy["SS"][longest] > 0.9 and accuracy["LS"][longest] > 0.85
    assert final_loss["LL"] > 2 * max(final_loss["SS"], final_loss["LS"])

# %% [markdown]
# **Reading the result.** The cell asserts three things, which held for every seed we tried:
#
# - with few pairs, all three models answer almost every question;
# - as N grows past what the 8 × 8 states can keep apart, the all-lightning model loses
#   accuracy, and its training loss levels off well above the other two;
# - one softmax layer is enough to recover: the hybrid stays close to the all-softmax model.
#
# The hybrid's softmax layer comes last and reads the whole context exactly. The lightning
# layer before it costs the same memory whatever the length.
#
# **What this does not show.** These are tiny models, trained for a minute or two on one
# synthetic task with one seed. We have not measured how much longer training would help the
# all-lightning model at large N; the argument above predicts that its fixed-size state limits
# it there. In M1's case, the evidence is the MiniMax-01 paper's needle-in-a-haystack tests: at 1B
# parameters their hybrid scored 95.7, where pure lightning attention had fallen short [3].
# This toy is an illustration, not a replication.

# %%
print(f"notebook ran in {time.perf_counter() - notebook_start:.0f} s")

# %% [markdown]
# ## What you built
#
# - `layer_schedule`: M1's 7:1 rhythm, 70 lightning and 10 softmax layers.
# - Partial RoPE and the sigmoid output gate, as in M1's code, and `stream_cosine`: how far one
#   post-norm sublayer turns the stream, and why DeepNorm's α = (2N)^¼ grows with depth.
# - `cache_crossover_tokens`: where the growing KV caches overtake the fixed lightning states,
#   checked against the tiny model's real cache; for M1, after a few thousand tokens. At 1M
#   tokens the 10 softmax layers hold about 41 GB (lesson 01) against about 0.3 GB of states.
# - A recall experiment, where the all-lightning model falls behind as pairs outnumber its
#   state, and one softmax layer recovers retrieval.
#
# **Key terms:** hybrid model, layer schedule, RoPE, partial RoPE, post-norm, DeepNorm, RMSNorm,
# output gate, hybrid cache, multi-query associative recall.
#
# ## Try it
#
# How big must a lightning state be to recall N pairs? Rerun the experiment for the
# all-lightning model alone with larger heads and watch the accuracy at N = 64. Start from
# `train_recall(recall_model_config(task, "LL", num_heads=2, num_kv_heads=2, head_dim=32), task,
# run, "LL")` (from `minimoe.experiments.recall`; the model's width stays 64), then try
# `num_heads=4, num_kv_heads=4, head_dim=16`. Does the accuracy at large N follow d_h, the
# state's side, or d_h², its size? For a longer look, also vary the task's `num_values` or the
# steps.
#
# ## Check your understanding
#
# 1. Lightning layers use no RoPE. Where does their sense of order come from?
# 2. Why does a post-norm stack need α > 1, and why should α grow with the number of layers?
# 3. Your crossover for M1 is a few thousand tokens. What does that say about where the memory
#    of a 1M-token context goes, and what would replacing the 10 softmax layers by lightning
#    layers save and cost?
# 4. Our recall task writes each key-value pair as one token. What would the two-token version
#    also test, and why would it need more training?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. From the decay λ (lesson 02): the state multiplies the past by λ at every step, so older
#    tokens weigh less, and the layer knows roughly how far back something was.
# 2. After each RMSNorm the stream has a fixed size, so the sublayer's output competes with
#    α·y for its direction. With α = 1, a sublayer output as large as the stream turns it by 45°
#    and the input is soon washed out. A larger α keeps each step small; a deeper model takes
#    more steps, so each must be smaller, and DeepNorm makes α = (2N)^¼.
# 3. Beyond the crossover nearly all of the cache, and at 1M tokens about 41 GB of about
#    41.3 GB, is the softmax layers' keys and values. Replacing them by lightning layers would
#    shrink the cache to a fixed 0.3 GB or so, but would lose what those layers buy: exact
#    retrieval from the whole context, which is what the recall experiment and the MiniMax-01
#    paper's needle-in-a-haystack tests show pure lightning attention lacks.
# 4. That the model can bind each value to the key just before it, a small induction step that
#    needs attention between neighbours, before it can store the pair. A tiny model learns that
#    binding slowly, so the lesson's few hundred steps would mostly go into it.

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025), §1-2 and Table 1 (hybrid architecture, 1M-token input):
#    https://arxiv.org/abs/2506.13585
# 2. MiniMax-M1 repository, `config.json` (`attn_type_list`, `rotary_dim: 64` of `head_dim:
#    128`, `postnorm: true`, `layernorm_*_alpha: 3.5565588200778455`, `*_beta: 1.0`) and
#    `modeling_minimax_m1.py` (decoder layer, lightning attention with output gate, float32
#    state; the softmax attention copied from Mistral's, without a gate):
#    https://github.com/MiniMax-AI/MiniMax-M1
# 3. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv 2501.08313
#    (2025): §2.2.2-2.2.4 (limited retrieval of pure lightning attention, softmax every eighth
#    layer, the capacity argument), §2.3 (post-norm vs pre-norm ablation), §4.2 (DeepNorm
#    α = (2N)^0.25, β = (8N)^-0.25), and the architecture spec search (RoPE on half the
#    dimensions): https://arxiv.org/abs/2501.08313
# 4. Hugging Face transformers, MiniMax port, `src/transformers/models/minimax/
#    modular_minimax.py` (`MiniMaxLightningAttention`: RMSNorm, `output_gate`, sigmoid;
#    `MiniMaxAttention` is Mixtral's attention, without a gate):
#    https://github.com/huggingface/transformers
# 5. S. Arora et al., *Zoology: Measuring and Improving Recall in Efficient Language Models*,
#    arXiv 2312.04927 (2023) (multi-query associative recall): https://arxiv.org/abs/2312.04927
