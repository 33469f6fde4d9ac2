# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 14 · Capstone: design, train, tune and license your own hybrid
#
# Every part of MiniMax-M1 has a small counterpart in `minimoe` now: lightning and softmax
# attention, experts and their router, the hybrid schedule, a supervised warm start, RL with a
# choice of losses, evaluation with a verifier, and a table of license clauses. In this lesson you
# put them together into a model of your own and publish it the way a lab publishes one: with a
# model card that says what it is and how well it does, and a license. By the end you will have
#
# 1. **designed** a hybrid to a compute budget (schedule, depth, width, experts), predicted its
#    parameter counts before building it, and estimated its training time from this CPU's speed;
# 2. **trained** it with SFT, **tuned** it with an RL loss you chose, and **evaluated** it greedy
#    and at temperature 1 with several samples per problem and a standard error, next to the
#    course's shipped checkpoints;
# 3. written its **model card** from the run itself, and seen a check refuse a card whose
#    numbers are typed in, rounded, stale or missing;
# 4. chosen a **license** with reasons, and asked `minimoe.licenses` what it allows.
#
# **Why it matters for M1 vs R1.** A release is a set of choices, and its card and license are
# where the public reads them. MiniMax chose a hybrid with one softmax layer after every seven
# lightning layers, 32 experts of which 2 are active, 456B parameters in total and 45.9B active
# per token [1, 2], and released M1 under Apache-2.0 [1, 5]. DeepSeek-R1 has 671B parameters, 37B
# active, and ships under MIT [3, 5]. M1's size itself came from a budget: the report on its
# backbone, MiniMax-Text-01, says the model had to "process more than 1 million tokens on a single
# machine with up to 8 GPUs and 640GB memory using 8-bit quantization", which kept the total
# below 500B parameters [2]. Your budget is smaller: a few minutes of CPU.
#
# **How this lesson works.** The cells below run a complete design at the CPU defaults. Change
# the design cell, the loss, the license and the words of the card, and run everything again:
# the checks keep every number honest. Numbers in square brackets point to the sources at the end.

# %%
import dataclasses
import time
from pathlib import Path

import matplotlib.pyplot as plt
import torch
from IPython.display import Markdown, display

from minimoe.env import best_device
from minimoe.exercises import check
from minimoe.recipes import SFT_SORTING, SHIPPED
from minimoe.smoke import pick

DEVICE = best_device()  # "cuda" on a GPU runtime such as Colab's, else "cpu" (or "mps")
torch.manual_seed(0)
lesson_start = time.perf_counter()
recipe = pick(SFT_SORTING, SFT_SORTING.smoke())
train, held_out = recipe.data()
print(f"task {recipe.task!r} at difficulty {recipe.difficulty}: {len(train)} training problems,")
print(f"{len(held_out)} held-out problems, e.g. {held_out[0].prompt} -> {held_out[0].answer}")

# %% [markdown]
# The task is the one the shipped checkpoints were trained on, with the same training and
# held-out problems (`recipe.data()` of the `sorting-sft` recipe), so that your model and theirs
# can be compared on equal terms at the end.
#
# ## 1. The budget, and this CPU's speed
#
# A **plan** fixes what the run will do: how many SFT steps, how many RL steps of how many
# prompts and answers, how many answers the evaluations generate, and how long all of it may
# take. The defaults below are sized for a 2-core laptop. The time limit, `budget`, is a multiple
# of what the same plan takes for a reference model on *this* machine, measured below; so a slow
# or busy machine does not refuse a design that a normal one would accept.

# %%
from minimoe.design import Plan
from minimoe.rl.trainer import RLConfig
from minimoe.train import SFTConfig

SAMPLES = pick(4, 2)  # answers per held-out problem at temperature 1 (the recipes use 8)
plan = Plan(
    sft=SFTConfig(
        steps=pick(100, 10), batch_size=pick(64, 16), lr=3e-3, warmup=pick(10, 2), eval_every=0
    ),
    rl=RLConfig(
        loss="cispo",
        steps=pick(8, 1),
        prompts_per_step=pick(16, 4),
        group_size=pick(8, 4),
        updates_per_batch=2,
        lr=5e-5,
        eval_every=0,
    ),
    eval_answers=2 * len(held_out) * (1 + SAMPLES),  # after SFT and after RL
    budget=2.0,  # at most twice the reference's time
)
print(f"SFT: {plan.sft.steps} steps of {plan.sft.batch_size} problems")
print(
    f"RL:  {plan.rl.steps} steps of {plan.rl.prompts_per_step} prompts x {plan.rl.group_size} "
    f"answers, {plan.rl.updates_per_batch} updates per batch"
)
print(f"evaluation: {plan.eval_answers} answers; budget {plan.budget:g}x the reference's time")

