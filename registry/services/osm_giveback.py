"""Giving back to OpenStreetMap: what may go out, the exact tags it would
carry, and the upload of a reviewed batch as one changeset under the
moderator's own OSM account (docs/moderation.md, "Giving back to
OpenStreetMap").

Two kinds of camera are offered (registry.models.cameras):

- new nodes: verified cameras OSM does not have, contributed to Sightline or
  from a dataset whose licence is marked ODbL-compatible
  (`offerable_to_osm`);
- modifications: OSM nodes whose latest revision is a moderator's edit, no
  import or upload since (`corrected_since_osm`), and whose tags as the
  export writes them differ from OSM's (the raw tags, as last imported or
  uploaded).

The tags are the osmChange export's (`registry.exports.osm_tags`), OSM keys
only, plus `check_date`: the day the camera was verified. OSM applies a diff
upload all or nothing, so a refusal (a version that moved on, a deleted
node) leaves nothing uploaded, and nothing is recorded as uploaded; every
try is logged as an OsmUpload.
"""

from __future__ import annotations

import re
import xml.parsers.expat
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from xml.dom import minidom

import osmapi
import requests
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from registry.exports import CSV_COLUMNS, ExportReport, osm_rows, osm_tags
from registry.models import Camera, OsmType, OsmUpload
from registry.versions import SIGHTLINE_VERSION

from .cameras import camera_update
from .history import one_changeset
from .moderators import check_moderator, within_moderated_areas
from .osm_accounts import api_session, authorization_of

# A batch is what one page shows; OSM takes far more per changeset, but a
# moderator reviews what goes out, and 50 is what they can review at once.
MAX_BATCH = 50
COMMENT_MAX_LENGTH = 255
# Columns of Sightline's own CSV that are no OSM keys: a dataset imported
# from such a file may have kept them among its raw tags.
OSM_KEYS_TOO = {"height", "operator"}
BOOKKEEPING_KEYS = (set(CSV_COLUMNS) | {"created_at", "dataset", "feature"}) - OSM_KEYS_TOO
# How the API names the element it refuses (409, 410, 412 messages).
NAMED_NODE = re.compile(r"\b[Nn]ode(?::| with the id)? (-?\d+)")


def osm_keys_only(tags: dict[str, str]) -> dict[str, str]:
    """Without what is Sightline's bookkeeping or a file's metadata
    (`@id`, `@version`), never OSM tags."""
    return {
        key: value
        for key, value in tags.items()
        if key not in BOOKKEEPING_KEYS and not key.startswith("@")
    }


def offered_cameras(viewer: AbstractBaseUser, *, kind: str = "", area=None) -> QuerySet:
    """Both kinds of camera the viewer may give back (within their areas)."""
    new = Camera.objects.offerable_to_osm().values("pk")
    corrected = Camera.objects.corrected_since_osm().values("pk")
    cameras = Camera.objects.filter(Q(pk__in=new) | Q(pk__in=corrected))
    if kind:
        cameras = cameras.of_kind(kind)
    if area is not None:
        cameras = cameras.in_area(area)
    return within_moderated_areas(cameras, viewer, "location").order_by("id")


@dataclass
class Proposal:
    """One camera as it would go to OSM."""

    camera_id: int
    version: int
    kind: str
    lat: str
    lon: str
    tags: dict[str, str]
    # Set for a modification: the node, its version, and OSM's tags.
    osm_id: int | None = None
    osm_version: int | None = None
    osm_tags: dict[str, str] = field(default_factory=dict)
    # Why the last try refused it, for the page.
    refused: str = ""

    @property
    def is_new(self) -> bool:
        return self.osm_id is None

    @property
    def changes_anything(self) -> bool:
        """Whether the tags differ from OSM's, `check_date` aside (it
        always moves: it is the day of the review)."""
        ours = {key: value for key, value in self.tags.items() if key != "check_date"}
        theirs = {key: value for key, value in self.osm_tags.items() if key != "check_date"}
        return self.is_new or ours != theirs

    def diff(self) -> list[tuple[str, str | None, str | None]]:
        """(key, OSM's value, the new value) for every key that changes."""
        keys = sorted(set(self.tags) | set(self.osm_tags))
        return [
            (key, self.osm_tags.get(key), self.tags.get(key))
            for key in keys
            if self.osm_tags.get(key) != self.tags.get(key)
        ]

    def element(self) -> dict[str, Any]:
        """The node as osmapi writes it: a negative id for a new one."""
        node = {"lat": self.lat, "lon": self.lon, "tag": self.tags}
        if self.is_new:
            return {"id": -self.camera_id, **node}
        return {"id": self.osm_id, "version": self.osm_version, **node}


