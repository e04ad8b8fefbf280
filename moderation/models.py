from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from sora_social.core.models import AppendOnlyModel, SnowflakeField


class TargetType(models.TextChoices):
    VIDEO = "video"
    COMMENT = "comment"
    USER = "user"
    CAMEO = "cameo"


class ReviewItem(models.Model):
    """Everything reported or flagged about one target, for one decision. While an item is open, new
    reports and flags on its target join it instead of making another; once it is resolved, the next
    report opens a new one."""

    class Status(models.TextChoices):
        OPEN = "open"
        RESOLVED = "resolved"

    id = SnowflakeField()
    target_type = models.CharField(max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    target_label = models.CharField(max_length=200, help_text="What the target was, as it read when flagged.")
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Whose content or account it is: who an action would be against.",
    )
    subject_username = models.CharField(max_length=150, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    priority = models.IntegerField(default=0, db_index=True)
    top_reason = models.CharField(max_length=32, blank=True, help_text="The gravest reason or flag.")
    report_count = models.PositiveIntegerField(default=0)
    flag_count = models.PositiveIntegerField(default=0)
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True)
    resolution = models.CharField(max_length=32, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["target_type", "target_id"],
                condition=models.Q(status="open"),
                name="moderation_item_one_open_per_target",
            )
        ]
        indexes = [
            models.Index(fields=["status", "-priority", "-id"], name="moderation_item_queue_idx"),
            models.Index(fields=["target_type", "target_id"], name="moderation_item_target_idx"),
        ]

    def __str__(self) -> str:
        return f"review of {self.target_type} {self.target_id} ({self.status})"


class Report(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam"
        HARASSMENT = "harassment"
        LIKENESS_MISUSE = "likeness_misuse"
        SEXUAL = "sexual"
        VIOLENCE = "violence"
        MINOR_SAFETY = "minor_safety"
        OTHER = "other"

    class Outcome(models.TextChoices):
        PENDING = "pending"
        UPHELD = "upheld"
        DISMISSED = "dismissed"

    id = SnowflakeField()
    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="reports")
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty once the reporter's account is deleted; the report still counts.",
    )
    reporter_username = models.CharField(max_length=150)
    reason = models.CharField(max_length=32, choices=Reason.choices)
    note = models.CharField(max_length=1000, blank=True)
    weight = models.FloatField(help_text="How much the reporter's past reports were borne out, 0 to 1.")
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "reporter"], name="moderation_report_once")]
        indexes = [models.Index(fields=["reporter", "-id"], name="moderation_report_reporter_idx")]

    def __str__(self) -> str:
        return f"{self.reason} report {self.id}"


class Flag(models.Model):
    class Kind(models.TextChoices):
        PROMPT_REFUSED = "prompt_refused"
        PROMPT_NEAR_MISS = "prompt_near_miss"
        CAMEO_IN_REVIEW = "cameo_in_review"
        CAMEO_OWNER_REPORT = "cameo_owner_report"
        TERM_MATCH = "term_match"

    id = SnowflakeField()
    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="flags")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    text = models.TextField(blank=True, help_text="The words concerned: a prompt, a caption, a comment.")
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.kind} flag {self.id}"


class Enforcement(models.Model):
    """An action a moderator took against someone: what it did, what undoing it takes, and how long it
    lasts. Each one is a strike on the subject's record until it is overturned or grows old."""

    class Kind(models.TextChoices):
        REMOVE_CONTENT = "remove_content"
        WARN = "warn"
        RESTRICT = "restrict"
        SUSPEND = "suspend"

    id = SnowflakeField()
    item = models.ForeignKey(ReviewItem, on_delete=models.PROTECT, related_name="enforcements")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject_username = models.CharField(max_length=150)
    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderator_username = models.CharField(max_length=150)
    target_type = models.CharField(max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    reason = models.CharField(max_length=32, blank=True, help_text="The item's gravest reason.")
    note = models.TextField(blank=True)
    ends_at = models.DateTimeField(
        null=True, blank=True, help_text="When a restriction or suspension ends; empty: it does not."
    )
    undo = models.JSONField(default=dict, blank=True, help_text="What restoring the target takes.")
    held_files = models.JSONField(default=list, blank=True, help_text="Media kept until no appeal can win.")
    files_purged_at = models.DateTimeField(null=True, blank=True)
    appeal_until = models.DateTimeField()
    lifted_at = models.DateTimeField(null=True, blank=True, help_text="When a period ended or was cut short.")
    overturned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["subject", "kind", "-id"], name="moderation_enf_subject_idx"),
            models.Index(fields=["lifted_at", "ends_at"], name="moderation_enf_end_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.subject_username} ({self.id})"


class Appeal(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending"
        UPHELD = "upheld"
        OVERTURNED = "overturned"

    id = SnowflakeField()
    enforcement = models.OneToOneField(Enforcement, on_delete=models.PROTECT, related_name="appeal")
    appellant = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.CharField(max_length=2000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["status", "id"], name="moderation_appeal_status_idx")]

    def __str__(self) -> str:
        return f"appeal {self.id} of {self.enforcement_id} ({self.status})"


class AuditEntry(AppendOnlyModel):
    """One step of moderation, written once: who did what to which target, what it was before and after,
    and why. Names and labels are snapshots, so an entry reads the same after its target is deleted."""

    class Action(models.TextChoices):
        REPORT = "report"
        FLAG = "flag"
        CLAIM = "claim"
        RELEASE = "release"
        DISMISS = "dismiss"
        REMOVE_CONTENT = "remove_content"
        WARN = "warn"
        RESTRICT = "restrict"
        SUSPEND = "suspend"
        LIFT = "lift"
        APPEAL = "appeal"
        APPEAL_UPHELD = "appeal_upheld"
        APPEAL_OVERTURNED = "appeal_overturned"
        PURGE = "purge"

    id = SnowflakeField()
    action = models.CharField(max_length=32, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_username = models.CharField(max_length=150, blank=True, help_text="Empty: the system.")
    target_type = models.CharField(max_length=16, choices=TargetType.choices)
    target_id = models.BigIntegerField()
    target_label = models.CharField(max_length=200, blank=True)
    item_id = models.BigIntegerField(null=True, blank=True)
    enforcement_id = models.BigIntegerField(null=True, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["target_type", "target_id", "-id"], name="moderation_audit_target_idx"),
            models.Index(fields=["action", "-id"], name="moderation_audit_action_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.action} of {self.target_type} {self.target_id} by {self.actor_username or 'system'}"
