"""`manage.py grant_moderator USERNAME [--area SLUG ...] [--revoke] [--dry-run]`

Makes an account a moderator: a member of the "moderators" group, which
holds the `registry.moderate` permission (the group is created, or given
the permission, when missing). With --area, the moderator is limited to
cameras inside those areas; a moderator without areas moderates
everywhere. --revoke takes the role away, or with --area only those areas.
Administrators are superusers and hold every permission already."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from registry.models import Area, ModeratorArea
from registry.services.moderators import moderator_grant, moderator_revoke


class Command(BaseCommand):
    help = (
        "Grant an account the moderator role (the 'moderators' group with registry.moderate), "
        "optionally limited to areas; --revoke takes it, or some areas, away."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument(
            "--area",
            action="append",
            default=[],
            metavar="SLUG",
            help="Limit the moderator to this area (repeat for several). With --revoke: "
            "remove this area from the moderator's areas.",
        )
        parser.add_argument(
            "--revoke", action="store_true", help="Take the role (or the areas named) away."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Say what would change, and change nothing."
        )

    def handle(self, *args, username: str, area: list[str], revoke: bool, **options):
        areas = self._areas(area)
        change = moderator_revoke if revoke else moderator_grant
        try:
            with transaction.atomic():
                user = change(username=username, areas=areas)
                summary = self._summary(user)
                if options["dry_run"]:
                    transaction.set_rollback(True)
                    summary = f"Dry run, nothing changed. {summary}"
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        self.stdout.write(summary)

    def _areas(self, slugs: list[str]) -> list[Area]:
        areas = Area.objects.without_geometry().filter(slug__in=slugs)
        found = {item.slug: item for item in areas}
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise CommandError(f"No area has the slug: {', '.join(missing)}.")
        return [found[slug] for slug in dict.fromkeys(slugs)]

    def _summary(self, user) -> str:
        user = get_user_model().objects.get(pk=user.pk)  # a fresh permission cache
        name = user.get_username()
        if user.is_superuser:
            return f"{name} is an administrator (superuser) and moderates everywhere."
        if not user.has_perm("registry.moderate"):
            return f"{name} is not a moderator."
        areas = sorted(
            ModeratorArea.objects.filter(user=user).values_list("area__name", flat=True)
        )
        if not areas:
            return f"{name} is a moderator, everywhere."
        return f"{name} is a moderator in: {', '.join(areas)}."
