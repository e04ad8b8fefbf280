"""Moderation over HTTP: reports and appeals from everyone, the queue, actions, appeals and the audit log
for moderators (the ``moderators`` group and superusers; 403 ``not_moderator`` for anyone else)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from moderation import selectors, services
from moderation.models import Appeal, Flag, Report, ReviewItem, TargetType
from moderation.targets import Target, kind_of
from sora_social.accounts.authentication import request_user
from sora_social.accounts.models import User
from sora_social.accounts.selectors import user_is_moderator, user_with_password
from sora_social.core.api import (
    AUTH_ERRORS,
    DATETIME,
    ID_PATTERN,
    LIST_ERRORS,
    IdField,
    IdInputField,
    InputSerializer,
    ScopedRateThrottle,
    TextInputField,
    error_responses,
)
from sora_social.core.errors import Forbidden, InvalidInput
from sora_social.core.ids import parse_decimal, parse_id
from sora_social.core.pagination import (
    PAGE_PARAMETERS,
    cursor_link,
    decode_cursor,
    decode_token,
    encode_cursor,
    encode_token,
    invalid_cursor,
    parse_limit,
)

# The moderators' lists also take filters, and an unknown filter value is the same 400.
FILTERED_LIST_ERRORS = {"400": LIST_ERRORS["400"].replace("cursor or limit", "cursor, limit or filter")}
ITEM_NOT_FOUND = {"404": "item_not_found"}
# A review item's priority is a non-negative database integer.
MAX_PRIORITY = (1 << 31) - 1
MODERATOR_ERRORS = {**AUTH_ERRORS, "403": "not_moderator: only moderators may do this."}


class IsModerator(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not user or not user.is_authenticated:
            raise NotAuthenticated()
        if not user_is_moderator(user):
            raise Forbidden("Only moderators can do this.", code="not_moderator")
        return True


def _choice(value: str | None, choices: list[str], name: str) -> str | None:
    if value and value not in choices:
        raise InvalidInput(f"Unknown {name} {value!r}.", fields={name: [f"One of: {', '.join(choices)}."]})
    return value or None


# Reports and appeals: everyone ---------------------------------------------------------------------------


class ReportSerializer(serializers.Serializer):
    id = IdField()
    target_type = serializers.CharField(source="item.target_type")
    target_id = IdField(source="item.target_id")
    reason = serializers.CharField()
    note = serializers.CharField()
    outcome = serializers.CharField(help_text="pending, upheld (action was taken) or dismissed.")
    created_at = serializers.DateTimeField()


class ReportsView(APIView):
    throttle_scope = "report"
    throttle_classes = [ScopedRateThrottle]

    class ReportInput(InputSerializer):
        target_type = serializers.ChoiceField(choices=TargetType.choices)
        target_id = serializers.CharField(
            max_length=40, help_text="An id; for a user, the id or the username."
        )
        reason = serializers.ChoiceField(choices=Report.Reason.choices)
        note = TextInputField(max_length=1000, required=False, allow_blank=True, default="")

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            attrs = super().validate(attrs)
            if not kind_of(attrs["target_type"]).named_by_username:
                target_id = parse_id(attrs["target_id"])
                if target_id is None:
                    raise serializers.ValidationError({"target_id": ["Not a valid id."]})
                attrs["target_id"] = target_id
            return attrs

    @extend_schema(
        operation_id="reports_create",
        request=ReportInput,
        responses={
            201: ReportSerializer,
            200: ReportSerializer,
            **error_responses(
                **AUTH_ERRORS,
                **{
                    "400": "invalid (an unknown reason or target type, a target_id that is not an id), "
                    "cannot_report_yourself",
                    "404": "video_not_found, comment_not_found, user_not_found, cameo_not_found: no such "
                    "target, or not one you may see",
                    "429": "rate_limited: too many reports; see Retry-After",
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Report a video, comment, user or cameo. Reports of one target gather into one review item;
        reporting the same target again while it waits returns your first report (200)."""
        data = self.ReportInput(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = services.report_create(reporter=request_user(request), **data.validated_data)
        return Response(
            ReportSerializer(report).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class AppealSerializer(serializers.Serializer):
    id = IdField()
    action_id = IdField(source="enforcement_id")
    text = serializers.CharField()
    status = serializers.CharField(help_text="pending, upheld or overturned.")
    decision_note = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)


class AppealsView(GenericAPIView):
    permission_classes = [AllowAny]
    throttle_scope = "auth"

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    class AppealInput(InputSerializer):
        action_id = IdInputField(required=False, help_text="Left out: your account's current suspension.")
        text = TextInputField(max_length=2000)
        username = serializers.CharField(max_length=150, required=False)
        password = serializers.CharField(max_length=128, required=False, write_only=True)

    @extend_schema(
        operation_id="appeals_list",
        responses={200: AppealSerializer(many=True), **error_responses(**AUTH_ERRORS, **LIST_ERRORS)},
    )
    def get(self, request: Request) -> Response:
        """Your appeals, newest first, with their decisions."""
        page = self.paginate_queryset(selectors.appeals_of(user=request_user(request))) or []
        return self.get_paginated_response(AppealSerializer(page, many=True).data)

    @extend_schema(
        operation_id="appeals_create",
        request=AppealInput,
        responses={
            201: AppealSerializer,
            **error_responses(
                **AUTH_ERRORS,
                **{
                    "400": "invalid (an action_id that is not an id; also: no action_id and no suspension to "
                    "appeal)",
                    "404": "action_not_found: no such action against you",
                    "409": "already_appealed, appeal_window_closed",
                    "429": "rate_limited: too many attempts; see Retry-After",
                },
            ),
        },
    )
    def post(self, request: Request) -> Response:
        """Appeal an action taken against you (its id is in the `moderation` notification): once per
        action, within its window. A suspended account, which cannot sign in, sends its `username` and
        `password` with the appeal instead of a token, and may leave `action_id` out to appeal the
        suspension."""
        data = self.AppealInput(data=request.data)
        data.is_valid(raise_exception=True)
        appellant = self._appellant(request, data.validated_data)
        appeal = services.appeal_create(
            appellant=appellant,
            enforcement_id=data.validated_data.get("action_id"),
            text=data.validated_data["text"],
        )
        return Response(AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)

    def _appellant(self, request: Request, values: dict[str, Any]) -> User:
        if isinstance(request.user, User):
            return request.user
        if "username" not in values or "password" not in values:
            raise NotAuthenticated()
        user = user_with_password(username=values["username"], password=values["password"])
        if user is None:
            raise AuthenticationFailed("The username or password is not right.")
        return user


# The queue -----------------------------------------------------------------------------------------------


class ItemReportSchema(serializers.Serializer):
    id = serializers.CharField()
    reporter = serializers.CharField(help_text="The reporter's username.")
    reason = serializers.CharField()
    note = serializers.CharField()
    weight = serializers.FloatField(help_text="The reporter's track record, 0 to 1.")
    created_at = serializers.DateTimeField()


class ItemFlagSchema(serializers.Serializer):
    id = serializers.CharField()
    kind = serializers.ChoiceField(choices=Flag.Kind.choices)
    text = serializers.CharField()
    details = serializers.DictField()
    created_at = serializers.DateTimeField()


REVIEW_TARGET = inline_serializer(
    "ReviewTarget",
    {
        "type": serializers.CharField(),
        "id": serializers.CharField(),
        "label": serializers.CharField(help_text="How the target read when it was first flagged."),
        "exists": serializers.BooleanField(),
        "preview": serializers.DictField(help_text="The target now: its text, state and media."),
    },
)


class ReviewItemSchema(serializers.Serializer):
    """The shape of a review item (built by ``items_data``)."""

    id = serializers.CharField()
    target = REVIEW_TARGET
    subject = serializers.CharField(allow_null=True, help_text="Whose it is (username).")
    status = serializers.CharField()
    priority = serializers.IntegerField()
    top_reason = serializers.CharField()
    reasons = serializers.DictField(help_text="How many reports gave each reason.")
    report_count = serializers.IntegerField()
    flag_count = serializers.IntegerField()
    reports = ItemReportSchema(many=True)
    flags = ItemFlagSchema(many=True)
    claimed_by = serializers.CharField(allow_null=True)
    claimed_until = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField()
    resolved_by = serializers.CharField(allow_null=True)
    resolved_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    subject_record = serializers.DictField(
        required=False, help_text="On a single item: strikes, restriction, suspension, past actions."
    )


def _preview(target: Target | None, request: Request) -> dict[str, Any]:
    return {} if target is None else target.kind.preview(target.obj, request)


def _user(user: User | None) -> str | None:
    return user.username if user is not None else None


def items_data(items: list[ReviewItem], request: Request) -> list[dict[str, Any]]:
    targets = selectors.targets_load(keys=[(item.target_type, item.target_id) for item in items])
    result = []
    for item in items:
        target = targets.get((item.target_type, item.target_id))
        reports = list(item.reports.all())
        result.append(
            {
                "id": str(item.pk),
                "target": {
                    "type": item.target_type,
                    "id": str(item.target_id),
                    "label": item.target_label,
                    "exists": target is not None,
                    "preview": _preview(target, request),
                },
                "subject": item.subject_username or None,
                "status": item.status,
                "priority": item.priority,
                "top_reason": item.top_reason,
                "reasons": dict(Counter(report.reason for report in reports)),
                "report_count": item.report_count,
                "flag_count": item.flag_count,
                "reports": [
                    {
                        "id": str(report.pk),
                        "reporter": report.reporter_username,
                        "reason": report.reason,
                        "note": report.note,
                        "weight": round(report.weight, 3),
                        "created_at": DATETIME.to_representation(report.created_at),
                    }
                    for report in reports
                ],
                "flags": [
                    {
                        "id": str(flag.pk),
                        "kind": flag.kind,
                        "text": flag.text,
                        "details": flag.details,
                        "created_at": DATETIME.to_representation(flag.created_at),
                    }
                    for flag in item.flags.all()
                ],
                "claimed_by": _user(item.claimed_by),
                "claimed_until": item.claimed_until and DATETIME.to_representation(item.claimed_until),
                "resolution": item.resolution,
                "resolved_by": _user(item.resolved_by),
                "resolved_at": item.resolved_at and DATETIME.to_representation(item.resolved_at),
                "created_at": DATETIME.to_representation(item.created_at),
            }
        )
    return result


def item_data(item: ReviewItem, request: Request) -> dict[str, Any]:
    data = items_data([item], request)[0]
    record = selectors.subject_record(user=item.subject)
    data["subject_record"] = {
        **record,
        "restricted_until": record["restricted_until"]
        and DATETIME.to_representation(record["restricted_until"]),
        "past_actions": [
            {**action, "created_at": DATETIME.to_representation(action["created_at"])}
            for action in record["past_actions"]
        ],
    }
    return data


QUEUE_CURSOR = "q1:"
QUEUE_REASONS = [*Report.Reason.values, *Flag.Kind.values]


class QueueView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_queue",
        parameters=[
            OpenApiParameter("target_type", str, enum=TargetType.values),
            OpenApiParameter(
                "reason",
                str,
                description="Only items with this report reason or flag kind.",
                enum=QUEUE_REASONS,
            ),
            OpenApiParameter(
                "claim", str, enum=list(selectors.CLAIM_FILTERS), description="Nobody's, yours or others'."
            ),
            *PAGE_PARAMETERS,
        ],
        responses={
            200: inline_serializer(
                "ReviewQueue",
                {"results": ReviewItemSchema(many=True), "next": serializers.CharField(allow_null=True)},
            ),
            **error_responses(**MODERATOR_ERRORS, **FILTERED_LIST_ERRORS),
        },
    )
    def get(self, request: Request) -> Response:
        """Open review items, highest priority first (then newest). Each item gathers every report and
        automatic flag on its target. Priorities change as reports come in, so a page boundary is a
        (priority, id) key: an item whose priority rises past it shows on an earlier page."""
        items = selectors.review_queue(
            viewer=request_user(request),
            target_type=_choice(request.query_params.get("target_type"), TargetType.values, "target_type"),
            reason=_choice(request.query_params.get("reason"), QUEUE_REASONS, "reason"),
            claim=_choice(request.query_params.get("claim"), list(selectors.CLAIM_FILTERS), "claim"),
        )
        limit = parse_limit(request)
        cursor = request.query_params.get("cursor")
        if cursor:
            priority, item_id = _decode_queue_cursor(cursor)
            items = items.filter(Q(priority__lt=priority) | Q(priority=priority, pk__lt=item_id))
        page = list(items.order_by("-priority", "-id")[: limit + 1])
        next_url = None
        if len(page) > limit:
            last = page[limit - 1]
            token = encode_token(f"{QUEUE_CURSOR}{last.priority}:{last.pk}")
            next_url = cursor_link(request, token)
        return Response({"results": items_data(page[:limit], request), "next": next_url})


