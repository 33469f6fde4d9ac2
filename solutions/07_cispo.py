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
# gave them low probability. During the updates their ratio r = π_θ/π_old rose quickly, PPO's
# clip set their gradient to zero, and they no longer took part in the remaining off-policy
# updates (M1 made 16 per batch). The fix, **CISPO**, clips the importance-sampling *weight*
# instead and keeps every token's gradient. This is where M1's RL and R1's part ways: R1
# trained with GRPO, with a clip range so wide that it almost never acts (part 6), while M1
# keeps a bound, on the weight. In this lesson you will
#
# 1. derive the mask of M1's unified objective, which turns CISPO's loss into PPO's, and check
#    where the two gradients agree, token by token;
# 2. work out how GRPO, CISPO and Dr. GRPO weigh the tokens of answers of unequal length, and
#    measure how unequal our answers are;
# 3. predict a ceiling on the tokens PPO can clip from above, then measure the clip as the
#    updates on one batch grow to M1's 16: a toy analogue of the fork-token argument;
# 4. run CISPO, DAPO and GRPO side by side, live and in a shipped three-seed comparison;
# 5. repeat M1's precision experiment in the setup our own RL loop uses, meet truncated
#    importance sampling, and complete the rest of M1's RL recipe.

# %%
import time

import matplotlib.pyplot as plt
import torch

from minimoe.env import best_device
from minimoe.exercises import check
from minimoe.smoke import is_smoke, pick

DEVICE = best_device()  # "cuda" on a GPU runtime such as Colab's, else "cpu" (or "mps")
torch.manual_seed(0)
lesson_start = time.perf_counter()

# %% [markdown]
# ## 1. One change to the loss
#
# CISPO keeps REINFORCE's form, weights each token by a *clipped, stop-gradient* importance
# ratio, and averages over all the tokens of a prompt's G answers (DAPO's token-level mean)
# [1, Eq. 4-5]:
#
# $$\mathcal{J}_{\text{CISPO}} = \mathbb{E}_q\Big[\frac{1}{\sum_{i=1}^{G} |o_i|} \sum_{i=1}^{G} \sum_t \operatorname{sg}(\hat r_{i,t})\, \hat A_{i}\, \log \pi_\theta(o_{i,t}\mid q, o_{i,<t})\Big],\qquad \hat r = \operatorname{clip}(r, 1-\varepsilon^{IS}_{low}, 1+\varepsilon^{IS}_{high}).$$
#
# M1 set no lower bound (ε^IS_low large) and tuned only ε^IS_high, whose value the report does
# not give [1, §3.1]. minimoe's default ε^IS_high = 4 caps the weight at 5, the cap that
# ScaleRL recommends as documented in TRL [2]. One difference in bookkeeping: the paper's
# normaliser counts the tokens of *one prompt's* G answers, while minimoe's loss, like verl's
# and TRL's, divides by the tokens of the whole batch [2, 7]. Part 2 measures what that changes.
#
# To compare CISPO with PPO, M1 writes both as one objective with a per-token mask M [1, Eq. 6]:
#
# $$\mathcal{J}_{\text{unify}} = \mathbb{E}_q\Big[\frac{1}{\sum_i |o_i|} \sum_i \sum_t \operatorname{sg}(\hat r_{i,t})\, \hat A_{i}\, \log \pi_\theta(o_{i,t})\, M_{i,t}\Big].$$
#
# With M ≡ 1 this is CISPO. Because sg(r)·∇log π = ∇r, the same formula with r̂ = r (no cap)
# has exactly the gradient of PPO's clipped objective, provided M is 0 where PPO's min picks its
# flat, clipped branch and 1 elsewhere (lesson 06 plotted that slope).
#
# **Exercise 1.** Derive that mask, M1's Eq. 7. `trust_region_mask(ratio, advantages, eps_low,
# eps_high)` takes `ratio` and `advantages` of the same shape and returns a bool tensor, True
# where M = 1 (the token keeps its gradient).


# %%
def trust_region_mask(ratio, advantages, eps_low, eps_high):
    """True where a token keeps its gradient under PPO's clip (M = 1 in M1's Eq. 7)."""
    ### BEGIN SOLUTION
    above = (advantages > 0) & (ratio > 1 + eps_high)  # already pushed up far enough
    below = (advantages < 0) & (ratio < 1 - eps_low)  # already pushed down far enough
    return ~(above | below)
    ### END SOLUTION


# %%
trust_region_mask = check("07.trust_region_mask", trust_region_mask)

# %% [markdown]
# Now test the claim on a made-up batch of 6 answers with ratios from 0.2 to 8. For every token
# we compute ∂L/∂log π, the weight its gradient gets, under a PPO-clipped loss with a token-level
# mean (DAPO's loss with ε = 0.2 on both sides), under the unified formula with your mask, and
# under CISPO:

# %%
from minimoe.experiments.fork_tokens import per_token_gradient
from minimoe.rl import LossConfig

gen = torch.Generator().manual_seed(0)
old_logp = -torch.rand(6, 10, generator=gen) * 3
new_logp = (old_logp + torch.empty(6, 10).uniform_(-1.6, 2.1, generator=gen)).clamp(max=0)
adv = torch.tensor([1.2, -0.8, 0.5, -1.5, 0.9, -0.3])
lengths = torch.tensor([10, 4, 7, 10, 2, 6])
mask = (torch.arange(10) < lengths[:, None]).float()
ratio = (new_logp - old_logp).exp()
ppo = LossConfig(eps_low=0.2, eps_high=0.2)
grad_ppo = per_token_gradient("dapo", new_logp, old_logp, adv, mask, ppo)
grad_cispo = per_token_gradient("cispo", new_logp, old_logp, adv, mask)
M = trust_region_mask(ratio, adv[:, None].expand_as(ratio), 0.2, 0.2)
N = mask.sum()
unified = -(ratio * adv[:, None] * M * mask) / N  # r̂ = r, with the mask
torch.testing.assert_close(grad_ppo, unified)
tokens = mask.bool()
same = tokens & M & (ratio <= 5)
print(f"{int(tokens.sum())} tokens: PPO's gradient = the unified formula's, everywhere")
print(f"CISPO = PPO on the {int(same.sum())} tokens inside the trust region with r ≤ 5")
print(f"PPO 0, CISPO not: {int((tokens & ~M).sum())} tokens outside the trust region")
print(f"both act, CISPO capped: {int((tokens & M & (ratio > 5)).sum())} tokens with Â < 0, r > 5")
torch.testing.assert_close(grad_cispo[same], grad_ppo[same])
assert (grad_ppo[tokens & ~M] == 0).all() and (grad_cispo[tokens & ~M] != 0).all()

