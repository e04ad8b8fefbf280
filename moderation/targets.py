"""What moderation acts on: a video, a comment, a user or a cameo, each through one adapter.

An adapter (a ``TargetKind``) is everything moderation knows about one kind of target: how to load it (as
it is, or as a reporter may see it), whose it is and how it reads in a list, what a moderator is shown of
it now (in the API and in the admin), its state in the audit log, and how to take it down and bring it
back through the services of its own app. ``KINDS`` registers each kind once, by its ``TargetType``;
selectors, services, the API and the admin read the adapter instead of asking which kind they hold.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar

from django.db.models import Model, QuerySet
from rest_framework.request import Request

from cameos.models import Cameo
from cameos.selectors import cameo_get_visible
from cameos.services import cameo_reinstate, cameo_remove, cameo_review_decide
from feed.models import Comment, FeaturedCameo, Video
from feed.selectors import comment_get, video_get_visible
from feed.serializers import video_media_urls
from feed.services import (
    comment_restore,
    comment_take_down,
    video_media_files,
    video_restore,
    video_take_down,
)
from moderation.models import TargetType
from sora_social.accounts.models import User
from sora_social.accounts.selectors import user_get_visible
from sora_social.accounts.services import user_profile_redact, user_profile_restore
from sora_social.core.errors import Conflict
from sora_social.core.ids import parse_id

LABEL_LENGTH = 200

M = TypeVar("M", bound=Model)
Undo = dict[str, Any]


@dataclass(frozen=True)
class Target:
    """What an item is about: the object itself, whose it is, how it reads in a list, and its adapter."""

    kind: TargetKind[Any]
    id: int
    obj: Any
    subject: User | None
    label: str

    @property
    def type(self) -> str:
        return self.kind.type


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 1] + "…"


class TargetKind(ABC, Generic[M]):
    """One kind of target. The steps with a body here are those most kinds have nothing to do in."""

    type: ClassVar[str]
    # How the target reads to its owner in a notification: "your {noun} was removed".
    noun: ClassVar[str]
    # A report may name a target of this kind by something other than its id (a user: the username).
    named_by_username: ClassVar[bool] = False

    def target(self, obj: M) -> Target:
        return Target(self, obj.pk, obj, self.subject(obj), _clip(self.label(obj)))

    @abstractmethod
    def rows(self) -> QuerySet[M]:
        """Every target of this kind, whatever its state, with what its label and subject read."""

    @abstractmethod
    def visible(self, *, viewer: User, target_id: Any) -> M:
        """The target if ``viewer`` may see it; the kind's usual 404 otherwise."""

    @abstractmethod
    def subject(self, obj: M) -> User:
        """Whose it is: who an action would be against."""

    @abstractmethod
    def label(self, obj: M) -> str:
        """How it reads in a list (clipped by ``target``)."""

    @abstractmethod
    def preview(self, obj: M, request: Request) -> dict[str, Any]:
        """The target now, for a moderator reading the queue through the API."""

    @abstractmethod
    def summary(self, obj: M) -> list[tuple[str, str]]:
        """The target now, line by line, for a moderator in the admin."""

    @abstractmethod
    def state(self, obj: M) -> dict[str, Any]:
        """Its state as the audit log shows it before and after an action."""

    @abstractmethod
    def remove(self, obj: M, *, actor: User, note: str) -> tuple[Undo, list[str]]:
        """Take it down through its own app (409 ``already_removed`` if it is): what undoing it needs, and
        the files to keep until no appeal can bring it back."""

    @abstractmethod
    def restore(self, obj: M, *, undo: Undo, actor: User, note: str) -> None:
        """Undo ``remove`` with what it returned."""

    def dismissed(self, obj: M, *, moderator: User, note: str) -> None:
        """What else a dismissed item decides about its target."""

    def cameos_of(self, obj: M, *, owner: User) -> list[str]:
        """The handles of ``owner``'s cameos that appear in the target: their report is a cameo owner's."""
        return []

    def notification_video(self, obj: M) -> Video | None:
        """The video a notification about the target links to."""
        return None

    def watch_file(self, obj: M) -> str:
        """The stored file a moderator may play in the admin; empty when there is none."""
        return ""


class VideoKind(TargetKind[Video]):
    type = TargetType.VIDEO
    noun = "video"

    def rows(self) -> QuerySet[Video]:
        return Video.objects.select_related("author")

    def visible(self, *, viewer: User, target_id: Any) -> Video:
        return video_get_visible(viewer=viewer, video_id=target_id)

    def subject(self, obj: Video) -> User:
        return obj.author

    def label(self, obj: Video) -> str:
        return f"video by @{obj.author.username}: {obj.caption or obj.prompt}"

    def preview(self, obj: Video, request: Request) -> dict[str, Any]:
        media = video_media_urls(obj, request) if obj.video_file.name else {}
        return {
            "status": obj.status,
            "caption": obj.caption,
            "prompt": obj.prompt,
            "remix_of": str(obj.remix_of_id) if obj.remix_of_id else None,
            **media,
        }

    def summary(self, obj: Video) -> list[tuple[str, str]]:
        return [("status", obj.status), ("caption", obj.caption), ("prompt", obj.prompt)]

    def state(self, obj: Video) -> dict[str, Any]:
        return {"status": obj.status, "removal_reason": obj.removal_reason}

    def remove(self, obj: Video, *, actor: User, note: str) -> tuple[Undo, list[str]]:
        if obj.status == Video.Status.REMOVED:
            raise Conflict("This video is already removed.", code="already_removed")
        video_take_down(video=obj, reason=Video.Removal.MODERATION, purge=False)
        return {}, video_media_files(obj)

    def restore(self, obj: Video, *, undo: Undo, actor: User, note: str) -> None:
        video_restore(video=obj)

    def cameos_of(self, obj: Video, *, owner: User) -> list[str]:
        return list(FeaturedCameo.objects.filter(video=obj, owner=owner).values_list("handle", flat=True))

    def notification_video(self, obj: Video) -> Video | None:
        return obj

    def watch_file(self, obj: Video) -> str:
        return obj.video_file.name or ""


