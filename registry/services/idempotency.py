"""Idempotency keys: a contribution retried (after a timeout, a lost
connection, a second click) with the same key gets what the first one made,
and nothing new is stored, for IDEMPOTENCY_SECONDS.

The key is claimed by inserting its row inside the write's own transaction:
a retry arriving while the first is still being written waits on that row,
then finds the first's result; if the first failed, its row is gone with it
and the retry is written as new. A key is known by a keyed hash of itself,
its scope and the account sending it; the request's content by a keyed hash
too, so a key sent again with other content is refused rather than answered
with someone else's result. The receipt token of the first answer is kept
sealed (AES-GCM) under a key derived from the request's key, which only the
client holds: the database alone cannot open it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import IdempotentRequest

# Keys are the client's: long enough to be unguessable, short enough to index.
KEY_MIN_LENGTH = 16
KEY_MAX_LENGTH = 255
PRUNE_BATCH = 200


@dataclass(frozen=True)
class IdempotencyKey:
    """A client's key for one request, in one scope (what it creates), with
    the keyed hash of the request's content."""

    key: str
    scope: str
    owner: str
    fingerprint: str

    @property
    def lookup(self) -> str:
        return _keyed("idempotency-key", self.scope, self.owner, self.key)

    def seal(self, token: str) -> str:
        if not token:
            return ""
        nonce = os.urandom(12)
        sealed = AESGCM(self._sealing_key()).encrypt(nonce, token.encode(), None)
        return base64.b64encode(nonce + sealed).decode()

    def open(self, sealed: str) -> str:
        if not sealed:
            return ""
        raw = base64.b64decode(sealed)
        try:
            return AESGCM(self._sealing_key()).decrypt(raw[:12], raw[12:], None).decode()
        except InvalidTag:
            return ""

    def _sealing_key(self) -> bytes:
        return bytes.fromhex(_keyed("idempotency-seal", self.scope, self.owner, self.key))


@dataclass(frozen=True)
class Earlier:
    """What the first request with a key made."""

    kind: str
    item_id: int
    receipt_token: str


def idempotency_key(
    *, key: str, scope: str, user: AbstractBaseUser | None, content: dict[str, Any]
) -> IdempotencyKey | None:
    """The key a request carries (None without one), checked: refused with a
    message naming it when it is too short, too long or not printable ASCII."""
    if not key:
        return None
    if not (KEY_MIN_LENGTH <= len(key) <= KEY_MAX_LENGTH) or not _printable_ascii(key):
        raise ValidationError(
            {
                "idempotency_key": ValidationError(
                    _(
                        "An idempotency key is %(min)s to %(max)s printable ASCII characters "
                        "(a random UUID, say)."
                    )
                    % {"min": KEY_MIN_LENGTH, "max": KEY_MAX_LENGTH},
                    code="invalid",
                )
            }
        )
    owner = f"user:{user.pk}" if user is not None and user.is_authenticated else "anonymous"
    fingerprint = _keyed("idempotency-content", scope, json.dumps(content, sort_keys=True))
    return IdempotencyKey(key=key, scope=scope, owner=owner, fingerprint=fingerprint)


def earlier_result(key: IdempotencyKey) -> Earlier | None:
    """What a committed request with this key made, if it is recent enough."""
    row = _recent().filter(key_hash=key.lookup, item_id__isnull=False).first()
    return _earlier(key, row) if row is not None else None


def claim(key: IdempotencyKey) -> Earlier | None:
    """Claims the key inside the caller's transaction, for the write that
    follows; returns the earlier result instead when a request with the key
    committed first (waiting for one still being written)."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("An idempotency key is claimed inside the write's own transaction.")
    _prune_expired()
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(key_hash=key.lookup, fingerprint=key.fingerprint)
    except IntegrityError:
        row = IdempotentRequest.objects.select_for_update().get(key_hash=key.lookup)
        if row.created_at >= _since():
            return _earlier(key, row)
        # Forgotten already, though not yet pruned: the key starts afresh.
        row.delete()
        IdempotentRequest.objects.create(key_hash=key.lookup, fingerprint=key.fingerprint)
    return None


def record(key: IdempotencyKey, *, kind: str, item_id: int, receipt_token: str) -> None:
    """What the write made, under the key it claimed."""
    IdempotentRequest.objects.filter(key_hash=key.lookup).update(
        kind=kind, item_id=item_id, sealed_receipt=key.seal(receipt_token)
    )


def _earlier(key: IdempotencyKey, row: IdempotentRequest) -> Earlier:
    if not hmac.compare_digest(row.fingerprint, key.fingerprint):
        raise ValidationError(
            {
                "idempotency_key": ValidationError(
                    _(
                        "This idempotency key was used for another request: send a new key "
                        "with a new request, and the same key only with the same request."
                    ),
                    code="idempotency_key_reused",
                )
            }
        )
    return Earlier(kind=row.kind, item_id=row.item_id, receipt_token=key.open(row.sealed_receipt))


def _since():
    return timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_SECONDS)


def _recent():
    return IdempotentRequest.objects.filter(created_at__gte=_since())


def _prune_expired() -> None:
    """Keys older than IDEMPOTENCY_SECONDS are forgotten, a batch at a time,
    by the writes that claim new ones; rows another write is deleting are
    skipped, not waited for."""
    old = (
        IdempotentRequest.objects.filter(created_at__lt=_since())
        .select_for_update(skip_locked=True)
        .values_list("pk", flat=True)[:PRUNE_BATCH]
    )
    keys = list(old)
    if keys:
        IdempotentRequest.objects.filter(pk__in=keys).delete()


def _keyed(*parts: str) -> str:
    message = "\x1f".join(parts).encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def _printable_ascii(value: str) -> bool:
    return all(" " < character < "\x7f" for character in value)
