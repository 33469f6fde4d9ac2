# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Mixture of Experts
#
# MiniMax-M1 has 456B parameters, yet each token runs through only 45.9B of them [1]. The
# trick is the **Mixture of Experts** (MoE): every layer holds 32 feed-forward "experts", and a
# small **router** sends each token to just 2 of them [1, 2]. In this lesson you
#
# 1. write the router (softmax, top-k, renormalise) and check it against minimoe's;
# 2. write the load-balancing loss that keeps the router from overloading a few experts, and
#    derive how uneven a top-k load can get;
# 3. train a small MoE layer with and without that loss and measure how evenly it spreads tokens;
# 4. see what an expert *capacity* does: tokens beyond it are dropped;
# 5. recompute M1's 456B total and 45.9B active parameters from its config.
#
# Numbers in square brackets point to the sources at the end.

# %%
import math

import matplotlib.pyplot as plt
import torch
from tqdm.auto import tqdm

from minimoe.exercises import check
from minimoe.smoke import is_smoke, pick

_ = torch.manual_seed(0)  # a fixed seed: the same numbers on every run

# %% [markdown]
# ## Why experts? Total vs active parameters
#
# A dense transformer layer sends every token through one feed-forward network (FFN). An MoE
# layer keeps E FFNs of the same shape and lets each token use k of them. The layer then stores
# E times the weights but spends only k FFNs' worth of compute per token. Capacity to *store*
# knowledge grows with E; cost per token grows with k.
#
# minimoe's `MoE` module holds the router (`gate`, one linear map to E scores) and E SwiGLU
# experts. Count both kinds of parameters for a small layer:

# %%
from minimoe.moe import MoE, SwiGLUExpert

hidden, expert_hidden, num_experts, top_k = 64, 128, 8, 2
layer = MoE(hidden, expert_hidden, num_experts, top_k)
per_expert = sum(p.numel() for p in layer.experts[0].parameters())
router = layer.gate.weight.numel()
total = sum(p.numel() for p in layer.parameters())
active = router + top_k * per_expert
print(f"one expert      {per_expert:>8,}")
print(f"router          {router:>8,}")
print(f"layer total     {total:>8,}")
print(f"used per token  {active:>8,}  ({active / total:.0%} of the layer)")
assert total == router + num_experts * per_expert

# %% [markdown]
# ## The router: softmax, top-k, renormalise
#
# For a token x the router computes one score per expert, z = x·W_g, and turns them into
# probabilities p = softmax(z). It keeps the k largest, and rescales the kept ones so that they
# sum to 1:
#
# g_i = p_i / Σ_{j ∈ TopK(p)} p_j  for the k chosen experts i.
#
# The layer's output is Σ_i g_i · expert_i(x). M1's released code does exactly this: a softmax
# over 32 experts, `topk(2)`, then division by the sum of the kept weights [2]. The MiniMax-01
# paper writes the same thing as a softmax over the top-k scores, the others set to −∞ [3].
#
# **Exercise 1.** Write `route(router_logits, top_k)`. Input: `(tokens, num_experts)` scores.
# Return three tensors:
# - `weights`: `(tokens, top_k)` the renormalised gates g, best expert first;
# - `expert_idx`: `(tokens, top_k)` which experts were chosen (`torch.topk` order);
# - `probs`: `(tokens, num_experts)` the full softmax p (the balancing loss needs it).
#
# Compute the softmax in float32 (`router_logits.float()`): in a bfloat16 model, tiny
# differences between probabilities decide which expert a token gets.


# %%
def route(router_logits, top_k):
    """Softmax over experts, keep the top-k, renormalise the kept weights to sum to 1."""
    ### BEGIN SOLUTION
    probs = torch.softmax(router_logits.float(), dim=-1)
    top_probs, expert_idx = torch.topk(probs, top_k, dim=-1)
    weights = top_probs / top_probs.sum(dim=-1, keepdim=True)
    return weights, expert_idx, probs
    ### END SOLUTION


# %%
route = check("03.route", route)

