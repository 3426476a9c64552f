"""The moderators' forms. They only read and check what was posted; the
decisions themselves are the review services' (registry/services/review.py),
which validate again and record every action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.models import Camera, CameraType, Kind, Mount, Operator, Vendor, Visibility, Zone
from registry.services.history import json_value, snapshot

REASON_MAX_LENGTH = 2000
# Ids and versions beyond these are no row's: refused by the form rather
# than sent to the database.
ID_MAX = 2**63 - 1
VERSION_MAX = 2**31 - 1
NOT_RECORDED = ("", gettext_lazy("not recorded"))


class ReasonForm(forms.Form):
    """The reason a decision gives. Whether one is required is the
    service's rule, so that a form and a forged request meet the same one."""

    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(ReasonForm):
    """The camera a submission duplicates: one of the nearby cameras, or
    any camera by its number."""

    into = forms.IntegerField(
        label=gettext_lazy("Nearby camera"), required=False, min_value=1, max_value=ID_MAX
    )
    into_id = forms.IntegerField(
        label=gettext_lazy("Or the camera's number"),
        required=False,
        min_value=1,
        max_value=ID_MAX,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        pk = data.get("into_id") or data.get("into")
        if not pk:
            raise ValidationError(
                {"into": _("Choose the camera this one duplicates, or give its number.")}
            )
        target = Camera.objects.filter(pk=pk).first()
        if target is None:
            raise ValidationError({"into": _("No camera has the number %(id)s.") % {"id": pk}})
        data["target"] = target
        return data


class RevertForm(ReasonForm):
    version = forms.IntegerField(label=gettext_lazy("Version"), min_value=1, max_value=VERSION_MAX)
    # The camera's version when the page was read: a second click, or a
    # page left open while someone else edited, is refused.
    seen_version = forms.IntegerField(required=False, min_value=1, max_value=VERSION_MAX)


class ExpectedVersionForm(forms.Form):
    """The camera's version the moderator saw, so that a decision made on
    an older page is refused instead of overwriting a newer edit."""

    seen_version = forms.IntegerField(required=False, min_value=1, max_value=VERSION_MAX)


def _choices(choices) -> list[tuple[str, str]]:
    return [NOT_RECORDED, *choices]


class CameraEditForm(forms.Form):
    """A camera's editable fields, filled with its values; `changes()` gives
    only the fields the moderator changed, in the history's JSON form."""

    latitude = forms.FloatField(label=gettext_lazy("Latitude"), min_value=-90, max_value=90)
    longitude = forms.FloatField(label=gettext_lazy("Longitude"), min_value=-180, max_value=180)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=_choices(Kind.choices), required=False
    )
    visibility = forms.ChoiceField(
        label=gettext_lazy("What it watches"), choices=_choices(Visibility.choices), required=False
    )
    zone = forms.ChoiceField(
        label=gettext_lazy("Zone"), choices=_choices(Zone.choices), required=False
    )
    camera_type = forms.ChoiceField(
        label=gettext_lazy("Camera type"), choices=_choices(CameraType.choices), required=False
    )
    mount = forms.ChoiceField(
        label=gettext_lazy("Mounted on"), choices=_choices(Mount.choices), required=False
    )
    directions = forms.CharField(
        label=gettext_lazy("Facing (degrees)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Degrees clockwise from north; several separated by “;”."),
    )
    tilt = forms.FloatField(
        label=gettext_lazy("Tilt (degrees below horizontal)"),
        required=False,
        min_value=-90,
        max_value=90,
    )
    height = forms.FloatField(
        label=gettext_lazy("Height (metres)"), required=False, min_value=0, max_value=1000
    )
    vendor = forms.ModelChoiceField(
        label=gettext_lazy("Vendor"), queryset=Vendor.objects.none(), required=False
    )
    operator = forms.ModelChoiceField(
        label=gettext_lazy("Operator"), queryset=Operator.objects.none(), required=False
    )
    product = forms.CharField(
        label=gettext_lazy("Product or model"), required=False, max_length=200
    )
    first_seen = forms.DateField(
        label=gettext_lazy("First seen"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last_confirmed = forms.DateField(
        label=gettext_lazy("Last confirmed"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    # Form fields that are camera fields under the same name.
    SAME_NAME = (
        "kind",
        "visibility",
        "zone",
        "camera_type",
        "mount",
        "directions",
        "tilt",
        "height",
        "vendor",
        "operator",
        "product",
        "first_seen",
        "last_confirmed",
    )

    def __init__(self, *args, camera: Camera, **kwargs) -> None:
        self.current = snapshot(camera)
        longitude, latitude = self.current["location"]
        initial = {name: self.current[name] for name in self.SAME_NAME}
        initial |= {
            "latitude": latitude,
            "longitude": longitude,
            "directions": "; ".join(f"{value:g}" for value in camera.directions),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["vendor"].queryset = Vendor.objects.order_by("name").only("pk", "name")
        self.fields["operator"].queryset = Operator.objects.order_by("name").only("pk", "name")

    def clean_directions(self) -> list[float]:
        text = self.cleaned_data["directions"].replace(",", ";")
        values = []
        for part in filter(None, (piece.strip() for piece in text.split(";"))):
            try:
                value = float(part)
            except ValueError:
                value = -1.0
            if not 0 <= value <= 360:
                raise ValidationError(
                    _("“%(value)s” is not a direction from 0 to 360 degrees.") % {"value": part}
                )
            values.append(value)
        return values

    def changes(self) -> dict[str, Any]:
        """{field: new value} for what differs from the camera, in the
        history's JSON form (the form the review services take)."""
        data = self.cleaned_data
        proposed = {name: json_value(data[name]) for name in self.SAME_NAME}
        for name in ("vendor", "operator"):
            proposed[name] = data[name].pk if data[name] else None
        proposed["location"] = [data["longitude"], data["latitude"]]
        return {name: value for name, value in proposed.items() if value != self.current[name]}
