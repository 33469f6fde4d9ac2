# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · From policy gradients to GRPO
#
# Lesson 05 left us with a model that usually sorts ten digits correctly when it decodes
# greedily, and far less often when it samples. Reinforcement learning with a
# verifiable reward improves it from its own attempts: sample answers, score them, make the
# rewarded ones more likely. This lesson builds the loss that DeepSeek used for R1, **GRPO**
# [2, 3], one piece at a time:
#
# 1. REINFORCE, the plain policy gradient [1], and why it needs a **baseline**;
# 2. **group-relative advantages**: the baseline from G samples of the same prompt [2];
# 3. the **importance ratio** and PPO's **clipping**, for several updates per batch [4];
# 4. the **KL term** and its k3 estimator [3, 5];
#
# and ends with a short GRPO run on the sorting model. Lesson 07 then changes one piece of it
# and gets MiniMax-M1's CISPO.

# %%
import time

import matplotlib.pyplot as plt
import torch

from minimoe.env import best_device
from minimoe.smoke import is_smoke, pick

DEVICE = best_device()  # "cuda" on a GPU runtime such as Colab's, else "cpu" (or "mps")
torch.manual_seed(0)
lesson_start = time.perf_counter()

# %% [markdown]
# ## 1. REINFORCE: the log-derivative trick
#
# A policy π_θ writes an answer o to a prompt q and gets a reward R(o). We want to raise
# J(θ) = E_{o∼π_θ}[R(o)]. We cannot differentiate through the sampling, but we do not need to:
#
# $$\nabla_\theta J = \mathbb{E}_{o\sim\pi_\theta}\big[R(o)\,\nabla_\theta \log \pi_\theta(o)\big],$$
#
# because ∇π = π ∇log π (Williams' REINFORCE [1]). For a sequence, log π(o) is the sum of the
# log-probabilities of its tokens, so every token of a rewarded answer is pushed up.
#
# The estimate is unbiased but noisy. Subtracting a **baseline** b that does not depend on the
# sampled o keeps it unbiased, since E[∇log π] = 0, and a good b (close to the expected reward)
# removes most of the noise. Let's measure that on the smallest case there is: one prompt,
# eight possible answers, answer 3 correct. The policy is a softmax over eight logits θ, so
# ∇_θ log π(a) = onehot(a) − π, which we check against autograd first.

# %%
logits = torch.tensor([0.5, 0.2, -0.3, 0.1, 0.8, -0.5, 0.0, 0.3])
correct = 3
probs = torch.softmax(logits, dim=0)


def grad_log_pi(actions):
    """∇_θ log π(a) for each action: onehot(a) − π, shape (n, 8)."""
    return torch.nn.functional.one_hot(actions, 8).float() - probs


theta = logits.clone().requires_grad_(True)
torch.log_softmax(theta, dim=0)[5].backward()
assert torch.allclose(theta.grad, grad_log_pi(torch.tensor([5]))[0], atol=1e-6)
print(f"π(correct) = {probs[correct]:.3f}")

# %% [markdown]
# Each estimate uses one *group* of G = 8 samples, the way GRPO samples a prompt G times. We
# draw 4,000 groups and compare the estimates with the exact gradient ∇J = ∇π(correct). Three
# choices of weight per sample:
#
# - the raw reward R (no baseline);
# - R minus the mean reward of the *other* samples of the group (leave-one-out; still unbiased);
# - the same, plus a constant +1 on every reward, as a format bonus would add.

# %%
from minimoe.rl import reinforce_baseline_advantages

G, groups = 8, pick(4000, 200)
actions = torch.multinomial(
    probs, G * groups, replacement=True, generator=torch.Generator().manual_seed(0)
)
rewards = (actions == correct).float()
exact = torch.autograd.functional.jacobian(lambda t: torch.softmax(t, 0)[correct], logits)


def estimates(weights):
    """One gradient estimate per group: the mean of weight × ∇log π over its G samples."""
    return (weights[:, None] * grad_log_pi(actions)).view(groups, G, 8).mean(dim=1)


rows = {
    "no baseline, R": estimates(rewards),
    "no baseline, R + 1": estimates(rewards + 1),
    "leave-one-out, R": estimates(reinforce_baseline_advantages(rewards, G)),
    "leave-one-out, R + 1": estimates(reinforce_baseline_advantages(rewards + 1, G)),
}
print(f"{'weight':<22}{'|bias|':>10}{'variance':>12}")
for name, est in rows.items():
    bias = (est.mean(0) - exact).norm().item()
    print(f"{name:<22}{bias:>10.4f}{est.var(0).sum().item():>12.4f}")

