"""Plausibility warnings: what a moderator should look at twice in a new
camera, each with its reason in words and the evidence behind it.

Computed once, when a submission is stored (submission_create), and kept
with it as [{code, params, message, evidence}]: the queue then reads them
from the row, so it stays fast however many items wait, and sorts and
filters by them (a jsonb containment test). `params` hold the figures,
from which `describe` words the reason and evidence in the reader's
language; `message` and `evidence` are the same words in the site's
default language, for anyone reading the row itself.

Counts of a vendor's cameras trust only cameras a moderator or enough
confirmations verified, or that came from a trusted import
(SUBMISSION_TRUSTED_DATASETS): an unverified report never vouches for the
next one, so the second fake of a vendor in a country where it never sold
is warned as the first was.

Nothing here names a contributor: a burst says how many reports came from
one receipt, account or session, never which. No IP address, user agent or
receipt token ever reaches these checks. A photo's own position is
compared with the reported one in memory; only the distance is kept.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.gis.db.models.functions import Distance, GeometryDistance
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry.models import (
    Area,
    AreaLevel,
    Camera,
    Kind,
    Receipt,
    Status,
    Submission,
)
from registry.vendor_markets import WORLDWIDE, market_of

Warning = dict[str, Any]

# The kinds of warning, in the order the queue offers them, with their names.
WARNING_KINDS: dict[str, Any] = {
    "duplicate": gettext_lazy("Duplicate"),
    "vendor_rare": gettext_lazy("Vendor rare in the country"),
    "vendor_kind": gettext_lazy("Kind the vendor does not make"),
    "burst": gettext_lazy("Burst of reports"),
    "outside_countries": gettext_lazy("Outside every country"),
    "photo_far": gettext_lazy("Photo taken far away"),
    "without_proof": gettext_lazy("Sent without a proof of work"),
}
# Unverified reports of a vendor are counted up to this, for the evidence.
UNVERIFIED_COUNT_CAP = 100
# Countries whose bounding boxes are nearest are measured for the nearest one.
NEAREST_COUNTRY_CANDIDATES = 5


@dataclass(frozen=True)
class Sent:
    """Who sent the camera, as far as the checks may know: an account or a
    receipt (ids only), and an opaque keyed hash of the browser session."""

    user: AbstractBaseUser | None = None
    receipt: Receipt | None = None
    session_marker: str = ""


def plausibility_warnings(
    camera: Camera,
    *,
    sent: Sent | None = None,
    photo_positions: Sequence[tuple[float, float] | None] = (),
) -> list[Warning]:
    """The warnings for a camera just created; `photo_positions` are the
    (latitude, longitude) each photo's EXIF gave, None where it gave none."""
    sent = sent or Sent()
    country = _country_of(camera)
    checks: list[Callable[[], Warning | None]] = [
        lambda: duplicate(camera),
        lambda: vendor_rare(camera, country),
        lambda: vendor_kind(camera),
        lambda: burst(camera, sent),
        lambda: outside_countries(camera, country),
        lambda: photo_far(camera, photo_positions),
    ]
    return [warning for check in checks if (warning := check())]


def warning(code: str, **params: Any) -> Warning:
    """A warning as stored: its code and figures, worded in the site's
    default language."""
    with translation.override(settings.LANGUAGE_CODE):
        words = describe({"code": code, "params": params})
    return {
        "code": code,
        "params": params,
        "message": words["reason"],
        "evidence": words["evidence"],
    }


# -------------------------------------------------------------- the checks


def duplicate(camera: Camera) -> Warning | None:
    """Another public camera of the same kind within
    SUBMISSION_DUPLICATE_METRES facing the same way (within
    SUBMISSION_DUPLICATE_DEGREES, or either's direction unknown), or at the
    very same place (SUBMISSION_EXACT_DUPLICATE_METRES) whichever way: a
    pole carrying cameras that face apart is not a duplicate."""
    metres = settings.SUBMISSION_DUPLICATE_METRES
    exact = settings.SUBMISSION_EXACT_DUPLICATE_METRES
    others = Camera.objects.visible().exclude(pk=camera.pk).filter(kind=camera.kind)
    near = [
        other
        for other in others.near(camera.location, metres)[:UNVERIFIED_COUNT_CAP]
        if other.distance.m <= exact or facing_alike(camera.directions, other.directions)
    ]
    if not near:
        return None
    nearest = near[0]
    distance = round(nearest.distance.m, 1)
    return warning(
        "duplicate",
        camera=nearest.pk,
        status=nearest.status,
        distance=distance,
        exact=distance <= exact,
        count=len(near),
        metres=metres,
    )


