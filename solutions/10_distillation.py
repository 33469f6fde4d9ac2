# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Distillation: a student learns from a teacher's answers
#
# A large model that can reason is expensive to run. *Distillation* trains a smaller model, the
# student, to imitate it, the teacher [1, 2]. DeepSeek did it in the open: besides R1 it
# released six smaller models, Qwen and Llama checkpoints fine-tuned on 800k samples curated
# with R1, with "only SFT" and no RL stage [3]. Its Table 6 reports that the
# distilled Qwen-32B beats the same base model trained with large-scale RL on AIME 2024, 72.6
# against 47.0 [3]. MiniMax-M1's report, by contrast, does not say where the long
# chain-of-thought answers of its SFT stage came from [4, §2]. And distillation is where the
# race turns into accusations: in 2025 and 2026 OpenAI and Anthropic alleged that DeepSeek,
# and in Anthropic's case also Moonshot AI and MiniMax, trained on their models' outputs
# [5, 6]; the evidence behind those claims has not been published (lesson 12).
#
# This lesson does both halves at a size a laptop can run. You will
#
# 1. let the RL-tuned model the course ships write *synthetic traces* and count, with
#    `minimoe.flops`, what the teacher's writing costs (and derive it yourself);
# 2. train a student half the teacher's size on those traces, and the same student without a
#    teacher (SFT on ground truth, then RL), and compare accuracy, FLOPs and wall time side by
#    side;
# 3. measure how much of the teacher each student carries: agreement, agreement on the
#    teacher's *mistakes*, the per-token KL on the same prefixes, and a classifier that tries
#    to tell who wrote an answer;
# 4. set those measurements against the published methods (soft targets, fingerprints,
#    watermarks, output classifiers) and say what similarity can and cannot prove;
# 5. read what licenses and terms of service say about training on outputs, with
#    `minimoe.licenses`.

# %%
import time

import matplotlib.pyplot as plt
import torch

from minimoe.env import best_device
from minimoe.exercises import check
from minimoe.smoke import pick

DEVICE = best_device()  # "cuda" on a GPU runtime such as Colab's, else "cpu" (or "mps")
torch.manual_seed(0)
lesson_start = time.perf_counter()

# %% [markdown]
# ## 1. The teacher writes traces
#
# The teacher is `sorting-cispo`, the checkpoint lessons 05-07 built: a tiny hybrid (8 layers,
# 7 lightning : 1 softmax, 4 experts) that learned to sort 10 digits by SFT and was then
# improved by CISPO. Its model card, beside the checkpoint, gives its recipe and its held-out
# accuracy. The student keeps the teacher's width and vocabulary and has half its layers.

# %%
from minimoe.experiments.distillation import (
    load_teacher,
    student_config,
    teacher_training_seconds,
)
from minimoe.model import count_parameters
from minimoe.recipes import CISPO_SORTING

teacher = load_teacher().to(DEVICE)
student_cfg = student_config(teacher.config)
for name, params in (
    ("teacher", count_parameters(teacher)),
    ("student", count_parameters(student_cfg)),
):
    print(f"{name}: {params[0]:,} parameters, {params[1]:,} active per token")
spent = teacher_training_seconds()
print(f"the teacher's own training took {spent['sft']:.0f} s of SFT and {spent['rl']:.0f} s of RL")

# %% [markdown]
# A *trace* here is the teacher's answer to a training prompt, kept as the target the student
# will learn. This is *sequence-level* knowledge distillation (Kim & Rush [2]): the student
# sees the teacher's decoded text, not its probabilities, so it needs nothing an API would not
# give. Kim & Rush decode the teacher's best sequence with beam search; we decode greedily
# (a beam of one). Two filters:
#
# - `keep="all"` keeps every answer that ended with `<eos>`, mistakes included: a copier
#   without a verifier gets exactly this;
# - `keep="verified"` keeps only answers the task's verifier accepts, as one would when a
#   checker is at hand.
#
# An answer that never wrote `<eos>` is dropped either way (a student would learn not to stop).
# Both filters read the same greedy answers (`traces.filtered`), so the second costs no extra
# generation, and both routes below carry the same teacher bill.

# %%
from minimoe.experiments.distillation import make_traces
from minimoe.tasks import make_dataset

