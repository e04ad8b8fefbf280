"""Rendering: the camera, what of each body it sees (``_shares``), and the painting of a simulated scene
into frames: the room's background, anti-aliased bodies and sprites, and the occluders in front.
"""

from __future__ import annotations

import math

import numpy as np

from generation.engine.world.palette import COLOURS
from generation.engine.world.physics import _Trace
from generation.engine.world.scene import Body, Scene
from generation.engine.world.sprites import SPRITE, Identity, identity


def _coverage(lo: np.ndarray | float, hi: np.ndarray | float, pixels: np.ndarray) -> np.ndarray:
    """How much of each pixel ``[p, p + 1)`` the interval ``[lo, hi]`` covers (broadcasting)."""
    return np.clip(np.minimum(pixels + 1.0, hi) - np.maximum(pixels, lo), 0.0, 1.0)


def _background(scene: Scene, height: int, columns: int) -> np.ndarray:
    """float32 [H, columns]: the room's neutral grey background, floor and walls, in world pixels."""
    s = float(height)
    px = np.arange(columns, dtype=np.float32)
    rows = np.arange(height, dtype=np.float32)
    tone = float(scene.background_tone)
    base = tone + 14.0 * (1.0 - (rows + 0.5) / s / scene.floor)
    seam_w = max(0.8, 0.012 * s)
    seams = np.zeros(columns, dtype=np.float32)
    for k in range(1, int(scene.world_width / scene.panel_width) + 1):
        c = k * scene.panel_width * s
        seams += _coverage(c - seam_w / 2, c + seam_w / 2, px)
    image = base[:, None] - 11.0 * seams[None, :]
    tiles = np.zeros(columns, dtype=np.float32)
    for k in range(1, int(scene.world_width / scene.tile_width) + 1):
        c = k * scene.tile_width * s
        tiles += _coverage(c - seam_w / 2, c + seam_w / 2, px)
    floor_px = scene.floor * s
    edge = max(1.0, 0.015 * s)
    floor_rows = float(scene.floor_tone) + 34.0 * _coverage(floor_px, floor_px + edge, rows)
    floor_image = floor_rows[:, None] + 12.0 * tiles[None, :]
    cover = _coverage(floor_px, float(height) + 1.0, rows)[:, None]
    image = image * (1.0 - cover) + floor_image * cover
    wall = scene.wall * s
    end = scene.world_width * s
    walls = _coverage(-1.0, wall, px) + _coverage(end - wall, end + 1.0, px)
    lip = _coverage(wall - seam_w, wall, px) + _coverage(end - wall, end - wall + seam_w, px)
    wall_image = float(scene.wall_tone) - 30.0 * lip
    image = image * (1.0 - walls[None, :]) + wall_image[None, :] * walls[None, :]
    return image.astype(np.float32)


def _paint(
    canvas: np.ndarray,
    alpha: np.ndarray,
    colour: np.ndarray,
    top: np.ndarray,
    left: np.ndarray,
) -> None:
    """Composite patches ``alpha`` [T, h, w] (``colour`` [3] or premultiplied [T, h, w, 3]) onto ``canvas``
    [T, H, W, 3] at per-frame offsets ``top``, ``left`` [T] (integers), clipping at the frame's edges."""
    height, width = canvas.shape[1:3]
    ph, pw = alpha.shape[1:]
    ys = top[:, None] + np.arange(ph)
    xs = left[:, None] + np.arange(pw)
    keep = (alpha > 0) & ((ys >= 0) & (ys < height))[:, :, None] & ((xs >= 0) & (xs < width))[:, None, :]
    t, r, c = np.nonzero(keep)
    if not len(t):
        return
    a = alpha[t, r, c][:, None]
    yy, xx = ys[t, r], xs[t, c]
    paint = colour[None, :] * a if colour.ndim == 1 else colour[t, r, c]
    canvas[t, yy, xx] = canvas[t, yy, xx] * (1.0 - a) + paint


