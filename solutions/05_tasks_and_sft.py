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
# learned judge [1]. A rule-checked reward cannot be flattered; it is right or wrong. This
# lesson builds the three pieces that kind of RL needs, at toy scale:
#
# 1. a **tokenizer** for the tasks' small alphabet;
# 2. **task generators** that write problems together with a worked solution;
# 3. a **verifier** that scores what a model wrote, safely;
#
# and then a short **supervised fine-tuning** (SFT) run, the warm start that RL in lessons 06-07
# begins from, measured with greedy accuracy, sampled accuracy and pass@k [2].

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
# design: a policy that finds a way to crash it, hang it or fool it will exploit that way. Some
# public RL code scores Countdown answers with Python's `eval` behind a regular expression [3].
# `eval` on model text can run any code the model writes, and even pure arithmetic such as
# `9**9**9` asks for a number with hundreds of millions of digits.
#
# minimoe's verifier never executes anything. It (1) extracts the answer, (2) parses it with a
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
# ## 4. Supervised fine-tuning: learn the format first
#
# A freshly initialised model writes random characters, so RL would see reward 0 on every
# sample and learn nothing. SFT fixes that: the model reads `<bos> prompt target` and is
# trained with cross-entropy on the **target tokens only**. The prompt is given, not generated,
# so predicting it would only teach the model to imitate the question generator.
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
# the `tiny` hybrid (7 lightning layers, 1 softmax layer, 4 experts). It takes under a minute.

# %%
from minimoe.model import MiniMoE, count_parameters
from minimoe.recipes import SFT_SORTING
from minimoe.train import train_sft

recipe = pick(SFT_SORTING, SFT_SORTING.smoke())
torch.manual_seed(recipe.seed)
model = MiniMoE(recipe.model_config()).to(DEVICE)
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
# ## 5. Held-out accuracy: greedy vs sampled
#
# The verifier turns a model into one number: the share of held-out problems it solves.
# *Greedy* decoding takes the most likely token each time; *sampled* decoding draws from the
# model's distribution at temperature 1, which is how RL explores and how M1 was evaluated [1].
# You should see sampled accuracy well below greedy: each of the twelve tokens is a chance to
# draw a wrong one.

# %%
from minimoe.train import evaluate

greedy = evaluate(model, held_out, temperature=0.0).accuracy
sampled = evaluate(model, held_out, temperature=1.0, seed=0).accuracy
print(
    f"held-out accuracy on {len(held_out)} problems: greedy {greedy:.3f}, sampled (T=1) {sampled:.3f}"
)
if not is_smoke():
    assert greedy > 0.2 and sampled < greedy

# %% [markdown]
# The recipe is deterministic for a given seed, so your numbers should match the card of the
# checkpoint shipped with minimoe, which lessons 06 and 07 start from (small differences can
# come from a different CPU or torch version):

# %%
from minimoe.checkpoint import read_header
from minimoe.recipes import SHIPPED

card = read_header(SHIPPED / "sorting-sft.safetensors")["metadata"]["accuracy"]
print(f"shipped sorting-sft: greedy {card['sft_greedy']:.3f}, sampled {card['sft_sampled']:.3f}")

# %% [markdown]
# ## 6. pass@k: is the right answer in the model at all?
#
# Draw k samples; the problem counts as solved if any one is right. That is **pass@k**. The
# obvious estimate from one set of k samples is noisy, so Chen et al. draw n ≥ k samples,
# count the c correct ones, and compute the chance that a random subset of k of them contains
# at least one correct answer [2]:
#
# $$\text{pass@}k = 1 - \binom{n-c}{k} \Big/ \binom{n}{k}.$$
#
# **Exercise 3.** Implement it (`math.comb` gives binomial coefficients).


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

# %% [markdown]
# Now measure it: 16 samples per held-out problem, then pass@k for every k from 1 to 16,
# averaged over problems with your function.

# %%
from minimoe.train.evaluate import complete_prompts, max_completion_tokens

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
# pass@k into pass@1.

# %%
print(f"pass@1 {curve[0]:.3f} -> pass@16 {curve[-1]:.3f}")
print(f"lesson 05 ran in {time.perf_counter() - lesson_start:.0f} s")

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025): §4 (RL data: rule-verified reasoning tasks first, general tasks
#    mixed in later) and its evaluation settings (temperature 1.0).
#    https://arxiv.org/abs/2506.13585
# 2. M. Chen et al., *Evaluating Large Language Models Trained on Code*, arXiv 2107.03374
#    (2021), §2.1: the unbiased pass@k estimator. https://arxiv.org/abs/2107.03374
# 3. J. Pan et al., TinyZero, `verl/utils/reward_score/countdown.py` (Countdown reward computed
#    with a regular-expression check followed by `eval`): https://github.com/Jiayi-Pan/TinyZero
