"""The keyset core: orderings as Keys, signed cursors checked on the way in, ``paginate``."""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import reduce
from operator import or_
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import BadRequest, FieldDoesNotExist
from django.db.models import F, Q, QuerySet
from django.db.models.expressions import BaseExpression
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from abm.exceptions import ApplicationError

PAGE_SIZE = 50
MAX_PAGE_SIZE = 500
CURSOR_PARAM = "cursor"
_SALT = "abm.paging"
_MAX_CURSOR_LENGTH = 2000
_VALUE_PREFIX = "_page_key_"


class InvalidCursor(ApplicationError, BadRequest):
    """A cursor this server did not make, or made for another list or sort order."""

    def __init__(self, message=None):
        super().__init__(
            str(
                message
                or _("This page link is not valid (changed, expired or for another sort order).")
            ),
            code="invalid_cursor",
            field=CURSOR_PARAM,
        )


class InvalidPageSize(ApplicationError, BadRequest):
    def __init__(self, message):
        super().__init__(str(message), code="invalid", field="page_size")


# --- Ordering ----------------------------------------------------------------------------

_NULLS = (None, "high", "low", "first", "last")


@dataclass(frozen=True)
class Key:
    """One term of an ordering: a field path (``"owner__username"``) or an expression.

    ``nulls`` places NULLs: ``"high"`` (as if larger than any value: last ascending,
    first descending), ``"low"``, or ``"first"``/``"last"`` in either direction.
    ``nullable`` overrides what the model says (``None``: ask the model).
    """

    expression: Any
    descending: bool = False
    nulls: str | None = None
    nullable: bool | None = None

    def __post_init__(self):
        if self.nulls not in _NULLS:
            raise ValueError(f"nulls must be one of {_NULLS}")

    @classmethod
    def of(cls, term: str | Key) -> Key:
        if isinstance(term, Key):
            return term
        return cls(term.lstrip("-"), descending=term.startswith("-"))

    def reversed(self) -> Key:
        flip = {"first": "last", "last": "first"}
        return Key(
            self.expression,
            descending=not self.descending,
            nulls=flip.get(self.nulls, self.nulls),
            nullable=self.nullable,
        )

    def nulls_last(self) -> bool:
        if self.nulls in ("first", "last"):
            return self.nulls == "last"
        # "high" (the default): NULL is larger than any value.
        return (self.nulls != "low") != self.descending

    @property
    def path(self) -> str | None:
        return self.expression if isinstance(self.expression, str) else None

    def describe(self) -> str:
        text = self.path or repr(self.expression)
        return f"{'-' if self.descending else ''}{text}/{self.nulls or ''}"


def ordering_normalize(ordering: Iterable[str | Key], *, tiebreaker: str = "id") -> tuple[Key]:
    """The ordering as Keys, ending with ``tiebreaker`` (in the last key's direction)."""
    keys: list[Key] = []
    for term in ordering:
        key = Key.of(term)
        if key.path == "pk":
            key = Key(tiebreaker, descending=key.descending)
        keys.append(key)
        if key.path == tiebreaker:
            break  # nothing after a unique key changes the order
    else:
        descending = bool(keys) and keys[-1].descending
        keys.append(Key(tiebreaker, descending=descending))
    return tuple(keys)


# --- Value types -------------------------------------------------------------------------

_KINDS = {
    "AutoField": "int",
    "BigAutoField": "int",
    "SmallAutoField": "int",
    "IntegerField": "int",
    "BigIntegerField": "int",
    "SmallIntegerField": "int",
    "PositiveIntegerField": "int",
    "PositiveBigIntegerField": "int",
    "PositiveSmallIntegerField": "int",
    "DecimalField": "decimal",
    "FloatField": "float",
    "DateTimeField": "datetime",
    "DateField": "date",
    "BooleanField": "bool",
    "CharField": "str",
    "TextField": "str",
    "EmailField": "str",
    "SlugField": "str",
    "URLField": "str",
    "GenericIPAddressField": "str",
}


def _kind(output_field) -> str:
    while getattr(output_field, "is_relation", False) and output_field.target_field:
        output_field = output_field.target_field
    kind = _KINDS.get(output_field.get_internal_type())
    if kind is None:
        raise ApplicationError(str(_("This list cannot be paged in that order.")), field="ordering")
    return kind


