"""`manage.py tasks [ID]`: how background work went. `--requeue-stalled`
fails the tries whose worker stopped while running them and queues their next
attempts (registry/tasks.py), and queues the periodic work that has no run
queued; the worker's service runs it before each start."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django_tasks_db.models import DBTaskResult

from registry import tasks as background
from registry.models import ReplicationState

from .osm_sync import describe_batch, describe_position

# How many of the latest tries the list shows.
LISTED = 30


class Command(BaseCommand):
    help = (
        "List the latest background tasks with their status, or show one task's arguments, "
        "result or error (the worker is manage.py db_worker)."
    )

    def add_arguments(self, parser):
        parser.add_argument("id", nargs="?", help="A task id, as printed when it was queued.")
        parser.add_argument(
            "--requeue-stalled",
            action="store_true",
            help=(
                "Mark failed the tasks left running by a worker that stopped (killed, out of "
                "memory, its machine lost) and queue their next attempt; a live worker's tasks "
                "are left alone; then queue the periodic work (OSM_SYNC_EVERY) if no run of it "
                "is queued. Safe to run at any time."
            ),
        )

    def handle(self, *args, id: str | None, requeue_stalled: bool, **options):
        if requeue_stalled:
            if id:
                raise CommandError("--requeue-stalled takes no task id.")
            return self.requeue_stalled()
        if id:
            return self.show(id)
        results = DBTaskResult.objects.order_by("-enqueued_at")[:LISTED]
        if not results:
            self.stdout.write("No background task has been queued.")
        for result in results:
            finished = f"{result.finished_at:%Y-%m-%d %H:%M:%S}" if result.finished_at else "-"
            attempt = result.args_kwargs["kwargs"].get("attempt", 1)
            self.stdout.write(
                f"{result.id}  {result.status:<10} {result.task_path.rsplit('.', 1)[-1]:<22} "
                f"try {attempt}  queued {result.enqueued_at:%Y-%m-%d %H:%M:%S}  "
                f"finished {finished}"
            )
        self.show_osm_sync()

    def show_osm_sync(self) -> None:
        """Where following OpenStreetMap stands, for each feed followed."""
        for state in ReplicationState.objects.all():
            self.stdout.write(f"OpenStreetMap sync: {describe_position(state)}")
            if state.last_batch:
                when = f"{state.last_batch_at:%Y-%m-%d %H:%M:%S}"
                self.stdout.write(f"  last batch ({when}): {describe_batch(state.last_batch)}")
            if state.last_error:
                when = f"{state.last_error_at:%Y-%m-%d %H:%M:%S}"
                self.stdout.write(f"  last error ({when}): {state.last_error}")

    def requeue_stalled(self) -> None:
        if not background.database_backends():
            self.stdout.write("Tasks run where they are queued (no worker): none can be stalled.")
            return
        requeued = background.requeue_stalled()
        if not requeued:
            self.stdout.write("No task was left running by a stopped worker.")
        for stalled in requeued:
            name = stalled.failed.task_path.rsplit(".", 1)[-1]
            then = (
                f"try {stalled.attempt + 1} queued as {stalled.next.id}"
                if stalled.next
                else f"that was the last of {settings.TASKS_MAX_ATTEMPTS} tries"
            )
            self.stdout.write(
                f"{stalled.failed.id}  {name}, try {stalled.attempt}: the worker stopped "
                f"while running it; {then}"
            )
        for scheduled in background.schedule_periodic():
            name = scheduled.task_path.rsplit(".", 1)[-1]
            self.stdout.write(
                f"{scheduled.id}  {name} queued to run at {scheduled.run_after:%Y-%m-%d %H:%M:%S}"
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
