"""A task for tests/registry/test_stalled_tasks.py: it runs until the test
lets it go, so that its worker can be killed while it runs."""

import os
import time
from pathlib import Path

from django_tasks import task

from registry.tasks import retried

# A task the test forgot to let go gives up in the end.
GIVES_UP_AFTER = 120


@task(takes_context=True)
@retried
def wait_for_release(*, folder: str) -> dict:
    """Writes its process id into FOLDER/started, then waits for
    FOLDER/release to exist."""
    folder = Path(folder)
    with (folder / "started").open("a") as started:
        started.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + GIVES_UP_AFTER
    while not (folder / "release").exists():
        if time.monotonic() > deadline:
            raise RuntimeError("never let go")
        time.sleep(0.05)
    return {"released_in": os.getpid()}
