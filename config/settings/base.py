"""Settings shared by every environment.

Configuration is read once, here, from the environment. With no environment
at all, Sightline talks to the local PostGIS cluster that `make run`
provisions inside the checkout (see deploy/local-postgres).
"""

import os
from pathlib import Path
from urllib.parse import quote, urlsplit

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent.parent

# The local cluster listens only on a Unix socket inside the checkout, so two
# checkouts (or a system PostgreSQL) never collide on a port.
LOCAL_POSTGRES_SOCKET_DIR = BASE_DIR / "var" / "postgres" / "run"
LOCAL_DATABASE_URL = "postgis://sightline@{}/sightline".format(
    quote(str(LOCAL_POSTGRES_SOCKET_DIR), safe="")
)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "leaflet",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "django_prometheus",
    "registry",
    "api",
]

MIDDLEWARE = [
    # Request counts and latencies for /metrics (first and last, to time everything).
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    # ETags from the response body, and 304 for a matching If-None-Match.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Tiles hold no text: no Vary: Accept-Language for caches (before Locale).
    "registry.languages.LanguageIndependentMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Text with control characters, lone surrogates or bytes that are not
    # UTF-8, and over-long query parameters, are a 400 naming the input.
    "registry.input_guard.InputGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # An unreachable database is a 503 with Retry-After, not a 500.
    "registry.unavailable.DatabaseUnavailableMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                # {{ CSP_NONCE }} for inline scripts (see CONTENT_SECURITY_POLICY).
                "csp.context_processors.nonce",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", LOCAL_DATABASE_URL),
        engine="django.contrib.gis.db.backends.postgis",
        # Persistent connections: a fresh one pays 6-8 ms of planning.
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
# PostgreSQL's JIT compiles large queries: measured, it spent 2.0 s of a 2.2 s
# 48k-camera bbox request compiling, so the app's connections turn it off.
DATABASES["default"].setdefault("OPTIONS", {})
DATABASES["default"]["OPTIONS"]["options"] = "-c jit=off"
# Django turns psycopg's prepared statements off unless given a threshold.
# Its own queries use client-side binding and are never prepared; the tile
# queries (registry/tiles.py) bind on the server and ask to be prepared.
DATABASES["default"]["OPTIONS"]["prepare_threshold"] = 5
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("es", "Español")]
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "var" / "static"))
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# Base-map tiles are the one outside resource a browser loads; cameras still
# show when they cannot load.
BASEMAP_TILE_URL = os.environ.get(
    "BASEMAP_TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
)
BASEMAP_ATTRIBUTION = os.environ.get(
    "BASEMAP_ATTRIBUTION", "&copy; OpenStreetMap contributors (ODbL)"
)

# A Nominatim-compatible geocoder (its base URL, e.g.
# https://nominatim.openstreetmap.org) that the place search also asks about
# street addresses: the typed text is sent to it, from the server. Off when
# empty (the default): the search then uses Sightline's own data only.
GEOCODER_URL = os.environ.get("GEOCODER_URL", "")
GEOCODER_TIMEOUT_SECONDS = float(os.environ.get("GEOCODER_TIMEOUT_SECONDS", "2"))


def tile_origin(url: str) -> str:
    """The origin a browser loads base-map tiles from, for the CSP's img-src:
    nothing for tiles served by Sightline itself, a wildcard for Leaflet's
    {s} subdomains."""
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}".replace("{s}", "*")


def content_security_policy(tile_url: str) -> dict:
    """No inline code but the scripts and style blocks carrying the request's
    nonce (django-csp adds it when a template reads request.csp_nonce), no
    style attributes in markup, nothing from other origins but the base map."""
    # blob: previews the photo chosen on the report form before it is sent.
    images = [SELF, "data:", "blob:", *filter(None, [tile_origin(tile_url)])]
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF, NONCE],
            "style-src": [SELF, NONCE],
            "img-src": images,
            "font-src": [SELF],
            "connect-src": [SELF],
            "worker-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "frame-ancestors": [NONE],
            "form-action": [SELF],
        }
    }


