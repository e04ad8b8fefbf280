"""A procedural 2D physics world that makes captioned training clips with per-frame ground truth.

Plain NumPy, deterministic per seed, and fast enough to stream training data on the fly. A clip is a side
view of a room: a neutral grey background with panels, a darker tiled floor, grey walls at the room's ends,
and up to four coloured objects (balls, boxes, triangles) that drop, bounce, get tossed, slide with friction,
roll and collide, plus optionally one *character*: a small sprite with a handle (``@alice``) that walks and
jumps. Foreground grey pillars and low walls (*occluders*) hide whatever passes behind them, and in some clips
the room is wider than the view and the camera pans across it at a constant speed.

Units. The world is measured in *units*: the view is 1.0 unit tall and ``width / height`` units wide, y grows
downwards, and time is in seconds. A scene is laid out in units and rendered at ``height`` pixels per unit, so
one seed gives the same scene at every resolution of the same aspect ratio and duration. Gravity is
``GRAVITY`` units/s²: an object dropped from the top of the view reaches the floor in about 0.8 s.

Pixel convention. Positions are continuous pixel coordinates: pixel column ``j`` spans ``[j, j + 1)``, so the
centre of the top-left pixel is ``(0.5, 0.5)``; ``detect`` reports blob centroids in the same convention.

Colours. Objects take the six saturated ``COLOURS`` (near the corners of the RGB cube, every pair at least
120 apart, every one at least 110 from the grey axis); at most one object per colour in a clip, so a colour
names an object. Everything else in the room is exactly neutral (R = G = B). A character is painted only in
``CHARACTER_COLOURS`` (muted tones, each at least 100 from every object colour) plus a black or white
accent, so segmenting an object colour never fires on it. ``detect`` finds an object by its colour;
``detect_character`` finds the (single) character as the largest blob of character tones, and
``dominant_character_colour`` of a crop names its body colour, i.e. which identity's colour scheme it wears.

Characters. ``IDENTITIES`` is a fixed pool of 48 handles; each has a seed-determined 12-cell sprite (head
with a hat or hair, eyes, a torso with a mirrored glyph, legs; a body tone, a trim tone and an accent) with
three poses (standing, mid-step, airborne). Clips draw it small and anti-aliased in a dark room;
``render_reference`` draws the same standing sprite crisp and large on a light backdrop with another scale
and offset, so a model has to read the identity rather than copy pixels.

Ground truth. ``WorldClip.positions`` is each entity's *visual centroid* (the centre of its painted area, what
colour segmentation measures): for a ball or a box the centre, for a triangle (apex up) one third of the
half-extent below its bounding box's centre, for a character the centroid of its body- and trim-coloured
cells in that frame's pose. ``boxes`` holds the bounding boxes, ``free_fall`` the frames reached without any
contact (so positions there follow ``gravity`` exactly), ``bounces`` the simulated floor rebounds.

Captions describe what the simulation did (landings, the real bounce count, slides and stops, collisions,
walls, jumps over things, pushes, passing behind occluders, pans), name every object by colour and shape
(shape words in ``SHAPE_WORDS``) and count repeated shapes ("two balls and a box: ...").

Held-out split. ``split="train"`` never shows a ``HELDOUT_PAIRS`` (colour, shape) or a
``HELDOUT_IDENTITIES`` character; every ``split="heldout"`` clip shows at least one held-out pair, and its
character, if any, is a held-out identity.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

RGB = tuple[int, int, int]

# ------------------------------------------------------------------------------------------------------------
# Palette, shapes, identities, held-out split
# ------------------------------------------------------------------------------------------------------------

COLOURS: dict[str, RGB] = {
    "red": (230, 40, 40),
    "green": (40, 185, 50),
    "blue": (35, 75, 235),
    "yellow": (240, 210, 40),
    "cyan": (30, 210, 215),
    "purple": (185, 50, 220),
}
# A character's body and trim tones: muted, each at least 100 from every object colour in RGB.
CHARACTER_COLOURS: dict[str, RGB] = {
    "pink": (250, 160, 200),
    "rose": (190, 100, 120),
    "lavender": (175, 150, 245),
    "mint": (150, 235, 180),
    "olive": (135, 135, 35),
    "navy": (35, 35, 115),
}
ACCENT_DARK: RGB = (30, 30, 30)
ACCENT_LIGHT: RGB = (240, 240, 240)

SHAPES: tuple[str, ...] = ("ball", "box", "triangle")
# The words captions use for each shape (the first is the canonical one).
SHAPE_WORDS: dict[str, tuple[str, ...]] = {
    "ball": ("ball",),
    "box": ("box", "block", "square"),
    "triangle": ("triangle",),
}
HELDOUT_PAIRS: frozenset[tuple[str, str]] = frozenset(
    {("yellow", "ball"), ("purple", "box"), ("cyan", "triangle")}
)

_NAMES = (
    "alice", "bruno", "chloe", "dmitri", "elena", "felix", "greta", "hugo", "iris", "jonas", "kira", "leo",
    "maya", "nico", "olga", "pablo", "quinn", "rosa", "sami", "tara", "umar", "vera", "wade", "xena",
    "yuki", "zane", "amara", "boris", "carmen", "dario", "esme", "farid", "gwen", "hans", "ines", "jamal",
    "kofi", "lena", "marco", "nadia", "oscar", "priya", "rafael", "sofia", "theo", "ulla", "victor", "wen",
)  # fmt: skip
IDENTITIES: tuple[str, ...] = tuple(f"@{name}" for name in _NAMES)
HELDOUT_IDENTITIES: frozenset[str] = frozenset(IDENTITIES[i] for i in (3, 8, 13, 18, 23, 28, 33, 38, 43, 47))
SPLITS: tuple[str, ...] = ("train", "heldout")

# ------------------------------------------------------------------------------------------------------------
# Physics constants (world units and seconds)
# ------------------------------------------------------------------------------------------------------------

GRAVITY = 2.0  # units/s²: a drop of 0.65 units (top of the view to the floor) takes 0.8 s
SUBSTEP_RATE = 120  # physics steps per second, rounded to a whole number per frame
REST_SPEED = 0.12  # impacts slower than this do not bounce (units/s)
MIN_BOUNCE = 0.02  # a rebound counts as a bounce when its apex is at least this high (units)
HIT_SPEED = 0.12  # object-object impacts faster than this are events for the captions
WALL = 0.035  # thickness of the walls at the room's ends
SPRITE = 12  # identity sprites are 12 cells tall

_SPLIT_CODE = {"train": 0, "heldout": 1}


# ------------------------------------------------------------------------------------------------------------
# Public data types
# ------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ObjectInfo:
    colour: str  # a COLOURS name; a character's body colour (a CHARACTER_COLOURS name)
    shape: str  # a SHAPES entry, or "character"
    kind: str  # "object" or "character"
    handle: str | None  # the character's handle, else None


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


@dataclass
class WorldClip:
    frames: np.ndarray  # uint8 [T, H, W, 3]
    fps: int
    caption: str
    objects: list[ObjectInfo]  # N entries, in the order of the arrays below
    positions: np.ndarray  # float32 [T, N, 2]: visual centroid (x, y) in frame pixels, after the camera
    velocities: np.ndarray  # float32 [T, N, 2]: pixels per frame (instantaneous, after the camera)
    sizes: np.ndarray  # float32 [N]: radius / half-extent in pixels (a character: half its height)
    in_view: np.ndarray  # bool [T, N]: the centroid is inside the frame
    occluded: np.ndarray  # bool [T, N]: at least half of its bounding box is behind an occluder
    visible: np.ndarray  # bool [T, N]: in_view and not occluded
    gravity: float  # px per frame² (downwards positive) at this clip's size and fps
    floor_y: float  # the floor's top edge, in pixels
    bounces: np.ndarray  # int [N]: floor bounces (rebounds of at least MIN_BOUNCE) in the clip
    falling: np.ndarray  # bool [N]: in free fall for at least 3 consecutive frames
    reference: np.ndarray | None  # uint8 [S, S, 3]: the character's reference image
    handle: str | None
    split: str
    seed: int
    # Additions.
    boxes: np.ndarray  # float32 [T, N, 4]: bounding box (x0, y0, x1, y1) in pixels
    free_fall: np.ndarray  # bool [T, N]: no contact or push since the previous frame (t = 0: unsupported)
    visible_fraction: np.ndarray  # float32 [T, N]: share of the bounding box inside the frame and unoccluded
    restitution: np.ndarray  # float32 [N]
    motions: list[str]  # per entity: drop, toss, slide, rest, walk, jump, jump_over
    camera_x: np.ndarray  # float32 [T]: the view's left edge in world pixels (world x * pixels per unit)
    pan: float  # px per frame; positive: the camera moves right (static things move left in the frame)
    occluder_boxes: np.ndarray  # float32 [T, K, 4]: occluders (x0, y0, x1, y1) in pixels of the frame
    scene: Scene


# ------------------------------------------------------------------------------------------------------------
# Identities: seed-determined 12-cell sprites
# ------------------------------------------------------------------------------------------------------------


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


def _make_identities() -> dict[str, Identity]:
    names = list(CHARACTER_COLOURS)
    combos = [(b, t) for b in names for t in names if t != b]
    order = np.random.default_rng(0x1DE).permutation(len(combos))
    identities: dict[str, Identity] = {}
    for index, handle in enumerate(IDENTITIES):
        rng = np.random.default_rng([0x1DE, index])
        body, trim = combos[int(order[index % len(combos)])]
        accent = ACCENT_LIGHT if body in ("navy", "olive", "rose") else ACCENT_DARK
        grid = np.zeros((SPRITE, SPRITE), dtype=np.int8)
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
        shoe = 3 if accent == ACCENT_DARK else 2
        poses = np.repeat(grid[None], 3, axis=0)
        for pose, legs in ((0, (3, 4, 7, 8)), (1, (2, 3, 8, 9)), (2, (3, 4, 7, 8))):
            for c in legs:
                poses[pose, 10, c] = 1
                poses[pose, 11, c] = shoe
        poses[2, 11, :] = 0
        poses[2, 10, [3, 4, 7, 8]] = shoe
        used = np.nonzero((poses > 0).any(axis=(0, 1)))[0]
        poses = poses[:, :, used[0] : used[-1] + 1]
        centroids = np.zeros((3, 2))
        for pose in range(3):
            rows, cols = np.nonzero((poses[pose] == 1) | (poses[pose] == 2))
            centroids[pose] = cols.mean() + 0.5, rows.mean() + 0.5
        identities[handle] = Identity(
            handle=handle,
            body=body,
            trim=trim,
            accent=accent,
            poses=np.ascontiguousarray(poses),
            centroids=centroids,
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
        half = float(rng.uniform(0.055, 0.085))
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
            body.vx = max(-1.2, min(1.2, body.vx))
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


# ------------------------------------------------------------------------------------------------------------
# Simulation
# ------------------------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------------------------
# Rendering
# ------------------------------------------------------------------------------------------------------------


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


# ------------------------------------------------------------------------------------------------------------
# Captions
# ------------------------------------------------------------------------------------------------------------

_NUMBER_WORDS = dict(
    enumerate(("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"), 1)
)
_PLURAL = {"ball": "balls", "box": "boxes", "block": "blocks", "square": "squares", "triangle": "triangles"}
_OCCLUDER_WORDS = {"pillar": ("pillar", "column", "post"), "wall": ("wall", "low wall", "barrier")}


def _times(count: int, rng: np.random.Generator) -> str:
    if count == 1:
        return str(rng.choice(["once", "one time"]))
    if count == 2:
        return str(rng.choice(["twice", "two times"]))
    return f"{_NUMBER_WORDS.get(count, str(count))} times"


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + " and " + parts[-1]


class _Captioner:
    """Describes what a simulated clip shows, from the simulation's events and the clip's visibility."""

    def __init__(
        self,
        scene: Scene,
        trace: _Trace,
        occluded: np.ndarray,
        in_view: np.ndarray,
        rng: np.random.Generator,
    ) -> None:
        self.scene, self.trace, self.occluded, self.in_view, self.rng = scene, trace, occluded, in_view, rng
        self.bodies = scene.bodies
        self.introduced: set[int] = set()
        self.mentioned_pairs: set[tuple[int, int]] = set()
        self.occluder_words: dict[int, str] = {}  # one noun per occluder per caption
        self.occlusions: dict[int, tuple[str, str] | None] = {}
        self.shape_word = {shape: self.pick(SHAPE_WORDS[shape]) for shape in SHAPES}
        self.grey = "gray" if rng.random() < 0.1 else "grey"

    def pick(self, options: Sequence[str]) -> str:
        return str(options[int(self.rng.integers(len(options)))])

    def noun(self, i: int) -> str:
        body = self.bodies[i]
        if body.shape == "character":
            return str(body.handle)
        article = "the" if i in self.introduced else "a"
        self.introduced.add(i)
        return f"{article} {body.colour} {self.shape_word[body.shape]}"

    def direction(self, value: float) -> str:
        return "right" if value > 0 else "left"

    def occlusion(self, i: int) -> str | None:
        state = self.occlusion_state(i)
        if state is None:
            return None
        kind, thing = state
        if kind == "emerges":
            return self.pick([f"emerging from behind {thing}", f"coming out from behind {thing}"])
        if kind == "disappears":
            return self.pick([f"disappearing behind {thing}", f"ending up hidden behind {thing}"])
        if kind == "passes":
            return self.pick([f"passing behind {thing}", f"going behind {thing} and coming back out"])
        return f"partly hidden behind {thing}"

    def occlusion_state(self, i: int) -> tuple[str, str] | None:
        """How an occluder hides body ``i`` (emerges, disappears, passes or partly) and which one, or None."""
        if i not in self.occlusions:
            self.occlusions[i] = self._occlusion_state(i)
        return self.occlusions[i]

    def _occlusion_state(self, i: int) -> tuple[str, str] | None:
        occ = self.occluded[:, i]
        if not occ.any() or not self.scene.occluders:
            return None
        first = int(np.argmax(occ))
        x, y = self.trace.pos[first, i]
        body = self.bodies[i]

        def overlap(o: Occluder) -> float:
            ox = min(x + body.half_w, o.x1) - max(x - body.half_w, o.x0)
            oy = min(y + body.half_h, o.y1) - max(y - body.half_h, o.y0)
            return max(ox, 0.0) * max(oy, 0.0)

        k = max(range(len(self.scene.occluders)), key=lambda m: overlap(self.scene.occluders[m]))
        if k in self.occluder_words:
            thing = f"the {self.grey} {self.occluder_words[k]}"
        else:
            self.occluder_words[k] = self.pick(_OCCLUDER_WORDS[self.scene.occluders[k].kind])
            thing = f"a {self.grey} {self.occluder_words[k]}"
        starts, ends = bool(occ[0]), bool(occ[-1])
        if starts and not ends:
            return "emerges", thing
        if ends and not starts:
            return "disappears", thing
        return ("partly" if starts else "passes"), thing

    def bumps(self, i: int) -> str | None:
        for (a, b), _ in sorted(self.trace.hits.items(), key=lambda item: item[1]):
            if i not in (a, b) or (a, b) in self.mentioned_pairs:
                continue
            other = b if a == i else a
            if self.bodies[other].shape == "character":
                continue
            self.mentioned_pairs.add((a, b))
            return self.pick(["bumps into {}", "hits {}", "knocks into {}"]).format(self.noun(other))
        return None

    def landing(self, i: int, tossed: bool) -> list[str]:
        body, trace = self.bodies[i], self.trace
        target, bounces = trace.landed_on[i], trace.bounces[i]
        if target is None:
            return [self.pick(["falls", "drops from above", "is falling"])] if not tossed else []
        parts: list[str] = []
        if target >= 0:
            parts.append(
                self.pick(["lands on {}", "drops onto {}", "lands on top of {}"]).format(self.noun(target))
            )
            self.mentioned_pairs.add((min(i, target), max(i, target)))
        elif not tossed:
            parts.append(
                self.pick(
                    [
                        "drops onto the floor",
                        "falls to the floor",
                        "drops to the ground",
                        "falls onto the floor",
                    ]
                )
            )
        if bounces:
            parts.append(self.pick(["bounces {}", "bounces {}"]).format(_times(bounces, self.rng)))
        elif target < 0:
            options = ["lands", "lands without bouncing"] if tossed else ["stays there", "does not bounce"]
            if body.shape != "ball":
                options.append("lands with a thud" if tossed else "lands flat")
            parts.append(self.pick(options))
        return parts

    def object_clause(self, i: int) -> str:
        body, trace = self.bodies[i], self.trace
        subject = self.noun(i)
        start_air = body.y + body.half_h < self.scene.floor - 1e-6
        dx = float(trace.pos[-1, i, 0] - trace.pos[0, i, 0])
        parts: list[str] = []
        if start_air:
            tossed = abs(body.vx) > 0.05
            if tossed:
                way = self.direction(body.vx)
                parts.append(self.pick([f"is tossed {way}", f"flies {way}", f"is thrown to the {way}"]))
            parts += self.landing(i, tossed)
        elif abs(body.vx) > 0.02 and abs(dx) > 0.01:
            way = self.direction(body.vx)
            if body.shape == "ball":
                parts.append(
                    self.pick([f"rolls {way}", f"rolls to the {way}", f"rolls {way} along the floor"])
                )
            else:
                parts.append(
                    self.pick([f"slides {way}", f"slides to the {way}", f"glides {way} across the floor"])
                )
        elif abs(dx) > 0.03:
            pusher = trace.pushes.get(i)
            way = self.direction(dx)
            if pusher is not None:
                parts.append(f"is pushed {way} by {self.noun(pusher)}")
            else:
                parts.append(self.pick([f"is pushed {way}", f"gets knocked {way}", f"is bumped {way}"]))
        else:
            parts.append(
                self.pick(
                    ["sits on the floor", "rests on the ground", "stays still", "sits still", "stands still"]
                )
            )
        bump = self.bumps(i)
        if bump and not (start_air and trace.landed_on[i] is not None and trace.landed_on[i] != -1):
            parts.append(bump)
        if (start_air or abs(body.vx) > 0.02) and trace.walls[i]:
            parts.append(self.pick(["hits the wall", "bounces off the wall"]))
        elif not start_air and abs(body.vx) > 0.02 and trace.stopped[i]:
            parts.append(self.pick(["stops", "comes to a stop", "slows to a stop"]))
        state = self.occlusion_state(i)
        if (
            state
            and state[0] == "disappears"
            and start_air
            and abs(body.vx) <= 0.05
            and trace.landed_on[i] == -1
        ):
            # "a yellow triangle falls behind a grey wall (and bounces twice)"
            parts[0] = self.pick(["falls behind {}", "drops behind {}"]).format(state[1])
            return f"{subject} {_join(parts)}"
        clause = f"{subject} {_join(parts)}"
        hidden = self.occlusion(i)
        return f"{clause}, {hidden}" if hidden else clause

    def character_clause(self, i: int) -> str:
        body, trace = self.bodies[i], self.trace
        subject = self.noun(i)
        parts: list[str] = []
        if body.walk_speed:
            way = self.direction(body.walk_speed)
            parts.append(self.pick([f"walks {way}", f"walks to the {way}", f"strolls {way}"]))
        jumps = trace.jumps[i]
        over = [j for j in trace.jumped_over[i] if self.bodies[j].shape != "character"]
        if over:
            parts.append(
                self.pick(["jumps over {}", "hops over {}", "leaps over {}"]).format(self.noun(over[0]))
            )
        elif jumps:
            if jumps == 1:
                parts.append(self.pick(["jumps", "jumps up", "jumps once"]))
            else:
                parts.append(
                    self.pick([f"jumps {_times(jumps, self.rng)}", f"hops {_times(jumps, self.rng)}"])
                )
        pushed = sorted(j for j, c in trace.pushes.items() if c == i)
        if pushed:
            parts.append(self.pick(["pushes {}", "bumps into {}"]).format(self.noun(pushed[0])))
        if body.walk_speed and trace.stopped[i]:
            parts.append("stops at the wall" if trace.walls[i] else self.pick(["stops", "then stops"]))
        if not parts:
            parts.append(self.pick(["stands still", "stands on the floor", "waits"]))
        clause = f"{subject} {_join(parts)}"
        hidden = self.occlusion(i)
        return f"{clause}, {hidden}" if hidden else clause

    def caption(self) -> str:
        rng = self.rng
        chars = [i for i, b in enumerate(self.bodies) if b.shape == "character"]
        objects = [i for i, b in enumerate(self.bodies) if b.shape != "character"]
        counts: dict[str, int] = {}
        for i in objects:
            counts[self.bodies[i].shape] = counts.get(self.bodies[i].shape, 0) + 1
        clauses = [self.character_clause(i) for i in chars]
        moving = [i for i in objects if self.moved(i)]
        still = [i for i in objects if i not in moving]
        rng.shuffle(moving)
        for i in moving + still:
            pushed_only = self.trace.pushes.get(i) in chars and abs(self.bodies[i].vx) < 0.02
            if i in self.introduced and (i in still or pushed_only) and not self.occluded[:, i].any():
                continue  # already named (jumped over, landed on, pushed) and nothing else happens to it
            clauses.append(self.object_clause(i))
        if not clauses:
            clauses.append(self.pick(["an empty grey room", "nothing moves in an empty room"]))
        links = [", while ", " as ", ", and ", "; ", ". "]
        rng.shuffle(links)
        body = clauses[0]
        for k, clause in enumerate(clauses[1:]):
            body += links[k % len(links)] + clause
        if self.scene.camera_speed:
            way = self.direction(self.scene.camera_speed)
            if self.scene.follow and chars:
                camera = f"the camera follows {self.bodies[chars[0]].handle} to the {way}"
            else:
                camera = self.pick(
                    [f"the camera pans {way}", f"the view pans to the {way}", f"the camera slowly pans {way}"]
                )
            if rng.random() < 0.5:
                body = camera + self.pick([" as ", "; ", ", while "]) + body
            else:
                body = body + self.pick([", while ", " as ", "; "]) + camera
        if counts and (any(c > 1 for c in counts.values()) or rng.random() < 0.25):
            items = []
            for shape in SHAPES:
                c = counts.get(shape, 0)
                word = self.shape_word[shape]
                if c == 1:
                    items.append(f"{'an' if word[0] in 'aeiou' else 'a'} {word}")
                elif c > 1:
                    items.append(f"{_NUMBER_WORDS[c]} {_PLURAL[word]}")
            rng.shuffle(items)
            intro = _join(items)
            there = "there are" if items[0].split()[0] in _NUMBER_WORDS.values() else "there is"
            templates = ["{}: ", "{}. ", there + " {}: ", "a scene with {}: ", "in a grey room, {}: "]
            body = self.pick(templates).format(intro) + body
        return body

    def moved(self, i: int) -> bool:
        body = self.bodies[i]
        travelled = np.abs(self.trace.pos[:, i] - self.trace.pos[0, i]).max()
        return bool(body.y + body.half_h < self.scene.floor - 1e-6 or abs(body.vx) > 0.02 or travelled > 0.03)


# ------------------------------------------------------------------------------------------------------------
# Clips
# ------------------------------------------------------------------------------------------------------------


def _runs(flags: np.ndarray) -> int:
    """The longest run of True in a 1D bool array."""
    best = run = 0
    for flag in flags:
        run = run + 1 if flag else 0
        best = max(best, run)
    return best


def _assemble(scene: Scene, trace: _Trace, *, height: int, width: int, fps: int) -> WorldClip:
    frames = trace.pos.shape[0]
    s = float(height)
    camera = _camera(scene, frames, fps)
    offsets = _offsets(scene, trace.pose)
    occluded_share, visible_share, in_view = _shares(scene, trace.pos, offsets, camera)
    occluded = occluded_share >= 0.5
    video, occluder_boxes = _render(scene, trace, height, width, fps, camera)
    bodies = scene.bodies
    n = len(bodies)
    positions = (trace.pos + offsets) * s
    positions[..., 0] -= camera[:, None] * s
    velocities = trace.vel * (s / fps)
    velocities[..., 0] -= scene.camera_speed * s / fps
    half = np.array([[b.half_w, b.half_h] for b in bodies]).reshape(n, 2) * s
    centres = trace.pos * s
    centres[..., 0] -= camera[:, None] * s
    boxes = np.concatenate([centres - half[None], centres + half[None]], axis=-1)
    sizes = np.array([b.half_h if b.shape == "character" else b.half_w for b in bodies]) * s
    rng = np.random.default_rng([scene.seed & 0xFFFFFFFFFFFFFFFF, _SPLIT_CODE.get(scene.split, 0), 0xCA9])
    caption = _Captioner(scene, trace, occluded, in_view, rng).caption()
    handle = next((b.handle for b in bodies if b.shape == "character"), None)
    reference = (
        render_reference(handle, max(height, width), variant=scene.reference_variant)
        if handle is not None
        else None
    )
    objects = [
        ObjectInfo(
            colour=b.colour,
            shape=b.shape,
            kind="character" if b.shape == "character" else "object",
            handle=b.handle,
        )
        for b in bodies
    ]
    return WorldClip(
        frames=video,
        fps=fps,
        caption=caption,
        objects=objects,
        positions=positions.astype(np.float32),
        velocities=velocities.astype(np.float32),
        sizes=sizes.astype(np.float32),
        in_view=in_view,
        occluded=occluded,
        visible=in_view & ~occluded,
        gravity=float(scene.gravity * s / fps**2),
        floor_y=float(scene.floor * s),
        bounces=np.array(trace.bounces, dtype=np.int64),
        falling=np.array([_runs(trace.free[:, i]) >= 3 for i in range(n)], dtype=bool),
        reference=reference,
        handle=handle,
        split=scene.split,
        seed=scene.seed,
        boxes=boxes.astype(np.float32),
        free_fall=trace.free.copy(),
        visible_fraction=visible_share.astype(np.float32),
        restitution=np.array([b.restitution for b in bodies], dtype=np.float32),
        motions=[b.motion for b in bodies],
        camera_x=(camera * s).astype(np.float32),
        pan=float(scene.camera_speed * s / fps),
        occluder_boxes=occluder_boxes,
        scene=scene,
    )


def _check_size(height: int, width: int, frames: int, fps: int) -> None:
    if height < 8 or width < 8 or frames < 1 or fps < 1:
        raise ValueError(f"bad clip shape: {frames} frames of {height}x{width} at {fps} fps")


def render_scene(scene: Scene, *, height: int, width: int, frames: int, fps: int) -> WorldClip:
    """Simulate and render a scene (for hand-made scenes; ``make_clip`` makes random ones)."""
    _check_size(height, width, frames, fps)
    return _assemble(scene, _simulate(scene, frames, fps), height=height, width=width, fps=fps)


def make_clip(
    seed: int, *, height: int, width: int, frames: int, fps: int, split: str = "train"
) -> WorldClip:
    """A random captioned clip of ``frames`` frames of ``height`` x ``width`` at ``fps``. Deterministic per
    (seed, split, shape, fps); the scene depends on the aspect ratio and duration only, so one seed renders
    the same scene at every resolution. Every entity is visible in at least a quarter of the frames (scenes
    that would hide something longer are redrawn, a few times at most)."""
    _check_size(height, width, frames, fps)
    aspect, seconds = width / height, frames / fps
    attempt = 0
    while True:
        scene = make_scene(seed, aspect=aspect, seconds=seconds, split=split, attempt=attempt)
        attempt += 1
        if split == "heldout" and not any((b.colour, b.shape) in HELDOUT_PAIRS for b in scene.bodies):
            if attempt > 200:  # never seen: the held-out object always finds room within a few draws
                raise RuntimeError(f"no room for a held-out object in a {width}x{height} clip (seed {seed})")
            continue  # the held-out object found no room: always redraw
        trace = _simulate(scene, frames, fps)
        camera = _camera(scene, frames, fps)
        occluded_share, _, in_view = _shares(scene, trace.pos, _offsets(scene, trace.pose), camera)
        shown = (in_view & (occluded_share < 0.5)).mean(axis=0)
        if shown.min(initial=1.0) >= 0.25 or attempt >= 8:
            return _assemble(scene, trace, height=height, width=width, fps=fps)


def clip_stream(
    seed: int, *, shapes: list[tuple[int, int, int]], fps: int, split: str = "train"
) -> Iterator[WorldClip]:
    """Endless clips; each takes a random (frames, height, width) from `shapes`; deterministic for a seed."""
    if not shapes:
        raise ValueError("shapes is empty")
    rng = np.random.default_rng([seed & 0xFFFFFFFFFFFFFFFF, 0x57EA])
    while True:
        frames, height, width = shapes[int(rng.integers(len(shapes)))]
        clip_seed = int(rng.integers(0, 2**62))
        yield make_clip(clip_seed, height=height, width=width, frames=frames, fps=fps, split=split)


def config_shapes(config: Any) -> list[tuple[int, int, int]]:
    """(frames, height, width) for every duration and aspect ratio of an engine config (duck-typed: anything
    with ``fps``, ``durations`` and ``frame_sizes``), for ``clip_stream``."""
    return [
        (seconds * config.fps, height, width)
        for seconds in config.durations
        for height, width in config.frame_sizes.values()
    ]


# ------------------------------------------------------------------------------------------------------------
# Colour segmentation
# ------------------------------------------------------------------------------------------------------------

_PROTOTYPE_NAMES: tuple[str, ...] = (*COLOURS, *CHARACTER_COLOURS)
_PROTOTYPES = np.array([*COLOURS.values(), *CHARACTER_COLOURS.values()], dtype=np.float32)


def classify(frame: np.ndarray, *, tolerance: float = 110.0, grey_margin: float = 1.0) -> np.ndarray:
    """int [H, W]: per pixel, the index into ``COLOURS`` then ``CHARACTER_COLOURS`` (in that order) of the
    named colour it shows, or -1. A pixel shows a colour when that colour is its nearest named colour, lies
    within ``tolerance`` (Euclidean RGB), and is nearer than the grey of the same brightness (so neutral
    scenery, dark outlines and half-blended edges count as nothing); ``grey_margin`` > 1 relaxes that last
    rule to "nearer than ``grey_margin`` times the grey's distance"."""
    if frame.ndim != 3 or frame.shape[-1] != 3:
        raise ValueError(f"expected an [H, W, 3] frame, got {frame.shape}")
    pixels = frame.astype(np.float32)
    d2 = ((pixels[:, :, None, :] - _PROTOTYPES[None, None]) ** 2).sum(-1)
    nearest = d2.argmin(-1)
    best = np.take_along_axis(d2, nearest[..., None], axis=-1)[..., 0]
    grey = ((pixels - pixels.mean(-1, keepdims=True)) ** 2).sum(-1)
    ok = (best < tolerance * tolerance) & (best < grey * grey_margin * grey_margin)
    return np.where(ok, nearest, -1)


def _clean(mask: np.ndarray) -> np.ndarray:
    """Drop pixels none of whose 8 neighbours is set."""
    padded = np.pad(mask, 1).astype(np.int8)
    h, w = mask.shape
    neighbours = sum(
        padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] for dy in (-1, 0, 1) for dx in (-1, 0, 1) if dy or dx
    )
    return mask & (neighbours > 0)


def _largest_blob(mask: np.ndarray) -> tuple[float, float, float] | None:
    """(x, y, area) of the largest 8-connected blob of a mask (pixel centres at +0.5), or None."""
    if not mask.any():
        return None
    h, w = mask.shape
    big = h * w
    index = np.arange(big).reshape(h, w)
    labels = np.where(mask, index, big)
    while True:
        padded = np.pad(labels, 1, constant_values=big)
        low = labels
        for dy in range(3):
            for dx in range(3):
                low = np.minimum(low, padded[dy : dy + h, dx : dx + w])
        low = np.where(mask, low, big)
        flat = low.ravel()
        inside = flat < big
        for _ in range(4):  # pointer jumping: follow each label to its own label
            flat[inside] = flat[flat[inside]]
        if np.array_equal(low, labels):
            break
        labels = low
    values, counts = np.unique(labels[mask], return_counts=True)
    label = values[int(np.argmax(counts))]
    rows, cols = np.nonzero(labels == label)
    return float(cols.mean() + 0.5), float(rows.mean() + 0.5), float(len(rows))


def detect(
    frame: np.ndarray, colour: str, *, tolerance: float = 110.0, min_area: float = 3.0
) -> tuple[float, float, float] | None:
    """Colour segmentation of ONE colour in one frame: (x, y, area_px) of the largest blob of that colour, or
    None. ``colour`` is a ``COLOURS`` (or ``CHARACTER_COLOURS``) name; see ``classify`` for the pixel rule.
    Isolated single pixels are dropped; blobs smaller than ``min_area`` pixels count as absent."""
    if colour not in _PROTOTYPE_NAMES:
        raise ValueError(f"unknown colour {colour!r}")
    mask = _clean(classify(frame, tolerance=tolerance) == _PROTOTYPE_NAMES.index(colour))
    blob = _largest_blob(mask)
    return blob if blob is not None and blob[2] >= min_area else None


def detect_all(
    frame: np.ndarray, *, tolerance: float = 110.0, min_area: float = 3.0
) -> dict[str, tuple[float, float, float]]:
    """``detect`` for every object colour at once (one classification pass): colour -> (x, y, area)."""
    classes = classify(frame, tolerance=tolerance)
    found: dict[str, tuple[float, float, float]] = {}
    for index, name in enumerate(COLOURS):
        blob = _largest_blob(_clean(classes == index))
        if blob is not None and blob[2] >= min_area:
            found[name] = blob
    return found


def detect_character(
    frame: np.ndarray, handle: str | None = None, *, tolerance: float = 110.0, min_area: float = 4.0
) -> tuple[float, float, float] | None:
    """Find the character: (x, y, area_px) of the largest blob of character tones (``CHARACTER_COLOURS``), or
    None. Its ground-truth position is the centroid of its body- and trim-coloured cells in the frame's pose.
    Any character tone counts, not just the handle's two: a clip holds at most one character, nothing else
    uses those tones, and blends of a tone with the sprite's black or white accent can land nearer another
    tone. Character tones are muted, so the grey rule is relaxed (``grey_margin=2``) to keep blended edges.
    ``handle``, when given, must be a known identity (to check its dominant colour, compare
    ``identity(handle).body`` with ``dominant_character_colour`` of the blob's crop)."""
    if handle is not None:
        identity(handle)
    classes = classify(frame, tolerance=tolerance, grey_margin=2.0)
    mask = classes >= len(COLOURS)
    blob = _largest_blob(_clean(mask))
    return blob if blob is not None and blob[2] >= min_area else None


def dominant_character_colour(image: np.ndarray, *, tolerance: float = 110.0) -> str | None:
    """The ``CHARACTER_COLOURS`` name covering most pixels of an image (a clip crop or a reference image), or
    None: an identity's body colour is its dominant one, which tells identities' colour schemes apart."""
    classes = classify(image, tolerance=tolerance)
    tones = classes[classes >= len(COLOURS)] - len(COLOURS)
    if not tones.size:
        return None
    return list(CHARACTER_COLOURS)[int(np.bincount(tones).argmax())]