# %% [markdown]
# So the often-quoted "inside the trust region CISPO gets exactly PPO's gradient" holds per
# token, and only with two provisos. The cap must not bite: a token of a bad answer whose r
# grew past 1 + ε^IS_high is still inside PPO's region (PPO never stops pushing *down* a token
# whose probability went up) and gets weight r there, but only 5 under CISPO. And the losses
# must divide by the same thing: here both use the token-level mean; GRPO divides each answer
# by its own length instead, so its per-token gradient differs by the factor part 2 works out.
# The explorer draws both weights as a function of r:

# %%
from IPython.display import display

from minimoe.widgets.gradients import gradient_weight_explorer

# Move the sliders to change PPO's ε and CISPO's cap; the plot is drawn once right away.
display(gradient_weight_explorer())

# %% [markdown]
# ## 2. How much each token weighs: answers of unequal length
#
# On-policy (r ≡ 1) every one of these losses gives token t of answer i the gradient
# −Â_i·w_i·∇log π, and the losses differ only in the weight w_i, set by how they average
# [1, 5, 9]:
#
# - GRPO: (1/G) Σ_i (1/|o_i|) Σ_t, each answer averaged over its own tokens, then the answers;
# - DAPO and CISPO: (1/Σ_i |o_i|) Σ_i Σ_t, every token counted once;
# - Dr. GRPO: (1/(G·L_max)) Σ_i Σ_t, with L_max the generation budget, a constant.
#
# **Exercise 2.** minimoe applies these to a batch of B answers (B in place of G,
# `LossConfig.aggregation` names them). For answers with token counts `lengths` (a `(B,)`
# tensor), return the weight w_i that each token of answer i gets, `(B,)`, under
# `"token_mean"` (DAPO, CISPO), `"sequence_mean"` (GRPO) or `"constant"` (Dr. GRPO, with
# `max_response_len` = L_max).


# %%
def token_weights(lengths, aggregation, max_response_len=None):
    """Per-token weight w_i of each answer's tokens in the loss, shape (B,)."""
    ### BEGIN SOLUTION
    lengths = torch.as_tensor(lengths, dtype=torch.float64)
    if aggregation == "token_mean":
        return torch.full_like(lengths, 1.0) / lengths.sum()
    if aggregation == "sequence_mean":
        return 1.0 / (len(lengths) * lengths)
    return torch.full_like(lengths, 1.0 / (len(lengths) * max_response_len))
    ### END SOLUTION


# %%
token_weights = check("07.token_weights", token_weights)
ragged = torch.tensor([4, 12])
print(f"{'two answers of 4 and 12 tokens':<34}{'w, short':>10}{'w, long':>10}{'long/short':>12}")
for aggregation, name in (
    ("sequence_mean", "GRPO"),
    ("token_mean", "DAPO, CISPO"),
    ("constant", "Dr. GRPO, L_max 16"),
):
    w = token_weights(ragged, aggregation, 16)
    print(f"{name:<34}{w[0]:>10.4f}{w[1]:>10.4f}{w[1] / w[0]:>12.2f}")

# %% [markdown]
# Under GRPO each token of the short answer weighs three times as much as one of the long
# answer; under the other two they weigh the same. If the long answer is wrong, GRPO pushes each
# of its tokens down only a third as hard: that is the length bias Dr. GRPO describes, which
# lets wrong answers drift longer [9]. How unequal are *our* answers? Sample the batch that part
# 3 will train on, 16 prompts × 8 answers at T = 1 from lesson 05's checkpoint, and compare
# GRPO's weights with CISPO's, and M1's per-prompt normaliser with minimoe's per-batch one:

# %%
from minimoe.checkpoint import load_checkpoint
from minimoe.recipes import SFT_SORTING, SHIPPED
from minimoe.rl.rollout import collect_rollout
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
lengths = rollout.response_lengths.long()
right = rollout.rewards == 1
prompts = len(lengths) // rollout.group_size
grpo_over_cispo = token_weights(lengths, "sequence_mean") / token_weights(lengths, "token_mean")
group_tokens = lengths.view(prompts, -1).sum(dim=1).double()
paper_over_batch = lengths.sum() / (prompts * group_tokens)  # 1/(Q·N_q) over 1/N, per prompt
print(f"{len(lengths)} answers, mean reward {rollout.rewards.mean():.3f}")
print(
    f"lengths: {int(lengths.min())} to {int(lengths.max())} tokens (budget {budget}); "
    f"{(lengths == 12).float().mean():.0%} have 12; right answers: "
    f"{sorted(set(lengths[right].tolist()))}"
)
print(
    f"GRPO's per-token weight / CISPO's: {grpo_over_cispo.min():.2f} to {grpo_over_cispo.max():.2f}"
)
print(
    f"M1's per-prompt normaliser / minimoe's per-batch one: {paper_over_batch.min():.3f} to "
    f"{paper_over_batch.max():.3f}"
)

# %% [markdown]
# A right answer is normally `#`, ten digits and `<eos>`, 12 tokens (the verifier reads what
# follows the last `#`, so a rare right answer is longer). Wrong answers stop early or run on.
# In our batch most answers have 12 tokens, but not all, and GRPO gives the tokens of a short
# wrong answer several times the weight CISPO gives them (the range is printed above). M1's
# per-prompt normaliser and minimoe's per-batch one agree far more closely, because they
# differ only by how one prompt's total token count compares with the average prompt's: in our
# batch by about a tenth at most. Both pairs would agree exactly if every answer had the same
# length. With answers of hundreds to tens of thousands of tokens, as in M1's training, these
# choices change the gradient a lot; here they change the weight of a minority of short, wrong
# answers.