CONTENT_SECURITY_POLICY = content_security_policy(BASEMAP_TILE_URL)
# Browser features Sightline never uses are off for every page; "use my
# location" on the map and the report form needs geolocation from the site
# itself.
PERMISSIONS_POLICY = {
    "accelerometer": [],
    "autoplay": [],
    "camera": [],
    "display-capture": [],
    "geolocation": ["self"],
    "gyroscope": [],
    "magnetometer": [],
    "microphone": [],
    "payment": [],
    "usb": [],
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = os.environ.get("SECURE_REFERRER_POLICY", "same-origin")

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (20.0, 0.0),
    "DEFAULT_ZOOM": 2,
    "MIN_ZOOM": 1,
    "MAX_ZOOM": 19,
    "TILES": [("OpenStreetMap", BASEMAP_TILE_URL, {"attribution": BASEMAP_ATTRIBUTION})],
    "ATTRIBUTION_PREFIX": "Sightline",
    "RESET_VIEW": False,
}

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # The site's pages use the session; API clients send "Authorization: Token <key>".
    # (Token first, so a bad token is a 401 with WWW-Authenticate.)
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticatedOrReadOnly",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttles.AnonymousRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "api.renderers.BrowsableAPIRenderer",
    ],
}
# Requests an anonymous client may make (DRF's "N/second|minute|hour|day").
API_ANON_RATE = os.environ.get("API_ANON_RATE", "600/minute")

# The API is open to every origin for reads; the site itself is not.
CORS_URLS_REGEX = r"^/(?:api|ogc)/.*$"
CORS_ALLOW_ALL_ORIGINS = True
CORS_ALLOW_METHODS = ("GET", "HEAD", "OPTIONS")
CORS_ALLOW_CREDENTIALS = False

