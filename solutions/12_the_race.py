# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 12 · The race: geopolitics, trust and benchmarks
#
# MiniMax-M1 did not arrive in a quiet field. It was released in June 2025 as an open-weight
# challenger to DeepSeek-R1 [1], five months after R1 had shaken the industry, while US export
# controls limited which chips Chinese labs could buy, and while US officials and companies
# accused DeepSeek of training on American models' outputs. Most of this course looks inside the
# model. This lesson looks at the claims around it, with sources in hand. You will
#
# 1. build a **sourced, dated timeline** from October 2022 to the releases after M1, filter it by
#    kind and by actor, and tell verified facts from reported ones;
# 2. set the **export controls** against the compute that M1's report names, 512 H800 GPUs for
#    three weeks (lesson 08 did the arithmetic of its rental price), and set that price beside
#    DeepSeek-V3's;
# 3. sort the **distillation allegations** into who alleged what, on what evidence, and what such
#    evidence can and cannot show;
# 4. compute **noise bands** for benchmarks of a given size, and find which gaps in M1's own
#    table against DeepSeek-R1-0528 stand out from the noise;
# 5. argue both sides of the claim that models are becoming **commodities**.
#
# **Why it matters for M1 vs R1.** Almost every number in the M1-vs-R1 story comes from an
# interested party: the benchmark table is MiniMax's own, the cost figures are each lab's own,
# and the allegations come from competitors and from a congressional committee that campaigns
# for export controls. Since February 2026 the allegations also name MiniMax itself [27] [R]. A
# reader who can ask "who says so, measured how, and how large is the noise?" can follow the
# story without taking anyone's word for it.
#
# **Conventions.** Numbers in square brackets point to the sources at the end. **[V]** marks a
# fact the course's research notes read in the primary text, **[V-copy]** one read verbatim in
# a copy kept elsewhere, **[R]** one known only from secondary reports. Allegations are written
# as allegations: who made them and on what evidence. Where the evidence does not decide a
# question, this lesson does not decide it either.

# %%
import time
from collections import Counter

import matplotlib.pyplot as plt
from IPython.display import display

from minimoe.exercises import check

notebook_start = time.perf_counter()

# %% [markdown]
# ## 1. A sourced timeline
#
# `minimoe.timeline` ships the timeline as data [2]. Each event has a date, a kind (model
# release, policy, allegation, benchmark or business), the actor who acted, a one-line
# description, the source it comes from with its URL, and a status: verified, verified-copy or
# reported. The loader refuses a malformed event and names the field to fix, so a date typo or
# a missing source cannot slip into the lesson.

# %%
from minimoe.timeline import KINDS, filter_events, load_timeline

events = load_timeline()
print(f"{len(events)} events, {events[0].label} to {events[-1].label}")
by_kind = Counter(event.kind for event in events)
by_status = Counter(event.status for event in events)
print("by kind:  ", ", ".join(f"{kind} {by_kind[kind]}" for kind in KINDS))
print("by status:", ", ".join(f"{status} {count}" for status, count in by_status.items()))
assert len(events) >= 25 and set(by_kind) == set(KINDS)

# %% [markdown]
# Here is the whole timeline, one lane per kind. Filled dots were verified from the primary text
# (or an exact copy), hollow dots are known only from secondary reports.

# %%
from minimoe.widgets.timeline import plot_timeline, timeline_explorer, timeline_view

fig, ax = plt.subplots(figsize=(11, 3.8))
plot_timeline(timeline_view(events), ax, title="The race around MiniMax-M1, Oct 2022 to Feb 2026")
plt.tight_layout()
plt.show()

# %% [markdown]
# **The explorer.** Select kinds and actors (Ctrl- or Cmd-click for several) and move the date
# range; the plot and the event table below it redraw. Each row ends with [V], [V-copy] or [R].
# Try: only allegations; only MiniMax; only the policy events of 2025.

# %%
explorer = timeline_explorer(events)
display(explorer)

# %% [markdown]
# The same filters work in code. Every event carries its source; here are the events that
# concern M1 directly, with where each one comes from:

# %%
for event in filter_events(events, actors=["MiniMax"]):
    print(f"{event.label}  {event.kind:<13} {event.description}")
    print(f"{'':12}{event.status}: {event.source} <{event.url}>")

# %% [markdown]
# ## 2. Export controls and compute
#
# **What the rules restricted.** The policy lane of the timeline, in order, for the US
# government bodies that made or demanded the rules:

# %%
governments = [
    "US Commerce Department (BIS)",
    "US government",
    "US House Select Committee on the CCP",
]
for event in filter_events(events, kinds=["policy"], actors=governments):
    print(f"{event.label}  {event.actor}: {event.description}")

