"""Settings for bench/api.py's server: development settings against the
bench database, one-request pages, no rate limit, the drf-gis baseline."""

import os

from config.settings.dev import *  # noqa: F403

# The bench's own database beside the development one, dropped after a run;
# a benchmark serving a database of its own names it in the environment.
BENCH_DATABASE = os.environ.get("SIGHTLINE_BENCH_DATABASE", "sightline_bench")
DATABASES = {"default": {**DATABASES["default"], "NAME": BENCH_DATABASE}}  # noqa: F405
DEBUG = False
ROOT_URLCONF = "bench.urls"
INSTALLED_APPS = [*INSTALLED_APPS, "rest_framework_gis"]  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
API_MAX_PAGE_SIZE = 100_000
API_MAX_BBOX_SQUARE_DEGREES = 10_000.0
API_ANON_RATE = "100000000/minute"
LOGGING = {"version": 1, "disable_existing_loggers": False}
# The tile benchmark times computing tiles, beside django-vectortiles, which
# keeps none: no tile is served from the shared cache.
TILES_SHARED_CACHE_SECONDS = 0