# %% [markdown]
# All four are centred on the true gradient: the bias column is sampling noise, and it shrinks
# as the number of groups grows. Their spread differs. With 0/1 rewards and a rare success, as
# here, the baseline changes little: most rewards are already 0, which is close to the mean.
# Shift every reward by +1 (a format bonus paid to every answer would do this) and the plain
# estimator's variance should jump by about ten times, while the baseline cancels the shift
# exactly. The baseline makes the estimate indifferent to what all rewards share.

# %%
variance = {name: est.var(0).sum().item() for name, est in rows.items()}
print(
    f"variance ratio with the +1 shift, no baseline / leave-one-out: "
    f"{variance['no baseline, R + 1'] / variance['leave-one-out, R + 1']:.1f}"
)
assert variance["no baseline, R + 1"] > 5 * variance["leave-one-out, R + 1"]
assert abs(variance["leave-one-out, R + 1"] - variance["leave-one-out, R"]) < 1e-6

# %% [markdown]
# ## 2. Group-relative advantages
#
# PPO learns a value network to supply the baseline [4]. GRPO drops it: it samples G answers
# to the same prompt and uses their mean reward, then divides by their standard deviation so
# that every prompt's advantages have the same scale [2]:
#
# $$\hat A_i = \frac{R_i - \operatorname{mean}(R_1,\dots,R_G)}{\operatorname{std}(R_1,\dots,R_G) + \epsilon}.$$
#
# The papers do not say which standard deviation. minimoe follows the reference
# implementations (TRL, verl), which call `torch.std`: the *sample* std, dividing by G − 1 [6].
# A prompt whose G rewards are all equal (all right or all wrong) carries no signal: its
# advantages must be exactly zero.
#
# **Exercise 1.** `rewards` has shape `(groups * group_size,)`, the G samples of each prompt
# next to each other. Return Â with the same shape, using ε = 1e-6.


# %%
def group_advantages(rewards, group_size):
    """GRPO's Â_i, one per sample."""
    ### BEGIN SOLUTION
    grouped = rewards.float().view(-1, group_size)
    centred = grouped - grouped.mean(dim=1, keepdim=True)
    advantages = centred / (grouped.std(dim=1, keepdim=True) + 1e-6)
    all_equal = (grouped == grouped[:, :1]).all(dim=1, keepdim=True)
    return torch.where(all_equal, 0.0, advantages).reshape(-1)
    ### END SOLUTION


# %%
from minimoe.exercises import check

group_advantages = check("06.group_advantages", group_advantages)
example = torch.tensor([1.0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 1])
print("rewards:   ", example.tolist())
print("advantages:", [round(a, 2) for a in group_advantages(example, 4).tolist()])

# %% [markdown]
# One right answer among four gets a large advantage (+1.5), one wrong answer among four right
# ones is pushed down just as hard; the all-right group gets nothing. Dividing by the std makes
# rare successes on hard prompts count as much as anything else, which Dr. GRPO argues is a
# bias toward too-hard and too-easy prompts; it keeps only R − mean [7]
# (`group_advantages(..., normalize_std=False)` in the library).

# %% [markdown]
# ## 3. Reusing a batch: the importance ratio and PPO's clip
#
# Sampling is the slow part of RL, so each batch of rollouts is used for several optimizer
# steps. After the first step the samples come from an older policy π_old, not from π_θ.
# The importance ratio r = π_θ(o_t) / π_old(o_t) corrects for that:
# E_{π_old}[r·Â] has the gradient E[r·Â·∇log π_θ]. But if π_θ moves far from π_old, the few
# samples we have say little about it. PPO's fix is to stop the gain once r leaves
# [1 − ε, 1 + ε] in the direction Â pushes [4]:
#
# $$\min\big(r\,\hat A,\ \operatorname{clip}(r, 1-\varepsilon, 1+\varepsilon)\,\hat A\big).$$
#
# GRPO applies this per token and averages it over each answer's tokens, then over the
# answers [2, 3].
#
# **Exercise 2.** Return the clipped objective (to be *maximised*) element by element. Give the
# two edges of the trust region their own names, [1 − ε_low, 1 + ε_high]: PPO and GRPO set both
# to the same ε, and lesson 07 meets a loss that widens only the upper one. The library's GRPO
# and DAPO losses call this very function (`minimoe.rl.losses.ppo_clip_objective`).


# %%
def ppo_clip_objective(ratio, advantages, eps_low, eps_high):
    """PPO's per-token clipped surrogate, same shape as ratio."""
    ### BEGIN SOLUTION
    clipped = ratio.clamp(1 - eps_low, 1 + eps_high)
    return torch.min(ratio * advantages, clipped * advantages)
    ### END SOLUTION


# %%
ppo_clip_objective = check("06.ppo_clip_objective", ppo_clip_objective)

