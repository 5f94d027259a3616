"""Paging in the API: a DRF pagination class on the keyset core."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import CursorPagination
from rest_framework.utils.urls import remove_query_param, replace_query_param

from abm.paging.keyset import (
    CURSOR_PARAM,
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    page_size_parse,
    paginate,
)


def api_page_link(request, cursor: str | None, *, param: str = CURSOR_PARAM) -> str | None:
    """The absolute URL of this API list at ``cursor`` (None when there is no such page)."""
    if not cursor:
        return None
    return replace_query_param(request.build_absolute_uri(), param, cursor)


class KeysetPagination(CursorPagination):
    """DRF pagination on ``paginate``: the cursor holds the whole ``?ordering=`` sort key.

    DRF's own CursorPagination keys the cursor on the first ordering field only and
    steps over ties with an offset (and trusts the position it decodes); here ties cost
    nothing and a cursor that is not ours, or not for this ordering, is a 400.
    """

    page_size = PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-id"
    cursor_query_param = CURSOR_PARAM

    def get_page_size(self, request):
        return page_size_parse(
            request.query_params.get(self.page_size_query_param),
            default=self.page_size,
            maximum=self.max_page_size,
        )

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"]["minimum"] = 1  # larger than the maximum is capped
                parameter["description"] = str(
                    _("Rows per page (default %(default)d); more than %(max)d gives %(max)d.")
                    % {"max": self.max_page_size, "default": self.page_size}
                )
            elif parameter["name"] == self.cursor_query_param:
                parameter["description"] = str(
                    _("The `next` or `previous` link's cursor; any other value is a 400.")
                )
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.base_url = request.build_absolute_uri()
        ordering = self.get_ordering(request, queryset, view)
        self.page = paginate(
            queryset,
            ordering=ordering,
            cursor=request.query_params.get(self.cursor_query_param) or None,
            size=self.get_page_size(request),
        )
        self.has_next, self.has_previous = self.page.has_next, self.page.has_previous
        return self.page.items

    def get_next_link(self):
        if not self.page.has_next:
            return None
        return replace_query_param(self.base_url, self.cursor_query_param, self.page.next_cursor)

    def get_previous_link(self):
        if not self.page.has_previous:
            return None
        if not self.page.previous_cursor:
            return remove_query_param(self.base_url, self.cursor_query_param)
        return replace_query_param(
            self.base_url, self.cursor_query_param, self.page.previous_cursor
        )
