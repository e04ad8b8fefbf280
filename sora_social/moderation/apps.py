from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "sora_social.moderation"
    label = "moderation"

    def ready(self) -> None:
        from feed.services import publish_checks
        from sora_social.core.safety import listen
        from sora_social.moderation.services import flag_from_signal, publish_check

        listen(flag_from_signal)
        if publish_check not in publish_checks:
            publish_checks.append(publish_check)
