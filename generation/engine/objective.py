"""The training objective: rectified flow with velocity prediction.

A clean clip ``x0`` and noise ``e`` define the straight path ``x_t = (1 - t) * x0 + t * e``; the model learns
its velocity ``e - x0`` with a mean squared error. Training times come from a logit-normal distribution
(most weight in the middle, where the task is hardest), optionally shifted towards noise like the sampler.
"""

from __future__ import annotations

import torch

from generation.engine.model import Conditioning, VideoDiT


def sample_times(
    batch: int,
    *,
    generator: torch.Generator | None = None,
    mean: float = 0.0,
    std: float = 1.0,
    shift: float = 1.0,
    device: torch.device | str = "cpu",
) -> torch.Tensor:
    """``[batch]`` times in (0, 1): ``sigmoid(N(mean, std))``, then the timestep shift."""
    u = torch.sigmoid(mean + std * torch.randn(batch, generator=generator))
    t = shift * u / (1 + (shift - 1) * u)
    return t.to(device)


def rectified_flow_loss(
    model: VideoDiT,
    clean: torch.Tensor,
    cond: Conditioning,
    *,
    t: torch.Tensor | None = None,
    noise: torch.Tensor | None = None,
    generator: torch.Generator | None = None,
    shift: float = 1.0,
    weight_min_t: float = 0.0,
    weights: torch.Tensor | None = None,
) -> torch.Tensor:
    """Mean squared error of the predicted velocity, for ``clean`` clips ``[B, T, H, W, 3]`` in [-1, 1].

    For a model that predicts the clean clip, the velocity error is the clip error over ``t``, so samples near
    ``t = 0`` weigh up to hundreds of times more than noisy ones and the noisy end (which lays out the scene)
    learns slowly. ``weight_min_t`` caps that: each sample's error is weighted by ``t^2 / max(t, m)^2``,
    i.e. pure velocity error above ``m`` and clip error scaled by ``1 / m^2`` below it.

    ``weights`` ``[B, T, H, W]`` (broadcast over channels) turns each sample's mean into a weighted mean, e.g.
    to spend the loss where the objects are rather than on the static room."""
    batch = clean.shape[0]
    if t is None:
        t = sample_times(batch, generator=generator, shift=shift, device=clean.device)
    if noise is None:
        noise = torch.randn(clean.shape, generator=generator).to(clean.device)
    expand = t.view(batch, 1, 1, 1, 1).to(clean.dtype)
    noisy = (1 - expand) * clean + expand * noise
    predicted = model(noisy, t, cond)
    error = (predicted.float() - (noise - clean).float()).square()
    if weights is None:
        per_sample = error.mean(dim=(1, 2, 3, 4))
    else:
        w = weights.float()[..., None]
        per_sample = (error * w).sum(dim=(1, 2, 3, 4)) / (w.sum(dim=(1, 2, 3, 4)) * error.shape[-1])
    if weight_min_t > 0:
        per_sample = per_sample * (t.float().square() / t.float().clamp(min=weight_min_t).square())
    return per_sample.mean()
