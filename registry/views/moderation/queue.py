"""The moderation queue: what waits for a decision, by kind, oldest first,
with counts; and the vendor and operator spellings no record matches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.validators import ProhibitNullCharactersValidator
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry.models import (
    Camera,
    EditSuggestion,
    ImportConflict,
    MergeCandidate,
    RemovalReport,
    ReviewState,
    Submission,
)
from registry.names import group_spellings
from registry.services.moderators import within_moderated_areas
from registry.services.names import ORGANISATIONS, spellings_map, spellings_refusal

from ..pages.listing import pagination, read_page
from ..pages.wording import field_label
from .access import contributor_label, forbidden, moderator_required

ITEMS_PER_PAGE = 25
# The spellings page lists this many groups of each role, the largest.
SPELLING_GROUPS_SHOWN = 50
# What the raw vendor and operator fields hold: a longer one matches no camera.
MAX_SPELLING_LENGTH = 255


@dataclass(frozen=True)
class QueueKind:
    """One kind of item waiting for moderators: where it is stored, when it
    counts as open, and which cameras it concerns (`locations`, paths to
    their positions, for area-limited moderators)."""

    slug: str
    title: str
    model: type[Model]
    state_field: str
    open_value: str
    locations: tuple[str, ...]
    related: tuple[str, ...]
    details: Callable[[Any], str]
    source: Callable[[Any], str]
    template: str

    def items(self) -> QuerySet:
        return self.model.objects.select_related(*self.related)

    def open_items(self, user: AbstractBaseUser) -> QuerySet:
        queryset = self.items().filter(**{self.state_field: self.open_value})
        return within_moderated_areas(queryset, user, *self.locations).order_by("created_at", "id")

    def is_open(self, item) -> bool:
        return getattr(item, self.state_field) == self.open_value

    def cameras(self, item) -> list[Camera]:
        return [getattr(item, path.removesuffix("__location")) for path in self.locations]

    def label(self, item) -> str:
        return f"{capfirst(self.model._meta.verbose_name)} #{item.pk}"

    def url(self, item) -> str:
        return reverse("registry:moderation-item", args=[self.slug, item.pk])

    def next_url(self, user: AbstractBaseUser) -> str:
        """The oldest item still open that this moderator may decide, else
        the queue of this kind."""
        following = self.open_items(user).first()
        if following is not None:
            return self.url(following)
        return reverse("registry:moderation-section", args=[self.slug])


def _submission_details(item: Submission) -> str:
    if not item.warnings:
        return _("No plausibility warning.")
    return " ".join(warning.get("message", "") for warning in item.warnings)


def _suggestion_details(item: EditSuggestion) -> str:
    fields = ", ".join(str(field_label(name)) for name in item.changes)
    return _("Proposes: %(fields)s.") % {"fields": fields}


def _removal_details(item: RemovalReport) -> str:
    text = _("Seen gone on %(date)s.") % {
        "date": formats.date_format(item.seen_gone_on, "DATE_FORMAT")
    }
    return f"{text} {Truncator(item.note).chars(120)}".strip()


def _conflict_details(item: ImportConflict) -> str:
    return _("%(field)s: %(dataset)s gives another value than the local edit.") % {
        "field": field_label(item.field),
        "dataset": item.dataset.name,
    }


def _candidate_details(item: MergeCandidate) -> str:
    return _("May duplicate %(other)s, %(distance)s m away.") % {
        "other": item.duplicate_of,
        "distance": formats.number_format(item.distance, decimal_pos=1),
    }


def _import_source(item) -> str:
    dataset = getattr(item, "dataset", None) or getattr(item.changeset, "dataset", None)
    if dataset is None:
        return _("an import")
    return _("an import of %(dataset)s") % {"dataset": dataset.name}


def _contribution_kind(slug: str, title, model, details, template: str) -> QueueKind:
    """A resident's contribution: reviewed through its `state`, about one
    camera, sent by an account or under a receipt."""
    return QueueKind(
        slug=slug,
        title=title,
        model=model,
        state_field="state",
        open_value=ReviewState.OPEN,
        locations=("camera__location",),
        related=("camera", "user", "decided_by"),
        details=details,
        source=contributor_label,
        template=f"registry/moderation/{template}",
    )


KINDS: dict[str, QueueKind] = {
    kind.slug: kind
    for kind in (
        _contribution_kind(
            "submissions",
            gettext_lazy("New cameras"),
            Submission,
            _submission_details,
            "item_submission.html",
        ),
        _contribution_kind(
            "edit-suggestions",
            gettext_lazy("Edit suggestions"),
            EditSuggestion,
            _suggestion_details,
            "item_edit_suggestion.html",
        ),
        _contribution_kind(
            "removal-reports",
            gettext_lazy("Removal reports"),
            RemovalReport,
            _removal_details,
            "item_removal_report.html",
        ),
        QueueKind(
            slug="import-conflicts",
            title=gettext_lazy("Import conflicts"),
            model=ImportConflict,
            state_field="resolution",
            open_value="",
            locations=("camera__location",),
            related=("camera", "dataset", "resolved_by"),
            details=_conflict_details,
            source=_import_source,
            template="registry/moderation/item_import_conflict.html",
        ),
        QueueKind(
            slug="merge-candidates",
            title=gettext_lazy("Possible duplicates"),
            model=MergeCandidate,
            state_field="decision",
            open_value=MergeCandidate.Decision.OPEN,
            locations=("camera__location", "duplicate_of__location"),
            related=("camera", "duplicate_of", "changeset__dataset", "decided_by"),
            details=_candidate_details,
            source=_import_source,
            template="registry/moderation/item_merge_candidate.html",
        ),
    )
}
SPELLINGS = "spellings"


def kind_or_404(slug: str) -> QueueKind:
    try:
        return KINDS[slug]
    except KeyError:
        message = _("The moderation queue has no section “%(name)s”.") % {"name": slug[:40]}
        raise Http404(message) from None


def unmatched_spelling_count() -> int:
    """Distinct vendor and operator spellings no record matches (counted in
    the database; grouping them is the spellings page's work)."""
    return (
        Camera.objects.unmatched_vendor_values().count()
        + Camera.objects.unmatched_operator_values().count()
    )


def tabs(user: AbstractBaseUser, current: str) -> list[dict]:
    """The queue's sections with how many items wait in each."""
    sections = [
        {
            "slug": kind.slug,
            "title": kind.title,
            "count": kind.open_items(user).count(),
            "url": reverse("registry:moderation-section", args=[kind.slug]),
        }
        for kind in KINDS.values()
    ]
    sections.append(
        {
            "slug": SPELLINGS,
            "title": gettext_lazy("Unmatched spellings"),
            "count": unmatched_spelling_count(),
            "url": reverse("registry:moderation-spellings"),
        }
    )
    for section in sections:
        section["current"] = section["slug"] == current
    return sections


@moderator_required
def queue(request, kind: str = "submissions"):
    section = kind_or_404(kind)
    ignored: list = []
    page = read_page(
        Paginator(section.open_items(request.user), ITEMS_PER_PAGE), request.GET, ignored
    )
    rows = [
        {
            "label": section.label(item),
            "url": section.url(item),
            "camera": section.cameras(item)[0],
            "created_at": item.created_at,
            "details": section.details(item),
            "source": section.source(item),
            "warnings": getattr(item, "warnings", []),
        }
        for item in page.object_list
    ]
    context = {
        "tabs": tabs(request.user, section.slug),
        "section": section,
        "rows": rows,
        "total": page.paginator.count,
        "pagination": pagination(page, {}),
        "ignored": ignored,
    }
    return render(request, "registry/moderation/queue.html", context)


# ---------------------------------------------------------------- spellings


class SpellingsField(forms.Field):
    """The spellings of one group, one hidden input each."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[str]:
        values = value if isinstance(value, list | tuple) else [value] if value else []
        for spelling in values:
            ProhibitNullCharactersValidator()(spelling)
            if len(spelling) > MAX_SPELLING_LENGTH:
                raise ValidationError(
                    _("A spelling is at most %(limit)d characters long.")
                    % {"limit": MAX_SPELLING_LENGTH}
                )
        return list(values)


class SpellingsMapForm(forms.Form):
    """What one group's form posts; what it means is the service's to say."""

    role = forms.ChoiceField(choices=[("vendor", "vendor"), ("operator", "operator")])
    spellings = SpellingsField(required=False)
    target = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    new_name = forms.CharField(required=False, max_length=200)


# Each role's words on the page and in its error messages.
SPELLING_ROLES = {
    "vendor": {
        "title": gettext_lazy("Vendors"),
        "target": gettext_lazy("Existing vendor"),
        "new_name": gettext_lazy("Name of a new vendor"),
        "how": gettext_lazy(
            "Map each group to an existing vendor, or give the name of a new one."
        ),
    },
    "operator": {
        "title": gettext_lazy("Operators"),
        "target": gettext_lazy("Existing operator"),
        "new_name": gettext_lazy("Name of a new operator"),
        "how": gettext_lazy(
            "Map each group to an existing operator, or give the name of a new one."
        ),
    },
}


@moderator_required
def spellings(request):
    """Raw vendor and operator names no record matches, grouped, each group
    with a form that maps it to an existing record or a new one (one
    service call, registry.services.names.spellings_map)."""
    if request.method == "POST":
        return map_spelling_group(request)
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, HEAD, POST"})
    return spellings_page(request)


def map_spelling_group(request: HttpRequest) -> HttpResponse:
    form = SpellingsMapForm(request.POST)
    if not form.is_valid():
        errors = form_error_lines(form.errors.as_data(), request.POST.get("role", ""))
        return spellings_page(request, status=400, errors=errors, posted=form.data)
    data = form.cleaned_data
    try:
        record, count = spellings_map(
            role=data["role"],
            spellings=data["spellings"],
            target=data["target"],
            new_name=data["new_name"],
            actor=request.user,
        )
    except PermissionDenied as error:
        return forbidden(request, str(error))
    except ValidationError as error:
        reasons = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
        errors = form_error_lines(reasons, data["role"])
        return spellings_page(request, status=400, errors=errors, posted=form.data)
    messages.success(
        request,
        ngettext(
            "%(count)d camera now points to %(name)s.",
            "%(count)d cameras now point to %(name)s.",
            count,
        )
        % {"count": count, "name": record.name},
    )
    return redirect(f"{reverse('registry:moderation-spellings')}#{data['role']}-spellings")


def form_error_lines(errors: dict, role: str) -> list[str]:
    """Each reason after the name of the field it is about, in the page's
    words for that field."""
    words = SPELLING_ROLES.get(role, SPELLING_ROLES["vendor"])
    labels = {
        "role": _("Vendor or operator"),
        "spellings": _("Spellings"),
        "target": words["target"],
        "new_name": words["new_name"],
    }
    lines = []
    for name, reasons in errors.items():
        label = labels.get(name, name)
        lines.extend(f"{label}: {reason}" if label else reason for reason in _texts(reasons))
    return lines


def _texts(reasons) -> list[str]:
    return [
        " ".join(reason.messages) if hasattr(reason, "messages") else reason for reason in reasons
    ]


def spellings_page(
    request: HttpRequest, *, status: int = 200, errors: Sequence[str] = (), posted=None
) -> HttpResponse:
    roles = [spelling_role(request.user, role, posted) for role in SPELLING_ROLES]
    context = {
        "tabs": tabs(request.user, SPELLINGS),
        "roles": roles,
        "errors": errors,
    }
    return render(request, "registry/moderation/spellings.html", context, status=status)


def spelling_role(user: AbstractBaseUser, role: str, posted) -> dict:
    """One role's groups, largest first, and whether this moderator may map
    them (and add records); a refused form's group keeps what was posted."""
    groups = group_spellings(getattr(Camera.objects, f"unmatched_{role}_values")())
    refusal = spellings_refusal(user, role)
    shown = [
        {
            "id": f"{role}-{number}",
            "group": group,
            "label": group_label(group),
            "posted": posted if _is_posted(group, role, posted) else None,
        }
        for number, group in enumerate(groups[:SPELLING_GROUPS_SHOWN], start=1)
    ]
    model = ORGANISATIONS[role]
    return {
        "role": role,
        **SPELLING_ROLES[role],
        "groups": shown,
        "group_count": len(groups),
        "refusal": refusal,
        "can_add": not refusal and not spellings_refusal(user, role, creating=True),
        "targets": model.objects.order_by("name").only("pk", "name") if not refusal else (),
    }


def group_label(group) -> str:
    """“Flok Safety” (2), “flok safety” (1): 3 cameras."""
    spellings = ", ".join(f"“{spelling}” ({count})" for spelling, count in group.spellings.items())
    return ngettext(
        "%(spellings)s: %(count)d camera", "%(spellings)s: %(count)d cameras", group.cameras
    ) % {"spellings": spellings, "count": group.cameras}


def _is_posted(group, role: str, posted) -> bool:
    """Whether a refused form was this group's: its values are shown again."""
    if not posted or posted.get("role") != role:
        return False
    return sorted(group.spellings) == sorted(posted.getlist("spellings"))
