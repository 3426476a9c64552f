"""Place search: GET /api/v1/places/?q=TEXT, the best matches first (the
gazetteer's places, the registry's areas, operators and camera streets, and
a geocoder's addresses when GEOCODER_URL is set; registry.places). What the
map's and the camera list's search box calls."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import geocoder
from registry.places import MAX_QUERY_LENGTH, MAX_RESULTS, SOURCE, search

from .views import ERROR_400, THROTTLED, QueryParams, WholeNumberField

KINDS = ["place", "area", "operator", "address", "geocoder"]


class PlaceSearchParams(QueryParams):
    q = serializers.CharField(
        min_length=1,
        max_length=MAX_QUERY_LENGTH,
        help_text=(
            "What to look for: a town or city (in any language the gazetteer knows, "
            "accents and case ignored), an area, an operator or a street; its start is enough."
        ),
    )
    limit = WholeNumberField(
        min_value=1,
        max_value=MAX_RESULTS,
        required=False,
        help_text="Answers at most (default 10).",
    )


class PlaceResultSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=KINDS,
        help_text=(
            "place: a town or city of the gazetteer; area: one of the registry's areas; "
            "operator: the cameras of an operator; address: a street of the registry's "
            "cameras (their addr:* tags); geocoder: an address found by the geocoder."
        ),
    )
    name = serializers.CharField()
    label = serializers.CharField(help_text="The name with its region and country, to show.")
    position = serializers.ListField(
        child=serializers.FloatField(),
        min_length=2,
        max_length=2,
        allow_null=True,
        help_text="[longitude, latitude], WGS 84 degrees; null for a result with only a bbox.",
    )
    bbox = serializers.ListField(
        child=serializers.FloatField(),
        min_length=4,
        max_length=4,
        allow_null=True,
        help_text="[minlon, minlat, maxlon, maxlat], WGS 84 degrees, or null.",
    )
    url = serializers.CharField(
        help_text="The result's page in Sightline (an area's, an operator's), or empty."
    )
    slug = serializers.CharField(
        help_text="An area's or an operator's slug (/api/v1/areas/, /api/v1/operators/); "
        "else empty."
    )
    filter = serializers.DictField(
        child=serializers.CharField(),
        help_text=(
            "The query parameters that narrow the map (/), the camera list (/cameras/) and "
            'GET /api/v1/cameras/ to this answer: {"area": slug} for an area, '
            '{"operator": slug} for an operator; empty for a place or an address, whose '
            "`bbox` or `position` says where to go."
        ),
    )
    country_code = serializers.CharField(help_text="ISO 3166-1 alpha-2, or empty.")
    population = serializers.IntegerField(allow_null=True, help_text="A place's; else null.")


class PlaceSearchSerializer(serializers.Serializer):
    query = serializers.CharField()
    results = PlaceResultSerializer(many=True)
    attribution = serializers.CharField()


EXAMPLE = {
    "query": "münchen",
    "results": [
        {
            "kind": "place",
            "name": "Munich",
            "label": "Munich, Germany",
            "position": [11.57549, 48.13743],
            "bbox": None,
            "url": "",
            "slug": "",
            "filter": {},
            "country_code": "DE",
            "population": 1260391,
        },
        {
            "kind": "area",
            "name": "München",
            "label": "München, Bayern",
            "position": None,
            "bbox": [11.36078, 48.06162, 11.72291, 48.24812],
            "url": "https://sightline.example/areas/munchen/",
            "slug": "munchen",
            "filter": {"area": "munchen"},
            "country_code": "",
            "population": None,
        },
    ],
    "attribution": SOURCE,
}


class PlaceSearchView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="places",
        summary="Search places by name",
        description=(
            "The best matches for `q` first: towns and cities of 1,000 people or more "
            "(GeoNames, CC BY 4.0) by name or alternate name, matched from the start of the "
            "name or of one of its words, exact names before prefixes, larger places "
            "first; the registry's own areas, operators and camera streets (their `addr:street` "
            "tags), by the start of any word of their name, accents and case ignored, each "
            "with the filter that lists its cameras; and, when the "
            "site has a geocoder configured, addresses it finds for a street address "
            "(the text of `q` is then sent to it)."
        ),
        parameters=[PlaceSearchParams],
        responses={
            200: OpenApiResponse(
                PlaceSearchSerializer, examples=[OpenApiExample("a city", value=EXAMPLE)]
            ),
            400: ERROR_400,
            429: THROTTLED,
        },
    )
    def get(self, request):
        params = PlaceSearchParams.read(request)
        results = search(
            params["q"], limit=params.get("limit", 10), geocoder=geocoder.configured()
        )
        body = {
            "query": params["q"],
            "results": [
                {
                    "kind": result.kind,
                    "name": result.name,
                    "label": result.label,
                    "position": list(result.position) if result.position else None,
                    "bbox": list(result.bbox) if result.bbox else None,
                    "url": request.build_absolute_uri(result.url) if result.url else "",
                    "slug": result.slug,
                    "filter": result.filter,
                    "country_code": result.country_code,
                    "population": result.population,
                }
                for result in results
            ],
            "attribution": SOURCE,
        }
        return Response(body)
