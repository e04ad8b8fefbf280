"""Every read of users and the social graph."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, F, Q, QuerySet, When

from sora_social.accounts.models import AuthToken, Block, Follow, User
from sora_social.core.errors import Forbidden, InvalidInput, NotFound

MODERATORS_GROUP = "moderators"


@dataclass(frozen=True)
class Relationship:
    is_following: bool = False
    follows_you: bool = False
    is_blocked: bool = False

    @property
    def is_mutual(self) -> bool:
        return self.is_following and self.follows_you


def blocked_either_way(user: User) -> QuerySet[Block, Any]:
    """The ids of everyone in a block with ``user``, whichever of the two made it, as a subquery (filter with
    ``<user field>__in``): the one rule by which a block hides two people from each other, in lists,
    comments, notifications, counts, videos and cameo consent. (A profile is the exception: its owner still
    sees the people they block, see ``_blocks``.)"""
    return (
        Block.objects.filter(Q(blocker=user) | Q(blocked=user))
        .annotate(other_id=Case(When(blocker=user, then=F("blocked_id")), default=F("blocker_id")))
        .values("other_id")
    )


@dataclass(frozen=True)
class GraphOf:
    """Subqueries of the user ids around ``user``, for filters that other layers build on (visibility,
    cameo consent): whom they follow, who follows them, and who is in a block with them either way."""

    following: QuerySet[Follow, Any]
    followers: QuerySet[Follow, Any]
    blocked_either_way: QuerySet[Block, Any]


def graph_of(user: User) -> GraphOf:
    return GraphOf(
        following=Follow.objects.filter(follower=user).values("followee_id"),
        followers=Follow.objects.filter(followee=user).values("follower_id"),
        blocked_either_way=blocked_either_way(user),
    )


def user_find(*, username: str) -> User | None:
    return User.objects.filter(username__iexact=username, is_active=True).first()


def _blocks(*, blocker: User, blocked: User) -> bool:
    """Whether ``blocker`` blocks ``blocked``, which hides the blocker's profile (and avatar) from them."""
    return Block.objects.filter(blocker=blocker, blocked=blocked).exists()


def user_with_password(*, username: str, password: str) -> User | None:
    """The account, active or suspended, that ``username`` (in any case) and ``password`` open; None when they
    open none. Whoever asks decides what a suspended account may do (sign in: no; appeal: yes)."""
    user = User.objects.filter(username__iexact=username).first()
    if user is None:
        User().set_password(password)  # as long as a wrong password takes, so timing tells no names
        return None
    return user if user.check_password(password) else None


def user_signing_in(*, username: str, password: str) -> User:
    """The account that signs in with ``username`` and ``password`` (for a token or a session): 400
    ``invalid_credentials`` when they open none, 403 ``account_suspended`` when they open a suspended one."""
    user = user_with_password(username=username, password=password)
    if user is None:
        raise InvalidInput("The username or password is not right.", code="invalid_credentials")
    if not user.is_active:
        raise Forbidden(
            "This account is suspended. You can appeal with POST /api/v1/appeals/, sending your username "
            "and password with it.",
            code="account_suspended",
        )
    return user


def user_get_visible(*, username: str, viewer: User) -> User:
    """The profile ``viewer`` may see: 404 for unknown or deactivated users and for users who block them."""
    user = user_find(username=username)
    if user is None or (user.pk != viewer.pk and _blocks(blocker=user, blocked=viewer)):
        raise NotFound(f"There is no user called {username!r}.", code="user_not_found")
    return user


def block_exists_between(*, a: User, b: User) -> bool:
    return User.objects.filter(pk=b.pk, pk__in=blocked_either_way(a)).exists()


def blocked_user_ids(*, user: User) -> set[int]:
    """Everyone hidden from ``user`` by a block, in either direction."""
    return {row["other_id"] for row in blocked_either_way(user)}


def users_are_mutuals(*, a: User, b: User) -> bool:
    return Follow.objects.filter(Q(follower=a, followee=b) | Q(follower=b, followee=a)).count() == 2


def relationships(*, viewer: User, user_ids: Iterable[int]) -> dict[int, Relationship]:
    """How ``viewer`` relates to each of ``user_ids``, in three queries whatever their number."""
    ids = set(user_ids) - {viewer.pk}
    if not ids:
        return {}
    following = set(
        Follow.objects.filter(follower=viewer, followee_id__in=ids).values_list("followee_id", flat=True)
    )
    followers = set(
        Follow.objects.filter(followee=viewer, follower_id__in=ids).values_list("follower_id", flat=True)
    )
    blocked = set(
        Block.objects.filter(blocker=viewer, blocked_id__in=ids).values_list("blocked_id", flat=True)
    )
    return {
        user_id: Relationship(
            is_following=user_id in following, follows_you=user_id in followers, is_blocked=user_id in blocked
        )
        for user_id in ids
    }


def follower_edges(*, user: User, viewer: User) -> QuerySet[Follow]:
    """Who follows ``user``, as follow edges, leaving out anyone hidden from ``viewer`` by a block."""
    return (
        Follow.objects.filter(followee=user, follower__is_active=True)
        .exclude(follower_id__in=blocked_either_way(viewer))
        .select_related("follower")
    )


def following_edges(*, user: User, viewer: User) -> QuerySet[Follow]:
    return (
        Follow.objects.filter(follower=user, followee__is_active=True)
        .exclude(followee_id__in=blocked_either_way(viewer))
        .select_related("followee")
    )


def block_edges(*, user: User) -> QuerySet[Block]:
    return Block.objects.filter(blocker=user).select_related("blocked")


def token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def auth_token_find(*, key: str) -> AuthToken | None:
    return AuthToken.objects.select_related("user").filter(digest=token_digest(key)).first()


def user_is_moderator(user: User | AnonymousUser) -> bool:
    """Moderators are the ``moderators`` group; superusers may do all that they do. Staff status alone (admin
    access for other work) does not make a moderator."""
    if not isinstance(user, User) or not user.is_active:
        return False
    return user.is_superuser or user.groups.filter(name=MODERATORS_GROUP).exists()


AVATAR_MEDIA = "avatar"


def avatar_media_allowed(*, object_id: int, name: str, viewer: User | None) -> bool:
    """Whether a media link to the avatar ``name`` of user ``object_id`` still works (sora_social.core.
    media_access asks on every request): it is still their avatar or that avatar's thumbnail, their account
    is active, and they do not block the viewer it was minted for (as with their profile)."""
    user = User.objects.filter(pk=object_id, is_active=True).first()
    if user is None or not name or not user.avatar:
        return False
    if name not in (user.avatar.name, user.avatar_thumbnail.name):
        return False
    return viewer is None or not _blocks(blocker=user, blocked=viewer)
