# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Orientation: MiniMax-M1, DeepSeek-R1, and how this course works
#
# In this course you build a small copy of **MiniMax-M1**, an open-weight reasoning model, and
# use it to test the claims its authors made. In this first lesson you
#
# 1. read the M1 and DeepSeek-R1 story in brief, and see what the course builds;
# 2. learn how lessons, exercises, hints and solutions work;
# 3. check your environment and measure your machine's speed;
# 4. work out how much of M1 and of R1 one token actually uses, and why the two reports'
#    "active parameters" are not counted the same way.
#
# Numbers in square brackets, like [1], point to the sources at the end of the lesson.

# %% [markdown]
# ## The story in brief
#
# - **January 2025.** DeepSeek released **DeepSeek-R1**, a reasoning model trained with
#   reinforcement learning (RL) on top of DeepSeek-V3, under the MIT license [1]. It has
#   671B parameters, of which 37B are active for each token, and a 128K-token context [1, 2].
# - **June 2025.** MiniMax released **MiniMax-M1** under Apache-2.0, with a technical report
#   (arXiv 2506.13585) [3, 4]. The report describes:
#   - a *hybrid* Mixture-of-Experts with 456B parameters in total and 45.9B active per token;
#   - **lightning attention**, a linear attention, in most layers, with one ordinary softmax
#     attention layer after every seven lightning layers [3, 5];
#   - a native context of 1 million tokens, which the report calls 8× DeepSeek-R1's [3];
#   - a new RL algorithm, **CISPO**, which clips importance-sampling weights instead of token
#     updates [3];
#   - less than 50% of R1's FLOPs at a generation length of 64K tokens, and about 25% at 100K [3];
#   - a full RL run on 512 H800 GPUs in three weeks, at a rental cost of $534,700 [3].
# - **Around both releases** ran arguments about what "open" means (licenses, patent grants)
#   and about trust: US export controls on AI chips, and *allegations*, for example in a
#   US House select committee report of April 2025, that DeepSeek distilled rival models'
#   outputs [6]. In February 2026 Anthropic alleged that several Chinese labs, MiniMax among
#   them, ran large-scale distillation through its API; this was reported in the press and we
#   found no independent verification [6]. Lessons 10-12 look at the evidence and the licenses.
#
# These are the authors' own claims. This course rebuilds the ideas at laptop scale so you can
# *measure* them yourself, and says plainly where a small model cannot settle a question.

# %% [markdown]
# ## What the course covers
#
# | # | lesson | you build or measure |
# |---|---|---|
# | 00 | Orientation | this notebook |
# | 01 | Attention and its cost | causal softmax attention, the KV cache, O(n²) measured |
# | 02 | Lightning attention | linear attention with decay, recurrent and blockwise forms |
# | 03 | Mixture of Experts | router, experts, load balancing, total vs active parameters |
# | 04 | The hybrid | the 7:1 schedule, a hybrid cache, a recall experiment |
# | 05 | Tasks and a warm start | tokenizer, verifiable tasks, a safe verifier, SFT |
# | 06 | Policy gradients to GRPO | REINFORCE, group advantages, PPO clipping |
# | 07 | CISPO | the fork-token argument measured, CISPO vs GRPO and DAPO |
# | 08-14 | efficiency, long context, distillation, licenses, geopolitics, scaling out, capstone | |
#
# Each lesson imports from the `minimoe` library what earlier lessons built, so you can also
# use every piece outside the notebooks.

# %% [markdown]
# ## How exercises work
#
# Each exercise is a function with a `# YOUR CODE HERE` line for you to replace. The cell after
# it calls `check(...)`, which tests your function against minimoe's own implementation:
#
# - **not attempted yet**: the check says so and hands back minimoe's implementation, so the
#   rest of the lesson still runs;
# - **not yet right**: the check stops with an `AssertionError`, says what is wrong and gives a
#   hint. Hints come in tiers: the first is a nudge in the right direction, and each further
#   wrong answer gets a more specific one;
# - **correct**: the check confirms it, and the lesson goes on with *your* function.
#
# If you are stuck after the last hint, `show_solution("NN.name")` (from `minimoe.exercises`)
# prints the full answer. The `solutions/` folder holds the same notebooks with the answers filled
# in, including the answers to each lesson's closing questions.
#
# Long steps run at their real settings by default. Setting the environment variable
# `MINIMOE_SMOKE=1` shrinks them to a few seconds (the course's tests use it).

# %% [markdown]
# ## Check your environment
#
# When something goes wrong, this table is the first thing to share. The same table is printed
# by `minimoe doctor` in a terminal.

# %%
from minimoe.env import environment_info, matmul_gflops

for name, value in environment_info().items():
    print(f"{name:<14} {value}")

# %% [markdown]
# How fast is this machine? A 512×512 matrix multiply takes 2·512³ floating-point operations.
# Later lessons compare attention kernels with this rate, measured here, now.

# %%
gflops = matmul_gflops()
print(f"fp32 matmul: {gflops:.1f} GFLOP/s")
assert gflops > 0.1, "the machine measured implausibly slow: is something else hogging the CPU?"

