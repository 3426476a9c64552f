"""Writes open to everyone: a new camera, "still there", "it's gone", a
suggested edit, and reading a photo's position. Anonymous clients solve a
proof of work (GET /api/v1/challenge/) for each write and get a receipt to
follow what they sent; accounts need neither. Nothing about the client
(address, user agent) is stored; rate limits count a keyed hash of the
address in the cache only."""

from __future__ import annotations

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiRequest,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import exceptions, serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from registry import photos as photo_files
from registry.contributing import body_size_error, session_marker
from registry.models import (
    Camera,
    CameraType,
    Capability,
    Confirmation,
    EditSuggestion,
    Kind,
    Mount,
    Receipt,
    RemovalReport,
    ReviewState,
    Status,
    Submission,
    Visibility,
    Zone,
)
from registry.services.contributions import receipt_for
from registry.services.sending import (
    Sender,
    Sent,
    send_confirmation,
    send_edit_suggestion,
    send_removal_report,
    send_submission,
)
from registry.throttles import (
    AnonymousRateThrottle,
    ContributionThrottle,
    GlobalContributionThrottle,
)

from .camera_edits import CameraFieldsSerializer
from .serializers import (
    ChangeValuesField,
    DetailSerializer,
    JSONTypesMixin,
    ValidationErrorSerializer,
    VersionConflictSerializer,
)
from .views import THROTTLED

POW_HELP = (
    "Anonymous clients: a solved proof of work, see GET /api/v1/challenge/. "
    "Not needed with an account."
)
RECEIPT_HELP = (
    "Anonymous clients: the receipt token of an earlier contribution, to follow this one "
    "under the same receipt. Without it, a new receipt is issued."
)


# ----------------------------------------------------------- request size


class PayloadTooLarge(exceptions.APIException):
    status_code = 413
    default_code = "too_large"


def check_body_size(request) -> None:
    """Refuses an oversized body from its declared length, before reading
    it (registry.contributing.body_size_error says how large is too large)."""
    error = body_size_error(request)
    if error:
        raise PayloadTooLarge(error)


class ContributionView(APIView):
    permission_classes = [AllowAny]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    throttle_classes = [AnonymousRateThrottle, ContributionThrottle, GlobalContributionThrottle]

    def initial(self, request, *args, **kwargs):
        check_body_size(request)
        super().initial(request, *args, **kwargs)

    def throttled(self, request, wait):
        seconds = int(wait or 0) + 1
        raise exceptions.Throttled(
            wait,
            detail=(
                f"Too many contributions in a short time; please wait {seconds} seconds and "
                "send it again. Nothing was stored."
            ),
        )

    def sender(self, request, data: dict) -> Sender:
        """Who sends, as the request says; the service checks it (an
        anonymous client's proof of work, its receipt) in the write's own
        transaction."""
        key = IdempotencyKeySerializer.read(request)
        if request.user and request.user.is_authenticated:
            return Sender(user=request.user, idempotency_key=key)
        return Sender(
            proof=data.get("altcha") or "",
            receipt_token=data.get("receipt") or "",
            idempotency_key=key,
        )

    def created(self, request, sent: Sent, body: dict) -> Response:
        """201 with the body and, for an anonymous client, its receipt; a
        retry with the same Idempotency-Key gets the same, marked as such."""
        body = {**body, **self.receipt_body(request, sent.receipt_token)}
        response = Response(body, status=status.HTTP_201_CREATED)
        if sent.replayed:
            response[REPLAYED_HEADER] = "true"
        return response

    def receipt_body(self, request, token: str) -> dict:
        if not token:
            return {}
        url = request.build_absolute_uri(reverse("api:receipt", args=[token]))
        return {"receipt": {"token": token, "url": url}}


IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{16,255}$"


class IdempotencyKeySerializer(serializers.Serializer):
    """The Idempotency-Key header: absent, or a key the service can keep;
    sent empty, it is an error like any other bad key."""

    key = serializers.RegexField(
        IDEMPOTENCY_KEY_PATTERN,
        required=False,
        error_messages={
            "invalid": "An idempotency key is 16 to 255 printable ASCII characters "
            "(a random UUID, say).",
            "blank": "An idempotency key is 16 to 255 printable ASCII characters "
            "(a random UUID, say).",
        },
    )

    @classmethod
    def read(cls, request) -> str:
        if IDEMPOTENCY_HEADER not in request.headers:
            return ""
        header = cls(data={"key": request.headers[IDEMPOTENCY_HEADER]})
        if not header.is_valid():
            # Named as the service names a key it refuses.
            raise exceptions.ValidationError({"idempotency_key": header.errors["key"]})
        return header.validated_data["key"]


IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "A key of 16 to 255 printable ASCII characters chosen by the client (a random UUID, "
        "say). A request sent again with the same key and the same content within 24 hours "
        "(IDEMPOTENCY_SECONDS) gets the first answer, marked `Idempotent-Replayed: true`, and "
        "stores nothing new; the same key with other content is a 422."
    ),
)


# ------------------------------------------------------------- serializers


def _choice(choices, **kwargs):
    return serializers.ChoiceField(choices=choices, required=False, allow_blank=True, **kwargs)


class PhotoListField(serializers.ListField):
    child = serializers.FileField()

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=settings.CONTRIBUTION_MAX_PHOTOS, **kwargs)


class SubmissionSerializer(JSONTypesMixin, serializers.Serializer):
    """A new camera, as JSON (no photos: those travel in multipart)."""

    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    kind = serializers.ChoiceField(choices=Kind.choices, help_text="surveillance:type.")
    camera_type = _choice(CameraType.choices)
    mount = _choice(Mount.choices)
    zone = _choice(Zone.choices)
    visibility = _choice(Visibility.choices)
    directions = serializers.ListField(
        child=serializers.FloatField(min_value=0, max_value=359.999),
        required=False,
        max_length=8,
        help_text="Degrees clockwise from north; several for a camera facing several ways.",
    )
    height = serializers.FloatField(required=False, min_value=0, max_value=300)
    tilt = serializers.FloatField(required=False, min_value=-90, max_value=90)
    vendor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    operator = serializers.CharField(required=False, allow_blank=True, max_length=200)
    product = serializers.CharField(required=False, allow_blank=True, max_length=200)
    capabilities = serializers.MultipleChoiceField(choices=Capability.choices, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    altcha = serializers.CharField(required=False, allow_blank=True, help_text=POW_HELP)
    receipt = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=RECEIPT_HELP
    )


def one_or_many(item: dict, max_items: int | None = None) -> dict:
    """A list field in multipart/form-data: repeated parts, or one part,
    which is the same as a list of one."""
    many = {"type": "array", "items": item}
    if max_items is not None:
        many["maxItems"] = max_items
    return {"oneOf": [item, many]}


DIRECTION = {"type": "number", "minimum": 0, "maximum": 359.999}
# The images a photo may be (registry/photos.py reads and re-encodes them).
PHOTO_ENCODING = {"contentType": "image/jpeg, image/png, image/webp, image/heic"}
PHOTO = {"type": "string", "format": "binary"}


@extend_schema_field(one_or_many(DIRECTION, 8))
class FormDirectionsField(serializers.ListField):
    child = serializers.FloatField(min_value=0, max_value=359.999)


@extend_schema_field(one_or_many({"type": "string", "enum": Capability.values}))
class FormCapabilitiesField(serializers.MultipleChoiceField):
    pass


@extend_schema_field(one_or_many(PHOTO, settings.CONTRIBUTION_MAX_PHOTOS))
class FormPhotosField(PhotoListField):
    pass


class SubmissionWithPhotosSerializer(SubmissionSerializer):
    """A new camera, as multipart/form-data with its photos."""

    directions = FormDirectionsField(
        required=False,
        max_length=8,
        help_text="Degrees clockwise from north; several for a camera facing several ways.",
    )
    capabilities = FormCapabilitiesField(choices=Capability.choices, required=False)
    photos = FormPhotosField()


class ConfirmationSerializer(JSONTypesMixin, serializers.Serializer):
    seen_on = serializers.DateField(required=False, help_text="Default: today.")
    altcha = serializers.CharField(required=False, allow_blank=True, help_text=POW_HELP)
    receipt = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=RECEIPT_HELP
    )


class RemovalReportSerializer(JSONTypesMixin, serializers.Serializer):
    """A camera reported gone, as JSON (no photos: those travel in multipart)."""

    seen_gone_on = serializers.DateField(required=False, help_text="Default: today.")
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    altcha = serializers.CharField(required=False, allow_blank=True, help_text=POW_HELP)
    receipt = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=RECEIPT_HELP
    )


