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

# The shapes an object in each role may take (any shape where the role is not here).
_ROLE_SHAPES: dict[str, tuple[str, ...]] = {"block": ("box",), "pushed": ("box", "ball")}


@dataclass(frozen=True)
class _Camera:
    """A scene's camera as drawn: following or not, its direction, speed, travel and starting left edge."""

    follow: bool
    direction: float
    speed: float
    distance: float
    start: float


@dataclass
class _Layout:
    """The room a scene's bodies are laid out in: its random draws, the objects' roles, shapes and colours.

    ``taken`` holds the floor intervals already taken by things standing on (or falling to) the floor, the
    character's path included, so that nothing lands on the character or stands in its way unless the scene
    wants it to.
    """

    rng: np.random.Generator
    floor: float
    left: float
    right: float
    roles: list[str]
    shapes: list[str]
    colours: list[str]
    taken: list[tuple[float, float]] = field(default_factory=list)

    def free_x(self, half: float, lo: float, hi: float, tries: int = 40) -> float | None:
        """A random x between ``lo`` and ``hi`` where a body ``half`` wide keeps clear of what is taken."""
        lo, hi = max(lo, self.left + half + 0.01), min(hi, self.right - half - 0.01)
        if hi <= lo:
            return None
        for _ in range(tries):
            x = float(self.rng.uniform(lo, hi))
            if all(x + half + 0.04 < a or x - half - 0.04 > b for a, b in self.taken):
                return x
        return None

    def new_object(self, i: int, x: float, half: float) -> Body:
        """Object ``i`` standing on the floor at ``x``, with its shape's random bounce and friction."""
        rng = self.rng
        shape = self.shapes[i]
        if shape == "ball":
            restitution, friction = float(rng.uniform(0.55, 0.75)), float(rng.uniform(0.03, 0.07))
        elif shape == "box":
            restitution, friction = float(rng.uniform(0.2, 0.4)), float(rng.uniform(0.3, 0.5))
        else:
            restitution, friction = float(rng.uniform(0.25, 0.45)), float(rng.uniform(0.35, 0.55))
        return Body(
            shape=shape,
            colour=self.colours[i],
            x=x,
            y=self.floor - half,
            half_w=half,
            half_h=half,
            restitution=restitution,
            friction=friction,
            motion="rest" if self.roles[i] in ("block", "pushed") else self.roles[i],
        )


def make_scene(seed: int, *, aspect: float, seconds: float, split: str = "train", attempt: int = 0) -> Scene:
    """A random scene for a view ``aspect`` (width / height) wide and ``seconds`` long. Deterministic in all
    arguments; ``attempt`` draws an alternative (``make_clip`` retries when something would stay hidden)."""
    if split not in _SPLIT_CODE:
        raise ValueError(f"split must be one of {SPLITS}, got {split!r}")
    rng = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, _SPLIT_CODE[split], attempt])
    view = float(aspect)
    floor = float(rng.uniform(0.8, 0.88))
    bodies: list[Body] = []
    character, mode = _draw_character(rng, split, floor)
    camera = _draw_camera(rng, character is not None and mode == "walk", seconds)
    world = view + camera.distance
    left, right = WALL, world - WALL
    push, roles = _draw_roles(rng, character, mode, camera.follow, world)
    shapes, colours = _draw_looks(rng, roles, split)
    layout = _Layout(rng, floor, left, right, roles, shapes, colours)
    # Lay out the character (and its block) first: they need the most room.
    if character is not None:
        bodies += _lay_out_character(layout, character, mode, camera, view, seconds, push)
    _place_objects(layout, bodies)
    occluders = _draw_occluders(layout, bodies, character, seconds)
    if character is not None:
        bodies.append(character)
    return Scene(
        aspect=view,
        seconds=float(seconds),
        world_width=world,
        floor=floor,
        bodies=bodies,
        occluders=occluders,
        camera_start=camera.start,
        camera_speed=camera.speed,
        background_tone=int(rng.integers(72, 101)),
        panel_width=float(rng.uniform(0.18, 0.32)),
        floor_tone=int(rng.integers(42, 57)),
        tile_width=float(rng.uniform(0.12, 0.2)),
        wall_tone=int(rng.integers(112, 131)),
        reference_variant=int(rng.integers(8)),
        follow=camera.follow,
        seed=seed,
        split=split,
    )


