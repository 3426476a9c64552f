"""The site's contribution forms: a new camera, "it's gone", "still there",
a suggested edit, and an account. Each works without JavaScript; the
hidden `altcha` field carries the proof of work a browser with JavaScript
solves, and `receipt` the token of an anonymous contributor's receipt."""

from __future__ import annotations

import math
import re
import secrets

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from registry.models import (
    Camera,
    CameraType,
    Capability,
    Kind,
    Mount,
    Operator,
    Vendor,
    Visibility,
    Zone,
)
from registry.names import NameResolver

# The sixteen compass points, accepted beside degrees.
COMPASS_NAMES = ("N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE",
                 "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW")  # fmt: skip
COMPASS_POINTS = {name: index * 22.5 for index, name in enumerate(COMPASS_NAMES)}
MAX_DIRECTIONS = 8
# Two positions closer than this (degrees, ~5 cm) are the same place: the
# form shows coordinates rounded to 7 decimals.
SAME_PLACE_DEGREES = 5e-7
SAME_DIRECTION_DEGREES = 1e-6
DONT_KNOW = ("", _("don't know"))


def degrees_text(value: float) -> str:
    return f"{value:.10g}"


class DirectionsField(forms.Field):
    """Degrees clockwise from north, several separated by commas ("90, 180"),
    or compass points ("NE"); a list of floats, duplicates dropped."""

    widget = forms.TextInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {
            **super().widget_attrs(widget),
            "autocomplete": "off",
            "spellcheck": "false",
            "maxlength": "200",
        }

    def prepare_value(self, value):
        if isinstance(value, list | tuple):
            return ", ".join(degrees_text(item) for item in value)
        return value

    def to_python(self, value) -> list[float]:
        text = (value or "").strip() if isinstance(value, str) else ""
        if len(text) > 200:
            raise ValidationError(_("This is too long for a list of directions."), code="long")
        directions = [self._direction(part) for part in re.split(r"[\s,;]+", text) if part]
        if len(directions) > MAX_DIRECTIONS:
            raise ValidationError(
                _("Give at most %(count)s directions."),
                code="too_many",
                params={"count": MAX_DIRECTIONS},
            )
        return list(dict.fromkeys(directions))

    @staticmethod
    def _direction(part: str) -> float:
        word = part.rstrip("°").upper()
        if word in COMPASS_POINTS:
            return COMPASS_POINTS[word]
        try:
            value = float(word)
        except ValueError:
            raise ValidationError(
                _(
                    "“%(value)s” is not a direction: give degrees clockwise from north "
                    "(0 to 359), or N, NE, E, SE, S, SW, W, NW."
                ),
                code="invalid",
                params={"value": part},
            ) from None
        if not math.isfinite(value) or not 0 <= value < 360:
            raise ValidationError(
                _("%(value)s is out of range: a direction is 0 to 359 degrees from north."),
                code="out_of_range",
                params={"value": part},
            )
        return value


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of files, up to CONTRIBUTION_MAX_PHOTOS; what each one is
    is decided from its content later (registry.photos)."""

    widget = MultipleFileInput

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        return {**super().widget_attrs(widget), "accept": "image/*", "multiple": True}

    def clean(self, data, initial=None):
        uploads = data if isinstance(data, list | tuple) else [data]
        files = [super(PhotosField, self).clean(item, initial) for item in uploads if item]
        if len(files) > settings.CONTRIBUTION_MAX_PHOTOS:
            raise ValidationError(
                _("Send at most %(count)s photos."),
                code="too_many",
                params={"count": settings.CONTRIBUTION_MAX_PHOTOS},
            )
        return files


def _coordinate(label, low: int, high: int, help_text, out_of_range):
    return forms.FloatField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "autocomplete": "off"}),
        error_messages={
            "required": _("Give the camera's position: tap the map, or type the numbers."),
            "invalid": _("Give a number of degrees, with a point for decimals."),
            "min_value": out_of_range,
            "max_value": out_of_range,
        },
    )


def _optional_choice(label, choices, widget=forms.Select):
    return forms.ChoiceField(
        label=label, required=False, choices=[DONT_KNOW, *choices], widget=widget
    )


def _text(label, max_length: int = 200, **kwargs):
    return forms.CharField(label=label, required=False, max_length=max_length, **kwargs)


def one_time_token() -> str:
    """A form's idempotency key: a browser sending the form again (a second
    click, a retry after a timeout) gets the first answer, nothing new."""
    return secrets.token_urlsafe(24)


class ProofOfWorkFields(forms.Form):
    """The hidden fields of every anonymous write, and the form's one-time
    token."""

    altcha = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)
    receipt = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)
    form_token = forms.CharField(required=False, max_length=255, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form_token"].initial = one_time_token()


class CameraFieldsForm(ProofOfWorkFields):
    """What a resident can say about a camera."""

    latitude = _coordinate(
        _("Latitude"),
        -90,
        90,
        _("Degrees north of the equator (south is negative), e.g. 41.8781."),
        _("A latitude is from -90 to 90 degrees."),
    )
    longitude = _coordinate(
        _("Longitude"),
        -180,
        180,
        _("Degrees east of Greenwich (west is negative), e.g. -87.6298."),
        _("A longitude is from -180 to 180 degrees."),
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Kind.choices,
        initial=Kind.CAMERA,
        widget=forms.RadioSelect,
        error_messages={"required": _("Say what kind of device it is.")},
    )
    camera_type = _optional_choice(_("Camera type"), CameraType.choices, forms.RadioSelect)
    mount = _optional_choice(_("Mounted on"), Mount.choices)
    directions = DirectionsField(
        label=_("Facing"),
        help_text=_(
            "Degrees clockwise from north (east is 90), several separated by commas, "
            "or N, NE, E…; leave empty if you cannot tell."
        ),
    )
    vendor = _text(
        _("Maker"),
        help_text=_("The brand written on it, if you can read it (e.g. Axis, Flock Safety)."),
        widget=forms.TextInput(attrs={"list": "vendor-names", "autocomplete": "off"}),
    )
    operator = _text(
        _("Who runs it"),
        help_text=_("The police, a city, a shop… if a sign or sticker says so."),
        widget=forms.TextInput(attrs={"list": "operator-names", "autocomplete": "off"}),
    )
    visibility = _optional_choice(_("What it watches"), Visibility.choices)
    zone = _optional_choice(_("Where it is"), Zone.choices)
    height = forms.FloatField(
        label=_("Height (metres)"),
        required=False,
        min_value=0,
        max_value=300,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    tilt = forms.FloatField(
        label=_("Tilt (degrees below horizontal)"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any"}),
    )
    product = _text(_("Model"))

    def location(self) -> Point:
        data = self.cleaned_data
        return Point(data["longitude"], data["latitude"], srid=4326)


class SubmitForm(CameraFieldsForm):
    """/submit/: a new camera."""

    capabilities = forms.MultipleChoiceField(
        label=_("It can also…"),
        required=False,
        choices=Capability.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what you have a reason to think: a sign, a microphone, a news story."),
    )
    note = _text(
        _("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Anything that helps a moderator: a sign's wording, what you saw."),
    )
    photos = PhotosField(label=_("Photos"))

    def camera_values(self) -> dict:
        """The camera's fields, as submission_create takes them."""
        data = self.cleaned_data
        names = (
            "kind", "camera_type", "mount", "zone", "visibility",
            "directions", "height", "tilt", "product",
        )  # fmt: skip
        return {
            **{name: data[name] for name in names},
            "vendor_raw": data["vendor"],
            "operator_raw": data["operator"],
        }


