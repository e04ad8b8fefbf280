from django.apps import AppConfig


class FeedConfig(AppConfig):
    name = "feed"

    def ready(self) -> None:
        from feed import receivers

        receivers.subscribe()

        from feed.visibility import VIDEO_MEDIA, video_media_allowed
        from sora_social.core.media_access import register_media_kind

        register_media_kind(VIDEO_MEDIA, video_media_allowed)
