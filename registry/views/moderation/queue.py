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
from django.db.models import Model, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.text import Truncator, capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry.filters import Ignored
from registry.models import (
    Camera,
    EditSuggestion,
    ImportConflict,
    MergeCandidate,
    RemovalReport,
    ReviewState,
    Submission,
)
from registry.models.contributions import ANY_WARNING, NO_WARNING
from registry.services import merge_candidates_decide
from registry.services.moderators import within_moderated_areas
from registry.services.plausibility import WARNING_KINDS, describe

from ..pages.listing import pagination, read_page
from ..pages.wording import field_label
from .access import contributor_label, forbidden, moderator_required

ITEMS_PER_PAGE = 25
MERGE_CANDIDATES = "merge-candidates"
# What a search of a queue's section looks in, on the cameras the items concern.
SEARCHED_CAMERA_FIELDS = ("vendor_raw", "operator_raw", "vendor__name", "operator__name")
# The longest search text read.
MAX_SEARCH_LENGTH = 100


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

    def matching(self, items: QuerySet, text: str) -> QuerySet:
        """The items whose number, camera's number, or camera's vendor or
        operator (raw name or record) holds `text`; for import items also
        the source's name."""
        found = Q()
        for path in (location.removesuffix("__location") for location in self.locations):
            if text.isdigit():
                found |= Q(pk=int(text)) | Q(**{f"{path}_id": int(text)})
            for field in SEARCHED_CAMERA_FIELDS:
                found |= Q(**{f"{path}__{field}__icontains": text})
        if self.model is ImportConflict:
            found |= Q(dataset__name__icontains=text) | Q(field__icontains=text)
        if self.model is MergeCandidate:
            found |= Q(changeset__dataset__name__icontains=text)
        return items.filter(found)

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
    return " ".join(describe(warning)["reason"] for warning in item.warnings)


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
            slug=MERGE_CANDIDATES,
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


# How the new cameras' queue sorts (SUBMISSION_SORT_KEYS), in words.
WARNING_SORTS = {
    "oldest": gettext_lazy("Oldest first"),
    "newest": gettext_lazy("Newest first"),
    "warnings": gettext_lazy("Most warnings first"),
}


def warning_filter(items: QuerySet, data, ignored: list) -> dict:
    """The new cameras' queue filtered by a kind of warning and sorted, as
    the address asks (`warning`, `sort`); what it does not understand is
    ignored with a notice. Returns the items, the query kept in the page's
    links, and the form's choices with how many open items carry each."""
    code = data.get("warning", "").strip()
    sort = data.get("sort", "").strip()
    if code and code not in WARNING_KINDS and code not in (ANY_WARNING, NO_WARNING):
        ignored.append(Ignored("warning", code[:40], _("not a kind of warning")))
        code = ""
    if sort and sort not in WARNING_SORTS:
        ignored.append(Ignored("sort", sort[:40], _("not an order this queue offers")))
        sort = ""
    counts = items.warning_counts(WARNING_KINDS)
    items = items.by_warning(code).sorted_by(sort or "oldest")
    choices = [
        {"value": value, "label": label, "count": counts[value], "selected": value == code}
        for value, label in WARNING_KINDS.items()
    ]
    query = {key: value for key, value in (("warning", code), ("sort", sort)) if value}
    return {
        "items": items,
        "query": query,
        "warning": code,
        "warning_choices": choices,
        "sorts": [
            {"value": key, "label": label, "selected": key == (sort or "oldest")}
            for key, label in WARNING_SORTS.items()
        ],
    }


@moderator_required
def queue(request, kind: str = "submissions"):
    return queue_page(request, kind_or_404(kind))


@moderator_required
def decide_merge_candidates(request: HttpRequest) -> HttpResponse:
    """The possible duplicates ticked on a page of the queue, decided as one
    action (registry.services.merge_candidates_decide): all or none."""
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    section = kind_or_404(MERGE_CANDIDATES)
    form = DecideManyForm(request.POST)
    if not form.is_valid():
        errors = [
            f"{DecideManyForm.LABELS.get(name, name)}: {message}"
            for name, messages_ in form.errors.items()
            for message in messages_
        ]
        return queue_page(request, section, status=400, errors=errors)
    data = form.cleaned_data
    try:
        count = merge_candidates_decide(
            candidates=data["candidates"],
            duplicate=data["decision"] == "duplicate",
            user=request.user,
            note=data["note"],
        )
    except PermissionDenied as error:
        return forbidden(request, str(error))
    except ValidationError as error:
        return queue_page(request, section, status=409, errors=error.messages)
    done = (
        ngettext(
            "%(count)d possible duplicate hidden as a duplicate.",
            "%(count)d possible duplicates hidden as duplicates.",
            count,
        )
        if data["decision"] == "duplicate"
        else ngettext(
            "%(count)d possible duplicate marked as two distinct devices.",
            "%(count)d possible duplicates marked as distinct devices.",
            count,
        )
    )
    messages.success(request, done % {"count": count})
    return redirect("registry:moderation-section", MERGE_CANDIDATES)


class DecideManyForm(forms.Form):
    """What the ticked rows of the possible duplicates post."""

    LABELS = {
        "candidates": gettext_lazy("Possible duplicates"),
        "decision": gettext_lazy("Decision"),
        "note": gettext_lazy("Note"),
    }

    candidates = forms.TypedMultipleChoiceField(coerce=int, choices=(), required=True)
    decision = forms.ChoiceField(choices=[("duplicate", "duplicate"), ("distinct", "distinct")])
    note = forms.CharField(required=False, max_length=500)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["candidates"].valid_value = _is_item_number
        self.fields["candidates"].error_messages["required"] = _(
            "Tick at least one possible duplicate."
        )


def _is_item_number(value: str) -> bool:
    return value.isdigit() and 0 < int(value) < 2**63


def queue_page(
    request: HttpRequest, section: QueueKind, *, status: int = 200, errors: Sequence[str] = ()
) -> HttpResponse:
    ignored: list = []
    items, filtering = section.open_items(request.user), None
    search = request.GET.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    if search:
        items = section.matching(items, search)
    if section.model is Submission:
        filtering = warning_filter(items, request.GET, ignored)
        items = filtering["items"]
    query = {**(filtering["query"] if filtering else {}), **({"q": search} if search else {})}
    page = read_page(Paginator(items, ITEMS_PER_PAGE), request.GET, ignored)
    rows = [
        {
            "pk": item.pk,
            "label": section.label(item),
            "url": section.url(item),
            "camera": section.cameras(item)[0],
            "created_at": item.created_at,
            "details": section.details(item),
            "source": section.source(item),
            "warnings": [describe(warning) for warning in getattr(item, "warnings", [])],
        }
        for item in page.object_list
    ]
    context = {
        "tabs": tabs(request.user, section.slug),
        "section": section,
        "rows": rows,
        "total": page.paginator.count,
        "pagination": pagination(page, query),
        "search": search,
        "decide_many": section.model is MergeCandidate,
        "filtering": filtering,
        "ignored": ignored,
        "errors": errors,
    }
    return render(request, "registry/moderation/queue.html", context, status=status)
