from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    label = "moderation"

    def ready(self) -> None:
        from feed.services import publish_checks
        from moderation.services import flag_from_signal, publish_check
        from sora_social.core.safety import listen

        listen(flag_from_signal)
        if publish_check not in publish_checks:
            publish_checks.append(publish_check)