logits = torch.tensor([[2.0, 1.0, 0.5, -1.0], [0.0, 0.0, 3.0, 2.9]])
weights, expert_idx, probs = route(logits, top_k=2)
for t in range(2):
    print(
        f"token {t}: probs {probs[t].numpy().round(3)} -> experts {expert_idx[t].tolist()} "
        f"with weights {weights[t].numpy().round(3)}"
    )

# %% [markdown]
# Token 1 is nearly tied between experts 2 and 3, so it gets about half of each. Why
# renormalise at all? Without it the two weights would sum to less than 1 and shrink the
# layer's output by an amount that depends on how confident the router happens to be.
#
# One consequence is worth knowing: with **k = 1** the renormalised weight is always exactly 1,
# so the task loss sends *no* gradient to the router at all; only the balancing loss below
# trains it. The Switch Transformer, which routes top-1, multiplies by the raw probability p_i
# instead, to keep a gradient [4].
#
# ## The experts
#
# Each expert is a SwiGLU feed-forward block, w2(silu(w1·x) ⊙ w3·x), as in M1 [2, 5]. The MoE
# module runs every expert on the tokens routed to it and adds the weighted results. Check it
# by hand for one token, with *your* `route`:

# %%
x = torch.randn(5, hidden)
out, stats = layer(x)

weights, expert_idx, _ = route(layer.gate(x), top_k)
token = 0
by_hand = sum(
    weights[token, j] * layer.experts[int(expert_idx[token, j])](x[token]) for j in range(top_k)
)
print("experts used by token 0:", expert_idx[token].tolist())
print("largest difference, MoE vs by hand:", (out[token] - by_hand).abs().max().item())
assert torch.allclose(out[token], by_hand, atol=1e-5)
assert isinstance(layer.experts[0], SwiGLUExpert)

# %% [markdown]
# ## The load-balancing loss
#
# Nothing in the task loss asks the router to share the work. An expert that happens to be a
# little better early on gets more tokens, so it trains more and gets better still. Experts
# that receive no tokens never improve. The usual remedy, from GShard and the Switch
# Transformer [4, 6], is an auxiliary loss. For T tokens and E experts:
#
# - f_i = (number of the T·k (token, choice) assignments that went to expert i) / T. This is
#   each expert's routed share. Counted this way the f_i sum to k.
# - P_i = (1/T) Σ_t p_ti, the mean router probability of expert i.
# - L_aux = E · Σ_i f_i · P_i.
#
# f_i is a count, so it has no gradient. The gradient flows through P_i, and it is largest for
# the experts with the largest f_i. Minimising L_aux therefore moves probability away from
# overloaded experts. A perfectly even router scores exactly k. M1's released code computes
# this Switch/Mixtral form [2], and the MiniMax-01 paper describes the same f·m product [3].
#
# **Exercise 2.** Write `load_balancing_loss(probs, expert_idx, num_experts)`. It must return
# a scalar tensor that stays differentiable with respect to `probs`: use torch operations
# only, with no `.item()` and no `.detach()`. `torch.bincount(..., minlength=num_experts)`
# counts assignments.


# %%
def load_balancing_loss(probs, expert_idx, num_experts):
    """Switch/GShard auxiliary loss E · Σ_i f_i · P_i."""
    ### BEGIN SOLUTION
    num_tokens = probs.shape[0]
    counts = torch.bincount(expert_idx.reshape(-1), minlength=num_experts).to(probs.dtype)
    routed_share = counts / num_tokens
    mean_prob = probs.mean(dim=0)
    return num_experts * torch.sum(routed_share * mean_prob)
    ### END SOLUTION


# %%
load_balancing_loss = check("03.load_balancing_loss", load_balancing_loss)

# %% [markdown]
# How big is the loss for an even router, a random one, and one that sends every token to the
# same two experts?

# %%
tokens, E, k = 1024, 8, 2
cases = {
    "even (uniform p)": torch.zeros(tokens, E),
    "random, skewed": torch.randn(tokens, E) + torch.linspace(1.5, -1.5, E),
    "collapsed onto 2": torch.tensor([6.0, 6.0] + [0.0] * (E - 2)).repeat(tokens, 1),
}
routed, aux = {}, {}
print(f"{'router':<18} {'L_aux':>6}")
for name, router_logits in cases.items():
    _, idx, p = route(router_logits, k)
    if name.startswith("even"):  # ties: spread the choices evenly by hand
        idx = torch.arange(tokens * k).reshape(tokens, k) % E
    routed[name] = idx
    aux[name] = load_balancing_loss(p, idx, E).item()
    print(f"{name:<18} {aux[name]:6.2f}")

