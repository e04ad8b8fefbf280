from django.urls import path

from feed import api

urlpatterns = [
    path("videos/<str:video_id>/", api.VideoDetailView.as_view(), name="video-detail"),
    path("videos/<str:video_id>/publish/", api.PublishView.as_view(), name="video-publish"),
    path("videos/<str:video_id>/like/", api.LikeView.as_view(), name="video-like"),
    path("videos/<str:video_id>/comments/", api.CommentsView.as_view(), name="video-comments"),
    path("comments/<str:comment_id>/", api.CommentDetailView.as_view(), name="comment-detail"),
    path("users/<str:username>/videos/", api.ProfileVideosView.as_view(), name="user-videos"),
    path("me/videos/", api.MyVideosView.as_view(), name="me-videos"),
    path("notifications/", api.NotificationsView.as_view(), name="notifications"),
    path("feed/following/", api.FollowingFeedView.as_view(), name="feed-following"),
    path("feed/for-you/", api.ForYouFeedView.as_view(), name="feed-for-you"),
    path("feed/preferences/", api.FeedPreferencesView.as_view(), name="feed-preferences"),
    path("notifications/read/", api.NotificationsReadView.as_view(), name="notifications-read"),
]