def _encode_value(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _is_number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _decode_value(kind: str, value, nullable: bool):
    """``value`` as the column type it stands for; InvalidCursor when it is not one."""
    if value is None:
        if nullable:
            return None
        raise InvalidCursor()
    try:
        if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
            return value
        if kind == "float" and _is_number(value) and math.isfinite(value):
            return value
        if kind == "bool" and isinstance(value, bool):
            return value
        if kind == "str" and isinstance(value, str) and "\x00" not in value:
            return value
        if kind == "decimal" and isinstance(value, str):
            number = Decimal(value)
            if number.is_finite():
                return number
        if kind == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value)
        if kind == "datetime" and isinstance(value, str):
            parsed = parse_datetime(value)
            if parsed is not None and (parsed.tzinfo is not None or not settings.USE_TZ):
                return parsed
    except (ValueError, InvalidOperation):
        pass
    raise InvalidCursor()


def _path_nullable(model, path: str) -> bool:
    """Whether the column at ``path`` can be NULL for a row (nullable or optional join)."""
    opts = model._meta
    for part in path.split("__"):
        try:
            model_field = opts.get_field(part)
        except FieldDoesNotExist:
            return True
        if model_field.null or (model_field.auto_created and not model_field.concrete):
            return True  # a nullable column, or a reverse relation a row may lack
        if model_field.is_relation and model_field.related_model is not None:
            opts = model_field.related_model._meta
    return False


# --- The core ----------------------------------------------------------------------------


@dataclass
class Page:
    """One page of rows and the cursors (and, from the page helpers, URLs) around it."""

    items: list
    has_next: bool = False
    has_previous: bool = False
    next_cursor: str = ""
    previous_cursor: str = ""  # '' with has_previous: the way back is the first page
    next_url: str = ""
    previous_url: str = ""
    size: int = PAGE_SIZE
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)


@dataclass(frozen=True)
class _Column:
    key: Key
    alias: str  # the annotation that carries the row's value for the cursor
    target: str  # what ORDER BY and WHERE name: the field path, or the alias
    kind: str
    nullable: bool


def _columns(queryset: QuerySet, keys: Sequence[Key]) -> tuple[QuerySet, list[_Column]]:
    annotations = {}
    for i, key in enumerate(keys):
        expression = F(key.path) if key.path else key.expression
        if not isinstance(expression, BaseExpression | F):
            raise TypeError(f"Not an ordering term: {key.expression!r}")
        annotations[f"{_VALUE_PREFIX}{i}"] = expression
    try:
        queryset = queryset.annotate(**annotations)
    except FieldDoesNotExist as exc:
        raise ApplicationError(str(_("Unknown ordering field.")), field="ordering") from exc
    columns = []
    for i, key in enumerate(keys):
        alias = f"{_VALUE_PREFIX}{i}"
        output_field = queryset.query.annotations[alias].output_field
        if key.nullable is not None:
            nullable = key.nullable
        elif key.path:
            nullable = _path_nullable(queryset.model, key.path)
        else:
            nullable = bool(getattr(output_field, "null", True))
        columns.append(
            _Column(
                key=key,
                alias=alias,
                target=key.path or alias,
                kind=_kind(output_field),
                nullable=nullable and key.path != "id",
            )
        )
    return queryset, columns


def _order_by(columns: Sequence[_Column], backwards: bool) -> list:
    terms = []
    for column in columns:
        key = column.key.reversed() if backwards else column.key
        expression = F(column.target)
        direction = expression.desc if key.descending else expression.asc
        if column.nullable:
            terms.append(
                direction(nulls_last=True) if key.nulls_last() else direction(nulls_first=True)
            )
        else:
            # Plain ASC/DESC, so one index on the column serves both directions.
            terms.append(direction())
    return terms


def _after(columns: Sequence[_Column], values: Sequence, backwards: bool) -> Q:
    """Rows strictly after ``values`` in the (possibly reversed) ordering."""
    clauses = []
    equal = Q()
    for column, value in zip(columns, values, strict=True):
        key = column.key.reversed() if backwards else column.key
        op = "lt" if key.descending else "gt"
        name = column.target
        if value is None:
            # After a NULL: only non-NULLs, when NULLs come first.
            step = None if key.nulls_last() else Q(**{f"{name}__isnull": False})
            same = Q(**{f"{name}__isnull": True})
        else:
            step = Q(**{f"{name}__{op}": value})
            if column.nullable and key.nulls_last():
                step |= Q(**{f"{name}__isnull": True})
            same = Q(**{name: value})
        if step is not None:
            clauses.append(equal & step)
        equal &= same
    if not clauses:
        return Q(pk__in=[])
    condition = reduce(or_, clauses)
    lead, first = columns[0], values[0]
    if not lead.nullable and first is not None:
        # A redundant bound on the leading column lets the database range-scan an index.
        lead_key = lead.key.reversed() if backwards else lead.key
        op = "lte" if lead_key.descending else "gte"
        condition = Q(**{f"{lead.target}__{op}": first}) & condition
    return condition


