"""Identities: seed-determined 12-cell sprites, and their reference images.

``IDENTITIES`` is a fixed pool of 48 handles; each has a seed-determined 12-cell sprite (head with a hat or
hair, eyes, a torso with a mirrored glyph, legs; a body tone, a trim tone and an accent) with three poses
(standing, mid-step, airborne). Clips draw it small and anti-aliased in a dark room; ``render_reference``
draws the same standing sprite crisp and large on a light backdrop with another scale and offset, so a model
has to read the identity rather than copy pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from generation.engine.world.palette import ACCENT_DARK, ACCENT_LIGHT, CHARACTER_COLOURS, IDENTITIES, RGB

SPRITE = 12  # identity sprites are 12 cells tall


@dataclass(frozen=True, eq=False)
class Identity:
    handle: str
    body: str  # CHARACTER_COLOURS name: the dominant colour
    trim: str  # CHARACTER_COLOURS name: hat, belt or sleeves
    accent: RGB  # eyes, glyph, shoes: black or white (neutral)
    poses: np.ndarray  # int8 [3, 12, w]: 0 transparent, 1 body, 2 trim, 3 accent; stand, step, airborne
    centroids: np.ndarray  # float [3, 2]: (col, row) centroid of each pose's body and trim cells

    @property
    def palette(self) -> np.ndarray:
        """float32 [4, 3]: RGB per cell value (row 0 unused)."""
        return np.array(
            [(0, 0, 0), CHARACTER_COLOURS[self.body], CHARACTER_COLOURS[self.trim], self.accent],
            dtype=np.float32,
        )

    @property
    def aspect(self) -> float:
        """Sprite width / height."""
        return self.poses.shape[2] / SPRITE


def _draw_head(grid: np.ndarray, rng: np.random.Generator) -> None:
    """Paints a random head (6 or 8 cells wide, maybe with rounded corners), its hat or hair and its eyes."""
    head = int(rng.choice([6, 8]))
    h0, h1 = (SPRITE - head) // 2, (SPRITE + head) // 2
    grid[0:5, h0:h1] = 1
    if rng.random() < 0.6:
        grid[0, h0] = grid[0, h1 - 1] = 0
    hat = int(rng.integers(3))
    if hat == 0:
        grid[0:2, h0:h1][grid[0:2, h0:h1] > 0] = 2
    elif hat == 1:
        grid[0, h0:h1][grid[0, h0:h1] > 0] = 2
        grid[1:3, h0] = grid[1:3, h1 - 1] = 2
    else:
        grid[3, h0] = grid[3, h1 - 1] = 2
        grid[0, h0 + 1 : h1 - 1] = 2
    eye = 2 if hat != 0 else 3
    grid[eye, h0 + 1 + (head == 8)] = grid[eye, h1 - 2 - (head == 8)] = 3


def _draw_torso(grid: np.ndarray, rng: np.random.Generator) -> None:
    """Paints a random torso (8 or 10 cells wide) with its trim and a mirrored glyph of 2 to 6 cells."""
    torso = int(rng.choice([8, 10]))
    b0, b1 = (SPRITE - torso) // 2, (SPRITE + torso) // 2
    grid[5:10, b0:b1] = 1
    style = int(rng.integers(3))
    if style == 0:
        grid[9, b0:b1] = 2
    elif style == 1:
        grid[5:9, b0] = grid[5:9, b1 - 1] = 2
    else:
        grid[5, 4:8] = 2
    while True:
        bits = rng.random((3, 3)) < 0.5
        if 2 <= bits.sum() <= 6:
            break
    for r in range(3):
        for c in range(3):
            if bits[r, c]:
                grid[6 + r, 3 + c] = grid[6 + r, 8 - c] = 3


def _pose_legs(grid: np.ndarray, shoe: int) -> np.ndarray:
    """A ``grid``'s three poses (standing, mid-step, airborne) with legs and shoes, cropped to their width."""
    poses = np.repeat(grid[None], 3, axis=0)
    for pose, legs in ((0, (3, 4, 7, 8)), (1, (2, 3, 8, 9)), (2, (3, 4, 7, 8))):
        for c in legs:
            poses[pose, 10, c] = 1
            poses[pose, 11, c] = shoe
    poses[2, 11, :] = 0
    poses[2, 10, [3, 4, 7, 8]] = shoe
    used = np.nonzero((poses > 0).any(axis=(0, 1)))[0]
    return poses[:, :, used[0] : used[-1] + 1]


