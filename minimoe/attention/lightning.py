"""Lightning attention: linear attention with a per-head exponential decay, computed in blocks.

This file holds the reference forms, to read top to bottom after lesson 02; the fast kernels
that compute the same thing live in :mod:`minimoe.attention.kernels`.

Notation (per head; every tensor here is ``(batch, heads, seq, head_dim)``):

- q_t, k_t, v_t are the query, key and value rows of token t (after SiLU in the module).
- s_h is the head's slope and λ_h = exp(−s_h) its decay, 0 < λ < 1.
- S_t, the state, is a (head_dim × head_dim) matrix: S_t = λ S_{t−1} + k_tᵀ v_t.
- o_t = q_t S_t.

There is no softmax, no 1/sqrt(d) and no denominator: M1 normalises the output with an RMSNorm
over all heads instead (see :class:`LightningAttention`). Unrolling the recurrence gives the
quadratic "masked" form O = [(Q Kᵀ) ⊙ M] V with M[t, s] = λ^(t−s) for t ≥ s and 0 above the
diagonal. The forms below compute the same O:

- :func:`lightning_attention_naive`: the masked form, O(n² d).
- :func:`lightning_decode_step` and :func:`lightning_attention_recurrent`: one token at a time,
  O(n d²). What decoding does.
- :func:`lightning_attention_blockwise`: the tiled form that lightning attention is named for,
  O(n B d + n d²) with block size B, as a plain loop over blocks (:func:`lightning_block_step`).
  Inside a block it uses the masked ("left") product, across blocks the state ("right") product.
- :func:`lightning_attention_fast`: the blockwise form by the fast kernels; the one place that
  picks a kernel, and what :class:`LightningAttention` runs. tests/test_kernels.py holds every
  kernel equal to :func:`lightning_attention_blockwise`.

All decays are computed as exp(−s·distance) with distance ≥ 0, so they can underflow to 0 but
never overflow: no form ever builds a growing λ^(−t).

Precision: every form computes in float32 whatever the input dtype (bfloat16 inputs included,
as in M1's code), or in float64 for float64 inputs; the state is kept in that precision too.
"""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from minimoe.attention import kernels
from minimoe.attention.kernels import DEFAULT_BLOCK_SIZE
from minimoe.norm import RMSNorm


def lightning_slopes(num_heads: int, layer_idx: int, num_layers: int) -> torch.Tensor:
    """Per-head slopes s_h of one layer; the head's decay is λ_h = exp(−s_h).

    s_h = 2^(−8h/H) for h = 1..H (ALiBi's geometric ladder), times a layer factor
    ``1 − layer_idx/(num_layers − 1 + 1e−5) + 1e−5`` that falls from ≈1 at the first layer to
    ≈0 at the last: early layers forget fast (local), late layers barely forget (global).
    The 1e−5 terms keep a one-layer model (0/1e−5 = 0) and the last layer (s > 0) well defined.
    Computed exactly as HF's MiniMax port does, so the float32 values agree bit for bit.

    Returns:
        (num_heads,) float32.
    """
    if num_heads <= 0:
        raise ValueError(f"num_heads must be positive, got {num_heads}")
    if num_layers <= 0:
        raise ValueError(f"num_layers must be positive, got {num_layers}")
    if not 0 <= layer_idx < num_layers:
        raise ValueError(f"layer_idx must be in [0, {num_layers - 1}], got {layer_idx}")
    base = 1 / (2 ** (8 / num_heads))
    ladder = base ** (torch.arange(num_heads) + 1)
    factor = 1 - layer_idx / (num_layers - 1 + 1e-5) + 1e-5
    return (ladder * factor).float()


def decay_mask(seq: int, slopes: torch.Tensor) -> torch.Tensor:
    """The causal decay mask M, shape (heads, seq, seq): M[h, t, s] = λ_h^(t−s) if t ≥ s else 0.

    In float32, or float64 for float64 slopes.
    """
    if seq < 0:
        raise ValueError(f"seq must be non-negative, got {seq}")
    dtype = _compute_dtype(slopes)
    position = torch.arange(seq, device=slopes.device, dtype=dtype)
    distance = position[:, None] - position[None, :]  # t − s
    # exp(−s·distance) only for distance ≥ 0: values in (0, 1], never an overflow.
    mask = torch.exp(-slopes.to(dtype)[:, None, None] * distance.clamp(min=0))
    return mask.masked_fill(distance < 0, 0.0)