# %% [markdown]
# How long will a design take? Parameter counts and FLOPs come from its shapes alone
# (`minimoe.flops`, lesson 08's accounting), but seconds depend on the machine. So we measure:
# `measure_stage_times` times two SFT steps, one RL step of the plan and a batch of sampled
# answers for a reference model, the shipped `sorting-sft` checkpoint (the `tiny` preset), on a
# copy that it then throws away. A design's time is then estimated as the reference's, scaled by
# the ratio of their forward FLOPs per token (`minimoe.flops.prefill_flops` over a training
# sequence, divided by its length): 2 per weight that a token is multiplied by, in the attention
# projections, the router, its top-k experts and the LM head, plus its share of the attention.
# The reference's own time under the plan sets the budget.

# %%
from minimoe.checkpoint import load_checkpoint
from minimoe.design import flops_per_token, measure_stage_times, reference_seconds

reference = load_checkpoint(SHIPPED / "sorting-sft.safetensors").model
times = measure_stage_times(reference, train, held_out, plan)
fpt = flops_per_token(times.config, times.seq_len)
print(f"reference: the tiny preset, {fpt:,.0f} FLOPs per token (sequences of {times.seq_len})")
print(
    f"one SFT step {times.sft_step:.2f} s, one RL step {times.rl_step:.2f} s, "
    f"one sampled answer {1000 * times.answer:.1f} ms"
)
print(
    f"the plan would take the reference {reference_seconds(plan, times):.0f} s; "
    f"budget {plan.budget * reference_seconds(plan, times):.0f} s"
)

# %% [markdown]
# ## 2. Your design
#
# Four choices shape a hybrid, and M1 made each of them:
#
# - **The schedule** (`layer_pattern`, repeated over `num_layers`): `L` is a lightning layer,
#   `S` a softmax layer. M1 puts "a softmax attention ... after every 7 lightning attention"
#   (`LLLLLLLS`, 70 + 10 layers) [1]. Lesson 04 showed why some softmax layers are needed:
#   lightning attention alone is weak at retrieval [2]. More softmax layers also mean a cache that
#   grows with the context.
# - **Depth and width** (`num_layers`, `hidden_size`). In MiniMax-01's architecture search, "the
#   hybrid architecture demonstrates particular sensitivity to layer depth, with deeper models
#   consistently outperforming shallower counterparts", and "shallow models require
#   substantially more softmax attention layers" [2].
# - **Experts** (`num_experts`, their width `expert_hidden`, and `top_k`, how many each token
#   uses). M1 has 32 experts and uses 2 [1]. More experts add parameters but not compute per
#   token; a larger top-k adds both.
# - **The budget.** Every choice costs time, and the plan allows twice the reference's time
#   (printed above).
#
# Explore first. The sliders show a design's parameters, its cache at M1's context of one
# million tokens (and what it would be if every layer were softmax), and its estimated time
# under the plan:

# %%
from minimoe.widgets.design import design_explorer

design_explorer(plan, times, num_experts=8, expert_hidden=32)

# %% [markdown]
# Now commit to a design. Ours keeps M1's 7:1 schedule over 8 layers and moves towards M1's
# sparsity: the `tiny` preset's expert weights cut into 8 experts of half the width, 2 of them
# per token. The model holds about as many parameters as `tiny`, but a token uses a quarter of
# its experts instead of half (M1: 2 of 32). Change any of these (the explorer above shows what
# each choice costs):

# %%
from minimoe.design import design_config

design = dict(
    layer_pattern="LLLLLLLS",
    num_layers=8,
    hidden_size=64,
    num_experts=8,
    top_k=2,
    expert_hidden=32,
)
config = design_config(**design)
print(config.layer_types)

