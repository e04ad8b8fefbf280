from django.apps import AppConfig


class CameosConfig(AppConfig):
    name = "cameos"

    def ready(self) -> None:
        from cameos import receivers

        receivers.subscribe()

        from cameos.selectors import REFERENCE_IMAGE_MEDIA, reference_image_media_allowed
        from sora_social.core.media_access import register_media_kind

        register_media_kind(REFERENCE_IMAGE_MEDIA, reference_image_media_allowed)