def _decode_queue_cursor(cursor: str) -> tuple[int, int]:
    text = decode_token(cursor, QUEUE_CURSOR)
    raw_priority, _, raw_item_id = text.partition(":")
    priority, item_id = parse_decimal(raw_priority, highest=MAX_PRIORITY), parse_id(raw_item_id)
    if priority is None or item_id is None:
        raise invalid_cursor()
    return priority, item_id


class ItemView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_item",
        responses={200: ReviewItemSchema, **error_responses(**MODERATOR_ERRORS, **ITEM_NOT_FOUND)},
    )
    def get(self, request: Request, item_id: str) -> Response:
        """One item, open or resolved, with the record of the person it is against."""
        return Response(item_data(selectors.review_item_get(item_id=item_id), request))


class ItemClaimView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_item_claim",
        request=None,
        responses={
            200: ReviewItemSchema,
            **error_responses(
                **MODERATOR_ERRORS, **ITEM_NOT_FOUND, **{"409": "already_claimed, already_resolved"}
            ),
        },
    )
    def post(self, request: Request, item_id: str) -> Response:
        """Take an item for a while (`MODERATION_CLAIM_SECONDS`), so no one else works on it; claiming it
        again extends your claim."""
        services.item_claim(item=selectors.review_item_get(item_id=item_id), moderator=request_user(request))
        return Response(item_data(selectors.review_item_get(item_id=item_id), request))


