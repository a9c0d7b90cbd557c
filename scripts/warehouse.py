"""Read what landed in the warehouse: tables and row counts per schema."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DUCKDB_PATH = ROOT / "output" / "warehouse.duckdb"
TAP_SCHEMAS = ("lexer_activity", "livechat_reports", "dixa_analytics", "liveperson_agentactivity")


def duckdb_counts(path: Path = DUCKDB_PATH) -> dict[tuple[str, str], int]:
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema not in ('information_schema', 'main') order by 1, 2"
        ).fetchall()
        counts = {}
        for schema, table in tables:
            # Names come from information_schema, quoted.
            row = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()  # noqa: S608
            counts[(schema, table)] = int(row[0]) if row else 0
        return counts
    finally:
        con.close()


def postgres_dsn() -> str:
    host = os.environ.get("TARGET_POSTGRES_HOST", "localhost")
    port = os.environ.get("TARGET_POSTGRES_PORT", "5432")
    user = os.environ.get("TARGET_POSTGRES_USER", "postgres")
    db = os.environ.get("TARGET_POSTGRES_DATABASE", "warehouse")
    password = os.environ.get("TARGET_POSTGRES_PASSWORD", "")
    return f"host={host} port={port} user={user} dbname={db} password={password}"


def postgres_counts() -> dict[tuple[str, str], int]:
    import psycopg2

    con = psycopg2.connect(postgres_dsn())
    try:
        cur = con.cursor()
        cur.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema = any(%s) order by 1, 2",
            (list(TAP_SCHEMAS),),
        )
        out = {}
        for schema, table in cur.fetchall():
            cur.execute(f'select count(*) from "{schema}"."{table}"')  # noqa: S608 - names from information_schema
            out[(schema, table)] = cur.fetchone()[0]
        return out
    finally:
        con.close()


def summarize(warehouse: str = "duckdb") -> str:
    counts = duckdb_counts() if warehouse == "duckdb" else postgres_counts()
    where = (
        str(DUCKDB_PATH.relative_to(ROOT))
        if warehouse == "duckdb"
        else postgres_dsn().split(" password")[0]
    )
    lines = [f"What landed in {warehouse} ({where}):", f"{'schema':<26} {'table':<40} {'rows':>8}"]
    for (schema, table), rows in counts.items():
        lines.append(f"{schema:<26} {table:<40} {rows:>8}")
    lines.append(f"{len(counts)} tables, {sum(counts.values())} rows")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(summarize(sys.argv[1] if len(sys.argv) > 1 else "duckdb"))
