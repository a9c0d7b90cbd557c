"""`pg-timestamptz`: make the taps' date-time columns `timestamptz` in Postgres.

target-postgres (meltanolabs) creates every JSON-schema ``date-time`` column as
``timestamp without time zone``. The taps emit UTC instants only, so converting with
``AT TIME ZONE 'UTC'`` is exact; afterwards the target keeps upserting into the
``timestamptz`` columns. Run it after a load (the Meltano jobs do:
``tap-x target-postgres pg-timestamptz:convert``). It is idempotent.

With ``--purge-deleted`` it also deletes the rows that a tap marked deleted
(``_sdc_deleted_at`` set: a re-fetched period no longer lists them). target-postgres
keeps such rows as soft deletes; target-duckdb deletes them itself (``hard_delete``),
so both warehouses then hold the same rows.

Connection: the same environment variables as the loader (TARGET_POSTGRES_HOST, _PORT,
_USER, _PASSWORD, _DATABASE), with the same defaults.

Schemas: each ``--schema``; else the comma-separated ``PG_TIMESTAMPTZ_SCHEMAS``. The kit
knows no vendor: the project names its taps' schemas (meltano.yml's ``convert`` command).
"""

from __future__ import annotations

import argparse
import os
import sys
import typing as t

FIND = """
select c.table_schema, c.table_name, c.column_name
from information_schema.columns c
join information_schema.tables t using (table_schema, table_name)
where c.table_schema = any(%s) and t.table_type = 'BASE TABLE'
  and c.data_type = 'timestamp without time zone'
order by 1, 2, 3
"""


DEFAULTS = {
    "host": "localhost",
    "port": "5432",
    "user": "postgres",
    "password": "",
    "database": "warehouse",
}


def setting(name: str) -> str:
    """The utility's own Meltano setting, else the loader's variable, else the default."""
    for var in (f"PG_TIMESTAMPTZ_{name.upper()}", f"TARGET_POSTGRES_{name.upper()}"):
        if os.environ.get(var):
            return os.environ[var]
    return DEFAULTS[name]


def schemas(named: list[str] | None) -> list[str]:
    """The schemas to work on: those named with ``--schema``, else those of the
    ``PG_TIMESTAMPTZ_SCHEMAS`` variable (comma-separated)."""
    if named:
        return named
    listed = os.environ.get("PG_TIMESTAMPTZ_SCHEMAS", "")
    return [name.strip() for name in listed.split(",") if name.strip()]


def connect() -> t.Any:
    import psycopg2

    return psycopg2.connect(
        host=setting("host"),
        port=int(setting("port")),
        user=setting("user"),
        password=setting("password") or None,
        dbname=setting("database"),
        connect_timeout=10,
    )


def ensure_database() -> bool:
    """Create the warehouse database if it does not exist; True if it was created.

    Runs before target-postgres in the Postgres jobs: without it, a first run against a
    server without the database ends in some 300 lines from target-postgres."""
    import psycopg2
    from psycopg2 import sql

    name = setting("database")
    con = psycopg2.connect(
        host=setting("host"),
        port=int(setting("port")),
        user=setting("user"),
        password=setting("password") or None,
        dbname="postgres",
        connect_timeout=10,
    )
    con.autocommit = True
    try:
        with con.cursor() as cur:
            cur.execute("select 1 from pg_database where datname = %s", (name,))
            if cur.fetchone() is not None:
                return False
            cur.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
            return True
    finally:
        con.close()


def convert(schemas: list[str]) -> list[str]:
    """Convert every naive timestamp column of ``schemas``; returns what changed."""
    from psycopg2 import sql

    con = connect()
    changed = []
    try:
        with con:  # one transaction: all or nothing
            cur = con.cursor()
            cur.execute(FIND, (schemas,))
            for schema, table, column in cur.fetchall():
                cur.execute(
                    sql.SQL(
                        "alter table {t} alter column {c} type timestamptz using {c} at time zone 'UTC'"
                    ).format(t=sql.Identifier(schema, table), c=sql.Identifier(column))
                )
                changed.append(f"{schema}.{table}.{column}")
    finally:
        con.close()
    return changed


FIND_DELETED_AT = """
select c.table_schema, c.table_name
from information_schema.columns c
join information_schema.tables t using (table_schema, table_name)
where c.table_schema = any(%s) and t.table_type = 'BASE TABLE'
  and c.column_name = '_sdc_deleted_at'
order by 1, 2
"""


def purge_deleted(schemas: list[str]) -> dict[str, int]:
    """Delete the rows marked deleted in every table of ``schemas``; returns the counts."""
    from psycopg2 import sql

    con = connect()
    purged: dict[str, int] = {}
    try:
        with con:
            cur = con.cursor()
            cur.execute(FIND_DELETED_AT, (schemas,))
            for schema, table in cur.fetchall():
                cur.execute(
                    sql.SQL("delete from {t} where _sdc_deleted_at is not null").format(
                        t=sql.Identifier(schema, table)
                    )
                )
                if cur.rowcount:
                    purged[f"{schema}.{table}"] = cur.rowcount
    finally:
        con.close()
    return purged


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pg-timestamptz", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--schema",
        action="append",
        help="schema to convert, repeated for each (default: PG_TIMESTAMPTZ_SCHEMAS, "
        "comma-separated)",
    )
    parser.add_argument(
        "--purge-deleted",
        action="store_true",
        help="also delete rows a tap marked deleted (_sdc_deleted_at set)",
    )
    parser.add_argument(
        "--ensure-database",
        action="store_true",
        help="only create the database (TARGET_POSTGRES_DATABASE) if it does not exist",
    )
    args = parser.parse_args(argv)
    purged: dict[str, int] = {}
    if args.ensure_database:
        where = f"{setting('database')} on {setting('host')}:{setting('port')}"
        try:
            created = ensure_database()
        except Exception as exc:  # one clear line, never the password
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            print(
                f"pg-timestamptz: cannot create or find database {where} "
                f"(TARGET_POSTGRES_HOST/_PORT/_USER/_PASSWORD/_DATABASE): "
                f"{type(exc).__name__}: {first}",
                file=sys.stderr,
            )
            return 1
        print(f"pg-timestamptz: {'created database' if created else 'database exists:'} {where}")
        return 0
    names = schemas(args.schema)
    try:
        changed = convert(names)
        if args.purge_deleted:
            purged = purge_deleted(names)
    except Exception as exc:  # one clear line, never the password
        print(f"pg-timestamptz failed: {type(exc).__name__}: {str(exc).strip()}", file=sys.stderr)
        return 1
    if not names:  # after the connection, which is then checked all the same
        print(
            "pg-timestamptz failed: no schema named; give --schema (once per schema) or "
            "PG_TIMESTAMPTZ_SCHEMAS",
            file=sys.stderr,
        )
        return 1
    print(f"pg-timestamptz: {len(changed)} column(s) converted to timestamptz")
    for name in changed:
        print(f"  {name}")
    if args.purge_deleted:
        print(f"pg-timestamptz: {sum(purged.values())} row(s) marked deleted purged")
        for name, count in purged.items():
            print(f"  {name}: {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
