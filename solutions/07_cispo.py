# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · CISPO: clip the weight, keep the gradient
#
# MiniMax-M1's report describes a problem its team met when training the hybrid model with
# PPO-style losses such as GRPO [1, §3.1; 5; 6]. Reflective tokens such as "However" or
# "Wait", which often start a new line of reasoning (*forks*), were rare, so the base model
# gave them low probability.
# After the first update on a batch their ratio r = π_θ/π_old rose quickly, PPO's clip set
# their gradient to zero, and they no longer took part in the remaining off-policy updates
# (M1 made 16 per batch). The fix, **CISPO**, clips the importance-sampling *weight* instead
# and keeps every token's gradient.
#
# This lesson:
#
# 1. writes CISPO's loss (exercise) and compares its gradient with PPO's;
# 2. measures the fork-token argument on our own sorting model: which tokens get clipped, and
#    how much gradient the clip throws away, update by update;
# 3. runs CISPO, DAPO and GRPO side by side over two seeds;
# 4. repeats M1's precision experiment: a bf16 sampler against an fp32 trainer [1, §3.2].

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
# ## 1. One change to the loss
#
# CISPO keeps REINFORCE's form, weights each token by a *clipped, stop-gradient* importance
# ratio, and averages over all tokens of the batch (DAPO's token-level mean) [1, Eq. 4-5]:
#
# $$\mathcal{J}_{\text{CISPO}} = \frac{1}{\sum_i |o_i|} \sum_i \sum_t \operatorname{sg}(\hat r_{i,t})\, \hat A_{i}\, \log \pi_\theta(o_{i,t}\mid q, o_{i,<t}),\qquad \hat r = \operatorname{clip}(r, 1-\varepsilon^{IS}_{low}, 1+\varepsilon^{IS}_{high}).$$
#
# M1 set no lower bound (ε^IS_low large) and tuned only ε^IS_high, whose value the report does
# not give [1, §3.1]. minimoe's default ε^IS_high = 4 caps the weight at 5, the cap that
# ScaleRL recommends as documented in TRL [2]. Because sg(r)·∇log π = ∇r, a token inside PPO's
# trust region gets *exactly* PPO's gradient; outside it, PPO gives zero and CISPO gives a
# capped one. The library draws both weights as a function of r:

# %%
import ipywidgets as widgets

from minimoe.experiments.fork_tokens import gradient_weight_curve


def draw_gradient_weights(eps=0.2, is_eps_high=4.0):
    """PPO's and CISPO's gradient weight against r, for Â = +1 and Â = −1."""
    r = torch.linspace(0.2, 7.0, 500)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.2), sharey=True)
    for ax, advantage in zip(axes, (1.0, -1.0)):
        curves = gradient_weight_curve(
            r, advantage, eps_low=eps, eps_high=eps, is_eps_high=is_eps_high
        )
        ax.plot(r, curves["ppo"], label=f"PPO / GRPO (ε = {eps:.2f})", lw=2)
        ax.plot(r, curves["cispo"], label=f"CISPO (ε^IS_high = {is_eps_high:.1f})", ls="--", lw=2)
        ax.set_xlabel("importance ratio r = π_θ / π_old")
        ax.set_title(f"token with Â = {advantage:+.0f}")
        ax.legend()
    axes[0].set_ylabel("gradient weight on ∇log π  (w·Â)")
    plt.tight_layout()
    plt.show()


# Move the sliders to change PPO's ε and CISPO's cap; the plot is drawn once right away.
explorer = widgets.interact(
    draw_gradient_weights, eps=(0.05, 0.5, 0.05), is_eps_high=(0.2, 6.0, 0.2)
)

# %% [markdown]
# **Exercise 1.** Write CISPO's loss (to be *minimised*, so minus 𝒥). `logp`, `old_logp`
# and `mask` are `(batch, seq)`, `advantages` is `(batch,)`. Cap the ratio at 1 + ε^IS_high,
# no lower bound, and remember the stop-gradient.


