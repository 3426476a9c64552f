from django.core.management.base import BaseCommand

from registry.services import load_reference_data


class Command(BaseCommand):
    help = (
        "Load the vendors and vendor restrictions Sightline ships. Idempotent: "
        "creates what is missing and never overwrites moderators' corrections."
    )

    def handle(self, *args, **options):
        report = load_reference_data()
        self.stdout.write(f"Reference data: {report}")
