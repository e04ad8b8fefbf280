from django.apps import AppConfig


class CameosConfig(AppConfig):
    name = "cameos"

    def ready(self) -> None:
        from cameos import receivers  # noqa: F401  (connects the signal receivers)
        from cameos.services import publish_check
        from feed.services import publish_checks

        if publish_check not in publish_checks:
            publish_checks.append(publish_check)

        from cameos.selectors import REFERENCE_IMAGE_MEDIA, reference_image_media_allowed
        from sora_social.core.media_access import register_media_kind

        register_media_kind(REFERENCE_IMAGE_MEDIA, reference_image_media_allowed)