assert abs(aux["even (uniform p)"] - k) < 1e-6
assert k < aux["random, skewed"] < aux["collapsed onto 2"]
assert E - 0.1 < aux["collapsed onto 2"] <= E

# %% [markdown]
# The even router scores exactly k = 2. The skewed one scores more: its first experts get both
# more tokens and more probability. The collapsed one comes close to E = 8, the most a top-2
# router can score: two experts take every assignment, and almost all of the probability.
#
# ## How uneven can the load get?
#
# To measure how evenly a router spreads its tokens, we use the **coefficient of variation**
# (CV) of the experts' shares of all assignments: their standard deviation divided by their
# mean. It is 0 for a perfectly even load. How large can it get?
#
# **Exercise 3.** Write `max_load_cv(num_experts, top_k)`: the largest CV that top-k routing
# allows. Keep in mind that a token picks k *different* experts.


# %%
def max_load_cv(num_experts, top_k):
    """The largest coefficient of variation of the experts' shares under top-k routing."""
    ### BEGIN SOLUTION
    # No expert gets more than 1/k of the assignments: the worst load is 1/k on k experts.
    return math.sqrt(num_experts / top_k - 1)
    ### END SOLUTION


# %%
max_load_cv = check("03.max_load_cv", max_load_cv)

# %% [markdown]
# Now measure the CV of the three routers above with `minimoe.moe.load_cv`.
# The collapsed one should reach your bound:

# %%
from minimoe.moe import load_cv

cvs = {name: load_cv(torch.bincount(idx.reshape(-1), minlength=E)) for name, idx in routed.items()}
for name, cv in cvs.items():
    print(f"{name:<18} CV {cv:5.2f}")
print(f"{'largest possible':<18} CV {max_load_cv(E, k):5.2f}   (E = {E}, k = {k})")
assert abs(cvs["collapsed onto 2"] - max_load_cv(E, k)) < 1e-9 and cvs["even (uniform p)"] == 0

# %% [markdown]
# ## Does the loss balance the experts? A measurement
#
# `train_moe_layer` (in `minimoe.experiments.moe_load`) trains one MoE layer with 16 experts
# (top-2) on a small synthetic task. Every token comes from one of 16 clusters, and the target
# is the token times its cluster's own random matrix, so experts have a reason to specialise. We
# train twice with the same seed, the same data and the same initial weights. The only
# difference is the weight of the balancing loss: 0, or 0.1. With E = 16 and k = 2 the CV can
# be at most √7 ≈ 2.65.
#
# **Which weight?** MiniMax-Text-01 was pretrained with an auxiliary-loss coefficient of 0.01
# [3]. For M1's continued pretraining the M1 report says only that the coefficient was
# decreased, without a number [1]; the released config lists `router_aux_loss_coef: 0.001`
# [2], which may or may not be the value used in training. Two things make such numbers hard to
# carry over:
#
# - **The formulas differ.** The MiniMax-01 paper writes the loss with a factor 1/E in front of
#   Σ f_i·m_i [3], where the released code (and ours) multiplies by E [2]. Read literally, with
#   f_i and m_i meaning the same in both, the same coefficient then weighs the loss E² times
#   differently: 1,024 times at M1's E = 32. And in the paper's form a balanced router scores
#   k/E² rather than k, so the coefficient it needs changes with E. A coefficient means
#   something only together with its formula and its E.
# - **The task loss differs.** The right weight depends on how large the task loss is, and our
#   regression loss is much smaller than a language model's cross-entropy. We use 0.1.

# %%
from minimoe.experiments.moe_load import plot_expert_load, train_moe_layer

steps = pick(300, 20)
runs = {}
for aux_weight in tqdm([0.0, 0.1], desc="training"):
    runs[aux_weight] = train_moe_layer(top_k=2, aux_weight=aux_weight, steps=steps, seed=0)