# %% [markdown]
# ## 3. Which tokens does PPO clip? A toy analogue of the fork-token argument
#
# M1's argument has three steps [1, §3.1]: the reflective tokens are rare, so their π_old is
# low; during the updates their ratio r grows fast; so PPO's clip removes their gradient from
# most of the 16 off-policy updates, and DAPO's wider upper edge (0.28) did not help enough in
# that setting. Our sorting task has no reflective tokens: an answer is ten digits, `#` and
# `<eos>`, and nothing in it is a second attempt. So this part is a **toy analogue**. It can
# test the mechanism the argument rests on: after the first update, which tokens leave PPO's
# trust region, how likely were they, and how much of the gradient does the clip take away as
# the updates pile up? It cannot show whether those tokens matter for reasoning, whether keeping
# their gradient makes long chains of thought emerge, or M1's claim about entropy, which part 4
# returns to.
#
# We replay M1's schedule on one batch, the one sampled above: 16 optimizer updates on the same
# rollouts with CISPO, so that every token keeps learning, recording r for every token before
# each update. At each update we ask which tokens PPO's trust region (ε = 0.2) *would* cut, and
# what share of the gradient they carry (`dropped_gradient_mass`: the summed |r·Â| of those
# tokens over the summed |r·Â| of all tokens). `replay_updates` takes the same `RLConfig` as the
# RL trainer and runs the trainer's own update loop (`minimoe.rl.trainer.update_policy`, with
# the optimizer `train_rl` builds), keeping what each update saw. We set `warmup=0`: the trainer
# raises its learning rate over its first 8 updates, and we want a batch from later in a run, at
# the full learning rate. (R1 splits each generation batch into 16 minibatches and passes over
# each once [10]; we pass over the whole batch 16 times, a harsher test of the clip.)
#
# Before running it, predict. However many updates you make, some tokens can *never* be
# clipped from above.
#
# **Exercise 3.** Return the largest share of the batch's response tokens that PPO's clip could
# ever cut from above: `up_clip_ceiling(old_logp, advantages, mask, eps_high)`, with `old_logp`
# and `mask` of shape `(batch, seq)` and `advantages` of shape `(batch,)`.


# %%
def up_clip_ceiling(old_logp, advantages, mask, eps_high):
    """The largest share of response tokens that PPO's clip can ever cut from above."""
    ### BEGIN SOLUTION
    adv = advantages[:, None].expand_as(old_logp)
    # π_θ ≤ 1, so r ≤ 1/π_old: only tokens with π_old < 1/(1 + ε) can pass the upper edge
    possible = (adv > 0) & (old_logp.exp() < 1 / (1 + eps_high)) & mask.bool()
    return (possible.sum() / mask.sum()).item()
    ### END SOLUTION


# %%
from minimoe.experiments.fork_tokens import replay_updates
from minimoe.rl import clip_fraction, dropped_gradient_mass
from minimoe.rl.trainer import RLConfig, make_policy_batch

up_clip_ceiling = check("07.up_clip_ceiling", up_clip_ceiling)
config = RLConfig(loss="cispo", updates_per_batch=pick(16, 3), lr=1e-4, warmup=0)
batch = make_policy_batch(model, rollout, config)  # π_old and Â, before any update
ceiling = up_clip_ceiling(batch.old_logp, batch.advantages, batch.mask, 0.2)
print(f"at most {ceiling:.1%} of the response tokens can ever be clipped from above (ε = 0.2)")
replay = replay_updates(model, rollout, config)

# %%
print(
    f"{'update':>6}{'max r':>8}{'clipped, PPO 0.2':>18}{'of which above':>16}"
    f"{'grad mass dropped':>19}{'clipped, DAPO':>15}"
)
clipped_both, clipped_above = [], []
for snap in replay.updates:
    args = (snap.ratio, replay.advantages, replay.mask)
    both = clip_fraction(*args, 0.2, 0.2).item()
    above = clip_fraction(*args, float("inf"), 0.2).item()  # no lower edge: the upper side only
    clipped_both.append(both)
    clipped_above.append(above)
    print(
        f"{snap.update:>6}{snap.metrics['max_ratio']:>8.2f}{both:>18.2%}{above:>16.2%}"
        f"{dropped_gradient_mass(*args, 0.2, 0.2).item():>19.2%}"
        f"{clip_fraction(*args, 0.2, 0.28).item():>15.2%}"
    )
assert replay.updates[0].metrics["clip_fraction"] == 0.0  # the first update is on-policy
assert max(clipped_above) <= ceiling  # a law: r ≤ 1/π_old
if not is_smoke():
    assert clipped_both[-1] > clipped_both[1]  # more updates, more of the batch outside

fig, ax = plt.subplots(figsize=(7, 3.6))
updates = [snap.update for snap in replay.updates]
ax.plot(updates, clipped_both, marker="o", label="clipped, either side")
ax.plot(updates, clipped_above, marker="s", label="clipped from above (Â > 0)")
ax.axhline(ceiling, color="black", ls="--", lw=1, label="your ceiling for 'above'")
ax.set_xlabel("update on the same batch")
ax.set_ylabel("share of response tokens")
ax.set_title("Tokens outside PPO's trust region (ε = 0.2), update by update")
ax.legend(fontsize=8)
plt.show()