# %% [markdown]
# **Exercise 1: predict your parameters before you build the model.** Write
# `predict_parameters(config)`, returning `(total, active)` from the config alone. What is in
# the model: a token embedding (V × d) and a separate LM head (d × V); in every layer, the
# attention (`minimoe.flops.attention_parameters(config, kind)` counts it for either kind of
# layer), a router (one score per expert), two RMSNorms (d each) and the experts (SwiGLU, three
# matrices of d × f each); a final RMSNorm. "Active" follows MiniMax's convention: the parameters
# one token uses, without the embedding and the LM head [1].


# %%
from minimoe.flops import attention_parameters


def predict_parameters(config):
    """(total, active) parameters of a model built from ``config``."""
    ### BEGIN SOLUTION
    d = config.hidden_size
    expert = 3 * d * config.expert_hidden
    shared = d * config.num_experts + 2 * d  # router and the two norms of each layer
    total = 2 * config.vocab_size * d + d  # embedding, LM head, final norm
    active = d
    for kind in config.layer_types:
        attention = attention_parameters(config, kind)
        total += attention + shared + config.num_experts * expert
        active += attention + shared + config.top_k * expert
    return total, active
    ### END SOLUTION


# %%
predict_parameters = check("14.predict_parameters", predict_parameters)

# %% [markdown]
# Your prediction for your design, then the model, built and counted module by module:

# %%
from minimoe.model import MiniMoE, count_parameters

predicted = predict_parameters(config)
torch.manual_seed(0)
model = MiniMoE(config).to(DEVICE)
built = count_parameters(model)
print(
    f"predicted {predicted[0]:,} total, {predicted[1]:,} active; built {built[0]:,}, {built[1]:,}"
)
assert tuple(predicted) == built

# %% [markdown]
# Before training, the budget gate. `check_design` estimates the plan's time for your design and
# refuses it, with the numbers, when it does not fit. First a design that is too large, to see
# the message:

# %%
from minimoe.design import check_design

try:
    check_design(design_config(hidden_size=256, num_experts=16, expert_hidden=256), plan, times)
except ValueError as err:
    print(f"refused: {err}")

# %%
summary = check_design(config, plan, times)
print("\n".join(summary.lines()))

# %% [markdown]
# ## 3. The warm start: SFT
#
# A `TrainingRun` records the run as it happens. `run.sft(...)` calls `train_sft` (lesson 05),
# times it and describes it from the config it was given; `run.evaluate(...)` measures held-out
# accuracy and notes a fingerprint of the weights it measured. The model card will be built from
# this record, so nothing on it will be typed in. We measure greedy decoding and, at temperature
# 1 (how RL samples), several answers per problem.

# %%
from minimoe.card import TrainingRun

run = TrainingRun(recipe.task, recipe.difficulty, seed=0)
sft_history = run.sft(model, train, plan.sft)
for name, temperature, samples in (("sft_greedy", 0.0, 1), ("sft_sampled", 1.0, SAMPLES)):
    result = run.evaluate(name, model, held_out, temperature=temperature, samples=samples)
    print(f"{name:<12} {result.accuracy:.3f}  ({result.problems} problems x {result.samples})")

# %% [markdown]
# ## 4. RL: choose your loss
#
# The losses of lessons 06 and 07 sit in one registry. Pick one; the plan's other RL settings
# stay (several updates per batch, so that the clipping rules matter).

# %%
from minimoe.rl.losses import POLICY_LOSSES

print("losses:", ", ".join(POLICY_LOSSES))
loss = "cispo"
rl_history = run.rl(model, train, dataclasses.replace(plan.rl, loss=loss))
for name, temperature, samples in (("rl_greedy", 0.0, 1), ("rl_sampled", 1.0, SAMPLES)):
    result = run.evaluate(name, model, held_out, temperature=temperature, samples=samples)
    print(f"{name:<12} {result.accuracy:.3f}  ({result.problems} problems x {result.samples})")

# %%
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.4))
left.plot([h["step"] for h in sft_history], [h["loss"] for h in sft_history])
left.set_xlabel("SFT step")
left.set_ylabel("cross-entropy on target tokens")
left.set_yscale("log")
left.set_title("Warm start")
right.plot([h["step"] for h in rl_history], [h["reward"] for h in rl_history], marker="o")
right.set_xlabel("RL step")
right.set_ylabel("mean reward of the rollouts")
right.set_title(f"RL with {loss.upper()}")
plt.tight_layout()
plt.show()

