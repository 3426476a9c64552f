"""Email digests of a watch: double opt-in, digests as they happen, daily or
weekly, and one-click unsubscribe (RFC 8058).

Subscribing stores the address with the watch and sends one email: the
confirmation, whose signed link expires. Nothing else is sent before it is
followed, and an unconfirmed subscription is deleted after
WATCH_CONFIRM_HOURS. Unsubscribing deletes the row, address and all. The
rate limits count in the cache, under a keyed hash of the address (never
the address itself, never the client's IP address)."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from registry.models import Frequency, Subscription, Watch

from .watches import (
    Names,
    change_lines,
    headline,
    latest_revision_id,
    watch_delete_if_unused,
    watch_events_after,
)

logger = logging.getLogger(__name__)
CONFIRM_SALT = "sightline.watch.confirm"
UNSUBSCRIBE_SALT = "sightline.watch.unsubscribe"
PERIODS = {
    Frequency.IMMEDIATE: timedelta(0),
    Frequency.DAILY: timedelta(days=1),
    Frequency.WEEKLY: timedelta(days=7),
}


class RateLimited(Exception):
    """Too many subscriptions asked for, for this address or this area."""


# ------------------------------------------------------------ subscribing


def subscription_create(
    *, watch: Watch, email: str, frequency: str, language: str
) -> Subscription:
    """An unconfirmed subscription of `email` to `watch`; the caller queues
    its confirmation email (`confirmation_send`)."""
    email = email.strip()
    if frequency not in Frequency.values:
        raise ValidationError(
            {
                "frequency": _("Choose how often: %(choices)s.")
                % {"choices": ", ".join(Frequency.values)}
            }
        )
    _count_request(email, watch)
    if Subscription.objects.of_address(email).count() >= (
        settings.WATCH_MAX_SUBSCRIPTIONS_PER_ADDRESS
    ):
        raise RateLimited(_("This address has as many subscriptions as it may hold."))
    subscription = Subscription(
        watch=watch,
        email=email,
        frequency=frequency,
        language=language,
        nonce=secrets.token_hex(16),
    )
    subscription.full_clean()
    subscription.save()
    return subscription


def _count_request(email: str, watch: Watch) -> None:
    """Counts one request against the address's daily and the area's
    hourly limit, in the cache."""
    address = _address_key(email)
    place = f"area:{watch.area_id}" if watch.area_id else "drawn"
    for key, limit, seconds in (
        (f"watch-subscribe:{address}", settings.WATCH_SUBSCRIBE_PER_ADDRESS, 86400),
        (f"watch-subscribe:{place}", settings.WATCH_SUBSCRIBE_PER_AREA, 3600),
    ):
        cache.add(key, 0, seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, seconds)
            count = 1
        if count > limit:
            raise RateLimited(_("Too many subscriptions were asked for; try again later."))


def _address_key(email: str) -> str:
    return hmac.new(
        settings.SECRET_KEY.encode(), email.lower().encode(), hashlib.sha256
    ).hexdigest()[:32]


def confirm_token(subscription: Subscription) -> str:
    return signing.dumps([subscription.pk, subscription.nonce], salt=CONFIRM_SALT)


def unsubscribe_token(subscription: Subscription) -> str:
    return signing.dumps([subscription.pk, subscription.nonce], salt=UNSUBSCRIBE_SALT)


def _from_token(token: str, *, salt: str, max_age: float | None) -> Subscription | None:
    try:
        pk, nonce = signing.loads(token, salt=salt, max_age=max_age)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    found = Subscription.objects.filter(pk=pk).select_related("watch").first()
    if found is None or not hmac.compare_digest(str(nonce), found.nonce):
        return None
    return found


@transaction.atomic
def subscription_confirm(*, token: str) -> Subscription | None:
    """Confirms the subscription the link names (None if the link is bad,
    expired or its subscription gone). News start from now."""
    max_age = settings.WATCH_CONFIRM_HOURS * 3600
    found = _from_token(token, salt=CONFIRM_SALT, max_age=max_age)
    if found is None:
        return None
    subscription = Subscription.objects.select_for_update().get(pk=found.pk)
    if subscription.confirmed_at is None:
        subscription.confirmed_at = timezone.now()
        subscription.told_up_to = latest_revision_id()
        subscription.last_sent_at = subscription.confirmed_at
        subscription.save(update_fields=["confirmed_at", "told_up_to", "last_sent_at"])
    return subscription


def subscription_for_unsubscribe(*, token: str) -> Subscription | None:
    return _from_token(token, salt=UNSUBSCRIBE_SALT, max_age=None)


@transaction.atomic
def subscription_delete(*, token: str) -> bool:
    """Deletes the subscription (and its address) the unsubscribe link names;
    its watch too if nothing else uses it. False if there was none."""
    found = subscription_for_unsubscribe(token=token)
    if found is None:
        return False
    deleted, _count = Subscription.objects.filter(pk=found.pk).delete()
    watch_delete_if_unused(watch=found.watch)
    return bool(deleted)


def unconfirmed_delete(*, now: datetime | None = None) -> int:
    """Deletes the subscriptions never confirmed within WATCH_CONFIRM_HOURS."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=settings.WATCH_CONFIRM_HOURS)
    expired = list(Subscription.objects.unconfirmed_before(cutoff).select_related("watch"))
    for subscription in expired:
        subscription.delete()
        watch_delete_if_unused(watch=subscription.watch)
    return len(expired)


