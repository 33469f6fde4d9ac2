# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Reasoning tasks and a supervised warm start
#
# MiniMax-M1's reinforcement learning began with reasoning tasks whose answers a *rule* can
# check (maths, logic puzzles, code with tests), and only later mixed in tasks that need a
# learned judge [1]. A rule has no taste to flatter: a long, confident, well-written wrong
# answer scores as little as a short one. A rule can still be gamed, though, where its code
# has a hole, and section 3 shows what closing the holes takes. This lesson builds the pieces
# that kind of RL needs, at toy scale, and the warm start it begins from. By the end you can
#
# 1. encode the tasks with a **tokenizer** for their small alphabet, and draw problems from
#    **task generators** that write a worked solution with each one;
# 2. read a model's answer and score it with a **verifier** that treats model output as hostile
#    input;
# 3. say where supervised fine-tuning (**SFT**) sits in M1's, R1-Zero's and R1's training
#    pipelines, and why *our* model cannot skip it;
# 4. build SFT's loss mask and train the warm start that lessons 06-07 begin from;
# 5. derive **pass@k** and read it as a map for RL [2].

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
# ## 1. One character, one token
#
# Every task string is written with 21 characters: digits, `+ - * ( )`, `=`, `,`, `>`, a
# space, `:` (end of the question) and `#` (the answer follows). Three special tokens come first:
# `<pad>`, `<bos>` and `<eos>`. So the vocabulary has 24 entries, and a model never has to
# learn how numbers were split into sub-words.

# %%
from minimoe.tasks import TOKENIZER

print("vocabulary:", TOKENIZER.tokens, f"({TOKENIZER.vocab_size} ids)")
ids = TOKENIZER.encode("347+285:12,13,6#632<eos>", add_bos=True)
print("ids:       ", ids)
print("round trip:", TOKENIZER.decode(ids, skip_special=False))

# %% [markdown]
# A character outside the alphabet is an error that says which character and where, instead of
# a silent `<unk>` that would hide a bug in a task generator.

# %%
try:
    TOKENIZER.encode("3/4:")
except ValueError as err:
    print("ValueError:", err)

# %% [markdown]
# ## 2. Tasks that come with their own answer key
#
# A task generator draws a problem and writes the *target*: short worked steps, `#`, the answer,
# `<eos>`. Three tasks ship with minimoe, each with a difficulty knob:
#
# - **arithmetic**: add or subtract, with the column sums (carries included) as worked steps;
# - **countdown**: reach a target from a few numbers with `+ - *` and brackets, the game
#   TinyZero used for its small RL runs [3]; many answers are right;
# - **sorting**: sort ten digits. No worked steps: it is the task the course trains on, because
#   a half-million-parameter model learns it in a minute and still makes mistakes for RL to fix.

# %%
from minimoe.tasks import Arithmetic, Countdown, Sorting

for task in (Arithmetic(seed=1), Countdown(seed=1), Sorting(seed=1)):
    p = task.sample()
    print(f"{p.task:<11} prompt {p.prompt!r:<16} target {p.target!r:<32} answer {p.answer!r}")

# %% [markdown]
# Training and evaluation problems must never overlap, or "held-out accuracy" would measure
# memory. `make_dataset` assigns a problem to the evaluation split by hashing an order-free key
# (the multiset of digits, for sorting), so `5391406612` and `1234566019` always land in the
# same split.

# %%
from minimoe.tasks import make_dataset, split_of

train = make_dataset("sorting", pick(4000, 200), seed=1, split="train")
held_out = make_dataset("sorting", pick(200, 16), seed=2, split="eval")
overlap = {p.answer for p in train} & {p.answer for p in held_out}
print(
    f"{len(train)} training and {len(held_out)} held-out problems; shared answer keys: {len(overlap)}"
)
assert not overlap and all(split_of(p) == "eval" for p in held_out)