# %% [markdown]
# A few RL steps from a fresh optimizer can help or hurt: lesson 07 showed how noisy these short
# runs are. The card will say what happened in yours, whichever way it went.
#
# ## 5. Against the shipped checkpoints
#
# The course ships two models trained on the same problems by its recipes: `sorting-sft`
# (the `tiny` preset, 100 SFT steps) and `sorting-cispo` (that, then 30 CISPO steps). Measured
# the same way, on the same held-out problems, in the same run, they are the baselines:

# %%
baselines = {"sorting-sft": reference, "sorting-cispo": None}
baselines["sorting-cispo"] = load_checkpoint(SHIPPED / "sorting-cispo.safetensors").model
for label, baseline in baselines.items():
    run.evaluate("greedy", baseline, held_out, baseline=label)
    run.evaluate("sampled", baseline, held_out, temperature=1.0, samples=SAMPLES, baseline=label)

print(f"{'model':<26}{'greedy':>8}{'T=1':>8}{'± s.e.':>8}")
rows = {}
for e in run.evaluations:
    key = e.baseline or ("yours after SFT" if e.name.startswith("sft") else "yours after RL")
    rows.setdefault(key, {})["sampled" if e.temperature else "greedy"] = e
for key, row in rows.items():
    g, s = row["greedy"], row["sampled"]
    print(f"{key:<26}{g.accuracy:>8.3f}{s.accuracy:>8.3f}{s.standard_error:>8.3f}")

# %% [markdown]
# The standard error of a sampled accuracy says how far it would move if the same problems were
# answered again. It leaves out a second noise: which 200 problems happened to be drawn. For
# greedy accuracies that is the only noise, and lesson 12's `minimoe.benchmarks` measures it.
# Is the gap between your model and `sorting-cispo` larger than 1.96 standard errors of such a
# gap (a 95% band)?

# %%
from minimoe.benchmarks import difference_standard_error, is_distinguishable

yours, theirs = rows["yours after RL"]["greedy"].accuracy, rows["sorting-cispo"]["greedy"].accuracy
gap_se = difference_standard_error(yours, theirs, len(held_out))
verdict = "larger" if is_distinguishable(yours, theirs, len(held_out)) else "not larger"
print(f"greedy gap {yours - theirs:+.3f}, standard error of the gap {gap_se:.3f}: {verdict}")

# %%
labels = list(rows)
fig, ax = plt.subplots(figsize=(8, 3.4))
x = torch.arange(len(labels)).float()
ax.bar(x - 0.2, [rows[k]["greedy"].accuracy for k in labels], 0.4, label="greedy")
ax.bar(
    x + 0.2,
    [rows[k]["sampled"].accuracy for k in labels],
    0.4,
    yerr=[2 * rows[k]["sampled"].standard_error for k in labels],
    capsize=4,
    label=f"T = 1, {SAMPLES} answers per problem (± 2 s.e.)",
)
ax.set_xticks(x.tolist(), labels)
ax.set_xlabel("model")
ax.set_ylabel("held-out accuracy")
ax.set_ylim(0, 1.25)
ax.set_title("Your model and the shipped checkpoints, on the same problems")
ax.legend(fontsize=8, loc="upper left", ncol=2)
plt.tight_layout()
plt.show()

# %% [markdown]
# Did the estimate hold? The gate predicted each stage of your design from the reference's
# measured speed and the ratio of FLOPs. Here are the two training stages, as the run timed
# them:

# %%
print(f"{'stage':<8}{'estimated':>11}{'measured':>10}")
for stage, seconds in run.seconds.items():
    print(f"{stage:<8}{summary.seconds[stage]:>10.0f}s{seconds:>9.0f}s")