# %% [markdown]
# In short:
#
# - **October 2022.** The US Commerce Department's Bureau of Industry and Security (BIS) issues
#   the first rules aimed at AI chips. They limit China's ability to buy and to make certain
#   high-end chips, with end-use controls on supercomputers and chip making [3] [V].
# - **The H800.** Nvidia's H800 was a China-market chip that the 2022 rules allowed [5] [R]. A
#   House committee calls it "the first chip that Nvidia designed specifically to fall outside U.S.
#   export controls" [6] [V]. BIS updated the rules in October 2023 [4] [V]; law-firm summaries
#   report that the update dropped interconnect bandwidth as a control parameter and added a
#   "performance density" threshold [2] [R]. According to Nature's news report, the H800 "in
#   2023 became forbidden from being sold to China" [5] [R].
# - **2024 and 2025.** High-bandwidth memory was added in December 2024 [2]. In April 2025 the
#   US government told Nvidia that its H20 chip needed a licence for China "for the
#   indefinite future" [8] [R]. Nvidia expected charges of up to about $5.5B [8] [R] and later
#   recorded $4.5B [9] [V]. The "AI Diffusion" rule of January 2025, with country tiers and
#   controls on closed model weights, was rescinded in May 2025 before its compliance date
#   [10, 11] [R].
# - **After M1.** Nvidia said in July 2025 that it had been assured H20 licences would be
#   granted [2] [R]. In December 2025 the President announced H200 sales to approved Chinese
#   customers, with 25% of the revenue going to the US government [12] [R], and a January 2026
#   rule moved such licences to case-by-case review [12] [R].
#
# **M1's own compute figure.** The M1 report states that the "full RL training on 512 H800
# GPUs" took "only three weeks, with a rental cost of just $534,700" [1] [V]. Lesson 08 worked
# through its arithmetic and what it leaves out; `minimoe.flops.M1_RL_RENTAL` holds the figure.
# Compare it with the convention DeepSeek used for V3 [7] [V]:

# %%
from minimoe.flops import M1_RL_RENTAL  # 512 H800s, 21 days, $534,700 (lesson 08)

m1_gpu_hours, m1_price = M1_RL_RENTAL.gpu_hours, M1_RL_RENTAL.price_per_gpu_hour
print(f"M1 RL stage: {m1_gpu_hours:,.0f} H800 GPU-hours at ${m1_price:.2f} per GPU-hour")

v3_gpu_hours, v3_price = 2_788_000, 2.0  # DeepSeek-V3 report [7]: 2,788K GPU-hours at $2/h
v3_cost = v3_gpu_hours * v3_price
print(f"DeepSeek-V3 training run: {v3_gpu_hours:,} GPU-hours x ${v3_price:.0f} = ${v3_cost:,.0f}")
print(f"M1's RL stage used {m1_gpu_hours / v3_gpu_hours:.1%} of V3's GPU-hours")
assert v3_cost == 5_576_000

# %% [markdown]
# Both reports price GPU time at about $2 per H800-hour. These are **rental-equivalent** prices
# of a stated run, not what either company spent. M1's leaves out every stage before RL
# (lesson 08 lists them) [1] [V]. DeepSeek's $5.576M carries the same kind of caveat in its own
# words: it covers "only the official training of
# DeepSeek-V3, excluding the costs associated with prior research and ablation experiments"
# [7] [V]. So the last line above compares two different things: one RL stage against a full
# pretraining run. Read it as "the RL stage is not where most of the compute goes", not as a
# cost ratio between the two models.
#
# **Set against the rules.** The chips M1's report names are H800s: chips designed for the 2022
# rules and, as reported, barred from sale to China from 2023 [5, 6]. DeepSeek says R1 was
# trained mainly on H800s too [5] [R]. The report does not say where MiniMax's GPUs are or when
# they were obtained, and this lesson does not guess. What the figure does show is a scale: the
# RL stage of an open-weight reasoning model that its makers compare with R1-0528 fitted on 512
# chips of an export-controlled generation in three weeks. How to read that is disputed.
# Anthropic's CEO, who leads a competitor of DeepSeek, argued for tighter controls in January
# 2025, and said DeepSeek's costs were lower "but not anywhere near the ratios people have
# suggested", in line with the usual decline of training costs (about 4x a year) [13] [R].
# Whether figures like M1's show that the controls bind less than intended is a question these
# sources do not settle (discussion prompt 4). The timeline shows the policy moving both ways:
# tightening up to the H20 licence requirement of April 2025, then licensed sales of the H20
# from July 2025 and of the H200 from January 2026.

# %% [markdown]
# ## 3. Distillation allegations
#
# **What distillation is.** A "student" model is trained to imitate a "teacher". Hinton, Vinyals
# and Dean trained the student on the teacher's softened output probabilities [18] [R]; Kim and
# Rush trained it on the teacher's generated sequences [18] [R]. Through an API only text comes
# back, so "distilling" an API model means the sequence-level kind: collect answers, fine-tune on
# them. Labs do this with their own models openly. DeepSeek fine-tuned Qwen and Llama models on
# 800k samples curated with R1, with no RL stage, and a distilled Qwen-32B scored 72.6 on AIME
# 2024 against 47.0 for the same base trained with RL alone [14] [V]. R1's MIT licence explicitly
# allows distillation [14] [V], and R1-0528 shipped with a distilled 8B student [15] [R].
#
# Using *someone else's* outputs is another matter. OpenAI's terms of use forbid using output
# "to develop models that compete with OpenAI" [16] [V-copy], and Google's Gemini API terms say
# the same of Gemini [17] [V]. These are contract terms between a provider and its API
# customers, not copyright claims.
#
# **What was alleged, by whom, on what evidence.** The allegation lane of the timeline:

# %%
for event in filter_events(events, kinds=["allegation"]):
    print(f"{event.label}  [{event.status}] {event.actor}: {event.description}")
    if event.note:
        print(f"{'':12}note: {event.note}")

