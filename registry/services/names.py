"""Writes that map raw vendor/operator spellings to records: map_spellings
given the record, and spellings_map, the moderation page's request, which
checks who asks, chooses or makes the record and maps in one transaction."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Model, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry.models import Camera, ModerationAction, Operator, Revision, Vendor

from .history import action_changeset, current_changeset, one_changeset
from .moderators import is_moderator, moderated_area_ids


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
        Camera.objects.select_for_update(no_key=True)
        .filter(**{f"{role}__isnull": True, f"{role}_raw__in": spellings})
        .only("id", "version")
    )
    if not cameras:
        return 0
    changeset = current_changeset(user=actor, comment=_mapping_comment(role, target))
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


# -------------------------------------------------- a group, from the page

OrganisationModel = type[Vendor] | type[Operator]
ORGANISATIONS: dict[str, OrganisationModel] = {"vendor": Vendor, "operator": Operator}
MISSING_RIGHTS = {
    "vendor": {
        "change": gettext_lazy("Mapping spellings needs the right to change vendors."),
        "add": gettext_lazy("Adding a vendor to map spellings to needs the right to add vendors."),
    },
    "operator": {
        "change": gettext_lazy("Mapping spellings needs the right to change operators."),
        "add": gettext_lazy(
            "Adding an operator to map spellings to needs the right to add operators."
        ),
    },
}


def spellings_refusal(user: AbstractBaseUser | None, role: str, *, creating: bool = False) -> str:
    """Why `user` may not map spellings of `role` (and, `creating`, add the
    record they point to); empty when they may. Mapping changes cameras
    wherever they are and writes the record's aliases, so it takes a
    moderator of every area who may also change those records."""
    if not is_moderator(user):
        return _("Only moderators may map spellings.")
    if moderated_area_ids(user):
        return _(
            "Mapping spellings changes cameras everywhere: moderators limited to some areas "
            "cannot do it."
        )
    if not user.has_perm(f"registry.change_{role}"):
        return str(MISSING_RIGHTS[role]["change"])
    if creating and not user.has_perm(f"registry.add_{role}"):
        return str(MISSING_RIGHTS[role]["add"])
    return ""


@transaction.atomic
def spellings_map(
    *,
    role: str,
    spellings: Iterable[str],
    target: Vendor | Operator | int | None = None,
    new_name: str = "",
    actor: AbstractBaseUser,
) -> tuple[Vendor | Operator, int]:
    """Map a group of raw spellings to an existing record (`target`) or to a
    new one named `new_name`, made here, in one transaction: if the
    mapping is refused, no record is made. Returns the record and how many
    cameras now point to it. The decision is in the moderation log, with
    the spellings, the record and the changeset that moved the cameras."""
    model = _organisation_model(role)
    new_name = " ".join(new_name.split())
    refusal = spellings_refusal(actor, role, creating=bool(new_name))
    if refusal:
        raise PermissionDenied(refusal)
    spellings = sorted({spelling for spelling in spellings if spelling.strip()})
    errors = _mapping_errors(model, spellings, target, new_name)
    if errors:
        raise ValidationError(errors)
    record = _new_record(model, new_name) if new_name else _locked_target(model, target)
    with one_changeset(user=actor, comment=_mapping_comment(role, record)):
        changed = map_spellings(role=role, spellings=spellings, target=record, actor=actor)
        ModerationAction.objects.create(
            moderator=actor,
            action=ModerationAction.Action.MAP,
            subject=f"{role}:{record.pk}",
            reason=_mapping_reason(spellings, record, changed),
            changeset=action_changeset(),
        )
    return record, changed


def _mapping_comment(role: str, record: Vendor | Operator) -> str:
    return _("Mapped %(role)s spellings to %(name)s") % {"role": role, "name": record}


def _mapping_reason(spellings: list[str], record: Vendor | Operator, cameras: int) -> str:
    quoted = ", ".join(f"“{spelling}”" for spelling in spellings)
    return ngettext(
        "Mapped %(spellings)s to “%(name)s” (%(count)d camera).",
        "Mapped %(spellings)s to “%(name)s” (%(count)d cameras).",
        cameras,
    ) % {"spellings": quoted, "name": record.name, "count": cameras}


def _organisation_model(role: str) -> OrganisationModel:
    if role not in ORGANISATIONS:
        raise ValidationError({"role": _("Role must be 'vendor' or 'operator'.")})
    return ORGANISATIONS[role]


def _mapping_errors(
    model: OrganisationModel,
    spellings: list[str],
    target: Vendor | Operator | int | None,
    new_name: str,
) -> dict[str, str]:
    """What is wrong with the request, every field at once."""
    names = {"model": model._meta.verbose_name}
    errors = {}
    if not spellings:
        errors["spellings"] = _("Name at least one spelling to map.")
    if target is not None and new_name:
        errors["new_name"] = _("Choose an existing %(model)s or name a new one, not both.") % names
    elif target is None and not new_name:
        errors["target"] = _("Choose an existing %(model)s or name a new one.") % names
    elif new_name and _name_taken(model, new_name):
        errors["new_name"] = _(
            "A %(model)s called “%(name)s” exists already: choose it from the list."
        ) % {**names, "name": new_name}
    elif new_name and not slugify(new_name):
        errors["new_name"] = _("A name needs letters or digits.")
    return errors


def _name_taken(model: OrganisationModel, name: str) -> bool:
    return model.objects.filter(Q(name__iexact=name) | Q(slug=slugify(name))).exists()


def _new_record(model: OrganisationModel, name: str) -> Vendor | Operator:
    record = model(name=name, slug=slugify(name))
    try:
        record.full_clean()
        with transaction.atomic():  # a name taken at the same moment: an error, not a 500
            record.save()
    except ValidationError as error:
        raise ValidationError({"new_name": error.messages}) from error
    except IntegrityError as error:
        raise ValidationError(
            {
                "new_name": _("A %(model)s called “%(name)s” exists already.")
                % {"model": model._meta.verbose_name, "name": name}
            }
        ) from error
    return record


def _locked_target(model: OrganisationModel, target: Vendor | Operator | int) -> Vendor | Operator:
    """The record, locked and read again: its aliases are added to what the
    database holds, not to a copy someone else's mapping has outdated."""
    pk = target.pk if isinstance(target, model) else target
    record = model.objects.select_for_update().filter(pk=pk).first()
    if record is None:
        raise ValidationError(
            {
                "target": _("No %(model)s #%(id)s exists.")
                % {"model": model._meta.verbose_name, "id": pk}
            }
        )
    return record
