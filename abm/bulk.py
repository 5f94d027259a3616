"""Fast set-based inserts: one ``INSERT … SELECT FROM unnest(arrays)`` per call on PostgreSQL.

Django's ``bulk_create`` prepares every value of every row through the field (and psycopg
then adapts each placeholder): for the worker paths that write hundreds of narrow rows per
transaction (cadence steps, the hub event stream) that preparation costs more than the
database. ``rows_insert`` sends one array per column instead — a handful of parameters for
any number of rows — and asks PostgreSQL for the new ids. Elsewhere (SQLite, the embedded
default) it is ``bulk_create``.

    ids = rows_insert(StepRun, ["idempotency_key", "enrolment_id", …], rows)
    objects_insert(runs)   # the same for unsaved instances (their pks are set)

``rows`` are tuples in the order of ``fields`` (attribute names: ``enrolment_id`` for a
foreign key), already valid: no ``save()``, no signals, no field defaults (give every
column that has no database default). JSON values are dumped with Django's encoder.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models


def _array_type(field: models.Field) -> str:
    """The element type of the column's array: its own type (varchar(40) → text)."""
    db_type = field.db_type(connection) or "text"
    if db_type.startswith(("varchar", "character varying", "char")):
        return "text"
    if db_type in ("serial", "bigserial", "integer", "smallint"):
        return "bigint" if db_type == "bigserial" else "integer"
    return db_type


def rows_insert(model: type[models.Model], fields: Sequence[str], rows: Sequence[tuple]) -> list:
    """Insert ``rows`` (tuples in ``fields`` order); returns the new primary keys in order."""
    if not rows:
        return []
    opts = model._meta
    columns = [_field(opts, name) for name in fields]
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(fields, row, strict=True))) for row in rows]
        return [obj.pk for obj in model.objects.bulk_create(objs, batch_size=500)]
    arrays = []
    casts = []
    for index, field in enumerate(columns):
        values = [row[index] for row in rows]
        if isinstance(field, models.JSONField):
            values = [None if v is None else json.dumps(v, cls=DjangoJSONEncoder) for v in values]
            casts.append("jsonb[]")
            arrays.append(values)
            continue
        casts.append(f"{_array_type(field)}[]")
        arrays.append(values)
    names = ", ".join(connection.ops.quote_name(f.column) for f in columns)
    unnest = ", ".join(f"%s::{cast}" for cast in casts)
    pk = connection.ops.quote_name(opts.pk.column)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(opts.db_table)} ({names}) "
        f"SELECT * FROM unnest({unnest}) RETURNING {pk}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, arrays)
        return [row[0] for row in cursor.fetchall()]


def _field(opts, name: str) -> models.Field:
    """The field a name stands for: ``contact_id`` is the ``contact`` foreign key's column."""
    for field in opts.concrete_fields:
        if name in (field.name, field.attname):
            return field
    raise ValueError(f"{opts.label} has no column {name!r}")


def objects_insert(objs: Sequence[models.Model]) -> None:
    """``bulk_create`` for unsaved instances of one model through ``rows_insert``: every
    concrete column but the primary key, as the instances hold it; sets each ``pk``."""
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=500)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [tuple(f.pre_save(obj, add=True) for f in fields) for obj in objs]
    ids = rows_insert(model, [f.attname for f in fields], rows)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
