from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from sora_social.accounts.models import AuthToken, User
from sora_social.accounts.selectors import auth_token_find
from sora_social.accounts.services import auth_token_touch


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Token <key>``, one token per signed-in device."""

    keyword = "Token"

    def authenticate(self, request: Request) -> tuple[User, AuthToken] | None:
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header: use `Token <key>`.")
        try:
            key = parts[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token header.") from None
        token = auth_token_find(key=key)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        auth_token_touch(token=token)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def request_user(request: HttpRequest | Request) -> User:
    """The signed-in user of a request (the API's, or a page's) to a view that requires authentication."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated()
    return user


class TokenScheme(OpenApiAuthenticationExtension):
    """How the OpenAPI schema describes ``TokenAuthentication``."""

    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The key from /auth/register/ or /auth/token/, prefixed with "Token ".',
        }