def proposals(cameras: QuerySet) -> list[Proposal]:
    """Each camera's exact node: position to OSM's 7 decimals, the export's
    tags, OSM keys only, `check_date` the day it was verified."""
    versions = dict(cameras.values_list("pk", "version"))
    verified = dict(cameras.values_list("pk", "verified_at"))
    found = []
    for row in osm_rows(cameras):
        tags = osm_keys_only(osm_tags(row, ExportReport()))
        if verified.get(row.id):
            tags["check_date"] = verified[row.id].date().isoformat()
        modifying = row.osm_id is not None
        found.append(
            Proposal(
                camera_id=row.id,
                version=versions[row.id],
                kind=row.kind,
                lat=f"{row.lat:.7f}",
                lon=f"{row.lon:.7f}",
                tags=dict(sorted(tags.items())),
                osm_id=row.osm_id if modifying else None,
                osm_version=row.osm_version if modifying else None,
                osm_tags={str(k): str(v) for k, v in row.tags.items()} if modifying else {},
            )
        )
    order = {pk: index for index, pk in enumerate(cameras.values_list("pk", flat=True))}
    return sorted(found, key=lambda proposal: order.get(proposal.camera_id, 0))


class UploadRefused(ValidationError):
    """Nothing was sent: the request itself was wrong (no comment, a camera
    changed since it was shown, no OSM account connected)."""


@dataclass
class UploadResult:
    upload: OsmUpload
    # Camera id -> why OSM or Sightline refused it.
    errors: dict[int, str]


def upload_batch(
    *,
    user: AbstractBaseUser,
    cameras: Sequence[tuple[int, int]],
    comment: str,
) -> UploadResult:
    """Uploads `cameras` ((id, the version the moderator saw) pairs) as one
    OSM changeset tagged `created_by`, `source=survey` and `comment`, then
    records the new ids and versions on the cameras in one transaction. A
    refused upload records nothing on the cameras, only the log."""
    check_moderator(user)
    comment = comment.strip()
    batch = _checked_batch(user, cameras, comment)
    authorization = authorization_of(user)
    # A token is good only on the server that issued it.
    if authorization is None or authorization.api_url != settings.OSM_API_URL:
        raise UploadRefused({"osm": _("Connect your OpenStreetMap account first.")})
    session = api_session(authorization)
    sent = _send(session, batch, comment)
    if sent.failure is not None:
        return _log_failure(user, batch, comment, sent)
    return _record(user, batch, comment, sent)


def _checked_batch(
    user: AbstractBaseUser, cameras: Sequence[tuple[int, int]], comment: str
) -> list[Proposal]:
    if not comment:
        raise UploadRefused({"comment": _("Say what this changeset does: OSM shows it.")})
    if len(comment) > COMMENT_MAX_LENGTH:
        raise UploadRefused(
            {"comment": _("At most %(n)s characters, as OSM allows.") % {"n": COMMENT_MAX_LENGTH}}
        )
    if not cameras:
        raise UploadRefused({"cameras": _("Tick at least one camera.")})
    if len(cameras) > MAX_BATCH:
        raise UploadRefused({"cameras": _("At most %(n)s cameras at once.") % {"n": MAX_BATCH}})
    seen = dict(cameras)
    offered = offered_cameras(user).filter(pk__in=seen)
    batch = [proposal for proposal in proposals(offered) if proposal.changes_anything]
    found = {proposal.camera_id for proposal in batch}
    missing = sorted(set(seen) - found)
    if missing:
        raise UploadRefused(
            {
                "cameras": _("Not to give back (any more): %(ids)s. Nothing was sent.")
                % {"ids": ", ".join(f"#{pk}" for pk in missing)}
            }
        )
    moved = [p.camera_id for p in batch if p.version != seen[p.camera_id]]
    if moved:
        raise UploadRefused(
            {
                "cameras": _(
                    "Changed since you looked: %(ids)s. Nothing was sent: review them again."
                )
                % {"ids": ", ".join(f"#{pk}" for pk in moved)}
            }
        )
    return batch


@dataclass
class Sent:
    changeset: int | None = None
    # Old id -> (new id, new version), from the diffResult.
    results: dict[int, tuple[int, int]] = field(default_factory=dict)
    failure: str | None = None
    # Node id (negative for a new one) -> why OSM refused it.
    refused: dict[int, str] = field(default_factory=dict)
    close_failure: str = ""


def _send(session: requests.Session, batch: list[Proposal], comment: str) -> Sent:
    """Opens the changeset, uploads the diff, closes the changeset. osmapi
    pairs its results to the elements by position within each group, which
    misreads a diff holding both creations and modifications; the diffResult
    is therefore read by old id, from the response itself."""
    answers: list[bytes] = []

    def keep_upload_answer(response: requests.Response, *args, **kwargs) -> None:
        if response.request.url.endswith("/upload") and response.ok:
            answers.append(response.content)

    session.hooks["response"].append(keep_upload_answer)
    created_by = f"Sightline {SIGHTLINE_VERSION}"
    api = osmapi.OsmApi(
        api=settings.OSM_API_URL,
        session=session,
        created_by=created_by,
        timeout=settings.OSM_TIMEOUT_SECONDS,
    )
    sent = Sent()
    try:
        sent.changeset = api.changeset_create(
            {"created_by": created_by, "source": "survey", "comment": comment}
        )
        api.changeset_upload(_changes(batch))
        sent.results = _diff_result(answers[-1])
    except osmapi.OsmApiError as error:
        sent.failure, sent.refused = _failure(error)
    finally:
        sent.close_failure = _close(api) if sent.changeset else ""
    return sent