# %% [markdown]
# Update 1 is on-policy: r = 1 for every token and nothing is clipped (asserted). From update 2
# on the policy has moved, and the clipped share grows with the number of updates on the batch
# (asserted, last against second). In our run the share clipped from above levels off at about
# half your ceiling: not every token that *could* pass the edge moves that far. Under
# a PPO-style loss all of these tokens would get zero gradient. DAPO's wider upper edge (0.28)
# clips fewer, but not none. Where are they? Plot each token's old probability against its ratio
# at the last update.

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
ax.set_ylim(0.01, 50)
ax.set_xlabel("π_old(token): probability when sampled")
ax.set_ylabel(f"r = π_θ / π_old after {last.update - 1} updates")
ax.set_title("Which tokens PPO's clip (ε = 0.2) would drop")
ax.legend(fontsize=8, loc="upper right")
plt.show()

# %% [markdown]
# Read the plot by colour. A token can be clipped *above* (red: Â > 0 and r > 1.2) only if
# its old probability left room to grow, π_old < 1/1.2, because r ≤ 1/π_old (the black line):
# that is your ceiling, and M1's case of unlikely tokens whose probability rises fast. A token
# is clipped *below* (blue: Â < 0 and r < 0.8) when it belongs to a wrong answer and its
# probability has already fallen by more than 20%; that can happen to confident tokens too.
# Binned by old probability, with the two sides counted apart:

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
rate_low, rate_high = view.clipped[low].float().mean(), view.clipped[~low].float().mean()
print(f"clip rate, both sides: π_old < 0.5: {rate_low:.1%}, π_old ≥ 0.5: {rate_high:.1%}")
if not is_smoke():
    assert rate_low > rate_high  # the unlikely tokens are the ones that leave the region

# %% [markdown]
# The unlikely tokens leave the trust region far more often than the likely ones (asserted).
# In sorting they are the places where the model hesitated between repeating a digit, moving
# on, or stopping, and their probability moves most in a few updates, up or down. Now look at
# the two columns apart. In our run the unlikely tokens were clipped from *below*: they belong
# to wrong answers, and the updates pushed them down past 0.8 of their old probability. The
# tokens clipped from *above*, M1's case, had old probabilities between about 0.3 and 0.9, not
# the rare tokens M1 describes. Here are a few answers with the tokens PPO would clip at the
# last update in [brackets]:

# %%
from minimoe.experiments.fork_tokens import highlight_tokens

outside = ~trust_region_mask(last.ratio, replay.advantages[:, None].expand_as(last.ratio), 0.2, 0.2)
outside &= replay.mask.bool()
first_per_prompt = {}  # one answer per prompt, the first that has a clipped token
for i in range(outside.shape[0]):
    if outside[i].any():
        first_per_prompt.setdefault(rollout.problems[i].prompt, i)
for i in list(first_per_prompt.values())[:6]:
    answer = highlight_tokens(rollout.ids[i], replay.mask[i], outside[i])
    print(f"{rollout.problems[i].prompt:<13} Â = {replay.advantages[i]:+.2f}  {answer}")

# %% [markdown]
# Finally, the gradient itself. For the last update's ratios, compute ∂L/∂log π per token
# under DAPO and under CISPO: DAPO's is exactly zero on every token it clips; CISPO's is not.

# %%
grads = {
    loss: per_token_gradient(loss, last.logp, replay.old_logp, replay.advantages, replay.mask)
    for loss in ("dapo", "cispo")
}
dapo_mask = trust_region_mask(
    last.ratio, replay.advantages[:, None].expand_as(last.ratio), 0.2, 0.28
)
clipped = ~dapo_mask & replay.mask.bool()
for loss, g in grads.items():
    share = g[clipped].abs().sum() / g.abs().sum()
    print(
        f"{loss:<6} |gradient| on the {int(clipped.sum())} tokens DAPO clips: {share:.1%} of the total"
    )
assert grads["dapo"][clipped].abs().sum() == 0.0
if clipped.any():
    assert grads["cispo"][clipped].abs().sum() > 0  # CISPO keeps learning from them

# %% [markdown]
# **What the analogue shows, and what it does not.** It shows the mechanism: with several
# updates per batch, the share of tokens outside PPO's trust region grows, the clip removes a
# growing share of the gradient, the unlikely tokens are the ones that leave most often, an
# upper clip can only ever reach tokens below 1/(1 + ε), and CISPO keeps learning from all of
# them. It does not reproduce M1's picture of rare, useful tokens cut off from above: in our
# run the rare tokens were mistakes being unlearned (blue), and the tokens clipped above were
# moderately likely ones. Sorting has no rare token that a right answer needs, the way a long
# proof can need a "Wait". Nor does the analogue show that keeping those gradients helps; part
# 4 tests that at our scale.

# %% [markdown]
# ## 4. CISPO vs DAPO vs GRPO
#
# Does keeping those gradients help? M1 reports that in RL from the Qwen2.5-32B base model,
# CISPO matched DAPO's accuracy in half the training steps [1, §3.1, Fig. 2]. First a short live
# run at our scale: from the same SFT checkpoint, each loss gets the same prompts (one seed),
# 8 steps of 16 prompts × 8 answers, 4 updates per batch. The learning rate matters more than
# the loss here: each batch is used four times, so its noise (16 prompts is a small sample) is
# fitted four times over, and a step size that suits two updates per batch is too large for
# four. We use 2e-5, with the trainer's warm-up over its first 8 updates.

# %%
import dataclasses

from minimoe.recipes import accuracies
from minimoe.rl.trainer import train_rl

losses, seed = ("cispo", "dapo", "grpo"), 0
start = accuracies(
    load_checkpoint(SHIPPED / "sorting-sft.safetensors").model.to(DEVICE), held_out, "sft"
)
live = RLConfig(
    steps=pick(8, 1),
    prompts_per_step=pick(16, 2),
    group_size=8,
    updates_per_batch=4,
    lr=2e-5,
    eval_every=0,
    seed=seed,
)
runs = {}
for loss in losses:
    model = load_checkpoint(SHIPPED / "sorting-sft.safetensors").model.to(DEVICE)
    history = train_rl(model, train, dataclasses.replace(live, loss=loss))
    runs[loss] = {"history": history, **accuracies(model, held_out, "rl", seed)}

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.2))
for loss, run in runs.items():
    steps = [h["step"] for h in run["history"]]
    for ax, key in zip(axes, ("reward", "clip_fraction_ref", "entropy")):
        ax.plot(steps, [h[key] for h in run["history"]], marker="o", label=loss)
