"""Local development: works with no environment at all."""

from .base import *  # noqa: F403
from .base import env_list, tasks_setting

DEBUG = True
SECRET_KEY = SECRET_KEY or "dev-only-not-secret-sightline"  # noqa: F405
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
# Tasks run at once, in the process asking for them: `make run` starts no
# worker. TASKS_BACKEND=database queues them for `manage.py db_worker`.
TASKS = tasks_setting(os.environ.get("TASKS_BACKEND", "immediate"))  # noqa: F405