class ItemReleaseView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_item_release",
        request=None,
        responses={
            200: ReviewItemSchema,
            **error_responses(
                **MODERATOR_ERRORS, **ITEM_NOT_FOUND, **{"409": "already_claimed, already_resolved"}
            ),
        },
    )
    def post(self, request: Request, item_id: str) -> Response:
        """Give your claimed item back to the queue."""
        services.item_release(
            item=selectors.review_item_get(item_id=item_id), moderator=request_user(request)
        )
        return Response(item_data(selectors.review_item_get(item_id=item_id), request))


class EnforcementSchema(serializers.Serializer):
    id = serializers.CharField(help_text="The action_id an appeal names.")
    kind = serializers.CharField()
    subject = serializers.CharField()
    ends_at = serializers.DateTimeField(allow_null=True)
    appeal_until = serializers.DateTimeField()


class ItemResolveView(APIView):
    permission_classes = [IsModerator]

    class ResolveInput(InputSerializer):
        action = serializers.ChoiceField(choices=services.ACTIONS)
        note = TextInputField(
            max_length=2000,
            allow_blank=True,
            default="",
            help_text="Why: required for every action but dismiss; kept in the audit log.",
        )
        duration_hours = serializers.IntegerField(
            min_value=1,
            max_value=24 * 365,
            required=False,
            help_text="For restrict and suspend: how long. Default: escalates with the person's strikes.",
        )

    @extend_schema(
        operation_id="moderation_item_resolve",
        request=ResolveInput,
        responses={
            200: inline_serializer(
                "Resolution", {"item": ReviewItemSchema(), "action": EnforcementSchema(allow_null=True)}
            ),
            **error_responses(
                **AUTH_ERRORS,
                **ITEM_NOT_FOUND,
                **{
                    "400": "invalid",
                    "403": "not_moderator, own_content, protected_account",
                    "409": "already_claimed, already_resolved, already_removed, target_gone",
                },
            ),
        },
    )
    def post(self, request: Request, item_id: str) -> Response:
        """Decide an item: `dismiss`, `remove_content` (gone from every feed and list at once; remixes keep
        their lineage with it unavailable), `warn`, `restrict` (no publishing for a while) or `suspend` (no
        sign-in or API access, content hidden, tokens and sockets closed). Every action but dismiss is a
        strike, notified to the person with how to appeal; reporters hear the outcome."""
        data = self.ResolveInput(data=request.data)
        data.is_valid(raise_exception=True)
        item = selectors.review_item_get(item_id=item_id)
        enforcement = services.item_resolve(item=item, moderator=request_user(request), **data.validated_data)
        action = None
        if enforcement is not None:
            action = {
                "id": str(enforcement.pk),
                "kind": enforcement.kind,
                "subject": enforcement.subject_username,
                "ends_at": enforcement.ends_at and DATETIME.to_representation(enforcement.ends_at),
                "appeal_until": DATETIME.to_representation(enforcement.appeal_until),
            }
        return Response(
            {"item": item_data(selectors.review_item_get(item_id=item_id), request), "action": action}
        )


