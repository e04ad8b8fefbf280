"""Colour segmentation: which named colour each pixel shows (``classify``), and its 8-connected blobs
(``components``). ``detect`` finds an object by its colour; ``detect_character`` finds the (single)
character as the largest blob of character tones, and ``dominant_character_colour`` of a crop names its body
colour, i.e. which identity's colour scheme it wears. Blob centroids follow the package's pixel convention
(the centre of the top-left pixel is ``(0.5, 0.5)``). The evaluation (``generation.engine.evaluate``)
measures generated clips with the same rules and thresholds.
"""

from __future__ import annotations

import numpy as np

from generation.engine.world.palette import CHARACTER_COLOURS, COLOURS
from generation.engine.world.sprites import identity

TOLERANCE = 110.0  # RGB distance: the farthest a pixel may lie from the named colour it shows
MIN_AREA = 3.0  # px: the smallest blob ``detect`` reports
CHARACTER_MIN_AREA = 4.0  # px: the smallest blob ``detect_character`` reports
CHARACTER_GREY_MARGIN = 2.0  # ``classify``'s grey_margin for the muted character tones (keeps blended edges)

_PROTOTYPE_NAMES: tuple[str, ...] = (*COLOURS, *CHARACTER_COLOURS)
_PROTOTYPES = np.array([*COLOURS.values(), *CHARACTER_COLOURS.values()], dtype=np.float32)
_LONE = 2.0  # an isolated single pixel is never a blob for ``detect``: its blobs have at least 2 px


def classify(frame: np.ndarray, *, tolerance: float = TOLERANCE, grey_margin: float = 1.0) -> np.ndarray:
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


def components(classes: np.ndarray, min_area: float = MIN_AREA) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """8-connected components of equal non-negative values of ``classes`` (int [H, W]): ``(value, rows,
    cols)`` for each one of at least ``min_area`` pixels, largest first (ties: the one whose first pixel in
    row-major order comes first), its pixels in row-major order."""
    valid = classes >= 0
    if not valid.any():
        return []
    h, w = classes.shape
    big = h * w
    labels = np.where(valid, np.arange(big).reshape(h, w), big)
    padded_classes = np.pad(np.where(valid, classes, -2), 1, constant_values=-3)
    links = []
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy or dx:
                same = padded_classes[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w] == classes
                links.append((dy, dx, same & valid))
    while True:
        padded = np.pad(labels, 1, constant_values=big)
        low = labels.copy()
        for dy, dx, same in links:
            low = np.where(same, np.minimum(low, padded[1 + dy : 1 + dy + h, 1 + dx : 1 + dx + w]), low)
        flat = low.ravel()
        inside = flat < big
        for _ in range(4):  # pointer jumping: each label to its own label
            flat[inside] = flat[flat[inside]]
        if np.array_equal(low, labels):
            break
        labels = low
    rows, cols = np.nonzero(valid)
    roots, inverse, counts = np.unique(labels[rows, cols], return_inverse=True, return_counts=True)
    order = np.argsort(inverse, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)])
    found = []
    for k in np.argsort(-counts, kind="stable"):
        if counts[k] < min_area:
            break
        members = order[starts[k] : starts[k + 1]]
        found.append((int(classes.flat[int(roots[k])]), rows[members], cols[members]))
    return found


def object_components(
    classes: np.ndarray, min_area: float = MIN_AREA
) -> dict[str, list[tuple[np.ndarray, np.ndarray]]]:
    """Object colour -> the ``(rows, cols)`` of each of its blobs in a ``classify`` result, largest first:
    ``components`` of the object colours' pixels (colours in the order their largest blob comes)."""
    found: dict[str, list[tuple[np.ndarray, np.ndarray]]] = {}
    for value, rows, cols in components(np.where(classes < len(COLOURS), classes, -1), min_area):
        found.setdefault(_PROTOTYPE_NAMES[value], []).append((rows, cols))
    return found


def centroid(rows: np.ndarray, cols: np.ndarray) -> tuple[float, float, float]:
    """(x, y, area) of a blob given by its pixels, in the pixel convention (pixel centres at +0.5)."""
    return float(cols.mean() + 0.5), float(rows.mean() + 0.5), float(len(rows))


def _largest_blob(mask: np.ndarray, min_area: float) -> tuple[float, float, float] | None:
    """(x, y, area) of the largest 8-connected blob of a mask when it has at least ``min_area`` pixels (and
    is not an isolated pixel), or None."""
    found = components(np.where(mask, 0, -1), max(min_area, _LONE))
    return centroid(found[0][1], found[0][2]) if found else None


def detect(
    frame: np.ndarray, colour: str, *, tolerance: float = TOLERANCE, min_area: float = MIN_AREA
) -> tuple[float, float, float] | None:
    """Colour segmentation of ONE colour in one frame: (x, y, area_px) of the largest blob of that colour, or
    None. ``colour`` is a ``COLOURS`` (or ``CHARACTER_COLOURS``) name; see ``classify`` for the pixel rule.
    Isolated single pixels are dropped; blobs smaller than ``min_area`` pixels count as absent."""
    if colour not in _PROTOTYPE_NAMES:
        raise ValueError(f"unknown colour {colour!r}")
    return _largest_blob(classify(frame, tolerance=tolerance) == _PROTOTYPE_NAMES.index(colour), min_area)


def detect_all(
    frame: np.ndarray, *, tolerance: float = TOLERANCE, min_area: float = MIN_AREA
) -> dict[str, tuple[float, float, float]]:
    """``detect`` for every object colour at once (one classification pass): colour -> (x, y, area)."""
    blobs = object_components(classify(frame, tolerance=tolerance), max(min_area, _LONE))
    return {name: centroid(*blobs[name][0]) for name in COLOURS if name in blobs}


def detect_character(
    frame: np.ndarray,
    handle: str | None = None,
    *,
    tolerance: float = TOLERANCE,
    min_area: float = CHARACTER_MIN_AREA,
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
    classes = classify(frame, tolerance=tolerance, grey_margin=CHARACTER_GREY_MARGIN)
    return _largest_blob(classes >= len(COLOURS), min_area)


def dominant_character_colour(image: np.ndarray, *, tolerance: float = TOLERANCE) -> str | None:
    """The ``CHARACTER_COLOURS`` name covering most pixels of an image (a clip crop or a reference image), or
    None: an identity's body colour is its dominant one, which tells identities' colour schemes apart."""
    classes = classify(image, tolerance=tolerance)
    tones = classes[classes >= len(COLOURS)] - len(COLOURS)
    if not tones.size:
        return None
    return list(CHARACTER_COLOURS)[int(np.bincount(tones).argmax())]
