from django.apps import AppConfig


class WebConfig(AppConfig):
    """The web client: server-rendered pages (templates and htmx) over the selectors and services that the
    API uses, owning no rule of its own."""

    name = "web"
