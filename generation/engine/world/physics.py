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
    """Simulates ``scene`` for ``frames`` frames at ``fps``: every body in every frame, and the events."""
    world = _World(scene, frames, fps)
    for k in range(frames):
        if k > 0:
            for _ in range(world.sub):
                world.substep()
        world.record(k)
    return world.trace


def _push_out(ox: float, oy: float, ahead_x: bool, ahead_y: bool) -> tuple[float, float, float]:
    """(nx, ny, depth) along the axis of the smaller overlap, signed by ``ahead_x`` or ``ahead_y``."""
    if ox < oy:
        return (1.0 if ahead_x else -1.0), 0.0, ox
    return 0.0, (1.0 if ahead_y else -1.0), oy


class _World:
    """A scene's bodies in motion, in world units: their state substep by substep, and the trace of it."""

    def __init__(self, scene: Scene, frames: int, fps: int) -> None:
        bodies = scene.bodies
        n = self.n = len(bodies)
        self.sub = max(1, round(SUBSTEP_RATE / fps))
        self.dt = 1.0 / (fps * self.sub)
        self.g = scene.gravity
        self.floor = scene.floor
        self.left, self.right = scene.wall, scene.world_width - scene.wall
        self.x = [b.x for b in bodies]
        self.y = [b.y for b in bodies]
        self.vx = [b.vx for b in bodies]
        self.vy = [b.vy for b in bodies]
        self.hx = [b.half_w for b in bodies]
        self.hy = [b.half_h for b in bodies]
        self.ball = [b.shape == "ball" for b in bodies]
        self.char = [b.shape == "character" for b in bodies]
        self.inv = [1.0 / b.mass for b in bodies]
        self.rest = [b.restitution for b in bodies]
        self.mu = [b.friction for b in bodies]
        self.walk = [b.walk_speed for b in bodies]
        self.walk_to = [b.walk_to for b in bodies]
        self.jump_x = [list(b.jump_at_x) for b in bodies]
        self.jump_t = [list(b.jump_times) for b in bodies]
        self.vj = [b.jump_speed for b in bodies]
        self.chars = [i for i in range(n) if self.char[i]]
        self.pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
        self.grounded = [self.y[i] + self.hy[i] >= self.floor - 1e-9 for i in range(n)]
        self.touched = [self.grounded[i] for i in range(n)]
        for i in self.chars:  # a character's own push counts as a contact
            self.vx[i] = self.walk[i]
        self.moved_before = [abs(self.vx[i]) > 1e-6 for i in range(n)]
        self.trace = _Trace(
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
        self.bounce_v2 = 2 * self.g * MIN_BOUNCE
        self.walked = [0.0] * n
        self.t = 0.0

    def record(self, k: int) -> None:
        """Writes every body's state into frame ``k`` of the trace and starts the next frame's contacts."""
        trace, vx, grounded = self.trace, self.vx, self.grounded
        for i in range(self.n):
            trace.pos[k, i] = self.x[i], self.y[i]
            trace.vel[k, i] = vx[i], self.vy[i]
            trace.free[k, i] = not self.touched[i]
            self.touched[i] = False
            if self.char[i]:
                if not grounded[i]:
                    trace.pose[k, i] = 2
                elif self.walk[i]:
                    trace.pose[k, i] = int(self.walked[i] / (0.45 * self.hy[i])) % 2
            if self.moved_before[i] and abs(vx[i]) < 1e-6 and grounded[i]:
                trace.stopped[i] = True
            if abs(vx[i]) > 1e-6:
                self.moved_before[i] = True
                trace.stopped[i] = False

    def substep(self) -> None:
        """Advances one substep: plans, motion, collisions, floor, walls, pinned objects, jumps over."""
        self.t += self.dt
        for i in self.chars:
            self.drive(i)
        self.move()
        for i, j in self.pairs:
            self.collide(i, j)
        for i in range(self.n):
            if self.y[i] + self.hy[i] >= self.floor:
                self.land(i)
            self.hit_walls(i)
        # A character cannot walk through an object that is pinned against a wall: it stops.
        for i in self.chars:
            self.stop_at_pinned(i)
        for i in self.chars:
            self.note_jumps_over(i)

    def drive(self, i: int) -> None:
        """Character ``i``'s walk (stopping at its goal) and its planned jumps."""
        walk, x = self.walk, self.x
        if walk[i]:
            target = self.walk_to[i]
            if target is not None and (x[i] - target) * walk[i] >= 0:
                walk[i] = 0.0
                self.trace.stopped[i] = True
        if self.grounded[i] and self.takes_off(i):
            self.vy[i] = -self.vj[i]
            self.trace.jumps[i] += 1
            self.touched[i] = True
        if self.vx[i] != walk[i]:
            self.vx[i] = walk[i]
            self.touched[i] = True
        self.walked[i] += abs(walk[i]) * self.dt

    def takes_off(self, i: int) -> bool:
        """Whether grounded character ``i`` reaches a planned jump's time or place now (using it up)."""
        jump_t, jump_x, walk = self.jump_t[i], self.jump_x[i], self.walk[i]
        jump = False
        if jump_t and self.t >= jump_t[0]:
            jump_t.pop(0)
            jump = True
        if jump_x and walk and (self.x[i] - jump_x[0]) * walk >= 0:
            jump_x.pop(0)
            jump = True
        return jump

    def move(self) -> None:
        """Gravity and motion over one substep; nothing is grounded until a contact says so."""
        x, y, vx, vy, dt = self.x, self.y, self.vx, self.vy, self.dt
        for i in range(self.n):
            vy[i] += self.g * dt
            x[i] += vx[i] * dt
            y[i] += vy[i] * dt
            self.grounded[i] = False

    def collide(self, i: int, j: int) -> None:
        """Separates bodies ``i`` and ``j`` if they overlap, with their impact and friction."""
        contact = self.contact(i, j)
        if contact is not None:
            self.resolve(i, j, *contact)

    def contact(self, i: int, j: int) -> tuple[float, float, float] | None:
        """(nx, ny, depth) of the overlap of bodies ``i`` and ``j`` (normal towards ``i``), or None."""
        x, y, hx, hy = self.x, self.y, self.hx, self.hy
        dx = x[i] - x[j]
        dy = y[i] - y[j]
        if abs(dx) >= hx[i] + hx[j] or abs(dy) >= hy[i] + hy[j]:
            return None
        if self.ball[i] and self.ball[j]:
            return self.balls_contact(i, j, dx, dy)
        if self.ball[i] or self.ball[j]:
            return self.ball_box_contact(i, j)
        return _push_out(hx[i] + hx[j] - abs(dx), hy[i] + hy[j] - abs(dy), dx >= 0, dy >= 0)

    def balls_contact(self, i: int, j: int, dx: float, dy: float) -> tuple[float, float, float] | None:
        """The contact of two balls ``dx``, ``dy`` apart, or None."""
        reach = self.hx[i] + self.hx[j]
        dist2 = dx * dx + dy * dy
        if dist2 >= reach * reach:
            return None
        dist = math.sqrt(dist2)
        if dist < 1e-9:
            return 0.0, -1.0, reach
        return dx / dist, dy / dist, reach - dist

    def ball_box_contact(self, i: int, j: int) -> tuple[float, float, float] | None:
        """The contact of a ball and a box (either way round), or None."""
        x, y, hx, hy = self.x, self.y, self.hx, self.hy
        c, b, sign = (i, j, 1.0) if self.ball[i] else (j, i, -1.0)
        qx = min(max(x[c], x[b] - hx[b]), x[b] + hx[b])
        qy = min(max(y[c], y[b] - hy[b]), y[b] + hy[b])
        ddx, ddy = x[c] - qx, y[c] - qy
        d2 = ddx * ddx + ddy * ddy
        r = hx[c]
        if d2 > 1e-18:
            if d2 >= r * r:
                return None
            d = math.sqrt(d2)
            nx, ny, pen = ddx / d, ddy / d, r - d
        else:
            ox = hx[b] + r - abs(x[c] - x[b])
            oy = hy[b] + r - abs(y[c] - y[b])
            nx, ny, pen = _push_out(ox, oy, x[c] >= x[b], y[c] >= y[b])
        return nx * sign, ny * sign, pen

    def resolve(self, i: int, j: int, nx: float, ny: float, pen: float) -> None:
        """Pushes overlapping bodies ``i`` and ``j`` apart along ``(nx, ny)``, with impact and friction."""
        x, y, hy, floor = self.x, self.y, self.hy, self.floor
        wi, wj = self.inv[i], self.inv[j]
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
        vn = (self.vx[i] - self.vx[j]) * nx + (self.vy[i] - self.vy[j]) * ny
        if vn < 0:
            self.impact(i, j, nx, ny, vn, wi, wj)
        self.touched[i] = self.touched[j] = True
        if ny < -0.7 or ny > 0.7:
            self.rub(i, j, ny, wi, wj)

    def impact(self, i: int, j: int, nx: float, ny: float, vn: float, wi: float, wj: float) -> None:
        """The impulse of bodies ``i`` and ``j`` closing at ``vn``, and the hit, push or landing it makes."""
        vx, vy, trace = self.vx, self.vy, self.trace
        ws = wi + wj
        e = min(self.rest[i], self.rest[j]) if -vn > REST_SPEED else 0.0
        impulse = -(1.0 + e) * vn / ws
        vx[i] += impulse * wi * nx
        vy[i] += impulse * wi * ny
        vx[j] -= impulse * wj * nx
        vy[j] -= impulse * wj * ny
        if -vn > HIT_SPEED:
            self.note_hit(i, j)
        top, under = (i, j) if ny < -0.7 else (j, i) if ny > 0.7 else (-1, -1)
        if top >= 0 and -vn > REST_SPEED and trace.landed_on[top] is None and not self.char[top]:
            trace.landed_on[top] = under

    def note_hit(self, i: int, j: int) -> None:
        """Records the first significant impact of ``i`` and ``j``, and a push when a character made it."""
        trace, char = self.trace, self.char
        trace.hits.setdefault((i, j), self.t)
        if char[i] and not char[j]:
            trace.pushes.setdefault(j, i)
        elif char[j] and not char[i]:
            trace.pushes.setdefault(i, j)

    def rub(self, i: int, j: int, ny: float, wi: float, wj: float) -> None:
        """Friction between a body and the one it stands on (the upper is grounded)."""
        vx = self.vx
        ws = wi + wj
        top, under = (i, j) if ny < -0.7 else (j, i)
        self.grounded[top] = True
        rel = vx[top] - vx[under]
        step = 0.5 * (self.mu[top] + self.mu[under]) * self.g * self.dt
        change = max(-step, min(step, rel))
        w_top, w_under = (wi, wj) if top == i else (wj, wi)
        vx[top] -= change * w_top / ws
        vx[under] += change * w_under / ws

    def land(self, i: int) -> None:
        """Body ``i`` at or below the floor: on it, bouncing or stopping, with the floor's friction."""
        trace, vx, vy = self.trace, self.vx, self.vy
        self.y[i] = self.floor - self.hy[i]
        incoming = vy[i]
        if incoming > 0:
            out = incoming * self.rest[i]
            if not self.char[i] and out * out >= self.bounce_v2:
                vy[i] = -out
                trace.bounces[i] += 1
            else:
                vy[i] = 0.0
            if incoming > REST_SPEED:
                trace.impacts[i] += 1
                if trace.landed_on[i] is None:
                    trace.landed_on[i] = -1
        self.touched[i] = self.grounded[i] = True
        if vy[i] == 0.0 and not self.char[i] and vx[i]:
            step = self.mu[i] * self.g * self.dt
            vx[i] = 0.0 if abs(vx[i]) <= step else vx[i] - math.copysign(step, vx[i])

    def hit_walls(self, i: int) -> None:
        """Keeps body ``i`` inside the room's walls: it rebounds, or stops (a character stops walking)."""
        x, vx, hx, rest, char = self.x, self.vx, self.hx, self.rest, self.char
        trace = self.trace
        if x[i] - hx[i] < self.left:
            x[i] = self.left + hx[i]
            if vx[i] < 0:
                trace.walls[i] = trace.walls[i] or vx[i] < -REST_SPEED
                vx[i] = 0.0 if char[i] or -vx[i] * rest[i] < REST_SPEED else -vx[i] * rest[i]
                if char[i]:
                    self.walk[i] = 0.0
            self.touched[i] = True
        elif x[i] + hx[i] > self.right:
            x[i] = self.right - hx[i]
            if vx[i] > 0:
                trace.walls[i] = trace.walls[i] or vx[i] > REST_SPEED
                vx[i] = 0.0 if char[i] or vx[i] * rest[i] < REST_SPEED else -vx[i] * rest[i]
                if char[i]:
                    self.walk[i] = 0.0
            self.touched[i] = True

    def stop_at_pinned(self, i: int) -> None:
        """Character ``i`` stops at an object pinned against a wall, out of it, instead of walking through."""
        x, y, hx, hy = self.x, self.y, self.hx, self.hy
        for j in range(self.n):
            if j == i or self.char[j]:
                continue
            ox = hx[i] + hx[j] - abs(x[i] - x[j])
            oy = hy[i] + hy[j] - abs(y[i] - y[j])
            pinned = x[j] - hx[j] <= self.left + 1e-6 or x[j] + hx[j] >= self.right - 1e-6
            if ox > 1e-4 and oy > 1e-4 and ox < oy and pinned:
                x[i] += ox if x[i] > x[j] else -ox
                self.walk[i] = self.vx[i] = 0.0
                self.touched[i] = True

    def note_jumps_over(self, i: int) -> None:
        """Records the objects airborne walking character ``i`` crossed the centre of while above them."""
        if self.grounded[i] or not self.walk[i]:
            return
        x, y, hy = self.x, self.y, self.hy
        jumped_over = self.trace.jumped_over[i]
        before = x[i] - self.walk[i] * self.dt
        for j in range(self.n):
            if (
                j != i
                and (before - x[j]) * (x[i] - x[j]) <= 0
                and y[i] + hy[i] <= y[j] - hy[j] + 1e-3
                and j not in jumped_over
            ):
                jumped_over.append(j)
