from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.imports.cameras import ImportReport, import_features
from registry.imports.geojson import UnreadableFile, open_geojson

# How many example values of one unrecognised tag the summary shows.
EXAMPLES_PER_KEY = 5


def default_source_name(path: Path) -> str:
    """`osm-surveillance-sample.geojson.gz` -> `osm-surveillance-sample`."""
    name = path.name
    for suffix in (".gz", ".geojson", ".json"):
        name = name.removesuffix(suffix)
    return name or path.name


class Command(BaseCommand):
    help = (
        "Import cameras from a GeoJSON FeatureCollection whose properties are OSM tags "
        "(plain or gzip). Re-running the same import changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--source",
            help="Name of the dataset the cameras come from (default: the file name).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read, match and validate everything, report, and write nothing.",
        )

    def handle(self, *args, path: Path, source: str | None, dry_run: bool, **options):
        source = (source or default_source_name(path)).strip()
        if not source:
            raise CommandError("--source must not be empty.")
        try:
            geojson = open_geojson(path)
        except UnreadableFile as error:
            raise CommandError(f"{error}. Nothing was imported.") from None
        report = import_features(
            features=geojson.features,
            dataset_name=source,
            dataset_metadata=geojson.metadata,
            comment=f"Import of {path.name}",
            dry_run=dry_run,
        )
        self.print_details(report, verbosity=options["verbosity"])
        self.stdout.write(report.summary())

    def print_details(self, report: ImportReport, *, verbosity: int) -> None:
        for rejection in report.rejected:
            self.stderr.write(f"rejected {rejection}")
        if verbosity >= 1:
            for warning in report.warnings:
                self.stderr.write(f"warning {warning}")
        for key, values in report.unrecognised_by_key().items():
            total = sum(count for _value, count in values)
            examples = ", ".join(
                f"{value!r} x{count}" for value, count in values[:EXAMPLES_PER_KEY]
            )
            more = (
                f" and {len(values) - EXAMPLES_PER_KEY} more"
                if len(values) > EXAMPLES_PER_KEY
                else ""
            )
            self.stdout.write(f"unrecognised {key}: {total} values kept raw ({examples}{more})")
