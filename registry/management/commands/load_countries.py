from django.core.management.base import BaseCommand, CommandError

from registry.imports.countries import load_countries
from registry.imports.records import UnreadableFile


class Command(BaseCommand):
    help = (
        "Load the world's countries as top-level areas (ISO 3166-1 codes) from the "
        "country borders installed with the JavaScript dependencies. Idempotent."
    )

    def handle(self, *args, **options):
        try:
            report = load_countries()
        except UnreadableFile as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"Countries: {report}")