def _draw_character(rng: np.random.Generator, split: str, floor: float) -> tuple[Body | None, str]:
    """The character (four scenes in ten) and its plan (walk, jump or jump_over), or (None, "")."""
    if rng.random() >= 0.4:
        return None, ""
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
    return character, mode


def _draw_camera(rng: np.random.Generator, walker: bool, seconds: float) -> _Camera:
    """The camera: still, panning, or (with a ``walker`` character) now and then following it."""
    pan = rng.random() < 0.3
    follow = pan and walker and rng.random() < 0.5
    direction = 1.0 if rng.random() < 0.5 else -1.0
    if follow:
        speed = direction * float(rng.uniform(0.15, 0.3))
    elif pan:
        speed = direction * float(rng.uniform(0.25, 0.7)) / seconds
    else:
        speed = 0.0
    distance = abs(speed) * seconds
    return _Camera(follow, direction, speed, distance, 0.0 if speed >= 0 else distance)


def _draw_roles(
    rng: np.random.Generator, character: Body | None, mode: str, follow: bool, world: float
) -> tuple[bool, list[str]]:
    """Whether the character pushes an object, and every object's role (block, pushed, drop, toss, ...)."""
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
    return push, roles


def _draw_looks(rng: np.random.Generator, roles: list[str], split: str) -> tuple[list[str], list[str]]:
    """Every object's shape (one its role allows) and colour (no two alike), under the split's rules."""
    count = len(roles)
    shapes = [str(rng.choice(_ROLE_SHAPES.get(role, SHAPES))) for role in roles]
    colours: list[str] = [""] * count
    if split == "heldout":  # one object (whose role allows it) shows a held-out pair
        hosts = [
            i for i in range(count) if any(p[1] in _ROLE_SHAPES.get(roles[i], SHAPES) for p in HELDOUT_PAIRS)
        ]
        k = hosts[int(rng.integers(len(hosts)))]
        options = sorted(p for p in HELDOUT_PAIRS if p[1] in _ROLE_SHAPES.get(roles[k], SHAPES))
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
    return shapes, colours


def _lay_out_character(
    layout: _Layout, character: Body, mode: str, camera: _Camera, view: float, seconds: float, push: bool
) -> list[Body]:
    """Places the character and plans its moves; returns the object it pushes or jumps over, if any."""
    walk_dir = camera.direction if camera.follow else (1.0 if layout.rng.random() < 0.5 else -1.0)
    placed: list[Body] = []
    if mode == "walk":
        placed = _lay_out_walk(layout, character, walk_dir, camera, view, seconds, push)
    elif mode == "jump":
        _lay_out_jumps(layout, character)
    else:
        placed = [_lay_out_jump_over(layout, character, walk_dir, seconds)]
    character.y = layout.floor - character.half_h
    return placed


def _lay_out_walk(
    layout: _Layout,
    character: Body,
    walk_dir: float,
    camera: _Camera,
    view: float,
    seconds: float,
    push: bool,
) -> list[Body]:
    """Plans the character's walk; returns the object in its way when it ``push``es one."""
    rng, half = layout.rng, character.half_w
    left, right = layout.left, layout.right
    vc = abs(camera.speed) if camera.follow else float(rng.uniform(0.2, 0.4))
    if camera.follow:
        x0 = camera.start + view * (0.35 if walk_dir > 0 else 0.65)
        walk_to = None
    else:
        lo, hi = left + half + 0.02, right - half - 0.02
        x0 = (
            float(rng.uniform(lo, lo + 0.3 * (hi - lo)))
            if walk_dir > 0
            else float(rng.uniform(hi - 0.3 * (hi - lo), hi))
        )
        reach = min(vc * seconds * float(rng.uniform(0.6, 1.2)), (hi - x0) if walk_dir > 0 else (x0 - lo))
        walk_to = x0 + walk_dir * reach
    character.x, character.walk_speed, character.walk_to = x0, walk_dir * vc, walk_to
    end = x0 if walk_to is None else walk_to
    layout.taken.append((min(x0, end) - half, max(x0, end) + half))
    if not push:
        return []
    i = layout.roles.index("pushed")
    size = float(rng.uniform(0.055, 0.075))
    gap = float(rng.uniform(0.03, max(0.04, 0.5 * (reach - 2 * half - 2 * size))))
    return [layout.new_object(i, x0 + walk_dir * (half + size + gap), size)]


