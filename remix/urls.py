from django.urls import path

from remix import api

urlpatterns = [
    path("videos/<str:video_id>/remixes/", api.RemixesView.as_view(), name="video-remixes"),
    path("videos/<str:video_id>/lineage/", api.LineageView.as_view(), name="video-lineage"),
    path("videos/<str:video_id>/remix-tree/", api.RemixTreeView.as_view(), name="video-remix-tree"),
]