# %% [markdown]
# ## 3. The verifier: model output is hostile input
#
# RL optimises whatever the reward function returns, so the reward function is under attack by
# design: a policy that finds a way to crash it, hang it or fool it will exploit that way. This
# is reward hacking, and a rule-based reward is not immune to it: the rule's *code* is what the
# policy meets. TinyZero, a small public reproduction of R1-Zero-style RL, scores Countdown
# answers with Python's `eval`, and guards the call [3]. A regular expression lets through only
# digits, `+ - * / ( ) .` and whitespace; the numbers in the answer must be exactly the given
# ones; and `eval` runs without Python's builtins. So `__import__('os')…` never reaches `eval`:
# the guard blocks arbitrary code. It still lets `**` through, because both of its characters
# are allowed. Given the numbers 25, 50 and 75, the answer `50**75**25` passes every check and
# asks Python for 50 to the power 75²⁵, a number with about 10⁴⁷ digits: the reward function
# hangs (or runs out of memory) instead of returning 0. A guard in front of `eval` must be right
# about every string a policy might ever write.
#
# minimoe's verifier takes the other road and never executes anything. It (1) extracts the
# answer, (2) parses it with a
# small recursive-descent parser that accepts only integers, `+ - * ( )` and spaces, with limits
# on length, digits, nesting and the size of every intermediate value, and (3) compares. Any
# failure earns reward 0.
#
# **Exercise 1.** Write step (1). Return the text after the **last** `#`, cut at the first
# `<eos>`, with spaces stripped from both ends. Return `None` if there is no `#`, or if the text
# before `<eos>` is longer than 256 characters (a runaway generation earns nothing).


# %%
def extract_answer(completion):
    """The answer part of a completion, or None."""
    ### BEGIN SOLUTION
    end = completion.find("<eos>")
    if end != -1:
        completion = completion[:end]
    if len(completion) > 256 or "#" not in completion:
        return None
    return completion[completion.rfind("#") + 1 :].strip(" ")
    ### END SOLUTION


# %%
from minimoe.exercises import check

extract_answer = check("05.extract_answer", extract_answer)
print(extract_answer("9-5=4,4*4=16#4*(9-5)<eos>"))

# %% [markdown]
# Now the attack. Each completion below is scored for the Countdown problem "make 16 from
# 9, 4 and 5". The table shows the reward, why the parser refused (if it did), and how many
# steps of work it spent: the limits keep even the nastiest string cheap.

# %%
from minimoe.tasks import ExpressionError, ExpressionParser, verify_countdown

attacks = [
    "9-5=4,4*4=16#4*(9-5)<eos>",  # a correct answer
    "#__import__('os').system('rm -rf ~')<eos>",
    "#9**9**9<eos>",
    "#" + "(" * 40 + "9" + ")" * 40 + "<eos>",
    "#" + "1+" * 200 + "1<eos>",
    "#999999999999*999999999999*999999999999<eos>",
    "#4*(9-5)+0*0<eos>",  # right value, but uses numbers that were not given
    "#16<eos>",
]
for text in attacks:
    reward = verify_countdown(text, [9, 4, 5], 16)
    answer = text.split("#")[-1].removesuffix("<eos>")
    parser = ExpressionParser(answer)  # called directly, to show why it refuses
    try:
        parser.parse()
        reason = "parsed"
    except ExpressionError as err:
        reason = str(err)
    print(f"reward {reward:.0f} | {parser.steps:4d} steps | {text[:34]!r:<38} | {reason[:60]}")
    assert reward == (1.0 if text.startswith("9-5") else 0.0) and parser.steps < 1000

# %% [markdown]
# Nothing ran, nothing hung, and only the honest answer scored. Note the last two rows: the
# verifier checks the *rules* (each given number used exactly once), not just the value, so
# `#16` cannot collect the reward.

# %% [markdown]
# ## 4. Why our model needs SFT before RL
#
# The model that lessons 05-07 train starts from random weights: the `tiny` hybrid of lesson 04
# (7 lightning layers, 1 softmax layer, 4 experts). It has never seen a digit, let alone the
# `#answer<eos>` format. Here is what it writes for three held-out problems, and how many of
# 8 samples (at temperature 1) for each of 32 problems are right:

# %%
from minimoe.model import MiniMoE, count_parameters
from minimoe.recipes import SFT_SORTING
from minimoe.train import evaluate
from minimoe.train.evaluate import complete_prompts, max_completion_tokens

