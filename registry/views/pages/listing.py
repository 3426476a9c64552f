"""Lists the reader can sort and page through, from the address alone.

A sort or page number the page does not understand is ignored and reported
as an `Ignored` value, like the filters (registry/filters.py), so that every
address renders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import QueryDict
from django.utils.translation import gettext as _

from registry.filters import Ignored


@dataclass(frozen=True)
class Sort:
    key: str
    descending: bool = False

    @property
    def parameter(self) -> str:
        return f"-{self.key}" if self.descending else self.key


@dataclass(frozen=True)
class Column:
    """A table header: its label and, when the table sorts by it, the link
    that does and the header's aria-sort."""

    label: str
    key: str = ""
    href: str = ""
    aria_sort: str = ""


def read_sort(
    data: QueryDict, keys: tuple[str, ...], default: Sort, ignored: list[Ignored]
) -> Sort:
    value = data.get("sort", "").strip()
    if not value:
        return default
    key = value.removeprefix("-")
    if key not in keys:
        ignored.append(Ignored("sort", value, _("not a column this list can be sorted by")))
        return default
    return Sort(key, descending=value.startswith("-"))


def sort_columns(
    columns: list[tuple[str, str]], current: Sort, query: Mapping[str, str]
) -> list[Column]:
    """Headers for (key, label) pairs (an empty key: not sortable). A sorted
    column's link reverses its order; the others sort ascending. Sorting
    starts again from the first page, with the same filters (`query`)."""
    headers = []
    for key, label in columns:
        if not key:
            headers.append(Column(label=label))
            continue
        active = key == current.key
        target = Sort(key, descending=active and not current.descending)
        direction = "descending" if current.descending else "ascending"
        href = query_url({**query, "sort": target.parameter})
        headers.append(Column(label, key, href, aria_sort=direction if active else ""))
    return headers


def read_page(
    paginator: Paginator, data: QueryDict, ignored: list[Ignored], parameter: str = "page"
) -> Page:
    """The page the address asks for (in `parameter`); a bad number gives the
    first page, a number past the end the last one, each with a notice."""
    value = data.get(parameter, "").strip()
    if not value:
        return paginator.page(1)
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        ignored.append(Ignored(parameter, value, _("not a page number")))
        return paginator.page(1)
    if number > paginator.num_pages:
        ignored.append(Ignored(parameter, value, _("past the last page, which is shown instead")))
        return paginator.page(paginator.num_pages)
    return paginator.page(number)


def pagination(page: Page, query: Mapping[str, str], parameter: str = "page") -> dict:
    """Links to the pages around `page`, keeping the filters and the sort."""

    def url(number: int) -> str:
        return query_url({**query, parameter: str(number)} if number > 1 else dict(query))

    last = page.paginator.num_pages
    return {
        "page": page,
        "first_url": url(1) if page.number > 1 else "",
        "previous_url": url(page.number - 1) if page.has_previous() else "",
        "next_url": url(page.number + 1) if page.has_next() else "",
        "last_url": url(last) if page.number < last else "",
    }


def query_url(query: Mapping[str, str]) -> str:
    """A link to this same page with `query` as its parameters."""
    return f"?{urlencode(query)}" if query else "?"


def with_query(url: str, query: Mapping[str, str]) -> str:
    return f"{url}?{urlencode(query)}" if query else url
