"""The public site: the map and the pages."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .views import (
    accounts,
    areas,
    contribute,
    data,
    embed,
    exposure,
    feeds,
    map,
    moderation,
    pages,
    sharing,
    watches,
)

app_name = "registry"
urlpatterns = [
    path("", map.map_page, name="map"),
    # The one page other sites may frame.
    path("embed/", embed.embed, name="embed"),
    path("cameras/", pages.camera_list, name="cameras"),
    path("cameras/<int:pk>/", pages.camera_detail, name="camera"),
    path(
        "cameras/<int:pk>/still-there/",
        contribute.camera_still_there,
        name="camera-still-there",
    ),
    path("cameras/<int:pk>/gone/", contribute.camera_gone, name="camera-gone"),
    path("cameras/<int:pk>/suggest/", contribute.camera_suggest, name="camera-suggest"),
    path("submit/", contribute.submit, name="submit"),
    path("thanks/", contribute.thanks, name="thanks"),
    path("receipts/<str:token>/", contribute.receipt, name="receipt"),
    path("accounts/signup/", accounts.signup, name="signup"),
    path("accounts/login/", accounts.ThrottledLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/me/", accounts.my_contributions, name="my-contributions"),
    path("vendors/", pages.vendor_list, name="vendors"),
    path("vendors/<slug:slug>/", pages.vendor_detail, name="vendor"),
    path("operators/", pages.operator_list, name="operators"),
    path("operators/<slug:slug>/", pages.operator_detail, name="operator"),
    path("areas/", areas.area_list, name="areas"),
    path("areas/<slug:slug>/", areas.area_detail, name="area"),
    path("areas/<slug:slug>/feed.atom", feeds.area_feed, name="area-feed"),
    path("feeds/cameras.atom", feeds.camera_feed, name="camera-feed"),
    path("watch/", watches.subscribe, name="watch"),
    path("watch/confirm/<str:token>/", watches.confirm, name="watch-confirm"),
    path("watch/unsubscribe/<str:token>/", watches.unsubscribe, name="watch-unsubscribe"),
    path("watches/<str:key>/feed.atom", feeds.watch_feed, name="watch-feed"),
    path("areas/<slug:slug>/report.pdf", areas.area_pdf, name="area-pdf"),
    path("areas/<slug:slug>/<slug:table>.csv", areas.area_csv, name="area-csv"),
    # Link previews (Open Graph, Twitter cards) of the pages above.
    path("share/cameras/<int:pk>.png", sharing.camera_preview, name="camera-preview"),
    path("share/areas/<slug:slug>.png", sharing.area_preview, name="area-preview"),
    path("share/vendors/<slug:slug>.png", sharing.vendor_preview, name="vendor-preview"),
    path("share/operators/<slug:slug>.png", sharing.operator_preview, name="operator-preview"),
    path("exposure/", exposure.exposure_page, name="exposure"),
    path("about/", pages.about, name="about"),
    path("privacy/", pages.privacy, name="privacy"),
    path("data/", data.data_page, name="data"),
    path("moderation/", moderation.queue, name="moderation"),
    path("moderation/log/", moderation.log, name="moderation-log"),
    path("moderation/spellings/", moderation.spellings, name="moderation-spellings"),
    path("moderation/operators/", moderation.operators, name="moderation-operators"),
    path("moderation/osm-sync/", moderation.osm_sync, name="moderation-osm-sync"),
    path("moderation/areas/upload/", moderation.upload_areas, name="moderation-area-upload"),
    path("moderation/osm/", moderation.osm_give_back, name="moderation-osm"),
    path("moderation/osm/connect/", moderation.osm_connect, name="moderation-osm-connect"),
    path("moderation/osm/callback/", moderation.osm_callback, name="moderation-osm-callback"),
    path(
        "moderation/osm/disconnect/", moderation.osm_disconnect, name="moderation-osm-disconnect"
    ),
    path(
        "moderation/cameras/<int:pk>/history/",
        moderation.camera_history,
        name="moderation-camera-history",
    ),
    path(
        "moderation/merge-candidates/decide/",
        moderation.decide_merge_candidates,
        name="moderation-decide-merge-candidates",
    ),
    path("moderation/<slug:kind>/", moderation.queue, name="moderation-section"),
    path("moderation/<slug:kind>/<int:pk>/", moderation.item, name="moderation-item"),
]
