"""What a worker needs around the engine: the engine itself (loaded once per process), a job turned into an
engine request (cameo reference images and a remix parent read from storage), and the clip turned into
publishable media: the creator's moving watermark burned in, H.264 MP4, a poster, and a signed C2PA
manifest."""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from cameos.selectors import cameo_references
from feed.models import Video
from generation.engine.requests import Beat, CameoReference, GenerationRequest
from generation.engine.video import read_raw_clip, read_video
from generation.models import GenerationJob
from generation.provenance import sign_mp4, signing_identity
from generation.watermark import burn_watermark
from sora_social.core.media import VideoInfo, poster_jpeg
from toolkit.mp4 import encode_mp4

if TYPE_CHECKING:  # PyTorch, only where a worker loads the engine
    from generation.engine.pipeline import Clip, Engine

logger = logging.getLogger(__name__)

_engine: Engine | None = None
_engine_lock = threading.Lock()


def engine() -> Engine:
    """The engine of this process, loaded on first use from the configured checkpoint."""
    from generation.engine.pipeline import Engine

    global _engine
    with _engine_lock:
        if _engine is None or _engine.config.name != settings.GENERATION_ENGINE_CONFIG:
            _engine = Engine.load(
                settings.GENERATION_CHECKPOINT or None,
                config=settings.GENERATION_ENGINE_CONFIG,
                device=settings.GENERATION_DEVICE or None,
            )
            # The text encoder too: loaded inside the first job, it would hold that job's first progress
            # report back for seconds, long enough to look like a lost worker under a short lease.
            _engine.text.load()
            if not _engine.trained:
                logger.warning(
                    "generation: no trained checkpoint for %r; videos will be noise",
                    settings.GENERATION_ENGINE_CONFIG,
                )
        return _engine


def _read_image(name: str) -> np.ndarray:
    with default_storage.open(name, "rb") as handle:
        return np.asarray(Image.open(io.BytesIO(handle.read())).convert("RGB"))


def _remix_source(parent: Video) -> np.ndarray | None:
    """The parent's frames: its raw clip, lossless at the engine's size, when it has one (every generated
    video does); otherwise its MP4, decoded."""
    if parent.raw_file:
        with default_storage.open(parent.raw_file.name, "rb") as handle:
            data = handle.read()
        try:
            return read_raw_clip(data)[0]
        except ValueError:
            logger.warning("video %s: its raw clip does not read; decoding its MP4 instead", parent.pk)
    if not parent.video_file:
        return None
    with default_storage.open(parent.video_file.name, "rb") as handle:
        return read_video(handle.read())[0]


def engine_request(job: GenerationJob) -> GenerationRequest:
    references = cameo_references(cameo_ids=[int(pk) for pk in job.cameo_ids])
    cameos = [
        CameoReference(image=_read_image(references[int(pk)][0]), preferences=references[int(pk)][1])
        for pk in job.cameo_ids
        if references.get(int(pk), ("", ""))[0]
    ]
    remix_source = _remix_source(job.remix_of) if job.remix_of is not None else None
    return GenerationRequest(
        prompt=job.prompt,
        duration_seconds=job.duration_seconds,
        aspect_ratio=job.aspect_ratio,
        seed=job.seed,
        steps=job.steps,
        cameos=cameos,
        storyboard=[Beat(float(beat["at_seconds"]), str(beat["prompt"])) for beat in job.storyboard],
        remix_source=remix_source,
        remix_strength=job.remix_strength,
    )


@dataclass(frozen=True)
class Rendered:
    """A generated clip as publishable media."""

    video: bytes  # the signed MP4
    poster: bytes  # JPEG
    raw_clip: bytes  # native size, lossless, no watermark: what remixes of it start from
    info: VideoInfo  # the MP4's size, rate and length, known from the frames it was encoded from


def render(job: GenerationJob, clip: Clip) -> Rendered:
    """The signed MP4 and the JPEG poster of a generated clip, both watermarked with the creator's handle,
    and its raw clip."""
    frames = burn_watermark(clip.display_frames(), handle=job.user.username, fps=clip.fps)
    mp4 = sign_mp4(
        encode_mp4(frames, clip.fps),
        identity=signing_identity(),
        title=job.prompt[:120],
        creator=job.user.username,
        model=clip.config.name,
        job_id=str(job.pk),
    )
    count, height, width = frames.shape[:3]
    return Rendered(
        video=mp4,
        poster=poster_jpeg(frames[len(frames) // 2]),
        raw_clip=clip.raw(),
        info=VideoInfo(width, height, float(clip.fps), round(count / clip.fps, 3), count),
    )