recipe = pick(SFT_SORTING, SFT_SORTING.smoke())
torch.manual_seed(recipe.seed)
model = MiniMoE(recipe.model_config()).to(DEVICE)
budget = max_completion_tokens(held_out)  # the longest target, plus a few tokens
first = complete_prompts(
    model,
    [p.prompt for p in held_out[:3]],
    max_new_tokens=budget,
    generator=torch.Generator().manual_seed(0),
)
for p, text in zip(held_out[:3], first.texts()):
    print(f"{p.prompt!r:<14} -> {text!r}")
untrained = evaluate(model, held_out[:32], temperature=1.0, samples=8, seed=0)
print(f"correct: {untrained.accuracy:.0%} of {untrained.problems * untrained.samples} samples")
assert untrained.accuracy == 0.0

# %% [markdown]
# Every sample scores 0. In lesson 06's group-relative RL, an answer's advantage is its reward
# minus the mean reward of its group, here 0 − 0, so every gradient would be zero: RL would have
# nothing to learn from, however long it ran.
#
# Large models do not start there. Three published pipelines, and ours:
#
# - **MiniMax-M1** [1, 4]: MiniMax-Text-01, a pretrained base model → continued pretraining on
#   7.5T more tokens, 70% of them STEM, code, books and reasoning, with the context grown from
#   32K to 1M tokens in four stages → SFT on responses with long chains of thought, about 60% of
#   them maths and code → RL with CISPO, on rule-checked tasks first and with general tasks and
#   learned judges mixed in later.
# - **DeepSeek-R1-Zero** [5]: DeepSeek-V3-Base, a pretrained base model → RL with GRPO and
#   rule-based rewards for accuracy and format. No SFT at all.
# - **DeepSeek-R1** [5]: DeepSeek-V3-Base → a "cold start": SFT on thousands of long
#   chain-of-thought examples → reasoning RL as for R1-Zero → new SFT data from that model's
#   samples, kept only when correct (rejection sampling), plus other data, on which
#   DeepSeek-V3-Base is fine-tuned afresh → RL on prompts of every kind.
# - **This course**: random weights → SFT on sorted answers (this lesson) → RL with GRPO
#   (lesson 06) and CISPO (lesson 07).
#
# R1-Zero showed that RL needs no SFT when the base model is strong: DeepSeek-V3-Base already
# writes text and mathematics, a prompt template asked it to put its reasoning and its answer
# between tags, and enough of its samples were right for rule-based rewards to learn from [5].
# Its outputs were hard to read and mixed languages, so R1 added the cold-start SFT, which also
# made RL converge faster [5]. M1's own comparison of CISPO with DAPO and GRPO (lesson 07) was
# such a zero-RL run too, straight from the Qwen2.5-32B base model [1]. Our model has had no
# pretraining, so a short SFT on the task itself does both jobs: it teaches the alphabet and
# the format that a base model would bring, and it leaves RL a model whose answers are
# sometimes right and sometimes wrong.
#
# ## 5. Supervised fine-tuning: learn the format first
#
# In SFT the model reads `<bos> prompt target` and is trained with cross-entropy on the
# **target tokens only**. The prompt is given, not generated, so predicting it would only teach
# the model to imitate the question generator.
#
# **Exercise 2.** Build one training row: `ids` is `<bos>`, the prompt and the target; the
# loss mask has one entry per *prediction*, so it is one shorter than `ids` (position t
# predicts `ids[t + 1]`). It is 1 where the predicted token belongs to the target (`<eos>`
# included: the model must learn to stop) and 0 elsewhere.


# %%
def sft_example(problem):
    """(ids (seq,), loss_mask (seq - 1,)) for one problem."""
    ### BEGIN SOLUTION
    prompt = TOKENIZER.encode(problem.prompt, add_bos=True)
    target = TOKENIZER.encode(problem.target)
    ids = torch.tensor(prompt + target)
    loss_mask = torch.tensor([0.0] * (len(prompt) - 1) + [1.0] * len(target))
    return ids, loss_mask
    ### END SOLUTION


# %%
sft_example = check("05.sft_example", sft_example)
ids, loss_mask = sft_example(Arithmetic().problem(347, "+", 285))
print("predicts:", " ".join(f"{TOKENIZER.tokens[i]:>5}" for i in ids[1:].tolist()))
print("trained: ", " ".join(f"{int(m):>5}" for m in loss_mask.tolist()))

