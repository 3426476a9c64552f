"""The site's URLs plus the baseline most projects ship: DRF with
djangorestframework-gis's GeoFeatureModelSerializer over the same table."""

from django.urls import path
from rest_framework import generics
from rest_framework.exceptions import ValidationError
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from config.urls import urlpatterns as site_urlpatterns
from registry.models import Camera


class BaselineSerializer(GeoFeatureModelSerializer):
    class Meta:
        model = Camera
        geo_field = "location"
        fields = (
            "id", "kind", "status", "visibility", "zone", "camera_type", "mount", "directions",
            "tilt", "height", "vendor", "operator", "last_confirmed", "osm_type", "osm_id",
            "version", "updated_at",
        )  # fmt: skip


class BaselineView(generics.ListAPIView):
    serializer_class = BaselineSerializer
    pagination_class = None

    def get_queryset(self):
        try:
            bbox = tuple(float(part) for part in self.request.query_params["bbox"].split(","))
        except (KeyError, ValueError):
            raise ValidationError({"bbox": ["minlon,minlat,maxlon,maxlat"]}) from None
        return Camera.objects.filter(status__in=["reported", "verified"]).in_bbox(bbox)


urlpatterns = [*site_urlpatterns, path("bench/drf-gis/", BaselineView.as_view())]


# bench/tiles.py's baseline: django-vectortiles serving the same table.
from vectortiles import VectorLayer  # noqa: E402
from vectortiles.views import MVTView  # noqa: E402


class BaselineCameraLayer(VectorLayer):
    model = Camera
    id = "cameras"
    geom_field = "location"
    tile_fields = ("id", "kind", "status")

    def get_queryset(self):
        return Camera.objects.filter(status__in=["reported", "verified", "removed"])


class BaselineTileView(MVTView):
    layer_classes = [BaselineCameraLayer]


urlpatterns.append(path("bench/vectortiles/<int:z>/<int:x>/<int:y>", BaselineTileView.as_view()))

# The browser part of bench/tiles.py loads the map page: its static files are
# served by Django here (production puts nginx in front).
from django.contrib.staticfiles.views import serve as serve_static  # noqa: E402
from django.urls import re_path  # noqa: E402

urlpatterns.append(re_path(r"^static/(?P<path>.*)$", serve_static, {"insecure": True}))
