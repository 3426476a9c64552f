"""The vendor and operator spellings no record matches, grouped, a page of
the largest groups per role at a time (searchable), each with a form that
maps the whole group in one action (registry.services.names.spellings_map).

Real data brings thousands of groups (4,353 after one import of DeFlock's
data): the groups are found in a tenth of a second (registry.names), each
page shows SPELLING_GROUPS_SHOWN of them, and the records to map to are one
shared list per role, not one per form."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from registry.models import Camera
from registry.names import NameGroup, group_spellings, max_edits, name_key
from registry.services.names import ORGANISATIONS, spellings_map, spellings_refusal

from ..pages.listing import pagination, read_page
from .access import forbidden, moderator_required
from .queue import SPELLINGS, tabs

# The spellings page lists this many groups of each role a page, the largest first.
SPELLING_GROUPS_SHOWN = 50
# What the raw vendor and operator fields hold: a longer one matches no camera.
MAX_SPELLING_LENGTH = 255
# Up to this many records, each form offers them in a list box; beyond, a
# text field with a shared list of suggestions (thousands of options in each
# of 50 forms made the page take minutes in a browser).
TARGETS_IN_A_LIST_BOX = 150
# How long grouped spellings are kept (under a key that changes with them).
GROUPS_KEPT_SECONDS = 3600
# The longest search text read.
MAX_SEARCH_LENGTH = 100


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
    # The record by name, where the page offers a text field instead of a list.
    target_name = forms.CharField(required=False, max_length=200)
    new_name = forms.CharField(required=False, max_length=200)


# Each role's words on the page and in its error messages.
SPELLING_ROLES = {
    "vendor": {
        "title": gettext_lazy("Vendors"),
        "pages_label": gettext_lazy("Pages of vendor spellings"),
        "target": gettext_lazy("Existing vendor"),
        "new_name": gettext_lazy("Name of a new vendor"),
        "how": gettext_lazy(
            "Map each group to an existing vendor, or give the name of a new one."
        ),
    },
    "operator": {
        "title": gettext_lazy("Operators"),
        "pages_label": gettext_lazy("Pages of operator spellings"),
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
    if data["target_name"] and not data["target"]:
        data["target"] = _record_named(data["role"], data["target_name"])
        if data["target"] is None:
            words = SPELLING_ROLES[data["role"]]
            errors = [
                f"{words['target']}: "
                + _("no record is called “%(name)s”.") % {"name": data["target_name"]}
            ]
            return spellings_page(request, status=400, errors=errors, posted=form.data)
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


def _record_named(role: str, name: str) -> int | None:
    """The record of this role whose name is `name`, compared as names are
    (case, accents, punctuation and legal suffixes folded)."""
    wanted = name_key(name)
    for pk, record_name in ORGANISATIONS[role].objects.values_list("pk", "name"):
        if name_key(record_name) == wanted:
            return pk
    return None


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
    search = request.GET.get("q", "").strip()[:MAX_SEARCH_LENGTH]
    ignored: list = []
    roles = [
        spelling_role(request, role, posted, search=search, ignored=ignored)
        for role in SPELLING_ROLES
    ]
    context = {
        "tabs": tabs(request.user, SPELLINGS),
        "roles": roles,
        "errors": errors,
        "search": search,
        "ignored": ignored,
    }
    return render(request, "registry/moderation/spellings.html", context, status=status)


def spelling_role(request: HttpRequest, role: str, posted, *, search: str, ignored: list) -> dict:
    """One page of one role's groups, largest first (those holding the
    search text in a spelling, if any), and whether this moderator may map
    them (and add records); a refused form's group keeps what was posted."""
    user = request.user
    groups = role_groups(role)
    found = [group for group in groups if _holds(group, search)] if search else groups
    parameter = f"{role}_page"
    page = read_page(
        Paginator(found, SPELLING_GROUPS_SHOWN, allow_empty_first_page=True),
        request.GET,
        ignored,
        parameter,
    )
    first = (page.number - 1) * SPELLING_GROUPS_SHOWN
    shown = [
        {
            "id": f"{role}-{number}",
            "group": group,
            "label": group_label(group),
            "posted": posted if _is_posted(group, role, posted) else None,
        }
        for number, group in enumerate(page.object_list, start=first + 1)
    ]
    refusal = spellings_refusal(user, role)
    targets = ORGANISATIONS[role].objects.order_by("name").only("pk", "name")
    target_count = targets.count() if not refusal else 0
    query = {"q": search} if search else {}
    query.update({name: value for name, value in request.GET.items() if name.endswith("_page")})
    query.pop(parameter, None)
    return {
        "role": role,
        **SPELLING_ROLES[role],
        "groups": shown,
        "group_count": len(groups),
        "found_count": len(found),
        "pagination": pagination(page, query, parameter),
        "refusal": refusal,
        "can_add": not refusal and not spellings_refusal(user, role, creating=True),
        "targets": targets if target_count else (),
        "list_box": target_count <= TARGETS_IN_A_LIST_BOX,
    }


def role_groups(role: str) -> list[NameGroup]:
    """The role's unmatched spellings, grouped; kept in the cache under the
    digest of the spellings and their counts, so that paging and searching
    do not group them again (0.2-0.6 s for 5,000), and any change to them
    (a mapping, an import, an edit) is a new key."""
    values = list(getattr(Camera.objects, f"unmatched_{role}_values")())
    digest = hashlib.blake2b(repr((max_edits(), values)).encode(), digest_size=16).hexdigest()
    key = f"moderation:spellings:{role}:{digest}"
    groups = cache.get(key)
    if groups is None:
        groups = group_spellings(values)
        cache.set(key, groups, GROUPS_KEPT_SECONDS)
    return groups


def _holds(group, search: str) -> bool:
    wanted = search.casefold()
    return any(wanted in spelling.casefold() for spelling in group.spellings)


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
