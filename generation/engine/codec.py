"""What the transformer denoises: pixels, or the latents of a small learned video autoencoder.

``PixelCodec`` is the identity (pixel configs). ``VideoAutoencoder`` compresses ``codec_stride`` = (st, ss,
ss) pixels, by default 2 frames of 8 x 8, into one ``latent_channels``-vector, as the autoencoders of Sora
and Wan do (there with 4 x 8 x 8 and 16 channels), so the transformer sees 8 to 16 times fewer tokens and
a convolutional decoder renders crisp shapes and exact colours from them. Each group of ``st`` frames is
coded on its own: the frames are stacked as channels, a strided convolutional encoder brings them down to
the latent grid, and a mirrored decoder with nearest-neighbour upsampling brings them back. Latents are
normalised per channel (``shift``, ``scale``, measured once after training) so that unit noise suits them.

Both codecs have the same interface, so the model, the trainer and the sampler never ask which one they
have: ``encode(clip)``/``decode(latent)`` between ``[B, T, H, W, 3]`` pixels in [-1, 1] and ``[B, T/st,
H/ss, W/ss, C]``, and ``encode_image`` for a cameo reference (one frame: for the autoencoder, the image held
still over a frame group).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from generation.engine.config import EngineConfig
from generation.engine.model import patchify, unpatchify


class Codec(nn.Module):
    """Between pixels ``[B, T, H, W, 3]`` in [-1, 1] and what the transformer denoises."""

    def encode(self, clip: Tensor) -> Tensor:
        raise NotImplementedError

    def decode(self, latent: Tensor) -> Tensor:
        raise NotImplementedError

    def encode_image(self, image: Tensor) -> Tensor:
        raise NotImplementedError


class PixelCodec(Codec):
    """The identity: the transformer works on pixels."""

    def encode(self, clip: Tensor) -> Tensor:
        return clip

    def decode(self, latent: Tensor) -> Tensor:
        return latent

    def encode_image(self, image: Tensor) -> Tensor:
        """A reference image ``[B, H, W, 3]`` as one frame ``[B, 1, H, W, 3]``."""
        return image.unsqueeze(1)


class ResBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.norm1 = nn.GroupNorm(8, channels)
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.norm2 = nn.GroupNorm(8, channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor) -> Tensor:
        y = self.conv1(F.silu(self.norm1(x)))
        return x + self.conv2(F.silu(self.norm2(y)))


def _widths(base: int, levels: int) -> list[int]:
    """Channels at full resolution and after each halving: 1, 2, 3, 4 times ``base`` (multiples of 8)."""
    return [base * min(i + 1, 4) for i in range(levels + 1)]


class VideoAutoencoder(Codec):
    shift: Tensor
    scale: Tensor

    def __init__(self, config: EngineConfig) -> None:
        super().__init__()
        st, sh, sw = config.codec_stride
        if sh != sw or sh & (sh - 1):
            raise ValueError(f"{config.name}: the codec's spatial stride must be a square power of two")
        self.frames = st
        self.channels = config.latent_channels
        levels = sh.bit_length() - 1
        widths = _widths(config.codec_width, levels)
        encoder: list[nn.Module] = [nn.Conv2d(3 * st, widths[0], 3, padding=1)]
        for level in range(levels):
            encoder.append(nn.Conv2d(widths[level], widths[level + 1], 3, stride=2, padding=1))
            encoder.append(ResBlock(widths[level + 1]))
        encoder += [nn.GroupNorm(8, widths[-1]), nn.SiLU(), nn.Conv2d(widths[-1], self.channels, 1)]
        self.encoder = nn.Sequential(*encoder)
        decoder: list[nn.Module] = [nn.Conv2d(self.channels, widths[-1], 3, padding=1), ResBlock(widths[-1])]
        for level in reversed(range(levels)):
            decoder.append(nn.Upsample(scale_factor=2, mode="nearest"))
            decoder.append(nn.Conv2d(widths[level + 1], widths[level], 3, padding=1))
            decoder.append(ResBlock(widths[level]))
        decoder += [nn.GroupNorm(8, widths[0]), nn.SiLU(), nn.Conv2d(widths[0], 3 * st, 3, padding=1)]
        self.decoder = nn.Sequential(*decoder)
        # Linear paths between a frame group's st x ss x ss pixel cube and its latent vector, beside the
        # convolutions: they learn the coarse picture (the room, each cube's mean colour) within a few
        # hundred steps, and the convolutions learn the detail on top.
        self.cube = (st, sh, sw)
        self.linear_in = nn.Linear(st * sh * sw * 3, self.channels)
        self.linear_out = nn.Linear(self.channels, st * sh * sw * 3)
        # Per-channel latent statistics, set by ``calibrate``: latents are (z - shift) / scale.
        self.register_buffer("shift", torch.zeros(self.channels))
        self.register_buffer("scale", torch.ones(self.channels))

    # -- raw (unnormalised) coding, for training the autoencoder --------------------------------------------

    def _stack(self, clip: Tensor) -> Tensor:
        b, t, h, w, c = clip.shape
        if t % self.frames:
            raise ValueError(f"a clip of {t} frames is not a whole number of {self.frames}-frame groups")
        x = clip.reshape(b, t // self.frames, self.frames, h, w, c).permute(0, 1, 2, 5, 3, 4)
        return x.reshape(b * (t // self.frames), self.frames * c, h, w)

    def encode_raw(self, clip: Tensor) -> Tensor:
        b, t, h, w, _ = clip.shape
        st, sh, sw = self.cube
        z = self.encoder(self._stack(clip))
        z = z.reshape(b, t // self.frames, *z.shape[1:]).permute(0, 1, 3, 4, 2)
        return z + self.linear_in(patchify(clip, self.cube)).reshape(b, t // st, h // sh, w // sw, -1)

    def decode_raw(self, latent: Tensor) -> Tensor:
        b, tl, hl, wl, c = latent.shape
        x = self.decoder(latent.permute(0, 1, 4, 2, 3).reshape(b * tl, c, hl, wl))
        h, w = x.shape[-2:]
        x = x.reshape(b, tl, self.frames, 3, h, w).permute(0, 1, 2, 4, 5, 3)
        x = x.reshape(b, tl * self.frames, h, w, 3)
        return x + unpatchify(self.linear_out(latent.reshape(b, tl * hl * wl, c)), self.cube, (tl, hl, wl))

    # -- normalised coding, what the transformer sees -------------------------------------------------------

    def encode(self, clip: Tensor) -> Tensor:
        return (self.encode_raw(clip) - self.shift) / self.scale

    def decode(self, latent: Tensor) -> Tensor:
        return self.decode_raw(latent * self.scale + self.shift)

    def encode_image(self, image: Tensor) -> Tensor:
        """A reference image ``[B, H, W, 3]`` as one latent frame ``[B, 1, h, w, C]`` (the image held still
        for a frame group)."""
        held = image.unsqueeze(1).expand(-1, self.frames, -1, -1, -1)
        return self.encode(held)

    @torch.no_grad()
    def calibrate(self, latents: Tensor) -> None:
        """Sets the normalisation from raw latents ``[..., C]`` of typical clips."""
        flat = latents.reshape(-1, self.channels).float()
        self.shift.copy_(flat.mean(0))
        self.scale.copy_(flat.std(0).clamp(min=1e-3))


def make_codec(config: EngineConfig) -> Codec:
    return VideoAutoencoder(config) if config.latent else PixelCodec()