SPECTACULAR_SETTINGS = {
    "TITLE": "Sightline API",
    "DESCRIPTION": (
        "The community registry of public surveillance cameras. Reads need no account. "
        "Camera data derived from OpenStreetMap is (c) OpenStreetMap contributors, ODbL 1.0.\n\n"
        "Text anywhere in a request (a query parameter, a header, a form or JSON field, a "
        "JSON key) holds no control character (tab and line breaks only in multi-line text "
        "such as notes) and no lone surrogate, and a query parameter is at most "
        "INPUT_MAX_PARAMETER_CHARS (2,000) characters: otherwise the request is a 400 naming "
        "the input. A bad parameter or field is always a 400 whose body names it: "
        "{name: [problems]}; a parameter sent empty is an error, not the same as leaving it "
        "out."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Separate request and response components: uploads are binary files in
    # a request, URLs in an answer, and generated clients need both.
    "COMPONENT_SPLIT_REQUEST": True,
    # PATCH /cameras/{id}/ requires `version`: its body is not a partial one.
    "COMPONENT_SPLIT_PATCH": False,
    # Docs assets come from our own static files, never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    # Without deep links, each operation's summary is one button: with them
    # it holds a link too, a nested control screen readers cannot reach.
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # One name for each set of choices wherever a field offers it: the kinds
    # of device, capabilities, review states, and GeoJSON's `type` of each
    # object.
    "ENUM_NAME_OVERRIDES": {
        "SurveillanceKindEnum": "registry.models.choices.Kind",
        "CapabilityEnum": "registry.models.choices.Capability",
        "ReviewStateEnum": "registry.models.contributions.ReviewState",
        "VerifiedByEnum": "registry.models.choices.VerifiedBy",
        "ReceiptStateEnum": "api.contributions.RECEIPT_STATES",
        "PointTypeEnum": ["Point"],
        "MultiPolygonTypeEnum": ["MultiPolygon"],
        "FeatureTypeEnum": ["Feature"],
        "FeatureCollectionTypeEnum": ["FeatureCollection"],
    },
}
# Camera lists: page sizes and the largest bbox one request may cover.
API_DEFAULT_PAGE_SIZE = int(os.environ.get("API_DEFAULT_PAGE_SIZE", "1000"))
API_MAX_PAGE_SIZE = int(os.environ.get("API_MAX_PAGE_SIZE", "10000"))
API_MAX_BBOX_SQUARE_DEGREES = float(os.environ.get("API_MAX_BBOX_SQUARE_DEGREES", "25"))

# Near-match tolerance when resolving vendor and operator spellings; see
# registry/names.py for how it is applied.
NAME_MATCH_MAX_EDITS = int(os.environ.get("NAME_MATCH_MAX_EDITS", "1"))

# Every handler masks receipt tokens (config/log_masking.py): "Not Found:
# /receipts/<token>/" is logged as "Not Found: /receipts/-/", in messages,
# tracebacks and the request a record carries. Django's own handlers are
# redefined as Django defines them, with that filter.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "receipt_tokens": {"()": "config.log_masking.ReceiptTokenFilter"},
        "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["receipt_tokens"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["receipt_tokens"],
        },
        "mail_admins": {
            "level": "ERROR",
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false", "receipt_tokens"],
        },
    },
    "loggers": {
        # django.request, django.security...: to the console through the root.
        "django": {"handlers": ["mail_admins"], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
}

# Debian 12 ships GDAL 3.6, which cannot block file and network access from
# spatial-reference strings. Sightline never hands user-supplied SRS text to
# GDAL (locations are WGS 84 coordinates parsed as numbers), so the warning
# would only be noise on every command.
SILENCED_SYSTEM_CHECKS = ["gis.W001"]

# An imported camera this close (metres) to an existing one of the same kind
# is offered to moderators as a possible duplicate (`import_cameras --near`).
IMPORT_NEAR_DUPLICATE_METRES = float(os.environ.get("IMPORT_NEAR_DUPLICATE_METRES", "5"))
# An OSM object this close (metres) to a camera without an OSM id, of the same
# kind and with no tag saying otherwise, is that camera: it gains the OSM
# identity instead of becoming a duplicate (counted as "linked"). 0 turns it off.
IMPORT_LINK_METRES = float(os.environ.get("IMPORT_LINK_METRES", "0.5"))

# The public map and pages.
# A camera not confirmed on the ground for this many days is drawn as stale.
CAMERA_STALE_AFTER_DAYS = int(os.environ.get("CAMERA_STALE_AFTER_DAYS", "730"))
# Where the map opens when the URL names no view: (latitude, longitude, zoom).
MAP_DEFAULT_VIEW = (
    float(os.environ.get("MAP_DEFAULT_LATITUDE", "41.88")),
    float(os.environ.get("MAP_DEFAULT_LONGITUDE", "-87.63")),
    int(os.environ.get("MAP_DEFAULT_ZOOM", "11")),
)
LOCALE_PATHS = [BASE_DIR / "registry" / "locale"]

# Country boundaries loaded as top-level areas (`manage.py load_countries`),
# installed with the JavaScript dependencies.
COUNTRY_BORDERS_FILE = Path(
    os.environ.get(
        "COUNTRY_BORDERS_FILE",
        BASE_DIR / "node_modules/@rapideditor/country-coder/src/data/borders.json",
    )
)

# Camera vector tiles, /tiles/cameras/{z}/{x}/{y}.mvt (registry/tiles.py).
TILES_MAX_ZOOM = int(os.environ.get("TILES_MAX_ZOOM", "22"))
# From this zoom a tile holding at most TILES_ADAPTIVE_MAX_CAMERAS cameras
# shows them one by one instead of as clusters.
TILES_ADAPTIVE_MIN_ZOOM = int(os.environ.get("TILES_ADAPTIVE_MIN_ZOOM", "10"))
TILES_ADAPTIVE_MAX_CAMERAS = int(os.environ.get("TILES_ADAPTIVE_MAX_CAMERAS", "1500"))
# From this zoom every tile shows cameras one by one, unless it holds more
# than TILES_INDIVIDUAL_MAX_CAMERAS or would exceed TILES_MAX_BYTES: then it
# shows clusters, so that no tile is ever larger than that.
TILES_INDIVIDUAL_MIN_ZOOM = int(os.environ.get("TILES_INDIVIDUAL_MIN_ZOOM", "15"))
TILES_INDIVIDUAL_MAX_CAMERAS = int(os.environ.get("TILES_INDIVIDUAL_MAX_CAMERAS", "8000"))
TILES_MAX_BYTES = int(os.environ.get("TILES_MAX_BYTES", "500000"))
TILES_CACHE_SECONDS = int(os.environ.get("TILES_CACHE_SECONDS", "60"))
# How long a computed tile stays in the shared cache (Redis with REDIS_URL),
# for every app server; 0 turns that off. Defaults to the max-age above.
TILES_SHARED_CACHE_SECONDS = int(
    os.environ.get("TILES_SHARED_CACHE_SECONDS", str(TILES_CACHE_SECONDS))
)
# How long a computed area report may stay in the shared cache; it is keyed on
# the version of the area's data, so an edit is seen at once. 0 turns it off.
AREA_REPORT_CACHE_SECONDS = int(os.environ.get("AREA_REPORT_CACHE_SECONDS", "86400"))

# Which source's value a camera's field keeps when two disagree, strongest
# first: `moderator`, `survey` (a resident's report on the ground), dataset
# names, and `*` for any other import (registry/imports/precedence.py).
IMPORT_SOURCE_PRECEDENCE = env_list("IMPORT_SOURCE_PRECEDENCE", ["moderator", "survey", "*"])
# Imports: a compressed file (gzip, bzip2) decompressing to more than this
# many bytes is refused after reading that much.
IMPORT_MAX_DECOMPRESSED_BYTES = int(
    os.environ.get("IMPORT_MAX_DECOMPRESSED_BYTES", str(1_000_000_000))
)

# Following OpenStreetMap (`manage.py osm_sync`, registry/services/osm_sync.py):
# the replication feed (minutely, hourly or daily; Geofabrik's regional
# `<region>-updates/` feeds too) and how often the worker follows it, in
# seconds (0 or empty: never; the command still runs by hand).
OSM_REPLICATION_URL = os.environ.get(
    "OSM_REPLICATION_URL", "https://planet.openstreetmap.org/replication/minute/"
)
OSM_SYNC_EVERY = int(os.environ.get("OSM_SYNC_EVERY") or "0")
# One transaction applies at most this many diffs, or the diffs read until
# they hold this many MB once unpacked in memory (at least one diff).
OSM_SYNC_BATCH_DIFFS = int(os.environ.get("OSM_SYNC_BATCH_DIFFS", "60"))
OSM_SYNC_BATCH_MB = int(os.environ.get("OSM_SYNC_BATCH_MB", "256"))
# A single diff downloading to more (compressed) MB is refused: a planet
# daily diff is about 150 MB, a minutely one well under 1 MB.
OSM_SYNC_MAX_DIFF_MB = int(os.environ.get("OSM_SYNC_MAX_DIFF_MB", "400"))

# Exposure analysis (/exposure/ and POST /api/v1/exposure/, registry/exposure/).
# The longest route (km) and the largest area (km²) one analysis accepts.
EXPOSURE_MAX_ROUTE_KM = float(os.environ.get("EXPOSURE_MAX_ROUTE_KM", "50"))
EXPOSURE_MAX_AREA_KM2 = float(os.environ.get("EXPOSURE_MAX_AREA_KM2", "25"))
# The largest GPX or GeoJSON file (or request body) read, in bytes.
EXPOSURE_MAX_UPLOAD_BYTES = int(os.environ.get("EXPOSURE_MAX_UPLOAD_BYTES", "5000000"))
# The most points a route or area may have (a GPX track's points, the
# vertices of a GeoJSON geometry).
EXPOSURE_MAX_POINTS = int(os.environ.get("EXPOSURE_MAX_POINTS", "20000"))
# An analysis still running after this many seconds is stopped, with a message.
EXPOSURE_TIMEOUT_SECONDS = float(os.environ.get("EXPOSURE_TIMEOUT_SECONDS", "20"))
# Analyses an anonymous API client may ask for (each can take a second of the
# database): DRF's "N/second|minute|hour|day", beside API_ANON_RATE.
EXPOSURE_ANON_RATE = os.environ.get("EXPOSURE_ANON_RATE", "30/minute")

# Contributed photos (registry/photos.py): the largest upload accepted, in
# bytes and in pixels (checked from the header, before decoding); the long
# edge of the stored JPEG and of its thumbnail; its JPEG quality.
PHOTO_MAX_BYTES = int(os.environ.get("PHOTO_MAX_BYTES", str(10_000_000)))
PHOTO_MAX_PIXELS = int(os.environ.get("PHOTO_MAX_PIXELS", str(40_000_000)))
PHOTO_MAX_EDGE = int(os.environ.get("PHOTO_MAX_EDGE", "2560"))
PHOTO_THUMBNAIL_EDGE = int(os.environ.get("PHOTO_THUMBNAIL_EDGE", "400"))
PHOTO_JPEG_QUALITY = int(os.environ.get("PHOTO_JPEG_QUALITY", "85"))

# Proof of work asked of anonymous writes (registry/proof_of_work.py,
# GET /api/v1/challenge/). POW_MAX_NUMBER bounds the search: a client tries
# half of it on average (50,000 SHA-256 take ~80 ms in Python, less in a
# browser). A challenge expires after POW_EXPIRES_SECONDS and is accepted
# once. The HMAC key signing challenges is derived from SECRET_KEY unless
# POW_HMAC_KEY is set (set it to rotate it on its own).
POW_MAX_NUMBER = int(os.environ.get("POW_MAX_NUMBER", "50000"))
POW_EXPIRES_SECONDS = int(os.environ.get("POW_EXPIRES_SECONDS", "1200"))
POW_HMAC_KEY = os.environ.get("POW_HMAC_KEY", "")

# Contributions (registry/services/contributions.py).
# New cameras are public at once, marked unverified; off: hidden until review.
SUBMISSIONS_PUBLIC_BEFORE_REVIEW = env_bool("SUBMISSIONS_PUBLIC_BEFORE_REVIEW", True)
# A reported camera becomes verified by confirmations once this many
# distinct signed-in accounts with standing, other than the submitter's,
# confirmed it "still there" on at least VERIFY_MIN_DAYS different days (0:
# only moderators verify). Standing, when the account confirmed: at least
# VERIFY_ACCOUNT_MIN_AGE_DAYS old and VERIFY_ACCOUNT_MIN_ACCEPTED
# contributions accepted by a moderator. Anonymous confirmations (receipts,
# proofs of work) keep a camera fresh and count as support, never verify.
VERIFY_AFTER_CONFIRMATIONS = int(os.environ.get("VERIFY_AFTER_CONFIRMATIONS", "3"))
VERIFY_MIN_DAYS = int(os.environ.get("VERIFY_MIN_DAYS", "2"))
VERIFY_ACCOUNT_MIN_AGE_DAYS = int(os.environ.get("VERIFY_ACCOUNT_MIN_AGE_DAYS", "30"))
VERIFY_ACCOUNT_MIN_ACCEPTED = int(os.environ.get("VERIFY_ACCOUNT_MIN_ACCEPTED", "1"))
# Plausibility warnings for moderators (registry/services/plausibility.py).
# Another camera of the same kind this close is a near duplicate; this close,
# an exact one, whichever way the two face.
SUBMISSION_DUPLICATE_METRES = float(os.environ.get("SUBMISSION_DUPLICATE_METRES", "10"))
SUBMISSION_EXACT_DUPLICATE_METRES = float(os.environ.get("SUBMISSION_EXACT_DUPLICATE_METRES", "1"))
# Beyond the exact distance, a near duplicate faces the same way: directions
# this close, or one of them unknown.
SUBMISSION_DUPLICATE_DEGREES = float(os.environ.get("SUBMISSION_DUPLICATE_DEGREES", "45"))
# A burst: this many submissions from one receipt, account or browser session
# within the window...
SUBMISSION_BURST_COUNT = int(os.environ.get("SUBMISSION_BURST_COUNT", "5"))
SUBMISSION_BURST_SECONDS = int(os.environ.get("SUBMISSION_BURST_SECONDS", "600"))
# ...or this many from anyone within this distance of each other in this window
# (a new session per report does not escape it).
SUBMISSION_AREA_BURST_COUNT = int(os.environ.get("SUBMISSION_AREA_BURST_COUNT", "8"))
SUBMISSION_AREA_BURST_METRES = float(os.environ.get("SUBMISSION_AREA_BURST_METRES", "2000"))
SUBMISSION_AREA_BURST_SECONDS = int(os.environ.get("SUBMISSION_AREA_BURST_SECONDS", "3600"))
# A vendor is rare in a country with fewer trusted cameras there than this
# (verified ones, or imported from SUBMISSION_TRUSTED_DATASETS: dataset names,
# "*" for every import), unless its reference countries include it.
SUBMISSION_VENDOR_RARE_COUNT = int(os.environ.get("SUBMISSION_VENDOR_RARE_COUNT", "3"))
SUBMISSION_TRUSTED_DATASETS = env_list("SUBMISSION_TRUSTED_DATASETS", ["*"])
# A photo whose own GPS position is farther than this from the reported one.
SUBMISSION_PHOTO_FAR_METRES = float(os.environ.get("SUBMISSION_PHOTO_FAR_METRES", "300"))
# Contributions through the API: per client (an account, or a keyed hash of
# the address held only in the cache) and for all anonymous clients together;
# and the photos one contribution may carry.
CONTRIBUTION_RATE = os.environ.get("CONTRIBUTION_RATE", "30/hour")
CONTRIBUTION_GLOBAL_RATE = os.environ.get("CONTRIBUTION_GLOBAL_RATE", "2000/hour")
CONTRIBUTION_MAX_PHOTOS = int(os.environ.get("CONTRIBUTION_MAX_PHOTOS", "5"))

# The site's contribution forms (/submit/, the camera pages' "still there",
# "it's gone" and "suggest an edit"). Without JavaScript a browser cannot
# solve the proof of work: an anonymous contribution sent without one is
# accepted only where a moderator reviews it before anything changes (a new
# camera stays hidden until approved), at most this many from everyone
# together (DRF's "N/second|minute|hour|day"); beyond it, a 429 page.
NOSCRIPT_SUBMISSIONS_RATE = os.environ.get("NOSCRIPT_SUBMISSIONS_RATE", "20/hour")
# How long a contribution's idempotency key (the API's Idempotency-Key
# header, a form's one-time token) is remembered: a retry within it gets the
# first answer and stores nothing new.
IDEMPOTENCY_SECONDS = int(os.environ.get("IDEMPOTENCY_SECONDS", str(24 * 60 * 60)))

# Text from outside (registry/input_guard.py): the longest query parameter,
# in characters.
INPUT_MAX_PARAMETER_CHARS = int(os.environ.get("INPUT_MAX_PARAMETER_CHARS", "2000"))

# Optional accounts (pseudonymous; email optional) to follow one's contributions.
# Sign-in attempts one client may make (DRF's "N/second|minute|hour|day").
LOGIN_RATE = os.environ.get("LOGIN_RATE", "20/hour")
LOGIN_URL = "registry:login"
LOGIN_REDIRECT_URL = "registry:my-contributions"
LOGOUT_REDIRECT_URL = "registry:map"

# The shared cache (rate-limit counters, used proofs of work, cached tables):
# Redis when REDIS_URL is set (e.g. redis://127.0.0.1:6379/0 or
# unix:///run/redis/redis.sock), falling back to each process's own memory
# while Redis is down (registry/failover_cache.py); without REDIS_URL, each
# process's own memory. The timeouts keep a dead Redis from holding requests.
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "registry.failover_cache.FailoverCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 0.25, "socket_timeout": 0.5},
        }
    }