# %% [markdown]
# `train_sft` does this for a batch (`encode_sft_batch`), adds the MoE balancing loss, and
# trains with AdamW and a warm-up plus cosine schedule. The settings are those of the recipe
# that made the checkpoint shipped with minimoe (`sorting-sft`): 100 steps of 64 problems on
# the untrained model above. In our run, on a busy two-core machine, it took about a minute.

# %%
from minimoe.train import train_sft

total, active = count_parameters(model)
print(f"{total:,} parameters, {active:,} active per token")
start = time.perf_counter()
history = train_sft(model, train, recipe.sft)
print(f"SFT: {recipe.sft.steps} steps in {time.perf_counter() - start:.0f} s")

# %%
steps = [h["step"] for h in history]
losses = [h["loss"] for h in history]
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(steps, losses)
ax.set_yscale("log")
ax.set_xlabel("optimizer step")
ax.set_ylabel("cross-entropy on target tokens (nats)")
ax.set_title("SFT on 10-digit sorting")
plt.show()
print(f"loss: first step {losses[0]:.3f}, last step {losses[-1]:.3f}")
assert losses[-1] < losses[0]

# %% [markdown]
# ## 6. Held-out accuracy: greedy vs sampled
#
# The verifier turns a model into one number: the share of held-out problems it solves.
# *Greedy* decoding takes the most likely token each time; *sampled* decoding draws from the
# model's distribution at temperature 1, which is how RL explores and how M1 was evaluated [1].
# The cell asserts that sampled accuracy is below greedy (in our run, well below): each of the
# twelve tokens is a chance to draw a wrong one. A sampled accuracy is itself random: one answer
# per problem on 200 problems moves by a few points from one draw to the next. So we average 8
# answers per problem (`EVAL_SAMPLES`, what lessons 06-07 use too) and print the standard
# error, sqrt(p(1 − p)/(200 · 8)), next to it.

# %%
from minimoe.train import EVAL_SAMPLES

greedy = evaluate(model, held_out, temperature=0.0).accuracy
sampled = evaluate(model, held_out, temperature=1.0, samples=EVAL_SAMPLES, seed=0)
print(
    f"held-out accuracy on {len(held_out)} problems: greedy {greedy:.3f}, "
    f"sampled (T=1, {EVAL_SAMPLES} answers each) {sampled.accuracy:.3f} ± {sampled.standard_error:.3f}"
)
if not is_smoke():
    assert greedy > 0.2 and sampled.accuracy < greedy

# %% [markdown]
# The recipe is deterministic for a given seed on a given machine with a given number of torch
# threads. Another CPU, torch version or thread count can split and round some sums differently
# (the shipped card was made with 2 threads, and `minimoe doctor` prints yours), and a hundred
# steps of training carry such differences on,
# so compare your numbers with the card of the checkpoint shipped with minimoe, which lessons
# 06 and 07 start from, expecting them close rather than equal (in our run they differed by
# up to a few points):

# %%
from minimoe.checkpoint import read_header
from minimoe.recipes import SHIPPED

card = read_header(SHIPPED / "sorting-sft.safetensors")["metadata"]["accuracy"]
print(
    f"shipped sorting-sft: greedy {card['sft_greedy']:.3f}, "
    f"sampled {card['sft_sampled']:.3f} ± {card['sft_sampled_se']:.3f}"
)

# %% [markdown]
# ## 7. pass@k: is the right answer in the model at all?
#
# Draw k samples; the problem counts as solved if any one is right. That is **pass@k**. The
# obvious estimate, from exactly k samples per problem, is noisy. So Chen et al. draw n ≥ k
# samples, count the c correct ones, and ask: if we picked k of these n at random, without
# putting any back, what is the chance that at least one of the k is correct [2]?
#
# **Exercise 3: derive pass@k.** Write `pass_at_k(n, c, k)`, that chance, exactly. No formula
# this time: count. `math.comb(a, b)` is the number of ways to choose b things out of a (and
# is 0 when b > a).


# %%
import math


def pass_at_k(n, c, k):
    """Unbiased pass@k from n samples with c correct."""
    ### BEGIN SOLUTION
    return 1.0 - math.comb(n - c, k) / math.comb(n, k)
    ### END SOLUTION


