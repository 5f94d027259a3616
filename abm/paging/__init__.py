"""Keyset (cursor) paging: the one implementation pages and the API share.

``keyset`` holds the core (orderings, cursors, ``paginate``), ``pages`` the page side,
``api`` the DRF pagination class; import everything from ``abm.paging``.

An offset makes the database walk every skipped row, so page 2,000 costs 2,000 pages;
a keyset cursor carries the sort values of the row a page ends on, and the next page
is a plain ``(a, b, id) > (x, y, z)`` condition that an index serves: every page costs
what the first one does, in one query.

Cursors are opaque and signed (``django.core.signing``): a client can hand back only a
cursor this server made. The payload names the sort it was made for and the direction
(next/previous); on the way in every value is checked against the type of the column it
stands for. A forged, truncated or hand-edited cursor, or one made for another sort
order, raises ``InvalidCursor``: a 400 with a message in the API (an ``ApplicationError``
with ``field="cursor"``) and a 400 page (it is also Django's ``BadRequest``), never a 500.

Every ordering ends with ``id`` (added in the direction of the last key) so the order
is total and no row is skipped or shown twice. Nullable keys say where NULLs go
(``nulls="high"``: as if larger than any value, PostgreSQL's default; ``"low"``;
``"first"``/``"last"`` whatever the direction), so NULLs page like any value.

Using it from a page (the rows, then ``{% include "components/pagination.html" %}``)::

    from abm.paging import paginate_request

    page = paginate_request(request, BuyingGroup.objects.all(), ordering=["-updated_at"])
    # page.items: the rows; page.next_url / page.previous_url: links ('' when none);
    # page.has_next / page.has_previous; the cursor travels in ``?cursor=``.

A bad cursor raises ``InvalidCursor`` out of ``paginate_request``; left alone it is a
400 page. ``paginate_request_or_first`` returns ``(page, reason)`` instead: the first
page and the reason to show, for a view that answers ``status=400`` with the list.

A filtered list with sortable headers (the record lists) is one call:
``list_page(request, queryset=…, filterset_class=…, sorts={"name": Sort(...)},
default_sort="name")`` returns the template's context (rows, page, total, headers…);
``sort_choose`` and ``sort_headers`` are its parts. Below all of them,
``paginate(queryset, ordering=…, cursor=…, size=…)`` is the core. For the API, ``KeysetPagination``
(``REST_FRAMEWORK["DEFAULT_PAGINATION_CLASS"]``) keys the cursor on the whole
``?ordering=`` of DRF's ``OrderingFilter``; its answers keep DRF's cursor shape
``{"next", "previous", "results"}``.
"""

from abm.paging.api import KeysetPagination, api_page_link
from abm.paging.keyset import (
    CURSOR_PARAM,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    InvalidCursor,
    InvalidPageSize,
    Key,
    Page,
    cursor_decode,
    cursor_encode,
    ordering_normalize,
    page_size_parse,
    paginate,
)
from abm.paging.pages import (
    Sort,
    list_page,
    page_links,
    paginate_request,
    paginate_request_or_first,
    sort_choose,
    sort_headers,
)

__all__ = [
    "CURSOR_PARAM",
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "InvalidCursor",
    "InvalidPageSize",
    "Key",
    "KeysetPagination",
    "Page",
    "Sort",
    "api_page_link",
    "cursor_decode",
    "cursor_encode",
    "list_page",
    "ordering_normalize",
    "page_links",
    "page_size_parse",
    "paginate",
    "paginate_request",
    "paginate_request_or_first",
    "sort_choose",
    "sort_headers",
]
