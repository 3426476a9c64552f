"""The public site: the map and the pages."""

from django.urls import path

from .views import areas, map, moderation, pages

app_name = "registry"
urlpatterns = [
    path("", map.map_page, name="map"),
    path("cameras/", pages.camera_list, name="cameras"),
    path("cameras/<int:pk>/", pages.camera_detail, name="camera"),
    path("vendors/", pages.vendor_list, name="vendors"),
    path("vendors/<slug:slug>/", pages.vendor_detail, name="vendor"),
    path("operators/", pages.operator_list, name="operators"),
    path("operators/<slug:slug>/", pages.operator_detail, name="operator"),
    path("areas/", areas.area_list, name="areas"),
    path("areas/<slug:slug>/", areas.area_detail, name="area"),
    path("areas/<slug:slug>/report.pdf", areas.area_pdf, name="area-pdf"),
    path("areas/<slug:slug>/<slug:table>.csv", areas.area_csv, name="area-csv"),
    path("about/", pages.about, name="about"),
    path("privacy/", pages.privacy, name="privacy"),
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/log/", moderation.log, name="moderation-log"),
    path("moderation/spellings/", moderation.spellings, name="moderation-spellings"),
    path(
        "moderation/cameras/<int:pk>/history/",
        moderation.camera_history,
        name="moderation-camera-history",
    ),
    path("moderation/<slug:kind>/", moderation.queue, name="moderation-section"),
    path("moderation/<slug:kind>/<int:pk>/", moderation.item, name="moderation-item"),
]
