"""A URL configuration with views that fail, for the error-format tests."""

from django.urls import include, path
from rest_framework.response import Response
from rest_framework.views import APIView


class Boom(APIView):
    permission_classes: list[type] = []

    def get(self, request):
        raise RuntimeError("boom")


def plain_boom(request):
    raise RuntimeError("plain boom")


class Echo(APIView):
    permission_classes: list[type] = []
    authentication_classes: list[type] = []

    def post(self, request):
        return Response(request.data)


urlpatterns = [
    path("boom/", Boom.as_view()),
    path("plain-boom/", plain_boom),
    path("echo/", Echo.as_view()),
    path("", include("sora_social.urls")),
]