# %% [markdown]
# At this scale a step's time is not proportional to its FLOPs: every layer and every expert
# costs some fixed time (Python, launching each operation), whatever its size. A design with
# more, smaller experts than the reference pays more of that fixed cost per FLOP, a wider one
# less; and on a shared machine the load can change between the measurement and the run. Expect
# the estimate to be off by tens of percent either way: it is a guide, and the budget leaves room
# for it.
#
# ## 6. The model card
#
# A model card, as proposed by Mitchell and colleagues in 2019, reports what a model is, how it
# was evaluated and what it is intended for [4]. MiniMax's own card for MiniMax-Text-01 states
# its layer schedule and its total and active parameters [1]. Yours will state the same kinds of
# facts, and each number must be your model's.
#
# **Exercise 2: the headline numbers.** The first line of a card summarises it:
# parameters, the final accuracies and the training time. Write `headline(model, run)`, which
# returns a dict with `total_parameters` and `active_parameters` of the model; `greedy`,
# `sampled` and `sampled_se` (`Evaluation.standard_error`) from the run's own evaluations of the
# model *as it is now* (the last greedy one and the last sampled one; not the baselines); and
# `training_seconds`, all training stages summed. Each `Evaluation` in `run.evaluations` has
# `accuracy`, `temperature`, `baseline` (`""` for your model) and `weights`, the
# `weights_fingerprint` of what it measured. The check runs your function on models and runs of
# its own, so a number typed in from a printout cannot pass.


# %%
from minimoe.card import weights_fingerprint


def headline(model, run):
    """The numbers of a card's summary line for ``model`` as it is now."""
    ### BEGIN SOLUTION
    current = weights_fingerprint(model)
    final = [e for e in run.evaluations if not e.baseline and e.weights == current]
    greedy = [e for e in final if e.temperature == 0][-1]
    sampled = [e for e in final if e.temperature > 0][-1]
    total, active = count_parameters(model)
    return {
        "total_parameters": total,
        "active_parameters": active,
        "greedy": greedy.accuracy,
        "sampled": sampled.accuracy,
        "sampled_se": sampled.standard_error,
        "training_seconds": sum(stage.seconds for stage in run.stages),
    }
    ### END SOLUTION


# %%
headline = check("14.headline", headline)
print(headline(model, run))

# %% [markdown]
# ## 7. A license, with reasons
#
# > **Education, not legal advice.** The answers below come from `minimoe.licenses`, which
# > records how the course's notes read each license text, with the clause that decides each
# > answer (lesson 11). Read the text itself before you rely on it.
#
# Your model was trained from scratch by minimoe's code on generated data, not fine-tuned from
# anyone's weights, so in our reading no model license binds it and the choice is yours
# (minimoe's code itself is Apache-2.0). Had you fine-tuned a shipped checkpoint instead, its
# license would bind what you release.
#
# **Exercise 3: a license for stated uses.** You want four things to be allowed with no
# conditions beyond the license's notices: a company with 900 million monthly users ships a
# product on your model; someone releases a fine-tuned version of it as "SortPro"; another lab
# trains its own model on your model's outputs; and every user gets an explicit patent license
# from the contributors. Return the id (as `minimoe.licenses` spells it, e.g. `"mit"` or
# `"llama-3.1-license"`) of the one license in the table that allows all four. The check asks
# `may_ship_product`, `may_release_derivative`, `may_train_on_outputs` and
# `grants_patent_license` about your answer.


# %%
def license_for_uses():
    """The id of the license in minimoe.licenses that allows all four uses."""
    ### BEGIN SOLUTION
    return "apache-2.0"
    ### END SOLUTION


# %%
license_for_uses = check("14.license_for_uses", license_for_uses)

# %% [markdown]
# Now record your choice. `choose_license` checks that the license is in the table (a typo or a
# model's name is refused, with the licenses that come close) and keeps your reasons and the
# answers to the questions you asked, which the card lists with the clause behind each:

# %%
from minimoe.card import choose_license
from minimoe.licenses import (
    grants_patent_license,
    may_release_derivative,
    may_ship_product,
    may_train_on_outputs,
)

try:
    choose_license("Apache 2", ["a typo"])
except ValueError as err:
    print(f"refused: {str(err)[:120]}...")

chosen = license_for_uses()
answers = [
    may_ship_product(chosen, 900_000_000),
    may_release_derivative(chosen, "SortPro"),
    may_train_on_outputs(chosen),
    grants_patent_license(chosen),
]
license_choice = choose_license(
    chosen,
    [
        "It allows commercial use at any scale: there is no user threshold and no use policy",
        "Users get an explicit patent license from the contributors, which MIT does not give",
        "It is the license of minimoe's code and of MiniMax-M1",
    ],
    answers=answers,
)
for answer in answers:
    print(f"{answer.question} {answer.verdict.upper()}")

