from django.urls import path

from generation import api

urlpatterns = [
    path("generations/", api.GenerationsView.as_view(), name="generations"),
    path("generations/<str:job_id>/", api.GenerationDetailView.as_view(), name="generation-detail"),
    path("generations/<str:job_id>/cancel/", api.GenerationCancelView.as_view(), name="generation-cancel"),
    path("videos/<str:video_id>/remix/", api.RemixView.as_view(), name="video-remix"),
    path("videos/<str:video_id>/provenance/", api.VideoProvenanceView.as_view(), name="video-provenance"),
]
