from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from sora_social.accounts.authentication import request_user
from sora_social.accounts.models import AuthToken
from sora_social.core.api import AUTH_ERRORS, error_responses
from sora_social.realtime.services import realtime_ticket_create


class TicketView(APIView):
    @extend_schema(
        operation_id="realtime_ticket_create",
        request=None,
        responses={
            201: inline_serializer(
                "RealtimeTicket",
                {
                    "ticket": serializers.CharField(),
                    "expires_at": serializers.DateTimeField(),
                    "url": serializers.CharField(
                        help_text="Path of the socket with the ticket in its query."
                    ),
                },
            ),
            **error_responses(**AUTH_ERRORS),
        },
        description="A one-time ticket, valid 60 s, to open `GET /ws/events/?ticket=<ticket>`.",
    )
    def post(self, request: Request) -> Response:
        token = request.auth if isinstance(request.auth, AuthToken) else None
        ticket = realtime_ticket_create(
            user_id=request_user(request).pk,
            token_id=token.pk if token else None,
            session_key=None if token else request.session.session_key,
        )
        body = {
            "ticket": ticket.key,
            "expires_at": ticket.expires_at,
            "url": f"/ws/events/?ticket={ticket.key}",
        }
        return Response(body, status=status.HTTP_201_CREATED)