for ax, title, unit in zip(
    axes,
    (
        "Mean reward of the rollouts",
        "Tokens outside PPO's trust region (ε = 0.2)",
        "Mean token entropy of the sampler",
    ),
    ("reward (share correct)", "fraction of tokens", "nats"),
):
    ax.set_xlabel("RL step")
    ax.set_ylabel(unit)
    ax.set_title(title)
axes[0].legend()
plt.tight_layout()
plt.show()

print(f"{'held-out':<10}{'greedy':>8}{'T=1':>16}{'T=1 gain':>10}{'last reward':>13}")
sampled = f"{start['sft_sampled']:.3f} ± {start['sft_sampled_se']:.3f}"
print(f"{'SFT start':<10}{start['sft_greedy']:>8.3f}{sampled:>16}")
gains = {}
for loss, run in runs.items():
    gains[loss] = run["rl_sampled"] - start["sft_sampled"]
    sampled = f"{run['rl_sampled']:.3f} ± {run['rl_sampled_se']:.3f}"
    print(
        f"{loss:<10}{run['rl_greedy']:>8.3f}{sampled:>16}{gains[loss]:>+10.3f}"
        f"{run['history'][-1]['reward']:>13.3f}"
    )
if not is_smoke():
    error = start["sft_sampled_se"]
    assert sum(gains.values()) / len(gains) > 2 * error, "RL should raise T = 1 accuracy"
    assert all(gain > 0 for gain in gains.values())

# %% [markdown]
# The middle panel measures every loss against the same trust region, ε = 0.2
# (`clip_fraction_ref`), so the curves compare: for GRPO these are exactly the tokens it
# clipped; DAPO still learns from those with Â > 0 and 1.2 < r ≤ 1.28 (its wider upper edge);
# CISPO learns from all of them. At this learning rate the share stays at or below about one
# percent, so the three losses differ on very few tokens, and in our run their curves nearly
# coincide. They rise and fall together because every loss draws the same prompts at a given
# step, and some steps' prompts are harder than others (the dip in reward and the bump in
# entropy fall on the same step). All three raise the T = 1 accuracy above the SFT start (the
# cell asserts that the mean gain is more than twice its standard error and that every gain is
# positive), and in our run the greedy accuracy rose too. Comparing the losses with each other
# needs more than one seed and a longer run: that is the shipped comparison below.
#
# **Entropy.** M1 writes that the low-probability tokens PPO clips "are often crucial for
# stabilizing entropy", and that CISPO keeps entropy "within a reasonable range" [1, §3.1].
# Why would a clip lower entropy? In policy-gradient training the entropy falls when likely
# tokens are pushed up and rises when unlikely tokens with a positive advantage are [11];
# PPO's upper clip cuts exactly the second kind, so a clip-high alone drives entropy down, even
# with random rewards [12]. Our third panel shows the sampler's entropy step by step; with
# about a percent of tokens clipped and 8 steps, the three losses cannot drift apart much, and
# in our run they do not. An effect on entropy needs many more steps and more clipping than
# fits here.

# %% [markdown]
# ### The full comparison, shipped
#
# `minimoe compare` trains each loss with the `sorting-cispo` recipe (30 steps of 32 prompts ×
# 8 answers, 2 updates per batch, lr 1e-4) from a fresh SFT model per seed, over three seeds,
# and writes every run's history as JSON with a plot beside it. The copy shipped with minimoe
# was made by the command printed below (about an hour on a shared 2-core CPU); it measured
# the held-out accuracy every 10 steps.

# %%
from minimoe.recipes import COMPARISON_COMMAND, load_comparison, plot_comparison

shipped = load_comparison()
print(COMPARISON_COMMAND)
print(f"\n{'':<8}{'SFT greedy':>14}{'SFT T=1':>14}{'RL greedy':>14}{'RL T=1':>14}")
for loss, stats in shipped["summary"].items():
    cells = [stats[k] for k in ("sft_greedy", "sft_sampled", "rl_greedy", "rl_sampled")]
    print(f"{loss:<8}" + "".join(f"{f'{m:.3f} ± {s:.3f}':>14}" for m, s in cells))
print(f"(mean ± standard deviation over seeds {shipped['seeds']})")
plot_comparison(shipped)
plt.show()
assert all(r["rl_sampled"] > r["sft_sampled"] for r in shipped["runs"])
for loss in shipped["losses"]:
    clipped = [
        h["clip_fraction_ref"] for r in shipped["runs"] if r["loss"] == loss for h in r["history"]
    ]
    print(
        f"{loss}: tokens outside PPO's trust region, mean over steps and seeds {sum(clipped) / len(clipped):.2%}"
    )
final = {(r["seed"], r["loss"]): r["rl_sampled"] for r in shipped["runs"]}
for other in ("dapo", "grpo"):
    gaps = [final[seed, "cispo"] - final[seed, other] for seed in shipped["seeds"]]
    print(f"T=1, CISPO minus {other.upper()} per seed: " + ", ".join(f"{g:+.3f}" for g in gaps))
worst = max(r["rl_sampled_se"] for r in shipped["runs"])
print(f"(one run's T=1 accuracy has a standard error of at most {worst:.3f})")

# %% [markdown]
# Every loss raised the T = 1 accuracy above its SFT start in every seed (asserted), by far more
# than the greedy accuracy, and the seeds spread widely: the bands overlap throughout. Read the
# per-seed gaps, which compare the losses on the same SFT model and the same prompts: in the
# shipped run CISPO ended at or below DAPO and GRPO in every seed, by a few standard errors of
# one run in two seeds and by about nothing in the third. So at this scale, with two updates
# per batch, CISPO did not beat the PPO-style losses; if anything it trailed them slightly, and
# three seeds cannot say whether that is real. That is no verdict on M1's claim. Its effect
# came from rare tokens in long answers with 16 updates per batch [1, §3.1]; our answers are 12
# tokens long, the clip touched under a percent of them on average (printed above), and part 3
# found no rare token that a right answer depends on. Keeping every
# gradient is also not free: PPO's clip is a brake on how far one batch can move the policy,
# and CISPO's only brake is its cap, which M1 tuned, and lowered together with the gradient
# clipping threshold to stabilise its longest runs [1, §5].