print(f"{'aux weight':>10} {'CV':>5} {'busiest':>8} {'idlest':>7} {'final MSE':>9}")
for w, run in runs.items():
    mse = sum(run.task_loss[-20:]) / len(run.task_loss[-20:])
    print(
        f"{w:>10g} {run.cv:5.2f} {max(run.token_share):8.1%} {min(run.token_share):7.1%} {mse:9.4f}"
    )

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 3.5))
for ax, run in zip(axes[:2], runs.values()):
    plot_expert_load(run, ax=ax)
for w, run in runs.items():
    axes[2].plot(run.cv_history, label=f"aux weight {w:g}")
axes[2].set_xlabel("training step")
axes[2].set_ylabel("CV of the batch's expert load")
axes[2].set_title("Load imbalance during training")
axes[2].legend()
plt.tight_layout()
plt.show()

fair = 1 / len(runs[0.0].token_share)
if not is_smoke():
    assert runs[0.1].cv < 0.5 * runs[0.0].cv, "the balancing loss should even out the load"
    assert max(runs[0.0].token_share) >= 2 * fair, "without it, some expert takes 2x its share"
    assert min(runs[0.0].token_share) < 0.25 * fair, "without it, some expert is nearly idle"
    assert min(runs[0.1].token_share) > 0.25 * fair, "with it, no expert is left idle"

# %% [markdown]
# The cell checks what held for every seed we tried. Without the balancing loss, the busiest
# expert takes at least twice its fair share (the dashed line), and some expert gets almost
# nothing: it holds parameters that do almost no work. With the loss, the CV falls to less than
# half, and no expert is left idle. How close every bar comes to 1/E, and whether the task loss
# ends a little better or a little worse, vary from seed to seed: read them in your run (and see
# "Try it" below).
#
# ## Capacity and token dropping
#
# Real MoE training spreads experts over many devices, and each device processes a fixed-size
# buffer per expert. GShard and Switch give each expert a **capacity** of
# C = ⌈capacity_factor · T · k / E⌉ assignments per batch. Assignments beyond C are *dropped*:
# the expert skips them, and the token passes through the residual connection unchanged
# [4, 6]. MiniMax-01 trained with such a token-drop strategy. Its paper gives no capacity
# factor, and it adds a global router to reduce drops [3]. M1's released inference code is
# dropless [2].
#
# minimoe's `MoE` takes a `capacity_factor`. First choices are served before second choices,
# as in GShard. Here are the drops for several factors, on 4096 new tokens, for the two layers
# we just trained:


# %%
def with_capacity(layer, factor):
    """A copy of a trained MoE layer that drops assignments beyond its capacity."""
    hidden, expert_hidden = layer.gate.in_features, layer.experts[0].w1.out_features
    capped = MoE(hidden, expert_hidden, layer.num_experts, layer.top_k, capacity_factor=factor)
    capped.load_state_dict(layer.state_dict())
    return capped


x_eval, _ = runs[0.0].task.sample(4096, torch.Generator().manual_seed(1))
print(f"{'capacity factor':>15} {'C':>6} {'dropped, no aux':>16} {'dropped, aux 0.1':>17}")
for factor in [0.5, 0.75, 1.0, 1.25, 1.5, 2.0]:
    row = []
    for run in runs.values():
        with torch.no_grad():
            _, stats = with_capacity(run.layer, factor)(x_eval)
        row.append(stats.dropped / (x_eval.shape[0] * run.top_k))
    print(f"{factor:>15g} {stats.capacity:>6} {row[0]:>16.1%} {row[1]:>17.1%}")
    if factor == 1.25:
        dropped_at_125 = row

if not is_smoke():
    assert dropped_at_125[1] < dropped_at_125[0]

# %% [markdown]
# A factor below 1 always drops tokens, since the experts together cannot hold every
# assignment. At 1.0 a perfectly even router would drop nothing, but any imbalance now costs
# tokens. A balanced router therefore lets you choose a smaller buffer (less memory, less
# padding) without losing tokens. That is the practical reason to balance.
#
# ## Explore: top-k and the balancing weight
#
# Move the sliders to retrain the layer (a few seconds each): try top-1 with weight 0, where
# nothing trains the router (only the balancing loss could), and weights from 0.001 up to 1. The title of each
# plot shows the CV and the share of assignments that a capacity factor of 1.25 would drop.
# The cell also draws one setting directly, so you see a result even without a live kernel.