class CommentKind(TargetKind[Comment]):
    type = TargetType.COMMENT
    noun = "comment"

    def rows(self) -> QuerySet[Comment]:
        return Comment.objects.select_related("author", "video")

    def visible(self, *, viewer: User, target_id: Any) -> Comment:
        return comment_get(viewer=viewer, comment_id=target_id)

    def subject(self, obj: Comment) -> User:
        return obj.author

    def label(self, obj: Comment) -> str:
        return f"comment by @{obj.author.username}: {obj.text}"

    def preview(self, obj: Comment, request: Request) -> dict[str, Any]:
        return {"text": obj.text, "video_id": str(obj.video_id), "removed": obj.removed_at is not None}

    def summary(self, obj: Comment) -> list[tuple[str, str]]:
        return [("text", obj.text), ("removed", "yes" if obj.removed_at else "no")]

    def state(self, obj: Comment) -> dict[str, Any]:
        return {"removed": obj.removed_at is not None}

    def remove(self, obj: Comment, *, actor: User, note: str) -> tuple[Undo, list[str]]:
        if not comment_take_down(comment=obj):
            raise Conflict("This comment is already removed.", code="already_removed")
        return {}, []

    def restore(self, obj: Comment, *, undo: Undo, actor: User, note: str) -> None:
        comment_restore(comment=obj)


class UserKind(TargetKind[User]):
    """A user as a target is their profile: removing it blanks the name, bio and avatar."""

    type = TargetType.USER
    noun = "profile"
    named_by_username = True

    def rows(self) -> QuerySet[User]:
        return User.objects.all()

    def visible(self, *, viewer: User, target_id: Any) -> User:
        pk = parse_id(target_id)
        username = User.objects.filter(pk=pk).values_list("username", flat=True).first() if pk else None
        return user_get_visible(username=username or str(target_id), viewer=viewer)

    def subject(self, obj: User) -> User:
        return obj

    def label(self, obj: User) -> str:
        return f"@{obj.username}"

    def preview(self, obj: User, request: Request) -> dict[str, Any]:
        return {
            "username": obj.username,
            "display_name": obj.display_name,
            "bio": obj.bio,
            "is_active": obj.is_active,
        }

    def summary(self, obj: User) -> list[tuple[str, str]]:
        return [("name", obj.display_name), ("bio", obj.bio), ("active", "yes" if obj.is_active else "no")]

    def state(self, obj: User) -> dict[str, Any]:
        return {"display_name": obj.display_name, "bio": obj.bio}

    def remove(self, obj: User, *, actor: User, note: str) -> tuple[Undo, list[str]]:
        profile = user_profile_redact(user=obj)  # the avatar's files are held until no appeal can undo it
        held = [profile["avatar"], profile["avatar_thumbnail"]]
        return {"profile": profile}, [name for name in held if name]

    def restore(self, obj: User, *, undo: Undo, actor: User, note: str) -> None:
        user_profile_restore(user=obj, before=undo.get("profile", {}))


class CameoKind(TargetKind[Cameo]):
    type = TargetType.CAMEO
    noun = "cameo"

    def rows(self) -> QuerySet[Cameo]:
        return Cameo.objects.select_related("owner")

    def visible(self, *, viewer: User, target_id: Any) -> Cameo:
        return cameo_get_visible(viewer=viewer, cameo_id=target_id)

    def subject(self, obj: Cameo) -> User:
        return obj.owner

    def label(self, obj: Cameo) -> str:
        return f"cameo @{obj.handle} of @{obj.owner.username}"

    def preview(self, obj: Cameo, request: Request) -> dict[str, Any]:
        return {
            "handle": obj.handle,
            "display_name": obj.display_name,
            "kind": obj.kind,
            "status": obj.status,
            "preferences": obj.preferences,
        }

    def summary(self, obj: Cameo) -> list[tuple[str, str]]:
        return [("handle", f"@{obj.handle}"), ("status", obj.status), ("preferences", obj.preferences)]

    def state(self, obj: Cameo) -> dict[str, Any]:
        return {"status": obj.status}

    def remove(self, obj: Cameo, *, actor: User, note: str) -> tuple[Undo, list[str]]:
        if obj.status in (Cameo.Status.REMOVED, Cameo.Status.DELETED):
            raise Conflict("This cameo is already removed.", code="already_removed")
        appearances = cameo_remove(cameo=obj, actor=actor, note=note)
        return {"appearance_ids": [str(pk) for pk in appearances]}, []

    def restore(self, obj: Cameo, *, undo: Undo, actor: User, note: str) -> None:
        ids = [int(pk) for pk in undo.get("appearance_ids", [])]
        cameo_reinstate(cameo=obj, actor=actor, appearance_ids=ids, note=note)

    def dismissed(self, obj: Cameo, *, moderator: User, note: str) -> None:
        """A cameo left for review whose item is dismissed is approved."""
        if obj.status == Cameo.Status.IN_REVIEW:
            cameo_review_decide(cameo=obj, moderator=moderator, approve=True, note=note)


KINDS: dict[str, TargetKind[Any]] = {
    kind.type: kind for kind in (VideoKind(), CommentKind(), UserKind(), CameoKind())
}


def kind_of(target_type: str) -> TargetKind[Any]:
    return KINDS[TargetType(target_type)]