def lightning_attention_naive(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, slopes: torch.Tensor
) -> torch.Tensor:
    """O = [(Q Kᵀ) ⊙ M] V with the decay mask M of :func:`decay_mask`.

    Args:
        q, k: (batch, heads, seq, head_dim); v: (batch, heads, seq, v_dim).
        slopes: (heads,) the s_h of :func:`lightning_slopes`.

    Returns:
        (batch, heads, seq, v_dim) in q's dtype. Builds the full
        (seq × seq) matrix per head, so memory grows as n².
    """
    _check_qkv(q, k, v, slopes)
    dtype = _compute_dtype(q)
    scores = q.to(dtype) @ k.to(dtype).transpose(-1, -2)  # (batch, heads, seq, seq)
    mask = decay_mask(q.shape[2], slopes.to(dtype))
    return ((scores * mask) @ v.to(dtype)).to(q.dtype)


def lightning_decode_step(
    q_t: torch.Tensor,
    k_t: torch.Tensor,
    v_t: torch.Tensor,
    slopes: torch.Tensor,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One token of the recurrence: S ← λ S + k_tᵀ v_t, then o_t = q_t S.

    Args:
        q_t, k_t: (batch, heads, head_dim); v_t: (batch, heads, v_dim).
        slopes: (heads,).
        state: (batch, heads, head_dim, v_dim).

    Returns:
        (o_t, new_state): o_t (batch, heads, v_dim) in q_t's dtype; new_state in float32
        (float64 for float64 inputs).
    """
    if q_t.ndim != 3:
        raise ValueError(
            f"q_t must be one token, (batch, heads, head_dim), got shape {tuple(q_t.shape)}"
        )
    batch, heads, _, v_dim = _check_qkv(q_t[:, :, None], k_t[:, :, None], v_t[:, :, None], slopes)
    state = _check_state(state, q_t, batch, heads, v_dim)
    dtype = state.dtype
    decay = torch.exp(-slopes.to(dtype))[:, None, None]  # λ, (heads, 1, 1)
    outer = k_t.to(dtype)[..., :, None] * v_t.to(dtype)[..., None, :]  # k_tᵀ v_t
    new_state = decay * state + outer
    o_t = (q_t.to(dtype)[..., None, :] @ new_state)[..., 0, :]
    return o_t.to(q_t.dtype), new_state


def lightning_attention_recurrent(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The recurrent form: :func:`lightning_decode_step` for every token in turn.

    Args:
        q, k: (batch, heads, seq, head_dim); v: (batch, heads, seq, v_dim).
        slopes: (heads,).
        state: (batch, heads, head_dim, v_dim) to continue from, or None for zeros.

    Returns:
        (out, state): out (batch, heads, seq, v_dim) in q's dtype; the final state.
    """
    batch, heads, seq, v_dim = _check_qkv(q, k, v, slopes)
    state = _check_state(state, q, batch, heads, v_dim)
    outputs = []
    for t in range(seq):
        o_t, state = lightning_decode_step(q[:, :, t], k[:, :, t], v[:, :, t], slopes, state)
        outputs.append(o_t)
    out = torch.stack(outputs, dim=2) if outputs else v.new_zeros(batch, heads, 0, v_dim)
    return out.to(q.dtype), state


class BlockDecays(NamedTuple):
    """The decays one block of B tokens needs, per head, with λ = exp(−s).

    Row i and key j count from 0 inside the block. The state entering the block holds everything
    up to the token just before it.
    """

    query: torch.Tensor  # (heads, B, 1): λ^(i+1), how much of the entering state row i sees
    key: torch.Tensor  # (heads, B, 1): λ^(B−1−j), how much key j has faded by the block's end
    mask: torch.Tensor  # (heads, B, B): the block's own decay mask D, λ^(i−j) for j ≤ i, else 0
    block: torch.Tensor  # (heads, 1, 1): λ^B, how much the state fades across the whole block


def block_decays(slopes: torch.Tensor, size: int) -> BlockDecays:
    """The :class:`BlockDecays` of a block of ``size`` tokens, in the slopes' dtype."""
    s = slopes[:, None, None]
    position = torch.arange(size, device=slopes.device, dtype=slopes.dtype)[:, None]
    return BlockDecays(
        query=torch.exp(-s * (position + 1)),
        key=torch.exp(-s * (size - 1 - position)),
        mask=decay_mask(size, slopes),
        block=torch.exp(-s * size),
    )


def lightning_block_step(
    q_b: torch.Tensor,
    k_b: torch.Tensor,
    v_b: torch.Tensor,
    decays: BlockDecays,
    state: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor]:
    """One block of the blockwise form: what lesson 02's exercise ``lightning_block`` writes.

    For row i of the block (0 ≤ i < B) entered with state S::

        o_i   = Σ_{j≤i} λ^(i−j) (q_i·k_j) v_j      intra-block: [(Q_b K_bᵀ) ⊙ D] V_b
              + λ^(i+1) q_i S                       inter-block: the state, decayed i+1 steps
        S_new = λ^B S + Σ_j λ^(B−1−j) k_jᵀ v_j     the state carried to the next block

    Args:
        q_b, k_b: (batch, heads, B, head_dim); v_b: (batch, heads, B, v_dim).
        decays: :func:`block_decays` for B, in the inputs' dtype.
        state: (batch, heads, head_dim, v_dim), the state entering the block.

    Returns:
        (o_b, new_state): o_b (batch, heads, B, v_dim); new_state like state.
    """
    intra = ((q_b @ k_b.transpose(-1, -2)) * decays.mask) @ v_b
    inter = (q_b * decays.query) @ state
    new_state = decays.block * state + (k_b * decays.key).transpose(-1, -2) @ v_b
    return intra + inter, new_state


def lightning_attention_blockwise(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    block_size: int = DEFAULT_BLOCK_SIZE,
    state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """The tiled (lightning) form as a plain loop: :func:`lightning_block_step` on every block.

    Split the sequence into blocks of B tokens and hand the state from one block to the next.
    A sequence that is not a multiple of B ends with one shorter block, whose decays use its own
    length. Passing the returned state to the next call continues the sequence: prefilling in
    chunks gives the same outputs as one prefill.

    Args:
        q, k: (batch, heads, seq, head_dim); v: (batch, heads, seq, v_dim). Any float dtype.
        slopes: (heads,) the s_h of :func:`lightning_slopes`.
        block_size: B, any positive integer (the result does not depend on it).
        state: (batch, heads, head_dim, v_dim) to continue from, or None for zeros.

    Returns:
        (out, state): out (batch, heads, seq, v_dim) in q's dtype; the final state. As in M1's
        code, the products and the state are accumulated in float32 whatever the input dtype
        (float64 for float64 inputs).
    """
    batch, heads, seq, v_dim = _check_qkv(q, k, v, slopes)
    _check_block_size(block_size)
    state = _check_state(state, q, batch, heads, v_dim)
    dtype = state.dtype
    slopes = slopes.to(dtype)
    decays = block_decays(slopes, block_size)
    outputs = []
    for start in range(0, seq, block_size):
        q_b, k_b, v_b = (t[:, :, start : start + block_size].to(dtype) for t in (q, k, v))
        if q_b.shape[2] < block_size:  # the shorter last block
            decays = block_decays(slopes, q_b.shape[2])
        o_b, state = lightning_block_step(q_b, k_b, v_b, decays, state)
        outputs.append(o_b)
    out = torch.cat(outputs, dim=2) if outputs else v.new_zeros(batch, heads, 0, v_dim)
    return out.to(q.dtype), state


def lightning_attention_fast(
    q: torch.Tensor,
    k: torch.Tensor,
    v: torch.Tensor,
    slopes: torch.Tensor,
    block_size: int = DEFAULT_BLOCK_SIZE,
    state: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """:func:`lightning_attention_blockwise` computed by the fast kernels of
    :mod:`minimoe.attention.kernels`: same arguments, same result (to rounding).

    This is the one place that picks a kernel. Long sequences on the CPU without autograd
    (prefill, evaluation, the benchmark) go one (batch, head) sequence at a time on worker
    threads (:func:`~minimoe.attention.kernels.blockwise_per_sequence`); everything else
    (training, GPUs, short sequences) goes all heads together, many blocks per matrix product
    (:func:`~minimoe.attention.kernels.blockwise_batched`). Both use the decays of
    :func:`block_decays`. The memory layout of ``out`` depends on the kernel.
    """
    batch, heads, seq, v_dim = _check_qkv(q, k, v, slopes)
    _check_block_size(block_size)
    state = _check_state(state, q, batch, heads, v_dim)
    slopes = slopes.to(state.dtype)
    decays = block_decays(slopes, block_size)
    tail = block_decays(slopes, seq % block_size) if seq % block_size else None
    needs_grad = torch.is_grad_enabled() and any(t.requires_grad for t in (q, k, v, state))
    if q.device.type == "cpu" and not needs_grad and seq >= kernels.CPU_PATH_MIN_TOKENS:
        return kernels.blockwise_per_sequence(q, k, v, slopes, decays, tail, state)
    return kernels.blockwise_batched(q, k, v, slopes, decays, tail, state)


class LightningAttention(nn.Module):
    """M1's lightning attention layer, with the parameter names of HF's MiniMaxLightningAttention.

    ::

        q, k, v = SiLU(qkv_proj(x))                 split per head: [q_h | k_h | v_h]
        o       = lightning attention(q, k, v)      fast blockwise; one step when decoding
        out     = out_proj(RMSNorm(concat_heads(o)) ⊙ sigmoid(output_gate(x)))

    Args:
        hidden_size: width of x.
        num_heads, head_dim: H heads of d dims; the attention width H·d may differ from hidden.
        layer_idx, num_layers: this layer's place in the model, which sets its decays.
        block_size: B for the blockwise kernel; None for DEFAULT_BLOCK_SIZE.
        eps: the RMSNorm epsilon; 1e-6, as HF and M1 use here.
    """

    def __init__(
        self,
        hidden_size: int,
        num_heads: int,
        head_dim: int,
        layer_idx: int,
        num_layers: int,
        block_size: int | None = None,
        eps: float = 1e-6,
    ) -> None:
        super().__init__()
        if hidden_size <= 0 or num_heads <= 0 or head_dim <= 0:
            raise ValueError(
                f"hidden_size, num_heads and head_dim must be positive, got "
                f"{hidden_size}, {num_heads}, {head_dim}"
            )
        block_size = DEFAULT_BLOCK_SIZE if block_size is None else block_size
        if block_size <= 0:
            raise ValueError(f"block_size must be positive, got {block_size}")
        self.num_heads = num_heads
        self.head_dim = head_dim
        self.layer_idx = layer_idx
        self.num_layers = num_layers
        self.block_size = block_size
        width = num_heads * head_dim
        self.qkv_proj = nn.Linear(hidden_size, 3 * width, bias=False)
        self.output_gate = nn.Linear(hidden_size, width, bias=False)
        self.out_proj = nn.Linear(width, hidden_size, bias=False)
        self.norm = RMSNorm(width, eps=eps)
        # A plain attribute, not a buffer: model.to(torch.bfloat16) must not round the decays,
        # and the state dict then holds exactly HF's four weights.
        self._slopes = lightning_slopes(num_heads, layer_idx, num_layers)

    @property
    def slopes(self) -> torch.Tensor:
        """(heads,) float32 slopes s_h of this layer."""
        return self._slopes

    def forward(
        self,
        x: torch.Tensor,
        state: torch.Tensor | None = None,
        attention_mask: torch.Tensor | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Attend over x, continuing from ``state``.

        Args:
            x: (batch, seq, hidden).
            state: (batch, heads, head_dim, head_dim) float32 from an earlier call, or None.
            attention_mask: (batch, length) with length ≥ seq, 1 for real tokens and 0 for
                left padding; its last ``seq`` columns describe x (so the running mask over
                past and new tokens can be passed as is). Padded tokens' q, k and v are zeroed,
                so they add nothing to the state and a padded row gives, at its real
                positions, what the unpadded sequence gives.

        Returns:
            (out, state): out (batch, seq, hidden) in x's dtype; the new float32 state.
        """
        if x.ndim != 3:
            raise ValueError(f"x must be (batch, seq, hidden), got shape {tuple(x.shape)}")
        batch, seq, _ = x.shape
        # In place where autograd allows: for long inputs these are the layer's largest tensors.
        qkv = F.silu(self.qkv_proj(x), inplace=True)
        if attention_mask is not None:
            if attention_mask.ndim != 2 or attention_mask.shape[0] != batch:
                raise ValueError(
                    f"attention_mask must be (batch, length) with batch {batch}, "
                    f"got shape {tuple(attention_mask.shape)}"
                )
            if attention_mask.shape[1] < seq:
                raise ValueError(
                    f"attention_mask covers {attention_mask.shape[1]} tokens, fewer than the "
                    f"{seq} in x"
                )
            qkv = qkv * attention_mask[:, -seq:, None].to(qkv.dtype)
        # HF's layout: per head, [q_h | k_h | v_h] side by side.
        qkv = qkv.view(batch, seq, self.num_heads, 3 * self.head_dim).transpose(1, 2)
        q, k, v = qkv.split(self.head_dim, dim=-1)  # (batch, heads, seq, head_dim) each
        slopes = self._slopes.to(x.device)
        if seq == 1 and state is not None:
            o, state = lightning_decode_step(q[:, :, 0], k[:, :, 0], v[:, :, 0], slopes, state)
            o = o[:, :, None]
        else:
            o, state = lightning_attention_fast(q, k, v, slopes, self.block_size, state)
        o = o.transpose(1, 2).reshape(batch, seq, self.num_heads * self.head_dim)
        out = self.norm(o) * self.output_gate(x).sigmoid_()
        return self.out_proj(out), state


# --- input checks shared by the forms above -------------------------------------------------


def _compute_dtype(t: torch.Tensor) -> torch.dtype:
    """float32, or float64 for float64 tensors: the precision the forms compute in."""
    return torch.promote_types(t.dtype, torch.float32)


def _check_qkv(
    q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, slopes: torch.Tensor
) -> tuple[int, int, int, int]:
    if q.ndim != 4:
        raise ValueError(f"q must be (batch, heads, seq, head_dim), got shape {tuple(q.shape)}")
    if k.shape != q.shape:
        raise ValueError(f"k shape {tuple(k.shape)} must equal q shape {tuple(q.shape)}")
    if v.ndim != 4 or v.shape[:3] != q.shape[:3]:
        raise ValueError(
            f"v must be (batch, heads, seq, v_dim) matching q's first three dims "
            f"{tuple(q.shape[:3])}, got {tuple(v.shape)}"
        )
    if not (q.is_floating_point() and k.is_floating_point() and v.is_floating_point()):
        raise TypeError("q, k and v must be floating-point tensors")
    if slopes.shape != (q.shape[1],):
        raise ValueError(
            f"slopes must have shape (heads,) = ({q.shape[1]},), got {tuple(slopes.shape)}"
        )
    return q.shape[0], q.shape[1], q.shape[2], v.shape[3]


def _check_block_size(block_size: int) -> None:
    if not isinstance(block_size, int) or block_size <= 0:
        raise ValueError(f"block_size must be a positive integer, got {block_size!r}")


def _check_state(
    state: torch.Tensor | None, q: torch.Tensor, batch: int, heads: int, v_dim: int
) -> torch.Tensor:
    """The state in q's compute dtype, zeros if None. Shape (batch, heads, head_dim, v_dim)."""
    dim, dtype = q.shape[-1], _compute_dtype(q)
    if state is None:
        return torch.zeros(batch, heads, dim, v_dim, device=q.device, dtype=dtype)
    if state.shape != (batch, heads, dim, v_dim):
        raise ValueError(
            f"state must have shape (batch, heads, head_dim, v_dim) = "
            f"{(batch, heads, dim, v_dim)}, got {tuple(state.shape)}"
        )
    return state.to(dtype)
