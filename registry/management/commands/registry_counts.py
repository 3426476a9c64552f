"""`manage.py registry_counts`

Prints, as JSON, how many cameras (hidden and removed ones included),
revisions, photos and stored documents (photos included) the database
holds: deploy/backup writes them into the manifest and deploy/restore checks
a restored database against them."""

import json

from django.core.management.base import BaseCommand

from registry.models import Camera, Evidence, EvidenceKind, Revision


def registry_counts() -> dict[str, int]:
    return {
        "cameras": Camera.objects.count(),
        "revisions": Revision.objects.count(),
        "photos": Evidence.objects.filter(kind=EvidenceKind.PHOTO).exclude(document="").count(),
        "documents": Evidence.objects.exclude(document="").count(),
    }


class Command(BaseCommand):
    help = "Print the numbers of cameras, revisions and documents as JSON."

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(registry_counts(), sort_keys=True))
