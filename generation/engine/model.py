"""The Diffusion Transformer over space-time patches.

A clip ``[B, T, H, W, 3]`` (pixels in [-1, 1]) is cut into ``pt x ph x pw`` cubes; each cube is one token,
and self-attention runs across all of them at once (full 3D attention, not split into space and time).

Each block: adaLN-modulated LayerNorm → self-attention (QK-RMSNorm, 3D rotary positions, SDPA) → cross-
attention to the text tokens → adaLN-modulated MLP. The modulation comes from one MLP over the timestep and
the pooled text, shared by all blocks, plus a learned per-block bias (as in Wan); gates start at zero, so
every block starts as the identity and the output layer starts at zero.

Conditioning (``Conditioning``):

- **Text.** Token states of the frozen MiniLM encoder, projected to the model width. A learned null token is
  always the first key, so every query has something to attend to and the unconditional branch is "the null
  token only". Each text token carries a group: 0 is seen by every token (the prompt when a storyboard
  gives the beats, a cameo owner's preferences), ``g >= 1`` only by the frames of time segment ``g - 1``.
- **Storyboard.** Frames are split into time segments, one per beat. Cross-attention is masked by segment,
  each segment's modulation uses its own beat's pooled vector, and self-attention is block-causal across
  segments (a frame sees its own and earlier segments), so a later beat cannot change an earlier stretch.
  With a single segment there is no mask at all.
- **Cameos.** Each reference image is patchified with the same embedding as the video and placed in the
  sequence as one extra clean frame (modulated at timestep 0), with a learned per-slot marker, at rotary
  time position ``-1 - slot``. Video tokens attend to them; they attend only to each other. A dropped cameo
  (for guidance) is a learned null token in every position of its frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from generation.engine.config import EngineConfig

if TYPE_CHECKING:
    from generation.engine.codec import Codec

DATA_PREDICTION_MIN_T = 0.05


@dataclass
class Conditioning:
    text: Tensor  # [B, L, text_dim] token states, zero where padded
    text_groups: Tensor  # [B, L] long: -1 padding, 0 seen by all tokens, g >= 1 seen by time segment g - 1
    pooled: Tensor  # [B, S, text_dim] pooled text per time segment; zeros for none
    frame_segments: Tensor  # [B, Tl] long: the time segment of each latent frame, non-decreasing
    reference_pooled: Tensor  # [B, text_dim] pooled text that modulates the reference frames
    references: Tensor | None = None  # [B, R, H, W, 3] in [-1, 1], frame-sized
    reference_present: Tensor | None = None  # [B, R] bool: False is a dropped (null) cameo

    @property
    def segment_count(self) -> int:
        return int(self.pooled.shape[1])

    @property
    def reference_count(self) -> int:
        return 0 if self.references is None else int(self.references.shape[1])

    def to(self, device: torch.device | str, dtype: torch.dtype | None = None) -> Conditioning:
        def move(value: Tensor | None, floating: bool = True) -> Tensor | None:
            if value is None:
                return None
            return value.to(device=device, dtype=dtype if (floating and dtype is not None) else None)

        return Conditioning(
            text=move(self.text),  # type: ignore[arg-type]
            text_groups=move(self.text_groups, False),  # type: ignore[arg-type]
            pooled=move(self.pooled),  # type: ignore[arg-type]
            frame_segments=move(self.frame_segments, False),  # type: ignore[arg-type]
            reference_pooled=move(self.reference_pooled),  # type: ignore[arg-type]
            references=move(self.references),
            reference_present=move(self.reference_present, False),
        )


def patchify(video: Tensor, patch: tuple[int, int, int]) -> Tensor:
    """``[B, T, H, W, C]`` → ``[B, T/pt * H/ph * W/pw, pt*ph*pw*C]``, tokens in (time, row, column) order."""
    b, t, h, w, c = video.shape
    pt, ph, pw = patch
    x = video.reshape(b, t // pt, pt, h // ph, ph, w // pw, pw, c)
    x = x.permute(0, 1, 3, 5, 2, 4, 6, 7)
    return x.reshape(b, (t // pt) * (h // ph) * (w // pw), pt * ph * pw * c)


def unpatchify(tokens: Tensor, patch: tuple[int, int, int], grid: tuple[int, int, int]) -> Tensor:
    b = tokens.shape[0]
    pt, ph, pw = patch
    gt, gh, gw = grid
    x = tokens.reshape(b, gt, gh, gw, pt, ph, pw, -1)
    x = x.permute(0, 1, 4, 2, 5, 3, 6, 7)
    return x.reshape(b, gt * pt, gh * ph, gw * pw, -1)


def timestep_embedding(t: Tensor, dim: int = 256, max_period: float = 10000.0) -> Tensor:
    """Sinusoidal features of ``t`` in [0, 1] (scaled to [0, 1000]), ``[B, dim]``."""
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, device=t.device, dtype=torch.float32) / half)
    angles = (t.float() * 1000.0)[:, None] * freqs[None]
    return torch.cat([torch.cos(angles), torch.sin(angles)], dim=-1)


class Rope3D:
    """3D rotary positions: a head's dimensions are split across time, height and width, and each part
    rotates by its own coordinate. Pairs are (i, i + D/2) within a head."""

    def __init__(self, dims: tuple[int, int, int], theta: float) -> None:
        self.dims = dims
        self.theta = theta

    def angles(self, positions: Tensor) -> Tensor:
        """``positions`` ``[N, 3]`` float → rotation angles ``[N, D/2]``."""
        parts = []
        for axis, dim in enumerate(self.dims):
            half = dim // 2
            freqs = self.theta ** (-torch.arange(half, device=positions.device, dtype=torch.float32) / half)
            parts.append(positions[:, axis : axis + 1] * freqs[None])
        return torch.cat(parts, dim=-1)

    @staticmethod
    def apply(x: Tensor, cos: Tensor, sin: Tensor) -> Tensor:
        """``x`` ``[B, heads, N, D]``; ``cos``/``sin`` ``[N, D/2]``."""
        first, second = x.chunk(2, dim=-1)
        cos, sin = cos.to(x.dtype), sin.to(x.dtype)
        return torch.cat([first * cos - second * sin, first * sin + second * cos], dim=-1)


def grid_positions(grid: tuple[int, int, int], device: torch.device) -> Tensor:
    gt, gh, gw = grid
    t, h, w = torch.meshgrid(
        torch.arange(gt, device=device),
        torch.arange(gh, device=device),
        torch.arange(gw, device=device),
        indexing="ij",
    )
    return torch.stack([t, h, w], dim=-1).reshape(-1, 3).float()


def rms(x: Tensor, norm: nn.RMSNorm) -> Tensor:
    """QK-RMSNorm in the activations' dtype (under bf16 autocast the fused kernel needs matching weights)."""
    assert norm.weight is not None
    return F.rms_norm(x, (x.shape[-1],), norm.weight.to(x.dtype), norm.eps)


