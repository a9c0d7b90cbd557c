"""target-duckdb 0.8, run in-process with two changes for the embedded warehouse.

1. **Overlapping jobs wait.** DuckDB admits one process per database file; target-duckdb
   opens the file when it starts and holds it until it exits, so a second job into the
   same file used to fail at once with ``Could not set lock on file``. Here the loader
   retries the open every ``lock_poll_seconds`` (default 2) for up to
   ``lock_timeout_seconds`` (default 3600), logging once that it waits and for whom; the
   tap's output waits in the pipe meanwhile. After the timeout it exits 1 with one line
   naming the file and the setting.

2. **Postgres's types.** target-duckdb maps a JSON-schema integer without ``maximum`` to
   HUGEINT, a ``date-time`` to TIMESTAMP (no time zone) and a ``date`` to VARCHAR. Here
   they become BIGINT, TIMESTAMP WITH TIME ZONE and DATE, the types target-postgres and
   pg-timestamptz give. The session's TimeZone is UTC, so a value without an offset is read
   as UTC. A table an earlier (unchanged) target-duckdb created is converted in place the
   first time the stream arrives (values cast, the primary key kept), and the target's own
   column check then finds the types it expects: no column is "versioned".
"""

from __future__ import annotations

import sys
import time
import typing as t

import duckdb
import target_duckdb
from target_duckdb import db_sync

LOGGER = target_duckdb.LOGGER

#: Our type for a JSON-schema property where it differs from target-duckdb 0.8's.
BIGINT = "bigint"
TIMESTAMPTZ = "timestamp with time zone"
DATE = "date"

_original_column_type = db_sync.column_type
_original_update_columns = db_sync.DbSync.update_columns
_original_connect = target_duckdb.duckdb_connect


def _types(schema_property: t.Mapping[str, t.Any]) -> set[str]:
    kind = schema_property.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def column_type(schema_property: t.Mapping[str, t.Any]) -> str:
    """target-duckdb's column type, with BIGINT, TIMESTAMPTZ and DATE where it would give
    HUGEINT, TIMESTAMP and VARCHAR."""
    original = str(_original_column_type(schema_property))
    types = _types(schema_property) - {"null"}
    fmt = schema_property.get("format")
    if original == "timestamp":
        return TIMESTAMPTZ
    if original == "varchar" and fmt == "date" and types == {"string"}:
        return DATE
    if original == "hugeint":
        return BIGINT
    return original


def _table_columns(sync: t.Any, table: str) -> list[tuple[str, str]]:
    rows = sync.conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where lower(table_schema) = ? and lower(table_name) = ? order by ordinal_position",
        [sync.schema_name.lower(), table.lower()],
    ).fetchall()
    return [(str(name), str(kind)) for name, kind in rows]


def _primary_key(sync: t.Any, table: str) -> list[str]:
    rows = sync.conn.execute(
        "select constraint_column_names from duckdb_constraints() where lower(schema_name) = ? "
        "and lower(table_name) = ? and constraint_type = 'PRIMARY KEY'",
        [sync.schema_name.lower(), table.lower()],
    ).fetchall()
    return [str(c) for c in rows[0][0]] if rows else []


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def retype_table(sync: t.Any) -> list[str]:
    """Convert the columns an unchanged target-duckdb typed HUGEINT, TIMESTAMP or VARCHAR
    to this loader's type for the same property. Returns the converted columns."""
    stream = sync.stream_schema_message["stream"]
    table = sync.table_name(stream, without_schema=True).strip('"')
    existing = _table_columns(sync, table)
    #: column -> (our type, the type an unchanged target-duckdb gives)
    wanted: dict[str, tuple[str, str]] = {}
    for name, prop in sync.flatten_schema.items():
        ours, theirs = column_type(prop), str(_original_column_type(prop))
        if ours != theirs:
            wanted[name.lower()] = (ours, theirs)
    changes = {
        col: wanted[col.lower()][0]
        for col, kind in existing
        if col.lower() in wanted and kind.lower() == wanted[col.lower()][1]
    }
    if not changes:
        return []
    key = _primary_key(sync, table)
    full = f"{_quote(sync.schema_name)}.{_quote(table)}"
    conn = sync.conn
    LOGGER.info("Retyping %s: %s", full, ", ".join(f"{c} -> {k}" for c, k in changes.items()))
    if not set(changes) & set(key):
        for col, kind in changes.items():
            conn.execute(f"ALTER TABLE {full} ALTER COLUMN {_quote(col)} TYPE {kind}")
        return list(changes)
    # DuckDB cannot change the type of a key column in place: copy into a new table.
    scratch = f"{table}__retype"
    columns = [f"{_quote(col)} {changes.get(col, kind)}" for col, kind in existing]
    if key:
        columns.append("PRIMARY KEY (" + ", ".join(_quote(c) for c in key) + ")")
    select = ", ".join(
        f"CAST({_quote(col)} AS {changes[col]})" if col in changes else _quote(col)
        for col, _ in existing
    )
    conn.execute("BEGIN TRANSACTION")
    try:
        conn.execute(
            f"CREATE TABLE {_quote(sync.schema_name)}.{_quote(scratch)} ({', '.join(columns)})"
        )
        conn.execute(
            f"INSERT INTO {_quote(sync.schema_name)}.{_quote(scratch)} SELECT {select} FROM {full}"  # noqa: S608 (quoted identifiers)
        )
        conn.execute(f"DROP TABLE {full}")
        conn.execute(
            f"ALTER TABLE {_quote(sync.schema_name)}.{_quote(scratch)} RENAME TO {_quote(table)}"
        )
        conn.execute("COMMIT")
    except Exception:
        conn.execute("ROLLBACK")
        raise
    return list(changes)


def update_columns(self: t.Any) -> None:
    retype_table(self)
    _original_update_columns(self)


def _lock_error(exc: BaseException) -> bool:
    return "lock" in str(exc).lower()


def connect(config: dict[str, t.Any]) -> t.Any:
    """Open the file, waiting while another process holds it."""
    timeout = float(config.get("lock_timeout_seconds") or 3600)
    poll = float(config.get("lock_poll_seconds") or 2)
    path = config.get("path", config.get("filepath"))
    deadline = time.monotonic() + timeout
    waited = False
    while True:
        try:
            conn = _original_connect(config)
            break
        except duckdb.IOException as exc:
            if not _lock_error(exc):
                raise
            if time.monotonic() >= deadline:
                sys.stderr.write(
                    f"target-duckdb: {path} is still locked by another process after "
                    f"{timeout:g} s (lock_timeout_seconds): {str(exc).splitlines()[0]}\n"
                )
                raise SystemExit(1) from None
            if not waited:
                LOGGER.info(
                    "%s is locked by another process; waiting up to %g s "
                    "(lock_timeout_seconds): %s",
                    path,
                    timeout,
                    str(exc).splitlines()[0],
                )
                waited = True
            time.sleep(poll)
    if waited:
        LOGGER.info("%s: lock acquired", path)
    conn.execute("SET TimeZone = 'UTC'")
    return conn


def install() -> None:
    """Patch target-duckdb in this process."""
    db_sync.column_type = column_type
    db_sync.DbSync.update_columns = update_columns
    target_duckdb.duckdb_connect = connect


def main() -> None:
    install()
    target_duckdb.main()


if __name__ == "__main__":
    main()
