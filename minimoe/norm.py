"""RMSNorm: rescale each vector to unit root-mean-square, then by a learned gain.

    RMSNorm(x) = g ⊙ x / sqrt(mean(x²) + eps)

M1 uses it everywhere a transformer would use LayerNorm: around every sublayer, before the LM
head, and over the concatenated heads inside lightning attention.
"""

from __future__ import annotations

import torch
from torch import nn


class RMSNorm(nn.Module):
    """Root-mean-square normalisation over the last dimension.

    Args:
        dim: size of the last dimension of the input.
        eps: added to the mean square, so that an all-zero vector stays finite.

    The statistics are computed in float32 whatever the input dtype (a bfloat16 mean of
    thousands of squares loses most of its digits); the result is cast back before the gain is
    applied, as in HF's MiniMax port, so outputs match it bit for bit.
    """

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        if dim <= 0:
            raise ValueError(f"RMSNorm dim must be positive, got {dim}")
        if eps <= 0:
            raise ValueError(f"RMSNorm eps must be positive, got {eps}")
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x: (..., dim) -> (..., dim), same dtype."""
        if x.shape[-1] != self.weight.shape[0]:
            raise ValueError(
                f"RMSNorm expects a last dimension of {self.weight.shape[0]}, got {x.shape[-1]}"
            )
        x32 = x.float()
        normed = x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + self.eps)
        return self.weight * normed.to(x.dtype)

    def extra_repr(self) -> str:
        return f"{self.weight.shape[0]}, eps={self.eps}"