class RemovalReportWithPhotosSerializer(RemovalReportSerializer):
    """A camera reported gone, as multipart/form-data with photos."""

    photos = FormPhotosField()


class SuggestedChangesSerializer(JSONTypesMixin, CameraFieldsSerializer):
    """The fields a contributor may suggest a value for; any other is
    refused. Vendors and operators by slug, as the API names them."""

    vendor_raw = serializers.CharField(required=False, allow_blank=True, max_length=255)
    operator_raw = serializers.CharField(required=False, allow_blank=True, max_length=255)

    def to_internal_value(self, data):
        unknown = {
            name: ["This field cannot be suggested."]
            for name in sorted(set(data) - set(self.fields) if isinstance(data, dict) else ())
        }
        try:
            values = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if unknown and isinstance(error.detail, dict):
                raise serializers.ValidationError({**unknown, **error.detail}) from None
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return values

    def validate(self, data: dict) -> dict:
        # Records by id, as the camera's history keeps them.
        return {name: getattr(value, "pk", value) for name, value in data.items()}


class ClosedObjectSchema(OpenApiSerializerExtension):
    """SuggestedChangesSerializer refuses fields it does not name, and the
    service an empty suggestion: the schema says both."""

    target_class = SuggestedChangesSerializer

    def map_serializer(self, auto_schema, direction) -> dict:
        schema = auto_schema._map_basic_serializer(self.target, direction)
        return {**schema, "minProperties": 1, "additionalProperties": False}


class EditSuggestionSerializer(JSONTypesMixin, serializers.Serializer):
    version = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=2**31 - 1,
        help_text="The camera's version the suggestion was made on (recommended).",
    )
    changes = SuggestedChangesSerializer(
        help_text=(
            'Field → proposed value, e.g. {"height": 5.5, "directions": [90], '
            '"location": [-87.63, 41.88]}.'
        )
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    altcha = serializers.CharField(required=False, allow_blank=True, help_text=POW_HELP)
    receipt = serializers.CharField(
        required=False, allow_blank=True, max_length=100, help_text=RECEIPT_HELP
    )

    def to_internal_value(self, data):
        # A wrong suggested value is named by its field, as the service names
        # the ones it refuses: {"tilt": [...]}, not {"changes": {"tilt": [...]}}.
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError as error:
            detail = dict(error.detail) if isinstance(error.detail, dict) else None
            changes = detail.pop("changes", None) if detail else None
            if not isinstance(changes, dict):
                raise
            raise serializers.ValidationError({**detail, **changes}) from None


class PhotoPositionSerializer(serializers.Serializer):
    photo = serializers.FileField()


def _camera_body(request, camera: Camera) -> dict:
    return {
        "id": camera.pk,
        "status": camera.status,
        "url": request.build_absolute_uri(reverse("registry:camera", args=[camera.pk])),
    }


# ------------------------------------------------- answers (for the schema)


class ReceiptLinkSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send it as `receipt` with later contributions.")
    url = serializers.URLField(help_text="What was sent under it, and how review went.")


class ContributedSerializer(serializers.Serializer):
    """What every 201 carries besides its own fields."""

    receipt = ReceiptLinkSerializer(
        required=False, help_text="Anonymous clients only: their receipt."
    )


class CameraLinkSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(Status.choices)
    url = serializers.URLField(help_text="The camera's page.")


class SubmittedSerializer(ContributedSerializer):
    submission = serializers.IntegerField()
    state = serializers.ChoiceField(ReviewState.choices)
    camera = CameraLinkSerializer()


class ConfirmedSerializer(ContributedSerializer):
    confirmation = serializers.IntegerField()
    camera = CameraLinkSerializer()


class RemovalReportedSerializer(ContributedSerializer):
    removal_report = serializers.IntegerField()
    state = serializers.ChoiceField(ReviewState.choices)


class EditSuggestedSerializer(ContributedSerializer):
    edit_suggestion = serializers.IntegerField()
    changes = ChangeValuesField(help_text="Field → [value now, value suggested].")
    state = serializers.ChoiceField(ReviewState.choices)


class PhotoPlaceSerializer(serializers.Serializer):
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)
    heading = serializers.FloatField(
        allow_null=True, min_value=0, max_value=360, help_text="Degrees from north; null: none."
    )
    heading_reference = serializers.ChoiceField(
        ["T", "M"], allow_null=True, help_text="T: true north, M: magnetic north."
    )