# %% [markdown]
# ## 8. Build the card, check it, save it
#
# `ModelCard.from_run` takes every number from the model and the run; the words are yours.
# `check_card` compares a card with the model and the run and lists every number that differs.

# %%
from minimoe.card import CardError, ModelCard, check_card

words = dict(
    name="capstone-sorter",
    description=(
        f"A hybrid lightning-attention MoE ({config.layer_pattern} over {config.num_layers} "
        f"layers, {config.num_experts} experts, top-{config.top_k}) trained from scratch with "
        f"SFT and {loss.upper()} to sort {recipe.difficulty} digits; the capstone of the "
        "minimoe course."
    ),
    intended_use="Teaching: it sorts digit strings in the course's task format and nothing else.",
    limitations=(
        "A small model trained briefly on a CPU, and evaluated on one task's held-out "
        f"problems only. Sampled at temperature 1, {1 - run.evaluations[3].accuracy:.0%} of "
        "its answers to them were wrong."
    ),
    license=license_choice,
)
card = ModelCard.from_run(model, run, **words)
check_card(card, model, run)
assert card.headline == headline(model, run)
print("the card matches the model and its run")

# %% [markdown]
# And here is what the check catches. Three cards that a hurried author might write: one with
# the `tiny` preset's parameter counts typed in; one that leaves out the sampled accuracy after
# RL (the least flattering number); and the card of a model that was trained one more step
# after its last evaluation, so that every accuracy on it is stale.

# %%
typed = dataclasses.replace(card, total_parameters=555_520, active_parameters=355_840)
flattering = dataclasses.replace(
    card, evaluations=tuple(e for e in card.evaluations if e.name != "rl_sampled")
)
more_model = MiniMoE(config).to(DEVICE)
more_model.load_state_dict(model.state_dict())
more_run = dataclasses.replace(run, stages=list(run.stages), evaluations=list(run.evaluations))
more_run.sft(more_model, train, dataclasses.replace(plan.sft, steps=1), progress=False)
stale = ModelCard.from_run(more_model, more_run, **words)
for label, bad, target, its_run in (
    ("typed-in counts", typed, model, run),
    ("left-out evaluation", flattering, model, run),
    ("trained after its evaluation", stale, more_model, more_run),
):
    try:
        check_card(bad, target, its_run)
    except CardError as err:
        print(f"{label}: refused\n  " + "\n  ".join(str(err).splitlines()[1:]))

# %% [markdown]
# Save the model and its card to `capstone_out/`, a folder git ignores. The checkpoint is
# safetensors (no code runs when it is loaded) and carries the card's data in its header; the
# card is also written beside it as markdown. Loading it back gives the same weights, so the card
# still describes it:

# %%
from minimoe.checkpoint import read_header, save_checkpoint

out = Path("capstone_out")
path = save_checkpoint(
    out / f"{card.name}.safetensors", model, model.config, metadata={"card": card.to_metadata()}
)
(out / f"{card.name}.md").write_text(card.to_markdown())
loaded = load_checkpoint(path)
assert weights_fingerprint(loaded.model) == card.weights
assert read_header(path)["metadata"]["card"]["total_parameters"] == card.total_parameters
print(f"saved {path} and {out / (card.name + '.md')}")
display(Markdown(card.to_markdown()))

# %%
print(f"lesson 14 ran in {time.perf_counter() - lesson_start:.0f} s")

