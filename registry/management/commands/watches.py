"""`manage.py watches`: the watches' news (digests due, webhook deliveries),
now, or queued for the worker; `--every SECONDS` keeps a round queued every
SECONDS (the worker's service starts it; see docs/watching.md)."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from registry import tasks


class Command(BaseCommand):
    help = (
        "Send the email digests that are due and queue the webhooks' news; or queue that "
        "for the worker, once (--background) or for ever (--every)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--background", action="store_true", help="Queue one round for the worker."
        )
        parser.add_argument(
            "--every",
            type=float,
            nargs="?",
            const=settings.WATCH_ROUND_SECONDS,
            default=None,
            help=(
                "Queue a round that queues the next one SECONDS later (WATCH_ROUND_SECONDS "
                "by default), unless such a round is queued already."
            ),
        )

    def handle(self, *args, background: bool, every: float | None, **options):
        if every is not None:
            return self.keep_going(every)
        if background:
            result = tasks.watch_round.enqueue()
            self.stdout.write(f"Round queued as task {result.id}.")
            return
        result = tasks.watch_round.call()
        self.stdout.write(
            f"{result['digests']} digests sent, {result['expired']} unconfirmed subscriptions "
            f"deleted, {len(result['deliveries'])} webhook deliveries queued."
        )

    def keep_going(self, every: float) -> None:
        if every <= 0:
            self.stderr.write("--every takes a number of seconds above 0.")
            return
        # Only a queued round counts: one left RUNNING by a worker that was
        # killed will never queue its next, and a worker stopped gracefully
        # finishes its round, which queues the next, before it exits.
        queued = DBTaskResult.objects.filter(
            task_path=f"{tasks.__name__}.watch_round",
            status=TaskResultStatus.READY,
            args_kwargs__kwargs__every__gt=0,
        )
        if queued.exists():
            self.stdout.write("A repeating round is queued already.")
            return
        result = tasks.watch_round.enqueue(every=every)
        self.stdout.write(f"Rounds every {every:g} s, the first queued as task {result.id}.")