train_problems, _ = CISPO_SORTING.data()  # the 4,000 training prompts the teacher saw
train_problems = train_problems[: pick(4000, 200)]
held_out = make_dataset("sorting", pick(500, 40), seed=2, split="eval", difficulty=10)
traces = make_traces(teacher, train_problems, keep="all")
verified = traces.filtered("verified")  # the same answers, filtered: no new generation
print(
    f"the teacher answered {len(train_problems)} training prompts greedily in "
    f"{traces.cost.seconds:.1f} s; {traces.accuracy:.1%} of its answers are right"
)
print(f"keep='all': {len(traces.problems)} traces; keep='verified': {len(verified.problems)}")
wrong = next(p for p in traces.problems if p.verify(p.target) < 1)
print(
    f"a kept mistake: prompt {wrong.prompt!r}, teacher wrote {wrong.target!r}, "
    f"right is '#{wrong.answer}<eos>'"
)

# %% [markdown]
# **Exercise 1 (derive).** What did the teacher's writing cost? `minimoe.generation.generate`
# runs one prefill of the prompt, whose last logits already give the first new token, then one
# decode step per further token; in a softmax layer a decode step costs more the more tokens
# the cache holds. Write `trace_flops(arch, n_traces, prompt, new_tokens)`, the forward FLOPs
# of `n_traces` answers of `new_tokens` tokens after prompts of `prompt` tokens, from
# `prefill_flops(arch, n).total` and `decode_flops(arch, context).total` of `minimoe.flops`.
# (Do not call `generation_flops`: it is the answer.)

# %%
from minimoe.flops import Architecture, decode_flops, prefill_flops


def trace_flops(arch, n_traces, prompt, new_tokens):
    """Forward FLOPs for a teacher to write n_traces answers of new_tokens after a prompt."""
    ### BEGIN SOLUTION
    contexts = range(prompt, prompt + new_tokens - 1)  # the cache before each decode step
    one = prefill_flops(arch, prompt).total + sum(decode_flops(arch, t).total for t in contexts)
    return n_traces * one
    ### END SOLUTION


# %%
trace_flops = check("10.trace_flops", trace_flops)

# %% [markdown]
# Now compare your count with what the meter counted while the teacher wrote. Every sorting
# prompt here is 12 tokens (`<bos>`, 10 digits, `:`) and a right answer is 12 (`#`, 10
# digits, `<eos>`). The meter (`FlopMeter` in `minimoe.experiments.distillation`) hooks the
# model and counts each prefill and decode step it actually runs, with the same
# `minimoe.flops` functions, batch row by batch row.

# %%
arch = Architecture.from_config(teacher.config)
predicted = trace_flops(arch, len(train_problems), 12, 12)
print(f"your formula, {len(train_problems)} traces of 12 tokens: {predicted / 1e9:.1f} GFLOPs")
print(
    f"the meter, as run:                  {traces.cost.forward / 1e9:.1f} GFLOPs "
    f"({traces.cost.forward / predicted:.3f}×)"
)
assert traces.cost.forward >= predicted

# %% [markdown]
# The meter's count is at least the formula's (asserted) and may be a little higher: a batch
# generates until its *longest* answer ends, so if one answer in a batch of 500 runs past 12
# tokens, every row pays for the extra steps. Counting what ran, padding included, is the
# honest count.
#
# ## 2. Two routes to the same student
#
# Route A, **distillation**: SFT on the traces. Route B, **no teacher**: SFT on the
# ground-truth answers of the same prompts, then RL with the verifier's reward (CISPO, with the
# shipped recipe's learning rate and batch). Both start from the same random student and use
# the same SFT settings, so their SFT costs match and the difference is what replaces the
# teacher: its writing, or RL. We also train a second distilled student on the verified traces
# only. The meter counts every forward pass, and a backward pass as twice its forward
# (`minimoe.flops`'s convention: training costs about three forward passes). Evaluation is not
# counted. Three short trainings follow (under a minute on a laptop).

# %%
import copy
import dataclasses

from minimoe.experiments.distillation import distill_student, train_direct
from minimoe.train import SFTConfig, held_out_accuracy