# %% [markdown]
# ## 5. The FP32 LM head, and where a precision mismatch hides
#
# In M1's training, the probability the *inference* engine assigned to a sampled token and the
# probability the *training* engine recomputed for it disagreed, enough to stop the reward from
# growing. Layer-by-layer checks traced the error to large activations at the LM head; computing
# the head in FP32 raised the correlation of the two probabilities from about 0.9x to 0.99x
# (their Fig. 3 reads 0.987 → 0.997) [1, §3.2]. vLLM made the same change for MiniMax [3].
#
# Where does such a mismatch enter the loss? That depends on who supplies π_old:
#
# - **The trainer recomputes π_old** with its own weights and arithmetic, as verl does by
#   default [7] and as minimoe's RL trainer does (`make_policy_batch` scores the rollout with
#   the training model). Then r = π_θ/π_old is exactly 1 at the first update, whatever the
#   sampler did: the mismatch never shows in r, and no clip sees it. But the tokens were drawn
#   from π_sampler, not from π_train, so the "on-policy" gradient is silently off-policy, and
#   biased. **Truncated importance sampling** (TIS) corrects it: multiply each token's term by
#   w = min(π_train(o_t)/π_sampler(o_t), C), a stop-gradient weight capped at C, exactly the
#   form of CISPO's weight with a different ratio inside [8, 7].
# - **The sampler's log-probabilities serve as π_old** (cheaper: no extra forward pass). Then
#   π_train/π_sampler sits inside r from the first update, and the clip (or CISPO's cap)
#   treats that noise as a change of policy.
#
# Our trainer runs in fp32. We sample the same prompts three ways (the fp32 model itself, a
# bf16 copy, a bf16 copy whose LM head runs in fp32) and let the fp32 trainer recompute the
# probability of every sampled token. The ratio w = π_train/π_sampler is the TIS weight of the
# first setup and the first update's r of the second.

