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
# rewarded ones more likely. DeepSeek trained R1 with **GRPO** [2, 3]; MiniMax-M1's CISPO keeps
# most of GRPO and several of DAPO's changes to it [8, 9]. This lesson builds GRPO one piece at
# a time, and you will
#
# 1. derive REINFORCE, the plain policy gradient [1], and measure why it needs a **baseline**;
# 2. write **group-relative advantages**, the baseline from G samples of the same prompt [2],
#    and derive what they give a group with k right answers;
# 3. see what the **importance ratio** and PPO's **clip** do when a batch is reused [4], and
#    what the **KL term** and its k3 estimator cost [3, 5];
# 4. run GRPO on the sorting model and read what changed;
# 5. derive **DAPO**'s four changes to GRPO [8], predict how many groups its dynamic sampling
#    drops, and check the prediction against the run.
#
# Lesson 07 then changes one piece of the loss and gets M1's CISPO.

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
# The one right answer among three wrong ones gets a large advantage (+1.5); in the second
# group, the one wrong answer among three right ones is pushed down just as hard (−1.5); the
# all-right group gets nothing. Why exactly ±1.5, and what happens in bigger groups?
#
# **Exercise 2.** With 0/1 rewards, a group is described by two numbers: its size G and the
# number k of right answers (0 < k < G). Derive, on paper first, the advantage of a right
# answer and of a wrong answer as a function of k and G (sample std, ignore the 1e-6), and
# return them as a pair.


# %%
import math


def right_and_wrong_advantages(k, group_size):
    """(Â of a right answer, Â of a wrong answer) in a group of group_size with k right."""
    ### BEGIN SOLUTION
    g = group_size
    std = math.sqrt(k * (g - k) / (g * (g - 1)))  # k deviations of 1 - k/G, G - k of -k/G
    return (1 - k / g) / std, -(k / g) / std
    ### END SOLUTION


# %%
right_and_wrong_advantages = check("06.right_and_wrong_advantages", right_and_wrong_advantages)
G8 = 8
print(f"{'k right of 8':>13}{'Â right':>9}{'Â wrong':>9}{'Σ|Â|, std':>11}{'Σ|Â|, no std':>13}")
for k in range(1, G8):
    right, wrong = right_and_wrong_advantages(k, G8)
    with_std = k * right + (G8 - k) * abs(wrong)
    without_std = k * (1 - k / G8) + (G8 - k) * k / G8  # Dr. GRPO: R − mean only
    print(f"{k:>13}{right:>9.2f}{wrong:>9.2f}{with_std:>11.2f}{without_std:>13.2f}")


def total_push(k, g=G8):
    """Σ|Â| over a group with k right, with and without the division by the std."""
    right, wrong = right_and_wrong_advantages(k, g)
    return k * right + (g - k) * abs(wrong), 2 * k * (g - k) / g


assert abs(right_and_wrong_advantages(1, G8)[0] - (G8 - 1) / math.sqrt(G8)) < 1e-9
share_with_std, share_without = (a / b for a, b in zip(total_push(1), total_push(4)))
print(
    f"push of a 1-of-8 group / a 4-of-8 group: {share_with_std:.2f} with the std, "
    f"{share_without:.2f} without"
)
assert 0.6 < share_with_std < 0.7 and share_without < 0.5

# %% [markdown]
# A lone right answer gets Â = (G − 1)/√G: 2.47 in a group of 8, 3.75 in a group of 16. The
# rarer a success, the harder GRPO pushes it. The last two columns are the group's total push,
# Σ|Â|: dividing by the std makes a group with one success push about two-thirds as hard as a
# half-right group, where R − mean alone would give it less than half. Dr. GRPO calls this a
# *difficulty bias*, toward prompts that are nearly always or nearly never solved, and keeps
# only R − mean [7] (`group_advantages(..., normalize_std=False)` in the library).

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
# answers [2, 3]. The library writes the two edges separately, [1 − ε_low, 1 + ε_high]
# (`minimoe.rl.losses.ppo_clip_objective`): PPO and GRPO set both to the same ε, and DAPO widens
# only the upper one (part 6). Before you run the next cell, sketch the objective and its slope
# against r for a good answer (Â = +1) and a bad one (Â = −1). The slope is the weight the
# token's gradient gets.