def _pose_centroids(poses: np.ndarray) -> np.ndarray:
    """(col, row) centroid of each pose's body and trim cells, in continuous cell coordinates."""
    centroids = np.zeros((3, 2))
    for pose in range(3):
        rows, cols = np.nonzero((poses[pose] == 1) | (poses[pose] == 2))
        centroids[pose] = cols.mean() + 0.5, rows.mean() + 0.5
    return centroids


def _make_identities() -> dict[str, Identity]:
    """Every identity's sprite, poses and colours, by handle."""
    names = list(CHARACTER_COLOURS)
    combos = [(b, t) for b in names for t in names if t != b]
    order = np.random.default_rng(0x1DE).permutation(len(combos))
    identities: dict[str, Identity] = {}
    for index, handle in enumerate(IDENTITIES):
        rng = np.random.default_rng([0x1DE, index])
        body, trim = combos[int(order[index % len(combos)])]
        accent = ACCENT_LIGHT if body in ("navy", "olive", "rose") else ACCENT_DARK
        grid = np.zeros((SPRITE, SPRITE), dtype=np.int8)
        _draw_head(grid, rng)
        _draw_torso(grid, rng)
        poses = _pose_legs(grid, 3 if accent == ACCENT_DARK else 2)
        identities[handle] = Identity(
            handle=handle,
            body=body,
            trim=trim,
            accent=accent,
            poses=np.ascontiguousarray(poses),
            centroids=_pose_centroids(poses),
        )
    return identities


_IDENTITY: dict[str, Identity] = _make_identities()


def identity(handle: str) -> Identity:
    """The sprite and colours of a handle (``"@alice"``)."""
    try:
        return _IDENTITY[handle]
    except KeyError:
        raise ValueError(f"unknown identity {handle!r}") from None


def render_reference(handle: str, size: int, *, variant: int = 0) -> np.ndarray:
    """A square uint8 ``[size, size, 3]`` reference image of an identity: its standing sprite drawn crisp and
    large (42-58 % of the height, slightly off centre) on a light backdrop with a soft shadow; ``variant``
    changes the backdrop, scale and offset. Clips draw the same sprite small, anti-aliased, on a dark room, so
    no clip pixel matches the reference: a model has to read the identity."""
    ident = identity(handle)
    rng = np.random.default_rng([0x2EF, IDENTITIES.index(handle), variant])
    tones = (
        (226, 222, 214),
        (210, 214, 222),
        (232, 232, 232),
        (204, 204, 198),
        (220, 212, 222),
        (196, 200, 204),
    )
    base = np.array(tones[int(rng.integers(len(tones)))], dtype=np.float32)
    rows = (np.arange(size, dtype=np.float32) + 0.5) / size
    image = base[None, None, :] + (14.0 * (0.5 - rows))[:, None, None] * np.ones((1, size, 1), np.float32)
    cell = float(rng.uniform(0.42, 0.58)) * size / SPRITE
    height, width = SPRITE * cell, ident.poses.shape[2] * cell
    cx = size / 2 + float(rng.uniform(-0.05, 0.05)) * size
    cy = size / 2 + float(rng.uniform(-0.04, 0.04)) * size
    left, top = cx - width / 2, cy - height / 2
    # A soft elliptical shadow under the feet.
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) + 0.5
    d = ((xx - cx) / (0.6 * width)) ** 2 + ((yy - (top + height)) / (0.08 * height + 1.0)) ** 2
    image *= (1.0 - 0.25 * np.clip(1.5 - d, 0.0, 1.0))[:, :, None]
    u = np.floor((xx - left) / cell).astype(np.int64)
    v = np.floor((yy - top) / cell).astype(np.int64)
    inside = (u >= 0) & (u < ident.poses.shape[2]) & (v >= 0) & (v < SPRITE)
    cells = np.zeros((size, size), dtype=np.int8)
    cells[inside] = ident.poses[0][v[inside], u[inside]]
    opaque = cells > 0
    image[opaque] = ident.palette[cells[opaque]]
    return np.clip(image + 0.5, 0, 255).astype(np.uint8)
