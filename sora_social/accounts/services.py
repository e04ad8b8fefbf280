"""Every write to users, tokens and the social graph."""

from __future__ import annotations

import io
import os
import secrets
from datetime import date
from typing import IO

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from PIL import Image, ImageOps

from sora_social.accounts.hooks import Blocking, Following, block_created, follow_created, follow_deleted
from sora_social.accounts.models import (
    USERNAME_MAX_LENGTH,
    USERNAME_MIN_LENGTH,
    AuthToken,
    Block,
    Follow,
    User,
    username_validator,
)
from sora_social.accounts.selectors import block_exists_between, token_digest
from sora_social.core.errors import Forbidden, InvalidInput
from sora_social.core.events import account_group, close_sockets, session_group, token_group
from sora_social.core.images import normalize_image
from sora_social.core.storage import delete_files

MINIMUM_AGE_YEARS = 13
RESERVED_USERNAMES = frozenset(
    {
        "admin",
        "administrator",
        "api",
        "me",
        "moderator",
        "moderators",
        "root",
        "staff",
        "support",
        "system",
        "sora",
        "sora_social",
        "official",
        "help",
        "security",
        "null",
        "undefined",
    }
)
AVATAR_MAX_BYTES = 8 * 1024 * 1024
AVATAR_MAX_PIXELS = 40_000_000
AVATAR_SIDE = 512
AVATAR_THUMBNAIL_SIDE = 96  # shown at 36 CSS pixels in cards: sharp up to a 2.7x screen


def _invalid(field: str, message: str, code: str = "invalid") -> InvalidInput:
    return InvalidInput(
        f"{field.replace('_', ' ').capitalize()}: {message}", code=code, fields={field: [message]}
    )


def username_check(username: str) -> None:
    if not USERNAME_MIN_LENGTH <= len(username) <= USERNAME_MAX_LENGTH:
        raise _invalid("username", f"Use {USERNAME_MIN_LENGTH} to {USERNAME_MAX_LENGTH} characters.")
    try:
        username_validator(username)
    except DjangoValidationError as error:
        raise _invalid("username", error.messages[0]) from None
    if username.lower() in RESERVED_USERNAMES:
        raise _invalid("username", "This username is reserved.", code="username_taken")
    if User.objects.filter(username__iexact=username).exists():
        raise _invalid("username", "This username is taken.", code="username_taken")


def _age_on(birth_date: date, today: date) -> int:
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


@transaction.atomic
def user_register(*, username: str, password: str, email: str = "", birth_date: date | None = None) -> User:
    username_check(username)
    email = email.strip()
    if email and User.objects.filter(email__iexact=email).exists():
        raise _invalid("email", "An account with this email already exists.", code="email_taken")
    if birth_date is not None:
        today = timezone.localdate()
        if birth_date > today:
            raise _invalid("birth_date", "The birth date is in the future.")
        if _age_on(birth_date, today) < MINIMUM_AGE_YEARS:
            raise _invalid(
                "birth_date", f"You must be at least {MINIMUM_AGE_YEARS} to use this app.", code="too_young"
            )
    user = User(username=username, email=email, birth_date=birth_date)
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as error:
        raise InvalidInput(
            f"Password: {error.messages[0]}", code="invalid", fields={"password": error.messages}
        ) from None
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        # Two sign-ups raced for the same name; the database's case-insensitive constraint decided.
        raise _invalid("username", "This username is taken.", code="username_taken") from None
    return user


def auth_token_create(*, user: User, user_agent: str = "") -> tuple[AuthToken, str]:
    """A new token for one device; returns the token and its key, which is never stored or shown again."""
    key = secrets.token_hex(20)
    token = AuthToken.objects.create(user=user, digest=token_digest(key), user_agent=user_agent[:200])
    return token, key


@transaction.atomic
def auth_token_revoke(*, token: AuthToken) -> None:
    """Sign one device out: the token stops working and its open sockets close."""
    AuthToken.objects.filter(pk=token.pk).delete()
    close_sockets([token_group(token.pk)])