# %%
from IPython.display import display

from minimoe.widgets.moe import moe_load_explorer

explorer = moe_load_explorer(steps=pick(150, 10))
display(explorer)
plot_expert_load(train_moe_layer(top_k=1, aux_weight=0.0, steps=pick(150, 10)))
plt.show()

# %% [markdown]
# ## MiniMax-M1: 456B total, 45.9B active
#
# minimoe's config preset `"minimax-m1"` copies the shapes of M1's released `config.json` [2]:
# 80 layers (70 lightning attention and 10 softmax attention), a 6144-wide residual stream, 64
# heads of 128 dims, 8 key/value heads in the softmax layers, 32 experts of width 9216 with
# top-2 routing, and a 200,064-token vocabulary with separate input and output embeddings.
# `count_parameters` counts analytically, so it works for shapes far too big to build:

# %%
from minimoe.config import MiniMoEConfig
from minimoe.model import count_parameters

m1 = MiniMoEConfig.preset("minimax-m1")
m1_total, m1_active = count_parameters(m1)
print(f"total  {m1_total / 1e9:6.1f}B")
print(f"active {m1_active / 1e9:6.2f}B")
assert abs(m1_total / 1e9 - 456) < 1 and abs(m1_active / 1e9 - 45.9) < 0.1

# %% [markdown]
# Where do they sit? Build the breakdown from the config yourself. A lightning layer has a
# fused q/k/v projection, an output gate, an output projection and an RMSNorm over all heads.
# A softmax layer has q and o projections at full width, and k and v projections for only 8
# key/value heads (grouped-query attention).

# %%
d, w = m1.hidden_size, m1.attention_width
kv_w = m1.num_kv_heads * m1.head_dim
n_lightning, n_softmax = m1.layer_types.count("lightning"), m1.layer_types.count("softmax")
expert = 3 * d * m1.expert_hidden
parts = {
    "embeddings + LM head": 2 * m1.vocab_size * d,
    "lightning attention": n_lightning * (5 * d * w + w),
    "softmax attention": n_softmax * (2 * d * w + 2 * d * kv_w),
    "experts": m1.num_layers * m1.num_experts * expert,
    "routers": m1.num_layers * d * m1.num_experts,
    "RMSNorms": (2 * m1.num_layers + 1) * d,
}
active_parts = dict(
    parts, **{"embeddings + LM head": 0, "experts": m1.num_layers * m1.top_k * expert}
)
print(f"{'part':<22} {'total':>9} {'active':>9}")
for name in parts:
    print(f"{name:<22} {parts[name] / 1e9:8.2f}B {active_parts[name] / 1e9:8.2f}B")
print(f"{'sum':<22} {sum(parts.values()) / 1e9:8.2f}B {sum(active_parts.values()) / 1e9:8.2f}B")
assert sum(parts.values()) == m1_total and sum(active_parts.values()) == m1_active

# %% [markdown]
# About 95% of M1's weights are experts, and a token uses 2 of the 32 in each layer. The active
# count here leaves out the embedding table and the LM head, about 2.46B weights, and then
# matches MiniMax's 45.9B [1]; with them, a token would touch about 48.4B. The report does not
# say what its count includes: that it leaves these two out is our inference from this
# arithmetic, the same gap that lesson 00's warm-up found.