class PhotoPositionAnswerSerializer(serializers.Serializer):
    position = PhotoPlaceSerializer(allow_null=True, help_text="null: the photo does not say.")


# A contribution's state on its receipt: confirmations are not reviewed.
RECEIPT_STATES = [*ReviewState.values, "recorded"]


class ReceiptItemSerializer(serializers.Serializer):
    type = serializers.ChoiceField(
        ["submission", "confirmation", "removal_report", "edit_suggestion"]
    )
    id = serializers.IntegerField()
    camera = serializers.IntegerField()
    state = serializers.ChoiceField(
        RECEIPT_STATES, help_text="recorded: a confirmation, never reviewed."
    )
    reason = serializers.CharField(help_text="The moderator's, when decided.")
    sent = serializers.DateTimeField()


class ReceiptSerializer(serializers.Serializer):
    contributions = ReceiptItemSerializer(many=True, help_text="Oldest first.")


def created(serializer) -> OpenApiResponse:
    return OpenApiResponse(
        serializer,
        description=(
            "Stored. Anonymous clients get their receipt's token and URL; a request sent "
            "again with its Idempotency-Key gets the same answer, `Idempotent-Replayed: true`."
        ),
    )


BAD = OpenApiResponse(
    ValidationErrorSerializer,
    description="A field is wrong, named with the problem; nothing was stored.",
)
REUSED_KEY = OpenApiResponse(
    ValidationErrorSerializer,
    description="The Idempotency-Key was sent before with another request; nothing was stored.",
)
STALE = OpenApiResponse(
    VersionConflictSerializer,
    description=(
        "The camera changed since the version the client read: `current_version`, and "
        "`changes_since` (each later version: by whom, when, which fields). Nothing was stored."
    ),
)
TOO_LARGE = OpenApiResponse(
    DetailSerializer, description="The body is larger than a contribution may be."
)
UNSUPPORTED = OpenApiResponse(
    DetailSerializer, description="The body is in a media type this operation does not read."
)
NO_CAMERA = OpenApiResponse(DetailSerializer, description="No public camera has this id.")
WRITE_RESPONSES = {400: BAD, 413: TOO_LARGE, 415: UNSUPPORTED, 422: REUSED_KEY, 429: THROTTLED}


# ------------------------------------------------------------------- views


class SubmissionView(ContributionView):
    @extend_schema(
        summary="Report a camera",
        description=(
            "JSON, or multipart/form-data with up to CONTRIBUTION_MAX_PHOTOS files in "
            "`photos` (JPEG, PNG, WebP, HEIC; re-encoded with every metadata removed). The "
            "camera is public at once, marked unverified, unless the site reviews first."
        ),
        request={
            "application/json": SubmissionSerializer,
            "multipart/form-data": OpenApiRequest(
                SubmissionWithPhotosSerializer, encoding={"photos": PHOTO_ENCODING}
            ),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: created(SubmittedSerializer), **WRITE_RESPONSES},
    )
    def post(self, request):
        serializer = SubmissionWithPhotosSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sender = self.sender(request, data)
        for name in ("altcha", "receipt"):
            data.pop(name, None)
        sent = send_submission(
            sender=sender,
            location=Point(data.pop("longitude"), data.pop("latitude"), srid=4326),
            note=data.pop("note", ""),
            photos=data.pop("photos", []),
            capabilities=sorted(data.pop("capabilities", [])),
            session_marker=session_marker(request),
            vendor_raw=data.pop("vendor", ""),
            operator_raw=data.pop("operator", ""),
            **data,
        )
        submission = sent.item
        body = {
            "submission": submission.pk,
            "state": submission.state,
            "camera": _camera_body(request, submission.camera),
        }
        return self.created(request, sent, body)


class CameraContributionView(ContributionView):
    def camera(self, pk: int) -> Camera:
        return get_object_or_404(Camera.objects.visible(), pk=pk)


class ConfirmationView(CameraContributionView):
    @extend_schema(
        summary="Confirm a camera is still there",
        request={
            "application/json": ConfirmationSerializer,
            "multipart/form-data": ConfirmationSerializer,
        },
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: created(ConfirmedSerializer), 404: NO_CAMERA, **WRITE_RESPONSES},
    )
    def post(self, request, pk: int):
        camera = self.camera(pk)
        serializer = ConfirmationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sent = send_confirmation(
            sender=self.sender(request, data), camera=camera, seen_on=data.get("seen_on")
        )
        camera.refresh_from_db()
        body = {"confirmation": sent.item.pk, "camera": _camera_body(request, camera)}
        return self.created(request, sent, body)


