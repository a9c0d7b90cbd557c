"""`pg-timestamptz`: make the taps' date-time columns `timestamptz` in Postgres.

target-postgres (meltanolabs) creates every JSON-schema ``date-time`` column as
``timestamp without time zone``. The taps emit UTC instants only, so converting with
``AT TIME ZONE 'UTC'`` is exact; afterwards the target keeps upserting into the
``timestamptz`` columns. Run it after a load (the Meltano jobs do:
``tap-x target-postgres pg-timestamptz:convert``). It is idempotent.

Connection: the same environment variables as the loader (TARGET_POSTGRES_HOST, _PORT,
_USER, _PASSWORD, _DATABASE), with the same defaults.
"""

from __future__ import annotations

import argparse
import os
import sys
import typing as t

TAP_SCHEMAS = ("lexer_activity", "livechat_reports", "dixa_analytics", "liveperson_agentactivity")

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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pg-timestamptz", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--schema", action="append", help="schema to convert (default: the four tap schemas)"
    )
    args = parser.parse_args(argv)
    try:
        changed = convert(args.schema or list(TAP_SCHEMAS))
    except Exception as exc:  # one clear line, never the password
        print(f"pg-timestamptz failed: {type(exc).__name__}: {str(exc).strip()}", file=sys.stderr)
        return 1
    print(f"pg-timestamptz: {len(changed)} column(s) converted to timestamptz")
    for name in changed:
        print(f"  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