# %%
fig, ax = plt.subplots(figsize=(7, 3))
names = list(parts)
ax.barh(names, [parts[n] / 1e9 for n in names], color="lightgray", label="total")
ax.barh(names, [active_parts[n] / 1e9 for n in names], color="tab:blue", label="active per token")
ax.set_xscale("log")
ax.set_xlabel("parameters (billions, log scale)")
ax.set_title("MiniMax-M1 parameters by part")
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# ## What you built
#
# - `route`: softmax, top-k, renormalise, as in M1's code.
# - `load_balancing_loss`: E · Σ f_i · P_i, whose gradient pushes probability away from busy
#   experts.
# - `max_load_cv`: the largest imbalance top-k routing allows, √(E/k − 1), reached by a router
#   that collapses onto k experts. You measured the CV of a trained layer's load with and without
#   the balancing loss against it.
# - Capacity: how many assignments are dropped at each capacity factor, and why balance lets
#   the buffer shrink.
# - M1's 456B / 45.9B, recomputed part by part.
#
# Lesson 04 puts the MoE layer after lightning and softmax attention and builds the whole hybrid.
#
# ## Try it
#
# Is balance free? Train the two layers of the measurement above for several seeds and compare
# their final task loss and CV. Start from
# `[train_moe_layer(top_k=2, aux_weight=w, steps=300, seed=s) for s in range(5)]` for
# w = 0 and w = 0.1, and average `sum(run.task_loss[-20:]) / 20` over the seeds. Then look for
# the weight where the CV stops improving but the task loss starts to suffer.
#
# ## Check your understanding
#
# 1. With top-1 routing and renormalised weights, why does the task loss send no gradient to
#    the router?
# 2. f_i is a count and has no gradient. How does L_aux still change the router, and in which
#    direction?
# 3. The MiniMax-01 paper's coefficient is 0.01 with a factor 1/E; a codebase uses 0.001 with a
#    factor E, and E = 32. Which pushes harder towards balance, if f_i and m_i mean the same in
#    both?
# 4. Why can a capacity factor of 1.0 drop tokens even for a router that is balanced on average?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. With k = 1 the renormalised weight is p_i / p_i = 1 whatever the router's scores, so the
#    layer's output does not depend on the probabilities at all; only the choice of expert does,
#    and a choice (an argmax) has no gradient. Only the balancing loss trains such a router,
#    which is why Switch multiplies by the raw p_i instead.
# 2. Through P_i, the mean probability. The gradient of E · Σ f_i P_i with respect to P_i is
#    E · f_i, largest for the busiest experts, so gradient descent lowers the probability of
#    busy experts most and the next batch routes fewer tokens to them.
# 3. The code's. The paper's term is 0.01 · (1/32) · Σ f·m and the code's 0.001 · 32 · Σ f·m: the
#    code's weight is 0.032 against the paper's 0.0003125, about 100 times larger. Whether
#    MiniMax trained with either form at these values the sources do not say.
# 4. Capacity is set per batch: C = ⌈factor · T · k / E⌉. A router that is balanced over many
#    batches still sends more than T·k/E assignments to some expert in any one batch, by chance
#    or because a batch holds many similar tokens, and every assignment above C is dropped.

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025), §1-2 (456B total, 45.9B activated, 32 experts; continued
#    pretraining: "We decrease the coefficient of the MoE auxiliary loss", no value given):
#    https://arxiv.org/abs/2506.13585
# 2. MiniMax-M1 repository: `config.json` (shapes, `num_local_experts: 32`,
#    `num_experts_per_tok: 2`, `router_aux_loss_coef: 0.001`) and `modeling_minimax_m1.py`
#    (softmax, top-k and renormalisation in the sparse MoE block; SwiGLU experts;
#    `load_balancing_loss_func`, which multiplies Σ f·P by the number of experts; dropless
#    inference): https://github.com/MiniMax-AI/MiniMax-M1
# 3. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv 2501.08313
#    (2025), §2.1 (TopK routing, the auxiliary loss α_aux · (1/E) Σ f_i · m_i, token drop with
#    a capacity limit, the global router) and §4.2 (auxiliary loss coefficient 0.01 in
#    MiniMax-Text-01's pretraining): https://arxiv.org/abs/2501.08313
# 4. W. Fedus, B. Zoph, N. Shazeer, *Switch Transformers*, arXiv 2101.03961 (2021), §2.1-2.2
#    (top-1 routing, capacity factor, the differentiable load-balancing loss):
#    https://arxiv.org/abs/2101.03961
# 5. N. Shazeer, *GLU Variants Improve Transformer*, arXiv 2002.05202 (2020) (SwiGLU):
#    https://arxiv.org/abs/2002.05202
# 6. D. Lepikhin et al., *GShard*, arXiv 2006.16668 (2020), §2.2 (expert capacity, auxiliary
#    loss, top-2 gating): https://arxiv.org/abs/2006.16668