# Operations: GET /healthz (database, cache, storage) is open to all; GET
# /metrics (Prometheus) answers a request carrying "Authorization: Bearer
# METRICS_TOKEN" when that is set, and otherwise only one coming straight
# from an address in METRICS_ALLOWED_IPS.
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])

# Uploaded photos go through Django's storage API: the local disk
# (MEDIA_ROOT) unless MEDIA_S3_BUCKET names a bucket of an S3-compatible
# object store (AWS, MinIO, Ceph...; django-storages). Without keys in the
# environment, boto3's usual chain (instance role, ~/.aws) applies.
MEDIA_S3_BUCKET = os.environ.get("MEDIA_S3_BUCKET", "")
if MEDIA_S3_BUCKET:
    STORAGES = {
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": MEDIA_S3_BUCKET,
                "endpoint_url": os.environ.get("MEDIA_S3_ENDPOINT_URL") or None,
                "region_name": os.environ.get("MEDIA_S3_REGION") or None,
                "access_key": os.environ.get("MEDIA_S3_ACCESS_KEY_ID") or None,
                "secret_key": os.environ.get("MEDIA_S3_SECRET_ACCESS_KEY") or None,
                "custom_domain": os.environ.get("MEDIA_S3_CUSTOM_DOMAIN") or None,
                # Signed, expiring links unless the bucket is served publicly.
                "querystring_auth": env_bool("MEDIA_S3_SIGNED_URLS", True),
                # Names are random already; never replace an existing photo.
                "file_overwrite": False,
            },
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }

# ---------------------------------------------------------------------------
# Database: read replicas and pooled connections. Each applies only when its
# variable is set; development and the tests keep one persistent connection
# (CONN_MAX_AGE) to the primary.
#
# DATABASE_REPLICA_URLS (comma-separated URLs of streaming replicas): reads of
# read-only requests (GET/HEAD of pages, tiles, reports and the API) go to
# one of them, as `replica_1`, `replica_2`, ...; writes, and the reads of a
# client for DATABASE_REPLICA_LAG_SECONDS after it sent a write, go to the
# primary (config/routers.py).
DATABASE_REPLICAS = []
DATABASE_REPLICA_LAG_SECONDS = int(os.environ.get("DATABASE_REPLICA_LAG_SECONDS", "10"))
for _number, _url in enumerate(env_list("DATABASE_REPLICA_URLS", []), start=1):
    _replica = dj_database_url.parse(
        _url,
        engine=DATABASES["default"]["ENGINE"],
        conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
        conn_health_checks=True,
    )
    _replica.setdefault("OPTIONS", {})
    # The primary's session options (JIT off, prepared statements) apply too.
    for _option in ("options", "prepare_threshold"):
        if _option in DATABASES["default"]["OPTIONS"]:
            _replica["OPTIONS"].setdefault(_option, DATABASES["default"]["OPTIONS"][_option])
    # A test run uses the primary's test database under this alias too.
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES[f"replica_{_number}"] = _replica
    DATABASE_REPLICAS.append(f"replica_{_number}")
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    # Before everything that may read the database (sessions, users).
    MIDDLEWARE.insert(0, "config.routers.ReadOnlyRequestMiddleware")