# ------------------------------------------------------------ the emails


def _link(name: str, *args: str) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _unsubscribe_headers(subscription: Subscription) -> dict[str, str]:
    url = _link("registry:watch-unsubscribe", unsubscribe_token(subscription))
    return {
        "List-Unsubscribe": f"<{url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def confirmation_send(*, subscription_id: int) -> bool:
    """The confirmation email, the only one sent before confirmation."""
    subscription = (
        Subscription.objects.filter(pk=subscription_id, confirmed_at__isnull=True)
        .select_related("watch__area")
        .first()
    )
    if subscription is None:
        return False
    with translation.override(subscription.language):
        context = {
            "subscription": subscription,
            "watch": subscription.watch,
            "confirm_url": _link("registry:watch-confirm", confirm_token(subscription)),
            "hours": settings.WATCH_CONFIRM_HOURS,
        }
        body = render_to_string("registry/watch/confirm_email.txt", context)
        subject = _("Confirm your Sightline alerts for %(place)s") % {"place": subscription.watch}
    EmailMessage(subject=subject, body=body, to=[subscription.email]).send()
    return True


@dataclass(frozen=True)
class DigestResult:
    sent: int
    expired: int


def digests_send(*, now: datetime | None = None) -> DigestResult:
    """Sends each confirmed subscription that is due its digest, if it has
    news; unconfirmed subscriptions past their time are deleted first."""
    now = now or timezone.now()
    expired = unconfirmed_delete(now=now)
    sent = 0
    connection = get_connection()
    for subscription_id in _due(now):
        try:
            sent += digest_send(subscription_id=subscription_id, now=now, connection=connection)
        except (OSError, smtplib.SMTPException):
            # Its news stay untold, for the next round; the others go on.
            logger.warning("Digest %s not sent", subscription_id, exc_info=True)
    return DigestResult(sent=sent, expired=expired)


def _due(now: datetime) -> list[int]:
    due = []
    subscriptions = Subscription.objects.confirmed().values_list("pk", "frequency", "last_sent_at")
    for pk, frequency, last_sent_at in subscriptions:
        if last_sent_at is None or last_sent_at + PERIODS[frequency] <= now:
            due.append(pk)
    return due


def digest_send(*, subscription_id: int, now: datetime, connection=None) -> int:
    """One subscription's digest, if it has news: 1 if sent. The
    subscription is locked while its news is read and sent, so two workers
    never send the same news twice."""
    with transaction.atomic():
        subscription = (
            Subscription.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(pk=subscription_id, confirmed_at__isnull=False)
            .select_related("watch__area")
            .first()
        )
        if subscription is None:
            return 0
        limit = settings.WATCH_DIGEST_MAX_EVENTS
        events = watch_events_after(subscription.watch, subscription.told_up_to, limit=limit + 1)
        if not events:
            return 0
        told, more = events[:limit], len(events) > limit
        _send_digest(subscription, told, more=more, connection=connection)
        subscription.told_up_to = told[-1].id
        subscription.last_sent_at = now
        subscription.save(update_fields=["told_up_to", "last_sent_at"])
    return 1


def _send_digest(subscription: Subscription, events: list, *, more: bool, connection) -> None:
    names = Names.of(events)
    with translation.override(subscription.language):
        items = [
            {
                "headline": headline(event),
                "lines": change_lines(event, names),
                "url": f"{settings.SITE_URL}/cameras/{event.camera_id}/",
                "at": event.created_at,
            }
            for event in events
        ]
        headers = _unsubscribe_headers(subscription)
        context = {
            "subscription": subscription,
            "watch": subscription.watch,
            "items": items,
            "more": more,
            "unsubscribe_url": headers["List-Unsubscribe"][1:-1],
        }
        body = render_to_string("registry/watch/digest_email.txt", context)
        subject = _("Sightline: camera changes in %(place)s") % {"place": subscription.watch}
    message = EmailMessage(
        subject=subject,
        body=body,
        to=[subscription.email],
        headers=headers,
        connection=connection,
    )
    message.send()