# %% [markdown]
# | when | who | what | evidence offered | reply found |
# |---|---|---|---|---|
# | Jan 2025 | OpenAI, to the FT; White House adviser David Sacks | "some evidence" of distillation; Sacks: "substantial evidence" | none made public [19] [R] | — |
# | Apr 2025 | House Select Committee on the CCP, report "DeepSeek Unmasked" | "highly likely" unlawful distillation, plus data and chip findings | the report's own; this course read only summaries [20] [R] | Nvidia: it follows the rules "to the letter" (on chips) [21] [R]; none from DeepSeek |
# | Apr 2025 | chair of a House Science subcommittee | DeepSeek "reportedly distilled" from OpenAI | repeats the reports [23] [V] | — |
# | May-Jun 2025 | Sam Paech (EQ-Bench); the creator of SpeechMap | R1-0528 reads like Gemini | similar wording in outputs [24] [R] | TechCrunch: "not a smoking gun" [24] [R] |
# | Sep 2025 | DeepSeek, with its Nature paper | R1's success "did not hinge" on rivals' outputs | a peer-reviewed paper [5] [R] | — |
# | Feb 2026 | OpenAI, memo to the Select Committee | DeepSeek-linked accounts used obfuscated routers and code to collect outputs | OpenAI's own telemetry, not published [26] [R] | none found |
# | Feb 2026 | Anthropic | DeepSeek, Moonshot AI and MiniMax: about 24,000 fraudulent accounts, over 16M exchanges, over 13M of them MiniMax's | Anthropic's own detection, not published [27] [R] | none found |
#
# The committee's chairman called DeepSeek "a weapon in the Chinese Communist Party's arsenal"
# [21] [R]. The researcher Nathan Lambert wrote that in DeepSeek's place he "would definitely
# create a ton of synthetic data from the best API model out there" [25] [R]: a remark about
# incentives, not evidence about what DeepSeek did. Keep in mind who is speaking: competitors
# of the accused labs, and a committee that advocates export controls. That does not make them
# wrong, and it does not make them right.
#
# **What such evidence can show.** Lesson 10 trains a student on a teacher's outputs and
# measures how alike their answers become: how often they agree, the KL divergence between
# their next-token distributions, and a classifier that guesses which model wrote an answer.
# There you know the truth, because you did the distilling. The published methods ask the same
# question at full scale, and each needs something different:
#
# - **Output classifiers.** Sun et al. trained classifiers that tell ChatGPT, Claude, Grok,
#   Gemini and DeepSeek apart from their text with 97.1% accuracy, and the signal survives
#   rewriting and translation [28] [R]. Bitton et al. report a stylistic-fingerprint ensemble
#   with precision 0.9988 across four model families [29] [V]. Gao et al. found DeepSeek's
#   output most similar to Gemini's and Claude's, with no claim about lineage [34] [V].
# - **Lexical profiles.** Paech's `slop-forensics` builds each model's over-used words and
#   phrases and infers a family tree from them [35] [V]. It measures style, not training history.
# - **Provenance tests.** Nikolić, Baluta and Saxena test whether one model derives from another
#   against unrelated baselines, with 90-95% precision on more than 600 models [30] [V]. They
#   target models made by fine-tuning another's weights, a different question from "trained on
#   its API outputs".
# - **Watermark radioactivity.** If a teacher watermarks its outputs, training on them can be
#   detected with p < 10^-5 even when only 5% of the training text is watermarked, in an
#   open-weight suspect [31] [V]. It only works if the watermark was there before the outputs were
#   collected.
# - **Fingerprints.** A publisher can plant an instruction "backdoor" in its weights and later
#   test a suspect for it [32] [V]; this proves reuse of weights, not training on outputs.
# - **Defences.** "Antidistillation sampling" poisons reasoning traces so that they train
#   students less well [33] [V].
#
# **Exercise 1.** Which of these statements follow from the evidence they describe? Return the
# set of letters.
#
# - **A.** A classifier tells model A's answers from model B's with 97% accuracy, so B was
#   trained on A's outputs.
# - **B.** B's answers are very similar to A's; B may have trained on A's outputs, on web text
#   that contains A's outputs, on the same public data as A, or on a third model's outputs.
# - **C.** A watermark that A put into its outputs before they were collected, detected again in
#   the open-weight model B, is evidence that B was trained on A's outputs.
# - **D.** API logs and account records could tie a lab to mass collection of outputs, but
#   outsiders can only weigh them once they are published for review.
# - **E.** A model that calls itself ChatGPT was distilled from ChatGPT.
# - **F.** A fingerprint planted in A's weights, found in B, shows that B reuses A's weights; it
#   says nothing about training on A's API outputs.


# %%
def conclusions_that_follow():
    """The letters of the statements above that follow from their evidence."""
    ### BEGIN SOLUTION
    return {"B", "C", "D", "F"}
    ### END SOLUTION


# %%
conclusions_that_follow = check("12.evidence", conclusions_that_follow)
print("statements that follow:", sorted(conclusions_that_follow()))

# %% [markdown]
# **What this means for the allegations above.** Telling *who wrote* a text is not telling *how
# a model was trained*. High similarity between two models fits several stories, and stylometry
# alone cannot separate them. Strong evidence needs a signal planted before the alleged copying
# (a watermark, a fingerprint) or the provider's own logs of accounts and traffic [31, 32]. The
# public allegations against DeepSeek and the others rest on logs that have not been published,
# on inference, or on stylistic similarity [19, 24, 26, 27]. A model that calls itself ChatGPT
# is weak evidence, because the web is full of text in which models do that [24]. This lesson
# does not decide whether any of the allegations is true: the evidence that could decide them is
# not public. Lesson 10's experiment shows you how far similarity alone gets you.