sft = SFTConfig(steps=pick(150, 4), batch_size=64, lr=3e-3, warmup=10, eval_every=0)
rl = dataclasses.replace(CISPO_SORTING.rl, steps=pick(20, 1), prompts_per_step=pick(32, 4))
distilled = distill_student(traces, student_cfg, sft)
distilled_verified = distill_student(verified, student_cfg, sft)
distilled_verified.name = "distilled (verified)"
snapshots = {}
direct = train_direct(
    train_problems,
    student_cfg,
    sft,
    rl,
    after_sft=lambda model: snapshots.update(sft=copy.deepcopy(model)),
)

# %%
models = {
    "teacher": teacher,
    "distilled": distilled.model,
    "distilled (verified)": distilled_verified.model,
    "SFT on ground truth": snapshots["sft"],
    "SFT + RL": direct.model,
}
accuracy = {name: held_out_accuracy(m, held_out) for name, m in models.items()}
print(f"{'model':<22}{'greedy':>8}{'T = 1':>8}   ({len(held_out)} held-out prompts)")
for name, acc in accuracy.items():
    print(f"{name:<22}{acc['greedy']:>8.3f}{acc['sampled']:>8.3f} ± {acc['sampled_se']:.3f}")

# %% [markdown]
# Read the table before the costs. On this task the generator hands out the right answer for
# free, so "SFT on ground truth" is itself a perfect teacher, and the RL-tuned teacher is an
# imperfect one: with the same SFT steps, a student can only inherit the teacher's mistakes
# (one trace in ten is wrong). Whether that costs it accuracy is printed above; in our run the
# distilled student trailed the student trained on ground truth, and the verified traces
# narrowed the gap. R1's setting is the other one: nobody can write down the right chain of
# thought for a competition problem, so the only supervision besides a teacher's traces is the
# reward, and at 32B parameters the teacher's traces won [3, Table 6].

# %%
from minimoe.experiments.distillation import cost_rows

rows = cost_rows([distilled, distilled_verified, direct])
print(f"{'route':<22}{'stage':<42}{'GFLOPs':>9}{'seconds':>9}")
for row in rows:
    print(f"{row['route']:<22}{row['stage']:<42}{row['flops'] / 1e9:>9.1f}{row['seconds']:>9.1f}")
teacher_share = traces.cost.flops / distilled.flops
rl_share = direct.costs[1].flops / direct.flops
print(f"\nthe teacher's writing is {teacher_share:.0%} of route A; RL is {rl_share:.0%} of route B")
# the teacher wrote once for both distilled routes: count its seconds once
routes_seconds = distilled.seconds + distilled_verified.seconds + direct.seconds
routes_seconds -= traces.cost.seconds
print(
    f"left out: the teacher's own training, {sum(spent.values()):.0f} s on the CPU that made it "
    f"(all three routes here: {routes_seconds:.0f} s)"
)

# %% [markdown]
# What the table shows, and what it leaves out:
#
# - Writing one trace costs about one teacher forward pass over the sequence, spread over 12
#   steps, with no backward pass. An RL step costs the student far more per prompt: 8 sampled
#   answers, a scoring pass, and 2 updates with a backward pass each. In our run that made the
#   teacher's writing the smaller bill (the shares above).
# - Wall time is not proportional to FLOPs on a CPU: decoding runs many small steps, training
#   a few large matrix products. Read the two columns side by side, not one for the other.
# - **Left out:** the teacher's own training (printed in part 1, measured on the CPU that made
#   it: several times everything in this table), evaluation, and the verifier. Distillation
#   is cheap only because someone already paid for the teacher; a lab distilling its own
#   model pays both bills, and one that uses another lab's API pays the price of the API
#   calls instead.
#
# ## 3. How much of the teacher does a student carry?
#
# Agreement is the first measure anyone computes: how often does the student write exactly
# the teacher's answer? On a task with one right answer it says little, because two models
# that are both right agree whoever taught them.
#
# **Exercise 2 (reason).** Write `shared_mistakes(problems, reference, other)`: among the
# problems whose `reference` answer is wrong (`problem.verify(answer) < 1`), the share on
# which `other` wrote *exactly the same* wrong answer. `reference` and `other` are lists of
# answer texts, one per problem. Before you run part 3's table, predict: does the distilled
# student or the student that never saw the teacher share more of the teacher's mistakes?


# %%
def shared_mistakes(problems, reference, other):
    """Share of reference's wrong answers that other repeated exactly."""
    ### BEGIN SOLUTION
    wrong = [i for i, p in enumerate(problems) if p.verify(reference[i]) < 1]
    return sum(other[i] == reference[i] for i in wrong) / len(wrong)
    ### END SOLUTION