def auth_token_touch(*, token: AuthToken) -> None:
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 300:
        AuthToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def session_revoke(*, session_key: str | None) -> None:
    """Close the sockets opened with a browser session that is being signed out."""
    if session_key:
        close_sockets([session_group(session_key)])


@transaction.atomic
def user_deactivate(*, user: User) -> None:
    """Shut an account: it cannot sign in or use the API (token and session authentication refuse inactive
    users), every token is deleted and every open socket closes after commit. Its content is hidden by the
    visibility rules, which only show active authors, and comes back with ``user_reactivate``."""
    User.objects.filter(pk=user.pk).update(is_active=False)
    user.is_active = False
    AuthToken.objects.filter(user=user).delete()
    close_sockets([account_group(user.pk)])


@transaction.atomic
def user_reactivate(*, user: User) -> None:
    User.objects.filter(pk=user.pk).update(is_active=True)
    user.is_active = True


# What a redaction blanks and a restore puts back (the avatar and its thumbnail go and come back together).
REDACTED_PROFILE_FIELDS = ("display_name", "bio", "avatar", "avatar_thumbnail")


def avatar_files(user: User) -> list[str]:
    """The stored files of a user's avatar: the image and its thumbnail, where there is one."""
    return [name for name in (user.avatar.name, user.avatar_thumbnail.name) if name]


@transaction.atomic
def user_profile_redact(*, user: User) -> dict[str, str]:
    """Blank a profile's name, bio and avatar; returns what they were, for ``user_profile_restore``. The
    avatar's files are kept: whoever redacts decides when they go (``delete_files``)."""
    before = {
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar": user.avatar.name if user.avatar else "",
        "avatar_thumbnail": user.avatar_thumbnail.name if user.avatar_thumbnail else "",
    }
    user.display_name, user.bio, user.avatar.name, user.avatar_thumbnail.name = "", "", "", ""
    user.save(update_fields=list(REDACTED_PROFILE_FIELDS))
    return before


@transaction.atomic
def user_profile_restore(*, user: User, before: dict[str, str]) -> None:
    """Put back a redacted profile, field by field, unless the user has since set that field again (the
    avatar and its thumbnail as one: neither comes back over an avatar set since)."""
    fields = []
    for name in ("display_name", "bio"):
        if getattr(user, name) == "" and before.get(name):
            setattr(user, name, before[name])
            fields.append(name)
    if not user.avatar and before.get("avatar"):
        user.avatar.name = before["avatar"]
        user.avatar_thumbnail.name = before.get("avatar_thumbnail", "")
        fields += ["avatar", "avatar_thumbnail"]
    if fields:
        user.save(update_fields=fields)


def avatar_thumbnail_bytes(image: IO[bytes]) -> tuple[bytes, str]:
    """A square thumbnail of a normalised avatar (cropped to its middle, AVATAR_THUMBNAIL_SIDE pixels a
    side): JPEG, or PNG where the avatar has transparency. Returns the bytes and the file extension."""
    image.seek(0)
    with Image.open(image) as source:
        has_alpha = source.mode in ("RGBA", "LA")
        square = ImageOps.fit(
            source.convert("RGBA" if has_alpha else "RGB"),
            (AVATAR_THUMBNAIL_SIDE, AVATAR_THUMBNAIL_SIDE),
            Image.Resampling.LANCZOS,
        )
    out = io.BytesIO()
    if has_alpha:
        square.save(out, format="PNG", optimize=True)
        return out.getvalue(), ".png"
    square.save(out, format="JPEG", quality=85, optimize=True, progressive=False)
    return out.getvalue(), ".jpg"


