from django.urls import path, re_path

from sora_social.realtime.consumers import EventsConsumer, UnknownPathConsumer

websocket_urlpatterns = [
    path("ws/events/", EventsConsumer.as_asgi()),
    re_path(r"^.*$", UnknownPathConsumer.as_asgi()),
]
