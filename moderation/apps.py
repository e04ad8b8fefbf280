from django.apps import AppConfig


class ModerationConfig(AppConfig):
    name = "moderation"
    label = "moderation"

    def ready(self) -> None:
        from moderation import receivers

        receivers.subscribe()
