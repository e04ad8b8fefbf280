from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.timesince import timesince

from moderation.models import Flag, Report

register = template.Library()

# A report's reason or an automatic flag's kind as a moderator reads it ("Cameo owner report").
_REASON_LABELS = {
    str(value): str(label).capitalize() for value, label in [*Report.Reason.choices, *Flag.Kind.choices]
}


@register.filter
def reason(value: str | None) -> str:
    """A report reason's or flag kind's label; an unknown code as it is."""
    return _REASON_LABELS.get(value or "", value or "")


@register.filter
def when(value: datetime | str | None) -> str:
    """How long ago, in words ("5 minutes ago"), from a datetime or the API's ISO 8601 text of one."""
    moment = parse_datetime(value) if isinstance(value, str) else value
    if moment is None:
        return ""
    if (timezone.now() - moment).total_seconds() < 60:
        return "just now"
    return f"{timesince(moment, depth=1)} ago"