# %%
from minimoe.experiments.precision import (
    cast_copy,
    probability_agreement,
    ratio_noise,
    sampler_and_trainer_logprobs,
    truncated_is_weight,
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
    f"{'sampler':<18}{'tokens':>7}{'Pearson':>10}{'std w':>8}{'max|log w|':>11}"
    f"{'w∉[0.8,1.2]':>12}{'w > C = 2':>10}"
)
for name, sampler in samplers.items():
    s_logp, t_logp = sampler_and_trainer_logprobs(
        sampler, trainer, prompts, max_new_tokens=budget, generator=torch.Generator().manual_seed(0)
    )
    agree = probability_agreement(t_logp.exp(), s_logp.exp())
    noise = ratio_noise(t_logp, s_logp, torch.ones_like(t_logp))
    capped = (truncated_is_weight(t_logp, s_logp, cap=2.0) == 2.0).float().mean()
    measured[name] = (s_logp, t_logp, agree, noise)
    print(
        f"{name:<18}{len(t_logp):>7}{agree['pearson']:>10.5f}{noise['std']:>8.4f}"
        f"{noise['max_abs_log']:>11.3f}{noise['outside']:>12.2%}{capped:>10.2%}"
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
# w spreads around 1 although nothing was trained (its std and its largest |log w| are in the
# table). Now feed a bf16 sampler's rollout into *our* loop, which recomputes π_old with the
# fp32 trainer, and look at r in the first update:

# %%
import copy

bf16_rollout = collect_rollout(
    samplers["bf16 sampler"],
    train[: pick(16, 2)],
    4,
    max_new_tokens=budget,
    generator=torch.Generator().manual_seed(0),
)
first = replay_updates(copy.deepcopy(trainer), bf16_rollout, RLConfig(updates_per_batch=1))
log_r = (first.updates[0].ratio.log() * first.mask).abs().max().item()
print(f"first update on the bf16 sampler's rollout: largest |log r| = {log_r:.1e}")
assert log_r < 1e-5  # r = 1 exactly: the mismatch is invisible to the clip

# %% [markdown]
# So in our loop, as in verl's default, the bf16 sampler's mismatch never reaches r: the clip
# and CISPO's cap see a perfectly on-policy batch, and the bias goes unnoticed. A TIS weight
# would correct it. In our run the mismatch is small: w stays inside [0.8, 1.2] for every token
# (the table's "w∉" column), so in the other setup PPO's clip would not have fired on it at the
# first update, and a cap of C = 2 (the last column) truncates nothing; TIS would reweight most
# tokens by about a percent (the std of w). In our tiny model, keeping only the head in fp32
# changes little: its logits
# are small (the first row of the next table shows the largest), and most of the error comes
# from the bf16 layers before the head. M1's problem was large activations *at the head*. We
# can reproduce that mechanism by scaling the head's weights (a sharper, more confident model)
# and comparing a bf16 head with an fp32 head on the same fp32 hidden states:

# %%
from minimoe.experiments.precision import final_hidden, head_precision_sweep
from minimoe.tasks import TOKENIZER

ids, attention = TOKENIZER.batch_encode(prompts)
hidden = final_hidden(trainer, ids, attention)[attention.bool()]
sweep = head_precision_sweep(
    hidden, trainer.lm_head.weight.detach(), (1, 2, 4, 8, 16), torch.Generator().manual_seed(0)
)
print(f"{'head scale':>10}{'max |logit|':>13}{'Pearson':>10}{'std of w':>10}")
for row in sweep:
    print(
        f"{row['scale']:>10.0f}{row['max_abs_logit']:>13.1f}{row['pearson']:>10.5f}"
        f"{row['ratio_std']:>10.4f}"
    )
assert sweep[-1]["ratio_std"] > sweep[0]["ratio_std"]

# %% [markdown]
# The bf16 head's noise grows with the size of the logits (asserted), while the fp32 head (the
# reference in this comparison) adds none. A model with large activations at its head, as M1
# found in its own, therefore needs the head in fp32 more than ours does. minimoe follows M1:
# `fp32_lm_head=True` is the default in `MiniMoEConfig`.
#
# ## 6. The rest of M1's RL recipe
#
# **Thinking budgets.** M1 was released in two versions, with 40K and 80K tokens of thinking
# budget [1, Table 1]. For the 80K model the output window was widened in stages, 40K → 48K →
# 56K → 64K → 72K → 80K, each stage starting once the p99 output length approached the window
# [1, §5]. RL at such lengths is affordable because the rollouts are: a lightning layer's cost
# per generated token does not grow with the length, so only the 10 softmax layers in 80 pay
# for a long context. M1's report claims about 25% of DeepSeek-R1's FLOPs at a generation
# length of 100K tokens, and puts its whole RL run at three weeks on 512 H800 GPUs [1]. Lesson
# 08 measures that cost curve, for minimoe and from the public configs of M1 and R1.
#
# **AdamW at β2 = 0.95, ε = 1e-15.** With verl's default AdamW settings (β2 = 0.999,
# ε = 1e-8), M1's training did not converge: its gradients spanned 1e-18 to 1e-5, most of them
# below 1e-14 [1].
# Adam divides each gradient by the root of its running square plus ε, so a gradient far below
# ε barely moves its weight. One step on a single weight shows it:

# %%
for eps in (1e-8, 1e-15):
    weight = torch.zeros(1, requires_grad=True)
    adam = torch.optim.AdamW([weight], lr=1.0, betas=(0.9, 0.95), eps=eps, weight_decay=0.0)
    weight.grad = torch.tensor([1e-14])
    adam.step()
    print(f"ε = {eps:.0e}: a gradient of 1e-14 moves the weight by {abs(weight.item()):.2e} × lr")
grads = torch.cat([p.grad.abs().flatten() for p in model.parameters() if p.grad is not None])
grads = grads[grads > 0]  # weights this update did not touch at all have no gradient to shrink
tiny_share = (grads < 1e-8).float().mean().item()
print(f"our last RL update: {tiny_share:.1%} of the nonzero gradient entries are below 1e-8")

# %% [markdown]
# With ε = 1e-8 the step is a millionth of what Adam intends; with ε = 1e-15 it is nearly the
# full step. Our model's gradients are mostly far larger (the share printed above is for the
# last update of part 4's GRPO run), so minimoe keeps ε = 1e-8 and uses M1's β2 = 0.95
# (`RLConfig.betas`).
#
# **Stopping repetitive rollouts.** M1 halts a generation once 3,000 consecutive tokens each had
# a probability above 0.99 [1]: such a run is almost surely stuck in a loop, and stopping it
# both stabilises training and saves the generation time. Our 16-token budget makes this moot.
#
# **R1's clip, for contrast.** The Nature version of the DeepSeek-R1 paper gives the settings of
# R1's first RL stage: learning rate 3e-6, KL coefficient 0.001, 16 answers per question, and a
# GRPO clip ratio ε = 10 [10]. With ε = 10 the lower edge, 1 − ε = −9, can never be reached,
# so a token of a bad answer is never clipped; the upper edge, r = 11, can only be reached by a
# token with π_old < 1/11 ≈ 0.09, and only after its probability grew elevenfold. R1's GRPO is
# therefore nearly unclipped: like CISPO, it lets almost every token keep its gradient through
# the 16 minibatches of each rollout [10], but where CISPO caps the weight of a runaway token
# at 1 + ε^IS_high and keeps it, R1's GRPO drops a token entirely once r passes 11. Both depart
# from PPO's ε = 0.2 in the same direction: far fewer tokens silenced.

# %%
print(f"lesson 07 ran in {time.perf_counter() - lesson_start:.0f} s")

# %% [markdown]
# ## What you built
#
# - `trust_region_mask`, the mask of M1's Eq. 7, and with it the unified objective: CISPO's
#   gradient equals PPO's token by token inside the trust region, while r ≤ 1 + ε^IS_high and
#   when both losses divide by the same normaliser.
# - `token_weights` for GRPO's, DAPO/CISPO's and Dr. GRPO's averaging, and a measurement that
#   sorting answers are nearly all 12 tokens long, so that the normalisers barely differ here.
# - `up_clip_ceiling` and a replay of M1's 16 updates on one batch: the share of tokens outside
#   PPO's trust region grows with the updates and stays under your ceiling, the clipped tokens
#   are mostly the unlikely ones, and CISPO keeps their gradient where DAPO drops it.
# - A live CISPO/DAPO/GRPO run that raised the held-out accuracy, and the shipped three-seed
#   comparison with its command.
# - M1's precision experiment in our loop's setup: r = 1 at the first update although the
#   sampler was bf16, the mismatch hidden in the samples, and `truncated_is_weight`, the TIS
#   weight that corrects it; the bf16 head's noise growing with the size of the logits.
# - The rest of M1's recipe: the 40K and 80K budgets, AdamW's ε = 1e-15, the repetition stop,
#   and R1's nearly unclipped GRPO for contrast.
#
# **Key terms:** CISPO, fork, importance-sampling weight, stop-gradient, FP32 LM head,
# truncated importance sampling.
#
# ## Try it
#
# Is PPO's clip a brake worth having? Rerun part 4 with `lr=5e-5` (still 4 updates per batch):
# watch the clip-fraction panel and the held-out table. In our runs CISPO, with no brake but
# its cap, fell below its SFT start at that learning rate while GRPO and DAPO held. Then give
# CISPO a tighter cap, the knob M1 tuned (and lowered for its longest runs [1, §5]):
# `dataclasses.replace(live, loss="cispo", lr=5e-5, loss_config=LossConfig(is_eps_high=0.5))`.
# For a longer look, run the shipped comparison's recipe with four updates per batch:
# `compare_losses(CISPO_SORTING, ("cispo", "grpo"), (0, 1), rl_changes={"updates_per_batch": 4,
# "lr": 2e-5})` from `minimoe.recipes` (tens of minutes on a laptop).
#
# ## Check your understanding
#
# 1. Under which conditions does a token get exactly the same gradient from CISPO as from
#    PPO's clipped objective? Name all of them.
# 2. A batch holds a right answer of 12 tokens and a wrong answer of 48. Under GRPO's
#    averaging, how hard is each token of the wrong answer pushed down, compared with CISPO's
#    token-level mean on the same batch? Which way does that push answer lengths?
# 3. Why can a token with π_old = 0.9 never be clipped from above at ε = 0.2, and what does
#    that say about which tokens PPO's upper clip silences?
# 4. In minimoe's loop a bf16 sampler leaves r = 1 at the first update. Why is the gradient
#    still wrong, and what does truncated importance sampling multiply each token's term by?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. Three: the token is inside PPO's trust region (M = 1); its ratio is at most
#    1 + ε^IS_high, so CISPO's cap does not bite (this matters for tokens with Â < 0 whose r
#    grew, which PPO never clips); and both losses use the same normaliser. On the first,
#    on-policy update (r ≡ 1) only the normaliser can differ.
# 2. With B = 2, GRPO gives each token of answer i the weight 1/(2·|o_i|): 1/96 for the wrong
#    answer's tokens, 1/24 for the right one's. CISPO gives every token 1/60. So each wrong
#    token is pushed down 60/96 = 0.625 times as hard as under CISPO, and the longer a wrong
#    answer, the weaker its per-token penalty: wrong answers can drift longer, Dr. GRPO's length
#    bias.
# 3. Because π_θ ≤ 1, r = π_θ/π_old ≤ 1/0.9 ≈ 1.11 < 1.2. Only tokens with π_old < 1/1.2 ≈
#    0.83 can pass the upper edge, so the upper clip only ever silences the less likely tokens,
#    the ones that explore: DAPO's reason for clip-higher and M1's for CISPO.
# 4. The tokens were drawn from the bf16 sampler's distribution, not from the fp32 trainer's,
#    so the batch estimates the gradient under the wrong distribution, a bias no clip sees
#    because π_old came from the trainer. TIS multiplies each token's term by the stop-gradient
#    weight min(π_train(o_t)/π_sampler(o_t), C).

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025). §3.1: CISPO (Eq. 4-7), the fork-token observation and the role
#    of low-probability tokens for entropy, 16 off-policy updates per batch, no lower bound on
#    the IS weight, DAPO's dynamic sampling and length penalty, Fig. 2 (CISPO vs DAPO vs GRPO on
#    Qwen2.5-32B). §3.2: the training/inference probability mismatch, the FP32 LM head, Fig. 3.
#    §3.2 and §5: the AdamW settings (β2 = 0.95, ε = 1e-15) and the gradient magnitudes, the
#    repetition stop, the 40K → 80K windows, lower ε^IS_high for stability. Table 1 (40K and
#    80K budgets), the FLOPs and RL-cost claims. https://arxiv.org/abs/2506.13585
# 2. Hugging Face TRL, `trl/trainer/grpo_config.py` (`epsilon_high`: the ε_max of ScaleRL,
#    recommended 5.0, when `loss_type="cispo"`) and `trl/trainer/grpo_trainer.py` (CISPO and
#    DAPO divide by the response tokens of the whole batch): https://github.com/huggingface/trl
# 3. vLLM pull request #19592, "[Model] Fix minimax model cache & lm_head precision":
#    https://github.com/vllm-project/vllm/pull/19592
# 4. Q. Yu et al., *DAPO*, arXiv 2503.14476 (2025): clip-higher (ε_high = 0.28) and the
#    token-level loss. https://arxiv.org/abs/2503.14476
# 5. Z. Shao et al., *DeepSeekMath*, arXiv 2402.03300 (2024): GRPO.
#    https://arxiv.org/abs/2402.03300
# 6. J. Schulman et al., *Proximal Policy Optimization Algorithms*, arXiv 1707.06347 (2017).
#    https://arxiv.org/abs/1707.06347
# 7. verl, `verl/trainer/ppo/core_algos.py` (`compute_policy_loss_cispo`; `agg_loss` with
#    `token-mean` over the batch) and `docs/algo/rollout_corr_math.md` (old log-probabilities
#    recomputed by the training model unless the rollout's are used, "bypass" mode; truncated
#    importance weights with typical caps of 1.5 to 5): https://github.com/volcengine/verl
# 8. F. Yao, L. Liu et al., *Your Efficient RL Framework Secretly Brings You Off-Policy RL
#    Training* (2025): truncated importance sampling for the sampler/trainer mismatch.
#    https://fengyao.notion.site/off-policy-rl
# 9. Z. Liu et al., *Understanding R1-Zero-Like Training: A Critical Perspective* (Dr. GRPO),
#    arXiv 2503.20783 (2025): the length bias of per-answer averaging, the constant normaliser.
#    https://arxiv.org/abs/2503.20783
# 10. DeepSeek-AI, *DeepSeek-R1 incentivizes reasoning in LLMs through reinforcement learning*,
#     Nature 645, 633-638 (2025), Methods (first RL stage: learning rate 3e-6, KL coefficient
#     0.001, GRPO clip ratio ε = 10, 16 outputs per question, 16 minibatches per rollout).
#     https://doi.org/10.1038/s41586-025-09422-z
# 11. G. Cui et al., *The Entropy Mechanism of Reinforcement Learning for Reasoning Language
#     Models*, arXiv 2505.22617 (2025). https://arxiv.org/abs/2505.22617
# 12. Park et al., *Clip-Low Increases Entropy and Clip-High Decreases Entropy*,
#     arXiv 2509.26114 (2025). https://arxiv.org/abs/2509.26114