# DATABASE_POOL_MAX_SIZE: each process keeps a pool of connections (psycopg's
# pool) instead of one persistent connection per thread: for threaded
# workers, or to bound the connections a process opens. Django refuses
# CONN_MAX_AGE with a pool, so it becomes 0 (a connection goes back to the
# pool at the end of each request).
DATABASE_POOL_MAX_SIZE = int(os.environ.get("DATABASE_POOL_MAX_SIZE", "0"))
if DATABASE_POOL_MAX_SIZE:
    for _database in DATABASES.values():
        _database["CONN_MAX_AGE"] = 0
        _database["OPTIONS"]["pool"] = {
            "min_size": min(
                int(os.environ.get("DATABASE_POOL_MIN_SIZE", "1")), DATABASE_POOL_MAX_SIZE
            ),
            "max_size": DATABASE_POOL_MAX_SIZE,
            # Seconds a request waits for a free connection before failing.
            "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
        }

# Background work (registry/tasks.py): queued in PostgreSQL, run by
# `manage.py db_worker`. A try that fails for a passing reason (the database
# went away) is tried again, up to TASKS_MAX_ATTEMPTS times, after
# TASKS_RETRY_SECONDS times its attempt number. TASKS_BACKEND=immediate runs
# each task at once in the process asking for it instead (development's
# default, so that `make run` needs no worker).
TASK_BACKENDS = {
    "database": "django_tasks_db.DatabaseBackend",
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
}


