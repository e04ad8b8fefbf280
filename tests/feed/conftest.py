from __future__ import annotations

import functools
from collections.abc import Callable

import pytest

from feed.models import Video
from feed.services import CameoInVideo, video_create_draft, video_publish
from sora_social.accounts.models import User
from sora_social.core.media import poster_jpeg, test_pattern
from toolkit.mp4 import encode_mp4


@functools.cache
def tiny_media(seed: int = 0) -> tuple[bytes, bytes]:
    frames = test_pattern(frames=8, width=32, height=24, seed=seed)
    return encode_mp4(frames, fps=8), poster_jpeg(frames[0])


@pytest.fixture
def make_video(db: None) -> Callable[..., Video]:
    def make(
        author: User,
        *,
        publish: bool = True,
        visibility: str = "public",
        caption: str = "",
        cameo_owners: tuple[User, ...] = (),
        prompt: str = "a red ball bounces",
    ) -> Video:
        video_bytes, poster = tiny_media()
        cameos = [
            CameoInVideo(cameo_id=1000 + i, owner=o, handle=f"{o.username}_cameo")
            for i, o in enumerate(cameo_owners)
        ]
        video = video_create_draft(
            author=author, video_bytes=video_bytes, poster_bytes=poster, prompt=prompt, cameos=cameos
        )
        if publish:
            video = video_publish(
                video=video, actor=author, caption=caption, visibility=visibility, allow_remix=True
            )
        return video

    return make
