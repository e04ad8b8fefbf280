"""What decides a clip, in world units (see the package's docstring): the bodies, the occluders, the room
and the camera (``Scene``), and random scenes (``make_scene``) in which objects drop, get tossed, slide or
rest, and a character walks, jumps or jumps over a block.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from generation.engine.world.palette import (
    _SPLIT_CODE,
    COLOURS,
    HELDOUT_IDENTITIES,
    HELDOUT_PAIRS,
    IDENTITIES,
    SHAPES,
    SPLITS,
)
from generation.engine.world.sprites import identity

GRAVITY = 2.0  # units/s²: a drop of 0.65 units (top of the view to the floor) takes 0.8 s
WALL = 0.035  # thickness of the walls at the room's ends
MAX_SLIDE = 1.2  # units/s: the fastest slide (or roll) make_scene starts
# The range of half-extents (a ball's radius) of the objects that drop, are tossed, slide or rest (units); the
# block a character jumps over and the object it pushes have their own.
OBJECT_HALF: tuple[float, float] = (0.055, 0.085)


@dataclass
class Body:
    """One simulated entity, in world units (x right, y down; ``x, y`` is its bounding box's centre)."""

    shape: str  # a SHAPES entry or "character"
    colour: str
    x: float
    y: float
    half_w: float
    half_h: float
    vx: float = 0.0
    vy: float = 0.0
    restitution: float = 0.5
    friction: float = 0.3
    motion: str = "rest"  # the scenario's intent: drop, toss, slide, rest, walk, jump, jump_over
    handle: str | None = None
    # Characters only: they walk at a set speed (kinematic horizontally) and jump with ``jump_speed``.
    walk_speed: float = 0.0  # signed units/s
    walk_to: float | None = None  # stop walking on reaching this x
    jump_at_x: tuple[float, ...] = ()  # jump on reaching these x (while walking)
    jump_times: tuple[float, ...] = ()  # jump at these times (s)
    jump_speed: float = 0.0

    @property
    def mass(self) -> float:
        area = 4.0 * self.half_w * self.half_h
        if self.shape == "ball":
            area *= math.pi / 4.0
        elif self.shape == "triangle":
            area *= 0.5
        elif self.shape == "character":
            area *= 6.0  # heavy: it pushes objects rather than being pushed
        return area


@dataclass(frozen=True)
class Occluder:
    """A foreground bar drawn over everything: a full-height pillar or a low wall standing on the floor."""

    x0: float
    x1: float
    y0: float
    y1: float
    tone: int  # grey level of its face
    kind: str  # "pillar" or "wall"


@dataclass
class Scene:
    """Everything that decides a clip, in world units. ``render_scene`` turns it into a ``WorldClip``."""

    aspect: float  # view width / height
    seconds: float
    world_width: float
    floor: float  # the floor's top edge (y)
    bodies: list[Body]
    occluders: list[Occluder] = field(default_factory=list)
    camera_start: float = 0.0  # the view's left edge at t = 0
    camera_speed: float = 0.0  # units/s, positive: the camera pans right
    gravity: float = GRAVITY
    wall: float = WALL
    background_tone: int = 86
    panel_width: float = 0.25
    floor_tone: int = 50
    tile_width: float = 0.16
    wall_tone: int = 122
    reference_variant: int = 0
    follow: bool = False  # the pan follows the character
    seed: int = 0
    split: str = "train"


# ------------------------------------------------------------------------------------------------------------
# Scene generation
# ------------------------------------------------------------------------------------------------------------


def make_scene(seed: int, *, aspect: float, seconds: float, split: str = "train", attempt: int = 0) -> Scene:
    """A random scene for a view ``aspect`` (width / height) wide and ``seconds`` long. Deterministic in all
    arguments; ``attempt`` draws an alternative (``make_clip`` retries when something would stay hidden)."""
    if split not in _SPLIT_CODE:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, _SPLIT_CODE[split], attempt])
    view = float(aspect)
    floor = float(rng.uniform(0.8, 0.88))
    bodies: list[Body] = []

    # The character and its plan.
    character: Body | None = None
    mode = ""
    if rng.random() < 0.4:
        pool = sorted(HELDOUT_IDENTITIES if split == "heldout" else set(IDENTITIES) - HELDOUT_IDENTITIES)
        handle = pool[int(rng.integers(len(pool)))]
        ident = identity(handle)
        half_h = float(rng.uniform(0.1, 0.125))
        character = Body(
            shape="character",
            colour=ident.body,
            x=0.0,
            y=floor - half_h,
            half_w=half_h * ident.aspect,
            half_h=half_h,
            handle=handle,
            restitution=0.0,
            friction=0.0,
        )
        mode = str(rng.choice(["walk", "jump", "jump_over"], p=[0.35, 0.25, 0.4]))
        character.motion = mode

    # The camera.
    pan = rng.random() < 0.3
    follow = pan and character is not None and mode == "walk" and rng.random() < 0.5
    direction = 1.0 if rng.random() < 0.5 else -1.0
    if follow:
        speed = direction * float(rng.uniform(0.15, 0.3))
    elif pan:
        speed = direction * float(rng.uniform(0.25, 0.7)) / seconds
    else:
        speed = 0.0
    distance = abs(speed) * seconds
    world = view + distance
    camera_start = 0.0 if speed >= 0 else distance
    left, right = WALL, world - WALL

    # Floor intervals already taken by things standing on (or falling to) the floor, the character's path
    # included, so that nothing lands on the character or stands in its way unless the scene wants it to.
    taken: list[tuple[float, float]] = []

    def free_x(half: float, lo: float, hi: float, tries: int = 40) -> float | None:
        lo, hi = max(lo, left + half + 0.01), min(hi, right - half - 0.01)
        if hi <= lo:
            return None
        for _ in range(tries):
            x = float(rng.uniform(lo, hi))
            if all(x + half + 0.04 < a or x - half - 0.04 > b for a, b in taken):
                return x
        return None

    # Objects: roles first, then shapes and colours under the split's rules. A "block" is what the character
    # jumps over, a "pushed" object stands in a walking character's way.
    push = character is not None and mode == "walk" and not follow and rng.random() < 0.35
    roles: list[str] = []
    if character is not None and mode == "jump_over":
        roles.append("block")
    if push:
        roles.append("pushed")
    count = int(rng.choice([1, 2, 3, 4], p=[0.2, 0.35, 0.3, 0.15]))
    capacity = max(1, int((world - 2 * WALL - (0.25 if character is not None else 0.0)) / 0.2))
    count = max(len(roles), min(count, capacity, 4))
    while len(roles) < count:
        lone = count == 1 and character is None  # a clip of one object sitting still shows nothing
        weights = [0.42, 0.2, 0.38, 0.0] if lone else [0.35, 0.15, 0.32, 0.18]
        roles.append(str(rng.choice(["drop", "toss", "slide", "rest"], p=weights)))
    if character is None and all(role == "rest" for role in roles):  # something has to happen
        roles[int(rng.integers(count))] = str(rng.choice(["drop", "slide"]))
    fits = {"block": ("box",), "pushed": ("box", "ball")}
    shapes = [str(rng.choice(fits.get(role, SHAPES))) for role in roles]
    colours: list[str] = [""] * count
    if split == "heldout":  # one object (whose role allows it) shows a held-out pair
        hosts = [i for i in range(count) if any(p[1] in fits.get(roles[i], SHAPES) for p in HELDOUT_PAIRS)]
        k = hosts[int(rng.integers(len(hosts)))]
        options = sorted(p for p in HELDOUT_PAIRS if p[1] in fits.get(roles[k], SHAPES))
        colours[k], shapes[k] = options[int(rng.integers(len(options)))]
    for i in range(count):
        if colours[i]:
            continue
        allowed = [
            c
            for c in COLOURS
            if c not in colours and (split == "heldout" or (c, shapes[i]) not in HELDOUT_PAIRS)
        ]
        colours[i] = allowed[int(rng.integers(len(allowed)))]

    def new_object(i: int, x: float, half: float) -> Body:
        shape = shapes[i]
        if shape == "ball":
            restitution, friction = float(rng.uniform(0.55, 0.75)), float(rng.uniform(0.03, 0.07))
        elif shape == "box":
            restitution, friction = float(rng.uniform(0.2, 0.4)), float(rng.uniform(0.3, 0.5))
        else:
            restitution, friction = float(rng.uniform(0.25, 0.45)), float(rng.uniform(0.35, 0.55))
        return Body(
            shape=shape,
            colour=colours[i],
            x=x,
            y=floor - half,
            half_w=half,
            half_h=half,
            restitution=restitution,
            friction=friction,
            motion="rest" if roles[i] in ("block", "pushed") else roles[i],
        )

    # Lay out the character (and its block) first: they need the most room.
    if character is not None:
        half = character.half_w
        walk_dir = direction if follow else (1.0 if rng.random() < 0.5 else -1.0)
        if mode == "walk":
            vc = abs(speed) if follow else float(rng.uniform(0.2, 0.4))
            if follow:
                x0 = camera_start + view * (0.35 if walk_dir > 0 else 0.65)
                walk_to = None
            else:
                lo, hi = left + half + 0.02, right - half - 0.02
                x0 = (
                    float(rng.uniform(lo, lo + 0.3 * (hi - lo)))
                    if walk_dir > 0
                    else float(rng.uniform(hi - 0.3 * (hi - lo), hi))
                )
                reach = min(
                    vc * seconds * float(rng.uniform(0.6, 1.2)), (hi - x0) if walk_dir > 0 else (x0 - lo)
                )
                walk_to = x0 + walk_dir * reach
            character.x, character.walk_speed, character.walk_to = x0, walk_dir * vc, walk_to
            end = x0 if walk_to is None else walk_to
            taken.append((min(x0, end) - half, max(x0, end) + half))
            if push:
                i = roles.index("pushed")
                size = float(rng.uniform(0.055, 0.075))
                gap = float(rng.uniform(0.03, max(0.04, 0.5 * (reach - 2 * half - 2 * size))))
                bodies.append(new_object(i, x0 + walk_dir * (half + size + gap), size))
        elif mode == "jump":
            x0 = free_x(half, left, right) or (left + right) / 2
            apex = float(rng.uniform(0.12, 0.25))
            vj = math.sqrt(2 * GRAVITY * apex)
            flight = 2 * vj / GRAVITY
            jumps = int(rng.integers(1, 4))
            t, times = float(rng.uniform(0.1, 0.5)), []
            for _ in range(jumps):
                times.append(t)
                t += flight + float(rng.uniform(0.15, 0.5))
            character.x, character.jump_speed, character.jump_times = x0, vj, tuple(times)
            taken.append((x0 - half, x0 + half))
        else:  # jump over a block
            vc = float(rng.uniform(0.3, 0.45))
            block_half = float(rng.uniform(0.045, 0.06))
            crossing = (block_half + half) / vc
            apex = 2 * block_half + 0.04 + GRAVITY * crossing**2 / 2
            vj = math.sqrt(2 * GRAVITY * apex)
            run_up = vc * vj / GRAVITY  # half the flight's horizontal distance
            before = float(rng.uniform(0.03, 0.1 if seconds <= 2 else 0.25))
            after = float(rng.uniform(0.05, 0.3))
            span = before + 2 * run_up + after + 2 * half
            lo, hi = left + 0.02, right - 0.02
            if walk_dir > 0:
                start = float(rng.uniform(lo, max(lo, hi - span)))
                x0 = start + half
            else:
                start = float(rng.uniform(min(hi, lo + span), hi))
                x0 = start - half
            x_jump = x0 + walk_dir * before
            x_block = x_jump + walk_dir * run_up
            walk_to = x_block + walk_dir * (run_up + after)
            character.x, character.walk_speed, character.walk_to = x0, walk_dir * vc, walk_to
            character.jump_at_x, character.jump_speed = (x_jump,), vj
            taken.append((min(x0, walk_to) - half, max(x0, walk_to) + half))
            block = new_object(roles.index("block"), x_block, block_half)
            block.restitution, block.friction = 0.2, 0.5
            bodies.append(block)
        character.y = floor - character.half_h

    # The other objects, the one with the held-out pair first (it must find room).
    order = sorted(range(count), key=lambda i: (colours[i], shapes[i]) not in HELDOUT_PAIRS)
    for i in order:
        role = roles[i]
        if role in ("block", "pushed"):
            continue
        half = float(rng.uniform(*OBJECT_HALF))
        x = free_x(half, left, right)
        if x is None:
            continue
        body = new_object(i, x, half)
        side = 1.0 if (right - x) > (x - left) else -1.0
        if rng.random() < 0.3:
            side = -side
        if role == "drop":
            body.y = float(rng.uniform(0.04 + half, 0.42))
        elif role == "toss":
            body.y = float(rng.uniform(0.15, 0.42))
            body.vx = side * float(rng.uniform(0.15, 0.4))
            body.vy = -float(rng.uniform(0.0, 0.6))
        elif role == "slide":
            room = (right - x - half) if side > 0 else (x - left - half)
            reach = float(rng.uniform(0.15, 0.5))
            if reach > room and rng.random() < 0.6:
                reach = max(0.05, room - 0.02)
            body.vx = side * math.sqrt(2 * body.friction * GRAVITY * reach)
            body.vx = max(-MAX_SLIDE, min(MAX_SLIDE, body.vx))
        taken.append((x - half, x + half))
        bodies.append(body)

    # Occluders: often over something's path so things pass behind them.
    occluders: list[Occluder] = []
    wanted = int(rng.choice([0, 1, 2], p=[0.5, 0.38, 0.12]))
    interest = [
        b.x + b.vx * float(rng.uniform(0.3, 1.2)) for b in bodies if b.vx != 0.0 or b.motion != "rest"
    ]
    if character is not None and character.walk_speed:
        interest.append(character.x + character.walk_speed * seconds * float(rng.uniform(0.3, 0.7)))
    for _ in range(wanted * 6):
        if len(occluders) >= wanted:
            break
        width = float(rng.uniform(0.14, 0.22))
        if interest and rng.random() < 0.6:
            cx = interest[int(rng.integers(len(interest)))] + float(rng.uniform(-0.05, 0.05))
        else:
            cx = float(rng.uniform(left, right))
        x0, x1 = cx - width / 2, cx + width / 2
        if x0 < left + 0.03 or x1 > right - 0.03:
            continue
        if any(x0 < o.x1 + 0.1 and o.x0 - 0.1 < x1 for o in occluders):
            continue
        kind = "pillar" if rng.random() < 0.5 else "wall"
        y0 = 0.0 if kind == "pillar" else floor - float(rng.uniform(0.2, 0.32))
        occluders.append(Occluder(x0, x1, y0, floor, int(rng.integers(135, 176)), kind))

    if character is not None:
        bodies.append(character)
    return Scene(
        aspect=view,
        seconds=float(seconds),
        world_width=world,
        floor=floor,
        bodies=bodies,
        occluders=occluders,
        camera_start=camera_start,
        camera_speed=speed,
        background_tone=int(rng.integers(72, 101)),
        panel_width=float(rng.uniform(0.18, 0.32)),
        floor_tone=int(rng.integers(42, 57)),
        tile_width=float(rng.uniform(0.12, 0.2)),
        wall_tone=int(rng.integers(112, 131)),
        reference_variant=int(rng.integers(8)),
        follow=follow,
        seed=seed,
        split=split,
    )
