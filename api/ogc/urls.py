from django.urls import path, re_path

from api.views import NotFoundView

from . import views

app_name = "ogc"
urlpatterns = [
    path("", views.LandingView.as_view(), name="landing"),
    path("conformance", views.ConformanceView.as_view(), name="conformance"),
    path("api", views.ApiDefinitionView.as_view(), name="api"),
    path("collections", views.CollectionsView.as_view(), name="collections"),
    path("collections/<str:collection>", views.CollectionView.as_view(), name="collection"),
    path("collections/<str:collection>/items", views.ItemsView.as_view(), name="items"),
    path(
        "collections/<str:collection>/items/<str:feature_id>",
        views.ItemView.as_view(),
        name="item",
    ),
    # Any other path under /ogc/ is a JSON 404, not the site's HTML page.
    re_path(r"^[\s\S]+$", NotFoundView.as_view(), name="not-found"),
]