# %%
def cispo_loss(logp, old_logp, advantages, mask, is_eps_high=4.0):
    """CISPO's loss, a 0-dim tensor with a gradient through logp."""
    ### BEGIN SOLUTION
    ratio = (logp - old_logp).exp()
    weight = ratio.clamp(max=1.0 + is_eps_high).detach()
    per_token = -weight * advantages[:, None] * logp
    return (per_token * mask).sum() / mask.sum()
    ### END SOLUTION


# %%
from minimoe.exercises import check

cispo_loss = check("07.cispo_loss", cispo_loss)

# %% [markdown]
# ## 2. Which tokens does PPO clip? The fork-token argument, measured
#
# Take the sorting model from lesson 05's recipe, sample one batch (16 prompts × 8 answers at
# temperature 1), and make several optimizer updates on that one batch, recording r for every
# token before each update. The updates use CISPO, so every token keeps learning; at each
# update we ask which tokens PPO's trust region (ε = 0.2) *would* cut, and what share of the
# gradient they carry (`dropped_gradient_mass`: the summed |r·Â| of those tokens over the
# summed |r·Â| of all tokens). `replay_updates` takes the same `RLConfig` as the RL trainer and
# runs the trainer's own update loop (`minimoe.rl.trainer.update_policy`, with the optimizer
# `train_rl` builds), keeping what each update saw. We set `warmup=0`: the trainer raises its
# learning rate over its first 8 updates, and we want a batch from later in a run, at the full
# learning rate.

# %%
from minimoe.checkpoint import load_checkpoint
from minimoe.experiments.fork_tokens import replay_updates
from minimoe.recipes import SFT_SORTING, SHIPPED
from minimoe.rl.rollout import collect_rollout
from minimoe.rl.trainer import RLConfig
from minimoe.train.evaluate import max_completion_tokens

recipe = pick(SFT_SORTING, SFT_SORTING.smoke())
train, held_out = recipe.data()
budget = max_completion_tokens(train)
model = load_checkpoint(SHIPPED / "sorting-sft.safetensors").model  # on the CPU: we plot its tokens
rollout = collect_rollout(
    model,
    train[: pick(16, 4)],
    8,
    max_new_tokens=budget,
    generator=torch.Generator().manual_seed(0),
)
config = RLConfig(loss="cispo", updates_per_batch=pick(8, 3), lr=1e-4, warmup=0)
replay = replay_updates(model, rollout, config)
print(f"{rollout.ids.shape[0]} answers, mean reward {rollout.rewards.mean():.3f}")

# %%
from minimoe.rl import clip_fraction, dropped_gradient_mass

print(
    f"{'update':>6}{'max r':>8}{'clipped (PPO 0.2)':>19}{'grad mass dropped':>19}{'clipped (DAPO)':>16}"
)
for snap in replay.updates:
    args = (snap.ratio, replay.advantages, replay.mask)
    ppo = clip_fraction(*args, 0.2, 0.2).item(), dropped_gradient_mass(*args, 0.2, 0.2).item()
    dapo = clip_fraction(*args, 0.2, 0.28).item()
    print(
        f"{snap.update:>6}{snap.metrics['max_ratio']:>8.2f}{ppo[0]:>19.3%}{ppo[1]:>19.3%}{dapo:>16.3%}"
    )
assert replay.updates[0].metrics["clip_fraction"] == 0.0  # the first update is on-policy

# %% [markdown]
# Update 1 is on-policy: r = 1 for every token and nothing is clipped. From update 2 on, the
# policy has moved, and you should see the share of clipped tokens climb over the first few
# updates and then level off, with a similar share of the gradient weight going with them.
# Under a PPO-style loss all of that would be zero. DAPO's wider upper bound (0.28) [4] clips
# fewer tokens, but not none. Where are they? Plot each token's old probability
# against its ratio at the last update.

# %%
from minimoe.experiments.fork_tokens import token_view

