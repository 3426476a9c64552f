"""Boundaries uploaded by staff (/moderation/areas/upload/): a GeoJSON,
GeoPackage, KML or zipped Shapefile, read through GDAL as `import_areas`
reads it. The first post previews what the file would make (each area's
shape, level, parent, surface and the cameras inside it) and writes
nothing; the file waits in the uploads' storage under a random key until
the second post saves it, or is replaced by the next preview.

Areas change every report's figures and the moderators' own areas, so only
moderators of every area who may add areas upload them."""

from __future__ import annotations

import re
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

from django import forms
from django.contrib import messages
from django.contrib.auth.models import AbstractBaseUser
from django.core.files.storage import default_storage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from registry.imports.areas import AreaFields, AreaImportReport, import_areas
from registry.imports.records import UnreadableFile
from registry.models import Area, AreaLevel, Camera
from registry.reports.maps import StaticMap, display_boundary, static_map
from registry.services.moderators import moderated_area_ids

from .access import forbidden, moderator_required

# What GDAL reads here from one uploaded file (a Shapefile's parts travel
# together in a zip).
SUFFIXES = (".geojson", ".json", ".gpkg", ".kml", ".zip")
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
STORAGE_FOLDER = "area-uploads"
KEY = re.compile(r"^[0-9a-f]{32}$")


class UploadForm(forms.Form):
    file = forms.FileField(
        required=False,
        label=gettext_lazy("Boundary file"),
        help_text=gettext_lazy("GeoJSON, GeoPackage, KML, or a Shapefile in a .zip."),
    )
    name_field = forms.CharField(
        label=gettext_lazy("Attribute holding the name"), initial="name", max_length=100
    )
    code_field = forms.CharField(
        label=gettext_lazy("Attribute holding an official code"), required=False, max_length=100
    )
    population_field = forms.CharField(
        label=gettext_lazy("Attribute holding the population"), required=False, max_length=100
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        required=False,
        choices=[("", gettext_lazy("one below the area holding it")), *AreaLevel.choices],
    )
    parent = forms.CharField(
        label=gettext_lazy("Part of (the area's slug)"),
        required=False,
        max_length=200,
        help_text=gettext_lazy("Empty: the smallest area holding each boundary."),
    )
    layer = forms.CharField(
        label=gettext_lazy("Layer (a GeoPackage with several)"), required=False, max_length=100
    )
    key = forms.CharField(required=False, widget=forms.HiddenInput)
    filename = forms.CharField(required=False, widget=forms.HiddenInput, max_length=255)

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload is None:
            return None
        if Path(upload.name).suffix.lower() not in SUFFIXES:
            raise forms.ValidationError(
                _("Send a file ending in %(suffixes)s.") % {"suffixes": ", ".join(SUFFIXES)}
            )
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(megabytes)s MB.")
                % {"megabytes": MAX_UPLOAD_BYTES // (1024 * 1024)}
            )
        return upload

    def clean_key(self):
        key = self.cleaned_data.get("key", "")
        if key and not KEY.match(key):
            self.add_error("file", _("Upload the file again."))
            return ""
        return key

    def clean_parent(self):
        slug = self.cleaned_data.get("parent", "").strip()
        if not slug:
            return None
        parent = Area.objects.without_geometry().filter(slug=slug).first()
        if parent is None:
            raise forms.ValidationError(_("No area has the address %(slug)s.") % {"slug": slug})
        return parent

    def clean(self):
        data = super().clean()
        if not data.get("file") and not data.get("key") and "file" not in self.errors:
            self.add_error("file", _("Choose a boundary file."))
        return data

    def fields_of_file(self) -> AreaFields:
        return AreaFields(
            name=self.cleaned_data["name_field"].strip(),
            code=self.cleaned_data["code_field"].strip(),
            population=self.cleaned_data["population_field"].strip(),
        )


@dataclass(frozen=True)
class PreviewedArea:
    name: str
    level_label: str
    parent: str
    area_km2: float
    population: int | None
    cameras: int
    shape: StaticMap


def upload_refusal(user: AbstractBaseUser) -> str:
    if moderated_area_ids(user):
        return _("Moderators limited to some areas cannot upload boundaries.")
    if not user.has_perm("registry.add_area"):
        return _("Uploading boundaries needs the right to add areas.")
    return ""


@moderator_required
def upload(request: HttpRequest) -> HttpResponse:
    refusal = upload_refusal(request.user)
    if refusal:
        return forbidden(request, refusal)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    if request.method != "POST":
        return _page(request, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    if form.cleaned_data["file"] is not None:
        key, filename = _store(form.cleaned_data["file"])
    else:
        key, filename = form.cleaned_data["key"], form.cleaned_data["filename"]
    saving = request.POST.get("action") == "save" and form.cleaned_data["file"] is None
    try:
        report = _import(form, key, filename, dry_run=not saving, user=request.user)
    except FileNotFoundError:
        form.add_error("file", _("Upload the file again: it is no longer kept."))
        return _page(request, form, status=400)
    except UnreadableFile as error:
        _discard(key)
        form.add_error("file", _("GDAL cannot use this file: %(error)s") % {"error": error})
        return _page(request, form, status=400)
    if saving:
        _discard(key)
        messages.success(request, _("Boundaries saved: %(report)s.") % {"report": report})
        return redirect(reverse("registry:moderation-area-upload"))
    data = form.data.copy()
    data["key"], data["filename"] = key, filename
    return _page(request, UploadForm(data), report=report, filename=filename)


def _page(request, form, *, status=200, report: AreaImportReport | None = None, filename=""):
    context = {"form": form, "filename": filename, "report": report}
    if report is not None:
        context["previewed"] = [_previewed(area) for area in report.areas]
    return render(request, "registry/moderation/area_upload.html", context, status=status)


def _previewed(area: Area) -> PreviewedArea:
    return PreviewedArea(
        name=area.name,
        level_label=str(AreaLevel(area.level).label),
        parent=area.parent.name if area.parent_id else "",
        area_km2=area.area_km2,
        population=area.population,
        cameras=Camera.objects.visible().filter(location__intersects=area.geometry).count(),
        shape=static_map(display_boundary(area.geometry), []),
    )


def _store(upload) -> tuple[str, str]:
    """Keep the file under a new random key, replacing nothing."""
    key = uuid.uuid4().hex
    filename = "boundaries" + Path(upload.name).suffix.lower()
    default_storage.save(f"{STORAGE_FOLDER}/{key}/{filename}", upload)
    return key, Path(upload.name).name[:255]


def _import(form: UploadForm, key: str, original: str, *, dry_run: bool, user) -> AreaImportReport:
    """import_areas on a local copy of the kept file (GDAL reads paths)."""
    suffix = Path(original).suffix.lower()
    if suffix not in SUFFIXES:
        raise FileNotFoundError(original)
    stored = f"{STORAGE_FOLDER}/{key}/boundaries{suffix}"
    with tempfile.TemporaryDirectory(prefix="sightline-areas-") as folder:
        local = Path(folder) / f"boundaries{suffix}"
        with default_storage.open(stored, "rb") as source, local.open("wb") as copy:
            shutil.copyfileobj(source, copy)
        return import_areas(
            local,
            fields=form.fields_of_file(),
            level=form.cleaned_data["level"] or None,
            parent=form.cleaned_data["parent"],
            layer=form.cleaned_data["layer"].strip() or None,
            source=f"{original}, uploaded by {user.get_username()}",
            dry_run=dry_run,
        )


def _discard(key: str) -> None:
    folder = f"{STORAGE_FOLDER}/{key}"
    try:
        _directories, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{folder}/{name}")
