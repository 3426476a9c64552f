"""`manage.py tasks [ID]`: how background work went."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.models import DBTaskResult

# How many of the latest tries the list shows.
LISTED = 30


class Command(BaseCommand):
    help = (
        "List the latest background tasks with their status, or show one task's arguments, "
        "result or error (the worker is manage.py db_worker)."
    )

    def add_arguments(self, parser):
        parser.add_argument("id", nargs="?", help="A task id, as printed when it was queued.")

    def handle(self, *args, id: str | None, **options):
        if id:
            return self.show(id)
        results = DBTaskResult.objects.order_by("-enqueued_at")[:LISTED]
        if not results:
            self.stdout.write("No background task has been queued.")
        for result in results:
            finished = f"{result.finished_at:%Y-%m-%d %H:%M:%S}" if result.finished_at else "-"
            self.stdout.write(
                f"{result.id}  {result.status:<10} {result.task_path.rsplit('.', 1)[-1]:<22} "
                f"queued {result.enqueued_at:%Y-%m-%d %H:%M:%S}  finished {finished}"
            )

    def show(self, id: str) -> None:
        try:
            result = DBTaskResult.objects.get(pk=id)
        except (DBTaskResult.DoesNotExist, ValidationError) as error:
            raise CommandError(f"No background task has the id {id}.") from error
        self.stdout.write(f"task      {result.task_path}")
        self.stdout.write(f"status    {result.status}")
        self.stdout.write(f"arguments {result.args_kwargs}")
        self.stdout.write(f"queued    {result.enqueued_at}")
        self.stdout.write(f"started   {result.started_at or '-'}")
        self.stdout.write(f"finished  {result.finished_at or '-'}")
        if result.return_value is not None:
            self.stdout.write(f"result    {result.return_value}")
        if result.exception_class_path:
            self.stdout.write(f"error     {result.exception_class_path}")
            self.stdout.write(result.traceback)