def _avatar_store(user: User, avatar: IO[bytes]) -> tuple[str, str]:
    """Normalise and store an avatar and its thumbnail; returns their names (the caller sets them)."""
    clean = normalize_image(
        avatar,
        field="avatar",
        max_bytes=AVATAR_MAX_BYTES,
        max_pixels=AVATAR_MAX_PIXELS,
        max_side=AVATAR_SIDE,
    )
    stem = f"avatars/{user.pk}/{secrets.token_hex(8)}"
    thumbnail, thumbnail_extension = avatar_thumbnail_bytes(clean)
    clean.seek(0)
    full = default_storage.save(f"{stem}{os.path.splitext(clean.name or '')[1]}", clean)
    try:
        small = default_storage.save(f"{stem}-thumb{thumbnail_extension}", ContentFile(thumbnail))
    except Exception:
        delete_files([full])
        raise
    return full, small


@transaction.atomic
def user_profile_update(
    *,
    user: User,
    display_name: str | None = None,
    bio: str | None = None,
    avatar: IO[bytes] | None = None,
    remove_avatar: bool = False,
) -> User:
    fields: list[str] = []
    if display_name is not None:
        user.display_name = display_name.strip()
        fields.append("display_name")
    if bio is not None:
        user.bio = bio.strip()
        fields.append("bio")
    old_files = avatar_files(user)
    new_files: list[str] = []
    if avatar is not None:
        new_files = list(_avatar_store(user, avatar))
        user.avatar.name, user.avatar_thumbnail.name = new_files
        fields += ["avatar", "avatar_thumbnail"]
    elif remove_avatar:
        user.avatar.name, user.avatar_thumbnail.name = "", ""
        fields += ["avatar", "avatar_thumbnail"]
    if not fields:
        return user
    try:
        user.save(update_fields=fields)
    except Exception:
        delete_files(new_files)
        raise
    if old_files and "avatar" in fields:
        transaction.on_commit(lambda: delete_files(old_files))
    return user


def _check_not_self(actor: User, target: User, verb: str) -> None:
    if actor.pk == target.pk:
        raise InvalidInput(f"You cannot {verb} yourself.", code=f"cannot_{verb}_self")


@transaction.atomic
def follow_create(*, follower: User, followee: User) -> bool:
    """Follow; returns False when already following (the call is idempotent)."""
    _check_not_self(follower, followee, "follow")
    if block_exists_between(a=follower, b=followee):
        raise Forbidden("You cannot follow this user.", code="blocked")
    _, created = Follow.objects.get_or_create(follower=follower, followee=followee)
    if created:
        User.objects.filter(pk=follower.pk).update(following_count=F("following_count") + 1)
        User.objects.filter(pk=followee.pk).update(follower_count=F("follower_count") + 1)
        for user in (follower, followee):
            user.refresh_from_db(fields=["follower_count", "following_count"])
        follow_created.send(Following(follower=follower, followee=followee))
    return created


def _follow_remove(*, follower: User, followee: User) -> bool:
    deleted, _ = Follow.objects.filter(follower=follower, followee=followee).delete()
    if deleted:
        User.objects.filter(pk=follower.pk).update(following_count=F("following_count") - 1)
        User.objects.filter(pk=followee.pk).update(follower_count=F("follower_count") - 1)
    return bool(deleted)


@transaction.atomic
def follow_delete(*, follower: User, followee: User) -> bool:
    """Unfollow; returns False when there was nothing to undo."""
    _check_not_self(follower, followee, "follow")
    removed = _follow_remove(follower=follower, followee=followee)
    if removed:
        follow_deleted.send(Following(follower=follower, followee=followee))
    return removed


@transaction.atomic
def block_create(*, blocker: User, blocked: User) -> bool:
    """Block, which also removes the follows between the two in both directions."""
    _check_not_self(blocker, blocked, "block")
    _, created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    _follow_remove(follower=blocker, followee=blocked)
    _follow_remove(follower=blocked, followee=blocker)
    if created:
        block_created.send(Blocking(blocker=blocker, blocked=blocked))
    return created


@transaction.atomic
def block_delete(*, blocker: User, blocked: User) -> bool:
    _check_not_self(blocker, blocked, "block")
    deleted, _ = Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    return bool(deleted)
