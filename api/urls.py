from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from . import areas, downloads, places, views
from .challenge import ChallengeView
from .contributions import (
    ConfirmationView,
    EditSuggestionView,
    PhotoPositionView,
    ReceiptView,
    RemovalReportView,
    SubmissionView,
)
from .exposure import ExposureView
from .moderation import ModerationSubmissionListView

app_name = "api"
urlpatterns = [
    path("", views.ApiRootView.as_view(), name="root"),
    path("cameras/", views.CameraListView.as_view(), name="cameras"),
    path("cameras/<int:pk>/", views.CameraDetailView.as_view(), name="camera"),
    path("cameras/<int:pk>/history/", views.CameraHistoryView.as_view(), name="camera-history"),
    path(
        "cameras/<int:pk>/confirmations/",
        ConfirmationView.as_view(),
        name="camera-confirmations",
    ),
    path(
        "cameras/<int:pk>/removal-reports/",
        RemovalReportView.as_view(),
        name="camera-removal-reports",
    ),
    path(
        "cameras/<int:pk>/edit-suggestions/",
        EditSuggestionView.as_view(),
        name="camera-edit-suggestions",
    ),
    path("submissions/", SubmissionView.as_view(), name="submissions"),
    path("photo-position/", PhotoPositionView.as_view(), name="photo-position"),
    path(
        "moderation/submissions/",
        ModerationSubmissionListView.as_view(),
        name="moderation-submissions",
    ),
    path("receipts/<str:token>/", ReceiptView.as_view(), name="receipt"),
    path("vendors/", views.VendorListView.as_view(), name="vendors"),
    path("vendors/<slug:slug>/", views.VendorDetailView.as_view(), name="vendor"),
    path("operators/", views.OperatorListView.as_view(), name="operators"),
    path("operators/<slug:slug>/", views.OperatorDetailView.as_view(), name="operator"),
    path("areas/", areas.AreaListView.as_view(), name="areas"),
    path("areas/<slug:slug>/", areas.AreaDetailView.as_view(), name="area"),
    path("areas/<slug:slug>/report/", areas.AreaReportView.as_view(), name="area-report"),
    path("places/", places.PlaceSearchView.as_view(), name="places"),
    path("challenge/", ChallengeView.as_view(), name="challenge"),
    path("stats/", views.StatsView.as_view(), name="stats"),
    path("changes/", views.ChangesView.as_view(), name="changes"),
    path("exposure/", ExposureView.as_view(), name="exposure"),
    path(
        "downloads/cameras.geojson",
        downloads.GeoJSONDownloadView.as_view(),
        name="download-geojson",
    ),
    path("downloads/cameras.csv", downloads.CSVDownloadView.as_view(), name="download-csv"),
    path("downloads/cameras.osm", downloads.OSMDownloadView.as_view(), name="download-osm"),
    path(
        "downloads/cameras.osc",
        downloads.OSMChangeDownloadView.as_view(),
        name="download-osmchange",
    ),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file (?script), which the
    # Content-Security-Policy allows; its inline style carries the nonce.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api:schema", template_name="api/swagger_ui.html"
        ),
        name="docs",
    ),
    # Last: any other path under the API is a JSON 404. Only paths ending in
    # "/", so that CommonMiddleware still redirects `cameras` to `cameras/`.
    re_path(r"^[\s\S]*/$", views.NotFoundView.as_view(), name="not-found"),
]