# %%
pass_at_k = check("05.pass_at_k", pass_at_k)
print(f"n=16, c=2: pass@1 = {pass_at_k(16, 2, 1):.3f}, pass@8 = {pass_at_k(16, 2, 8):.3f}")
with_replacement = 1 - (1 - 2 / 16) ** 8
print(f"drawing with replacement instead, 1 - (1 - c/n)^k: {with_replacement:.3f}")
assert with_replacement < pass_at_k(16, 2, 8)

# %% [markdown]
# The count gives pass@k = 1 − C(n−c, k) / C(n, k): of the C(n, k) ways to pick k samples,
# C(n−c, k) take only wrong ones [2]. Drawing *with* replacement, 1 − (1 − c/n)^k, gives less:
# there every pick is from all n again, while k distinct picks leave, after each wrong one, a
# pool that holds the correct samples in a larger share.

# %% [markdown]
# Now measure it: 16 samples per held-out problem, then pass@k for every k from 1 to 16,
# averaged over problems with your function.

# %%
n_samples, problems = 16, held_out[: pick(60, 8)]
texts = complete_prompts(
    model,
    [p.prompt for p in problems for _ in range(n_samples)],
    max_new_tokens=max_completion_tokens(problems),
    generator=torch.Generator().manual_seed(0),
).texts()
correct = [
    sum(p.verify(t) for t in texts[i * n_samples : (i + 1) * n_samples])
    for i, p in enumerate(problems)
]
ks = list(range(1, n_samples + 1))
curve = [sum(pass_at_k(n_samples, int(c), k) for c in correct) / len(problems) for k in ks]
print("  k: " + " ".join(f"{k:5d}" for k in ks))
print("p@k: " + " ".join(f"{v:5.2f}" for v in curve))
assert all(a <= b + 1e-12 for a, b in zip(curve, curve[1:]))

# %%
fig, ax = plt.subplots(figsize=(6, 3))
ax.plot(ks, curve, marker="o", label="pass@k (sampled, T=1)")
ax.axhline(greedy, color="gray", ls="--", label=f"greedy accuracy ({greedy:.2f})")
ax.set_xscale("log", base=2)
ax.set_xlabel("k, samples allowed per problem")
ax.set_ylabel("share of problems solved")
ax.set_ylim(0, 1)
ax.set_title("pass@k after SFT")
ax.legend()
plt.show()

# %% [markdown]
# Read the curve as a map for RL. pass@16 well above pass@1 means the model often *can* write
# the right answer but rarely does: a group of 16 samples then usually holds both right and
# wrong answers, and lesson 06 shows that such mixed groups are exactly what group-relative RL
# learns from. Problems that no sample solves give every sample the same reward and teach
# nothing. RL's job is to move probability from the wrong samples to the right ones, turning
# pass@k into pass@1. The cell below asserts that pass@16 is well above pass@1 after SFT.

# %%
print(f"pass@1 {curve[0]:.3f} -> pass@16 {curve[-1]:.3f}")
print(f"lesson 05 ran in {time.perf_counter() - lesson_start:.0f} s")
if not is_smoke():
    assert curve[-1] > curve[0] + 0.2