# %%
shared_mistakes = check("10.mistake_agreement", shared_mistakes)

# %% [markdown]
# The second measure looks past the answer to the distribution. With both models reading the
# same prefixes, each prompt followed by the teacher's greedy answer, compare their next-token
# distributions at every answer position: the per-token KL(teacher ‖ model) =
# Σ_v p_teacher(v) (log p_teacher(v) − log p_model(v)), in nats. This direction, weighted by
# the teacher's probabilities, is what Hinton et al.'s *soft targets* minimise [1]: their loss
# is the cross-entropy against the teacher's distribution, which is this KL plus the teacher's
# entropy (a constant for the student).
#
# **Exercise 3 (find the bug).** A colleague wrote the function below. Its output looks
# plausible (a positive number) but it has two bugs. Logits at column t predict the token at
# column t + 1, and `response_mask` has `seq - 1` columns: column t is 1 when token t + 1 is an
# answer token. Fix it so that it returns the mean KL(teacher ‖ model) over the answer
# positions, and write the fixed version in the cell below.
#
# ```python
# def token_kl(teacher_logits, model_logits, response_mask):
#     log_p = F.log_softmax(teacher_logits.float(), dim=-1)
#     log_q = F.log_softmax(model_logits.float(), dim=-1)
#     per_token = (log_q.exp() * (log_q - log_p)).sum(-1)
#     return per_token[:, 1:][response_mask.bool()].mean()
# ```

# %%
import torch.nn.functional as F


def token_kl(teacher_logits, model_logits, response_mask):
    """Mean per-token KL(teacher ‖ model) over answer positions."""
    ### BEGIN SOLUTION
    log_p = F.log_softmax(teacher_logits[:, :-1].float(), dim=-1)
    log_q = F.log_softmax(model_logits[:, :-1].float(), dim=-1)
    per_token = (log_p.exp() * (log_p - log_q)).sum(-1)
    mask = response_mask.float()
    return (per_token * mask).sum() / mask.sum()
    ### END SOLUTION


# %%
token_kl = check("10.token_kl", token_kl)

# %% [markdown]
# The third measure asks whether a *classifier* can tell who wrote an answer, the question
# Sun et al. ask of ChatGPT, Claude, Grok, Gemini and DeepSeek [7]. Ours is a logistic
# regression on seven simple features of a sorting answer (is it right, how far off is its
# length, did it end, how many positions are wrong, how many digits are miscounted, how many
# neighbours are out of order, where does it first go wrong). It is fitted on temperature-1
# answers of the teacher and of one student to half of the held-out prompts, and scored on
# their answers to the other half; 0.5 is chance. `similarity` runs all four measures for each
# model against the teacher.

# %%
from minimoe.experiments.distillation import similarity

students = {name: m for name, m in models.items() if name != "teacher"}
similar = similarity(teacher, students, held_out, samples=pick(4, 2))
header = f"{'model':<22}{'agree':>7}{'shared mistakes':>17}{'KL (nats)':>11}{'classifier':>12}"
print(header)
for row in similar:
    shared = f"{row['mistake_agreement']:.2f} of {row['teacher_mistakes']}"
    print(
        f"{row['model']:<22}{row['agreement']:>7.3f}{shared:>17}{row['kl']:>11.3f}"
        f"{row['classifier']:>12.3f}"
    )
by_name = {row["model"]: row for row in similar}
copied = by_name["distilled"]["mistake_agreement"]
assert copied >= by_name["SFT on ground truth"]["mistake_agreement"]

