from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.imports.areas import AreaFields, import_areas
from registry.imports.records import UnreadableFile
from registry.models import Area, AreaLevel

# How many records left out are listed one by one.
LISTED_PROBLEMS = 30


class Command(BaseCommand):
    help = (
        "Import boundaries (GeoJSON, Shapefile or a zip of one, GeoPackage, anything GDAL "
        "reads) as named areas. Re-importing the same file updates the areas in place."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--name-field", required=True, help="The attribute holding each area's name."
        )
        parser.add_argument(
            "--level",
            choices=AreaLevel.values,
            help=(
                "The areas' level (default: one below their parent's; country when no "
                "existing area holds them)."
            ),
        )
        parser.add_argument(
            "--parent",
            metavar="SLUG",
            help=(
                "The area these are part of (default: for each, the smallest coarser "
                "area that holds it, if any)."
            ),
        )
        parser.add_argument(
            "--code-field",
            help="An attribute with an official id; re-imports then match on it, not the name.",
        )
        parser.add_argument("--population-field", help="An attribute with the population.")
        parser.add_argument("--layer", help="The layer to read from a file that has several.")
        parser.add_argument(
            "--srid",
            type=int,
            help="The coordinate system, for a file that does not say (e.g. 4326, 25833).",
        )
        parser.add_argument(
            "--source",
            help="Where the boundaries come from, shown on reports (default: the file name).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything; write nothing."
        )

    def handle(self, *args, **options):
        parent = self._parent(options["parent"])
        fields = AreaFields(
            name=options["name_field"],
            code=options["code_field"] or "",
            population=options["population_field"] or "",
        )
        try:
            report = import_areas(
                options["path"],
                fields=fields,
                level=options["level"],
                parent=parent,
                layer=options["layer"],
                srid=options["srid"],
                source=options["source"] or "",
                dry_run=options["dry_run"],
            )
        except UnreadableFile as error:
            raise CommandError(str(error)) from error
        prefix = "Dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}Areas from layer '{report.layer}': {report}")
        for problem in report.problems[:LISTED_PROBLEMS]:
            self.stdout.write(f"  not imported: {problem}")
        if len(report.problems) > LISTED_PROBLEMS:
            self.stdout.write(f"  ... and {len(report.problems) - LISTED_PROBLEMS} more")

    def _parent(self, slug: str | None) -> Area | None:
        if not slug:
            return None
        try:
            return Area.objects.get(slug=slug)
        except Area.DoesNotExist as error:
            raise CommandError(
                f"--parent {slug}: no area has this slug (see /api/v1/areas/)."
            ) from error
