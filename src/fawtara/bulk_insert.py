"""Set-based inserts for bulk work: `COPY` on PostgreSQL, a DBAPI `executemany` on SQLite.

Hand-written because SQLAlchemy has no COPY, and its `executemany` of an insert goes through
"insertmanyvalues" on psycopg: each batch becomes one large multi-VALUES statement that psycopg
re-parses for its placeholders, which made a 100,000-invoice upload spend most of its time in
psycopg's query splitter (bench/README.md). The tables' column types and defaults still come from
the SQLAlchemy models, so the rows written are the rows the ORM would write.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, Table, text


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """`count` new primary keys for `table`, in increasing order, inside the caller's
    transaction. On SQLite the transaction holds the write lock (BEGIN IMMEDIATE), so the ids
    after the current largest are ours; on PostgreSQL they come from the table's sequence."""
    if count <= 0:
        return []
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"
            ),
            {"table": table.name, "n": count},
        )
        return sorted(row[0] for row in rows)
    last = connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table.name}")).scalar_one()
    return list(range(last + 1, last + 1 + count))


def _processors(connection: Connection, table: Table, names: Sequence[str]) -> list[Any]:
    dialect = connection.dialect
    return [table.c[name].type._cached_bind_processor(dialect) for name in names]


def _defaults(table: Table, given: set[str]) -> dict[str, Any]:
    """Scalar and callable Python-side defaults of the columns not given (server defaults and
    autoincrementing ids are left to the database)."""
    values: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in given or default is None or not hasattr(default, "arg"):
            continue
        arg = default.arg
        values[column.name] = arg(None) if callable(arg) else arg
    return values


def insert_rows(
    connection: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    constants: Mapping[str, Any],
) -> None:
    """Insert `rows` (values for `columns`, in order); `constants` and the columns' Python
    defaults fill every row's other columns. Values are converted by the columns' types."""
    fixed = {**_defaults(table, {*columns, *constants}), **constants}
    fixed_names = list(fixed)
    fixed_values = tuple(
        p(v) if p else v
        for p, v in zip(_processors(connection, table, fixed_names), fixed.values(), strict=True)
    )
    per_row = [(i, p) for i, p in enumerate(_processors(connection, table, columns)) if p]
    names = [*columns, *fixed_names]

    def converted(row: Sequence[Any]) -> tuple[Any, ...]:
        if per_row:
            row = list(row)
            for i, process in per_row:
                row[i] = process(row[i])
        return (*row, *fixed_values)

    writer = _copy if connection.dialect.name == "postgresql" else _executemany
    writer(connection, table.name, names, map(converted, rows))


def _copy(
    connection: Connection, name: str, names: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {name} ({', '.join(names)}) FROM STDIN") as copy:
            write: Callable[[tuple[Any, ...]], None] = copy.write_row
            for row in rows:
                write(row)
    finally:
        cursor.close()


def _executemany(
    connection: Connection, name: str, names: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> None:
    marks = ", ".join("?" * len(names))
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.executemany(f"INSERT INTO {name} ({', '.join(names)}) VALUES ({marks})", rows)
    finally:
        cursor.close()
