"""The bulk loader of the demo: rows of one model written by PostgreSQL COPY or bulk_create.

This is a data generator, not user input, so it writes tables directly. On
PostgreSQL rows go through ``COPY``; a big table is loaded without its foreign keys
and plain indexes, which are put back (and checked) after the load. On SQLite
rows go through ``bulk_create`` in batches.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime

from django.core.management.color import no_style
from django.db import connection, models
from django.utils import timezone

# A table expected to get at least this many rows is loaded without its foreign keys
# and plain indexes (PostgreSQL). Read at call time, so a test can lower it.
BULK_LOAD_MIN_ROWS = 50_000


class TableWriter:
    """Rows of one model, in column order, written by COPY or bulk_create."""

    def __init__(self, model: type[models.Model], now: datetime):
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.attnames = [f.attname for f in self.fields]
        self.columns = [f.column for f in self.fields]
        self.index = {name: i for i, name in enumerate(self.attnames)}
        defaults = []
        for f in self.fields:
            if f.has_default():
                value = f.default() if callable(f.default) else f.default
                if value is timezone.now or isinstance(value, datetime):
                    value = now
            elif f.null:
                value = None
            elif f.empty_strings_allowed:
                value = ""
            else:
                value = None
            defaults.append(value)
        self.defaults = defaults
        self.json_positions = [
            i for i, f in enumerate(self.fields) if isinstance(f, models.JSONField)
        ]

    def row(self, **values) -> list:
        row = list(self.defaults)
        index = self.index
        for name, value in values.items():
            row[index[name]] = value
        return row

    def write(self, rows: Iterable[list], batch: int = 5000) -> int:
        if connection.vendor == "postgresql":
            return self._copy(rows)
        return self._bulk(rows, batch)

    def _copy(self, rows: Iterable[list]) -> int:
        table = connection.ops.quote_name(self.model._meta.db_table)
        cols = ", ".join(connection.ops.quote_name(c) for c in self.columns)
        count = 0
        json_positions = self.json_positions
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy,
        ):
            for row in rows:
                for i in json_positions:
                    row[i] = json.dumps(row[i])
                copy.write_row(row)
                count += 1
        return count

    def _bulk(self, rows: Iterable[list], batch: int) -> int:
        model, attnames = self.model, self.attnames
        count = 0
        chunk: list[models.Model] = []
        for row in rows:
            chunk.append(model(**dict(zip(attnames, row, strict=True))))
            if len(chunk) >= batch:
                model.objects.bulk_create(chunk)
                count += len(chunk)
                chunk = []
        if chunk:
            model.objects.bulk_create(chunk)
            count += len(chunk)
        return count


def next_id(model: type[models.Model]) -> int:
    """The first free primary key of a table (rows are written with explicit ids)."""
    last = model.objects.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


class BulkLoad:
    """On PostgreSQL, load a big table without its foreign keys and plain indexes.

    Django's foreign keys are DEFERRABLE INITIALLY DEFERRED, so COPYing millions of
    rows queues millions of checks for COMMIT, and every plain index is updated row
    by row. Dropping them inside the transaction and recreating them after the COPY
    validates each foreign key with one join and builds each index in one sort. DDL
    is transactional on PostgreSQL: if anything fails, nothing changed.
    """

    def __init__(self, model: type[models.Model], *, enabled: bool):
        self.table = model._meta.db_table
        self.enabled = enabled and connection.vendor == "postgresql"
        self.foreign_keys: list[tuple[str, str]] = []
        self.indexes: list[tuple[str, str]] = []

    def __enter__(self):
        if not self.enabled:
            return self
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [self.table],
            )
            self.foreign_keys = list(cursor.fetchall())
            cursor.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
                "JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass AND NOT x.indisunique AND NOT x.indisprimary",
                [self.table],
            )
            self.indexes = list(cursor.fetchall())
            for name, _ in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(self.table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in self.indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
        return self

    def __exit__(self, exc_type, exc, tb):
        if not self.enabled or exc_type is not None:
            return False
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            for _, definition in self.indexes:
                cursor.execute(definition)
            for name, definition in self.foreign_keys:
                cursor.execute(
                    f"ALTER TABLE {quote(self.table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
        return False


def bulk_load(model: type[models.Model], *, expected_rows: float) -> BulkLoad:
    """A ``BulkLoad`` of the table, enabled when the load is big enough to pay for it."""
    return BulkLoad(model, enabled=expected_rows >= BULK_LOAD_MIN_ROWS)


def sequences_reset(model_list: Iterable[type[models.Model]]) -> None:
    """Move PostgreSQL sequences past the explicit ids written, so the ORM can insert next."""
    if connection.vendor != "postgresql":
        return  # SQLite's AUTOINCREMENT follows explicit ids by itself
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), list(model_list)):
            cursor.execute(sql)


def tables_analyze(model_list: Iterable[type[models.Model]]) -> None:
    """Refresh PostgreSQL's planner statistics of freshly loaded tables."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in model_list:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