# %% [markdown]
# ## Warm-up: how much of M1 does one token use?
#
# A Mixture-of-Experts layer holds many feed-forward "experts", but a router sends each token
# to only a few of them. M1's released config has 80 layers, hidden size 6144, 32 experts per
# layer of which each token uses 2, and experts of intermediate size 9216 [4]. Each expert is a
# SwiGLU block, `w2(silu(w1·x) * (w3·x))`, made of three matrices of 6144 × 9216 weights [4];
# `minimoe.flops.expert_parameters` counts them:

# %%
from minimoe.flops import expert_parameters

m1_expert = expert_parameters(6144, 9216)
print(f"one M1 expert: {m1_expert / 1e6:.1f}M weights")

# %% [markdown]
# **Exercise 1.** Given the model's total parameter count, the size of one expert, the number of
# experts per layer, how many of them a token uses (top-k) and the number of layers, return the
# fraction of all parameters that one token actually uses. Think first about which parameters
# a token can skip.


# %%
def active_fraction(total_params, expert_params, num_experts, top_k, num_layers):
    """Share of the model's parameters that one token uses."""
    ### BEGIN SOLUTION
    idle = num_layers * (num_experts - top_k) * expert_params
    return (total_params - idle) / total_params
    ### END SOLUTION


# %%
from minimoe.exercises import check

active_fraction = check("00.active_fraction", active_fraction)

# %% [markdown]
# Now use your function on M1. The report gives 456B parameters in total [3].

# %%
m1_total = 456e9
fraction = active_fraction(m1_total, m1_expert, num_experts=32, top_k=2, num_layers=80)
m1_active = fraction * m1_total
print(f"active per token: {m1_active / 1e9:.1f}B of {m1_total / 1e9:.0f}B = {fraction:.1%}")
assert 48e9 < m1_active < 49e9

# %% [markdown]
# That is about 48.3B, not the 45.9B the report quotes [3]. The gap is about the size of the
# token embedding and the output head, 2 × 200,064 × 6,144 ≈ 2.5B weights [4]. The report does
# not say what its count includes; that it leaves these two out is our inference from this
# arithmetic. Lesson 03 recomputes both numbers part by part from the config.
#
# ## The same question for DeepSeek-R1
#
# R1 has DeepSeek-V3's architecture [1], and it is built differently from M1 [2]:
#
# - its first 3 of 61 layers are **dense**: one ordinary feed-forward block of width 18,432,
#   no experts;
# - every other layer has 256 small **routed** experts (width 2,048), of which a token uses 8,
#   plus one **shared** expert of the same width that every token uses;
# - its attention is multi-head latent attention (MLA), whose weights every token uses, like
#   M1's attention.
#
# Here are those fields as DeepSeek's `config_671B.json` names them [2], and M1's written the
# same way [4] (M1 has no dense layers and no shared expert, hence its zeros):

# %%
from minimoe.exercises.lesson00 import MOE_CONFIGS

r1_config, m1_config = MOE_CONFIGS["DeepSeek-R1"], MOE_CONFIGS["MiniMax-M1"]
print(f"{'field':<20} {'DeepSeek-R1':>12} {'MiniMax-M1':>11}")
for field in r1_config:
    print(f"{field:<20} {r1_config[field]:>12,} {m1_config[field]:>11,}")

# %% [markdown]
# **Exercise 2.** Write `idle_parameters(config)`: how many of the model's parameters one token
# leaves unused, from the fields above. It must work for both models. Ask of each part (dense
# layers, routed experts, the shared expert, attention) whether a token could skip it.


# %%
def idle_parameters(config):
    """Parameters that one token does not use, in a model described by DeepSeek-style fields."""
    ### BEGIN SOLUTION
    moe_layers = config["n_layers"] - config["n_dense_layers"]
    skipped = config["n_routed_experts"] - config["n_activated_experts"]
    return moe_layers * skipped * expert_parameters(config["dim"], config["moe_inter_dim"])
    ### END SOLUTION


# %%
idle_parameters = check("00.idle_parameters", idle_parameters)

# %% [markdown]
# Everything a token does not skip is active, so subtracting the idle experts from R1's 671B
# [2] gives its active count. For M1 your function must agree with exercise 1.

# %%
r1_total = 671e9
r1_active = r1_total - idle_parameters(r1_config)
m1_check = m1_total - idle_parameters(m1_config)
print(f"DeepSeek-R1: {r1_active / 1e9:.1f}B of {r1_total / 1e9:.0f}B = {r1_active / r1_total:.1%}")
print(f"MiniMax-M1:  {m1_check / 1e9:.1f}B (exercise 1 gave {m1_active / 1e9:.1f}B)")
assert 37e9 < r1_active < 38e9
assert abs(m1_check - m1_active) < 1e3

# %% [markdown]
# This sum counts everything a token touches, the embedding and the output head included. So
# does DeepSeek's own "37B activated" [1, 2]: its weight documentation gives 36.7B "including
# 0.9B for Embedding and 0.9B for the output Head" [2]. (Our sum comes out a little higher; we
# have not found which weights DeepSeek's count leaves out.) MiniMax's 45.9B, we inferred above,
# leaves those two out. To compare the models, count both the same way. R1's vocabulary has
# 129,280 tokens and its embedding and output head are separate matrices [2]:

# %%
embedding_and_head = {"MiniMax-M1": 2 * 200_064 * 6144, "DeepSeek-R1": 2 * 129_280 * 7168}
active = {"MiniMax-M1": m1_active, "DeepSeek-R1": r1_active}
print(f"{'active per token':<16} {'with embeddings':>16} {'without':>9}")
for name, count in active.items():
    without = count - embedding_and_head[name]
    print(f"{name:<16} {count / 1e9:>15.1f}B {without / 1e9:>8.1f}B")
assert abs(m1_active - embedding_and_head["MiniMax-M1"] - 45.9e9) < 0.1e9

# %% [markdown]
# Either way each model uses a small slice of itself per token, and M1 uses more weights per
# token than R1:

# %%
import matplotlib.pyplot as plt

models = {"MiniMax-M1": (m1_total, m1_active), "DeepSeek-R1": (r1_total, r1_active)}
fig, ax = plt.subplots(figsize=(8, 3))
for row, (total, active) in enumerate(models.values()):
    ax.barh(row, total / 1e9, color="lightgray", label="total" if row == 0 else None)
    ax.barh(row, active / 1e9, color="tab:blue", label="active per token" if row == 0 else None)
    ax.text(total / 1e9, row, f" {active / total:.1%} active", va="center")
ax.set_yticks(range(len(models)), list(models))
ax.set_xlabel("parameters (billions, embeddings and output head included)")
ax.set_title("Total vs active parameters")
ax.set_xlim(0, 820)
ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5))
plt.tight_layout()
plt.show()

# %% [markdown]
# ## What you built
#
# - An environment table and a measured matmul rate, to compare later measurements with.
# - `active_fraction`: the share of M1 that one token uses, from its config.
# - `idle_parameters`: the same question for a model with dense layers and a shared expert,
#   which gave R1's active count from its config, and the two reports' conventions side by side.
#
# ## Try it
#
# DeepSeek splits its experts finely: 256 experts of width 2,048 where M1 has 32 of width 9,216.
# What happens to M1's total and active counts if you cut each of its experts into four of a
# quarter of the width (128 experts, top-8)? Start from
# `active_fraction(m1_total, expert_parameters(6144, 9216 // 4), 128, 8, 80)`, then ask what
# such a split *would* change, if not the counts.
#
# ## Check your understanding
#
# 1. M1 has 456B parameters but a token uses about 46B. Which cost follows the active count and
#    which follows the total?
# 2. R1's shared expert runs for every token. Why is it not among the idle parameters, and why
#    did your count for R1 multiply by 58 rather than 61?
# 3. How would you put M1's 45.9B and R1's 37B on the same footing?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. The compute per token (the FLOPs of one forward pass) follows the active count. The memory
#    to hold the model follows the total: all 456B weights must sit somewhere, because the next
#    token may pick any expert.
# 2. Only routed experts the router did not pick are skipped; a shared expert is used by every
#    token, like the attention weights. R1's first 3 layers are dense and have no experts, so only
#    61 − 3 = 58 layers have idle experts.
# 3. Use one convention for both: add M1's embedding and output head (about 2.5B) to its 45.9B,
#    giving about 48.4B, or take R1's two embedding matrices (about 1.9B) off its count. R1's
#    count includes them by DeepSeek's own statement; M1's excludes them, by the arithmetic.

# %% [markdown]
# ## Sources
#
# 1. DeepSeek-R1 repository, `README.md` (trained on DeepSeek-V3-Base; 671B total, 37B activated,
#    128K context) and `LICENSE` (MIT), release commit of 2025-01-20:
#    https://github.com/deepseek-ai/DeepSeek-R1
# 2. DeepSeek-V3 repository: `README.md` (671B total, 37B activated), `README_WEIGHTS.md` (36.7B
#    activated "including 0.9B for Embedding and 0.9B for the output Head"; 61 layers) and
#    `inference/configs/config_671B.json` (`n_layers` 61, `n_dense_layers` 3, `inter_dim` 18432,
#    `moe_inter_dim` 2048, `n_routed_experts` 256, `n_shared_experts` 1, `n_activated_experts` 8,
#    the MLA ranks): https://github.com/deepseek-ai/DeepSeek-V3
# 3. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025), abstract and sections 1-3: https://arxiv.org/abs/2506.13585
# 4. MiniMax-M1 repository, `config.json`, `modeling_minimax_m1.py` and `LICENSE` (Apache-2.0):
#    https://github.com/MiniMax-AI/MiniMax-M1
# 5. MiniMax-Text-01 model card ("a softmax attention is positioned after every 7 lightning
#    attention"): https://github.com/MiniMax-AI/MiniMax-01
# 6. Allegations, not findings: House Select Committee on the CCP, *DeepSeek Unmasked* (2025-04-16),
#    https://selectcommitteeontheccp.house.gov ; Anthropic's February 2026 distillation
#    allegations as reported in the press. Lesson 12 reviews these and the responses to them.