# %% [markdown]
# ## 4. Reading self-reported benchmarks
#
# Here is M1's own comparison with DeepSeek-R1, as printed in MiniMax's report [1] [V]:

# %%
from minimoe.benchmarks import M1_MODELS, M1_REPORT_TABLE, THINKING_BUDGETS


def cell(score):
    return f"{score:>18.1f}" if score is not None else f"{'-':>18}"


print(f"{'':28}" + "".join(f"{model:>18}" for model in M1_MODELS) + f"{'gap 80K-0528':>14}")
print(f"{'thinking budget':28}" + "".join(f"{THINKING_BUDGETS[m]:>18}" for m in M1_MODELS))
for row in M1_REPORT_TABLE:
    m1, r1 = row.scores["MiniMax-M1-80K"], row.scores["DeepSeek-R1-0528"]
    gap = f"{m1 - r1:+14.1f}" if r1 is not None else f"{'':>14}"
    print(f"{row.benchmark:28}" + "".join(cell(row.scores[m]) for m in M1_MODELS) + gap)

# %% [markdown]
# Questions to ask of any such table:
#
# - **Who ran it?** MiniMax, for its own launch. All models were sampled at temperature 1.0 and
#   top-p 0.95, and SWE-bench used the Agentless scaffold on 486 tasks [1] [V]. The report, as
#   read for this course, does not say whether MiniMax re-ran R1-0528 or copied DeepSeek's
#   figures. R1-0528's AIME 2025 entry, 87.5, and R1's, 70.0, are exactly the figures on
#   DeepSeek's own R1-0528 card [15]. So for those entries the table combines two labs' own
#   numbers, each measured by its own lab.
# - **At which thinking budget?** The columns think for different lengths: 80K or 40K tokens for
#   M1 against 64K for R1-0528 and 32K for the original R1 [1] [V]. DeepSeek's card reports that
#   R1-0528 uses about 23K tokens per AIME question against 12K for its predecessor [15]. A gap
#   between columns mixes the model with the budget.
# - **How many samples?** AIME scores are averages over 32 samples and LiveCodeBench over 16
#   [1] [V]; the report does not say this for the other rows.
# - **How big is the gap against the noise?** The rest of this section.
#
# **The noise of one benchmark.** A benchmark of n problems measures accuracy as the share of
# problems solved. Model the model as solving each problem with probability p: every problem is
# then a coin flip, and the measured accuracy is an average of n flips. Re-run the evaluation and
# you get a slightly different average.
#
# **Exercise 2.** Write `noise_band(accuracy, n, runs=1, z=1.96)`: the band accuracy ± z standard
# errors of the measured accuracy, clipped to [0, 1], for `n` problems with `runs` sampled
# answers each, averaged (assume every problem has the same p). Work out the standard error
# yourself from the coin-flip picture. Accuracies are fractions, not percentages.


# %%
def noise_band(accuracy, n, runs=1, z=1.96):
    """(low, high): accuracy ± z standard errors, for n problems with runs samples each."""
    ### BEGIN SOLUTION
    import math

    half = z * math.sqrt(accuracy * (1 - accuracy) / (n * runs))
    return max(0.0, accuracy - half), min(1.0, accuracy + half)
    ### END SOLUTION


# %%
noise_band = check("12.noise_band", noise_band)
for n, runs in [(40, 1), (40, 32), (500, 1)]:
    low, high = noise_band(0.8, n, runs)
    print(f"80% on {n:>3} problems, {runs:>2} sample(s) each: {low:.1%} to {high:.1%}")

# %% [markdown]
# Averaging 32 samples per problem narrows the band a lot. But it narrows only one kind of
# noise: how the same model would score on the **same problems** if you sampled again
# (run-to-run noise). It does nothing about the other kind: which problems the benchmark
# happens to contain. A model that solves every sample of a problem still solves it, and a
# benchmark with other problems from the same source could have gone differently. With one
# sample per problem the binomial formula covers both; with many samples it covers only the
# first. (When problems differ in difficulty, the formula with runs > 1 is an upper bound on the
# run-to-run noise.)
#
# **Two models.** To compare two models measured the same way, you need the noise of the
# *difference* of their scores.
#
# **Before you code, predict.** Suppose every benchmark in the table had the size of SWE-bench
# Verified, 486 problems, each answered once. For which rows would the gap between M1-80K and
# R1-0528 be too small to tell from noise at z = 1.96? Write your guess as a set of benchmark
# names (copy them from the table).

# %%
my_prediction = set()  # edit me: your guess, before running the next cells

# %% [markdown]
# **Exercise 3.** Write `is_distinguishable(a, b, n, runs=1, z=1.96)`: whether the gap between
# accuracies a and b, measured on the same n problems with `runs` samples each, exceeds z
# standard errors of the difference. Treat the two measurements as independent.


# %%
def is_distinguishable(a, b, n, runs=1, z=1.96):
    """Whether accuracies a and b on n problems (runs samples each) differ beyond the noise."""
    ### BEGIN SOLUTION
    import math

    def se(p):
        return math.sqrt(p * (1 - p) / (n * runs))

    return abs(a - b) > z * math.hypot(se(a), se(b))
    ### END SOLUTION