def _lay_out_jumps(layout: _Layout, character: Body) -> None:
    """One to three jumps on the spot, where the floor is free, at random times."""
    rng, half = layout.rng, character.half_w
    left, right = layout.left, layout.right
    x0 = layout.free_x(half, left, right) or (left + right) / 2
    apex = float(rng.uniform(0.12, 0.25))
    vj = math.sqrt(2 * GRAVITY * apex)
    flight = 2 * vj / GRAVITY
    jumps = int(rng.integers(1, 4))
    t, times = float(rng.uniform(0.1, 0.5)), []
    for _ in range(jumps):
        times.append(t)
        t += flight + float(rng.uniform(0.15, 0.5))
    character.x, character.jump_speed, character.jump_times = x0, vj, tuple(times)
    layout.taken.append((x0 - half, x0 + half))


def _lay_out_jump_over(layout: _Layout, character: Body, walk_dir: float, seconds: float) -> Body:
    """A walk with a jump high and long enough to clear a block on the way; returns the block."""
    rng, half = layout.rng, character.half_w
    vc = float(rng.uniform(0.3, 0.45))
    block_half = float(rng.uniform(0.045, 0.06))
    crossing = (block_half + half) / vc
    apex = 2 * block_half + 0.04 + GRAVITY * crossing**2 / 2
    vj = math.sqrt(2 * GRAVITY * apex)
    run_up = vc * vj / GRAVITY  # half the flight's horizontal distance
    before = float(rng.uniform(0.03, 0.1 if seconds <= 2 else 0.25))
    after = float(rng.uniform(0.05, 0.3))
    span = before + 2 * run_up + after + 2 * half
    lo, hi = layout.left + 0.02, layout.right - 0.02
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
    layout.taken.append((min(x0, walk_to) - half, max(x0, walk_to) + half))
    block = layout.new_object(layout.roles.index("block"), x_block, block_half)
    block.restitution, block.friction = 0.2, 0.5
    return block


def _place_objects(layout: _Layout, bodies: list[Body]) -> None:
    """Adds the other objects to ``bodies`` where the floor is free, the held-out pair's first."""
    roles, rng = layout.roles, layout.rng
    order = sorted(
        range(len(roles)), key=lambda i: (layout.colours[i], layout.shapes[i]) not in HELDOUT_PAIRS
    )
    for i in order:
        role = roles[i]
        if role in ("block", "pushed"):
            continue
        half = float(rng.uniform(*OBJECT_HALF))
        x = layout.free_x(half, layout.left, layout.right)
        if x is None:
            continue
        body = layout.new_object(i, x, half)
        _set_off(layout, body, role)
        layout.taken.append((x - half, x + half))
        bodies.append(body)


def _set_off(layout: _Layout, body: Body, role: str) -> None:
    """Starts an object as its role says: the height of a drop, the throw of a toss, the push of a slide."""
    rng, left, right = layout.rng, layout.left, layout.right
    x, half = body.x, body.half_w
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


def _draw_occluders(
    layout: _Layout, bodies: list[Body], character: Body | None, seconds: float
) -> list[Occluder]:
    """None, one or two occluders, often over something's path so things pass behind them."""
    rng, left, right = layout.rng, layout.left, layout.right
    occluders: list[Occluder] = []
    wanted = int(rng.choice([0, 1, 2], p=[0.5, 0.38, 0.12]))
    interest = _points_of_interest(rng, bodies, character, seconds)
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
        y0 = 0.0 if kind == "pillar" else layout.floor - float(rng.uniform(0.2, 0.32))
        occluders.append(Occluder(x0, x1, y0, layout.floor, int(rng.integers(135, 176)), kind))
    return occluders


def _points_of_interest(
    rng: np.random.Generator, bodies: list[Body], character: Body | None, seconds: float
) -> list[float]:
    """Random points (x) on the paths of the bodies that move and of the walking character."""
    interest = [
        b.x + b.vx * float(rng.uniform(0.3, 1.2)) for b in bodies if b.vx != 0.0 or b.motion != "rest"
    ]
    if character is not None and character.walk_speed:
        interest.append(character.x + character.walk_speed * seconds * float(rng.uniform(0.3, 0.7)))
    return interest
