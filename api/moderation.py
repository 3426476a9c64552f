"""The moderation queue's new cameras in the API, for moderators: each
open submission with its plausibility warnings (the reason and evidence in
words, and their figures), filtered and sorted by warning as the queue's
page is. Who sent an item is never part of it."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.permissions import BasePermission

from registry.models import ReviewState, Status, Submission
from registry.models.contributions import ANY_WARNING, NO_WARNING, SUBMISSION_SORT_KEYS
from registry.services.moderators import is_moderator, within_moderated_areas
from registry.services.plausibility import WARNING_KINDS, describe

from .serializers import DetailSerializer
from .views import ERROR_400, THROTTLED, UNAUTHENTICATED, QueryParams, WholeNumberField

MAX_OFFSET = 1_000_000_000
WARNING_FILTERS = [*WARNING_KINDS, ANY_WARNING, NO_WARNING]


class IsModerator(BasePermission):
    message = "Only moderators may read the moderation queue."

    def has_permission(self, request, view) -> bool:
        return is_moderator(request.user)


class QueueParams(QueryParams):
    warning = serializers.ChoiceField(
        WARNING_FILTERS,
        required=False,
        help_text=(
            "Only items with a warning of this kind; `any`: with any warning, `none`: without one."
        ),
    )
    sort = serializers.ChoiceField(
        SUBMISSION_SORT_KEYS,
        required=False,
        help_text="oldest (default) or newest first, or most warnings first.",
    )
    limit = WholeNumberField(
        min_value=1, max_value=1000, required=False, help_text="Items per page (default 100)."
    )
    offset = WholeNumberField(
        min_value=0, max_value=MAX_OFFSET, required=False, help_text="Items to skip."
    )


class QueuePagination(LimitOffsetPagination):
    """`limit` and `offset`, refused with a 400 naming them when out of range."""

    default_limit = 100
    max_limit = 1000

    def get_limit(self, request) -> int:
        return QueueParams.read(request).get("limit", self.default_limit)

    def get_offset(self, request) -> int:
        return QueueParams.read(request).get("offset", 0)

    def get_schema_operation_parameters(self, view) -> list:
        return []  # QueueParams, in the view's schema


class WarningSerializer(serializers.Serializer):
    code = serializers.ChoiceField(list(WARNING_KINDS), help_text="The kind of warning.")
    label = serializers.CharField(help_text="The kind, in words.")
    reason = serializers.CharField(help_text="Why it was raised, in words.")
    evidence = serializers.CharField(
        allow_blank=True, help_text="The facts behind it, in words (empty for older warnings)."
    )
    figures = serializers.DictField(
        help_text=(
            "The figures the words are made of (distances in metres, counts, thresholds), "
            "by kind; empty for older warnings."
        )
    )


class QueueCameraSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(Status.choices)
    kind = serializers.CharField(allow_blank=True, help_text="OSM surveillance:type.")
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    url = serializers.URLField(help_text="The camera's page.")


class QueueItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.ChoiceField(ReviewState.choices)
    sent = serializers.DateTimeField()
    camera = QueueCameraSerializer()
    warnings = WarningSerializer(many=True, help_text="Computed when it arrived.")
    url = serializers.URLField(help_text="The item's page in the moderation queue.")

    def to_representation(self, item: Submission) -> dict:
        request = self.context["request"]
        camera = item.camera
        return {
            "id": item.pk,
            "state": item.state,
            "sent": serializers.DateTimeField().to_representation(item.created_at),
            "camera": {
                "id": camera.pk,
                "status": camera.status,
                "kind": camera.kind,
                "latitude": camera.location.y,
                "longitude": camera.location.x,
                "url": request.build_absolute_uri(reverse("registry:camera", args=[camera.pk])),
            },
            "warnings": [
                {**describe(warning), "figures": warning.get("params") or {}}
                for warning in item.warnings
            ],
            "url": request.build_absolute_uri(
                reverse("registry:moderation-item", args=["submissions", item.pk])
            ),
        }


ITEM_EXAMPLE = {
    "id": 41,
    "state": "open",
    "sent": "2026-12-01T10:02:03Z",
    "camera": {
        "id": 9001,
        "status": "reported",
        "kind": "ALPR",
        "latitude": 52.52,
        "longitude": 13.405,
        "url": "https://sightline.example/cameras/9001/",
    },
    "warnings": [
        {
            "code": "vendor_rare",
            "label": "Vendor rare in the country",
            "reason": "No verified or imported camera of Flock Safety is recorded in Germany.",
            "evidence": (
                "0 verified or imported cameras of it there (fewer than 3 count as rare); "
                "1 unverified report, which does not count. Its reference countries: "
                "United States."
            ),
            "figures": {"trusted": 0, "needed": 3, "unverified": 1},
        }
    ],
    "url": "https://sightline.example/moderation/submissions/41/",
}


@extend_schema(
    summary="New cameras waiting for moderators, with their warnings",
    description=(
        "Open submissions a moderator may decide (an area-limited moderator: those inside "
        "their areas), oldest first unless `sort` says otherwise, each with the plausibility "
        "warnings computed when it arrived: a duplicate, a vendor rare in the country, a kind "
        "the vendor does not make, a burst of reports, a position outside every country, a "
        "photo taken far away, a report sent without a proof of work. Moderators only."
    ),
    parameters=[QueueParams],
    responses={
        200: QueueItemSerializer(many=True),
        400: ERROR_400,
        401: UNAUTHENTICATED,
        403: OpenApiResponse(DetailSerializer, description="Not a moderator."),
        429: THROTTLED,
    },
    examples=[OpenApiExample("a Flock camera in Germany", value=ITEM_EXAMPLE, response_only=True)],
)
class ModerationSubmissionListView(generics.ListAPIView):
    serializer_class = QueueItemSerializer
    pagination_class = QueuePagination
    permission_classes = [IsModerator]

    def get_queryset(self):
        params = QueueParams.read(self.request)
        items = Submission.objects.filter(state=ReviewState.OPEN).select_related("camera")
        items = within_moderated_areas(items, self.request.user, "camera__location")
        return items.by_warning(params.get("warning", "")).sorted_by(params.get("sort", "oldest"))