def tasks_setting(backend: str) -> dict:
    if backend not in TASK_BACKENDS:
        raise ImproperlyConfigured(
            f"TASKS_BACKEND must be one of {', '.join(TASK_BACKENDS)}, not {backend!r}."
        )
    return {"default": {"BACKEND": TASK_BACKENDS[backend], "QUEUES": ["default"]}}


TASKS = tasks_setting(os.environ.get("TASKS_BACKEND", "database"))
TASKS_MAX_ATTEMPTS = int(os.environ.get("TASKS_MAX_ATTEMPTS", "3"))
TASKS_RETRY_SECONDS = float(os.environ.get("TASKS_RETRY_SECONDS", "30"))

# Watches (docs/watching.md): Atom feeds, email digests and webhooks of the
# cameras added, removed, verified and changed in an area. SITE_URL is the
# site's address for the links in emails and webhooks, which the worker
# writes without a request.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# A feed holds the latest WATCH_FEED_ENTRIES events of the last WATCH_FEED_DAYS.
WATCH_FEED_ENTRIES = int(os.environ.get("WATCH_FEED_ENTRIES", "100"))
WATCH_FEED_DAYS = int(os.environ.get("WATCH_FEED_DAYS", "30"))
# A drawn area or route, as GeoJSON, in bytes (the exposure analysis' limits
# on points, length and surface apply too); a route's corridor, in metres.
WATCH_MAX_GEOJSON_BYTES = int(os.environ.get("WATCH_MAX_GEOJSON_BYTES", "100000"))
WATCH_MAX_CORRIDOR_METRES = float(os.environ.get("WATCH_MAX_CORRIDOR_METRES", "1000"))
# Email digests: an unconfirmed subscription is deleted after
# WATCH_CONFIRM_HOURS; one address may ask for WATCH_SUBSCRIBE_PER_ADDRESS
# subscriptions a day and hold WATCH_MAX_SUBSCRIPTIONS_PER_ADDRESS; one area
# may get WATCH_SUBSCRIBE_PER_AREA requests an hour. A digest tells of at
# most WATCH_DIGEST_MAX_EVENTS events (and says how many more).
WATCH_CONFIRM_HOURS = int(os.environ.get("WATCH_CONFIRM_HOURS", "48"))
WATCH_SUBSCRIBE_PER_ADDRESS = int(os.environ.get("WATCH_SUBSCRIBE_PER_ADDRESS", "5"))
WATCH_MAX_SUBSCRIPTIONS_PER_ADDRESS = int(
    os.environ.get("WATCH_MAX_SUBSCRIPTIONS_PER_ADDRESS", "20")
)
WATCH_SUBSCRIBE_PER_AREA = int(os.environ.get("WATCH_SUBSCRIBE_PER_AREA", "30"))
WATCH_DIGEST_MAX_EVENTS = int(os.environ.get("WATCH_DIGEST_MAX_EVENTS", "200"))
# The worker looks for news this often (`manage.py watches --every`).
WATCH_ROUND_SECONDS = float(os.environ.get("WATCH_ROUND_SECONDS", "60"))
# Webhooks: tries per delivery, the wait before the second (doubling after
# each), each try's timeout, and how long the delivery log is kept. Hooks
# must use https and reach a public address unless these allow otherwise
# (tests and a private network only).
WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", "8"))
WEBHOOK_RETRY_SECONDS = float(os.environ.get("WEBHOOK_RETRY_SECONDS", "30"))
WEBHOOK_TIMEOUT_SECONDS = float(os.environ.get("WEBHOOK_TIMEOUT_SECONDS", "10"))
WEBHOOK_LOG_DAYS = int(os.environ.get("WEBHOOK_LOG_DAYS", "30"))
WEBHOOK_ALLOW_HTTP = env_bool("WEBHOOK_ALLOW_HTTP", False)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env_bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False)

