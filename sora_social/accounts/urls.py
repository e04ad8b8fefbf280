from django.urls import path

from sora_social.accounts import api

urlpatterns = [
    path("auth/register/", api.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", api.TokenView.as_view(), name="auth-token"),
    path("auth/session/", api.SessionView.as_view(), name="auth-session"),
    path("me/", api.MeView.as_view(), name="me"),
    path("me/blocks/", api.MyBlocksView.as_view(), name="me-blocks"),
    path("users/<str:username>/", api.UserDetailView.as_view(), name="user-detail"),
    path("users/<str:username>/follow/", api.FollowView.as_view(), name="user-follow"),
    path("users/<str:username>/block/", api.BlockView.as_view(), name="user-block"),
    path("users/<str:username>/followers/", api.FollowersView.as_view(), name="user-followers"),
    path("users/<str:username>/following/", api.FollowingView.as_view(), name="user-following"),
]