def facing_alike(these: Sequence[float], those: Sequence[float]) -> bool:
    """Whether two cameras may watch the same way: a direction unknown on
    either, or two within SUBMISSION_DUPLICATE_DEGREES of each other."""
    if not these or not those:
        return True
    limit = settings.SUBMISSION_DUPLICATE_DEGREES
    return any(abs((a - b + 180) % 360 - 180) <= limit for a in these for b in those)


def trusted_cameras() -> QuerySet:
    """Cameras whose existence someone vouched for: verified (by a moderator
    or confirmations), or imported from a trusted dataset and not hidden.
    Unverified contributions are left out."""
    imported = Q(dataset__isnull=False) & ~Q(status=Status.HIDDEN)
    datasets = settings.SUBMISSION_TRUSTED_DATASETS
    if "*" not in datasets:
        imported &= Q(dataset__name__in=datasets)
    return Camera.objects.filter(Q(status=Status.VERIFIED) | imported)


def vendor_rare(camera: Camera, country: Area | None) -> Warning | None:
    """Fewer than SUBMISSION_VENDOR_RARE_COUNT trusted cameras of the vendor
    in the country, which its reference countries do not list either."""
    if camera.vendor_id is None or country is None:
        return None
    market = market_of(camera.vendor.slug)
    if market.sells_in(country.code or ""):
        return None
    needed = settings.SUBMISSION_VENDOR_RARE_COUNT
    of_vendor = trusted_cameras().filter(vendor_id=camera.vendor_id).exclude(pk=camera.pk)
    trusted = of_vendor.in_area(country).values("pk")[:needed].count()
    if trusted >= needed:
        return None
    unverified = (
        Camera.objects.visible()
        .filter(vendor_id=camera.vendor_id, status=Status.REPORTED, dataset__isnull=True)
        .exclude(pk=camera.pk)
        .in_area(country)
        .values("pk")[:UNVERIFIED_COUNT_CAP]
        .count()
    )
    return warning(
        "vendor_rare",
        vendor=camera.vendor.name,
        country=country.name,
        trusted=trusted,
        needed=needed,
        unverified=unverified,
        countries=_reference_countries(market.countries),
    )


def _reference_countries(countries) -> list[str] | None:
    if countries is None or countries == WORLDWIDE:
        return None
    names = dict(
        Area.objects.at_level(AreaLevel.COUNTRY)
        .filter(code__in=countries)
        .values_list("code", "name")
    )
    return [names.get(code, code) for code in countries]


def vendor_kind(camera: Camera) -> Warning | None:
    """A kind of device the vendor is not known to make, and of which the
    registry holds no trusted camera of that vendor."""
    if camera.vendor_id is None or not camera.kind:
        return None
    # The vendor's record says, where a moderator or the reference data
    # filled it; else the reference profile.
    kinds = (
        list(getattr(camera.vendor, "kinds", None) or ()) or market_of(camera.vendor.slug).kinds
    )
    if kinds is None or camera.kind in kinds:
        return None
    vouched = trusted_cameras().filter(vendor_id=camera.vendor_id, kind=camera.kind)
    if vouched.exclude(pk=camera.pk).exists():
        return None
    return warning("vendor_kind", vendor=camera.vendor.name, kind=camera.kind, kinds=list(kinds))


def burst(camera: Camera, sent: Sent) -> Warning | None:
    """Many reports from one sender (receipt or account), one browser
    session, or, from anyone, around one place, in a short time."""
    scopes = [
        scope
        for scope in (_sender_burst(sent), _session_burst(sent), _area_burst(camera))
        if scope is not None
    ]
    if not scopes:
        return None
    return warning("burst", scopes=scopes)


def _sender_burst(sent: Sent) -> dict | None:
    seconds = settings.SUBMISSION_BURST_SECONDS
    if sent.user is not None and sent.user.is_authenticated:
        mine = Q(user_id=sent.user.pk)
    elif sent.receipt is not None:
        mine = Q(receipt_id=sent.receipt.pk)
    else:
        return None
    since = timezone.now() - timedelta(seconds=seconds)
    count = Submission.objects.filter(mine, created_at__gte=since).count() + 1
    if count < settings.SUBMISSION_BURST_COUNT:
        return None
    return {"scope": "sender", "count": count, "seconds": seconds}


