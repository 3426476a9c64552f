"""Webhooks: a watch's events as signed JSON, POSTed to an organisation's
endpoint and tried again with exponential backoff.

The signature is HMAC-SHA256 over `timestamp + "." + body` with the hook's
secret, sent as `Sightline-Signature: t=TIMESTAMP,v1=HEX`; receivers check
it and refuse old timestamps (docs/watching.md). Every try is logged with
its HTTP status or error (WebhookAttempt).

Addresses are checked before each try: https only, and never a private,
loopback or link-local address (SSRF) unless WEBHOOK_ALLOW_HTTP and
WEBHOOK_ALLOW_PRIVATE_ADDRESSES say otherwise. The connection goes to the
address that was checked, so a name that resolves elsewhere a moment later
(DNS rebinding) cannot redirect it; redirects are not followed."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import ipaddress
import json
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import (
    DeliveryState,
    Watch,
    Webhook,
    WebhookAttempt,
    WebhookDelivery,
)

from .watches import (
    Names,
    change_lines,
    entry_id,
    latest_revision_id,
    watch_delete_if_unused,
    watch_events_after,
)

SIGNATURE_HEADER = "Sightline-Signature"
# Events in one delivery; more wait for the next.
EVENTS_PER_DELIVERY = 100
USER_AGENT = "Sightline-Webhook/1"


def new_secret() -> str:
    return secrets.token_hex(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `Sightline-Signature` header's value for `body` sent at `timestamp`."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


# ----------------------------------------------------------- the address


def check_url(url: str) -> list[str]:
    """The addresses `url` may be reached at, or a ValidationError naming
    `url`: https (unless WEBHOOK_ALLOW_HTTP), and public addresses only
    (unless WEBHOOK_ALLOW_PRIVATE_ADDRESSES)."""
    parts = urlsplit(url)
    allowed = ("https", "http") if settings.WEBHOOK_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed or not parts.hostname:
        raise ValidationError({"url": _("The hook's address must start with https://.")})
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, ValueError) as error:
        raise ValidationError(
            {"url": _("The hook's address cannot be resolved: %(error)s") % {"error": error}}
        ) from None
    addresses = sorted({info[4][0] for info in found})
    if not settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        for address in addresses:
            if not ipaddress.ip_address(address.split("%")[0]).is_global:
                raise ValidationError(
                    {"url": _("The hook's address leads to a private or local network.")}
                )
    return addresses


@transaction.atomic
def webhook_create(*, watch: Watch, name: str, url: str) -> Webhook:
    """A hook for `watch`'s events from now on, with a new secret."""
    check_url(url)
    hook = Webhook(
        watch=watch, name=name, url=url, secret=new_secret(), told_up_to=latest_revision_id()
    )
    hook.full_clean()
    hook.save()
    return hook


@transaction.atomic
def webhook_update(*, hook: Webhook, name: str, url: str, active: bool) -> Webhook:
    check_url(url)
    locked = Webhook.objects.select_for_update().get(pk=hook.pk)
    locked.name, locked.url, locked.active = name, url, active
    locked.full_clean()
    locked.save(update_fields=["name", "url", "active"])
    return locked


@transaction.atomic
def webhook_delete(*, hook: Webhook) -> None:
    """Deletes the hook, its delivery log, and its watch if nothing else uses it."""
    watch = hook.watch
    Webhook.objects.filter(pk=hook.pk).delete()
    watch_delete_if_unused(watch=watch)


# ---------------------------------------------------------- deliveries


def deliveries_queue(*, now: datetime | None = None) -> list[int]:
    """For each active hook, its news since the last delivery as new
    deliveries; the ids of the deliveries to try. Old log entries go."""
    now = now or timezone.now()
    WebhookDelivery.objects.filter(
        created_at__lt=now - timedelta(days=settings.WEBHOOK_LOG_DAYS)
    ).exclude(state=DeliveryState.PENDING).delete()
    queued = []
    for hook_id in Webhook.objects.filter(active=True).values_list("pk", flat=True):
        queued.extend(_queue_hook(hook_id, now))
    return queued