# Appeals for moderators ----------------------------------------------------------------------------------


class ModeratorAppealSerializer(AppealSerializer):
    appellant = serializers.CharField(source="appellant.username", allow_null=True, default=None)
    action = serializers.CharField(source="enforcement.kind")
    action_reason = serializers.CharField(source="enforcement.reason")
    action_note = serializers.CharField(source="enforcement.note")
    acted_by = serializers.CharField(source="enforcement.moderator_username")
    target_type = serializers.CharField(source="enforcement.target_type")
    target_id = IdField(source="enforcement.target_id")
    decided_by = serializers.CharField(source="decided_by.username", allow_null=True, default=None)


class ModerationAppealsView(GenericAPIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_appeals",
        parameters=[
            OpenApiParameter(
                "status", str, enum=[*Appeal.Status.values, "all"], description="Default: pending."
            )
        ],
        responses={
            200: ModeratorAppealSerializer(many=True),
            **error_responses(**MODERATOR_ERRORS, **FILTERED_LIST_ERRORS),
        },
    )
    def get(self, request: Request) -> Response:
        """Appeals, newest first; by default those waiting for a decision."""
        wanted = request.query_params.get("status", Appeal.Status.PENDING)
        chosen = _choice(wanted, [*Appeal.Status.values, "all"], "status")
        appeals: QuerySet[Appeal] = selectors.appeals_list(status=None if chosen == "all" else chosen)
        page = self.paginate_queryset(appeals) or []
        return self.get_paginated_response(ModeratorAppealSerializer(page, many=True).data)