# %%
from minimoe.rl.losses import ppo_clip_objective

r = torch.linspace(0.4, 1.8, 281, requires_grad=True)
fig, axes = plt.subplots(1, 2, figsize=(10, 3.2))
slopes = {}
for advantage, color in ((1.0, "tab:green"), (-1.0, "tab:red")):
    objective = ppo_clip_objective(r, torch.full_like(r, advantage), 0.2, 0.2)
    (slope,) = torch.autograd.grad(objective.sum(), r)
    slopes[advantage] = slope
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
rv = r.detach()
assert (slopes[1.0][rv > 1.21] == 0).all() and (slopes[1.0][rv < 1.19] == 1).all()
assert (slopes[-1.0][rv < 0.79] == 0).all() and (slopes[-1.0][rv > 0.81] == -1).all()

# %% [markdown]
# The clipping is one-sided (the cell asserts it). A good token whose probability has already grown
# by 20% (r > 1.2) gets zero gradient; a good token whose probability *fell* keeps its full
# gradient, so mistakes can always be undone. The same holds, mirrored, for a bad token below
# r = 0.8. Lesson 07 asks which tokens land in the flat, zero-gradient parts, and what that costs.

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
gain_sampled = after["after_sampled"] - before["before_sampled"]
gain_greedy = after["after_greedy"] - before["before_greedy"]
assert all(h["clip_fraction"] < 0.5 for h in history)
if not is_smoke():
    error = max(before["before_sampled_se"], after["after_sampled_se"])
    assert gain_sampled > 3 * error, "GRPO should raise the T = 1 accuracy well past its noise"

# %% [markdown]
# The reward per step is noisy: each step sees only 16 prompts, some easy and some hard. The
# held-out table is steadier: 200 problems, and at T = 1 eight answers to each, so that
# re-sampling the answers moves it by about its standard error (after the ±), a point or so.
# The cell asserts that the T = 1 accuracy rose by more than three standard errors. In our run
# it rose about twice as much as the greedy accuracy did: RL mostly makes the model's *own samples*
# reliable, moving probability onto answers it could already write, which is lesson 05's pass@k
# turning into pass@1. Greedy decoding already picked the most likely answer, so it has less
# to gain. The clip fraction is small because the policy moves little in one extra update;
# lesson 07 makes more updates per batch, looks at *which* tokens get clipped, and replaces
# the clip with CISPO's. Note the share of **groups with equal rewards**: those prompts taught
# nothing in that step. That is the first of DAPO's fixes.

# %% [markdown]
# ## 6. DAPO: four changes to GRPO, derived
#
# ByteDance's DAPO [8] trained Qwen2.5-32B with GRPO's advantages and PPO's clip, and changed
# four things. Each answers a problem you can now state yourself.
#
# **Dynamic sampling.** A group whose G rewards are all equal has Â = 0 for every answer
# (Exercise 1), so it contributes nothing to the gradient: the batch is effectively smaller,
# and the step's noise larger, than its size suggests. DAPO over-samples prompts and keeps only
# groups with at least one right and one wrong answer, 0 < #right < G, until the batch is
# full [8]. How many groups would it drop?
#
# **Exercise 3.** Suppose every answer to every prompt is right with the same probability p,
# independently. Return the probability that a group of G answers teaches nothing.


# %%
def equal_reward_share(p, group_size):
    """Probability that group_size independent answers, each right with probability p, all
    get the same reward."""
    ### BEGIN SOLUTION
    return p**group_size + (1 - p) ** group_size
    ### END SOLUTION