# %%
is_distinguishable = check("12.is_distinguishable", is_distinguishable)

pairs = {
    row.benchmark: (row.scores["MiniMax-M1-80K"] / 100, row.scores["DeepSeek-R1-0528"] / 100)
    for row in M1_REPORT_TABLE
    if row.scores["DeepSeek-R1-0528"] is not None
}
within_noise = {name for name, (a, b) in pairs.items() if not is_distinguishable(a, b, 486)}
print("within the noise at 486 problems:", sorted(within_noise))
print("your prediction:                 ", sorted(my_prediction))
missed, overcautious = within_noise - my_prediction, my_prediction - within_noise
print("within the noise, but not in your prediction:", sorted(missed) or "none")
print("in your prediction, but a clear gap:         ", sorted(overcautious) or "none")
assert within_noise == {"SWE-bench Verified", "TAU-bench (retail)"}

# %% [markdown]
# Most benchmark sizes are not in the table, so turn the question round: how many problems would
# a benchmark need for each gap to stand out?
#
# **Exercise 4.** Write `problems_needed(a, b, runs=1, z=1.96)`: the smallest whole number of
# problems n at which `is_distinguishable(a, b, n, runs, z)` holds. Derive it; don't search.


# %%
def problems_needed(a, b, runs=1, z=1.96):
    """The smallest n at which the gap between accuracies a and b would be distinguishable."""
    ### BEGIN SOLUTION
    import math

    return math.floor(z**2 * (a * (1 - a) + b * (1 - b)) / (runs * (a - b) ** 2)) + 1
    ### END SOLUTION


# %%
problems_needed = check("12.problems_needed", problems_needed)
samples = {row.benchmark: row.samples for row in M1_REPORT_TABLE}
print(f"{'benchmark':28} {'gap':>6} {'1 sample':>9} {'report':>7} {'samples':>8}")
for name, (a, b) in pairs.items():
    runs = samples[name] or 1
    print(
        f"{name:28} {100 * (a - b):+6.1f} {problems_needed(a, b):>9,} "
        f"{problems_needed(a, b, runs):>7,} {samples[name] or '?':>8}"
    )

# %% [markdown]
# Read the two columns of problem counts as two questions:
#
# - **"1 sample"**: how many problems the benchmark needs before the gap is more than the luck of
#   which problems it contains (and, with one sample each, of the sampling too). This is the
#   conservative figure; a paired comparison on the same problems would need fewer.
# - **"report"**: how many problems it needs before the gap is more than run-to-run noise, given
#   the samples the report averaged. It is smaller for AIME and LiveCodeBench only.
#
# Now compare with each benchmark's actual size, which you can look up (the report states it only
# for SWE-bench Verified, 486). A gap counts as evidence about the models only when the benchmark
# holds more problems than the "1 sample" figure. The picture below draws the smallest gap that
# stands out from the noise, against the number of problems, at AIME 2025's accuracy level. Where
# the AIME 2025 gap crosses a curve is close to the table's problem counts for that row.

# %%
from minimoe.benchmarks import Z_95, standard_error

sizes = [10, 20, 30, 50, 100, 200, 500, 1000, 2000]
a, b = pairs["AIME 2025"]
p = (a + b) / 2
fig, ax = plt.subplots(figsize=(7, 4))
for runs in (1, 16, 32):
    smallest = [100 * Z_95 * 2**0.5 * standard_error(p, n, runs) for n in sizes]
    ax.plot(sizes, smallest, "o-", label=f"{runs} sample(s) per problem")
ax.axhline(100 * abs(a - b), linestyle="--", color="gray")
ax.text(sizes[0], 100 * abs(a - b) * 1.08, f"AIME 2025 gap, {100 * abs(a - b):.1f} points")
ax.set_xscale("log")
ax.set_yscale("log")
ax.set_xlabel("problems in the benchmark (n)")
ax.set_ylabel("smallest gap that stands out (points)")
ax.set_title(f"Gaps under a curve are within the noise (accuracy {p:.0%}, z = {Z_95})")
ax.legend()
plt.tight_layout()
plt.show()

# %% [markdown]
# **What the table does and does not show.** On M1's own numbers, R1-0528 is ahead on AIME,
# LiveCodeBench and GPQA, and M1 is ahead on the long-context tasks (OpenAI-MRCR, LongBench-v2)
# and on TAU-bench airline. Whether each gap is more than problem-set luck depends on benchmark
# sizes you now know how to check. On SWE-bench Verified and TAU-bench retail the gaps are far
# inside the noise at sizes like SWE-bench Verified's: they say "about the same". Budgets and
# harnesses differ between columns too, so even a gap that survives the noise compares
# *configurations* (model plus thinking budget plus scaffold), not bare models. The same care
# applies to M1's efficiency claim, often repeated with rounded numbers: the report's own figures
# are "less than 50%" of R1's FLOPs at 64K generated tokens and "approximately 25%" at 100K, from
# a theoretical count whose method the report does not describe [1] [V]. Lesson 08 recomputes
# such curves.

# %% [markdown]
# ## 5. The commoditisation argument
#
# The argument runs: when many labs ship models of similar ability under permissive licences,
# the model itself stops being what sets a product apart. Count the open-weight releases in the
# timeline since January 2025 (a curated sample for this course, not a census):

