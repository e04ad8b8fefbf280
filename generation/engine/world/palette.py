"""The world's named colours, shapes and identities, and the held-out split.

Colours. Objects take the six saturated ``COLOURS`` (near the corners of the RGB cube, every pair at least
120 apart, every one at least 110 from the grey axis); at most one object per colour in a clip, so a colour
names an object. Everything else in the room is exactly neutral (R = G = B). A character is painted only in
``CHARACTER_COLOURS`` (muted tones, each at least 100 from every object colour) plus a black or white
accent, so segmenting an object colour never fires on it.

Held-out split. ``split="train"`` never shows a ``HELDOUT_PAIRS`` (colour, shape) or a
``HELDOUT_IDENTITIES`` character; every ``split="heldout"`` clip shows at least one held-out pair, and its
character, if any, is a held-out identity.
"""

from __future__ import annotations

RGB = tuple[int, int, int]

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

_SPLIT_CODE = {"train": 0, "heldout": 1}
