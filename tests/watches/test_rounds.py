"""`manage.py watches --every`: one repeating round queued, never two."""

from io import StringIO

import pytest
from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db


def rounds() -> int:
    return DBTaskResult.objects.filter(
        task_path="registry.tasks.watch_round", status=TaskResultStatus.READY
    ).count()


def test_a_repeating_round_is_queued_once():
    out = StringIO()
    call_command("watches", "--every", "30", stdout=out)
    assert "Rounds every 30 s" in out.getvalue()
    call_command("watches", "--every", stdout=out)
    assert "queued already" in out.getvalue()
    assert rounds() == 1


def test_a_round_run_now_says_what_it_did():
    out = StringIO()
    call_command("watches", stdout=out)
    assert out.getvalue().startswith("0 digests sent, 0 unconfirmed subscriptions deleted, 0 ")