last = replay.updates[-1]
view = token_view(replay.old_logp, last.ratio, replay.advantages, replay.mask, 0.2, 0.2)
fig, ax = plt.subplots(figsize=(7, 4))
kept = ~view.clipped
ax.scatter(
    view.old_prob[kept],
    view.ratio[kept],
    s=6,
    alpha=0.4,
    color="gray",
    label="inside the trust region",
)
ax.scatter(
    view.old_prob[view.clipped_high],
    view.ratio[view.clipped_high],
    s=14,
    color="tab:red",
    label="clipped, Â > 0",
)
ax.scatter(
    view.old_prob[view.clipped_low],
    view.ratio[view.clipped_low],
    s=14,
    color="tab:blue",
    label="clipped, Â < 0",
)
p = torch.logspace(-3, 0, 100)
ax.plot(p, 1 / p, color="black", lw=0.8, label="largest possible r = 1/π_old")
for edge in (0.8, 1.2):
    ax.axhline(edge, color="black", ls=":", lw=1)
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_ylim(0.2, 20)
ax.set_xlabel("π_old(token): probability when sampled")
ax.set_ylabel(f"r = π_θ / π_old after {last.update - 1} updates")
ax.set_title("Which tokens PPO's clip (ε = 0.2) would drop")
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# Read the plot by colour. A token can be clipped *above* (red: Â > 0 and r > 1.2) only if
# its old probability left room to grow, π_old < 1/1.2, because r ≤ 1/π_old (the black line):
# M1's case of unlikely tokens whose probability rises fast. A token is clipped *below* (blue:
# Â < 0 and r < 0.8) when it belongs to a wrong answer and its probability has already fallen
# by more than 20%; that can happen to confident tokens too. Binned by old probability, with
# the two sides counted apart:

# %%
from minimoe.experiments.fork_tokens import clip_rate_by_probability

above = clip_rate_by_probability(view.old_prob, view.clipped_high)
below = clip_rate_by_probability(view.old_prob, view.clipped_low)
print(f"{'π_old':<12}{'tokens':>8}{'clipped above':>15}{'clipped below':>15}")
for a, b in zip(above, below):
    print(
        f"[{a.low:.1f}, {a.high:.1f}){'':<2}{a.tokens:>8}{a.clip_rate:>15.1%}{b.clip_rate:>15.1%}"
    )
assert all(view.old_prob[view.clipped_high] < 1 / 1.2)  # r ≤ 1/π_old makes this a law
low = view.old_prob < 0.5
print(
    f"clip rate, both sides: π_old < 0.5: {view.clipped[low].float().mean():.1%},"
    f" π_old ≥ 0.5: {view.clipped[~low].float().mean():.1%}"
)

# %% [markdown]
# You should see the clip rate fall steeply as π_old rises: in sorting, the unlikely tokens are
# the places where the model hesitated between repeating a digit, moving on, or stopping, and
# those are the ones whose probability moves most in a few updates, up or down. Look again at
# the "clipped above" column, M1's case: which old probabilities do the tokens clipped above
# have in this run, and how does that compare with the words M1 describes (rare, low
# probability)? What would you change (more updates, a higher learning rate) to push truly
# rare tokens past 1 + ε?

# %% [markdown]
# Here are a few answers with the tokens PPO would clip at the last update in [brackets]:

# %%
from minimoe.experiments.fork_tokens import highlight_tokens
from minimoe.rl.metrics import trust_region_mask

outside = ~trust_region_mask(last.ratio, replay.advantages, 0.2, 0.2) & replay.mask.bool()
first_per_prompt = {}  # one answer per prompt, the first that has a clipped token
for i in range(outside.shape[0]):
    if outside[i].any():
        first_per_prompt.setdefault(rollout.problems[i].prompt, i)
for i in list(first_per_prompt.values())[:6]:
    answer = highlight_tokens(rollout.ids[i], replay.mask[i], outside[i])
    print(f"{rollout.problems[i].prompt:<13} Â = {replay.advantages[i]:+.2f}  {answer}")

# %% [markdown]
# Finally, the gradient itself. For the last update's ratios, compute ∂L/∂log π per token
# under DAPO and under CISPO: DAPO's is exactly zero on every clipped token; CISPO's is not.