# %% [markdown]
# Set each column against the question "was this student trained on the teacher's outputs?"
# (in our run; the numbers move with seeds, so read the ordering, not the decimals):
#
# - **Agreement** is high for every student and barely separates them: they agree with the
#   teacher mostly because they are all right.
# - **Shared mistakes** separate them: the student trained on every trace repeats some of the
#   teacher's exact wrong answers on prompts it never saw, while the students trained on ground
#   truth share few or none (that the distilled student shares at least as many as the
#   ground-truth one is asserted). This is the telling signal on a one-answer task, and it
#   needs the teacher to be wrong often enough to count. The student trained on verified
#   traces, which never saw one of the teacher's wrong answers, sat in between in our run. A
#   filter removes the mistakes, not every trace of the teacher (the teacher decided which
#   prompts were kept); and with a few dozen mistakes to count, a handful shared could also be
#   chance. One run cannot tell these apart; several seeds could.
# - **KL** was lowest for the distilled student in our run: trained on the teacher's answers,
#   its distributions sit closer to the teacher's than those of a student trained on the truth.
# - **The classifier** stays near chance for every student here: seven features of a sorting
#   answer do not hold enough of a model's style to tell two good sorters apart. A classifier
#   that fails says nothing; one that succeeds says the two *write* differently.

# %%
fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
names = list(students)
short = [n.replace(" on ground truth", "\n(ground truth)").replace(" (", "\n(") for n in names]
axes[0].bar(short, [accuracy[n]["sampled"] for n in names], color="tab:blue")
axes[0].axhline(accuracy["teacher"]["sampled"], color="k", ls="--", label="teacher")
axes[0].set_xlabel("student")
axes[0].set_ylabel("held-out accuracy at T = 1")
axes[0].set_title("Accuracy of each student")
axes[0].legend()
routes = [distilled, distilled_verified, direct]
bottom = [0.0] * len(routes)
for stage in ("teacher writes traces", "SFT", "RL"):
    heights = [sum(c.flops for c in r.costs if stage in c.stage) / 1e9 for r in routes]
    axes[1].bar([r.name.replace(" (", "\n(") for r in routes], heights, bottom=bottom, label=stage)
    bottom = [b + h for b, h in zip(bottom, heights)]
axes[1].set_xlabel("route")
axes[1].set_ylabel("GFLOPs (forward + backward)")
axes[1].set_title("Cost by stage (teacher's own training left out)")
axes[1].legend()
axes[2].bar(short, [by_name[n]["mistake_agreement"] for n in names], color="tab:red")
axes[2].set_xlabel("student")
axes[2].set_ylabel("share of the teacher's mistakes repeated")
axes[2].set_title("Who repeats the teacher's wrong answers?")
for ax in axes:
    ax.tick_params(axis="x", labelsize=8)
fig.tight_layout()
plt.show()

# %% [markdown]
# ## 4. What similarity can and cannot prove
#
# Our experiment is a *labelled* one: we know which student saw the teacher. Real disputes are
# not, and that changes what the same measurements can show [8, §2; 9, §4]:
#
# - **Similarity has many causes.** A student that resembles a teacher may have trained on its
#   outputs, or both may have trained on the same public data, or on web text that contains the
#   teacher's outputs, or on a third model's. Our ground-truth students resemble the teacher
#   too, through the task alone. Output classifiers tell which model *wrote* a text (Sun et al.
#   report 97.1% across five chat models [7]); that is authorship of outputs, not the
#   provenance of weights. Gao et al. found DeepSeek's outputs most similar to Gemini's and
#   Claude's, a ranking that claims no lineage [10].
# - **The telling signals are the idiosyncratic ones**, as shared mistakes were here: what a
#   model does that the task does not force. Stylistic profiles ("slop forensics") and
#   provenance tests against unrelated-model baselines work on this principle; the latter is
#   built for models derived by fine-tuning, a different question from training on API
#   outputs [9, §4].
# - **Real evidence is pre-committed or logged.** A watermark in the teacher's outputs can be
#   detected in a student trained on them (*watermark radioactivity*: p < 10⁻⁵ with as little
#   as 5% of the training text watermarked, when the suspect's weights are open) [11], but
#   only if the teacher watermarked before the outputs were collected. A fingerprint planted in a model's
#   weights proves reuse of those weights, not training on their outputs [12]. Otherwise the
#   strongest evidence is the provider's own telemetry (accounts, API logs), which in the
#   public distillation allegations has not been published [8, §2].
# - **Open distillations are positive controls.** R1's distilled Qwen and Llama models are
#   declared students of a known teacher; the same base models without distillation are the
#   negative controls [8, §2]. That is the design of this lesson's experiment, at toy scale.
#
# The allegations, as allegations: in January 2025 OpenAI told the Financial Times it had
# "some evidence" of distillation, without details; in February 2026 an OpenAI memo to the
# House Select Committee alleged that accounts linked to DeepSeek employees used obfuscated
# routers to obtain outputs for distillation; and in February 2026 Anthropic alleged
# "industrial-scale distillation attacks" by DeepSeek, Moonshot AI and MiniMax through about
# 24,000 accounts [5, 6]. These are reported claims; no independent verification has been
# published, and we found no public response from the companies [9, §3].
#
# ## 5. What the terms say
#
# *This part is education, not legal advice: read the full texts and ask a lawyer before you
# rely on any of it.* Whether you *may* train on a model's outputs is a question for its
# license or, for an API, the provider's terms. `minimoe.licenses` reads the clauses (lesson
# 11 has the whole table); here are the ones this lesson touches: our teacher is Apache-2.0,
# like the rest of minimoe, and so is MiniMax-M1; DeepSeek states its position on R1 in its
# README; OpenAI's terms restrict competing models.