def _body_alpha(
    body: Body, cx: np.ndarray, cy: np.ndarray, s: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Anti-aliased coverage of a body over per-frame patches: (alpha [T, h, w], top [T], left [T],
    dx [T, w], dy [T, h]) where dx, dy are pixel centres relative to the bounding box's centre."""
    hxp, hyp = body.half_w * s, body.half_h * s
    pw, ph = (math.ceil(2 * hxp)) + 3, (math.ceil(2 * hyp)) + 3
    left = np.floor(cx - hxp).astype(np.int64) - 1
    top = np.floor(cy - hyp).astype(np.int64) - 1
    dx = (left[:, None] + np.arange(pw) + 0.5 - cx[:, None]).astype(np.float32)
    dy = (top[:, None] + np.arange(ph) + 0.5 - cy[:, None]).astype(np.float32)
    if body.shape == "ball":
        dist = np.sqrt(dx[:, None, :] ** 2 + dy[:, :, None] ** 2)
        alpha = np.clip(hxp + 0.5 - dist, 0.0, 1.0)
    elif body.shape == "triangle":
        base = hyp - dy  # distance above the base
        slope = 2.0 * hyp / hxp
        slant = (dy[:, :, None] + hyp - slope * np.abs(dx[:, None, :])) / math.sqrt(1.0 + slope * slope)
        alpha = np.clip(0.5 + np.minimum(base[:, :, None], slant), 0.0, 1.0)
    else:
        ax = _coverage(-hxp, hxp, dx - 0.5)
        ay = _coverage(-hyp, hyp, dy - 0.5)
        alpha = ay[:, :, None] * ax[:, None, :]
    return alpha.astype(np.float32), top, left, dx, dy


def _sprite_patch(
    ident: Identity, pose: np.ndarray, dx: np.ndarray, dy: np.ndarray, half_w: float, half_h: float
) -> tuple[np.ndarray, np.ndarray]:
    """A character's sprite sampled over patches with 2x2 supersampling: (alpha [T, h, w], premultiplied
    colour [T, h, w, 3])."""
    palette = ident.palette
    cols = ident.poses.shape[2]
    cell_x, cell_y = 2 * half_w / cols, 2 * half_h / SPRITE
    frames, ph, pw = dx.shape[0], dy.shape[1], dx.shape[1]
    alpha = np.zeros((frames, ph, pw), dtype=np.float32)
    colour = np.zeros((frames, ph, pw, 3), dtype=np.float32)
    for oy in (-0.25, 0.25):
        v = np.floor((dy + oy + half_h) / cell_y).astype(np.int64)[:, :, None]
        for ox in (-0.25, 0.25):
            u = np.floor((dx + ox + half_w) / cell_x).astype(np.int64)[:, None, :]
            inside = (u >= 0) & (u < cols) & (v >= 0) & (v < SPRITE)
            cells = ident.poses[pose[:, None, None], np.clip(v, 0, SPRITE - 1), np.clip(u, 0, cols - 1)]
            cells = np.where(inside, cells, 0)
            opaque = (cells > 0).astype(np.float32)
            alpha += 0.25 * opaque
            colour += 0.25 * opaque[..., None] * palette[cells]
    return alpha, colour


def _offsets(scene: Scene, pose: np.ndarray) -> np.ndarray:
    """float [T, N, 2]: world offset from each body's bounding-box centre to its visual centroid per frame."""
    offsets = np.zeros((*pose.shape, 2))
    for n, body in enumerate(scene.bodies):
        if body.shape == "triangle":
            offsets[:, n, 1] = body.half_h / 3.0
        elif body.shape == "character" and body.handle is not None:
            ident = identity(body.handle)
            cells = ident.centroids[pose[:, n]]
            offsets[:, n, 0] = (cells[:, 0] / ident.poses.shape[2] - 0.5) * 2 * body.half_w
            offsets[:, n, 1] = (cells[:, 1] / SPRITE - 0.5) * 2 * body.half_h
    return offsets


def _camera(scene: Scene, frames: int, fps: int) -> np.ndarray:
    return scene.camera_start + scene.camera_speed * (np.arange(frames, dtype=np.float64) / fps)


def _shares(
    scene: Scene, pos: np.ndarray, offsets: np.ndarray, camera: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(occluded share [T, N], visible share [T, N], centroid in view [T, N]) from bounding boxes, in world
    units (so every resolution agrees)."""
    frames, n = pos.shape[:2]
    hw = np.array([b.half_w for b in scene.bodies])
    hh = np.array([b.half_h for b in scene.bodies])
    x0, x1 = pos[..., 0] - hw, pos[..., 0] + hw
    y0, y1 = pos[..., 1] - hh, pos[..., 1] + hh
    area = 4 * hw * hh
    hidden = np.zeros((frames, n))
    for o in scene.occluders:
        ox = np.clip(np.minimum(x1, o.x1) - np.maximum(x0, o.x0), 0, None)
        oy = np.clip(np.minimum(y1, o.y1) - np.maximum(y0, o.y0), 0, None)
        hidden += ox * oy
    occluded_share = hidden / area
    vx0, vx1 = camera[:, None], camera[:, None] + scene.aspect
    fx = np.clip(np.minimum(x1, vx1) - np.maximum(x0, vx0), 0, None)
    fy = np.clip(np.minimum(y1, 1.0) - np.maximum(y0, 0.0), 0, None)
    hidden_in_view = np.zeros((frames, n))
    for o in scene.occluders:
        ox = np.clip(np.minimum(np.minimum(x1, o.x1), vx1) - np.maximum(np.maximum(x0, o.x0), vx0), 0, None)
        oy = np.clip(np.minimum(np.minimum(y1, o.y1), 1.0) - np.maximum(np.maximum(y0, o.y0), 0.0), 0, None)
        hidden_in_view += ox * oy
    visible_share = np.clip((fx * fy - hidden_in_view) / area, 0.0, 1.0)
    cx = pos[..., 0] + offsets[..., 0] - camera[:, None]
    cy = pos[..., 1] + offsets[..., 1]
    in_view = (cx >= 0) & (cx < scene.aspect) & (cy >= 0) & (cy < 1.0)
    return occluded_share, visible_share, in_view


def _render(
    scene: Scene, trace: _Trace, height: int, width: int, fps: int, camera: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(frames uint8 [T, H, W, 3], occluder boxes float32 [T, K, 4])."""
    frames = trace.pos.shape[0]
    s = float(height)
    cam_px = camera * s
    columns = (math.ceil(scene.world_width * s)) + 3
    back = _background(scene, height, columns)
    if scene.camera_speed == 0.0 and float(cam_px[0]).is_integer():
        c0 = int(cam_px[0])
        canvas = np.broadcast_to(back[None, :, c0 : c0 + width, None], (frames, height, width, 3)).copy()
    else:
        base = np.floor(cam_px).astype(np.int64)
        frac = (cam_px - base).astype(np.float32)
        cols = np.clip(base[:, None] + np.arange(width), 0, columns - 2)
        strip = back[:, cols] * (1.0 - frac[None, :, None]) + back[:, cols + 1] * frac[None, :, None]
        canvas = np.repeat(strip.transpose(1, 0, 2)[..., None], 3, axis=-1)

    for index, body in enumerate(scene.bodies):
        cx = trace.pos[:, index, 0] * s - cam_px
        cy = trace.pos[:, index, 1] * s
        alpha, top, left, dx, dy = _body_alpha(body, cx, cy, s)
        if body.shape == "character" and body.handle is not None:
            sprite_alpha, colour = _sprite_patch(
                identity(body.handle), trace.pose[:, index], dx, dy, body.half_w * s, body.half_h * s
            )
            _paint(canvas, sprite_alpha, colour, top, left)
        else:
            _paint(canvas, alpha, np.array(COLOURS[body.colour], dtype=np.float32), top, left)

    rows = np.arange(height, dtype=np.float32)
    px = np.arange(width, dtype=np.float32)
    boxes = np.zeros((frames, len(scene.occluders), 4), dtype=np.float32)
    for k, o in enumerate(scene.occluders):
        x0 = o.x0 * s - cam_px
        x1 = o.x1 * s - cam_px
        y0, y1 = o.y0 * s, o.y1 * s
        boxes[:, k] = np.stack([x0, np.full(frames, y0), x1, np.full(frames, y1)], axis=1)
        if x1.max() <= 0 or x0.min() >= width:
            continue
        c0 = max(0, (math.floor(x0.min())))
        c1 = min(width, (math.ceil(x1.max())) + 1)
        sub = px[c0:c1]
        rim = max(0.8, 0.014 * s)
        ax = _coverage(x0[:, None], x1[:, None], sub[None, :])
        ax_in = _coverage(x0[:, None] + rim, x1[:, None] - rim, sub[None, :])
        ay = _coverage(y0, y1, rows)
        ay_in = _coverage(y0 + (rim if o.y0 > 0 else 0.0), y1, rows)
        stripes = 7.0 * ((np.floor((rows + 0.5) / s / 0.08) % 2) == 1)
        outer = ay[None, :, None] * ax[:, None, :]
        inner = ay_in[None, :, None] * ax_in[:, None, :]
        face = (float(o.tone) + stripes)[None, :, None]
        rim_tone = float(o.tone) - 45.0
        shade = rim_tone * (outer - inner) + face * inner
        region = canvas[:, :, c0:c1]
        canvas[:, :, c0:c1] = region * (1.0 - outer[..., None]) + shade[..., None]
    return np.clip(canvas + 0.5, 0, 255).astype(np.uint8), boxes