# %% [markdown]
# Plot the objective and its slope against r, for a good answer (Â = +1) and a bad one
# (Â = −1). The slope is the weight the token's gradient gets.

# %%
r = torch.linspace(0.4, 1.8, 281, requires_grad=True)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
for advantage, color in ((1.0, "tab:green"), (-1.0, "tab:red")):
    objective = ppo_clip_objective(r, torch.full_like(r, advantage), 0.2, 0.2)
    (slope,) = torch.autograd.grad(objective.sum(), r)
    axes[0].plot(r.detach(), objective.detach(), color=color, label=f"Â = {advantage:+.0f}")
    axes[1].plot(r.detach(), slope, color=color, label=f"Â = {advantage:+.0f}")
for ax, ylabel in zip(axes, ("objective min(rÂ, clip(r)Â)", "d objective / d r")):
    for edge in (0.8, 1.2):
        ax.axvline(edge, color="gray", ls=":")
    ax.set_xlabel("importance ratio r = π_θ / π_old")
    ax.set_ylabel(ylabel)
    ax.legend()
axes[0].set_title("PPO's clipped surrogate (ε = 0.2)")
axes[1].set_title("Its gradient: zero once the push is done")
plt.tight_layout()
plt.show()

# %% [markdown]
# The clip is one-sided. A good token whose probability has already grown by 20% (r > 1.2)
# gets zero gradient; a good token whose probability *fell* keeps its full gradient, so
# mistakes can always be undone. Lesson 07 asks which tokens land in the flat, zero-gradient
# parts, and what that costs.

# %% [markdown]
# ## 4. The KL term and the k3 estimator
#
# GRPO as published also pulls the policy toward a frozen reference π_ref (the SFT model) with
# a penalty β·KL(π_θ ‖ π_ref) per token [2, 3]. Computing the KL exactly needs the full
# distribution at every position; instead each sampled token gives an estimate, with
# d = log π_ref(o_t) − log π_θ(o_t):
#
# - k1 = −d: unbiased, but often negative and noisy;
# - k3 = e^d − d − 1: also unbiased, never negative, and far less noisy [5].
#
# Check it on two distributions over eight tokens, sampling from π_θ.

# %%
from minimoe.rl import kl_k3

pi_theta = torch.softmax(logits, 0)
pi_ref = torch.softmax(logits + torch.tensor([0.3, -0.2, 0.1, 0.4, -0.3, 0.2, 0.0, -0.1]), 0)
exact_kl = (pi_theta * (pi_theta / pi_ref).log()).sum().item()
tokens = torch.multinomial(
    pi_theta, pick(20000, 2000), replacement=True, generator=torch.Generator().manual_seed(1)
)
d = pi_ref.log()[tokens] - pi_theta.log()[tokens]
print(f"exact KL(π_θ ‖ π_ref) = {exact_kl:.5f}")
for name, values in (("k1 = -d", -d), ("k3 = e^d - d - 1", kl_k3(d))):
    print(
        f"{name:<18} mean {values.mean():.5f}  std per token {values.std():.5f}  min {values.min():+.4f}"
    )
assert kl_k3(d).min() >= 0 and kl_k3(d).std() < (-d).std()

# %% [markdown]
# DeepSeek-R1 used β = 0.001 [3]; DAPO, Dr. GRPO and MiniMax-M1's CISPO drop the term for
# verifiable rewards [7, 8, 9]. minimoe's losses accept `LossConfig(kl_coef=β)` with a
# `ref_logp`; given such a config, the RL trainer keeps a frozen copy of the model it started
# from as π_ref. The runs below use β = 0.

# %% [markdown]
# ## 5. GRPO on the sorting model
#
# Now the whole loop, from the checkpoint of lesson 05's recipe shipped with minimoe. Each step
# draws 16 training prompts, samples 8 answers for each at temperature 1, scores them with
# the verifier, turns rewards into group advantages, and makes two optimizer steps on the
# batch with the GRPO loss (the second one is off-policy, so the clip can act). The learning
# rate rises over the first 8 updates (`RLConfig.warmup`): a fresh optimizer's first steps are
# as large as its later ones, whatever the gradient. It is a short run: expect the reward to
# move a little and to be noisy from step to step.

# %%
from minimoe.checkpoint import load_checkpoint
from minimoe.recipes import SFT_SORTING, SHIPPED, accuracies
from minimoe.rl.trainer import RLConfig, train_rl

recipe = pick(SFT_SORTING, SFT_SORTING.smoke())
train, held_out = recipe.data()
model = load_checkpoint(SHIPPED / "sorting-sft.safetensors").model.to(DEVICE)
before = accuracies(model, held_out, "before")
config = RLConfig(
    loss="grpo",
    steps=pick(12, 2),
    prompts_per_step=pick(16, 4),
    group_size=8,
    updates_per_batch=2,
    lr=1e-4,
    eval_every=0,
)
history = train_rl(model, train, config)
after = accuracies(model, held_out, "after")