# %%
releases = filter_events(events, kinds=["model release"], start="2025-01-01")
for actor, count in Counter(event.actor for event in releases).most_common():
    print(f"{actor:<16} {count}")
print(f"{len(releases)} releases from {len({e.actor for e in releases})} labs")

# %% [markdown]
# **For the argument.** Within 2025, DeepSeek, Alibaba's Qwen team, Zhipu, Moonshot and MiniMax
# all released open weights under MIT, Apache-2.0 or "MIT plus an attribution rider" terms
# [2, 14]. OpenAI released open weights under Apache-2.0 too [2]. On M1's own table, the leader
# changes from benchmark to benchmark and some gaps are within the noise (section 4). Both
# DeepSeek and MiniMax price their stated training runs at about $2 per GPU-hour (section 2).
# The WSJ reported that Meta delayed Llama 4 Behemoth because engineers struggled to make
# meaningful gains [36] [R].
#
# **Against it, or complicating it.** The table compares open models only; this course has no
# source that places them against the best closed models. Anthropic's CEO argued that DeepSeek's
# cost reductions sit on the expected curve of falling costs, and argued for tighter chip
# controls [13] [R]. The distillation allegations, if true, would mean capabilities spread partly through
# outputs, and providers are building defences against that [33] [V]. Openness also differs
# beneath the licence: the 2025 Foundation Model Transparency Index scores DeepSeek 32, Meta 31
# and Alibaba 26 out of 100, and does not score MiniMax at all [37] [V]. And the licences
# themselves add conditions for the largest users: MiniMax-M2 and Kimi K2 require a displayed
# name above set user or revenue thresholds [2].
#
# Where the evidence stops: we have no source that measures whether users or businesses treat
# these models as interchangeable. That is the question the argument turns on.

# %% [markdown]
# ## 6. Discussion prompts for a workshop
#
# For groups of three to five, 10-15 minutes each. Ask every group to name its sources and to
# mark each claim as verified, reported or opinion, as the timeline does.
#
# 1. **Evidence standards.** The allegations in section 3 rest on unpublished telemetry or on
#    stylistic similarity. What would you need to see to believe one, and what would make you
#    reject it? Who holds that evidence, and why might they not publish it?
# 2. **Interested parties.** List everyone who spoke in the timeline and what each stands to
#    gain. Does knowing a speaker's interest change how you read a claim that you can check
#    yourself, such as a benchmark score?
# 3. **The rental convention.** Both MiniMax and DeepSeek price their runs in rented GPU-hours.
#    Write the headline you would put on "$534,700" if you had to be accurate in under ten
#    words.
# 4. **Export controls.** The chip rules tightened until April 2025 and then moved to licensed
#    sales. Using only the timeline, argue first that the controls worked and then that they
#    did not. Which events did each side have to leave out?
# 5. **Benchmarks.** You are an editor. A press release says "our model beats rival X on
#    benchmark Y" by 2 points. Which three questions do you ask before you print it?
# 6. **Commodities.** If open models are near-equal, what differentiates a lab: data,
#    licences, price, trust, or something else? What evidence would settle it?

# %%
print(f"notebook ran in {time.perf_counter() - notebook_start:.0f} s")

# %% [markdown]
# ## What you built
#
# - A sourced timeline of 2022-2026 as data, with a validating loader, filters by kind, actor and
#   date, and an explorer that shows every event's status and source.
# - M1's RL figure from lesson 08, 258,048 H800 GPU-hours at about $2.07 per hour, beside
#   DeepSeek-V3's: the same rental convention, at about $2.
# - A way to read distillation claims: who alleged what, on which evidence, and which kinds of
#   evidence can establish training on another model's outputs.
# - `noise_band`, `is_distinguishable` and `problems_needed`: the binomial noise of benchmark
#   scores, and the problem counts at which the gaps in M1's own table stand out from it.
#
# **Key terms:** export controls, H800, GPU-hour, rental-equivalent, distillation, allegation,
# self-reported benchmark, thinking budget, standard error, noise band, commoditisation.
#
# ## Try it
#
# - Look up how many problems AIME 2024, AIME 2025, GPQA Diamond and the LiveCodeBench window in
#   the table contain (the benchmarks' own pages). Which gaps in the "1 sample" column survive?
#   Start from `is_distinguishable(a, b, n)` with `pairs["GPQA Diamond"]`.
# - A paired comparison uses the same problems for both models. Simulate two models whose
#   per-problem success rates are correlated (for example, both find the same problems hard) and
#   measure how much the noise of their *gap* shrinks compared with `difference_standard_error`
#   from `minimoe.benchmarks`.
# - Add an event to the timeline. Build it as a dict with the fields of an existing event and
#   pass it to `minimoe.timeline.parse_events([...])`; then break a field on purpose and read the
#   error.

