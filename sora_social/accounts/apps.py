from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "sora_social.accounts"
    label = "accounts"

    def ready(self) -> None:
        from sora_social.accounts.selectors import AVATAR_MEDIA, avatar_media_allowed
        from sora_social.core.media_access import register_media_kind

        register_media_kind(AVATAR_MEDIA, avatar_media_allowed)
