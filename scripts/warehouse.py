"""Read what landed in the warehouse: tables and row counts per schema."""

from __future__ import annotations

import os
import typing as t
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
            "where table_schema not in ('information_schema', 'main', 'cs_staging', 'cs_reporting') "
            "order by 1, 2"
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


#: cs_agent_daily columns the demo prints (a few, to fit a terminal).
AGENT_DAY_COLUMNS = (
    "platform",
    "agent_id",
    "agent_name",
    "conversations_handled",
    "avg_first_response_seconds",
    "logged_in_seconds",
    "available_seconds",
    "away_seconds",
    "ratings_good",
    "ratings_bad",
)

#: The day with the most platforms (of those, the busiest), then a few rows per platform.
AGENT_DAY_SQL = """
with days as (
  select date_day, count(distinct platform) as platforms,
    sum(coalesce(conversations_handled, 0)) as handled
  from cs_reporting.cs_agent_daily group by date_day
), day as (
  select date_day from days order by platforms desc, handled desc, date_day desc limit 1
), ranked as (
  select a.*, row_number() over (partition by a.platform order by a.agent_id) as n
  from cs_reporting.cs_agent_daily a join day d on a.date_day = d.date_day
)
select date_day, {columns} from ranked where n <= {per_platform} order by platform, agent_id
"""


def agent_day_rows(
    warehouse: str = "duckdb",
    per_platform: int = 3,
    path: Path | None = None,
    dsn: str | None = None,
) -> list[tuple[t.Any, ...]]:
    """(date_day, *AGENT_DAY_COLUMNS) rows of one day, at most `per_platform` per platform."""
    sql = AGENT_DAY_SQL.format(columns=", ".join(AGENT_DAY_COLUMNS), per_platform=per_platform)
    if warehouse == "duckdb":
        import duckdb

        con = duckdb.connect(str(path or DUCKDB_PATH), read_only=True)
        try:
            return [tuple(r) for r in con.execute(sql).fetchall()]
        finally:
            con.close()
    import psycopg2

    pg = psycopg2.connect(dsn or postgres_dsn())
    try:
        cur = pg.cursor()
        cur.execute(sql)
        return [tuple(r) for r in cur.fetchall()]
    finally:
        pg.close()


def _cell(value: t.Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def agent_day(warehouse: str = "duckdb") -> str:
    """`cs_reporting.cs_agent_daily` for one day, a few rows per platform, as a table."""
    rows = agent_day_rows(warehouse)
    if not rows:
        return "cs_reporting.cs_agent_daily is empty"
    short = {
        "conversations_handled": "handled",
        "avg_first_response_seconds": "first_resp_s",
        "logged_in_seconds": "logged_in_s",
        "available_seconds": "available_s",
        "away_seconds": "away_s",
        "ratings_good": "good",
        "ratings_bad": "bad",
    }
    header = [short.get(c, c) for c in AGENT_DAY_COLUMNS]
    cells = [[_cell(v)[:36] for v in row[1:]] for row in rows]
    widths = [max(len(h), *(len(r[i]) for r in cells)) for i, h in enumerate(header)]
    lines = [
        f"cs_reporting.cs_agent_daily for {rows[0][0]} (NULL shown as -: not measured by that vendor):",
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in cells]
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    print(summarize(sys.argv[1] if len(sys.argv) > 1 else "duckdb"))
