"""Moderators' OpenStreetMap accounts: OAuth 2.0's authorization code flow
with PKCE (S256), scope `write_api`, against settings.OSM_URL; the tokens
kept encrypted, and revocable.

The access token is encrypted with Fernet (AES-128-CBC with an HMAC-SHA256)
under settings.OSM_TOKEN_KEY, a key made by `Fernet.generate_key()`. Without
one, the key is derived from SECRET_KEY: HKDF-SHA256 of SECRET_KEY (UTF-8),
no salt, info `sightline osm token key`, 32 bytes, URL-safe base64. Changing
SECRET_KEY (or OSM_TOKEN_KEY) makes the stored tokens unreadable: moderators
then connect again."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass
from functools import cache
from typing import Any
from xml.etree import ElementTree

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.requests_client import OAuth2Session
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from registry.models import OsmAuthorization

from .moderators import check_moderator

SCOPE = "write_api"
KEY_DERIVATION_INFO = b"sightline osm token key"


@cache
def _fernet(token_key: str, secret_key: str) -> Fernet:
    if token_key:
        try:
            return Fernet(token_key.encode())
        except ValueError as error:
            raise ImproperlyConfigured(
                "OSM_TOKEN_KEY must be a Fernet key (Fernet.generate_key())."
            ) from error
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_DERIVATION_INFO
    ).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(derived))


def fernet() -> Fernet:
    return _fernet(settings.OSM_TOKEN_KEY, settings.SECRET_KEY)


def encrypt_token(token: dict[str, Any]) -> bytes:
    return fernet().encrypt(json.dumps(token).encode())


def decrypt_token(encrypted: bytes) -> dict[str, Any]:
    try:
        return json.loads(fernet().decrypt(bytes(encrypted)))
    except InvalidToken as error:
        raise ValidationError(
            {"osm": _("The stored OSM authorisation cannot be read any more: connect again.")}
        ) from error


def _client(redirect_uri: str = "", token: dict[str, Any] | None = None) -> OAuth2Session:
    secret = settings.OSM_OAUTH_CLIENT_SECRET
    return OAuth2Session(
        client_id=settings.OSM_OAUTH_CLIENT_ID,
        client_secret=secret or None,
        # A public client (no secret) names itself in the body only.
        token_endpoint_auth_method="client_secret_post" if secret else "none",
        scope=SCOPE,
        redirect_uri=redirect_uri or None,
        code_challenge_method="S256",
        token=token,
    )


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the moderator, and what the callback must check: the
    state echoed back, and the PKCE verifier whose S256 hash went out."""

    url: str
    state: str
    code_verifier: str


def start_authorization(*, user: AbstractBaseUser, redirect_uri: str) -> AuthorizationRequest:
    check_moderator(user)
    if not settings.OSM_OAUTH_CLIENT_ID:
        raise ValidationError(
            {"osm": _("Connecting to OpenStreetMap is not set up here (OSM_OAUTH_CLIENT_ID).")}
        )
    verifier = secrets.token_urlsafe(64)
    url, state = _client(redirect_uri).create_authorization_url(
        f"{settings.OSM_URL}/oauth2/authorize", code_verifier=verifier
    )
    return AuthorizationRequest(url=url, state=state, code_verifier=verifier)


def finish_authorization(
    *,
    user: AbstractBaseUser,
    redirect_uri: str,
    code: str,
    state: str,
    expected_state: str,
    code_verifier: str,
) -> OsmAuthorization:
    """Trades the code for a token (sending the PKCE verifier), asks OSM
    whose account it is, and keeps it encrypted, replacing any earlier one."""
    check_moderator(user)
    if not expected_state or not secrets.compare_digest(state, expected_state):
        raise ValidationError({"state": _("This answer from OpenStreetMap was not asked for.")})
    if not code:
        raise ValidationError({"code": _("OpenStreetMap sent no authorisation code.")})
    client = _client(redirect_uri)
    try:
        token = client.fetch_token(
            f"{settings.OSM_URL}/oauth2/token",
            grant_type="authorization_code",
            code=code,
            code_verifier=code_verifier,
            timeout=settings.OSM_TIMEOUT_SECONDS,
        )
        account = _user_details(token)
    except (AuthlibBaseError, requests.RequestException, ValueError) as error:
        raise ValidationError(
            {"osm": _("OpenStreetMap refused the authorisation: %(error)s") % {"error": error}}
        ) from error
    return _store(user, token, account)


def _user_details(token: dict[str, Any]) -> dict[str, Any]:
    response = _client(token=token).get(
        f"{settings.OSM_API_URL}/api/0.6/user/details", timeout=settings.OSM_TIMEOUT_SECONDS
    )
    response.raise_for_status()
    user = ElementTree.fromstring(response.content).find("user")
    if user is None:
        raise ValueError("no user in the user details")
    return {"id": int(user.get("id", "0")) or None, "display_name": user.get("display_name", "")}


@transaction.atomic
def _store(
    user: AbstractBaseUser, token: dict[str, Any], account: dict[str, Any]
) -> OsmAuthorization:
    check_moderator(user)
    OsmAuthorization.objects.select_for_update().filter(user=user).delete()
    return OsmAuthorization.objects.create(
        user=user,
        token_encrypted=encrypt_token(dict(token)),
        osm_user_id=account["id"],
        osm_display_name=account["display_name"][:255],
        api_url=settings.OSM_API_URL,
    )


def authorization_of(user: AbstractBaseUser) -> OsmAuthorization | None:
    return OsmAuthorization.objects.filter(user=user).first()


def api_session(authorization: OsmAuthorization) -> requests.Session:
    """A requests session sending the moderator's bearer token."""
    return _client(token=decrypt_token(authorization.token_encrypted))


def disconnect(*, user: AbstractBaseUser) -> bool:
    """Deletes the moderator's token and asks OSM to revoke it; whether OSM
    confirmed (if not, the moderator revokes it in their OSM settings). The
    token is deleted either way: Sightline must not keep what it was asked
    to forget."""
    with transaction.atomic():
        authorization = OsmAuthorization.objects.select_for_update().filter(user=user).first()
        if authorization is None:
            return True
        encrypted = bytes(authorization.token_encrypted)
        authorization.delete()
    try:
        token = decrypt_token(encrypted)
        response = _client().revoke_token(
            f"{settings.OSM_URL}/oauth2/revoke",
            token=token["access_token"],
            token_type_hint="access_token",
            timeout=settings.OSM_TIMEOUT_SECONDS,
        )
        return response.ok
    except (AuthlibBaseError, ValidationError, requests.RequestException, KeyError):
        return False
