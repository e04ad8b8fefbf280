from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "sora_social.core"
    label = "core"