def _signature(queryset: QuerySet, keys: Sequence[Key]) -> str:
    text = queryset.model._meta.label_lower + "|" + ",".join(k.describe() for k in keys)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cursor_encode(*, signature: str, values: Sequence, backwards: bool) -> str:
    payload = {
        "s": signature,
        "v": [_encode_value(v) for v in values],
        "d": "p" if backwards else "n",
    }
    return signing.dumps(payload, salt=_SALT, compress=True)


def cursor_decode(cursor: str, *, signature: str, columns: Sequence[_Column]) -> tuple[list, bool]:
    """The cursor's typed values and whether it walks backwards; InvalidCursor otherwise."""
    if not isinstance(cursor, str) or len(cursor) > _MAX_CURSOR_LENGTH:
        raise InvalidCursor()
    try:
        payload = signing.loads(cursor, salt=_SALT)
    except (signing.BadSignature, ValueError, UnicodeError, zlib.error) as exc:
        raise InvalidCursor() from exc
    if not isinstance(payload, dict) or payload.get("d") not in ("n", "p"):
        raise InvalidCursor()
    if payload.get("s") != signature:
        raise InvalidCursor(_("This page link belongs to another sort order or list."))
    raw = payload.get("v")
    if not isinstance(raw, list) or len(raw) != len(columns):
        raise InvalidCursor()
    values = [_decode_value(c.kind, v, c.nullable) for c, v in zip(columns, raw, strict=True)]
    return values, payload["d"] == "p"


def _row_values(row, columns: Sequence[_Column]) -> list:
    if isinstance(row, dict):
        return [row[c.alias] for c in columns]
    return [getattr(row, c.alias) for c in columns]


def paginate(
    queryset: QuerySet,
    *,
    ordering: Iterable[str | Key],
    cursor: str | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of ``queryset`` in ``ordering`` (``id`` appended), from ``cursor``, in one query.

    ``ordering`` holds field paths (``"-fit_score"``) or ``Key``s; ``cursor`` is one this
    function handed out (``page.next_cursor`` / ``page.previous_cursor``) or empty for the
    first page. Raises ``InvalidCursor`` for anything else.
    """
    keys = ordering_normalize(ordering)
    queryset, columns = _columns(queryset, keys)
    signature = _signature(queryset, keys)
    values, backwards = None, False
    if cursor:
        values, backwards = cursor_decode(cursor, signature=signature, columns=columns)
        queryset = queryset.filter(_after(columns, values, backwards))
    rows = list(queryset.order_by(*_order_by(columns, backwards))[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()  # read walking back; shown in the list's order
    page = Page(items=rows, size=size)
    if backwards:
        page.has_next, page.has_previous = True, more
    else:
        page.has_next, page.has_previous = more, values is not None
    if rows:
        if page.has_next:
            page.next_cursor = cursor_encode(
                signature=signature, values=_row_values(rows[-1], columns), backwards=False
            )
        if page.has_previous:
            page.previous_cursor = cursor_encode(
                signature=signature, values=_row_values(rows[0], columns), backwards=True
            )
    elif values is not None:
        # Ran off an end (rows deleted meanwhile): the way back is the first page.
        page.has_next, page.has_previous = False, True
    return page


def page_size_parse(raw, *, default: int = PAGE_SIZE, maximum: int = MAX_PAGE_SIZE) -> int:
    """A requested page size: ``default`` when absent, capped at ``maximum``; 400 if not 1+."""
    if raw in (None, ""):
        return default
    text = str(raw).strip()
    # isascii: str.isdigit() also admits digits int() refuses (superscripts such as "³").
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        raise InvalidPageSize(
            _("page_size must be a whole number from 1 to %(max)d.") % {"max": maximum}
        )
    return min(int(text), maximum)
