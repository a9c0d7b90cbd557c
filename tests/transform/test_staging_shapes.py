"""The staging layer reads the raw tables it is given, not the ones it expects: rows a
re-fetch no longer lists are left out, a column the loader did not create is NULL, a renamed
identity column (Dixa `csid` / `conversation_id`) is picked up. Hand-made raw tables in a
small DuckDB file (two of the fourteen raw tables), then `meltano invoke dbt-duckdb build`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e import harness as h

pytestmark = pytest.mark.e2e

RAW = """
create schema livechat_reports;
create table livechat_reports.agents_performance (
  window_start timestamp, window_end timestamp, window_date varchar, timezone varchar,
  agent varchar, chats_count bigint, chats_rated_good bigint, chats_rated_bad bigint,
  logged_in_time bigint, accepting_chats_time bigint, not_accepting_chats_time bigint,
  _sdc_deleted_at varchar
);
insert into livechat_reports.agents_performance values
  ('2026-03-28 23:00:00', '2026-03-29 22:00:00', '2026-03-29', 'Europe/Warsaw',
   'anna@acme.example', 7, 2, 1, 3600, 3000, 600, null),
  ('2026-03-28 23:00:00', '2026-03-29 22:00:00', '2026-03-29', 'Europe/Warsaw',
   'gone@acme.example', 3, 0, 0, 60, 60, 0, '2026-03-30T01:00:00+00:00'),
  ('2026-03-28 23:00:00', '2026-03-29 22:00:00', '2026-03-29', 'Europe/Warsaw',
   '(none)', null, null, null, null, null, null, null);
create schema dixa_analytics;
create table dixa_analytics.closed_conversations (
  record_key varchar, window_date varchar, timezone varchar, primary_timestamp timestamp,
  primary_timestamp_field varchar, csid bigint,
  created_at timestamp, agent_id varchar, agent_id_label varchar, closed_by varchar
);
insert into dixa_analytics.closed_conversations values
  ('csid=184472;closed_at=2026-03-29T10:00:00Z', '2026-03-29', 'UTC', '2026-03-29 10:00:00',
   'closed_at', 184472, '2026-03-29 09:00:00', 'a-1', 'Ada', 'Agent'),
  ('csid=184473;closed_at=2026-03-29T11:00:00Z', '2026-03-29', 'UTC', '2026-03-29 11:00:00',
   'closed_at', 184473, '2026-03-29 09:30:00', null, null, 'Enduser');
create table dixa_analytics.ratings (
  record_key varchar, window_date varchar, timezone varchar, primary_timestamp timestamp,
  conversation_id bigint, agent_id varchar, agent_id_label varchar, value bigint
);
insert into dixa_analytics.ratings values
  ('conversation_id=184470;created_at=2026-03-29T12:00:00Z', '2026-03-29', 'UTC',
   '2026-03-29 12:00:00', 184470, 'a-2', 'Grace', 5),
  ('conversation_id=184480;created_at=2026-03-30T12:00:00Z', '2026-03-30', 'UTC',
   '2026-03-30 12:00:00', 184480, 'a-1', 'Ada', 2);
-- The 30th in the shape of the docs' record example: a close that names no agent.
insert into dixa_analytics.closed_conversations values
  ('csid=184481;created_at=2026-03-30T08:00:00Z', '2026-03-30', 'UTC', '2026-03-30 08:00:00',
   'created_at', 184481, '2026-03-30 08:00:00', null, null, null);
"""


def test_staging_reads_the_columns_and_rows_it_is_given(tmp_path: Path) -> None:
    import duckdb

    h.ensure_installed("dbt-duckdb")
    path = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    con.execute(RAW)
    con.close()
    env = h.isolated_env(tmp_path, {"TARGET_DUCKDB_FILEPATH": str(path)})
    h.meltano("invoke", "dbt-duckdb", "build", env=env)
    con = duckdb.connect(str(path), read_only=True)
    try:
        livechat = con.execute(
            "select agent_id, date_day::varchar, day_start_utc::varchar, chats_count, "
            "chatting_seconds, first_response_time_seconds "
            "from cs_staging.stg_livechat__agents_performance"
        ).fetchall()
        dixa = con.execute(
            "select conversation_id, agent_id, closed_at_utc::varchar "
            "from cs_staging.stg_dixa__closed_conversations order by 1"
        ).fetchall()
        marts = con.execute(
            "select platform, agent_id, conversations_handled, logged_in_seconds, "
            "chatting_seconds, ratings_good from cs_reporting.cs_agent_daily "
            "where date_day = '2026-03-29' order by 1, 2"
        ).fetchall()
        ada_30th = con.execute(
            "select conversations_handled, conversations_closed, ratings_good, ratings_bad "
            "from cs_reporting.cs_agent_daily "
            "where date_day = '2026-03-30' and platform = 'dixa' and agent_id = 'a-1'"
        ).fetchall()
        teams = con.execute(
            "select platform, conversations, agents_active, logged_in_seconds "
            "from cs_reporting.cs_team_daily where date_day = '2026-03-29' order by 1"
        ).fetchall()
    finally:
        con.close()
    # The deleted row and the "(none)" placeholder are left out; columns the loader never
    # created (chatting_time, first_response_time) are NULL, not 0.
    assert livechat == [("anna@acme.example", "2026-03-29", "2026-03-28 23:00:00", 7, None, None)]
    # `csid` (the docs' records sample) is the conversation id when `conversation_id` is absent.
    assert dixa == [
        ("184472", "a-1", "2026-03-29 10:00:00"),
        ("184473", None, "2026-03-29 11:00:00"),
        ("184481", None, None),  # the docs' example shape: no close instant in the record
    ]
    # Tables never loaded (Lexer, LivePerson) read as empty; Dixa counts only agents' rows:
    # closes were measured per agent that day (a record names an agent), so Grace, rated
    # but closing nothing, has 0; Ada's ratings are 0 of a measured kind.
    assert marts == [
        ("dixa", "a-1", 1, None, None, 0),
        ("dixa", "a-2", 0, None, None, 1),
        ("livechat", "anna@acme.example", 7, 3600, None, 2),
    ]
    # A team day for every agent day; LiveChat's team reports were not loaded: NULL.
    assert teams == [("dixa", 2, 2, None), ("livechat", None, 1, 3600)]
    # On the 30th no close names an agent: closes were not measured per agent (NULL), the
    # rating was (Ada: 0 good, 1 bad).
    assert ada_30th == [(None, None, 0, 1)]
