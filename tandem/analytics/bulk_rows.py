"""Inserting many rows fast, for imports: one ``executemany`` of plain tuples instead of ``bulk_create``.

Building a model instance and compiling every value through Django costs more per row than the rest of an
import; here the caller gives the values already in database form (``db_time``, ``db_json``) and every other
column gets its field's default once per call. Used only where an import writes tens of thousands of rows of
a model it fully knows; everything else goes through the ORM.
"""

from __future__ import annotations

from collections.abc import Sequence

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
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(field.column) for field in (*given, *rest))
        marks = ", ".join(["%s"] * (len(given) + len(rest)))
        # Names from the model's own metadata, quoted; values always go as parameters.
        self.sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608

    def insert(self, rows: list[tuple]) -> None:
        if not rows:
            return
        constants = self.constants
        with self.connection.cursor() as cursor:
            cursor.executemany(self.sql, [row + constants for row in rows])

    def db_time(self, value):
        """An aware datetime as the database takes it (SQLite: UTC text; PostgreSQL: as it is)."""
        return self.connection.ops.adapt_datetimefield_value(value)

    def db_json(self, value):
        return self.connection.ops.adapt_json_value(value, None)


def set_column(model: type[Model], field: str, values: list[tuple]) -> None:
    """``UPDATE … SET field = value WHERE pk = pk`` for many (value, pk) pairs, without ``bulk_update``'s
    CASE expression (which costs more to build than the rows cost to write)."""
    if not values:
        return
    connection = connections[router.db_for_write(model)]
    quote = connection.ops.quote_name
    meta = model._meta
    column = quote(meta.get_field(field).column)
    sql = f"UPDATE {quote(meta.db_table)} SET {column} = %s WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)