class AppealResolveView(APIView):
    permission_classes = [IsModerator]

    class DecisionInput(InputSerializer):
        decision = serializers.ChoiceField(choices=[Appeal.Status.UPHELD, Appeal.Status.OVERTURNED])
        note = TextInputField(max_length=2000, allow_blank=True, default="")

    @extend_schema(
        operation_id="moderation_appeal_resolve",
        request=DecisionInput,
        responses={
            200: ModeratorAppealSerializer,
            **error_responses(
                **AUTH_ERRORS,
                **{
                    "400": "invalid",
                    "403": "not_moderator, own_action: the moderator who acted cannot decide the appeal",
                    "404": "appeal_not_found",
                    "409": "already_decided",
                },
            ),
        },
    )
    def post(self, request: Request, appeal_id: str) -> Response:
        """`upheld` keeps the action; `overturned` undoes it: removed content comes back where it was,
        a restriction or suspension ends, and the strike no longer counts."""
        data = self.DecisionInput(data=request.data)
        data.is_valid(raise_exception=True)
        appeal = services.appeal_resolve(
            appeal=selectors.appeal_get(appeal_id=appeal_id),
            moderator=request_user(request),
            **data.validated_data,
        )
        return Response(ModeratorAppealSerializer(selectors.appeal_get(appeal_id=appeal.pk)).data)


