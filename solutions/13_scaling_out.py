# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 13 · Scaling out
#
# MiniMax-M1 has 456B parameters in 32 experts per layer [1]. No single GPU holds that, so its
# makers trained it on clusters of H800 GPUs: the MiniMax-01 report, whose model M1 continues,
# describes a cluster of 1,500 to 2,500 of them [2], and M1's RL stage ran on 512 [1]. The work
# of one training step is spread over many devices in three ways, and this lesson runs the first
# two for real, with `torch.distributed` on your CPU:
#
# - **data parallelism**: every device holds the whole model and takes a slice of the batch;
# - **expert parallelism**: every device holds some of the experts, and tokens travel to them;
# - **sequence parallelism**: every device holds a slice of one long sequence.
#
# By the end you will have
#
# 1. started a group of processes from this notebook, and know what a rank, a backend and a
#    collective operation are;
# 2. run an MoE layer with its experts spread over 2 and 4 processes, and checked that every
#    token gets exactly the output one process would give it;
# 3. predicted how many bytes the all-to-all exchanges move per step, then measured it;
# 4. seen why M1's *global router* drops fewer tokens than a router that sees one device;
# 5. trained a model data-parallel with the same losses as one process, and worked out on
#    paper how lightning attention lets a long sequence be split across devices.
#
# **Why it matters for M1 vs R1.** Both are Mixture-of-Experts models trained on H800 clusters:
# DeepSeek reports a cluster of 2,048 H800 GPUs for DeepSeek-V3 [4], the base that R1 was
# trained from [5], and M1's RL took three weeks on 512 [1]. How a model's experts and its
# attention split across devices is part of what such a run costs. The two designs differ in
# both: R1's base spreads 256 routed experts per layer, 8 active per token [5]; M1 has 32
# experts, 2 active, and its lightning attention passes a fixed-size state instead of every
# key and value (section 5).
#
# Numbers in square brackets point to the sources at the end.

# %%
import time

import matplotlib.pyplot as plt
import torch

from minimoe.exercises import check
from minimoe.smoke import pick

torch.manual_seed(0)
lesson_start = time.perf_counter()

# %% [markdown]
# ## 1. A group of processes
#
# `torch.distributed` runs the same program in several processes. Each is a **rank**
# (0, 1, …); together they are a group of **world size** R. They cooperate through
# **collective operations** that every rank calls at the same point: `all_reduce` (every rank
# ends with the sum of everyone's tensor), `all_gather` (everyone's tensors, side by side), and
# `all_to_all` (every rank sends a different piece to every other rank) [3]. A **backend**
# carries the bytes: NCCL between GPUs, gloo between CPU processes. minimoe picks one in a
# single place:

# %%
from minimoe.distributed import device_and_backend

device, backend = device_and_backend()
print(f"this machine: {device} with {backend}")

# %% [markdown]
# On a cluster, `torchrun --nproc-per-node 8 -m minimoe.distributed check` starts one process per
# GPU and tells each its rank [3]. From a notebook, `minimoe.distributed.spawn(fn, R, *args)`
# starts R fresh Python processes, joins them into a group and returns what `fn` returned on
# each rank. Fresh processes cannot see this notebook's variables or functions, so `fn` must be
# importable: lesson 13's live in `minimoe.experiments.scaling_out`. Every group has a timeout:
# a rank that waits for a crashed or missing peer fails after a minute instead of hanging, and
# `spawn` reports which rank failed and why. Starting Python and torch in each process takes
# a second or two.
#
# ## 2. Expert parallelism: tokens travel to their experts
#
# Take one MoE layer with 8 experts, top-2, on R ranks. Rank r keeps the router (it is small)
# and experts r·8/R to (r+1)·8/R − 1. Each rank holds its own tokens. One forward pass:
#
# 1. **route**: every rank picks the top-2 experts of each of its tokens;
# 2. **dispatch**: every rank sorts its (token, expert) *assignments* by expert and sends each
#    token's hidden vector to the rank that owns the expert. The receivers must know how much
#    is coming, so the ranks first exchange the split sizes (a tiny all-to-all of counts), then
#    the vectors (`all_to_all_single`);
# 3. **compute**: each rank runs its experts on the rows it received;
# 4. **combine**: the results travel back the same way, and each rank adds them up per token
#    with the gate weights.
#
# The exchange is differentiable: in the backward pass a row's gradient goes back to where the
# row came from, the same all-to-all with the split sizes swapped. The experts then get the
# gradient of every token they served, wherever it lives.
#
# `expert_parallel_demo` builds the same layer (same seed) on every rank and cuts one global
# batch of 256 tokens into R equal pieces, one per rank. It runs one training step and compares
# every output with one process running the whole layer on the whole batch:

# %%
from minimoe.distributed import spawn
from minimoe.experiments.scaling_out import HIDDEN, TOP_K, expert_parallel_demo

GLOBAL_TOKENS = 256
FACTORS = [0.75, 1.0, 1.25, 1.5, 2.0]
runs = {}
for world in (2, 4):
    start = time.perf_counter()
    runs[world] = spawn(expert_parallel_demo, world, GLOBAL_TOKENS // world, 1.0, FACTORS)
    print(f"{world} processes: {time.perf_counter() - start:.1f} s (starting them included)")

print(
    f"\n{'ranks':>5} {'rank':>4} {'backend':>7} {'experts':>10} {'tokens':>6} {'max |out - one process|':>24}"
)
for world, ranks in runs.items():
    for r in ranks:
        experts = f"{r['experts'][0]}-{r['experts'][-1]}"
        print(
            f"{world:>5} {r['rank']:>4} {r['backend']:>7} {experts:>10} {r['tokens']:>6} {r['max_diff']:>24.1e}"
        )
assert all(r["max_diff"] < 1e-5 for ranks in runs.values() for r in ranks)

# %% [markdown]
# Every token's output equals the one-process layer's (to float32 rounding, often exactly).
# `minimoe distributed check` makes the same comparison for gradients and dropped tokens too.
#
# ### Exercise 1: how many bytes?
#
# Before you look at what was sent: how many bytes do one layer's exchanges carry for the whole
# group in one training step (forward and backward)? Count what `all_to_all_single` is handed,
# including the rows a rank hands to itself. Write `all_to_all_bytes(num_tokens, top_k, dropped,
# hidden_size, element_size)` for a group routing `num_tokens` tokens to `top_k` experts each,
# of which `dropped` assignments find their expert full; each row is `hidden_size` numbers of
# `element_size` bytes.


# %%
def all_to_all_bytes(num_tokens, top_k, dropped, hidden_size, element_size):
    """Bytes one MoE layer's all-to-alls carry for the group in one training step."""
    ### BEGIN SOLUTION
    rows = num_tokens * top_k - dropped
    exchanges = 4  # dispatch and combine, forward and backward
    return exchanges * rows * hidden_size * element_size
    ### END SOLUTION


# %%
all_to_all_bytes = check("13.all_to_all_bytes", all_to_all_bytes)

predicted = all_to_all_bytes(GLOBAL_TOKENS, TOP_K, 0, HIDDEN, 4)  # float32: 4 bytes
print(f"predicted: {predicted:,} bytes per step for the group\n")
print(f"{'ranks':>5} {'sent':>8} {'to other ranks':>15} {'share':>6} {'(R-1)/R':>8}")
for world, ranks in runs.items():
    sent = sum(sum(r["bytes_to"]) for r in ranks)
    off_rank = sent - sum(r["bytes_to"][r["rank"]] for r in ranks)
    print(
        f"{world:>5} {sent:>8,} {off_rank:>15,} {off_rank / sent:>6.2f} {(world - 1) / world:>8.2f}"
    )
    assert sent == predicted

# %% [markdown]
# The total does not depend on how many ranks share the batch: every assignment is one row out
# and one row back, twice. What grows with R is the share that leaves the process. If the router
# spread tokens evenly, a row's expert would live elsewhere with probability (R − 1)/R. Ours is
# uneven, and each rank's tokens favour some experts, so the measured share departs from that,
# in either direction (compare the last two columns). This is why MoE
# training clusters care about the network between GPUs. For M1 a row is 6,144 numbers [1],
# 12 KiB in a 2-byte format such as bf16, and each token makes 2 rows: 4 × 2 = 8 rows of 12 KiB
# per token, per MoE layer and training step, of which most leave the GPU on a large cluster.
#
# ## 3. The global router: one queue per expert for the whole group
#
# Lesson 03's capacity limit lets each expert take at most C = ⌈factor · T · k / E⌉ assignments
# of a batch of T tokens, first choices before second choices; the rest are dropped. With
# expert parallelism there is a question: *whose* T, and *which* queue? A router that sees only
# its own rank gives each expert a capacity per rank from that rank's tokens. If one rank's
# tokens crowd an expert while another rank's leave it idle, the first rank drops tokens that
# the expert had room for. MiniMax-01's report describes the fix it used, a **global router**:
# "we introduce an additional allgather communication step to synchronize the number of tokens
# awaiting processing by each expert before dispatching tokens across different EP groups.
# Under the same capacity constraints, this global routing mechanism can effectively reduce the
# overall token drop rate" [2].
#
# minimoe's global router all-gathers each rank's counts per (choice, expert), then serves the
# assignments in the order one process would on the concatenated batch: all first choices (rank
# 0's tokens, then rank 1's, …), then all second choices. The per-rank router is the
# comparison. In the demo above, every rank's tokens carried a rank-specific offset (`skew`
# 1.0), the way different documents pull a router towards different experts.
#
# ### Exercise 2: how many drops?
#
# `loads[r][e]` counts the assignments that rank r's tokens send to expert e (every token makes
# `top_k` of them). Write `dropped_assignments(loads, top_k, capacity_factor)` returning the
# group's dropped assignments under the global router and under the per-rank router.


# %%
import math


def dropped_assignments(loads, top_k, capacity_factor):
    """(global router, per-rank router) dropped assignments, from each rank's load per expert."""
    ### BEGIN SOLUTION
    loads = torch.as_tensor(loads)
    experts = loads.shape[1]
    tokens = loads.sum(dim=1) // top_k
    group = math.ceil(capacity_factor * int(tokens.sum()) * top_k / experts)
    global_drops = (loads.sum(dim=0) - group).clamp(min=0).sum()
    mine = torch.tensor([math.ceil(capacity_factor * int(t) * top_k / experts) for t in tokens])
    per_rank_drops = (loads - mine[:, None]).clamp(min=0).sum()
    return int(global_drops), int(per_rank_drops)
    ### END SOLUTION


# %%
dropped_assignments = check("13.dropped_assignments", dropped_assignments)

from minimoe.experiments.scaling_out import compare_routers

measured = runs[4][0]["dropped"]  # the group's counts, the same on every rank
print(f"4 ranks, {GLOBAL_TOKENS} tokens, {GLOBAL_TOKENS * TOP_K} assignments")
print(f"{'factor':>6} {'global':>7} {'per rank':>9} {'one process':>12} {'your prediction':>16}")
for i, factor in enumerate(FACTORS):
    loads = compare_routers(4, factor, 1.0, GLOBAL_TOKENS // 4).loads
    prediction = dropped_assignments(loads, TOP_K, factor)
    row = (measured["global"][i], measured["per_rank"][i], measured["one_process"][i])
    print(f"{factor:>6} {row[0]:>7} {row[1]:>9} {row[2]:>12} {str(prediction):>16}")
    assert prediction == row[:2] and row[0] == row[2] <= row[1]

# %% [markdown]
# Your prediction used only the loads, which `compare_routers` computes in this process; the
# spawned ranks measured the same numbers with real exchanges. The global router drops exactly
# what one process drops, and never more than the per-rank router here. (That holds whenever the
# ranks have equal token counts and the capacities divide evenly; rounding up each rank's
# capacity can give the per-rank router a few extra places.)

# %%
fig, ax = plt.subplots(figsize=(6, 3.4))
total = GLOBAL_TOKENS * TOP_K
for router, label in (("per_rank", "per-rank router"), ("global", "global router = one process")):
    ax.plot(FACTORS, [100 * d / total for d in measured[router]], marker="o", label=label)
ax.set(
    xlabel="capacity factor",
    ylabel="assignments dropped (%)",
    title="4 ranks with different tokens: drops by router",
)
ax.legend()
plt.show()

# %% [markdown]
# ### Explore: ranks, capacity and skew
#
# The explorer routes the same layer in this process, simulating the ranks (their counts are
# stacked instead of all-gathered), so it answers in milliseconds. Set the skew to 0 (all ranks
# alike): the per-rank router still drops a little more, from chance differences between the
# ranks' tokens. Raise it and watch the per-rank bars cross their capacity while the group's
# total stays under C. The cell also draws one setting directly.

# %%
from IPython.display import display

from minimoe.widgets.routing import plot_router_loads, router_explorer

display(router_explorer())
plot_router_loads(compare_routers(4, 1.25, 2.0))
plt.show()

# %% [markdown]
# ## 4. Data-parallel SFT
#
# In data parallelism every rank holds the whole model, takes its slice of each batch, and the
# ranks average their gradients before every optimizer step: an all-reduce (the sum over the
# ranks) divided by R. PyTorch's `DistributedDataParallel` (DDP) does this during the backward
# pass, bucket by bucket [3]. minimoe does it in one all-reduce after the backward pass
# (`all_reduce_gradients`), because in an MoE some experts get no token on some ranks, and DDP
# could only allow for that by searching the autograd graph for unused parameters at every
# step. Two details make R processes train exactly like one:
#
# - **The loss is a mean over the whole batch's N target tokens.** Rank r holds n_r of them, so
#   its part of the one-process loss is (n_r / N) × its own mean. The average divides by R, so
#   each rank backpropagates R · (n_r / N) × its mean. Averaging the ranks' own means instead
#   would weight a rank's short answers like another's long ones.
# - **The balancing loss sees the whole batch.** Inside the training loop the MoE layers route
#   with the group's counts, like the global router, so the balancing loss and any capacity are
#   the one-process ones. Every rank also pads its rows to the batch's width, as one process would.
#
# `train_sft_data_parallel` draws the same batches as `train_sft` (a function of seed and step)
# and sets the same learning rates. Run both:

# %%
from minimoe.distributed.check import small_task_model
from minimoe.experiments.scaling_out import data_parallel_sft, sft_problems
from minimoe.train.sft import SFTConfig, train_sft

STEPS, BATCH = pick(20, 4), 16
start = time.perf_counter()
two_ranks = spawn(data_parallel_sft, 2, STEPS, BATCH)[0]
parallel_seconds = time.perf_counter() - start
config = SFTConfig(steps=STEPS, batch_size=BATCH, warmup=min(30, STEPS), eval_every=0)
start = time.perf_counter()
one = train_sft(small_task_model(0), sft_problems(0), config, progress=False)
alone_seconds = time.perf_counter() - start

print(f"{'step':>4} {'2 processes':>12} {'1 process':>10} {'|diff|':>8}")
for mine, want in list(zip(two_ranks, one))[:: max(1, STEPS // 5)]:
    diff = abs(mine["loss"] - want["loss"])
    print(f"{mine['step']:>4} {mine['loss']:>12.5f} {want['loss']:>10.5f} {diff:>8.1e}")
largest = max(abs(a["loss"] - b["loss"]) for a, b in zip(two_ranks, one))
print(f"largest difference over {STEPS} steps: {largest:.1e}")
print(
    f"wall time: 2 processes {parallel_seconds:.1f} s (start-up included), 1 process {alone_seconds:.1f} s"
)
assert largest < 1e-5

# %% [markdown]
# The losses agree to float32 rounding: the ranks add the same numbers in a different order.
# Two processes were not faster (in our run): this model is tiny, the two cores are shared with
# the notebook, and every step waits for an all-reduce. Data parallelism pays when each rank's
# share of the work is large next to the communication.
#
# The RL loop splits the same way (`minimoe.distributed.data_parallel.rl_step`). Each rank
# samples completions for its share of the prompts, whole groups, so the group-relative
# advantages are computed as before. The policy losses average in different ways (over
# tokens, over completions), so the ranks gather the per-token log-probabilities, one number
# per token, and every rank computes the loss of the whole batch. The tests check that 2
# processes get the losses of one.
#
# ## 5. On paper: sequence parallelism for lightning attention
#
# M1 trains on sequences of up to a million tokens [1]. One device may not hold the activations
# of such a sequence, so the sequence itself is cut into chunks, one per device. Softmax
# attention then needs, on every device, the keys and values of every earlier chunk. Lightning
# attention needs much less: lesson 02's prefix state S, one d × d matrix per head, summarises
# everything before a chunk. MiniMax-01's report describes how its training uses this: each
# device computes the state of its own chunk, the states are all-gathered, and each device
# combines the ones before it (a prefix sum), then adds their contribution to its outputs [2].
#
# You can play the devices in one process. Split a sequence into chunks and run each from a
# zero state: `lightning_attention_blockwise` returns each chunk's *local state*, the chunk's
# own keys and values faded to its end.
#
# ### Exercise 3: the state each chunk starts from
#
# Write `incoming_states(local_states, slopes, lengths)`: the state each chunk would have
# started from had the chunks run one after another. `local_states[c]` has shape
# `(batch, heads, head_dim, head_dim)`; `slopes` are the heads' decay slopes s (a token fades
# by λ = exp(−s) per step); `lengths[c]` is chunk c's number of tokens.


# %%
def incoming_states(local_states, slopes, lengths):
    """The state each chunk starts from, from every chunk's local state."""
    ### BEGIN SOLUTION
    states = [torch.zeros_like(local_states[0])]
    for local, length in zip(local_states[:-1], lengths[:-1]):
        fade = torch.exp(-slopes * length)[:, None, None]
        states.append(fade * states[-1] + local)
    return states
    ### END SOLUTION


# %%
incoming_states = check("13.incoming_states", incoming_states)

from minimoe.attention.lightning import lightning_attention_blockwise, lightning_slopes
from minimoe.distributed.sequence_parallel import lightning_attention_in_chunks

heads, head_dim, lengths = 4, 16, [300, 200, 250, 274]  # four "devices", uneven chunks
q, k, v = (0.3 * torch.randn(1, heads, sum(lengths), head_dim) for _ in range(3))
slopes = lightning_slopes(heads, layer_idx=0, num_layers=8)
whole, _ = lightning_attention_blockwise(q, k, v, slopes)

chunks = [torch.split(t, lengths, dim=2) for t in (q, k, v)]
local_states = [lightning_attention_blockwise(*c, slopes)[1] for c in zip(*chunks)]
starts = incoming_states(local_states, slopes, lengths)  # what the all-gather + prefix sum give
pieces = [
    lightning_attention_blockwise(*c, slopes, state=s)[0] for c, s in zip(zip(*chunks), starts)
]
print(
    "max |chunked - whole|, each chunk from its incoming state:",
    f"{(torch.cat(pieces, dim=2) - whole).abs().max():.1e}",
)
in_chunks = lightning_attention_in_chunks(q, k, v, slopes, lengths)
print(
    "max |chunked - whole|, local pass + prefix correction:    ",
    f"{(in_chunks - whole).abs().max():.1e}",
)
assert torch.allclose(torch.cat(pieces, dim=2), whole, atol=1e-4)
assert torch.allclose(in_chunks, whole, atol=1e-4)

# %% [markdown]
# `lightning_attention_in_chunks` does what the devices would: every chunk runs from zero
# (all at once, no waiting), the states are combined, and each chunk adds λ^(i+1) · q_i · S_in to
# row i, the inter-block term of lesson 02. What travels between devices is one state per
# chunk, whatever the chunk's length. Compare with what a softmax layer would need from the
# chunks before it, for M1's shapes:

# %%
from minimoe.config import MiniMoEConfig
from minimoe.flops import kv_cache_bytes, lightning_state_bytes

m1 = MiniMoEConfig.preset("minimax-m1")
state = lightning_state_bytes(1, m1.num_heads, m1.head_dim)  # one layer, float32
for chunk in (8_192, 131_072):
    keys_values = kv_cache_bytes(1, m1.num_kv_heads, m1.head_dim, chunk)  # one layer, bf16
    print(
        f"chunk of {chunk:>7,} tokens: lightning state {state / 2**20:5.1f} MiB, "
        f"softmax keys and values {keys_values / 2**20:6.1f} MiB (one layer)"
    )
kinds = m1.layer_types
print(f"M1's layers: {kinds.count('lightning')} lightning, {kinds.count('softmax')} softmax")

# %% [markdown]
# The state is the same few MiB per lightning layer for any chunk length (one head_dim ×
# head_dim float32 matrix per head); a softmax layer's keys and values grow with the chunk, and
# M1 has only a few softmax layers [1].
#
# ## 6. What M1's reports say about the cluster
#
# - MiniMax-01, whose architecture M1 keeps, was trained on a cluster of 1,500 to 2,500 H800
#   GPUs; its MoE layers drop tokens beyond an expert's capacity, and the global router
#   all-gathers the expert counts before dispatch to reduce the drop rate [2]. The reports give
#   no capacity factor.
# - The same report describes the sequence-parallel scheme of section 5 for lightning attention
#   (local prefix states, an all-gather, a prefix sum) [2].
# - M1's RL ran on 512 H800 GPUs for three weeks, which the report prices at a rental cost of
#   $534,700 [1].
#
# ## What you built
#
# - A group of processes started from a notebook (`spawn`), with gloo on the CPU; the same code
#   runs on GPUs with NCCL and under `torchrun`.
# - An MoE layer with its experts spread over 2 and 4 processes: all-to-all dispatch and combine,
#   differentiable, equal to one process token for token.
# - A prediction of the bytes the exchanges move, checked against what was sent.
# - The global and per-rank routers, and your count of what each drops, checked against real
#   processes.
# - Data-parallel SFT with the same losses as one process, and the reason it needs the loss
#   shares and the group's routing counts.
# - Lightning attention split over chunks, with your prefix combine of the chunks' states.
#
# ## Try it
#
# - In a terminal: `torchrun --nproc-per-node 4 -m minimoe.distributed check`, or
#   `minimoe distributed check --world-size 4`. Then try
#   `torchrun --nproc-per-node 2 -m minimoe.distributed sft --steps 50`.
# - Change `skew` in `expert_parallel_demo` to 0 and 3: at which skew does the per-rank router
#   start to lose many more tokens than the global one?
# - Run `spawn(expert_parallel_demo, 8, 32, 1.0, FACTORS)`: 8 processes on 2 cores. How long
#   does it take, and where does the time go?
# - Starting point for data-parallel RL:
#   `minimoe.distributed.data_parallel.rl_step(model, optimizer, problems, RLConfig(...),
#   max_new_tokens=..., seed=0, step=0)` inside a `spawn`ed function, after
#   `broadcast_parameters(model)`; compare its losses with `num_shards=2` in one process.
#
# ## Check your understanding
#
# 1. The same global batch runs on 2 ranks and then on 8. Which changes, the total bytes that
#    the all-to-alls are handed or the bytes that cross between processes? Why?
# 2. Why can the global router never drop more than one process would, while the per-rank
#    router can drop more, even when the group's total load fits the experts?
# 3. In data-parallel SFT, what would go wrong if each rank backpropagated its own mean loss
#    and the ranks averaged the gradients?
# 4. Why does lightning attention make sequence parallelism cheaper than softmax attention?

# %% [markdown] tags=["solution"]
# **Answers.**
#
# 1. The total stays the same: it is 4 × (T·k − dropped) rows of H numbers whatever R is. The
#    share that leaves a process grows, towards (R − 1)/R for an even router: with more ranks,
#    fewer of a token's experts live on its own rank.
# 2. The global router serves exactly the order and capacity of one process on the whole
#    batch, so it drops the same assignments. The per-rank router gives every rank its own
#    queue and capacity per expert: a rank whose tokens crowd an expert drops them even though
#    the expert has room left from other ranks' quieter tokens.
# 3. Ranks with few target tokens would count as much as ranks with many: the gradient would be
#    the mean of per-rank means, not the mean over all target tokens, and the losses would drift
#    from the one-process run. Each rank must weight its mean by its share n_r / N (times R,
#    since the average divides by R).
# 4. Everything a chunk needs from earlier chunks fits in one fixed-size state per head (d × d),
#    which can be combined from the chunks' local states with one all-gather and a prefix sum.
#    Softmax attention needs every earlier key and value, which grow with the sequence.

# %%
print(f"lesson 13 ran in {time.perf_counter() - lesson_start:.0f} s")

# %% [markdown]
# ## Sources
#
# 1. MiniMax, *MiniMax-M1: Scaling Test-Time Compute Efficiently with Lightning Attention*,
#    arXiv 2506.13585 (2025): 456B parameters, 32 experts (§1-2), the 1M-token context, the
#    hidden size 6,144 and 80 layers of the released config, and "full RL training on 512
#    H800 GPUs to complete in only three weeks, with a rental cost of just $534,700" (abstract,
#    §1). https://arxiv.org/abs/2506.13585 and https://github.com/MiniMax-AI/MiniMax-M1
# 2. MiniMax, *MiniMax-01: Scaling Foundation Models with Lightning Attention*, arXiv 2501.08313
#    (2025): §2.1 (token drop with a capacity limit; the global router, quoted), the
#    sequence parallelism of lightning attention (LASP+: local prefix states, an all-gather, a
#    prefix sum), §4.2 (the cluster of 1,500-2,500 H800 GPUs). https://arxiv.org/abs/2501.08313
# 3. PyTorch documentation: *Distributed communication package* (backends, collectives,
#    `all_to_all_single`), *DistributedDataParallel* and *torchrun*:
#    https://pytorch.org/docs/stable/distributed.html,
#    https://pytorch.org/docs/stable/notes/ddp.html, https://pytorch.org/docs/stable/elastic/run.html
# 4. DeepSeek-AI, *DeepSeek-V3 Technical Report*, arXiv 2412.19437 (2024), §1: "3.7 days on our
#    cluster with 2048 H800 GPUs" per trillion tokens. https://arxiv.org/abs/2412.19437
# 5. DeepSeek-V3 repository, `inference/configs/config_671B.json` (`n_routed_experts: 256`,
#    `n_activated_experts: 8`), and the DeepSeek-R1 README ("trained based on DeepSeek-V3-Base"):
#    https://github.com/deepseek-ai/DeepSeek-V3, https://github.com/deepseek-ai/DeepSeek-R1