def _session_burst(sent: Sent) -> dict | None:
    """Counts a session's submissions in the cache (never the database)."""
    if not sent.session_marker:
        return None
    seconds = settings.SUBMISSION_BURST_SECONDS
    key = f"submissions:{sent.session_marker}"
    cache.add(key, 0, seconds)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds)
        count = 1
    if count < settings.SUBMISSION_BURST_COUNT:
        return None
    return {"scope": "session", "count": count, "seconds": seconds}


def _area_burst(camera: Camera) -> dict | None:
    """Reports around this one from anyone: a new session or receipt for
    each report does not escape it."""
    seconds = settings.SUBMISSION_AREA_BURST_SECONDS
    metres = settings.SUBMISSION_AREA_BURST_METRES
    since = timezone.now() - timedelta(seconds=seconds)
    recent = Camera.objects.filter(submissions__created_at__gte=since).exclude(pk=camera.pk)
    count = recent.near(camera.location, metres).values("pk").distinct().count() + 1
    if count < settings.SUBMISSION_AREA_BURST_COUNT:
        return None
    return {"scope": "area", "count": count, "seconds": seconds, "metres": metres}


def outside_countries(camera: Camera, country: Area | None) -> Warning | None:
    """A position in no country's boundary, with countries loaded. Sightline
    has no water data: the borders, which follow the coast, stand in for
    it, so open water is what lies outside every country."""
    if country is not None:
        return None
    countries = Area.objects.at_level(AreaLevel.COUNTRY)
    nearest = list(
        countries.order_by(GeometryDistance("geometry", camera.location))
        .annotate(distance=Distance("geometry", camera.location))
        .values("name", "distance")[:NEAREST_COUNTRY_CANDIDATES]
    )
    if not nearest:
        return None  # no countries loaded: nothing to say
    closest = min(nearest, key=lambda row: row["distance"].m)
    return warning(
        "outside_countries",
        nearest=closest["name"],
        distance=round(closest["distance"].m),
    )


def photo_far(camera: Camera, positions: Sequence[tuple[float, float] | None]) -> Warning | None:
    """Photos whose own GPS position is farther than
    SUBMISSION_PHOTO_FAR_METRES from the reported one: only the distances
    are kept, never the positions."""
    limit = settings.SUBMISSION_PHOTO_FAR_METRES
    far = [
        [number, round(metres)]
        for number, position in enumerate(positions, start=1)
        if position is not None
        and (metres := ground_metres(position, (camera.location.y, camera.location.x))) > limit
    ]
    if not far:
        return None
    return warning("photo_far", photos=far, metres=limit)