class RemovalReportView(CameraContributionView):
    @extend_schema(
        summary="Report a camera gone",
        description="For moderators to accept; JSON, or multipart with `photos`.",
        request={
            "application/json": RemovalReportSerializer,
            "multipart/form-data": OpenApiRequest(
                RemovalReportWithPhotosSerializer, encoding={"photos": PHOTO_ENCODING}
            ),
        },
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: created(RemovalReportedSerializer), 404: NO_CAMERA, **WRITE_RESPONSES},
    )
    def post(self, request, pk: int):
        camera = self.camera(pk)
        serializer = RemovalReportWithPhotosSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        sent = send_removal_report(
            sender=self.sender(request, data),
            camera=camera,
            seen_gone_on=data.get("seen_gone_on"),
            note=data.get("note", ""),
            photos=data.get("photos", []),
        )
        body = {"removal_report": sent.item.pk, "state": sent.item.state}
        return self.created(request, sent, body)


class EditSuggestionView(CameraContributionView):
    @extend_schema(
        summary="Suggest an edit",
        description=(
            "A diff for moderators; the camera changes only when one applies it. With "
            "`version` (the camera's version the client read), a camera changed since is a "
            "409 with its current version and what changed."
        ),
        request={"application/json": EditSuggestionSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={
            201: created(EditSuggestedSerializer),
            404: NO_CAMERA,
            409: STALE,
            **WRITE_RESPONSES,
        },
    )
    def post(self, request, pk: int):
        camera = self.camera(pk)
        serializer = EditSuggestionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        sent = send_edit_suggestion(
            sender=self.sender(request, data),
            camera=camera,
            changes=dict(data["changes"]),
            note=data.get("note", ""),
            seen_version=data.get("version"),
        )
        suggestion = sent.item
        body = {
            "edit_suggestion": suggestion.pk,
            "changes": suggestion.changes,
            "state": suggestion.state,
        }
        return self.created(request, sent, body)


class PhotoPositionView(ContributionView):
    """Reads where a photo was taken, to offer it on the form, and forgets
    the photo: nothing is stored."""

    throttle_classes = [AnonymousRateThrottle]
    parser_classes = [MultiPartParser]

    @extend_schema(
        summary="Read a photo's GPS position and heading (nothing stored)",
        request={
            "multipart/form-data": OpenApiRequest(
                PhotoPositionSerializer, encoding={"photo": PHOTO_ENCODING}
            )
        },
        responses={200: PhotoPositionAnswerSerializer, **WRITE_RESPONSES},
    )
    def post(self, request):
        serializer = PhotoPositionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            position = photo_files.read_photo(serializer.validated_data["photo"]).gps
        except ValidationError as error:
            raise ValidationError({"photo": error.messages}) from error
        if position is None:
            return Response({"position": None})
        return Response(
            {
                "position": {
                    "latitude": position.latitude,
                    "longitude": position.longitude,
                    "heading": position.heading,
                    "heading_reference": position.heading_reference,
                }
            }
        )


class ReceiptView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        summary="What was sent under a receipt, and how review went",
        responses={
            200: ReceiptSerializer,
            404: OpenApiResponse(DetailSerializer, description="No receipt has this token."),
            429: THROTTLED,
        },
    )
    def get(self, request, token: str):
        receipt = receipt_for(token)
        if receipt is None:
            raise exceptions.NotFound("No receipt has this token.")
        return Response(receipt_contents(request, receipt))


def receipt_contents(request, receipt: Receipt) -> dict:
    def items(model, name):
        return [
            {
                "type": name,
                "id": item.pk,
                "camera": item.camera_id,
                "state": getattr(item, "state", "recorded"),
                "reason": getattr(item, "decision_reason", ""),
                "sent": item.created_at.isoformat(),
            }
            for item in model.objects.filter(receipt=receipt).order_by("created_at")
        ]

    return {
        "contributions": [
            *items(Submission, "submission"),
            *items(Confirmation, "confirmation"),
            *items(RemovalReport, "removal_report"),
            *items(EditSuggestion, "edit_suggestion"),
        ]
    }
