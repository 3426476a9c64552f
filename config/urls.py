from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from registry.views import operations, sharing, tiles

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    # OGC API - Features, for GIS clients (api/ogc).
    path("ogc/", include("api.ogc.urls")),
    path(
        "tiles/cameras/<int:z>/<int:x>/<int:y>.mvt",
        tiles.camera_tile,
        name="camera-tile",
    ),
    path("tiles/cameras.json", tiles.camera_tilejson, name="camera-tilejson"),
    # For load balancers, systemd and Prometheus (registry/views/operations.py).
    # Browsers ask for /favicon.ico whatever the page says; phones install the
    # site from its manifest.
    path("favicon.ico", sharing.favicon, name="favicon"),
    path("icons/<int:size>.png", sharing.icon, name="icon"),
    path("manifest.webmanifest", sharing.manifest, name="manifest"),
    path("healthz", operations.healthz, name="healthz"),
    path("metrics", operations.metrics, name="metrics"),
    # The language switcher posts here (Django's set_language view).
    path("i18n/", include("django.conf.urls.i18n")),
]
# English pages live at /, Spanish ones under /es/.
urlpatterns += i18n_patterns(path("", include("registry.urls")), prefix_default_language=False)
# Uploaded photos: the web server serves them in production (or object
# storage does); `make run` serves them from MEDIA_ROOT itself.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