def _changes(batch: list[Proposal]) -> list[dict[str, Any]]:
    groups = []
    for action, members in (
        ("create", [p for p in batch if p.is_new]),
        ("modify", [p for p in batch if not p.is_new]),
    ):
        if members:
            groups.append(
                {"type": "node", "action": action, "data": [p.element() for p in members]}
            )
    return groups


def _diff_result(content: bytes) -> dict[int, tuple[int, int]]:
    try:
        document = minidom.parseString(content)
    except xml.parsers.expat.ExpatError as error:
        raise osmapi.XmlResponseInvalidError(f"unreadable diffResult: {error}") from error
    return {
        int(node.getAttribute("old_id")): (
            int(node.getAttribute("new_id")),
            int(node.getAttribute("new_version")),
        )
        for node in document.getElementsByTagName("node")
        if node.getAttribute("new_id")
    }


def _failure(error: osmapi.OsmApiError) -> tuple[str, dict[int, str]]:
    """What went wrong, and which nodes OSM named, with its own words."""
    if not isinstance(error, osmapi.ApiError):
        return str(error), {}
    payload = error.payload.decode("utf-8", "replace") if error.payload else ""
    payload = payload.strip()[:500]
    if error.status == 0:
        # The upload may have arrived even though its answer did not.
        message = _(
            "OpenStreetMap could not be reached: %(error)s. If the upload arrived all the "
            "same, the changeset in the log shows it: look there before sending these again."
        ) % {"error": error.reason}
    else:
        message = f"{error.status} {error.reason}: {payload}".strip(": ")
    named = {int(node): payload or message for node in NAMED_NODE.findall(payload)}
    return message, named


def _close(api: osmapi.OsmApi) -> str:
    try:
        api.changeset_close()
    except osmapi.OsmApiError as error:
        # OSM closes an idle changeset by itself within the hour.
        return str(error)
    return ""


def _node_id(proposal: Proposal) -> int:
    return -proposal.camera_id if proposal.is_new else proposal.osm_id


def _log_failure(
    user: AbstractBaseUser, batch: list[Proposal], comment: str, sent: Sent
) -> UploadResult:
    errors = {p.camera_id: sent.refused[_node_id(p)] for p in batch if _node_id(p) in sent.refused}
    upload = OsmUpload.objects.create(
        moderator=user,
        api_url=settings.OSM_API_URL,
        osm_changeset=sent.changeset,
        comment=comment,
        outcome=OsmUpload.Outcome.FAILED,
        refused=len(errors) or len(batch),
        message=sent.failure or "",
        errors={str(pk): why for pk, why in errors.items()},
    )
    return UploadResult(upload=upload, errors=errors)


@transaction.atomic
def _record(
    user: AbstractBaseUser, batch: list[Proposal], comment: str, sent: Sent
) -> UploadResult:
    """OSM now holds these nodes: their ids, versions and tags go on the
    cameras whatever happened to them meanwhile (a moderator who lost the
    role since, an edit since), or the next import would create them again.
    The edit since then stays, and shows up as a correction to give back."""
    errors: dict[int, str] = {}
    reason = _("Uploaded to OpenStreetMap, changeset %(id)s: %(comment)s") % {
        "id": sent.changeset,
        "comment": comment,
    }
    with one_changeset(user=user, comment=reason) as action:
        for proposal in batch:
            result = sent.results.get(_node_id(proposal))
            if result is None:
                errors[proposal.camera_id] = _("Not in OSM's answer: not recorded.")
                continue
            _record_node(user, proposal, *result, reason=reason)
    upload = OsmUpload.objects.create(
        moderator=user,
        api_url=settings.OSM_API_URL,
        osm_changeset=sent.changeset,
        comment=comment,
        outcome=OsmUpload.Outcome.UPLOADED,
        created=sum(1 for p in batch if p.is_new and p.camera_id not in errors),
        modified=sum(1 for p in batch if not p.is_new and p.camera_id not in errors),
        refused=len(errors),
        message=sent.close_failure,
        errors={str(pk): why for pk, why in errors.items()},
        changeset=action.changeset,
    )
    return UploadResult(upload=upload, errors=errors)


def _record_node(
    user: AbstractBaseUser, proposal: Proposal, new_id: int, new_version: int, *, reason: str
) -> None:
    camera = camera_update(
        camera=proposal.camera_id,
        actor=user,
        reason=reason,
        osm_type=OsmType.NODE,
        osm_id=new_id,
        tags=proposal.tags,
    )
    # The OSM version is bookkeeping, never a revision's change.
    Camera.objects.filter(pk=camera.pk).update(osm_version=new_version)
