"""`manage.py rebuild_tile_cells [--commit]`

Checks the grid pyramid behind the map's low-zoom tiles against the cameras
and, with --commit, rebuilds it from scratch. The database keeps the pyramid
current on every write; this is for recovery (a restore of the camera table
alone, triggers disabled by hand)."""

import time

from django.core.management.base import BaseCommand, CommandError

from registry.services.tiles import tile_cells_drift, tile_cells_rebuild


class Command(BaseCommand):
    help = (
        "Compare the tile pyramid with the cameras; with --commit, rebuild it from scratch "
        "(camera writes wait for the few seconds it takes)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--commit", action="store_true", help="Rebuild the pyramid (default: only check it)."
        )
        parser.add_argument(
            "--background",
            action="store_true",
            help="With --commit: queue the rebuild for the worker (manage.py db_worker).",
        )

    def handle(self, *args, commit: bool, background: bool, **options):
        started = time.perf_counter()
        if commit and background:
            from registry.tasks import rebuild_tile_pyramid

            result = rebuild_tile_pyramid.enqueue()
            self.stdout.write(f"Rebuild queued as task {result.id} (manage.py tasks {result.id}).")
            return
        if commit:
            cells = tile_cells_rebuild()
            seconds = time.perf_counter() - started
            self.stdout.write(f"Tile pyramid rebuilt: {cells} cells in {seconds:.1f} s.")
            return
        differing = tile_cells_drift()
        if differing:
            raise CommandError(
                f"The tile pyramid differs from the cameras in {differing} cells: "
                "run rebuild_tile_cells --commit."
            )
        self.stdout.write("The tile pyramid matches the cameras.")