class SelfAttention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, 3 * dim)
        self.q_norm = nn.RMSNorm(dim // heads, eps=1e-6)
        self.k_norm = nn.RMSNorm(dim // heads, eps=1e-6)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: Tensor, cos: Tensor, sin: Tensor, mask: Tensor | None, references: int) -> Tensor:
        b, n, d = x.shape
        q, k, v = self.qkv(x).reshape(b, n, 3, self.heads, d // self.heads).permute(2, 0, 3, 1, 4)
        q = Rope3D.apply(rms(q, self.q_norm), cos, sin)
        k = Rope3D.apply(rms(k, self.k_norm), cos, sin)
        if mask is not None:
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        elif references:
            # Reference frames attend only to each other; video tokens attend to everything. Two unmasked
            # calls keep the fast (flash) kernels.
            ref = F.scaled_dot_product_attention(
                q[:, :, :references], k[:, :, :references], v[:, :, :references]
            )
            video = F.scaled_dot_product_attention(q[:, :, references:], k, v)
            y = torch.cat([ref, video], dim=2)
        else:
            y = F.scaled_dot_product_attention(q, k, v)
        return self.out(y.transpose(1, 2).reshape(b, n, d))


class CrossAttention(nn.Module):
    def __init__(self, dim: int, heads: int) -> None:
        super().__init__()
        self.heads = heads
        self.q = nn.Linear(dim, dim)
        self.kv = nn.Linear(dim, 2 * dim)
        self.q_norm = nn.RMSNorm(dim // heads, eps=1e-6)
        self.k_norm = nn.RMSNorm(dim // heads, eps=1e-6)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: Tensor, context: Tensor, mask: Tensor) -> Tensor:
        b, n, d = x.shape
        hd = d // self.heads
        q = rms(self.q(x).reshape(b, n, self.heads, hd).transpose(1, 2), self.q_norm)
        k, v = self.kv(context).reshape(b, context.shape[1], 2, self.heads, hd).permute(2, 0, 3, 1, 4)
        y = F.scaled_dot_product_attention(q, rms(k, self.k_norm), v, attn_mask=mask)
        return self.out(y.transpose(1, 2).reshape(b, n, d))


def modulate(x: Tensor, shift: Tensor, scale: Tensor) -> Tensor:
    """adaLN: a parameter-free LayerNorm, then a per-sample (or per-token) scale and shift."""
    return F.layer_norm(x, (x.shape[-1],), eps=1e-6) * (1 + scale) + shift


class TimestepEmbedder(nn.Module):
    """Flow times in [0, 1] → vectors: sinusoidal features, then a two-layer MLP."""

    def __init__(self, dim: int, frequencies: int = 256) -> None:
        super().__init__()
        self.frequencies = frequencies
        self.mlp = nn.Sequential(nn.Linear(frequencies, dim), nn.SiLU(), nn.Linear(dim, dim))

    def forward(self, t: Tensor) -> Tensor:
        return self.mlp(timestep_embedding(t, self.frequencies))


class PatchEmbed(nn.Module):
    """A patch's values → a token: one linear layer, or for large pixel patches a narrow linear bottleneck
    first ("Back to Basics", Li & He 2025: a patch of 1,536 pixel values holds far less than that)."""

    def __init__(self, volume: int, dim: int, bottleneck: int = 0) -> None:
        super().__init__()
        self.reduce = nn.Linear(volume, bottleneck, bias=False) if bottleneck else None
        self.proj = nn.Linear(bottleneck or volume, dim)

    def forward(self, patches: Tensor) -> Tensor:
        return self.proj(self.reduce(patches) if self.reduce is not None else patches)


class Block(nn.Module):
    def __init__(self, dim: int, heads: int, mlp_ratio: float) -> None:
        super().__init__()
        self.attn = SelfAttention(dim, heads)
        self.cross_norm = nn.LayerNorm(dim, eps=1e-6)
        self.cross = CrossAttention(dim, heads)
        hidden = int(dim * mlp_ratio)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(approximate="tanh"), nn.Linear(hidden, dim))
        # Added to the shared modulation: shift, scale, gate for attention, then for the MLP.
        self.modulation = nn.Parameter(torch.zeros(6, dim))

    def forward(
        self,
        x: Tensor,
        shared: Tensor,
        rope: tuple[Tensor, Tensor],
        self_mask: Tensor | None,
        references: int,
        context: Tensor,
        cross_mask: Tensor,
    ) -> Tensor:
        shift1, scale1, gate1, shift2, scale2, gate2 = (shared + self.modulation).unbind(dim=2)
        x = x + gate1 * self.attn(modulate(x, shift1, scale1), rope[0], rope[1], self_mask, references)
        x = x + self.cross(self.cross_norm(x), context, cross_mask)
        return x + gate2 * self.mlp(modulate(x, shift2, scale2))


class FinalLayer(nn.Module):
    """adaLN, then a linear map from each token to its patch's values (zero at the start)."""

    def __init__(self, dim: int, volume: int) -> None:
        super().__init__()
        self.modulation = nn.Parameter(torch.zeros(2, dim))
        self.linear = nn.Linear(dim, volume)

    def forward(self, x: Tensor, c: Tensor) -> Tensor:
        shift, scale = (c[:, :, None, :] + self.modulation).unbind(dim=2)
        return self.linear(modulate(x, shift, scale))


@dataclass
class Layout:
    """Where every token sits: rotary angles, time segments, and the attention masks they imply."""

    grid: tuple[int, int, int]
    reference_tokens: int
    rope: tuple[Tensor, Tensor]
    token_segments: Tensor  # [B, N] (-1 for reference tokens)
    self_mask: Tensor | None
    cross_mask: Tensor


class VideoDiT(nn.Module):
    def __init__(self, config: EngineConfig) -> None:
        super().__init__()
        from generation.engine.codec import make_codec

        self.config = config
        d = config.dim
        self.codec: Codec = make_codec(config)
        self.patch_embed = PatchEmbed(config.patch_volume, d, config.embed_bottleneck)
        self.time_embed = TimestepEmbedder(d)
        self.pooled_embed = nn.Linear(config.text_dim, d)
        self.time_modulation = nn.Sequential(nn.SiLU(), nn.Linear(d, 6 * d))
        self.text_embed = nn.Sequential(
            nn.LayerNorm(config.text_dim),
            nn.Linear(config.text_dim, d),
            nn.GELU(approximate="tanh"),
            nn.Linear(d, d),
        )
        self.text_null = nn.Parameter(torch.zeros(d))
        self.reference_marker = nn.Parameter(torch.zeros(config.max_cameos, d))
        self.reference_null = nn.Parameter(torch.zeros(d))
        self.blocks = nn.ModuleList(Block(d, config.heads, config.mlp_ratio) for _ in range(config.depth))
        self.final_layer = FinalLayer(d, config.patch_volume)
        self.rope = Rope3D(config.rope_dims, config.rope_theta)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        for name, module in self.named_modules():
            if isinstance(module, nn.Linear) and not name.startswith("codec"):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)
        for layer in self.time_embed.mlp:
            if isinstance(layer, nn.Linear):
                nn.init.normal_(layer.weight, std=0.02)
        nn.init.normal_(self.text_null, std=0.02)
        nn.init.normal_(self.reference_marker, std=0.02)
        nn.init.normal_(self.reference_null, std=0.02)
        # adaLN-Zero: every gate and the output start at zero.
        modulation = self.time_modulation[1]
        assert isinstance(modulation, nn.Linear)
        nn.init.zeros_(modulation.weight)
        nn.init.zeros_(modulation.bias)
        for block in self.blocks:
            assert isinstance(block, Block)
            nn.init.zeros_(block.modulation)
            nn.init.zeros_(block.cross.out.weight)
        nn.init.zeros_(self.final_layer.linear.weight)

    def parameter_count(self, *, codec: bool = True) -> int:
        return sum(p.numel() for name, p in self.named_parameters() if codec or not name.startswith("codec."))

    def encode(self, clip: Tensor) -> Tensor:
        """Pixels ``[B, T, H, W, 3]`` in [-1, 1] → what the transformer denoises (``config.model_shape``)."""
        return self.codec.encode(clip)

    def decode(self, x: Tensor) -> Tensor:
        """The inverse of ``encode``: pixels ``[B, T, H, W, 3]``, roughly in [-1, 1]."""
        return self.codec.decode(x)

    def embed_references(self, cond: Conditioning, per_frame: int) -> Tensor:
        """Cameo reference images → ``[B, R * per_frame, d]`` tokens: each image is one clean frame through
        the codec and the video's patch embedding, a dropped cameo is the null token, each slot its marker."""
        assert cond.references is not None and cond.reference_present is not None
        b, references, height, width, _ = cond.references.shape
        pt = self.config.patch[0]
        frames = self.codec.encode_image(cond.references.reshape(b * references, height, width, 3))
        frames = frames.expand(-1, pt, -1, -1, -1)
        ref = (
            self.patch_embed(patchify(frames, self.config.patch))
            .float()
            .reshape(b, references, per_frame, -1)
        )
        ref = torch.where(cond.reference_present[:, :, None, None], ref, self.reference_null.to(ref.dtype))
        ref = ref + self.reference_marker[:references, None, :].to(ref.dtype)
        return ref.reshape(b, references * per_frame, -1)

    def layout(self, grid: tuple[int, int, int], cond: Conditioning, device: torch.device) -> Layout:
        per_frame = grid[1] * grid[2]
        positions = grid_positions(grid, device)
        references = cond.reference_count
        if references:
            ref_positions = grid_positions((1, grid[1], grid[2]), device).repeat(references, 1)
            ref_positions[:, 0] = -1.0 - torch.arange(references, device=device).repeat_interleave(per_frame)
            positions = torch.cat([ref_positions, positions], dim=0)
        angles = self.rope.angles(positions)
        ref_tokens = references * per_frame

        # The time segment of every token (-1 for reference frames).
        token_segments = cond.frame_segments.repeat_interleave(per_frame, dim=1)  # [B, Nv]
        if ref_tokens:
            token_segments = F.pad(token_segments, (ref_tokens, 0), value=-1)
        self_mask = None
        if cond.segment_count > 1:
            query, key = token_segments[:, :, None], token_segments[:, None, :]
            is_ref_q, is_ref_k = query < 0, key < 0
            self_mask = ((is_ref_q & is_ref_k) | (~is_ref_q & (is_ref_k | (key <= query))))[:, None]
        groups = F.pad(cond.text_groups, (1, 0), value=0)  # the null token is seen by all
        cross_mask = (groups[:, None, :] == 0) | (groups[:, None, :] == token_segments[:, :, None] + 1)
        return Layout(
            grid=grid,
            reference_tokens=ref_tokens,
            rope=(torch.cos(angles), torch.sin(angles)),
            token_segments=token_segments,
            self_mask=self_mask,
            cross_mask=cross_mask[:, None],
        )

    def conditioning_vectors(self, t: Tensor, cond: Conditioning, layout: Layout) -> tuple[Tensor, Tensor]:
        """The adaLN input ``c`` per token (``[B, 1 or N, d]``) and the shared block modulation computed from
        it (``[B, 1 or N, 6, d]``): the timestep plus the pooled text of each token's segment; reference
        frames are modulated as clean (t = 0) with the cameo owners' pooled preferences."""
        temb = self.time_embed(t)  # [B, d]
        c = temb[:, None, :] + self.pooled_embed(cond.pooled.to(temb.dtype))  # [B, S, d]
        if layout.reference_tokens:
            clean = self.time_embed(torch.zeros_like(t))
            c = torch.cat([(clean + self.pooled_embed(cond.reference_pooled.to(temb.dtype)))[:, None], c], 1)
        shared = self.time_modulation(c)  # [B, S (+1), 6d]: per segment, then spread over its tokens
        if cond.segment_count > 1 or layout.reference_tokens:
            index = (layout.token_segments + (1 if layout.reference_tokens else 0))[:, :, None]
            c = torch.take_along_dim(c, index, dim=1)  # [B, N, d]
            shared = torch.take_along_dim(shared, index, dim=1)
        return c, shared.unflatten(-1, (6, -1))

    def forward(self, x: Tensor, t: Tensor, cond: Conditioning) -> Tensor:
        """The predicted velocity (noise minus data) for the noisy ``x`` ``[B, T, H, W, C]`` (in the codec's
        space: ``config.model_shape``) at times ``t`` ``[B]``, whatever the output layer parameterises
        (``config.prediction``)."""
        cfg = self.config
        b, frames, height, width, _ = x.shape
        pt, ph, pw = cfg.patch
        grid = (frames // pt, height // ph, width // pw)
        layout = self.layout(grid, cond, x.device)

        # The residual stream stays in float32 under bf16 autocast; the blocks' matmuls run in bf16.
        h = self.patch_embed(patchify(x, cfg.patch)).float()
        if layout.reference_tokens:
            h = torch.cat([self.embed_references(cond, grid[1] * grid[2]), h], dim=1)
        c, shared = self.conditioning_vectors(t, cond, layout)
        context = self.text_embed(cond.text.to(h.dtype))
        context = torch.cat([self.text_null.to(context.dtype).expand(b, 1, -1), context], dim=1)

        for block in self.blocks:
            h = block(h, shared, layout.rope, layout.self_mask, layout.reference_tokens, context,
                      layout.cross_mask)  # fmt: skip

        video = slice(layout.reference_tokens, None)
        out = self.final_layer(h[:, video], c if c.shape[1] == 1 else c[:, video])
        out = unpatchify(out, cfg.patch, grid)
        if cfg.prediction == "data":
            # The output is the clean clip; the velocity follows from x_t = (1 - t) x0 + t e. Near t = 0
            # the division is capped, as the sampler never evaluates there.
            return (x - out) / t.clamp(min=DATA_PREDICTION_MIN_T).view(b, 1, 1, 1, 1).to(x.dtype)
        return out


# Parameter names of checkpoints written before the embedders and the final layer became named modules.
LEGACY_NAMES = {
    "time_embed.0.": "time_embed.mlp.0.",
    "time_embed.2.": "time_embed.mlp.2.",
    "patch_embed.weight": "patch_embed.proj.weight",
    "patch_embed.bias": "patch_embed.proj.bias",
    "final.": "final_layer.linear.",
    "final_modulation": "final_layer.modulation",
}


def rename_legacy(tensors: dict[str, Tensor]) -> dict[str, Tensor]:
    renamed = {}
    for name, tensor in tensors.items():
        for old, new in LEGACY_NAMES.items():
            if name.startswith(old):
                name = new + name[len(old) :]
                break
        renamed[name] = tensor
    return renamed