# The audit log -------------------------------------------------------------------------------------------


AUDIT_ROWS = inline_serializer(
    "AuditRow",
    {
        "id": serializers.CharField(),
        "source": serializers.ChoiceField(choices=["moderation", "consent"]),
        "action": serializers.CharField(help_text="A moderation action, or `consent.<action>` for a cameo."),
        "actor": serializers.CharField(help_text="Username; empty for the system."),
        "target_type": serializers.CharField(),
        "target_id": serializers.CharField(),
        "target_label": serializers.CharField(),
        "before": serializers.DictField(),
        "after": serializers.DictField(),
        "note": serializers.CharField(),
        "created_at": serializers.DateTimeField(),
    },
    many=True,
)


class AuditView(APIView):
    permission_classes = [IsModerator]

    @extend_schema(
        operation_id="moderation_audit",
        parameters=[
            OpenApiParameter("target_type", str, enum=TargetType.values),
            OpenApiParameter("target_id", {"type": "string", "pattern": ID_PATTERN}),
            OpenApiParameter("actor", str, description="A username."),
            *PAGE_PARAMETERS,
        ],
        responses={
            200: inline_serializer(
                "AuditLog",
                {"results": AUDIT_ROWS, "next": serializers.CharField(allow_null=True)},
            ),
            **error_responses(**MODERATOR_ERRORS, **FILTERED_LIST_ERRORS),
        },
    )
    def get(self, request: Request) -> Response:
        """Every moderation step and every cameo consent record, newest first. Entries never change and
        stay readable after their target is deleted."""
        limit = parse_limit(request)
        cursor = request.query_params.get("cursor")
        raw_target = request.query_params.get("target_id")
        target_id = parse_id(raw_target) if raw_target else None
        if raw_target and target_id is None:
            raise InvalidInput("target_id is not an id.", fields={"target_id": ["Not an id."]})
        rows = selectors.audit_log(
            before=decode_cursor(cursor) if cursor else None,
            limit=limit,
            target_type=_choice(request.query_params.get("target_type"), TargetType.values, "target_type"),
            target_id=target_id,
            actor=request.query_params.get("actor") or None,
        )
        next_url = cursor_link(request, encode_cursor(rows[limit - 1].id)) if len(rows) > limit else None
        return Response(
            {
                "results": [
                    {
                        "id": str(row.id),
                        "source": row.source,
                        "action": row.action,
                        "actor": row.actor,
                        "target_type": row.target_type,
                        "target_id": str(row.target_id),
                        "target_label": row.target_label,
                        "before": row.before,
                        "after": row.after,
                        "note": row.note,
                        "created_at": DATETIME.to_representation(row.created_at),
                    }
                    for row in rows[:limit]
                ],
                "next": next_url,
            }
        )
