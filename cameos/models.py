from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from sora_social.core.models import AppendOnlyModel, SnowflakeField

HANDLE_MIN_LENGTH = 3
HANDLE_MAX_LENGTH = 30
PREFERENCES_MAX_LENGTH = 500


class Cameo(models.Model):
    """A likeness (``self``) or a character that its owner lets chosen people put into videos.

    A deleted cameo keeps its row, without media, so that its consent records stay readable; its handle is
    free again for a new cameo.
    """

    class Kind(models.TextChoices):
        SELF = "self"
        CHARACTER = "character"

    class Audience(models.TextChoices):
        ONLY_ME = "only_me"
        APPROVED = "approved"
        MUTUALS = "mutuals"
        EVERYONE = "everyone"

    class Status(models.TextChoices):
        PENDING_VERIFICATION = "pending_verification"
        IN_REVIEW = "in_review"
        ACTIVE = "active"
        REJECTED = "rejected"
        REMOVED = "removed"
        DELETED = "deleted"

    id = SnowflakeField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cameos")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    handle = models.CharField(max_length=HANDLE_MAX_LENGTH, help_text="Unique among live cameos, any case.")
    display_name = models.CharField(max_length=50)
    audience = models.CharField(max_length=16, choices=Audience.choices, default=Audience.ONLY_ME)
    preferences = models.CharField(
        max_length=PREFERENCES_MAX_LENGTH,
        blank=True,
        help_text="The owner's wishes, for generation conditioning and the prompt policy.",
    )
    status = models.CharField(max_length=24, choices=Status.choices)
    verification_recording = models.CharField(
        max_length=255, blank=True, help_text="A recording kept for a moderator while the cameo is in review."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                Lower("handle"), condition=~models.Q(status="deleted"), name="cameos_cameo_handle_live_unique"
            )
        ]
        indexes = [
            models.Index(fields=["owner", "-id"], name="cameos_cameo_owner_idx"),
            models.Index(fields=["status", "audience"], name="cameos_cameo_status_idx"),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}"


class ReferenceImage(models.Model):
    id = SnowflakeField()
    cameo = models.ForeignKey(Cameo, on_delete=models.CASCADE, related_name="reference_images")
    image = models.FileField(max_length=255, help_text="A re-encoded copy of the upload, without metadata.")

    def __str__(self) -> str:
        return f"reference {self.id} of {self.cameo_id}"


class Approval(models.Model):
    """Someone the owner put on a cameo's approved list."""

    id = SnowflakeField()
    cameo = models.ForeignKey(Cameo, on_delete=models.CASCADE, related_name="approvals")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["cameo", "user"], name="cameos_approval_unique")]
        indexes = [models.Index(fields=["user", "cameo"], name="cameos_approval_user_idx")]

    def __str__(self) -> str:
        return f"{self.user_id} approved for {self.cameo_id}"


class VerificationChallenge(models.Model):
    """What the owner of a ``self`` cameo must say and do on camera; used once, and only before it expires."""

    id = SnowflakeField()
    cameo = models.ForeignKey(Cameo, on_delete=models.CASCADE, related_name="challenges")
    phrase = models.CharField(max_length=200)
    head_turns = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["cameo", "-created_at"], name="cameos_challenge_cameo_idx")]

    def __str__(self) -> str:
        return f"challenge {self.id} for {self.cameo_id}"


class ConsentRecord(AppendOnlyModel):
    """One grant, revocation, change, use, takedown, deletion, verification outcome or moderation removal of a
    cameo.

    Append-only: the model refuses updates and deletes, and on PostgreSQL a trigger refuses them too. It
    names the cameo, the people and the video by id with snapshots of their names, so it stays readable
    when they are gone; only the links to a deleted user may be cleared (the name stays).
    """

    class Action(models.TextChoices):
        CREATE = "create"
        GRANT = "grant"
        REVOKE = "revoke"
        AUDIENCE_CHANGE = "audience_change"
        PREFERENCES_CHANGE = "preferences_change"
        USE = "use"
        APPEARANCE = "appearance"
        WITHDRAWAL = "withdrawal"
        TAKEDOWN = "takedown"
        DELETION = "deletion"
        VERIFICATION = "verification"
        REVIEW = "review"
        REMOVAL = "removal"
        REINSTATEMENT = "reinstatement"

    id = SnowflakeField()
    action = models.CharField(max_length=24, choices=Action.choices)
    cameo_id = models.BigIntegerField()
    cameo_handle = models.CharField(max_length=HANDLE_MAX_LENGTH)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The other person involved: the approved user, the video's author, the cameo's owner.",
    )
    subject_username = models.CharField(max_length=150, blank=True)
    video_id = models.BigIntegerField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [
            models.Index(fields=["cameo_id", "-id"], name="cameos_consent_cameo_idx"),
            models.Index(fields=["action", "-id"], name="cameos_consent_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} of @{self.cameo_handle}"
