"""Reading "more animals, less sports": a preference text is split into phrases, and each phrase counts
for or against. Sentence embeddings do not understand negation ("less sports" sits close to "sports"), so
the words that negate are read here and only the topics are embedded."""

from __future__ import annotations

import re

import numpy as np

from toolkit.minilm import embed_texts

LESS = (
    "less of ",
    "less ",
    "fewer ",
    "no more ",
    "no ",
    "not ",
    "without ",
    "never ",
    "stop showing ",
    "hide ",
)
MORE = ("more of ", "more ", "show me ", "lots of ", "i like ", "i love ", "love ")


def split(text: str) -> tuple[list[str], list[str]]:
    """The topics wanted and the topics not wanted."""
    more: list[str] = []
    less: list[str] = []
    for phrase in re.split(r"[,;.!\n]+|\s+but\s+|\s+and\s+(?=(?:less|fewer|no|not|without)\b)", text.lower()):
        phrase = phrase.strip()
        negative = next((marker for marker in LESS if phrase.startswith(marker)), None)
        if negative:
            topic = phrase[len(negative) :].strip()
            if topic:
                less.append(topic)
            continue
        positive = next((marker for marker in MORE if phrase.startswith(marker)), "")
        topic = phrase[len(positive) :].strip()
        if topic:
            more.append(topic)
    return more, less


def centroid(phrases: list[str]) -> np.ndarray | None:
    """The normalised mean of the phrases' embeddings, or None without phrases."""
    if not phrases:
        return None
    mean = embed_texts(phrases).mean(axis=0)
    return (mean / (np.linalg.norm(mean) or 1.0)).astype(np.float32)
