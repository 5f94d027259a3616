"""Paging on pages: the cursor from ``?cursor=``, next/previous URLs, sortable lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import QuerySet, prefetch_related_objects

from abm.pages import url_with_query
from abm.paging.keyset import (
    CURSOR_PARAM,
    PAGE_SIZE,
    InvalidCursor,
    Key,
    Page,
    paginate,
)


def paginate_request(
    request,
    queryset: QuerySet,
    *,
    ordering: Iterable[str | Key],
    size: int = PAGE_SIZE,
    param: str = CURSOR_PARAM,
) -> Page:
    """``paginate`` with the cursor from ``?cursor=`` and this URL's next/previous links.

    A cursor that is not valid raises ``InvalidCursor`` (a 400 page if the view lets it
    through; ``paginate_request_or_first`` shows the first page with a message instead).
    """
    page = paginate(queryset, ordering=ordering, cursor=request.GET.get(param) or None, size=size)
    page_links(request, page, param=param)
    return page


def paginate_request_or_first(
    request,
    queryset: QuerySet,
    *,
    ordering: Iterable[str | Key],
    size: int = PAGE_SIZE,
    param: str = CURSOR_PARAM,
) -> tuple[Page, str]:
    """``paginate_request``, or the first page and the reason when the cursor is not valid.

    The view answers the reason with status 400 (the list stays usable).
    """
    ordering = tuple(ordering)
    try:
        return paginate_request(request, queryset, ordering=ordering, size=size, param=param), ""
    except InvalidCursor as exc:
        page = paginate(queryset, ordering=ordering, size=size)
        page_links(request, page, param=param)
        return page, exc.message


def page_links(request, page: Page, *, param: str = CURSOR_PARAM) -> Page:
    """Fill ``page.next_url`` / ``previous_url`` from its cursors and this page's URL."""
    page.next_url = url_with_query(request, **{param: page.next_cursor}) if page.has_next else ""
    page.previous_url = (
        url_with_query(request, **{param: page.previous_cursor or None})
        if page.has_previous
        else ""
    )
    return page


@dataclass(frozen=True)
class Sort:
    """A named way to order a list: its keys, its label, its first click's direction.

    ``?sort=name`` uses ``keys`` as they are; ``?sort=-name`` reverses every key.
    """

    label: str
    keys: tuple
    descending: bool = False  # a header's first click sorts this way (big numbers first)

    def ordering(self, *, reverse: bool) -> tuple[Key, ...]:
        keys = tuple(Key.of(k) for k in self.keys)
        return tuple(k.reversed() for k in keys) if reverse else keys


def sort_choose(request, sorts: dict[str, Sort], *, default: str, param: str = "sort"):
    """The sort the request names (``?sort=-fit``), or ``default``: (name, descending, sort)."""
    wanted = request.GET.get(param) or default
    name = wanted.lstrip("-")
    if name not in sorts:
        wanted, name = default, default.lstrip("-")
    descending = wanted.startswith("-")
    return name, descending, sorts[name]


def sort_headers(
    request, sorts: dict[str, Sort], *, active: str, descending: bool, param: str = "sort"
) -> dict[str, dict]:
    """Each sortable header's label, state and link (a new sort starts at the first page)."""
    headers = {}
    for name, sort in sorts.items():
        if name == active:
            target = name if descending else f"-{name}"  # the next click flips it
        else:
            target = f"-{name}" if sort.descending else name
        headers[name] = {
            "label": sort.label,
            "active": name == active,
            "descending": descending,
            "url": url_with_query(request, **{CURSOR_PARAM: None, param: target}),
        }
    return headers


def list_page(
    request,
    *,
    queryset: QuerySet,
    sorts: dict[str, Sort],
    default_sort: str,
    filterset_class=None,
    related: Sequence[str] = (),
    size: int = PAGE_SIZE,
) -> dict:
    """A filtered, sortable, keyset-paged list: the context its template reads.

    ``filterset`` (a django-filter FilterSet over ``request.GET``), ``page`` (with
    next/previous URLs), ``rows``, ``total``, ``filtered``, ``sort``, ``headers`` (see
    ``sort_headers``), ``filter_errors`` and ``cursor_error`` (the message when the
    cursor was not valid: the view answers the first page with status 400).
    ``related`` objects are fetched for the page's rows afterwards, one query each:
    joined into the paged query they would make the database sort the joined rows of
    the whole table whenever the sort key has no index.
    """
    filterset = filterset_class(request.GET or None, queryset=queryset) if filterset_class else None
    rows = filterset.qs if filterset is not None else queryset
    name, descending, sort = sort_choose(request, sorts, default=default_sort)
    page, cursor_error = paginate_request_or_first(
        request, rows, ordering=sort.ordering(reverse=descending), size=size
    )
    if related:
        prefetch_related_objects(page.items, *related)
    ignored = {"sort", CURSOR_PARAM, "page"}
    return {
        "filterset": filterset,
        "page": page,
        "rows": page.items,
        "total": rows.count(),
        "filtered": any(value for key, value in request.GET.items() if key not in ignored),
        "sort": f"-{name}" if descending else name,
        "headers": sort_headers(request, sorts, active=name, descending=descending),
        "filter_errors": filterset.form.errors
        if filterset is not None and filterset.is_bound
        else {},
        "cursor_error": cursor_error,
    }
