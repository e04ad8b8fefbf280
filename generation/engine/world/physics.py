"""The simulation of a scene: gravity, floor bounces, friction, collisions between bodies, the walls at the
room's ends and a character's walking and jumping, in fixed substeps. ``_simulate`` records every body in
every frame and the events the captions tell (``_Trace``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from generation.engine.world.scene import Scene

SUBSTEP_RATE = 120  # physics steps per second, rounded to a whole number per frame
REST_SPEED = 0.12  # impacts slower than this do not bounce (units/s)
MIN_BOUNCE = 0.02  # a rebound counts as a bounce when its apex is at least this high (units)
HIT_SPEED = 0.12  # object-object impacts faster than this are events for the captions


@dataclass
class _Trace:
    pos: np.ndarray  # float64 [T, N, 2]: bounding box centres, world units
    vel: np.ndarray  # float64 [T, N, 2]: units/s
    free: np.ndarray  # bool [T, N]
    pose: np.ndarray  # int8 [T, N]: sprite pose per frame (characters)
    bounces: list[int]
    impacts: list[int]  # significant floor impacts (landings and bounces)
    landed_on: list[int | None]  # first significant support: -1 the floor, j another body, None never
    hits: dict[tuple[int, int], float]  # first significant impact time per pair (i < j)
    walls: list[bool]
    stopped: list[bool]  # a moving body came to a halt (horizontally) before the end
    jumps: list[int]
    jumped_over: list[list[int]]
    pushes: dict[int, int]  # body -> the character that pushed it first


def _simulate(scene: Scene, frames: int, fps: int) -> _Trace:
    bodies = scene.bodies
    n = len(bodies)
    sub = max(1, round(SUBSTEP_RATE / fps))
    dt = 1.0 / (fps * sub)
    g = scene.gravity
    floor = scene.floor
    left, right = scene.wall, scene.world_width - scene.wall
    x = [b.x for b in bodies]
    y = [b.y for b in bodies]
    vx = [b.vx for b in bodies]
    vy = [b.vy for b in bodies]
    hx = [b.half_w for b in bodies]
    hy = [b.half_h for b in bodies]
    ball = [b.shape == "ball" for b in bodies]
    char = [b.shape == "character" for b in bodies]
    inv = [1.0 / b.mass for b in bodies]
    rest = [b.restitution for b in bodies]
    mu = [b.friction for b in bodies]
    walk = [b.walk_speed for b in bodies]
    walk_to = [b.walk_to for b in bodies]
    jump_x = [list(b.jump_at_x) for b in bodies]
    jump_t = [list(b.jump_times) for b in bodies]
    vj = [b.jump_speed for b in bodies]
    chars = [i for i in range(n) if char[i]]
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    grounded = [y[i] + hy[i] >= floor - 1e-9 for i in range(n)]
    touched = [grounded[i] for i in range(n)]
    for i in chars:  # a character's own push counts as a contact
        vx[i] = walk[i]
    moved_before = [abs(vx[i]) > 1e-6 for i in range(n)]

    trace = _Trace(
        pos=np.zeros((frames, n, 2)),
        vel=np.zeros((frames, n, 2)),
        free=np.zeros((frames, n), dtype=bool),
        pose=np.zeros((frames, n), dtype=np.int8),
        bounces=[0] * n,
        impacts=[0] * n,
        landed_on=[None] * n,
        hits={},
        walls=[False] * n,
        stopped=[False] * n,
        jumps=[0] * n,
        jumped_over=[[] for _ in range(n)],
        pushes={},
    )
    bounce_v2 = 2 * g * MIN_BOUNCE
    walked = [0.0] * n
    t = 0.0

    def record(k: int) -> None:
        for i in range(n):
            trace.pos[k, i] = x[i], y[i]
            trace.vel[k, i] = vx[i], vy[i]
            trace.free[k, i] = not touched[i]
            touched[i] = False
            if char[i]:
                if not grounded[i]:
                    trace.pose[k, i] = 2
                elif walk[i]:
                    trace.pose[k, i] = int(walked[i] / (0.45 * hy[i])) % 2
            if moved_before[i] and abs(vx[i]) < 1e-6 and grounded[i]:
                trace.stopped[i] = True
            if abs(vx[i]) > 1e-6:
                moved_before[i] = True
                trace.stopped[i] = False

    def collide(i: int, j: int) -> None:
        dx = x[i] - x[j]
        dy = y[i] - y[j]
        if abs(dx) >= hx[i] + hx[j] or abs(dy) >= hy[i] + hy[j]:
            return
        if ball[i] and ball[j]:
            reach = hx[i] + hx[j]
            dist2 = dx * dx + dy * dy
            if dist2 >= reach * reach:
                return
            dist = math.sqrt(dist2)
            if dist < 1e-9:
                nx, ny, pen = 0.0, -1.0, reach
            else:
                nx, ny, pen = dx / dist, dy / dist, reach - dist
        elif ball[i] or ball[j]:
            c, b, sign = (i, j, 1.0) if ball[i] else (j, i, -1.0)
            qx = min(max(x[c], x[b] - hx[b]), x[b] + hx[b])
            qy = min(max(y[c], y[b] - hy[b]), y[b] + hy[b])
            ddx, ddy = x[c] - qx, y[c] - qy
            d2 = ddx * ddx + ddy * ddy
            r = hx[c]
            if d2 > 1e-18:
                if d2 >= r * r:
                    return
                d = math.sqrt(d2)
                nx, ny, pen = ddx / d, ddy / d, r - d
            else:
                ox = hx[b] + r - abs(x[c] - x[b])
                oy = hy[b] + r - abs(y[c] - y[b])
                if ox < oy:
                    nx, ny, pen = (1.0 if x[c] >= x[b] else -1.0), 0.0, ox
                else:
                    nx, ny, pen = 0.0, (1.0 if y[c] >= y[b] else -1.0), oy
            nx, ny = nx * sign, ny * sign
        else:
            ox = hx[i] + hx[j] - abs(dx)
            oy = hy[i] + hy[j] - abs(dy)
            if ox < oy:
                nx, ny, pen = (1.0 if dx >= 0 else -1.0), 0.0, ox
            else:
                nx, ny, pen = 0.0, (1.0 if dy >= 0 else -1.0), oy
        wi, wj = inv[i], inv[j]
        # A body standing on the floor does not give way under one that lands or stands on it.
        if ny < -0.7 and y[j] + hy[j] >= floor - 1e-6:
            wj = 0.0
        elif ny > 0.7 and y[i] + hy[i] >= floor - 1e-6:
            wi = 0.0
        ws = wi + wj
        shift = pen / ws
        x[i] += nx * shift * wi
        y[i] += ny * shift * wi
        x[j] -= nx * shift * wj
        y[j] -= ny * shift * wj
        vn = (vx[i] - vx[j]) * nx + (vy[i] - vy[j]) * ny
        if vn < 0:
            e = min(rest[i], rest[j]) if -vn > REST_SPEED else 0.0
            impulse = -(1.0 + e) * vn / ws
            vx[i] += impulse * wi * nx
            vy[i] += impulse * wi * ny
            vx[j] -= impulse * wj * nx
            vy[j] -= impulse * wj * ny
            if -vn > HIT_SPEED:
                trace.hits.setdefault((i, j), t)
                if char[i] and not char[j]:
                    trace.pushes.setdefault(j, i)
                elif char[j] and not char[i]:
                    trace.pushes.setdefault(i, j)
            top, under = (i, j) if ny < -0.7 else (j, i) if ny > 0.7 else (-1, -1)
            if top >= 0 and -vn > REST_SPEED and trace.landed_on[top] is None and not char[top]:
                trace.landed_on[top] = under
        touched[i] = touched[j] = True
        if ny < -0.7 or ny > 0.7:
            top, under = (i, j) if ny < -0.7 else (j, i)
            grounded[top] = True
            # Friction between a body and the one it stands on.
            rel = vx[top] - vx[under]
            step = 0.5 * (mu[top] + mu[under]) * g * dt
            change = max(-step, min(step, rel))
            w_top, w_under = (wi, wj) if top == i else (wj, wi)
            vx[top] -= change * w_top / ws
            vx[under] += change * w_under / ws

    for k in range(frames):
        if k == 0:
            record(0)
            continue
        for _ in range(sub):
            t += dt
            for i in chars:
                if walk[i]:
                    target = walk_to[i]
                    if target is not None and (x[i] - target) * walk[i] >= 0:
                        walk[i] = 0.0
                        trace.stopped[i] = True
                if grounded[i]:
                    jump = False
                    if jump_t[i] and t >= jump_t[i][0]:
                        jump_t[i].pop(0)
                        jump = True
                    if jump_x[i] and walk[i] and (x[i] - jump_x[i][0]) * walk[i] >= 0:
                        jump_x[i].pop(0)
                        jump = True
                    if jump:
                        vy[i] = -vj[i]
                        trace.jumps[i] += 1
                        touched[i] = True
                if vx[i] != walk[i]:
                    vx[i] = walk[i]
                    touched[i] = True
                walked[i] += abs(walk[i]) * dt
            for i in range(n):
                vy[i] += g * dt
                x[i] += vx[i] * dt
                y[i] += vy[i] * dt
                grounded[i] = False
            for i, j in pairs:
                collide(i, j)
            for i in range(n):
                if y[i] + hy[i] >= floor:
                    y[i] = floor - hy[i]
                    incoming = vy[i]
                    if incoming > 0:
                        out = incoming * rest[i]
                        if not char[i] and out * out >= bounce_v2:
                            vy[i] = -out
                            trace.bounces[i] += 1
                        else:
                            vy[i] = 0.0
                        if incoming > REST_SPEED:
                            trace.impacts[i] += 1
                            if trace.landed_on[i] is None:
                                trace.landed_on[i] = -1
                    touched[i] = grounded[i] = True
                    if vy[i] == 0.0 and not char[i] and vx[i]:
                        step = mu[i] * g * dt
                        vx[i] = 0.0 if abs(vx[i]) <= step else vx[i] - math.copysign(step, vx[i])
                if x[i] - hx[i] < left:
                    x[i] = left + hx[i]
                    if vx[i] < 0:
                        trace.walls[i] = trace.walls[i] or vx[i] < -REST_SPEED
                        vx[i] = 0.0 if char[i] or -vx[i] * rest[i] < REST_SPEED else -vx[i] * rest[i]
                        if char[i]:
                            walk[i] = 0.0
                    touched[i] = True
                elif x[i] + hx[i] > right:
                    x[i] = right - hx[i]
                    if vx[i] > 0:
                        trace.walls[i] = trace.walls[i] or vx[i] > REST_SPEED
                        vx[i] = 0.0 if char[i] or vx[i] * rest[i] < REST_SPEED else -vx[i] * rest[i]
                        if char[i]:
                            walk[i] = 0.0
                    touched[i] = True
            # A character cannot walk through an object that is pinned against a wall: it stops.
            for i in chars:
                for j in range(n):
                    if j == i or char[j]:
                        continue
                    ox = hx[i] + hx[j] - abs(x[i] - x[j])
                    oy = hy[i] + hy[j] - abs(y[i] - y[j])
                    pinned = x[j] - hx[j] <= left + 1e-6 or x[j] + hx[j] >= right - 1e-6
                    if ox > 1e-4 and oy > 1e-4 and ox < oy and pinned:
                        x[i] += ox if x[i] > x[j] else -ox
                        walk[i] = vx[i] = 0.0
                        touched[i] = True
            # Jumping over: crossing an object's centre while airborne and above it.
            for i in chars:
                if grounded[i] or not walk[i]:
                    continue
                before = x[i] - walk[i] * dt
                for j in range(n):
                    if (
                        j != i
                        and (before - x[j]) * (x[i] - x[j]) <= 0
                        and y[i] + hy[i] <= y[j] - hy[j] + 1e-3
                        and j not in trace.jumped_over[i]
                    ):
                        trace.jumped_over[i].append(j)
        record(k)
    return trace
