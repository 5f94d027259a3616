"""Keyset cursor pagination over a composite ordering.

DRF's CursorPagination keys the cursor on the first ordering field only and steps
over ties with an offset, so ``?ordering=fit_score`` over 100,000 accounts scoring
50 degrades into an OFFSET scan. Here the cursor holds the whole sort key (every
ordering field, ending with ``id``) and the next page is a pure
``(a, b, id) > (x, y, z)`` comparison: page 2,000 costs what page 1 does.

Ordering fields are NOT NULL columns, or nullable ones the view gives a stand-in value
for in ``ordering_null_values`` (views whitelist them).
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from functools import reduce
from operator import or_

from django.core.exceptions import ValidationError
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor

from abm.pagination import DefaultCursorPagination


def _flip(field: str) -> str:
    return field[1:] if field.startswith("-") else f"-{field}"


def _encode_value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


class KeysetCursorPagination(DefaultCursorPagination):
    """Cursor pagination whose cursor is the full sort key of the row it follows."""

    tiebreaker = "id"

    def _full_ordering(self, ordering) -> tuple[str, ...]:
        ordering = tuple(ordering)
        names = [f.lstrip("-") for f in ordering]
        if self.tiebreaker not in names:
            # The tiebreaker follows the direction of the last field so an index on
            # (field, id) can serve the whole ordering.
            last_desc = bool(ordering) and ordering[-1].startswith("-")
            ordering += (f"-{self.tiebreaker}" if last_desc else self.tiebreaker,)
        else:
            ordering = ordering[: names.index(self.tiebreaker) + 1]
        return ordering

    def _after(self, ordering, values) -> Q:
        """Rows strictly after ``values`` in ``ordering``."""
        clauses = []
        equal: dict = {}
        for field, value in zip(ordering, values, strict=True):
            name = field.lstrip("-")
            op = "lt" if field.startswith("-") else "gt"
            clauses.append(Q(**equal, **{f"{name}__{op}": value}))
            equal[name] = value
        first = ordering[0]
        # Redundant bound on the leading column lets the database range-scan an index.
        bound = Q(
            **{f"{first.lstrip('-')}__{'lte' if first.startswith('-') else 'gte'}": values[0]}
        )
        return bound & reduce(or_, clauses)

    def _fill_nulls(self, queryset, view):
        """Sort nullable fields by a stand-in value so the keyset comparison stays total.

        ``view.ordering_null_values`` maps such a field to the value its NULLs sort as
        (e.g. a far-future date: "no due date" comes after every due date).
        """
        stand_ins = getattr(view, "ordering_null_values", {}) or {}
        ordering = []
        for field in self.ordering:
            name = field.lstrip("-")
            if name in stand_ins:
                key = f"_key_{name}"
                model_field = queryset.model._meta.get_field(name)
                queryset = queryset.annotate(
                    **{
                        key: Coalesce(
                            F(name), Value(stand_ins[name]), output_field=type(model_field)()
                        )
                    }
                )
                field = field.replace(name, key)
            ordering.append(field)
        self.ordering = tuple(ordering)
        return queryset

    def _position(self, row) -> str:
        values = []
        for field in self.ordering:
            name = field.lstrip("-")
            value = row[name] if isinstance(row, dict) else getattr(row, name)
            values.append(_encode_value(value))
        return json.dumps(values, separators=(",", ":"))

    def _decode_position(self, position: str) -> list:
        try:
            values = json.loads(position)
        except (TypeError, ValueError) as exc:
            raise NotFound(self.invalid_cursor_message) from exc
        if not isinstance(values, list) or len(values) != len(self.ordering):
            raise NotFound(self.invalid_cursor_message)
        if any(v is None or isinstance(v, dict | list) for v in values):
            raise NotFound(self.invalid_cursor_message)
        return values

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        if not self.page_size:
            return None
        self.base_url = request.build_absolute_uri()
        self.ordering = self._full_ordering(self.get_ordering(request, queryset, view))
        queryset = self._fill_nulls(queryset, view)
        self.cursor = self.decode_cursor(request)
        reverse = bool(self.cursor and self.cursor.reverse)
        position = self.cursor.position if self.cursor else None

        ordering = tuple(_flip(f) for f in self.ordering) if reverse else self.ordering
        queryset = queryset.order_by(*ordering)
        if position is not None:
            values = self._decode_position(position)
            try:
                queryset = queryset.filter(self._after(ordering, values))
            except (ValidationError, ValueError, TypeError) as exc:
                raise NotFound(self.invalid_cursor_message) from exc

        rows = list(queryset[: self.page_size + 1])
        has_more = len(rows) > self.page_size
        rows = rows[: self.page_size]
        if reverse:
            rows.reverse()
            self.has_previous, self.has_next = has_more, position is not None
        else:
            self.has_next, self.has_previous = has_more, position is not None
        if rows:
            self.previous_position = self._position(rows[0])
            self.next_position = self._position(rows[-1])
        else:
            self.previous_position = self.next_position = position
        self.page = rows
        return rows

    def get_next_link(self):
        if not self.has_next or self.next_position is None:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=False, position=self.next_position))

    def get_previous_link(self):
        if not self.has_previous or self.previous_position is None:
            return None
        return self.encode_cursor(Cursor(offset=0, reverse=True, position=self.previous_position))