# Outgoing email (the digests), through Django's SMTP backend.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "20"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Sightline <sightline@localhost>")

# Giving back to OpenStreetMap (docs/moderation.md): moderators upload
# reviewed cameras under their own OSM accounts through OAuth 2.0 (PKCE).
# OSM_URL serves /oauth2/..., OSM_API_URL /api/0.6/...; both default to
# OSM's development server, so that nobody writes to the live map by
# accident: set them to https://www.openstreetmap.org to give back for real.
# Register the application on that server (scope write_api, redirect URI
# SITE_URL + /moderation/osm/callback/). The secret is optional for a public
# client. Tokens are kept encrypted with OSM_TOKEN_KEY (a Fernet key), else
# with a key derived from SECRET_KEY (see registry/services/osm_accounts.py).
OSM_URL = os.environ.get("OSM_URL", "https://master.apis.dev.openstreetmap.org").rstrip("/")
OSM_API_URL = os.environ.get("OSM_API_URL", OSM_URL).rstrip("/")
OSM_OAUTH_CLIENT_ID = os.environ.get("OSM_OAUTH_CLIENT_ID", "")
OSM_OAUTH_CLIENT_SECRET = os.environ.get("OSM_OAUTH_CLIENT_SECRET", "")
OSM_TOKEN_KEY = os.environ.get("OSM_TOKEN_KEY", "")
# Seconds to wait for OSM's answer to one request.
OSM_TIMEOUT_SECONDS = float(os.environ.get("OSM_TIMEOUT_SECONDS", "60"))
