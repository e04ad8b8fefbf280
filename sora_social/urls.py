from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from sora_social.core import errors, health, media_access

api_v1 = [
    path("", include("sora_social.accounts.urls")),
    path("", include("sora_social.realtime.urls")),
    path("", include("feed.urls")),
    path("", include("cameos.urls")),
    path("", include("remix.urls")),
    path("", include("generation.urls")),
    path("", include("moderation.urls")),
]

PAGE = ["get", "head"]

urlpatterns = [
    # Liveness and readiness probes of the web role (sora_social/core/health.py).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # HTML pages, read with GET only (DRF's OPTIONS answer, API metadata, has no page template to render).
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema", http_method_names=PAGE), name="docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema", http_method_names=PAGE), name="redoc"),
    path("admin/", admin.site.urls),
    # The web client's pages, from the root.
    path("", include("web.urls")),
]

# Local media, only through signed links that the view checks (sora_social.core.media_access); nothing is
# served here when media is on S3.
urlpatterns.append(re_path(r"^media/(?P<name>.+)$", media_access.serve))
urlpatterns.append(re_path(r"^(?P<path>.*)$", errors.unknown_path))

handler400 = errors.bad_request
handler403 = errors.permission_denied
handler404 = errors.page_not_found
handler500 = errors.server_error
