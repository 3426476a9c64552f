"""`manage.py database_env [--database ALIAS]`

Prints the libpq environment (PGHOST, PGPORT, PGUSER, PGPASSWORD,
PGDATABASE) of the database the settings name, MEDIA_ROOT and the S3 bucket
photos are kept in when there is one, as shell
assignments, so that deploy/backup and deploy/restore reach exactly the
database and files Sightline itself uses (DATABASE_URL, or the local
cluster when it is not set): `eval "$(manage.py database_env)"`."""

import shlex

from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the database's libpq environment and where uploads live, as shell assignments."

    def add_arguments(self, parser):
        parser.add_argument("--database", default="default", help="Database alias.")

    def handle(self, *args, database: str, **options):
        config = settings.DATABASES[database]
        values = {
            "PGHOST": config.get("HOST") or "",
            "PGPORT": str(config.get("PORT") or ""),
            "PGUSER": config.get("USER") or "",
            "PGPASSWORD": config.get("PASSWORD") or "",
            "PGDATABASE": config["NAME"],
            "SIGHTLINE_MEDIA_ROOT": str(settings.MEDIA_ROOT),
            "SIGHTLINE_MEDIA_S3_BUCKET": getattr(settings, "MEDIA_S3_BUCKET", ""),
        }
        for name, value in values.items():
            if value:
                self.stdout.write(f"export {name}={shlex.quote(value)}")
            else:
                # An empty PG* value would still override libpq's own default.
                self.stdout.write(f"unset {name}")
