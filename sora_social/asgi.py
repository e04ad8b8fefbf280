"""The ASGI application: Django over HTTP behind the request body limits, the event socket over WebSocket."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sora_social.settings")

from django.core.asgi import get_asgi_application

django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from sora_social.core.limits import RequestBodyLimit  # noqa: E402
from sora_social.realtime.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": RequestBodyLimit(django_asgi_app),
        "websocket": AuthMiddlewareStack(URLRouter(websocket_urlpatterns)),
    }
)

# Everything loaded so far lives as long as the process: keep it out of the collector's sight, so a full
# collection no longer walks a couple of hundred thousand objects (a ~125 ms pause inside a request).
gc.collect()
gc.freeze()