# %%
from minimoe.experiments.fork_tokens import per_token_gradient

grads = {
    loss: per_token_gradient(loss, last.logp, replay.old_logp, replay.advantages, replay.mask)
    for loss in ("dapo", "cispo")
}
clipped = ~trust_region_mask(last.ratio, replay.advantages, 0.2, 0.28) & replay.mask.bool()
for loss, g in grads.items():
    share = g[clipped].abs().sum() / g.abs().sum()
    print(
        f"{loss:<6} |gradient| on the {int(clipped.sum())} tokens DAPO clips: {share:.1%} of the total"
    )
assert grads["dapo"][clipped].abs().sum() == 0.0
if clipped.any():
    assert grads["cispo"][clipped].abs().sum() > 0  # CISPO keeps learning from them

# %% [markdown]
# ## 3. CISPO vs DAPO vs GRPO
#
# Does keeping those gradients help? M1 reports that in RL from the Qwen2.5-32B base model,
# CISPO matched DAPO's accuracy in half the training steps [1, §3.1, Fig. 2]. Here is the same
# comparison at our scale: from the same SFT checkpoint, each loss gets the same prompts for a
# given seed, and 4 updates per batch. It is a *short* run (6 steps of 8 prompts × 8 answers),
# so read the curves for their spread as much as for their means.

# %%
from minimoe.recipes import accuracies, summarize_over_seeds
from minimoe.rl.trainer import train_rl

losses, seeds = ("cispo", "dapo", "grpo"), pick((0, 1), (0,))
start = accuracies(
    load_checkpoint(SHIPPED / "sorting-sft.safetensors").model.to(DEVICE), held_out, "rl"
)
runs = []
for seed in seeds:
    for loss in losses:
        model = load_checkpoint(SHIPPED / "sorting-sft.safetensors").model.to(DEVICE)
        config = RLConfig(
            loss=loss,
            steps=pick(6, 1),
            prompts_per_step=pick(8, 2),
            group_size=8,
            updates_per_batch=4,
            lr=5e-5,
            eval_every=0,
            seed=seed,
        )
        history = train_rl(model, train, config)
        final = {"last_reward": history[-1]["reward"]}
        runs.append(
            {
                "loss": loss,
                "seed": seed,
                "history": history,
                **final,
                **accuracies(model, held_out, "rl", seed),
            }
        )

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
for loss in losses:
    for ax, key in zip(axes, ("reward", "clip_fraction_ref", "entropy")):
        curves = torch.tensor([[h[key] for h in r["history"]] for r in runs if r["loss"] == loss])
        steps = range(1, curves.shape[1] + 1)
        ax.plot(steps, curves.mean(0), marker="o", label=loss)
        ax.fill_between(steps, curves.min(0).values, curves.max(0).values, alpha=0.2)
for ax, title, unit in zip(
    axes,
    (
        "Mean reward of the rollouts",
        "Tokens outside PPO's trust region (ε = 0.2)",
        "Mean token entropy",
    ),
    ("reward (share correct)", "fraction of tokens", "nats"),
):
    ax.set_xlabel("RL step")
    ax.set_ylabel(unit)
    ax.set_title(title)
axes[0].legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# Lines are means over the seeds, bands span them. The middle panel measures every loss against
# the same trust region, ε = 0.2 (`clip_fraction_ref`), so the three curves compare: for GRPO
# these are exactly the tokens it clipped; DAPO still learns from those with Â > 0 and
# 1.2 < r ≤ 1.28 (its wider upper bound); CISPO learns from all of them. The held-out
# accuracy after the runs (at T = 1,
# averaged over 8 answers per problem), mean ± standard deviation over the seeds, next to the
# SFT model it started from:

# %%
summary = summarize_over_seeds(runs, ("rl_greedy", "rl_sampled", "last_reward"))
print(f"{'':<10}{'greedy':>16}{'T=1':>16}{'last reward':>16}")
print(f"{'SFT start':<10}{start['rl_greedy']:>16.3f}{start['rl_sampled']:>16.3f}")
for loss, stats in summary.items():
    print(f"{loss:<10}" + "".join(f"{f'{m:.3f} ± {s:.3f}':>16}" for m, s in stats.values()))

