"""Operators from the data, and their curation.

Every operator string an import or a contribution brings resolves to an
Operator: an existing one (by Wikidata id, name, alias or an unambiguous near
match, registry.names.NameResolver), else a new record marked as made from
the data and not reviewed, with its type from `operator:type`. Placeholders
(`unknown`, `n/a`) make nothing. Curators then merge duplicates into the
record they keep and mark the others reviewed, on /moderation/operators/.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from registry.models import (
    Camera,
    EditSuggestion,
    Evidence,
    ModerationAction,
    Operator,
    OperatorOrigin,
    OperatorType,
    ReviewState,
    Revision,
)
from registry.names import NameResolver, is_placeholder, name_key
from registry.reference_data import OPERATOR_TYPE_SPELLINGS

from .history import action_changeset, current_changeset, one_changeset
from .moderators import is_moderator, moderated_area_ids
from .records import check_unchanged

CONTRIBUTION_SOURCE = "contribution"
NAME_MAX = Operator._meta.get_field("name").max_length
SLUG_MAX = Operator._meta.get_field("slug").max_length
WIKIDATA_VALIDATOR = Operator._meta.get_field("wikidata").validators[0]


def operator_type_of(value: str) -> str:
    """An `operator:type` value as an OperatorType (`Government` ->
    `government`, `local_authority` -> `government`); "" when it names none
    Sightline knows (the raw tag stays in the camera's tags)."""
    key = "_".join(value.strip().casefold().replace("-", " ").split())
    if key in OperatorType.values:
        return key
    return OPERATOR_TYPE_SPELLINGS.get(key, "")


def valid_wikidata(value: str) -> str:
    """`value` if it is a Wikidata id, else "" (a typo is not an identity)."""
    value = value.strip()
    try:
        WIKIDATA_VALIDATOR(value)
    except ValidationError:
        return ""
    return value


def data_name(raw: str) -> str:
    """The name a record made from `raw` gets: its spaces tidied, cut to the
    column's length."""
    return " ".join(raw.split())[:NAME_MAX]


def data_slug(name: str, taken: set[str]) -> str:
    """A slug for a new record, not in `taken` (which it joins): the name's,
    else, for a name in a script slugify drops (`Большой брат`), one from
    its digest."""
    base = slugify(name)[: SLUG_MAX - 12] or (
        "operator-" + hashlib.blake2b(name.encode(), digest_size=4).hexdigest()
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    taken.add(slug)
    return slug


def may_create_from(raw: str, resolver: NameResolver) -> bool:
    """Whether an unmatched string should become a record: not a
    placeholder, and not a spelling that names two records already (a
    moderator chooses between them on /moderation/spellings/)."""
    return not is_placeholder(raw) and name_key(raw) not in resolver.by_key


def operator_for_string(
    *, name: str, wikidata: str = "", operator_type: str = "", source: str = CONTRIBUTION_SOURCE
) -> Operator | None:
    """The operator `name` names, made from the data when none matches (None
    for a placeholder or an ambiguous spelling). One record at a time, for
    the camera services; imports make theirs in bulk (imports.operators)."""
    resolver = NameResolver.for_model(Operator)
    pk = resolver.resolve(name, valid_wikidata(wikidata))
    if pk is not None:
        return Operator.objects.get(pk=pk)
    if not may_create_from(name, resolver):
        return None
    name = data_name(name)
    record = Operator(
        name=name,
        slug=data_slug(name, _slugs_like(slugify(name) or "operator-")),
        wikidata=valid_wikidata(wikidata),
        operator_type=operator_type_of(operator_type),
        origin=OperatorOrigin.DATA,
        reviewed=False,
        first_source=source[:200],
    )
    record.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError:
        # Made by another contribution meanwhile: that one is the record.
        return Operator.objects.filter(name=name).first()
    return record


def _slugs_like(base: str) -> set[str]:
    return set(Operator.objects.filter(slug__startswith=base).values_list("slug", flat=True))


# ------------------------------------------------------------- curation


def curation_refusal(user: AbstractBaseUser | None) -> str:
    """Why `user` may not merge or mark operators reviewed; empty when they
    may. A merge moves cameras wherever they are, so it takes a moderator
    of every area who may change operators."""
    if not is_moderator(user):
        return _("Only moderators may review operators.")
    if moderated_area_ids(user):
        return _(
            "Reviewing operators changes cameras everywhere: moderators limited to some areas "
            "cannot do it."
        )
    if not user.has_perm("registry.change_operator"):
        return _("Reviewing operators needs the right to change operators.")
    return ""


def _check_curator(user: AbstractBaseUser | None) -> None:
    refusal = curation_refusal(user)
    if refusal:
        raise PermissionDenied(refusal)


@transaction.atomic
def operator_merge(
    *,
    operator: Operator | int,
    into: Operator | int,
    moderator: AbstractBaseUser,
    reason: str = "",
    seen_updated_at: datetime | None = None,
) -> Operator:
    """Merge `operator` into `into`, the record kept: its cameras (each with
    a revision, all in one changeset), evidence and open edit suggestions
    follow, its name and aliases become aliases of `into`, and `into` takes
    its Wikidata id, type and website where it has none. The merged record
    is deleted; the moderation log keeps the decision. Refused (StaleRecord)
    if `operator` was saved after `seen_updated_at`."""
    _check_curator(moderator)
    merged, kept = _locked_pair(operator, into)
    check_unchanged(merged, seen_updated_at)
    reason = reason.strip() or _("Merged “%(merged)s” into “%(kept)s”.") % {
        "merged": merged.name,
        "kept": kept.name,
    }
    with one_changeset(user=moderator, comment=reason):
        _move_cameras(merged, kept, moderator, reason)
        Evidence.objects.filter(operator=merged).update(operator=kept, updated_at=timezone.now())
        _move_suggestions(merged, kept)
        merged_id = merged.pk
        _take_over(kept, merged)
        ModerationAction.objects.create(
            moderator=moderator,
            action=ModerationAction.Action.MERGE,
            subject=f"operator:{merged_id}",
            reason=reason,
            changeset=action_changeset(),
        )
    return kept


def _locked_pair(operator: Operator | int, into: Operator | int) -> tuple[Operator, Operator]:
    ids = [_pk(operator), _pk(into)]
    if ids[0] == ids[1]:
        raise ValidationError({"into": _("An operator cannot be merged into itself.")})
    # Locked in id order, so two merges of the same pair never deadlock.
    found = {
        record.pk: record
        for record in Operator.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    for pk, field in zip(ids, ("operator", "into"), strict=True):
        if pk not in found:
            raise ValidationError(
                {field: _("Operator #%(id)s no longer exists.") % {"id": pk}}, code="gone"
            )
    return found[ids[0]], found[ids[1]]


def _pk(record: Operator | int) -> int:
    return record.pk if isinstance(record, Operator) else int(record)


def _move_cameras(merged: Operator, kept: Operator, moderator, reason: str) -> None:
    cameras = list(
        Camera.objects.select_for_update(no_key=True)
        .filter(operator=merged)
        .only("id", "version")
        .order_by("pk")
    )
    if not cameras:
        return
    changeset = current_changeset(user=moderator, comment=reason)
    Camera.objects.filter(pk__in=[camera.pk for camera in cameras]).update(
        # update() skips auto_now: set the time so the changes feed sees them.
        operator=kept,
        version=F("version") + 1,
        updated_at=timezone.now(),
    )
    Revision.objects.bulk_create(
        Revision(
            camera_id=camera.pk,
            version=camera.version + 1,
            changeset=changeset,
            changes={"operator": [merged.pk, kept.pk]},
        )
        for camera in cameras
    )


def _move_suggestions(merged: Operator, kept: Operator) -> None:
    """Open edit suggestions naming the merged record name the kept one."""
    suggestions = EditSuggestion.objects.select_for_update().filter(
        state=ReviewState.OPEN, changes__has_key="operator"
    )
    for suggestion in suggestions:
        values = suggestion.changes["operator"]
        moved = [kept.pk if value == merged.pk else value for value in values]
        if moved != values:
            suggestion.changes = {**suggestion.changes, "operator": moved}
            suggestion.save(update_fields=["changes"])


def _take_over(kept: Operator, merged: Operator) -> None:
    names = [merged.name, *merged.aliases]
    wikidata = merged.wikidata
    merged.delete()  # first: its Wikidata id and name are unique
    kept.add_aliases(names)
    kept.former_slugs = [*kept.former_slugs, merged.slug, *merged.former_slugs]
    if wikidata and not kept.wikidata:
        kept.wikidata = wikidata
    for name in ("operator_type", "website"):
        if not getattr(kept, name):
            setattr(kept, name, getattr(merged, name))
    kept.full_clean()
    kept.save()


@transaction.atomic
def operators_mark_reviewed(
    *,
    operators: Iterable[Operator | int],
    moderator: AbstractBaseUser,
    seen: Mapping[int, datetime] | None = None,
) -> int:
    """Mark operators reviewed, as one action: all or none. An operator
    saved after the moderator's page showed it (`seen`: id -> updated_at)
    refuses the whole action (StaleRecord). Returns how many changed; one
    already reviewed is left as it is."""
    _check_curator(moderator)
    ids = sorted({_pk(record) for record in operators})
    if not ids:
        raise ValidationError({"operators": _("Choose at least one operator.")})
    records = list(Operator.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    missing = sorted(set(ids) - {record.pk for record in records})
    if missing:
        raise ValidationError(
            {"operators": _("Operator #%(id)s no longer exists.") % {"id": missing[0]}},
            code="gone",
        )
    for record in records:
        check_unchanged(record, (seen or {}).get(record.pk))
    changing = [record for record in records if not record.reviewed]
    now = timezone.now()
    Operator.objects.filter(pk__in=[record.pk for record in changing]).update(
        reviewed=True, updated_at=now
    )
    ModerationAction.objects.bulk_create(
        ModerationAction(
            moderator=moderator,
            action=ModerationAction.Action.REVIEW,
            subject=f"operator:{record.pk}",
            reason=_("Marked “%(name)s” reviewed.") % {"name": record.name},
        )
        for record in changing
    )
    return len(changing)