# %%
equal_reward_share = check("06.equal_reward_share", equal_reward_share)
predicted = [equal_reward_share(h["reward"], config.group_size) for h in history]
measured = [h["zero_variance_groups"] for h in history]
print(f"{'step':>4}{'reward':>8}{'predicted':>11}{'measured':>10}")
for h, pred, meas in zip(history, predicted, measured):
    print(f"{h['step']:>4}{h['reward']:>8.3f}{pred:>11.3f}{meas:>10.3f}")
mean_predicted, mean_measured = sum(predicted) / len(predicted), sum(measured) / len(measured)
print(f"mean over the run: predicted {mean_predicted:.3f}, measured {mean_measured:.3f}")
if not is_smoke():
    assert mean_measured > 2 * mean_predicted

# %% [markdown]
# The prediction uses each step's mean reward as everyone's p, and it is far too low (the cell
# asserts a factor of two; in our run it is about seven). The assumption is what fails: prompts
# differ.
# Some lists the model nearly always sorts, others it nearly never does, and p^G + (1 − p)^G is
# convex in p, so a spread of pass rates around the same mean always raises the share of
# all-equal groups (Jensen's inequality). For this model, dropping those groups and sampling
# more would cost about 1/(1 − share) times the rollouts per useful batch.
#
# **Clip-higher.** PPO's upper edge limits how far a token's probability can rise in one batch,
# and that limit is relative: a token sampled with π_old = 0.9 may reach 1 (the edge, 1.08, lies
# beyond certainty), one with π_old = 0.01 only 0.012. The unlikely tokens, the ones that
# *explore*, are held back most, and DAPO found that the tokens clipped above had low
# probability, mostly below 0.2 [8]. It decouples the edges, ε_low = 0.2 and ε_high = 0.28,
# giving unlikely tokens more room without loosening the lower edge [8]:

# %%
print(f"{'π_old':>6}{'highest π before the clip, ε = 0.2':>37}{'ε = 0.28':>11}")
for p_old in (0.01, 0.1, 0.5, 0.9):
    print(f"{p_old:>6}{min(1.0, p_old * 1.2):>37.3f}{min(1.0, p_old * 1.28):>11.3f}")

# %% [markdown]
# **Token-level loss.** GRPO averages each answer over its own tokens, then over the answers:
# (1/G) Σ_i (1/|o_i|) Σ_t. Every answer weighs the same in total, so each token of a long
# answer weighs less than a token of a short one. For a long, rambling wrong answer that means
# a weak push down per token. DAPO divides the sum over all tokens by their number,
# 1/Σ_i |o_i|, so that every token counts the same [8]. Sorting answers are nearly all 12 tokens
# long, so here the two agree; lesson 07 measures how nearly, and an exercise there works out
# the weights on a batch of unequal lengths.
#
# **Overlong reward shaping.** Generation stops at a budget L_max; an answer cut off there
# scores as wrong, although it may have been on its way to a right one. DAPO adds a soft length
# penalty instead [8]: 0 for |o| ≤ L_max − L_cache, then falling linearly to −1 as |o| goes
# from L_max − L_cache to L_max, and −1 beyond, with L_max = 20,480 and L_cache = 4,096
# tokens. The model learns about the limit before it hits it. Our sorting answers need 12 of
# their 16 tokens, and one that runs over is wrong anyway, so we do without it.
#
# **Which of these did M1 use?** Its CISPO loss takes DAPO's token-level mean (1/Σ|o_i|, its
# Eq. 4), and M1 used DAPO's dynamic sampling and its length penalty [9, §3.1]. It did *not*
# keep clip-higher: with 16 off-policy updates per batch, M1 found it less effective, and
# replaced the clip itself, as lesson 07 shows. Like DAPO, M1 has no KL term [9].

# %%
print(f"lesson 06 ran in {time.perf_counter() - lesson_start:.0f} s")

