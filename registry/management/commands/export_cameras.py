"""`manage.py export_cameras --format geojson|csv|osm|osmchange [filters] [-o FILE]`

A CSV is safe to open in a spreadsheet (text that would run as a formula
gets a single quote in front, registry/exports.py); `--bom` starts it with a
UTF-8 byte-order mark for spreadsheets that need one.

The filters are those of the API's `cameras/` (api/filters.py), read by the
same code, so a value means the same and is refused for the same reason. The
command is run by an administrator: it may export hidden cameras, but only
when `--status hidden` asks for them.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from api.filters import cameras_to_export
from registry.exports import (
    ATTRIBUTION,
    CSV,
    FORMATS,
    OSM_XML,
    ExportReport,
    csv_lines,
    osm_xml_chunks,
)

# The API filters the command takes, by query parameter (`camera_type` is
# `--camera-type`), with their help.
FILTER_OPTIONS = {
    "bbox": "minlon,minlat,maxlon,maxlat (WGS 84), any size.",
    "near": "lon,lat: cameras within --radius metres, nearest first.",
    "radius": "Metres around --near (default 1000, at most 50000).",
    "kind": "surveillance:type values, comma-separated.",
    "vendor": "Vendor slugs, comma-separated.",
    "operator": "Operator slugs, comma-separated.",
    "area": "Area slugs, comma-separated: cameras inside any of those areas.",
    "status": (
        "Statuses, comma-separated (default: reported,verified,removed for geojson and csv, "
        "reported,verified for osm; osmchange takes only those two). hidden is exported "
        "only when asked for here."
    ),
    "restricted": "true: only vendors with a legal restriction; false: only the others.",
    "capability": "Capabilities (any of), comma-separated.",
    "camera_type": "camera:type values, comma-separated.",
    "changed_since": "Changed at or after this ISO 8601 time.",
    "confirmed_since": "Last confirmed on or after this date (YYYY-MM-DD).",
    "q": "Text in the raw tags, vendor or operator.",
}


def option_name(parameter: str) -> str:
    return "--" + parameter.replace("_", "-")


def filter_data(options: dict) -> QueryDict:
    """The filter options given, as the query string the API would get."""
    data = QueryDict(mutable=True)
    for parameter in FILTER_OPTIONS:
        if options.get(parameter) is not None:
            data[parameter] = options[parameter]
    return data


def filter_problems(error: ValidationError) -> str:
    """`--bbox: bbox needs 4 comma-separated numbers.`, one line per problem."""
    if not hasattr(error, "error_dict"):
        return "; ".join(error.messages)
    return "\n".join(
        f"{option_name(parameter)}: {message}"
        for parameter, messages in error.message_dict.items()
        for message in messages
    )


def write_atomically(target: Path, chunks: Iterator[str]) -> None:
    """Write to a temporary file beside `target` and rename it over `target`
    only once every chunk is written: a failed or interrupted export leaves
    no partial file, and an earlier export at that path stays whole."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            for chunk in chunks:
                file.write(chunk)
        # mkstemp makes the file private (0600); an export is meant to be shared.
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class Command(BaseCommand):
    help = (
        "Export cameras as GeoJSON, CSV, OSM XML (for JOSM) or osmChange (new cameras for "
        "upload), with the filters of the API's cameras/ endpoint."
    )

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # West and south are negative: let `--bbox -87.7,41.8,-87.6,41.9` be a
        # value, not an unknown option (argparse only knows `-87.7` alone).
        parser._negative_number_matcher = re.compile(r"^-\d")
        return parser

    def add_arguments(self, parser):
        parser.add_argument(
            "--format", dest="export_format", required=True, choices=sorted(FORMATS)
        )
        parser.add_argument(
            "-o",
            "--output",
            default="-",
            help="File to write (default -, standard output). Written whole or not at all.",
        )
        parser.add_argument(
            "--include-unversioned",
            action="store_true",
            help=(
                "osm: also write OSM nodes whose version Sightline does not know, without one "
                "(osmium, osm2pgsql and import_cameras read such files; JOSM refuses them)."
            ),
        )
        parser.add_argument(
            "--bom",
            action="store_true",
            help=(
                "csv: start the file with a UTF-8 byte-order mark, for spreadsheets that "
                "otherwise read it in a legacy encoding (default: none)."
            ),
        )
        for parameter, help_text in FILTER_OPTIONS.items():
            parser.add_argument(option_name(parameter), dest=parameter, help=help_text)

    def handle(
        self,
        *args,
        export_format: str,
        output: str,
        include_unversioned: bool,
        bom: bool,
        **options,
    ):
        export = FORMATS[export_format]
        if include_unversioned and export is not OSM_XML:
            raise CommandError("--include-unversioned applies to --format osm only.")
        if bom and export is not CSV:
            raise CommandError("--bom applies to --format csv only.")
        # Run by an administrator: hidden cameras may be asked for by status.
        try:
            cameras = cameras_to_export(filter_data(options), export, moderator=True)
        except ValidationError as error:
            raise CommandError(f"{filter_problems(error)}\nNothing was exported.") from None
        target = None if output == "-" else Path(output)
        if target is not None and not target.parent.is_dir():
            raise CommandError(f"{target.parent} is not a directory. Nothing was exported.")

        report = ExportReport()
        if include_unversioned:
            chunks = osm_xml_chunks(cameras, report, include_unversioned=True)
        elif bom:
            chunks = csv_lines(cameras, report, byte_order_mark=True)
        else:
            chunks = export.writer(cameras, report)
        if target is None:
            for chunk in chunks:
                self.stdout.write(chunk, ending="")
            self.stdout.flush()
        else:
            try:
                write_atomically(target, chunks)
            except OSError as error:
                raise CommandError(f"Cannot write {target}: {error}") from None

        # The attribution and summary go to stderr, so stdout stays the data.
        self.stderr.style_func = None
        self.stderr.write(ATTRIBUTION)
        where = "standard output" if target is None else str(target)
        self.stderr.write(f"{export.label} to {where}: {report.summary()}")
