"""The test suite: the same PostGIS as development, a throwaway database."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret-sightline"
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests must not load anything from the network.
BASEMAP_TILE_URL = "/static/registry/blank-tile.png"
LEAFLET_CONFIG = {**LEAFLET_CONFIG, "TILES": [("blank", BASEMAP_TILE_URL, {})]}  # noqa: F405
CONTENT_SECURITY_POLICY = content_security_policy(BASEMAP_TILE_URL)  # noqa: F405
# Each test writes its own cameras: a tile kept from another test's would be
# wrong. The shared tile cache has its own tests.
TILES_SHARED_CACHE_SECONDS = 0
# The suite makes many requests from one client; throttling has its own tests.
API_ANON_RATE = "100000/minute"
# Two suites can run side by side when each names its own test database.
DATABASES["default"]["TEST"] = {  # noqa: F405
    "NAME": os.environ.get("SIGHTLINE_TEST_DATABASE", "test_sightline")  # noqa: F405
}
# The webhook tests' receiver listens on http://127.0.0.1.
WEBHOOK_ALLOW_HTTP = True
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
SITE_URL = "https://sightline.example.org"
# Nothing in the suite may reach OSM: the give-back tests point these at
# their own server on 127.0.0.1.
OSM_URL = OSM_API_URL = "http://127.0.0.1:9"
OSM_OAUTH_CLIENT_ID = "sightline-test"
