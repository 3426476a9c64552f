from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.imports.areas import AreaFields, AreaImportReport, import_areas
from registry.imports.osm_areas import (
    DEFAULT_LEVEL_MAP,
    MAX_BOUNDARIES,
    import_osm_areas,
    osm_format_of,
    parse_admin_levels,
    parse_level_map,
)
from registry.imports.records import UnreadableFile
from registry.models import Area, AreaLevel

# How many records left out are listed one by one.
LISTED_PROBLEMS = 30
# Options that say how to read a boundary file's attributes or place its
# records: an OSM extract says all of it in its tags.
GDAL_OPTIONS = ("name_field", "code_field", "population_field", "layer", "srid", "level", "parent")
OSM_OPTIONS = ("admin_levels", "level_map")


def _level_ranges() -> str:
    """DEFAULT_LEVEL_MAP as "2 country, 3-4 region, ...", for the help."""
    ranges: list[tuple[int, int, str]] = []
    for admin_level, level in sorted(DEFAULT_LEVEL_MAP.items()):
        if ranges and ranges[-1][2] == level and ranges[-1][1] == admin_level - 1:
            ranges[-1] = (ranges[-1][0], admin_level, level)
        else:
            ranges.append((admin_level, admin_level, level))
    return ", ".join(
        f"{first}{'' if first == last else f'-{last}'} {level}" for first, last, level in ranges
    )


class Command(BaseCommand):
    help = (
        "Import boundaries as named areas, from a boundary file (GeoJSON, Shapefile or a zip "
        "of one, GeoPackage, anything GDAL reads; --name-field names the attribute with the "
        "names) or from an OpenStreetMap extract (.osm.pbf, .osm, .osm.bz2, .osm.gz; "
        "--admin-levels says which boundaries). From an extract, every boundary=administrative "
        "relation (and named closed way) at those admin levels becomes an area: the name from "
        "its name tag, the population from its population tag when that is a whole number, "
        "the code its ISO 3166 code or else its OSM id (r62422), the source OpenStreetMap "
        "with the file's name and the ODbL attribution. Admin levels become levels as "
        f"follows: {_level_ranges()} (counties, usually 6, become cities beside the "
        "municipalities unless --level-map says otherwise). Each area is placed in the "
        "smallest coarser area that holds it, those of the same file and those already "
        "there (the countries of load_countries) alike; a country loaded already is kept. "
        "Boundaries that cannot be built (members missing from an extract cut at its edge, "
        "ways that do not close into rings) are listed with the reason and left out, at "
        f"most {MAX_BOUNDARIES:,} boundaries a file. Re-importing the same file updates the "
        "areas in place (matched by code)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--name-field",
            help="The attribute holding each area's name (needed for boundary files).",
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
            "--admin-levels",
            metavar="LEVELS",
            help=(
                "OSM extracts: the admin_level values of the boundaries to import, "
                "comma-separated (e.g. 4,6,8 for states, counties and municipalities)."
            ),
        )
        parser.add_argument(
            "--level-map",
            metavar="MAP",
            default="",
            help=(
                "OSM extracts: admin levels to import as another level than the default, "
                "e.g. 6=region or 6=region,10=ward."
            ),
        )
        parser.add_argument(
            "--source",
            help="Where the boundaries come from, shown on reports (default: the file name).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Read and check everything; write nothing."
        )

    def handle(self, *args, **options):
        try:
            osmium_format = osm_format_of(options["path"])
            if osmium_format:
                heading, report = self._from_osm(osmium_format, options)
            else:
                heading, report = self._from_boundary_file(options)
        except UnreadableFile as error:
            raise CommandError(str(error)) from error
        prefix = "Dry run, nothing written: " if options["dry_run"] else ""
        self.stdout.write(f"{prefix}{heading}: {report}")
        for problem in report.problems[:LISTED_PROBLEMS]:
            self.stdout.write(f"  not imported: {problem}")
        if len(report.problems) > LISTED_PROBLEMS:
            self.stdout.write(f"  ... and {len(report.problems) - LISTED_PROBLEMS} more")

    def _from_boundary_file(self, options) -> tuple[str, AreaImportReport]:
        self._refuse(options, OSM_OPTIONS, "only for OpenStreetMap extracts")
        fields = AreaFields(
            name=options["name_field"] or "",
            code=options["code_field"] or "",
            population=options["population_field"] or "",
        )
        report = import_areas(
            options["path"],
            fields=fields,
            level=options["level"],
            parent=self._parent(options["parent"]),
            layer=options["layer"],
            srid=options["srid"],
            source=options["source"] or "",
            dry_run=options["dry_run"],
        )
        return f"Areas from layer '{report.layer}'", report

    def _from_osm(self, osmium_format: str, options) -> tuple[str, AreaImportReport]:
        path = options["path"]
        self._refuse(
            options,
            GDAL_OPTIONS,
            "for boundary files, not for an OpenStreetMap extract (its tags give names, "
            "codes and populations; --admin-levels and --level-map the levels; parents are "
            "found by where the areas lie)",
        )
        if not options["admin_levels"]:
            raise CommandError(
                f"{path} is an OpenStreetMap extract: say which boundaries to import with "
                "--admin-levels (e.g. --admin-levels 4,6,8)."
            )
        try:
            admin_levels = parse_admin_levels(options["admin_levels"])
        except ValueError as error:
            raise CommandError(f"--admin-levels: {error}.") from error
        try:
            level_map = parse_level_map(options["level_map"])
        except ValueError as error:
            raise CommandError(f"--level-map: {error}.") from error
        report = import_osm_areas(
            path,
            osmium_format=osmium_format,
            admin_levels=admin_levels,
            level_map=level_map,
            source=options["source"] or "",
            dry_run=options["dry_run"],
        )
        levels = ", ".join(map(str, admin_levels))
        return f"Areas from {path.name} (admin levels {levels})", report

    def _refuse(self, options, names: tuple[str, ...], reason: str) -> None:
        for name in names:
            if options[name] not in (None, ""):
                raise CommandError(f"--{name.replace('_', '-')} is {reason}.")

    def _parent(self, slug: str | None) -> Area | None:
        if not slug:
            return None
        try:
            return Area.objects.get(slug=slug)
        except Area.DoesNotExist as error:
            raise CommandError(
                f"--parent {slug}: no area has this slug (see /api/v1/areas/)."
            ) from error