# %%
from minimoe.licenses import may_train_on_outputs

for subject in ("apache-2.0", "DeepSeek-R1", "OpenAI API"):
    answer = may_train_on_outputs(subject)
    print(f"{answer.subject}\n  {answer.verdict.upper()}: {answer.condition}")
    print(f"  {answer.clause.cite()}\n")
assert may_train_on_outputs("MiniMax-M1").verdict == "yes"

# %% [markdown]
# Note what kind of rule each is. A license governs the weights and what you do with them;
# Apache-2.0 and MIT say nothing about outputs, and DeepSeek adds an explicit permission to
# distil R1 [3]. API terms are a contract with the customer: OpenAI's forbid using outputs "to
# develop models that compete with OpenAI" and assign the outputs to the user, and whether
# such terms bind a third party who later reuses a dataset is debated [9, §3]. So "was it
# allowed?" and "did it happen?" are separate questions, and measurements like part 3's bear
# only on the second.

# %%
print(f"lesson 10 ran in {time.perf_counter() - lesson_start:.0f} s")

# %% [markdown]
# ## What you built
#
# - Synthetic traces from the shipped RL-tuned teacher, with and without a verifier's filter,
#   and `trace_flops`, the generation cost you derived, checked against a meter that counts
#   what actually ran.
# - A distilled student and the same student trained without a teacher (SFT on ground truth,
#   then RL), with their accuracy, FLOPs and wall time side by side, and what the count leaves
#   out (the teacher's own training).
# - Four similarity measures: agreement, `shared_mistakes`, the per-token `token_kl` on the
#   teacher's prefixes (two bugs fixed), and a source classifier; on this task only the
#   shared mistakes and the KL told the distilled student apart, in our run.
# - What such measurements can and cannot prove, set against soft targets, watermarks,
#   fingerprints and output classifiers, and what licenses and API terms say about training on
#   outputs.
#
# **Key terms:** sequence-level knowledge distillation, synthetic trace, soft targets,
# teacher-forced KL, shared mistakes, source classifier, watermark radioactivity.
#
# ## Try it
#
# Give the teacher more to teach. Hinton et al.'s students learn from the full distribution,
# not from one decoded answer: write a loss that trains the student on `token_kl` against the
# teacher on the traces (teacher-forced, soft targets) and compare its KL and shared mistakes
# with part 3's. Or sample the traces at `temperature=1.0` with `keep="verified"`: the student
# then sees several right answers per prompt the way the teacher would write them. Or make the
# task harder (`make_dataset("sorting", ..., difficulty=14)`), where the teacher errs more:
# does the shared-mistakes signal grow?
#
# ## Check your understanding
#
# 1. Why does agreement with the teacher say little about whether a student trained on its
#    outputs, on a task with one right answer? What would make agreement telling?
# 2. Distillation through an API gives you the teacher's text but not its logits. Which of
#    this lesson's two distillation methods can you use, and which of part 3's measures could
#    the API provider compute on a suspect model it cannot download?
# 3. Our cost table left out the teacher's training. When is leaving it out fair, and when
#    does it make distillation look cheaper than it is?
# 4. A suspect model repeats a famous model's characteristic mistakes. Name two explanations
#    besides "it was trained on that model's outputs", and one kind of evidence that would
#    decide between them.

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. Because every model that is right writes the same answer, so agreement mostly measures
#    accuracy; two strong models trained independently agree nearly as often as a teacher and
#    its student. Agreement becomes telling where the task does not force it: on the teacher's
#    wrong answers (many ways to be wrong, so repeating the exact one is unlikely by chance),
#    on tasks with many acceptable answers (style, wording), or on the whole distribution (the
#    KL).
# 2. Only sequence-level distillation (training on decoded text); soft targets need the
#    teacher's probabilities. A provider can compute agreement, shared mistakes and a source
#    classifier from the suspect's text outputs alone; the teacher-forced KL needs the
#    suspect's next-token distributions, so it needs open weights or an API that returns
#    log-probabilities.
# 3. Fair when the teacher exists anyway and is reused (its cost is spread over many students,
#    or paid by someone else, as with an API; a lab's own big model serves many purposes).
#    Misleading when the teacher is trained only to be distilled, or when comparing total
#    cost to reach a capability: then the teacher's training belongs in the bill, and in our
#    run its recorded time (on the CPU that made it) was longer than all three routes here
#    together (the line under the cost table).
# 4. Both models trained on the same public data (or on web text containing the famous
#    model's outputs), or the suspect trained on a third model that itself learned from the
#    famous one; also a shared architecture or tokenizer can make the same errors likely.
#    Deciding evidence: a watermark the famous model put in its outputs before they were
#    collected (radioactivity), or the provider's logs of the accounts that collected them.

