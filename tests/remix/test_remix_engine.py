"""Remix strength in the shipped model: with the same seed, a remix at a low strength stays closer to its
parent than one at a high strength, measured as the mean absolute pixel difference from the parent clip."""

from __future__ import annotations

import numpy as np
import pytest

from generation.engine import Engine, GenerationRequest
from generation.engine.world import make_clip


@pytest.fixture(scope="module")
def demo_engine() -> Engine:
    engine = Engine.load(config="demo", device="cpu")
    assert engine.trained, "the demo checkpoint ships with the package"
    return engine


@pytest.mark.slow
def test_a_low_strength_remix_stays_closer_to_its_parent(demo_engine):
    height, width = demo_engine.config.frame_size("landscape")
    fps = demo_engine.config.fps
    parent = make_clip(11, height=height, width=width, frames=2 * fps, fps=fps, split="heldout")
    distances = {}
    for strength in (0.2, 0.5, 0.9):
        clip = demo_engine.generate(
            GenerationRequest(
                prompt="a blue box slides left while a red ball bounces",
                duration_seconds=2,
                aspect_ratio="landscape",
                seed=5,
                steps=8,
                remix_source=parent.frames,
                remix_strength=strength,
            )
        )
        assert clip.frames.shape == parent.frames.shape
        distances[strength] = float(np.abs(clip.frames.astype(np.int16) - parent.frames).mean())
    assert distances[0.2] < distances[0.5] < distances[0.9], distances
    # Not a rounding effect: each step up moves the clip clearly further from its parent.
    assert distances[0.5] - distances[0.2] > 1 and distances[0.9] - distances[0.5] > 1, distances