def ground_metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude), in metres
    (haversine on a sphere of the Earth's mean radius: within 0.5%)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(min(1.0, math.sqrt(h)))


def _country_of(camera: Camera) -> Area | None:
    return Area.objects.at_level(AreaLevel.COUNTRY).containing(camera.location).first()


# ------------------------------------------------------------------- words


def describe(item: Warning) -> dict[str, str]:
    """{code, label, reason, evidence} in the active language. A warning
    stored without figures Sightline can word keeps its stored words."""
    code = item.get("code", "")
    params = item.get("params")
    label = str(WARNING_KINDS.get(code, code))
    wording = WORDING.get(code)
    if params is None or wording is None:
        return {
            "code": code,
            "label": label,
            "reason": item.get("message", ""),
            "evidence": item.get("evidence", ""),
        }
    try:
        reason, evidence = wording(params)
    except (KeyError, TypeError, ValueError, IndexError):
        # Figures of another shape (written by an older or newer Sightline):
        # the words stored with them still hold.
        reason, evidence = item.get("message", ""), item.get("evidence", "")
    return {"code": code, "label": label, "reason": reason, "evidence": evidence}


def distance_words(metres: float) -> str:
    if metres < 1000:
        return _("%(metres)s m") % {"metres": formats.number_format(round(metres))}
    return _("%(km)s km") % {"km": formats.number_format(metres / 1000, decimal_pos=1)}


def _number(value: float) -> str:
    return formats.number_format(value, decimal_pos=1)


def _duplicate_words(p: dict) -> tuple[str, str]:
    if p["exact"]:
        reason = _("Camera #%(id)s of the same kind is at the very same place.") % {
            "id": p["camera"]
        }
    else:
        reason = _("Camera #%(id)s of the same kind is within %(metres)s m.") % {
            "id": p["camera"],
            "metres": _number(p["metres"]),
        }
    evidence = ngettext(
        "It is %(distance)s m away, %(status)s; %(count)s public camera of the same kind "
        "facing the same way lies within %(metres)s m.",
        "It is %(distance)s m away, %(status)s; %(count)s public cameras of the same kind "
        "facing the same way lie within %(metres)s m.",
        p["count"],
    ) % {
        "distance": _number(p["distance"]),
        "status": Status(p["status"]).label,
        "count": p["count"],
        "metres": _number(p["metres"]),
    }
    return reason, evidence


def _vendor_rare_words(p: dict) -> tuple[str, str]:
    names = {"vendor": p["vendor"], "country": p["country"]}
    if p["trusted"] == 0:
        reason = _("No verified or imported camera of %(vendor)s is recorded in %(country)s.")
    else:
        reason = _("%(vendor)s is rarely seen in %(country)s.")
    parts = [
        ngettext(
            "%(count)s verified or imported camera of it there (fewer than %(needed)s "
            "counts as rare);",
            "%(count)s verified or imported cameras of it there (fewer than %(needed)s "
            "count as rare);",
            p["trusted"],
        )
        % {"count": p["trusted"], "needed": p["needed"]},
        ngettext(
            "%(count)s unverified report, which does not count.",
            "%(count)s unverified reports, which do not count.",
            p["unverified"],
        )
        % {"count": p["unverified"]},
    ]
    if p["countries"]:
        parts.append(
            _("Its reference countries: %(countries)s.") % {"countries": ", ".join(p["countries"])}
        )
    else:
        parts.append(_("Sightline has no reference countries for it."))
    return reason % names, " ".join(parts)


def _kind_label(value: str) -> str:
    try:
        return str(Kind(value).label)
    except ValueError:
        return value


def _vendor_kind_words(p: dict) -> tuple[str, str]:
    kind = _kind_label(p["kind"])
    reason = _("%(vendor)s is not known to make a %(kind)s.") % {
        "vendor": p["vendor"],
        "kind": kind,
    }
    evidence = _(
        "It makes: %(kinds)s (reference data); no verified or imported camera of it is a %(kind)s."
    ) % {"kinds": ", ".join(_kind_label(value) for value in p["kinds"]), "kind": kind}
    return reason, evidence


def _burst_scope_words(scope: dict) -> str:
    minutes = max(1, round(scope["seconds"] / 60))
    if scope["scope"] == "sender":
        text = _("%(count)s reports under one receipt or account within %(minutes)s minutes.")
    elif scope["scope"] == "session":
        text = _("%(count)s reports from one browser session within %(minutes)s minutes.")
    else:
        text = _(
            "%(count)s reports from anyone within %(distance)s of each other within "
            "%(minutes)s minutes."
        )
    return text % {
        "count": scope["count"],
        "minutes": minutes,
        "distance": distance_words(scope.get("metres", 0)),
    }


def _burst_words(p: dict) -> tuple[str, str]:
    first = p["scopes"][0]
    reason = _("Submission %(count)s in a burst of reports.") % {"count": first["count"]}
    return reason, " ".join(_burst_scope_words(scope) for scope in p["scopes"])


def _outside_words(p: dict) -> tuple[str, str]:
    reason = _("The position is outside every country's boundary: perhaps open water.")
    evidence = _(
        "The nearest country is %(country)s, %(distance)s away. Sightline has no water data: "
        "outside every country stands in for open water, and a place the borders leave out "
        "looks the same."
    ) % {"country": p["nearest"], "distance": distance_words(p["distance"])}
    return reason, evidence


def _photo_far_words(p: dict) -> tuple[str, str]:
    number, metres = max(p["photos"], key=lambda photo: photo[1])
    reason = _("Photo %(number)s was taken %(distance)s from the reported position.") % {
        "number": number,
        "distance": distance_words(metres),
    }
    photos = ", ".join(
        _("photo %(number)s: %(distance)s") % {"number": n, "distance": distance_words(m)}
        for n, m in p["photos"]
    )
    evidence = _(
        "The position each photo recorded (read before its metadata was removed, and not "
        "kept) is more than %(limit)s from the reported one: %(photos)s."
    ) % {"limit": distance_words(p["metres"]), "photos": photos}
    return reason, evidence


def _without_proof_words(p: dict) -> tuple[str, str]:
    return (
        _("Sent without a proof of work: hidden until a moderator approves it."),
        _("The browser sent no proof of work (no JavaScript, or a client that did not solve it)."),
    )


WORDING: dict[str, Callable[[dict], tuple[str, str]]] = {
    "without_proof": _without_proof_words,
    "duplicate": _duplicate_words,
    "vendor_rare": _vendor_rare_words,
    "vendor_kind": _vendor_kind_words,
    "burst": _burst_words,
    "outside_countries": _outside_words,
    "photo_far": _photo_far_words,
}
