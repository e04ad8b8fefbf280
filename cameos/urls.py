from django.urls import path

from cameos import api

urlpatterns = [
    path("cameos/", api.CameosView.as_view(), name="cameos"),
    path("cameos/available/", api.AvailableCameosView.as_view(), name="cameos-available"),
    path("cameos/<str:cameo_id>/", api.CameoDetailView.as_view(), name="cameo-detail"),
    path("cameos/<str:cameo_id>/approvals/", api.ApprovalsView.as_view(), name="cameo-approvals"),
    path(
        "cameos/<str:cameo_id>/approvals/<str:username>/",
        api.ApprovalDetailView.as_view(),
        name="cameo-approval-detail",
    ),
    path(
        "cameos/<str:cameo_id>/verification/challenge/",
        api.ChallengeView.as_view(),
        name="cameo-verification-challenge",
    ),
    path("cameos/<str:cameo_id>/verification/", api.VerificationView.as_view(), name="cameo-verification"),
    path("cameos/<str:cameo_id>/appearances/", api.AppearancesView.as_view(), name="cameo-appearances"),
    path(
        "cameos/<str:cameo_id>/appearances/<str:video_id>/",
        api.AppearanceDetailView.as_view(),
        name="cameo-appearance-detail",
    ),
]