# %%
steps = [h["step"] for h in history]
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
axes[0].plot(steps, [h["reward"] for h in history], marker="o", label="mean reward")
axes[0].plot(
    steps,
    [h["zero_variance_groups"] for h in history],
    marker="s",
    label="groups with equal rewards",
)
axes[0].set_ylabel("fraction")
axes[0].set_title("GRPO rollouts, per step")
axes[0].set_ylim(0, 1)
axes[0].legend(loc="upper right")
axes[1].plot(steps, [h["clip_fraction"] for h in history], marker="o", color="tab:purple")
axes[1].set_ylabel("share of tokens clipped")
axes[1].set_title("Clip fraction in the off-policy update")
for ax in axes:
    ax.set_xlabel("RL step (one rollout batch)")
plt.tight_layout()
plt.show()

# %%
print(f"{'held-out (' + str(len(held_out)) + ' problems)':<26}{'greedy':>8}{'T=1':>16}")
for name, acc in (("after SFT", before), ("after GRPO", after)):
    greedy, sampled, error = acc.values()
    print(f"{name:<26}{greedy:>8.3f}{f'{sampled:.3f} ± {error:.3f}':>16}")
rewards_seen = [h["reward"] for h in history]
print(f"mean reward per step: first {rewards_seen[0]:.3f}, last {rewards_seen[-1]:.3f}")
assert all(h["clip_fraction"] < 0.5 for h in history)

# %% [markdown]
# The reward per step is noisy: each step sees only 16 prompts, some easy and some hard. The
# held-out table is steadier: 200 problems, and at T = 1 eight answers to each, so that
# re-sampling the answers moves it by about its standard error (after the ±), a point or so.
# You should see sampled (T = 1) accuracy gain more than greedy accuracy: RL mostly makes the
# model's *own samples* reliable, moving probability onto answers it could already write,
# which is lesson 05's pass@k turning into pass@1. Note the share of **groups with equal
# rewards**: those prompts taught nothing in that step. The clip fraction is small because the
# policy moves little in one extra update; lesson 07 makes more updates per batch, looks at
# *which* tokens get clipped, and replaces the clip with CISPO's.

# %%
print(f"lesson 06 ran in {time.perf_counter() - lesson_start:.0f} s")

# %% [markdown]
# ## Sources
#
# **Key terms:** policy, policy gradient, REINFORCE, baseline, advantage, group-relative
# advantage, GRPO, importance ratio, off-policy, PPO, clipping, KL penalty, k3 estimator.
#
# 1. R. J. Williams, *Simple statistical gradient-following algorithms for connectionist
#    reinforcement learning*, Machine Learning 8 (1992): the REINFORCE estimator and baselines.
# 2. Z. Shao et al., *DeepSeekMath*, arXiv 2402.03300 (2024), §4: GRPO, its group-relative
#    advantage, per-token clipped objective and KL penalty. https://arxiv.org/abs/2402.03300
# 3. DeepSeek-AI, *DeepSeek-R1*, arXiv 2501.12948 (2025), §2.2.1 (GRPO's objective, the k3 form
#    of the KL) and the Nature version's settings (β = 0.001).
#    https://github.com/deepseek-ai/DeepSeek-R1
# 4. J. Schulman et al., *Proximal Policy Optimization Algorithms*, arXiv 1707.06347 (2017),
#    §3: the clipped surrogate objective. https://arxiv.org/abs/1707.06347
# 5. J. Schulman, *Approximating KL Divergence* (2020): the k1, k2, k3 estimators.
#    http://joschu.net/blog/kl-approx.html
# 6. Hugging Face TRL, `trl/trainer/grpo_trainer.py`, and verl,
#    `verl/trainer/ppo/core_algos.py` (`compute_grpo_outcome_advantage`): both use `torch.std`.
#    https://github.com/huggingface/trl , https://github.com/volcengine/verl
# 7. Z. Liu et al., *Understanding R1-Zero-Like Training: A Critical Perspective* (Dr. GRPO),
#    arXiv 2503.20783 (2025). https://arxiv.org/abs/2503.20783
# 8. Q. Yu et al., *DAPO: An Open-Source LLM Reinforcement Learning System at Scale*,
#    arXiv 2503.14476 (2025). https://arxiv.org/abs/2503.14476
# 9. MiniMax, *MiniMax-M1*, arXiv 2506.13585 (2025), §3.1: CISPO has no KL term.
#    https://arxiv.org/abs/2506.13585
