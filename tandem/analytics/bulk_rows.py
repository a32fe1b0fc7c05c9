"""Writing many rows fast, for imports: plain tuples in one statement instead of ``bulk_create``.

Building a model instance and compiling every value through Django costs more per row than the rest of an
import; here the caller gives the values already in database form (``db_time``, ``db_json``) and every other
column gets its field's default once per call. Used only where an import writes tens of thousands of rows of
a model it fully knows; everything else goes through the ORM.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC

from django.db import connections, router
from django.db.models import Model
from django.utils import timezone


class Rows:
    """``Rows(Model, ["field", …]).insert([(value, …), …])`` for one model and one list of given fields."""

    def __init__(self, model: type[Model], fields: Sequence[str]):
        self.connection = connections[router.db_for_write(model)]
        meta = model._meta
        given = [meta.get_field(name) for name in fields]
        now = timezone.now()
        rest, constants = [], []
        self.rest = rest  # the fields not given, each written with its default (``constants``)
        for field in meta.concrete_fields:
            if field.primary_key or field in given:
                continue
            if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
                value = now
            else:
                value = field.get_default()
            rest.append(field)
            constants.append(field.get_db_prep_save(value, self.connection))
        self.constants = tuple(constants)
        self.width = len(given) + len(rest)
        quote = self.connection.ops.quote_name
        # Names from the model's own metadata, quoted; values always go as parameters.
        self.head = (
            f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(f.column) for f in (*given, *rest))})"
        )
        self.marks = f"({', '.join(['%s'] * self.width)})"
        limit = (self.connection.features.max_query_params or 65535) // self.width
        self.sizes = [size for size in (256, 32, 4, 1) if size <= limit]
        returning = f" RETURNING {quote(meta.pk.column)}"
        self.statements = {
            size: f"{self.head} VALUES {', '.join([self.marks] * size)}{returning}" for size in self.sizes
        }

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        constants = self.constants
        with self.connection.cursor() as cursor:
            cursor.executemany(f"{self.head} VALUES {self.marks}", [row + constants for row in rows])

    def insert_returning_pks(self, rows: list[tuple]) -> list[int]:
        """Insert and return the new rows' primary keys in the order of ``rows``: multi-row INSERT …
        RETURNING statements, the way Django's bulk_create learns the keys (SQLite ≥ 3.35, PostgreSQL).
        Statements hold 256, 32, 4 or 1 rows, so the database driver's cache of prepared statements keeps
        four small statements instead of one large one per batch size."""
        if not self.connection.features.can_return_rows_from_bulk_insert:
            raise NotImplementedError("this database cannot return the keys of a multi-row insert")
        pks: list[int] = []
        constants = self.constants
        first = 0
        with self.connection.cursor() as cursor:
            while first < len(rows):
                size = next(size for size in self.sizes if size <= len(rows) - first)
                chunk = rows[first : first + size]
                params = [value for row in chunk for value in row + constants]
                cursor.execute(self.statements[size], params)
                pks.extend(row[0] for row in cursor.fetchall())
                first += size
        return pks

    def db_time(self, value):
        """An aware datetime as the database takes it (SQLite: UTC text; PostgreSQL: as it is). A UTC
        datetime on SQLite (what an export's unix times give) takes the short way: the same text."""
        if value is not None and value.tzinfo is UTC and self.connection.vendor == "sqlite":
            return str(value.replace(tzinfo=None))
        return self.connection.ops.adapt_datetimefield_value(value)

    def db_json(self, value):
        return self.connection.ops.adapt_json_value(value, None)


def execute_many(model: type[Model], sql: str, params: list[tuple]) -> None:
    """One statement run for many parameter tuples, on the model's database. ``sql`` names tables and
    columns from model metadata (``{table}`` and ``{column_name}`` placeholders are filled, quoted)."""
    if not params:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    names = {"table": quote(meta.db_table)} | {f.name: quote(f.column) for f in meta.concrete_fields}
    with connection.cursor() as cursor:
        cursor.executemany(sql.format(**names), params)


# --- PostgreSQL COPY -------------------------------------------------------------------------------------

_COPY_SPECIAL = re.compile(r"[\\\t\n\r\x00]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\x00": ""})


def copy_text(value: str) -> str:
    """A string as a field of COPY's text format (PostgreSQL text cannot hold NUL: it is dropped)."""
    return value.translate(_COPY_ESCAPES) if _COPY_SPECIAL.search(value) else value


class CopyRows:
    """Rows written with PostgreSQL's ``COPY … FROM STDIN`` (text format), the fastest way in: one statement
    streams any number of rows. ``CopyRows(Model, ["field", …], fixed={"field": value})``: each line the
    caller formats holds the given fields in order, already as COPY text (``copy_text``, ``\\N`` for NULL);
    ``tail`` (fixed values, then every other column's default) ends each line."""

    def __init__(self, model: type[Model], fields: Sequence[str], fixed: dict):
        self.connection = connections[router.db_for_write(model)]
        meta = model._meta
        given = [meta.get_field(name) for name in fields]
        rest = [meta.get_field(name) for name in fixed]
        values = [
            field.get_db_prep_save(value, self.connection)
            for field, value in zip(rest, fixed.values(), strict=True)
        ]
        defaults = Rows(model, [*fields, *fixed])
        rest += defaults.rest
        values += defaults.constants
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in (*given, *rest))
        self.statement = f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN"
        # The database writes each value as text, so COPY reads back exactly what an INSERT would store.
        with self.connection.cursor() as cursor:
            cursor.execute(f"SELECT {', '.join(['CAST(%s AS text)'] * len(values))}", values)
            texts = cursor.fetchone() if values else ()
        self.tail = "".join("\t" + ("\\N" if text is None else copy_text(text)) for text in texts) + "\n"

    def sequence_values(self, raw_connection, model: type[Model]) -> Callable[[int], Sequence[int]]:
        """``numbers(count)``: ``count`` new primary keys for ``model`` from its identity sequence, taken on
        ``raw_connection`` (a driver connection). Usually consecutive: then only the first and last come back
        (a range) instead of ``count`` rows; when another session took values in between, the list."""
        meta = model._meta
        table = self.connection.ops.quote_name(meta.db_table)

        def numbers(count: int) -> Sequence[int]:
            with raw_connection.cursor() as cursor:
                cursor.execute(
                    "SELECT min(value), max(value), CASE WHEN max(value) - min(value) + 1 = count(*) THEN NULL"
                    " ELSE array_agg(value) END FROM"
                    " (SELECT nextval(pg_get_serial_sequence(%s, %s)) AS value FROM generate_series(1, %s)) taken",
                    [table, meta.pk.column, count],
                )
                first, last, scattered = cursor.fetchone()
            return range(first, last + 1) if scattered is None else scattered

        return numbers

    def write(self, raw_connection, texts: Iterable[str]) -> None:
        """Run the COPY with ``texts`` (each whole lines) on the driver's connection: callable from another
        thread while the caller's thread reads on (Django's connection wrapper must stay in its own thread).
        Each text is sent as soon as it is made, so the database works on it while the next one is made."""
        with raw_connection.cursor() as cursor, cursor.copy(self.statement) as copy:
            for text in texts:
                copy.write(text)