class SuggestForm(CameraFieldsForm):
    """/cameras/<id>/suggest/: the camera's values, prefilled; only what
    changed becomes the suggestion."""

    kind = _optional_choice(_("Kind"), Kind.choices, forms.RadioSelect)
    note = _text(
        _("Why"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How you know: what you saw, a sign, a document."),
    )

    PLAIN_FIELDS = ("kind", "camera_type", "mount", "zone", "visibility", "product")

    @classmethod
    def initial_for(cls, camera: Camera) -> dict:
        longitude, latitude = camera.location.coords
        return {
            "latitude": round(latitude, 7),
            "longitude": round(longitude, 7),
            **{name: getattr(camera, name) for name in cls.PLAIN_FIELDS},
            "directions": list(camera.directions),
            "height": camera.height,
            "tilt": camera.tilt,
            "vendor": _name_shown(camera, "vendor"),
            "operator": _name_shown(camera, "operator"),
        }

    def changes(self, camera: Camera) -> dict:
        """{camera field: proposed value} for what differs from the camera."""
        data = self.cleaned_data
        changes: dict = {}
        longitude, latitude = camera.location.coords
        if (
            abs(data["latitude"] - latitude) > SAME_PLACE_DEGREES
            or abs(data["longitude"] - longitude) > SAME_PLACE_DEGREES
        ):
            changes["location"] = self.location()
        for name in (*self.PLAIN_FIELDS, "height", "tilt"):
            if data[name] != getattr(camera, name):
                changes[name] = data[name]
        if not _same_directions(data["directions"], camera.directions):
            changes["directions"] = data["directions"]
        for role, model in (("vendor", Vendor), ("operator", Operator)):
            changes.update(_name_change(camera, role, model, data[role]))
        return changes


def _name_shown(camera: Camera, role: str) -> str:
    record = getattr(camera, role)
    return getattr(camera, f"{role}_raw") or (record.name if record else "")


def _same_directions(new: list[float], old: list[float]) -> bool:
    return len(new) == len(old) and all(
        abs(a - b) <= SAME_DIRECTION_DEGREES for a, b in zip(new, old, strict=True)
    )


def _name_change(camera: Camera, role: str, model: type[Model], text: str) -> dict:
    """A changed vendor or operator: the text as given, and the record it
    names (or none, so a record that no longer fits is not kept)."""
    if text == _name_shown(camera, role):
        return {}
    changes: dict = {f"{role}_raw": text}
    pk = NameResolver.for_model(model).resolve(text) if text else None
    if pk != getattr(camera, f"{role}_id"):
        changes[role] = model.objects.get(pk=pk) if pk is not None else None
    return changes


class GoneForm(ProofOfWorkFields):
    """/cameras/<id>/gone/: "it's gone"."""

    seen_gone_on = forms.DateField(
        label=_("When did you see it gone?"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for today."),
    )
    note = _text(
        _("Note"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What is there now: an empty bracket, a new pole, nothing at all."),
    )
    photos = PhotosField(label=_("Photo of the place (optional)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_gone_on"].widget.attrs["max"] = timezone.localdate().isoformat()


class ConfirmForm(ProofOfWorkFields):
    """ "Still there": nothing to fill in but the proof of work."""


class SignupForm(UserCreationForm):
    """An account: a pseudonym and a password; an email address only if
    the contributor wants one (there is no newsletter, nothing is sent)."""

    email = forms.EmailField(
        label=_("Email address (optional)"),
        required=False,
        help_text=_(
            "Never shown and never shared. With it, the site's administrators can help if you "
            "lose your password; leave it empty if you prefer."
        ),
    )
    altcha = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].help_text = _(
            "Shown beside what you send, in each camera's history: choose a pseudonym, not "
            "your name. Letters, digits and @ . + - _ only."
        )
