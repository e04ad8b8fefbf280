from django.urls import path

from moderation import api

urlpatterns = [
    path("reports/", api.ReportsView.as_view(), name="reports"),
    path("appeals/", api.AppealsView.as_view(), name="appeals"),
    path("moderation/queue/", api.QueueView.as_view(), name="moderation-queue"),
    path("moderation/items/<str:item_id>/", api.ItemView.as_view(), name="moderation-item"),
    path("moderation/items/<str:item_id>/claim/", api.ItemClaimView.as_view(), name="moderation-item-claim"),
    path(
        "moderation/items/<str:item_id>/release/",
        api.ItemReleaseView.as_view(),
        name="moderation-item-release",
    ),
    path(
        "moderation/items/<str:item_id>/resolve/",
        api.ItemResolveView.as_view(),
        name="moderation-item-resolve",
    ),
    path("moderation/appeals/", api.ModerationAppealsView.as_view(), name="moderation-appeals"),
    path(
        "moderation/appeals/<str:appeal_id>/resolve/",
        api.AppealResolveView.as_view(),
        name="moderation-appeal-resolve",
    ),
    path("moderation/audit/", api.AuditView.as_view(), name="moderation-audit"),
]
