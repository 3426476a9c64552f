"""Writes that map raw vendor/operator spellings to records."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.translation import gettext as _

from registry.models import Camera, Revision

from .history import current_changeset


@transaction.atomic
def map_spellings(
    *,
    role: str,
    spellings: Iterable[str],
    target: Model,
    actor: AbstractBaseUser | None,
) -> int:
    """Map every unmatched camera whose raw `role` string is one of `spellings`
    to `target` (a Vendor or Operator), and remember the spellings as aliases
    so later imports match them. Returns how many cameras changed."""
    if role not in {"vendor", "operator"}:
        raise ValidationError({"role": _("Role must be 'vendor' or 'operator'.")})
    spellings = sorted({spelling for spelling in spellings if spelling.strip()})
    if not spellings:
        raise ValidationError({"spellings": _("Name at least one spelling to map.")})
    _add_aliases(target, spellings)
    cameras = list(
        Camera.objects.select_for_update()
        .filter(**{f"{role}__isnull": True, f"{role}_raw__in": spellings})
        .only("id", "version")
    )
    if not cameras:
        return 0
    changeset = current_changeset(
        user=actor,
        comment=_("Mapped %(role)s spellings to %(name)s") % {"role": role, "name": target},
    )
    Camera.objects.filter(pk__in=[camera.pk for camera in cameras]).update(
        # update() skips auto_now: set the time so the changes feed sees them.
        **{role: target},
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    Revision.objects.bulk_create(
        Revision(
            camera_id=camera.pk,
            version=camera.version + 1,
            changeset=changeset,
            changes={role: [None, target.pk]},
        )
        for camera in cameras
    )
    return len(cameras)


def _add_aliases(target: Model, spellings: list[str]) -> None:
    if target.add_aliases(spellings):
        target.full_clean()
        target.save(update_fields=["aliases", "updated_at"])