# %% [markdown]
# ## Check your understanding
#
# 1. A lab reports 78% against a rival's 74% on a 50-problem benchmark, averaged over 8 samples
#    per problem. Can you conclude that its model is better at this kind of problem?
# 2. Why does averaging 32 samples per AIME problem not make every AIME gap meaningful?
# 3. M1's RL stage ran on 512 H800s for three weeks. What does that figure show about the export
#    controls, and what does it not show?
# 4. Which kind of evidence would show that a model was trained on another model's API outputs,
#    and which party would have to produce it?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. No. The 8 samples shrink the run-to-run noise, but which 50 problems the benchmark holds
#    remains luck. With one sample each, the standard error of the gap is
#    √(0.78·0.22/50 + 0.74·0.26/50) ≈ 0.085, so 1.96 standard errors are about 17 points: a
#    4-point gap is well inside. `problems_needed(0.78, 0.74)` is 874. And check the budgets and
#    harnesses before comparing at all.
# 2. Because 32 samples average away only the sampling of answers to the same problems. The
#    choice of problems is not averaged away, and each AIME edition is a fixed set of problems. A gap
#    must exceed the one-sample noise of a benchmark that size to say something about the models.
# 3. It shows a scale: the RL stage of an open-weight reasoning model fitted on 512 chips of an
#    export-controlled generation in three weeks. It does not show where MiniMax's GPUs are or
#    when they were obtained, nor what the whole model took: the figure prices the RL stage
#    alone (lesson 08).
# 4. Either a signal the teacher planted before the outputs were collected (a watermark whose
#    "radioactivity" shows up in the student), or the provider's own records of accounts and
#    traffic. The first needs the teacher's owner to have watermarked and the student's weights
#    to be open; the second needs the provider to publish its logs for review. Similarity of
#    outputs alone has innocent explanations and cannot decide it.