# %% [markdown]
# ## What you built
#
# - A design of your own, its parameters predicted from its shapes and checked against the
#   built model, its cost at a million tokens of context, and its training time estimated from
#   this CPU's measured speed before training, with a gate that refuses designs over budget.
# - A trained and RL-tuned hybrid, with the loss of your choice, evaluated greedy and at
#   temperature 1 with a standard error, next to the course's shipped checkpoints.
# - A model card built from the run's own record, and a check that refuses typed-in, left-out
#   and stale numbers.
# - A license chosen with reasons, with the clauses that answer the uses you care about.
#
# **Key terms:** compute budget, budget gate, model card, standard error.
#
# ## Try it
#
# - **Another schedule.** Set `layer_pattern="LLLS"`, `"LS"` or `"S"` and run everything again.
#   How do the accuracies, the time and the cache at a million tokens change? And `"L"`, with no
#   softmax layer at all?
# - **Another loss.** Set `loss = "grpo"` or `"dapo"`, or raise `plan.rl`'s `steps` and lower the
#   SFT steps to stay in budget. Compare the cards.
# - **Another task.** `recipe = dataclasses.replace(SFT_SORTING, task="arithmetic",
#   difficulty=2)` trains on sums with worked steps (lesson 05); the shipped baselines no longer
#   apply, so leave section 5 out.
# - **A card for someone else.** Write the card's `intended_use` and `limitations` for a reader
#   who wants to use your model in a product. What would they need to know that the numbers do
#   not say?
#
# ## Check your understanding
#
# 1. Your card reports a greedy and a sampled accuracy, and they differ a lot. Why, and which
#    one describes what a user who samples at temperature 1 will see?
# 2. Why does `check_card` insist that one of the card's evaluations measured the model's
#    current weights? What would a card built right after SFT, but saved after RL, get wrong?
# 3. More experts at the same top-k: what happens to the total parameters, the active ones, the
#    FLOPs per token and the measured step time, and why do the last two not move together here?
# 4. Had you fine-tuned the shipped `sorting-cispo` checkpoint (Apache-2.0) instead of training
#    from scratch, what would its license require of your release?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. Greedy decoding takes the most likely token at every step; at temperature 1 the model
#    samples, and a single unlikely digit makes a 10-digit answer wrong. A model that puts most
#    of its probability on the right token at each step still errs often over twelve steps. A
#    user who samples at temperature 1 sees the sampled accuracy; the card reports both, with the
#    sampled one's standard error.
# 2. Only a measurement of the weights being released describes them. A card built after SFT
#    would report the SFT accuracies as the model's, although RL changed the weights (for better
#    or worse), and its training line would leave out the RL stage and its time. The fingerprint
#    of the weights makes that mismatch visible.
# 3. The total grows by three d × f matrices per new expert and layer (and the router by d per
#    expert); the active count grows only by the router's new rows; the FLOPs per token follow
#    the active count. But the step time grows more than the FLOPs: each expert is a separate set of
#    small matrix products with a fixed cost, so at this scale the time depends on the number of
#    operations as well as their size.
# 4. Apache-2.0 allows a derivative and its release under your own name. It asks you to give
#    recipients a copy of the license, mark the files you changed, keep the existing notices
#    (and pass on a NOTICE file's attributions if there is one), and not to use the licensor's
#    trade names beyond describing where the model comes from (§4, §6).

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025): 456B parameters, 45.9B active, 32 experts; the released
#    `config.json` (80 layers, 2 experts per token, the 7 + 1 schedule); the MiniMax-Text-01
#    model card ("a softmax attention is positioned after every 7 lightning attention"; its
#    parameter counts and benchmark tables). https://arxiv.org/abs/2506.13585,
#    https://github.com/MiniMax-AI/MiniMax-M1 and
#    https://github.com/MiniMax-AI/MiniMax-01/blob/57cf223b/MiniMax-Text-01-Model-Card.md
# 2. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv 2501.08313
#    (2025): the limited retrieval of lightning attention and the hybrid that replaces it with
#    softmax attention every eight layers; the findings of the architecture search on depth and
#    softmax layers; the budget of more than 1M tokens on 8 GPUs with 640 GB using 8-bit
#    quantization. Quoted from the English paragraphs of a bilingual transcription of the
#    paper. https://arxiv.org/abs/2501.08313
# 3. DeepSeek, DeepSeek-R1 README ("trained based on DeepSeek-V3-Base", 671B total and 37B
#    activated parameters) and `LICENSE` (MIT). https://github.com/deepseek-ai/DeepSeek-R1
# 4. M. Mitchell et al., *Model Cards for Model Reporting*, FAT* 2019, arXiv 1810.03993.
#    https://arxiv.org/abs/1810.03993
# 5. The minimoe license table, `minimoe/data/licenses.json` (lesson 11): Apache License 2.0 as
#    read in MiniMax-M1's `LICENSE` @ aa761a9
#    (https://github.com/MiniMax-AI/MiniMax-M1/blob/aa761a9c12a3e154440d14073c86b4fe93d105c0/LICENSE),
#    MIT as read in DeepSeek-R1's `LICENSE` @ 0cf7856
#    (https://github.com/deepseek-ai/DeepSeek-R1/blob/0cf7856/LICENSE); every entry names its
#    own source (`minimoe licenses --json`).
