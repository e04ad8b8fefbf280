from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from sora_social.core.models import SnowflakeField

USERNAME_MIN_LENGTH = 3
USERNAME_MAX_LENGTH = 30
username_validator = RegexValidator(
    regex=r"^[A-Za-z0-9](?:[A-Za-z0-9_]*[A-Za-z0-9])?$",
    message="Use letters, digits and underscores only, starting and ending with a letter or digit.",
    code="invalid_username",
)


class CaseInsensitiveUserManager(UserManager["User"]):
    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(username__iexact=username)


class User(AbstractUser):
    id = SnowflakeField()
    username = models.CharField(
        max_length=USERNAME_MAX_LENGTH,
        unique=True,
        validators=[username_validator],
        help_text="Unique without regard to case.",
    )
    display_name = models.CharField(max_length=50, blank=True)
    bio = models.CharField(max_length=300, blank=True)
    avatar = models.ImageField(upload_to="avatars/%Y/%m/", blank=True)
    # A small copy of the avatar for where it is shown small (cards, lists), written with it by the profile
    # service; empty for an avatar stored before thumbnails existed, which is then shown in full.
    avatar_thumbnail = models.ImageField(upload_to="avatars/%Y/%m/", blank=True, editable=False)
    birth_date = models.DateField(null=True, blank=True)
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)

    objects: ClassVar[CaseInsensitiveUserManager] = CaseInsensitiveUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
            models.UniqueConstraint(
                Lower("email"), condition=~models.Q(email=""), name="accounts_user_email_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.username


class Follow(models.Model):
    id = SnowflakeField()
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_edges")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_edges")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="accounts_follow_unique"),
            models.CheckConstraint(
                condition=~models.Q(follower=models.F("followee")), name="accounts_follow_not_self"
            ),
        ]
        indexes = [
            models.Index(fields=["followee", "-id"], name="accounts_follow_followee_idx"),
            models.Index(fields=["follower", "-id"], name="accounts_follow_follower_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.follower_id} follows {self.followee_id}"


class Block(models.Model):
    id = SnowflakeField()
    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_made")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocks_received")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="accounts_block_unique"),
            models.CheckConstraint(
                condition=~models.Q(blocker=models.F("blocked")), name="accounts_block_not_self"
            ),
        ]
        indexes = [models.Index(fields=["blocker", "-id"], name="accounts_block_blocker_idx")]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"


class AuthToken(models.Model):
    """An API token. Only the SHA-256 digest of the key is stored; the key is shown once, at creation.

    A user has one token per signed-in device, so signing out on one device leaves the others alone.
    """

    id = SnowflakeField()
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="auth_tokens")
    digest = models.CharField(max_length=64, unique=True)
    user_agent = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"token {self.id} of {self.user_id}"
