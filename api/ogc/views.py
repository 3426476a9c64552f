"""OGC API - Features at /ogc/: the registry for QGIS, GDAL and other GIS
clients. The same cameras, features and filters as /api/v1/cameras/, paged
by the same cursor; hidden cameras never appear, for anyone."""

from __future__ import annotations

import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.views import APIView

from api.filters import QueryableCameraFilter
from api.geojson import feature_page
from registry.models import Camera

from . import documents, params
from .documents import COLLECTION, GEOJSON, JSON, OPENAPI, link


class AnyAccept(DefaultContentNegotiation):
    """GIS clients ask for GeoJSON, JSON or OpenAPI media types: each
    endpoint has one representation, whatever the Accept header says."""

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class OgcView(APIView):
    """JSON documents and errors; no schema of its own in /api/v1/schema/
    (the OGC endpoints describe themselves at /ogc/api)."""

    schema = None
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = AnyAccept

    def url(self, name: str, query: str = "") -> str:
        """The absolute URL of an OGC route by name (the collection's own
        routes, of the one collection)."""
        kwargs = {"collection": COLLECTION} if name in ("collection", "items") else {}
        path = reverse(f"ogc:{name}", kwargs=kwargs)
        return self.request.build_absolute_uri(path + (f"?{query}" if query else ""))


def json_response(document: dict, media_type: str = JSON) -> HttpResponse:
    return HttpResponse(json.dumps(document), content_type=media_type)


class LandingView(OgcView):
    def get(self, request):
        params.read_plain(request.GET)
        return json_response(documents.landing(self.url))


class ConformanceView(OgcView):
    def get(self, request):
        params.read_plain(request.GET)
        return json_response(documents.conformance())


class ApiDefinitionView(OgcView):
    def get(self, request):
        params.read_plain(request.GET)
        return json_response(documents.openapi(self.url), OPENAPI)


class CollectionsView(OgcView):
    def get(self, request):
        params.read_plain(request.GET)
        footprint = Camera.objects.visible().footprint()
        return json_response(documents.collections(self.url, footprint))


class CollectionView(OgcView):
    def get(self, request, collection: str):
        check_collection(collection)
        params.read_plain(request.GET)
        footprint = Camera.objects.visible().footprint()
        return json_response(documents.collection(self.url, footprint))


class ItemsView(OgcView):
    def get(self, request, collection: str):
        check_collection(collection)
        query = params.read_items(request.GET)
        cameras = filtered(query)
        page = feature_page(
            crs_features(cameras, query.crs),
            limit=query.limit,
            cursor=query.cursor,
            column=feature_column(query.crs),
        )
        # Counting the selection again on every page would cost a pass over
        # it per page; clients read it from the first.
        matched = cameras.count() if query.cursor is None else None
        links = [link(request.build_absolute_uri(), "self", GEOJSON, "This page")]
        if page.next_cursor is not None:
            following = request.GET.copy()
            following["cursor"] = page.next_cursor.encode()
            next_url = self.url("items", following.urlencode())
            links.append(link(next_url, "next", GEOJSON, "The next page"))
        links.append(link(self.url("collection"), "collection", JSON, "The camera collection"))
        members = {
            **({"numberMatched": matched} if matched is not None else {}),
            "numberReturned": page.returned,
            "timeStamp": timezone.now().isoformat(timespec="seconds").replace("+00:00", "Z"),
            "links": links,
        }
        body = page.body + "," + json.dumps(members)[1:]
        return geojson_response(body, query.crs)


class ItemView(OgcView):
    def get(self, request, collection: str, feature_id: str):
        check_collection(collection)
        crs = params.read_item(request.GET)
        if not feature_id.isascii() or not feature_id.isdigit() or len(feature_id) > 18:
            raise NotFound("No camera has this id.")
        cameras = crs_features(Camera.objects.visible().filter(pk=int(feature_id)), crs)
        feature = cameras.values_list(feature_column(crs), flat=True).first()
        if feature is None:
            raise NotFound("No camera has this id.")
        links = [
            link(request.build_absolute_uri(), "self", GEOJSON, "This camera"),
            link(self.url("collection"), "collection", JSON, "The camera collection"),
        ]
        body = feature[:-1] + "," + json.dumps({"links": links})[1:]
        return geojson_response(body, crs)


def check_collection(collection: str) -> None:
    if collection != COLLECTION:
        raise NotFound(f"No such collection; there is one: {COLLECTION}.")


def filtered(query: params.ItemsQuery) -> QuerySet:
    """The cameras the public sees that the query selects."""
    filterset = QueryableCameraFilter(query.queryables, queryset=Camera.objects.visible())
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    try:
        cameras = filterset.qs  # unknown slugs are found while building it
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None
    if query.boxes:
        boxes = [cameras.in_bbox(box) for box in query.boxes]
        cameras = boxes[0] if len(boxes) == 1 else boxes[0] | boxes[1]
    return cameras.changed_between(query.changed_from, query.changed_until)


def crs_features(cameras: QuerySet, crs: params.Crs) -> QuerySet:
    if crs.is_default:
        return cameras  # the stored feature text is already CRS84
    return cameras.with_feature_in(crs.srid, north_first=crs.north_first)


def feature_column(crs: params.Crs) -> str:
    return "feature" if crs.is_default else "feature_in_crs"


def geojson_response(body: str, crs: params.Crs) -> HttpResponse:
    response = HttpResponse(body, content_type=GEOJSON)
    response["Content-Crs"] = f"<{crs.uri}>"
    return response