# %% [markdown]
# ## Sources
#
# 1. G. Hinton, O. Vinyals, J. Dean, *Distilling the Knowledge in a Neural Network*,
#    arXiv 1503.02531 (2015): soft targets, a student trained on the teacher's
#    temperature-softened probabilities. https://arxiv.org/abs/1503.02531
# 2. Y. Kim, A. M. Rush, *Sequence-Level Knowledge Distillation*, EMNLP 2016,
#    arXiv 1606.07947: the student trained on the teacher's decoded (beam-search) outputs.
#    https://arxiv.org/abs/1606.07947
# 3. DeepSeek-AI, *DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement
#    Learning*, arXiv 2501.12948 (2025): the distillation section and Table 6 (distilled
#    models, 800k samples, SFT only; Distill-Qwen-32B against RL on Qwen-32B-Base), and the
#    README of `deepseek-ai/DeepSeek-R1` @ 23807ce (distillation allowed, the six distilled models).
#    https://github.com/deepseek-ai/DeepSeek-R1
# 4. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025), §2 (SFT on long-CoT responses; their source is not stated).
#    https://arxiv.org/abs/2506.13585
# 5. OpenAI to the Financial Times (January 2025) and OpenAI's memo to the House Select
#    Committee on the CCP (February 2026), as reported by Semafor, DCD, Reuters and Bloomberg;
#    collected with their evidence in the course's research notes, licensing_geopolitics.md §3
#    and society_and_efficiency_sources.md §2. [R]
# 6. Anthropic's allegation of "industrial-scale distillation attacks" (February 2026), as
#    reported (coincentral, incidentdatabase.ai); no independent verification published. [R]
# 7. M. Sun, Y. Yin, Z. Xu, J. Z. Kolter, Z. Liu, *Idiosyncrasies in Large Language Models*,
#    arXiv 2502.12150 (2025); code: github.com/locuslab/llm-idiosyncrasies.
#    https://arxiv.org/abs/2502.12150
# 8. The course's research notes, `society_and_efficiency_sources.md` §2: what output
#    similarity can and cannot prove (definitions, classifiers, watermarks, fingerprints,
#    positive and negative controls).
# 9. The course's research notes, `licensing_geopolitics.md` §3 (timeline of allegations;
#    OpenAI's terms) and §4 (distillation and detection methods: slop-forensics, provenance
#    testing, Bitton et al., Lee et al.).
# 10. Gao, Jin, Ke, Moryoussef, *A comparison of DeepSeek and other LLMs*, arXiv 2502.03688
#     (2025). https://arxiv.org/abs/2502.03688
# 11. T. Sander, P. Fernandez, A. Durmus, M. Douze, T. Furon, *Watermarking Makes Language
#     Models Radioactive*, arXiv 2402.14904 (NeurIPS 2024). https://arxiv.org/abs/2402.14904
# 12. J. Xu et al., *Instructional Fingerprinting of Large Language Models*, NAACL 2024,
#     arXiv 2401.12255. https://arxiv.org/abs/2401.12255
