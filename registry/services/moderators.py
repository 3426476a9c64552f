"""Who may moderate what, and the record of what moderators did.

Moderators hold the `registry.moderate` permission (superusers hold every
permission). A moderator with ModeratorArea rows moderates only cameras inside
those areas, and that holds for the camera's place both before and after a
change: a scoped moderator can neither move a camera out of their areas nor
pull one in from outside. Every service that acts for a moderator checks
both; the pages check the first again only to say so early."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import Group, Permission
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from registry.models import Area, Camera, ModerationAction, ModeratorArea

from .history import action_changeset

MODERATE_PERMISSION = "registry.moderate"
MODERATORS_GROUP = "moderators"
# What the role holds: moderating, and mapping unmatched vendor and operator
# spellings to records, existing or new (/moderation/spellings/).
MODERATOR_PERMISSIONS = (
    "moderate",
    "add_vendor",
    "change_vendor",
    "add_operator",
    "change_operator",
)


def is_moderator(user: AbstractBaseUser | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(MODERATE_PERMISSION))


def moderated_area_ids(user: AbstractBaseUser) -> list[int]:
    """The areas a moderator is limited to; empty for one who moderates
    everywhere (superusers always do)."""
    if user.is_superuser:
        return []
    return list(ModeratorArea.objects.filter(user=user).values_list("area_id", flat=True))


def can_moderate_at(user: AbstractBaseUser | None, location: Point) -> bool:
    """Whether `user` moderates cameras at `location`: decided in the
    database, since boundaries can weigh megabytes."""
    if not is_moderator(user):
        return False
    ids = moderated_area_ids(user)
    if not ids:
        return True
    return Area.objects.filter(pk__in=ids, geometry__intersects=location).exists()


def can_moderate(user: AbstractBaseUser | None, camera: Camera | None = None) -> bool:
    """Whether `user` is a moderator at all (no camera) or of `camera`'s place."""
    if camera is None:
        return is_moderator(user)
    return can_moderate_at(user, camera.location)


def check_moderator(user: AbstractBaseUser | None) -> None:
    if not is_moderator(user):
        raise PermissionDenied(_("Only moderators may do this."))


def check_place(user: AbstractBaseUser | None, *locations: Point) -> None:
    """Refuses unless `user` moderates every one of `locations` (a camera's
    place before a change, and after it)."""
    check_moderator(user)
    for location in locations:
        if not can_moderate_at(user, location):
            raise PermissionDenied(
                _(
                    "You may not moderate cameras at %(latitude).5f, %(longitude).5f: it is "
                    "outside the areas you moderate."
                )
                % {"latitude": location.y, "longitude": location.x}
            )


def within_moderated_areas(
    queryset: models.QuerySet, user: AbstractBaseUser, *locations: str
) -> models.QuerySet:
    """Only rows whose every camera (`locations`: paths to camera locations)
    lies inside one of the moderator's areas, decided in the database."""
    ids = moderated_area_ids(user)
    if not ids:
        return queryset
    for location in locations:
        inside = Area.objects.filter(pk__in=ids, geometry__intersects=models.OuterRef(location))
        queryset = queryset.filter(models.Exists(inside))
    return queryset


def record_moderation(
    *,
    moderator: AbstractBaseUser,
    action: str,
    item: models.Model,
    camera: Camera | None,
    reason: str,
) -> ModerationAction:
    """The decision on record, with the changeset it wrote (if any)."""
    return ModerationAction.objects.create(
        moderator=moderator,
        action=action,
        subject=f"{item._meta.model_name}:{item.pk}",
        camera=camera,
        reason=reason,
        changeset=action_changeset(),
    )


# ------------------------------------------------------------ the role


def moderators_group() -> Group:
    """The group holding the moderator's permissions, made (or mended) when
    missing."""
    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    permissions = Permission.objects.filter(
        content_type__app_label="registry", codename__in=MODERATOR_PERMISSIONS
    )
    group.permissions.add(*permissions)
    return group


@transaction.atomic
def moderator_grant(*, username: str, areas: Iterable[Area] = ()) -> AbstractBaseUser:
    """Makes the account a moderator (the "moderators" group), limited to
    `areas` when given: added to the areas it already has."""
    user = _account(username)
    user.groups.add(moderators_group())
    for area in areas:
        ModeratorArea.objects.get_or_create(user=user, area=area)
    return user


@transaction.atomic
def moderator_revoke(*, username: str, areas: Iterable[Area] = ()) -> AbstractBaseUser:
    """Takes the role away, or with `areas` only those areas. Refused when it
    would leave a scoped moderator without areas, which would mean moderating
    everywhere."""
    user = _account(username)
    areas = list(areas)
    rows = ModeratorArea.objects.select_for_update().filter(user=user)
    if areas:
        if rows.exists() and not rows.exclude(area__in=areas).exists():
            raise ValidationError(
                _(
                    "%(name)s would be left without areas, which means moderating everywhere. "
                    "Revoke the role, or grant another area first."
                )
                % {"name": user.get_username()},
                code="last_area",
            )
        rows.filter(area__in=areas).delete()
        return user
    group = Group.objects.filter(name=MODERATORS_GROUP).first()
    if group is not None:
        user.groups.remove(group)
    user.user_permissions.remove(*Permission.objects.filter(codename="moderate"))
    rows.delete()
    return user


def _account(username: str) -> AbstractBaseUser:
    user = get_user_model().objects.select_for_update().filter(username=username).first()
    if user is None:
        raise ValidationError(
            _("No account is called %(name)r.") % {"name": username}, code="no_account"
        )
    return user