@transaction.atomic
def _queue_hook(hook_id: int, now: datetime) -> list[int]:
    hook = (
        Webhook.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("watch__area")
        .filter(pk=hook_id)
        .first()
    )
    if hook is None:
        return []
    events = watch_events_after(hook.watch, hook.told_up_to, limit=EVENTS_PER_DELIVERY)
    if not events:
        return []
    delivery = WebhookDelivery.objects.create(
        hook=hook, body=payload(hook, events, now), events=len(events), next_attempt_at=now
    )
    hook.told_up_to = events[-1].id
    hook.save(update_fields=["told_up_to"])
    return [delivery.pk]


def payload(hook: Webhook, events: list, now: datetime) -> str:
    names = Names.of(events)
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return json.dumps(
        {
            "watch": hook.watch.key,
            "area": hook.watch.area.slug if hook.watch.area_id else None,
            "sent_at": now.isoformat(),
            "events": [
                {
                    "id": entry_id(host, event),
                    "event": event.event,
                    "camera": event.camera_id,
                    "version": event.version,
                    "at": event.created_at.isoformat(),
                    "url": f"{settings.SITE_URL}/cameras/{event.camera_id}/",
                    "location": [event.camera.location.x, event.camera.location.y],
                    "changes": event.changes,
                    "summary": change_lines(event, names),
                }
                for event in events
            ],
        },
        separators=(",", ":"),
        sort_keys=True,
    )


def backoff(attempt: int) -> timedelta:
    """The wait after failed try `attempt`: WEBHOOK_RETRY_SECONDS, doubling."""
    return timedelta(seconds=settings.WEBHOOK_RETRY_SECONDS * 2 ** (attempt - 1))


@dataclass(frozen=True)
class Tried:
    """How a try went; `retry_in` is the wait before the next, if any."""

    state: str
    status_code: int | None
    retry_in: timedelta | None


def delivery_try(*, delivery_id: int) -> Tried | None:
    """One try of a pending delivery, logged. None if it is not pending
    (delivered, given up, deleted, or being tried by another worker)."""
    with transaction.atomic():
        delivery = (
            WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("hook")
            .filter(pk=delivery_id, state=DeliveryState.PENDING)
            .first()
        )
        if delivery is None:
            return None
        started = timezone.now()
        clock = time.monotonic()
        status_code, error = _post(delivery.hook, delivery.body.encode())
        delivery.attempts += 1
        WebhookAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=started,
            status_code=status_code,
            error=error[:500],
            duration_ms=round((time.monotonic() - clock) * 1000),
        )
        retry_in = None
        if status_code is not None and 200 <= status_code < 300:
            delivery.state, delivery.next_attempt_at = DeliveryState.DELIVERED, None
        elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
        else:
            retry_in = backoff(delivery.attempts)
            delivery.next_attempt_at = timezone.now() + retry_in
        delivery.save(update_fields=["state", "attempts", "next_attempt_at"])
    return Tried(state=delivery.state, status_code=status_code, retry_in=retry_in)


def _post(hook: Webhook, body: bytes) -> tuple[int | None, str]:
    """POSTs `body`, signed, to the hook: (HTTP status, "") or (None, why not)."""
    try:
        addresses = check_url(hook.url)
    except ValidationError as error:
        return None, "; ".join(error.messages)
    parts = urlsplit(hook.url)
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(hook.secret, timestamp, body),
    }
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    connection = _PinnedConnection.of(parts, addresses[0])
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read(65536)
        return response.status, ""
    except (OSError, http.client.HTTPException) as error:
        return None, f"{type(error).__name__}: {error}"
    finally:
        connection.close()


class _PinnedConnection:
    """An HTTP(S) connection to the checked address, speaking to the URL's
    host (its Host header, and its certificate for https)."""

    @staticmethod
    def of(parts, address: str) -> http.client.HTTPConnection:
        timeout = settings.WEBHOOK_TIMEOUT_SECONDS
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if parts.scheme == "https":
            connection = http.client.HTTPSConnection(
                parts.hostname, port, timeout=timeout, context=ssl.create_default_context()
            )
        else:
            connection = http.client.HTTPConnection(parts.hostname, port, timeout=timeout)
        connection._create_connection = lambda _address, *args, **kwargs: socket.create_connection(
            (address, port), *args, **kwargs
        )
        return connection
