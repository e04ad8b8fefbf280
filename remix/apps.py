from django.apps import AppConfig


class RemixConfig(AppConfig):
    name = "remix"

    def ready(self) -> None:
        from remix import receivers

        receivers.subscribe()