# %% [markdown]
# ## What you built
#
# - The REINFORCE estimator, checked against the exact gradient, and a baseline that cancels
#   whatever all rewards share (a variance drop of ten times for a +1 shift).
# - `group_advantages`, GRPO's baseline without a value network, and its closed form for 0/1
#   rewards: a lone success gets (G − 1)/√G, the source of Dr. GRPO's difficulty bias.
# - PPO's one-sided clip, seen as a gradient that switches off once a token has moved far
#   enough, and the k3 estimate of the KL term.
# - A GRPO run that raised the sorting model's T = 1 accuracy.
# - DAPO's four changes, and `equal_reward_share`, a prediction of the groups dynamic sampling
#   drops that the run shows to be far too low, because prompts differ in difficulty.
#
# **Key terms:** policy, policy gradient, REINFORCE, baseline, advantage, group-relative
# advantage, GRPO, importance ratio, off-policy, PPO, clipping, KL penalty, k3 estimator, DAPO,
# dynamic sampling.
#
# ## Try it
#
# Dr. GRPO's two changes are one line each: `RLConfig(loss="dr_grpo", ...)` uses R − mean
# advantages and divides by the generation budget instead of each answer's length. Rerun
# part 5 with it (same steps, prompts and learning rate) and compare the held-out table and the
# share of equal-reward groups. For a harder question, set `group_size=16`: how does the
# measured share of equal groups change, and does Exercise 3 predict the direction?
#
# ## Check your understanding
#
# 1. Why does subtracting a baseline leave the policy gradient unbiased, and why must the
#    baseline not depend on the answer it is subtracted from?
# 2. A prompt's 8 answers are all right. What does it contribute to a GRPO step, and what does
#    DAPO do with it?
# 3. With ε = 0.2, a token has Â > 0 and r = 1.5 after two updates. What gradient does PPO's
#    clip give it, and would the answer change if Â < 0?
# 4. R1 used a small KL penalty toward its starting model; DAPO, Dr. GRPO and M1 use none.
#    What does the penalty protect against, and why can a verifiable reward do without it?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. E[b·∇log π(o)] = b·Σ_o π(o)∇log π(o) = b·∇Σ_o π(o) = b·∇1 = 0, so any b that is a
#    constant with respect to o adds nothing in expectation. If b depended on o itself (for
#    example the group mean *including* R_i), the product would no longer vanish in
#    expectation; the leave-one-out baseline avoids that, and the plain group mean only
#    rescales it by (G − 1)/G.
# 2. Nothing: every Â is 0, so the group's tokens get zero gradient, and the step effectively
#    used fewer prompts. DAPO drops the group and samples more prompts until the batch holds
#    only groups with both right and wrong answers.
# 3. Zero: Â > 0 and r > 1 + ε, the min picks the constant clipped branch. With Â < 0 the same
#    token keeps its full gradient (weight r·Â), pushing its probability back down: the clip
#    only stops a push that has already gone far enough in its own direction.
# 4. Against the policy drifting far from a model that was known to be sensible, for example
#    into answers that exploit a learned reward model. A rule-based verifier checks the answer
#    itself, so there is no learned model to exploit (its rules can still have loopholes, which
#    a KL term would not close), and the penalty would also hold back the large changes that
#    long reasoning needs, so these papers drop it.

# %% [markdown]
# ## Sources
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
#    arXiv 2503.20783 (2025): the length and difficulty biases, R − mean advantages and the
#    constant normaliser. https://arxiv.org/abs/2503.20783
# 8. Q. Yu et al., *DAPO: An Open-Source LLM Reinforcement Learning System at Scale*,
#    arXiv 2503.14476 (2025): clip-higher (ε_low = 0.2, ε_high = 0.28) and the probabilities of
#    up-clipped tokens, dynamic sampling (0 < #right < G), the token-level loss, overlong
#    reward shaping (L_max = 20,480, L_cache = 4,096), no KL. https://arxiv.org/abs/2503.14476
# 9. MiniMax, *MiniMax-M1*, arXiv 2506.13585 (2025), §3.1: CISPO's token-level normalisation
#    (Eq. 4), DAPO's dynamic sampling and length penalty, clip-higher less effective with 16
#    off-policy updates per batch, no KL term. https://arxiv.org/abs/2506.13585
