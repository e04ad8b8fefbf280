from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from cameos.models import Cameo
from cameos.services import cameo_create, cameo_delete, cameo_uses_record, cameos_for_generation
from feed.models import Video
from feed.services import CameoInVideo, video_create_draft, video_publish
from sora_social.accounts.models import User
from tests.cameos.recordings import reference_images
from tests.feed.conftest import tiny_media

_handles = itertools.count(1)


def upload(data: bytes, name: str = "face.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def references(seed: int = 0, count: int = 3) -> list[SimpleUploadedFile]:
    return [upload(data, f"face{i}.jpg") for i, data in enumerate(reference_images(seed, count=count))]


def media_files() -> set[str]:
    """Every file under MEDIA_ROOT, relative to it."""
    root = Path(settings.MEDIA_ROOT)
    return {str(Path(folder, name).relative_to(root)) for folder, _, names in os.walk(root) for name in names}


def cameo_url(cameo: Cameo, action: str = "") -> str:
    return f"/api/v1/cameos/{cameo.pk}/{action + '/' if action else ''}"


@pytest.fixture
def make_cameo(db: None) -> Callable[..., Cameo]:
    """A cameo made through the service; ``status`` other than the kind's first one is set directly."""

    def make(
        owner: User,
        *,
        audience: str = "everyone",
        kind: str = "character",
        status: str | None = None,
        handle: str | None = None,
        seed: int = 0,
        images: int = 1,
    ) -> Cameo:
        cameo = cameo_create(
            owner=owner,
            kind=kind,
            handle=handle or f"{owner.username}_cameo{next(_handles)}",
            display_name=f"{owner.username}'s cameo",
            audience=audience,
            reference_images=references(seed, images),
        )
        if status == "deleted":
            cameo_delete(cameo=cameo, actor=owner)
        elif status is not None and status != cameo.status:
            Cameo.objects.filter(pk=cameo.pk).update(status=status)
        cameo.refresh_from_db()
        return cameo

    return make


def draft_featuring(author: User, cameos: list[Cameo]) -> Video:
    """A draft made without asking for consent, as if consent was lost after the generation started."""
    video_bytes, poster = tiny_media()
    featured = [CameoInVideo(cameo_id=c.pk, owner=c.owner, handle=c.handle) for c in cameos]
    return video_create_draft(author=author, video_bytes=video_bytes, poster_bytes=poster, cameos=featured)


@pytest.fixture
def make_draft(db: None) -> Callable[..., Video]:
    """A draft made the way the generation pipeline will: consent through ``cameos_for_generation``, then
    ``video_create_draft``, then ``cameo_uses_record``; published when asked."""

    def make(author: User, *cameos: Cameo, publish: bool = False, visibility: str = "public") -> Video:
        featured = cameos_for_generation(user=author, cameo_ids=[c.pk for c in cameos])
        video_bytes, poster = tiny_media()
        video = video_create_draft(
            author=author, video_bytes=video_bytes, poster_bytes=poster, prompt="a cameo", cameos=featured
        )
        cameo_uses_record(video=video)
        if publish:
            video = video_publish(video=video, actor=author, visibility=visibility)
        return video

    return make