# %% [markdown]
# Compare the differences between losses with the spread between seeds before reading anything
# into them. Our answers are 12 tokens long, not tens of thousands, and a few steps of a few
# dozen prompts cannot resolve a factor of two in training speed, the size of effect M1
# reported [1, Fig. 2]. Keeping every gradient is also not free: PPO's clip is a brake on how
# far one batch can move the policy, so a learning rate that suits GRPO can be too large for
# CISPO, whose only brake is the cap on the weight. M1 tuned ε^IS_high, and lowered it
# together with the gradient-clipping threshold to stabilise its longest runs [1, §5]. If
# CISPO ends *below* the others here, that is the other face of the mechanism part 2 measured:
# with several updates per batch, the PPO-style losses discard the gradient of a few percent
# of the tokens, mostly unlikely ones, and CISPO keeps it, for better or worse. To compare the
# losses properly, run `minimoe compare` in a terminal: it trains each loss with the
# `sorting-cispo` recipe over three seeds (tens of minutes on a 2-core CPU: nine RL runs and
# three SFT runs, each as long as the training times on the shipped checkpoints' cards).

# %% [markdown]
# ## 4. The FP32 LM head: precision as a policy change
#
# In M1's training, the probability the *inference* engine assigned to a sampled token and the
# probability the *training* engine recomputed for it disagreed, enough to stop the reward from
# growing. Layer-by-layer checks traced the error to large activations at the LM head; computing
# the head in FP32 raised the correlation of the two probabilities from about 0.9x to 0.99x
# (their Fig. 3 reads 0.987 → 0.997) [1, §3.2]. vLLM made the same change for MiniMax [3].
#
# Why it matters for RL: the loss computes r = π_train / π_sampler. Before any update the
# weights are identical, so r should be exactly 1. Any spread is pure numerical noise that the
# clip (or the IS weight) treats as a change of policy.
#
# Our trainer runs in fp32. We sample the same prompts three ways (the fp32 model itself, a
# bf16 copy, a bf16 copy whose LM head runs in fp32) and let the fp32 trainer recompute the
# probability of every sampled token.

# %%
from minimoe.experiments.precision import (
    cast_copy,
    probability_agreement,
    ratio_noise,
    sampler_and_trainer_logprobs,
)

# On the CPU whatever DEVICE is: every learner then measures the same rounding.
trainer = load_checkpoint(SHIPPED / "sorting-sft.safetensors").model
prompts = [p.prompt for p in train[: pick(16, 2)] for _ in range(4)]
samplers = {
    "fp32 sampler": trainer,
    "bf16 sampler": cast_copy(trainer, torch.bfloat16, fp32_lm_head=False),
    "bf16 + fp32 head": cast_copy(trainer, torch.bfloat16, fp32_lm_head=True),
}
measured = {}
print(
    f"{'sampler':<18}{'tokens':>7}{'max|Δp|':>9}{'mean|Δp|':>10}{'Pearson':>10}{'std r':>8}{'max|log r|':>11}{'r∉[0.8,1.2]':>12}"
)
for name, sampler in samplers.items():
    s_logp, t_logp = sampler_and_trainer_logprobs(
        sampler, trainer, prompts, max_new_tokens=budget, generator=torch.Generator().manual_seed(0)
    )
    agree = probability_agreement(t_logp.exp(), s_logp.exp())
    noise = ratio_noise(t_logp, s_logp, torch.ones_like(t_logp))
    measured[name] = (s_logp, t_logp, agree, noise)
    print(
        f"{name:<18}{len(t_logp):>7}{agree['max_abs_diff']:>9.2e}{agree['mean_abs_diff']:>10.2e}"
        f"{agree['pearson']:>10.5f}{noise['std']:>8.4f}{noise['max_abs_log']:>11.3f}{noise['outside']:>12.2%}"
    )
