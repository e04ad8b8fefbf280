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

Colours. Objects take the six saturated ``COLOURS``, at most one object per colour in a clip, so a colour
names an object; a character wears only the muted ``CHARACTER_COLOURS`` and everything else in the room is
neutral grey, so colour segmentation finds every entity (see ``palette``). Held-out split: every
``split="heldout"`` clip shows a held-out (colour, shape) pair, and a held-out identity if it has a
character; ``split="train"`` never shows either.

The modules (every public name is importable from the package itself):
- ``palette``: the named colours, shapes, identities' handles and the held-out split.
- ``sprites``: each identity's sprite (``identity``) and its reference image (``render_reference``).
- ``scene``: what decides a clip, in world units (``Body``, ``Occluder``, ``Scene``), and random scenes
  (``make_scene``).
- ``physics``: the simulation of a scene, frame by frame, with the events the captions tell.
- ``render``: the camera, what it sees of each body, and the painting of the frames.
- ``captions``: what a simulated clip's caption says.
- ``clip``: a clip with its ground truth (``WorldClip``): ``render_scene``, ``make_clip``, ``clip_stream``.
- ``segmentation``: finding colours, objects and the character in frames (``classify``, ``detect``,
  ``detect_all``, ``detect_character``, ``dominant_character_colour``).
"""

from generation.engine.world.clip import (
    ObjectInfo,
    WorldClip,
    clip_stream,
    config_shapes,
    make_clip,
    render_scene,
)
from generation.engine.world.palette import (
    ACCENT_DARK,
    ACCENT_LIGHT,
    CHARACTER_COLOURS,
    COLOURS,
    HELDOUT_IDENTITIES,
    HELDOUT_PAIRS,
    IDENTITIES,
    RGB,
    SHAPE_WORDS,
    SHAPES,
    SPLITS,
)
from generation.engine.world.physics import HIT_SPEED, MIN_BOUNCE, REST_SPEED, SUBSTEP_RATE
from generation.engine.world.scene import (
    GRAVITY,
    MAX_SLIDE,
    OBJECT_HALF,
    WALL,
    Body,
    Occluder,
    Scene,
    make_scene,
)
from generation.engine.world.segmentation import (
    CHARACTER_GREY_MARGIN,
    CHARACTER_MIN_AREA,
    MIN_AREA,
    TOLERANCE,
    centroid,
    classify,
    components,
    detect,
    detect_all,
    detect_character,
    dominant_character_colour,
    object_components,
)
from generation.engine.world.sprites import SPRITE, Identity, identity, render_reference

__all__ = [
    "ACCENT_DARK",
    "ACCENT_LIGHT",
    "CHARACTER_COLOURS",
    "CHARACTER_GREY_MARGIN",
    "CHARACTER_MIN_AREA",
    "COLOURS",
    "GRAVITY",
    "HELDOUT_IDENTITIES",
    "HELDOUT_PAIRS",
    "HIT_SPEED",
    "IDENTITIES",
    "MAX_SLIDE",
    "MIN_AREA",
    "MIN_BOUNCE",
    "OBJECT_HALF",
    "REST_SPEED",
    "RGB",
    "SHAPES",
    "SHAPE_WORDS",
    "SPLITS",
    "SPRITE",
    "SUBSTEP_RATE",
    "TOLERANCE",
    "WALL",
    "Body",
    "Identity",
    "ObjectInfo",
    "Occluder",
    "Scene",
    "WorldClip",
    "centroid",
    "classify",
    "clip_stream",
    "components",
    "config_shapes",
    "detect",
    "detect_all",
    "detect_character",
    "dominant_character_colour",
    "identity",
    "make_clip",
    "make_scene",
    "object_components",
    "render_reference",
    "render_scene",
]
