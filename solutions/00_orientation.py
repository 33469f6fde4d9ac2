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
# use it to test the claims its authors made. This first lesson tells the story in brief, shows
# how lessons and exercises work, checks your environment, and ends with a warm-up exercise on
# M1's parameter counts.
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
# SwiGLU block: `w2(silu(w1·x) * (w3·x))`, with w1 and w3 of shape hidden × intermediate and w2
# of shape intermediate × hidden [4].
#
# **Exercise 1.** Count the weights of one expert.


# %%
def expert_parameters(hidden, intermediate):
    """Number of weights in one SwiGLU expert (no biases)."""
    ### BEGIN SOLUTION
    return 3 * hidden * intermediate
    ### END SOLUTION


# %%
from minimoe.exercises import check

expert_parameters = check("00.expert_parameters", expert_parameters)
m1_expert = expert_parameters(6144, 9216)
print(f"one M1 expert: {m1_expert / 1e6:.1f}M weights")

# %% [markdown]
# **Exercise 2.** Given the model's total parameter count, the size of one expert, the number of
# experts, how many a token uses (top-k) and the number of layers, return the fraction of all
# parameters one token actually uses.


# %%
def active_fraction(total_params, expert_params, num_experts, top_k, num_layers):
    """Share of the model's parameters that one token uses."""
    ### BEGIN SOLUTION
    idle = num_layers * (num_experts - top_k) * expert_params
    return (total_params - idle) / total_params
    ### END SOLUTION


# %%
active_fraction = check("00.active_fraction", active_fraction)

# %% [markdown]
# Now use your functions on M1. The report gives 456B parameters in total [3].

# %%
m1_total = 456e9
fraction = active_fraction(m1_total, m1_expert, num_experts=32, top_k=2, num_layers=80)
m1_active = fraction * m1_total
print(f"active per token: {m1_active / 1e9:.1f}B of {m1_total / 1e9:.0f}B = {fraction:.1%}")
assert 48e9 < m1_active < 49e9

# %% [markdown]
# You should get about 48.3B, not the 45.9B the report quotes [3]. The difference is about the
# size of the token embedding and the output head (2 × 200,064 × 6,144 ≈ 2.5B weights [4]):
# the report's "active" count leaves them out. Lesson 03 recomputes both numbers from the full
# config. The same sum for DeepSeek-R1 gives 37B of 671B [2], so each model uses a small slice of
# itself per token.

# %%
import matplotlib.pyplot as plt

models = {"MiniMax-M1": (m1_total, m1_active), "DeepSeek-R1": (671e9, 37e9)}
fig, ax = plt.subplots(figsize=(6, 3))
for row, (total, active) in enumerate(models.values()):
    ax.barh(row, total / 1e9, color="lightgray", label="total" if row == 0 else None)
    ax.barh(row, active / 1e9, color="tab:blue", label="active per token" if row == 0 else None)
    ax.text(total / 1e9, row, f" {active / total:.0%} active", va="center")
ax.set_yticks(range(len(models)), list(models))
ax.set_xlabel("parameters (billions)")
ax.set_title("Total vs active parameters")
ax.set_xlim(0, 820)
ax.legend(loc="lower right")
plt.show()

# %% [markdown]
# ## Sources
#
# 1. DeepSeek-R1 repository, `README.md` and `LICENSE` (MIT), release commit of 2025-01-20:
#    https://github.com/deepseek-ai/DeepSeek-R1
# 2. DeepSeek-V3 repository, `README_WEIGHTS.md` (671B total, 36.7B activated including the
#    embedding and output head) and `inference/configs/config_671B.json`:
#    https://github.com/deepseek-ai/DeepSeek-V3
# 3. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025), abstract and sections 1-3: https://arxiv.org/abs/2506.13585
# 4. MiniMax-M1 repository, `config.json`, `modeling_minimax_m1.py` and `LICENSE` (Apache-2.0):
#    https://github.com/MiniMax-AI/MiniMax-M1
# 5. MiniMax-Text-01 model card ("a softmax attention is positioned after every 7 lightning
#    attention"): https://github.com/MiniMax-AI/MiniMax-01
# 6. Allegations, not findings: House Select Committee on the CCP, *DeepSeek Unmasked* (2025-04-16),
#    https://selectcommitteeontheccp.house.gov ; Anthropic's February 2026 distillation
#    allegations as reported in the press. Lesson 12 reviews these and the responses to them.