assert measured["fp32 sampler"][2]["max_abs_diff"] < 1e-4

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
for ax, name in zip(axes, ("bf16 sampler", "fp32 sampler")):
    s_logp, t_logp, agree, _ = measured[name]
    ax.scatter(s_logp.exp(), t_logp.exp(), s=5, alpha=0.5)
    ax.plot([0, 1], [0, 1], color="gray", lw=0.8)
    ax.set_xlabel("π of the sampled token, sampler")
    ax.set_ylabel("π of the same token, fp32 trainer")
    ax.set_title(f"{name}: Pearson {agree['pearson']:.4f}")
plt.tight_layout()
plt.show()

# %% [markdown]
# The fp32 sampler and trainer agree to rounding (their code paths differ: the sampler uses the
# hybrid cache one token at a time, the trainer a full forward pass). The bf16 sampler does not:
# r spreads around 1 although nothing was trained (its std and its largest |log r| are in the
# table). In our tiny model, keeping only the head in fp32 changes little: its logits are small
# (the first row of the next table shows the largest), and most of the error comes from the
# bf16 layers before the head. M1's problem was large activations *at the head*. We can reproduce
# that mechanism by scaling the head's weights (a sharper, more confident model) and comparing
# a bf16 head with an fp32 head on the same fp32 hidden states:

# %%
from minimoe.experiments.precision import final_hidden, head_precision_sweep
from minimoe.tasks import TOKENIZER

ids, mask = TOKENIZER.batch_encode(prompts)
hidden = final_hidden(trainer, ids, mask)[mask.bool()]
sweep = head_precision_sweep(
    hidden, trainer.lm_head.weight.detach(), (1, 2, 4, 8, 16), torch.Generator().manual_seed(0)
)
print(f"{'head scale':>10}{'max |logit|':>13}{'Pearson':>10}{'std of r':>10}")
for row in sweep:
    print(
        f"{row['scale']:>10.0f}{row['max_abs_logit']:>13.1f}{row['pearson']:>10.5f}{row['ratio_std']:>10.4f}"
    )
assert sweep[-1]["ratio_std"] > sweep[0]["ratio_std"]

# %% [markdown]
# The bf16 head's noise in r grows with the size of the logits, while the fp32 head (the
# reference in this comparison) adds none. A model with large activations at its head, as M1
# found in its own, therefore needs the head in fp32 more than ours does. minimoe follows M1:
# `fp32_lm_head=True` is the default in `MiniMoEConfig`.

# %%
print(f"lesson 07 ran in {time.perf_counter() - lesson_start:.0f} s")

# %% [markdown]
# ## Sources
#
# **Key terms:** CISPO, fork, importance-sampling weight, stop-gradient, DAPO, FP32 LM head.
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025). §3.1: CISPO (Eq. 4-7), the fork-token observation, 16
#    off-policy updates per batch, no lower bound on the IS weight, Fig. 2 (CISPO vs DAPO vs
#    GRPO on Qwen2.5-32B). §3.2: the training/inference probability mismatch, the FP32 LM head,
#    Fig. 3. https://arxiv.org/abs/2506.13585
# 2. Hugging Face TRL, `trl/trainer/grpo_config.py` (`epsilon_high`: the ε_max of ScaleRL,
#    recommended 5.0, when `loss_type="cispo"`): https://github.com/huggingface/trl
# 3. vLLM pull request #19592, "[Model] Fix minimax model cache & lm_head precision":
#    https://github.com/vllm-project/vllm/pull/19592
# 4. Q. Yu et al., *DAPO*, arXiv 2503.14476 (2025): clip-higher (ε_high = 0.28) and the
#    token-level loss. https://arxiv.org/abs/2503.14476
# 5. Z. Shao et al., *DeepSeekMath*, arXiv 2402.03300 (2024): GRPO.
#    https://arxiv.org/abs/2402.03300
# 6. J. Schulman et al., *Proximal Policy Optimization Algorithms*, arXiv 1707.06347 (2017).
#    https://arxiv.org/abs/1707.06347
