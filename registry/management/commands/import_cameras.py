from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from registry.imports.cameras import ImportReport, import_source
from registry.imports.csvfile import CsvMapping
from registry.imports.formats import open_source
from registry.imports.records import UnreadableFile

# How many example values of one unrecognised tag the summary shows.
EXAMPLES_PER_KEY = 5
# How many unknown ids of a change file are listed one by one.
LISTED_UNKNOWN = 20
SUFFIXES = (".gz", ".bz2", ".geojson", ".json", ".pbf", ".osm", ".osc", ".csv", ".txt")


def default_source_name(path: Path) -> str:
    """`osm-surveillance-sample.geojson.gz` -> `osm-surveillance-sample`."""
    name = path.name
    while True:
        stripped = next((name.removesuffix(s) for s in SUFFIXES if name.endswith(s)), name)
        if stripped == name:
            break
        name = stripped
    return name or path.name


class Command(BaseCommand):
    help = (
        "Import cameras from OSM XML or PBF, an osmChange file, Overpass JSON, GeoJSON "
        "(osmtogeojson too), DeFlock's ALPR lists, a CSV list, or Sightline's own GeoJSON or "
        "CSV export; the format is recognised by content, plain, gzip or bzip2. Re-running "
        "the same import changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--source",
            help="Name of the dataset the cameras come from (default: the file name).",
        )
        parser.add_argument(
            "--full",
            action="store_true",
            help=(
                "The file is a complete extract of the source: its cameras missing from it "
                "become removed ('absent from SOURCE'), never deleted."
            ),
        )
        parser.add_argument(
            "--map",
            dest="mapping",
            help=(
                "CSV columns: a mapping file (.toml or .json) or inline target=column pairs, "
                "e.g. lat=LATITUDE,lon=LONGITUDE,ref=CAMERA_ID,direction=FACING."
            ),
        )
        parser.add_argument(
            "--encoding", help="CSV text encoding (default: declared or detected)."
        )
        parser.add_argument("--delimiter", help="CSV delimiter (default: detected).")
        parser.add_argument(
            "--srid",
            type=int,
            help="Coordinate system of CSV x/y columns, e.g. 3435 (default 4326: degrees).",
        )
        parser.add_argument(
            "--tag",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            help=(
                "A tag every record shares where it does not say otherwise, in any format, "
                "e.g. --tag surveillance:type=ALPR (repeatable)."
            ),
        )
        parser.add_argument(
            "--near",
            type=float,
            metavar="METRES",
            help=(
                "Link new cameras this close to an existing one of the same kind as possible "
                "duplicates (default: IMPORT_NEAR_DUPLICATE_METRES, 5; 0 turns it off)."
            ),
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read, match and validate everything, report, and write nothing.",
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help=(
                "Queue the import for the worker (manage.py db_worker) and return at once; "
                "manage.py tasks shows how it went."
            ),
        )

    def handle(self, *args, path: Path, source: str | None, dry_run: bool, **options):
        if options["background"]:
            return self.queue(path, source, dry_run, options)
        source_name = (source or default_source_name(path)).strip()
        if not source_name:
            raise CommandError("--source must not be empty.")
        if options["near"] is not None and options["near"] < 0:
            raise CommandError("--near must be 0 or more metres.")
        try:
            opened = open_source(
                path,
                csv_mapping=self.csv_mapping(options),
                shared_tags=self.shared_tags(options["tag"]),
            )
            if options["full"] and opened.is_change_file:
                raise CommandError(
                    f"{path} is an osmChange file: it holds changes, not the whole source, so "
                    "--full would remove every camera it does not mention. Nothing was imported."
                )
            report = import_source(
                source=opened,
                dataset_name=source_name,
                comment=f"Import of {path.name} ({opened.format})",
                dry_run=dry_run,
                full=options["full"],
                near_distance=options["near"],
            )
        except UnreadableFile as error:
            raise CommandError(f"{error}. Nothing was imported.") from None
        self.print_details(report, verbosity=options["verbosity"])
        self.stdout.write(report.summary())
        if report.broken:
            skipped = " --full removal was not applied;" if report.full else ""
            raise CommandError(
                f"{path}: {report.broken}. The {report.features} features read before it "
                f"were imported;{skipped} fix or fetch the file again and re-run."
            )

    def csv_mapping(self, options) -> CsvMapping | None:
        given = [options["mapping"], options["encoding"], options["delimiter"], options["srid"]]
        if not any(given):
            return None
        try:
            mapping = CsvMapping.parse(options["mapping"]) if options["mapping"] else CsvMapping()
        except UnreadableFile as error:
            raise CommandError(str(error)) from None
        mapping.encoding = options["encoding"] or mapping.encoding
        mapping.delimiter = options["delimiter"] or mapping.delimiter
        mapping.srid = options["srid"] or mapping.srid
        return mapping

    @staticmethod
    def shared_tags(pairs: list[str]) -> dict[str, str]:
        """`--tag KEY=VALUE`s as tags; a later one for the same key wins."""
        tags = {}
        for pair in pairs:
            key, sep, value = pair.partition("=")
            if not sep or not key.strip() or not value.strip():
                raise CommandError(f"--tag {pair!r}: expected KEY=VALUE")
            tags[key.strip()] = value.strip()
        return tags

    def print_details(self, report: ImportReport, *, verbosity: int) -> None:
        for rejection in report.rejected:
            self.stderr.write(f"rejected {rejection}")
        if verbosity >= 1:
            for warning in report.warnings:
                self.stderr.write(f"warning {warning}")
        for line in report.unknown_removals[:LISTED_UNKNOWN]:
            self.stderr.write(f"unknown {line}")
        if len(report.unknown_removals) > LISTED_UNKNOWN:
            more = len(report.unknown_removals) - LISTED_UNKNOWN
            self.stderr.write(f"unknown: and {more} more deletions of ids Sightline does not have")
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

    def queue(self, path: Path, source: str | None, dry_run: bool, options: dict) -> None:
        """Enqueue the same import for the worker, with the file's absolute
        path (the worker may run from elsewhere)."""
        from registry.tasks import import_cameras

        if not path.exists():
            raise CommandError(f"{path}: no such file. Nothing was queued.")
        result = import_cameras.enqueue(arguments=self.arguments(path, source, dry_run, options))
        self.stdout.write(
            f"Import queued as task {result.id}; `manage.py tasks {result.id}` shows how it went."
        )

    @staticmethod
    def arguments(path: Path, source: str | None, dry_run: bool, options: dict) -> list[str]:
        """The command line that repeats this import, --background left out."""
        arguments = [str(path.resolve())]
        flags = {"--full": options["full"], "--dry-run": dry_run}
        arguments += [flag for flag, given in flags.items() if given]
        values = {
            "--source": source,
            "--map": options["mapping"],
            "--encoding": options["encoding"],
            "--delimiter": options["delimiter"],
            "--srid": options["srid"],
            "--near": options["near"],
        }
        for flag, value in values.items():
            if value is not None:
                arguments += [flag, str(value)]
        for tag in options["tag"]:
            arguments += ["--tag", tag]
        return arguments
