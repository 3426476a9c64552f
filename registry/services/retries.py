"""When background work is tried again. The worker's tasks (registry/tasks.py)
follow this policy, and the services that record how a try ended
(registry/services/reports.py) read it to say whether another try will come;
it lives below both so that no service needs the tasks.

A try that fails for a passing reason (the database or a connection went
away) is tried again, up to TASKS_MAX_ATTEMPTS times, after
TASKS_RETRY_SECONDS times its attempt number. A failure that would only
repeat (a file that cannot be read, invalid data) is final at once."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import InterfaceError, OperationalError

# Failures worth another try: the next one may well succeed.
PASSING_FAILURES = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


def will_retry(error: BaseException, *, attempt: int) -> bool:
    """Whether a task tries again after `error` ended try `attempt`."""
    return isinstance(error, PASSING_FAILURES) and attempt < settings.TASKS_MAX_ATTEMPTS


def retry_delay(attempt: int) -> timedelta:
    """How long after try `attempt` failed the next one is due."""
    return timedelta(seconds=settings.TASKS_RETRY_SECONDS * attempt)