# %% [markdown]
# ## Sources
#
# [V] verified in the primary text, [V-copy] verified in an exact copy, [R] reported.
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025): Table 2 (benchmarks, thinking budgets, temperature 1.0, top-p
#    0.95, AIME over 32 samples, LiveCodeBench over 16, SWE-bench on 486 tasks), §1 and §3 (512
#    H800s, three weeks, $534,700; FLOPs at 64K and 100K tokens), §2 (continued pretraining on
#    7.5T tokens, SFT). [V] https://arxiv.org/abs/2506.13585 and
#    https://github.com/MiniMax-AI/MiniMax-M1
# 2. The minimoe timeline, `minimoe/data/timeline.json`, compiled for this course; every event
#    names its own source and URL (shown by the explorer). Events cited here by [2]: the
#    Dec 2024 BIS rule (Federal Register 89 FR 96790, [V-copy]), the Jul 2025 H20 assurance
#    (CNN, [R]), the 2025 releases of Qwen3, Kimi K2, GLM-4.5, gpt-oss and MiniMax-M2 with their
#    licences ([V]).
# 3. US Commerce Department, Bureau of Industry and Security, press release of 7 Oct 2022. [V]
#    https://bis.gov/press-release/commerce-implements-new-export-controls-advanced-computing-and-semiconductor
# 4. BIS, press release of 17 Oct 2023. [V]
#    https://bis.gov/press-release/commerce-strengthens-restrictions-advanced-computing-semiconductors-semiconductor
# 5. E. Gibney, Nature news, 17 Sep 2025, on DeepSeek-R1's peer-reviewed paper (about $294,000
#    for R1 on top of about $6M; "did not hinge" on rivals' outputs; H800s "in 2023 became
#    forbidden from being sold to China"), syndicated copy. [R]
#    https://advancedainews.com/secrets-of-deepseek-ai-model-revealed-in-landmark-paper
# 6. House Select Committee on the CCP, press release of 30 Jan 2025 (letter on the H800). [V]
#    https://selectcommitteeontheccp.house.gov/media/press-releases/moolenaar-krishnamoorthi-call-tightening-export-controls-chips-critical-chinas
# 7. DeepSeek-AI, *DeepSeek-V3 Technical Report*, `DeepSeek_V3.pdf` @ 4c2fdb8, Table 1 and §1
#    (2,788K H800 GPU-hours, $2 per GPU-hour, $5.576M, the exclusions). [V]
#    https://github.com/deepseek-ai/DeepSeek-V3
# 8. Tom's Hardware, 15 Apr 2025, quoting Nvidia's 8-K on the H20 licence requirement. [R]
#    https://www.tomshardware.com/tech-industry/artificial-intelligence/nvidia-writes-off-usd5-5-billion-in-gpus-as-us-govt-chokes-off-supply-of-h20s-to-china
# 9. Nvidia, correspondence with the SEC, 31 Jul 2025 ($4.5B H20 charge recorded). [V]
#    https://www.sec.gov/Archives/edgar/data/1045810/000104581025000192/filename1.htm
# 10. Akin Gump, "BIS Issues New Framework for AI Diffusion", 14 Jan 2025. [R]
#     https://akingump.com/en/insights/ai-law-and-regulation-tracker/bis-issues-new-framework-for-ai-diffusion
# 11. Alston & Bird, on the rescission of the AI Diffusion rule, May 2025. [R]
#     https://alstontrade.com/commerce-rescinds-ai-diffusion-rule-releases-other-guidance-involving-overseas-ai-chips
# 12. Arent Fox Schiff, on H200 export licences (the 8 Dec 2025 announcement and the Jan 2026
#     rule). [R]
#     https://www.afslaw.com/perspectives/national-security-counsel/bis-relaxes-export-license-review-h200-chips-china-and-macau
# 13. Maginative, 29 Jan 2025, on Dario Amodei's essay "On DeepSeek and Export Controls". [R]
#     https://www.maginative.com/article/anthropics-ceo-defends-u-s-export-controls-calls-deepseeks-advances-expected/
# 14. DeepSeek-AI, DeepSeek-R1 README (MIT licence allowing distillation; the distilled models)
#     and `DeepSeek_R1.pdf` (800k samples, Table 6). [V] https://github.com/deepseek-ai/DeepSeek-R1
# 15. DeepSeek, DeepSeek-R1-0528 model card (AIME 2025 from 70% to 87.5%; 12K vs 23K tokens per
#     question), read in a mirror [V-copy]; the distilled 8B student [R].
#     https://huggingface.co/deepseek-ai/DeepSeek-R1-0528-Qwen3-8B
# 16. OpenAI, Terms of Use (version effective 31 Jan 2024), "What you cannot do", read in
#     verbatim copies. [V-copy] https://openai.com/policies/terms-of-use
# 17. Google, Gemini API Additional Terms of Service, version of 15 Feb 2024. [V]
#     https://ai.google.dev/terms-archive/terms_02_15_24
# 18. G. Hinton, O. Vinyals, J. Dean, "Distilling the Knowledge in a Neural Network", arXiv
#     1503.02531 (2015), https://arxiv.org/abs/1503.02531; Y. Kim, A. M. Rush, "Sequence-Level
#     Knowledge Distillation", arXiv 1606.07947 (2016), https://arxiv.org/abs/1606.07947. [R]
# 19. DatacenterDynamics, 29 Jan 2025, "OpenAI claims DeepSeek used its model..." (citing the
#     Financial Times, Fox News and Bloomberg). [R]
#     https://datacenterdynamics.com/en/news/openai-claims-deepseek-used-its-model-to-train-cheaper-alternative
# 20. Homeland Security Today, summary of the Select Committee report "DeepSeek Unmasked",
#     Apr 2025. [R]
#     https://www.hstoday.us/subject-matter-areas/cybersecurity/u-s-house-select-committee-report-deepseek-exposed-as-ccp-tool-for-espionage-and-export-control-evasion/
# 21. PYMNTS, 17 Apr 2025 (the chairman's statement; Nvidia's reply). [R]
#     https://www.pymnts.com/artificial-intelligence-2/2025/house-select-committee-says-deepseek-is-threat-to-us-security/
# 22. House Select Committee on the CCP, weekly recap of 25 Apr 2025. [V]
#     https://selectcommitteeontheccp.house.gov/media/in-the-news/select-weekly-committee-recap-week-421
# 23. House Science, Space and Technology Committee, opening statement at "DeepSeek: A Deep
#     Dive", Apr 2025. [V] https://republicans-science.house.gov/2025/4/opening-statement-of-research
# 24. TechCrunch, 3 Jun 2025, "DeepSeek may have used Google's Gemini to train its latest model",
#     syndicated copy (also on models that misidentify themselves). [R]
#     https://advancedainews.com/deepseek-may-have-used-googles-gemini-to-train-its-latest-model-2
# 25. N. Lambert, post on X, 3 Jun 2025, seen embedded in news articles. [R]
#     https://x.com/natolambert/status/1929895008435306823
# 26. udit.co, on OpenAI's memo to the House Select Committee of 12 Feb 2026 (based on Reuters
#     and Bloomberg). [R] https://udit.co/blog/openai-accuses-deepseek-model-distillation-congress
# 27. CoinCentral, Feb 2026, quoting Anthropic's post on distillation campaigns. [R]
#     https://coincentral.com/?p=164878
# 28. M. Sun, Y. Yin, Z. Xu, J. Z. Kolter, Z. Liu, "Idiosyncrasies in Large Language Models",
#     arXiv 2502.12150 (2025); the accuracy figures from abstract copies [R]; code:
#     https://github.com/locuslab/llm-idiosyncrasies
# 29. Bitton et al., arXiv 2503.01659 (stylistic-fingerprint ensembles). [V]
#     https://arxiv.org/abs/2503.01659
# 30. D. Nikolić, T. Baluta, P. Saxena, "Model Provenance Testing for Large Language Models",
#     arXiv 2502.00706 (NeurIPS 2025). [V] https://arxiv.org/abs/2502.00706
# 31. T. Sander, P. Fernandez, A. Durmus, M. Douze, T. Furon, arXiv 2402.14904 (NeurIPS 2024),
#     on detecting training on watermarked text. [V] https://arxiv.org/abs/2402.14904
# 32. Xu et al., "Instructional Fingerprinting of Large Language Models", NAACL 2024, arXiv
#     2401.12255. [V] https://arxiv.org/abs/2401.12255
# 33. Savani et al., arXiv 2504.13146 (antidistillation sampling). [V]
#     https://arxiv.org/abs/2504.13146
# 34. Gao, Jin, Ke, Moryoussef, "A comparison of DeepSeek and other LLMs", arXiv 2502.03688. [V]
#     https://arxiv.org/abs/2502.03688
# 35. S. Paech, `slop-forensics` README @ 1fd4dd2. [V] https://github.com/sam-paech/slop-forensics
# 36. Sherwood News, 15 May 2025, citing the Wall Street Journal on Llama 4 Behemoth. [R]
#     https://www.sherwood.news/tech/wsj-amid-struggles-meta-delays-release-of-llama-4-behemoth-ai-model
# 37. Stanford CRFM, Foundation Model Transparency Index, December 2025 scores @ f4500c5. [V]
#     https://github.com/stanford-crfm/fmti
