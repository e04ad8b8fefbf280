from django.urls import path

from web.views import accounts, cameos, create, drafts, feeds, reports, videos

app_name = "web"

urlpatterns = [
    path("", feeds.following, name="following"),
    path("for-you/", feeds.for_you, name="for-you"),
    path("create/", create.create, name="create"),
    path("create/cameos/", create.cameo_choices, name="create-cameos"),
    path("jobs/<str:job_id>/", create.job, name="job"),
    path("jobs/<str:job_id>/cancel/", create.job_cancel, name="job-cancel"),
    path("drafts/", drafts.drafts, name="drafts"),
    path("cameos/", cameos.cameos, name="cameos"),
    path("cameos/new/", cameos.cameo_create, name="cameo-create"),
    path("cameos/<str:cameo_id>/", cameos.cameo, name="cameo"),
    path("cameos/<str:cameo_id>/approvals/", cameos.approval_add, name="cameo-approval-add"),
    path(
        "cameos/<str:cameo_id>/approvals/<str:username>/remove/",
        cameos.approval_remove,
        name="cameo-approval-remove",
    ),
    path(
        "cameos/<str:cameo_id>/appearances/<str:video_id>/take-down/",
        cameos.take_down,
        name="cameo-take-down",
    ),
    path("cameos/<str:cameo_id>/challenge/", cameos.challenge, name="cameo-challenge"),
    path("cameos/<str:cameo_id>/verification/", cameos.verify, name="cameo-verify"),
    path("sign-in/", accounts.sign_in, name="sign-in"),
    path("sign-up/", accounts.sign_up, name="sign-up"),
    path("sign-out/", accounts.sign_out, name="sign-out"),
    path("profile/edit/", accounts.profile_edit, name="profile-edit"),
    path("u/<str:username>/", accounts.profile, name="profile"),
    path("notifications/", accounts.notifications, name="notifications"),
    path("notifications/badge/", accounts.unread_badge, name="notifications-badge"),
    path("v/<str:video_id>/", videos.video, name="video"),
    path("v/<str:video_id>/provenance/", videos.provenance, name="provenance"),
    path("v/<str:video_id>/like/", videos.like, name="like"),
    path("v/<str:video_id>/unlike/", videos.unlike, name="unlike"),
    path("v/<str:video_id>/comments/", videos.comment_add, name="comment-add"),
    path("v/<str:video_id>/publish/", drafts.publish, name="publish"),
    path("v/<str:video_id>/delete/", drafts.delete, name="delete"),
    path("comments/<str:comment_id>/delete/", videos.comment_delete, name="comment-delete"),
    path("report/<str:target_type>/<str:target_id>/", reports.report, name="report"),
]