# %% [markdown]
# ## What you built
#
# - A tokenizer and task generators whose problems carry their own answer key, with train and
#   evaluation splits that cannot overlap.
# - `extract_answer`, the first step of a verifier that runs nothing, refuses hostile input
#   cheaply, and checks Countdown's rules as well as its value.
# - A measurement of why our model needs SFT before RL: untrained, none of its samples is
#   right, so RL would see no signal. M1, R1-Zero and R1 start from pretrained base models
#   instead.
# - `sft_example`, the loss mask that trains only the predictions of target tokens, and the
#   warm start that lessons 06-07 begin from.
# - `pass_at_k`, derived by counting, and the pass@k curve of the warm start: the share of
#   problems where some sample is right, far above the share of right samples.
#
# **Key terms:** tokenizer, task generator, Countdown, verifier, supervised fine-tuning, loss
# mask, warm start, greedy, temperature, held-out, pass@k.
#
# ## Try it
#
# How much SFT does RL need? Train shorter warm starts and watch pass@1 and pass@8. Start from
#
#     import dataclasses
#     short = dataclasses.replace(recipe.sft, steps=60)
#     torch.manual_seed(recipe.seed)
#     warm = MiniMoE(recipe.model_config())
#     train_sft(warm, train, short)
#     print(evaluate(warm, held_out, temperature=1.0, samples=8).pass_at)
#
# and try 40, 60 and 80 steps (the schedule shortens with them). Below some length no sample at
# all is right, and RL would have no signal; at which length do most problems have a mix of
# right and wrong samples, which is what group-relative RL learns from (lesson 06)? What
# happens to greedy accuracy in the meantime?
#
# ## Check your understanding
#
# 1. The verifier scores `#16<eos>` with 0 for "make 16 from 9, 4 and 5", although 16 is the
#    right value. What would an RL policy learn if it scored 1?
# 2. Why is the loss mask one shorter than `ids`, and what would a model trained with a 0 on
#    the prediction of `<eos>` do when it generates?
# 3. DeepSeek-R1-Zero started RL without any SFT; our model cannot. What does a pretrained base
#    model bring to RL that ours lacks, in terms of the rewards its samples earn?
# 4. After SFT, pass@16 is far above pass@1. Why is that good news for group-relative RL, and
#    what would pass@16 ≈ pass@1 ≈ 0 on a set of problems mean?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. To answer every problem with `#`, the target number that the prompt already shows, and
#    `<eos>`. That is shorter and easier than any real solution, so the policy would collapse
#    onto it: its reward would rise to 1 while it learned no arithmetic at all. That is reward
#    hacking; checking the rules (each given number used exactly once) closes this hole.
# 2. Position t predicts `ids[t + 1]`, so there are len(ids) − 1 predictions; the mask has one
#    entry per prediction. With `<eos>` masked out, the model never learns to stop: it keeps
#    writing after the answer until the generation budget runs out, and the extra characters
#    make the answer after the last `#` wrong (or the completion too long).
# 3. A base model already writes the language and the notation, and a prompt template can ask
#    it for the format. So some of its samples are right from the start, and a group of samples
#    holds different rewards: the advantages are not all zero, and RL has a signal. Our random
#    model earns 0 on every sample, so every advantage is 0.
# 4. pass@16 ≫ pass@1 means many problems have some right and some wrong samples: exactly the
#    groups whose advantages differ, which RL learns from by making the right samples more
#    likely. pass@16 ≈ pass@1 ≈ 0 means the model never finds the answer; every group earns
#    the same reward, and RL cannot help there until more SFT, or easier problems, make some
#    samples right.

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025): §2 (continued pretraining of MiniMax-Text-01 on 7.5T tokens, 70%
#    STEM, code, books and reasoning, context grown from 32K to 1M in four stages; SFT on long
#    chain-of-thought responses, about 60% maths and code), §3.1 (CISPO against DAPO and GRPO
#    in zero-RL from Qwen2.5-32B-base), §4 (RL data: rule-verified reasoning tasks first,
#    general tasks mixed in later) and its evaluation settings (temperature 1.0).
#    https://arxiv.org/abs/2506.13585
# 2. M. Chen et al., *Evaluating Large Language Models Trained on Code*, arXiv 2107.03374
#    (2021), §2.1: the unbiased pass@k estimator. https://arxiv.org/abs/2107.03374
# 3. J. Pan et al., TinyZero, a reproduction of DeepSeek-R1-Zero on Countdown,
#    `verl/utils/reward_score/countdown.py`: the answer's numbers must be exactly the given ones
#    (`validate_equation`), then a regular expression admits only `[\d+\-*/().\s]` and `eval`
#    runs with `{"__builtins__": None}` (`evaluate_equation`):
#    https://github.com/Jiayi-Pan/TinyZero
# 4. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv 2501.08313
#    (2025): MiniMax-Text-01, the pretrained base model of M1. https://arxiv.org/abs/2501.08313
# 5. DeepSeek-AI, *DeepSeek-R1: Incentivizing Reasoning Capability in LLMs via Reinforcement
#    Learning*, arXiv 2501.12948 (2025): §2.2 (DeepSeek-R1-Zero: RL applied directly to
#    DeepSeek-V3-Base without SFT; rule-based accuracy and format rewards; the training
#    template; poor readability and language mixing), §2.3 (DeepSeek-R1: cold-start SFT on
#    thousands of long chain-of-thought examples, reasoning RL, rejection sampling and SFT,
#    then RL for all scenarios). https://arxiv.org/abs/2501.12948
