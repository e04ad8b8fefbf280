from django.apps import AppConfig


class RealtimeConfig(AppConfig):
    name = "sora_social.realtime"
    label = "realtime"
