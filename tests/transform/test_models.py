"""The dbt models (transform/) on a loaded warehouse, DuckDB and Postgres: `dbt build` ran
every model and test without a failure, and the marts agree with the raw tables and with
the simulators' ground truth for every agent-day loaded."""

from __future__ import annotations

import datetime as dt
import typing as t
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest

from sandbox import livechat_data, liveperson_data
from scripts.warehouse import AGENT_DAY_COLUMNS, agent_day_rows
from tests.e2e import harness as h
from tests.transform.conftest import Warehouse

# One xdist worker runs them all (tests/conftest.py SHARED_SESSION_FIXTURES): the loaded
# warehouses are session fixtures, built once per worker that asks for them.
pytestmark = pytest.mark.e2e

PLATFORMS = {"livechat", "lexer", "dixa", "liveperson"}
AGENT_DAY = "select * from cs_reporting.cs_agent_daily"
TEAM_DAY = "select * from cs_reporting.cs_team_daily"


def day(value: t.Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def num(value: t.Any) -> float | None:
    """A number as float (Postgres returns numeric columns as Decimal)."""
    return None if value is None else float(value)


def agent_days(wh: Warehouse, platform: str) -> dict[tuple[dt.date, str], dict[str, t.Any]]:
    rows = wh.dicts(f"{AGENT_DAY} where platform = '{platform}'")
    return {(day(r["date_day"]), r["agent_id"]): r for r in rows}


def team_days(wh: Warehouse, platform: str) -> dict[dt.date, dict[str, t.Any]]:
    return {day(r["date_day"]): r for r in wh.dicts(f"{TEAM_DAY} where platform = '{platform}'")}


# -- the build ------------------------------------------------------------------------------


def test_dbt_build_runs_every_model_and_test_without_failure(warehouse: Warehouse) -> None:
    for passed, warned, errors, skipped in warehouse.builds:
        assert (warned, errors, skipped) == (0, 0, 0)
        # 16 models and about 90 tests: a build that found nothing to do is a failure too.
        assert passed >= 100
    platforms = {
        r[0] for r in warehouse.rows("select distinct platform from cs_reporting.cs_agent_daily")
    }
    assert platforms == PLATFORMS
    assert {
        r[0] for r in warehouse.rows("select distinct platform from cs_reporting.cs_team_daily")
    } == PLATFORMS


def test_build_after_loading_only_livechat(duckdb_warehouse: Warehouse) -> None:
    """A clean clone's first `meltano run tap-livechat-reports target-duckdb
    dbt-duckdb:build`: the other vendors' raw tables do not exist, their models are empty."""
    assert duckdb_warehouse.livechat_only_platforms == {"livechat"}


def test_grain_is_one_row_per_agent_day_and_team_day(warehouse: Warehouse) -> None:
    agent_keys = warehouse.rows(
        "select date_day, platform, agent_id from cs_reporting.cs_agent_daily"
    )
    assert len(agent_keys) == len(set(agent_keys)) > 20
    team_keys = warehouse.rows("select date_day, platform from cs_reporting.cs_team_daily")
    assert len(team_keys) == len(set(team_keys))


# -- marts against the raw tables -------------------------------------------------------------


def test_livechat_agent_days_equal_agents_performance(warehouse: Warehouse) -> None:
    raw = warehouse.dicts(
        "select * from livechat_reports.agents_performance where agent <> '(none)'"
    )
    mart = agent_days(warehouse, "livechat")
    assert len(raw) >= 10 and len(mart) == len(raw)
    for r in raw:
        m = mart[(day(r["window_date"]), r["agent"])]
        assert m["conversations_handled"] == r["chats_count"]
        assert m["ratings_good"] == r["chats_rated_good"]
        assert m["ratings_bad"] == r["chats_rated_bad"]
        assert m["logged_in_seconds"] == r["logged_in_time"]
        assert m["available_seconds"] == r["accepting_chats_time"]
        assert m["away_seconds"] == r["not_accepting_chats_time"]
        assert m["chatting_seconds"] == r["chatting_time"]
        assert m["first_responses"] == r["first_response_chats_count"]
        assert m["avg_first_response_seconds"] == pytest.approx(num(r["first_response_time"]))
        assert m["timezone"] == r["timezone"]
        # LiveChat measures no per-agent response count or closed conversations: NULL, not 0.
        assert m["responses_sent"] is None and m["conversations_closed"] is None


def test_liveperson_logged_in_equals_the_sum_of_its_slots(warehouse: Warehouse) -> None:
    """Days in the dbt var `timezone` (default UTC): the sum of each agent's slot totals."""
    raw = warehouse.dicts(
        "select agent_id, interval_start, state_id, away_reason_id, total, chatting "
        "from liveperson_agentactivity.agent_activity"
    )
    want: dict[tuple[dt.date, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in raw:
        start = r["interval_start"]
        key = (start.astimezone(dt.UTC).date() if start.tzinfo else start.date(), r["agent_id"])
        if r["away_reason_id"] != "none":
            continue
        if r["state_id"] == -1:
            want[key]["logged_in_seconds"] += r["total"]
            want[key]["chatting_seconds"] += r["chatting"]
        elif r["state_id"] == 2:
            want[key]["available_seconds"] += r["total"]
        else:
            want[key]["away_seconds"] += r["total"]
    mart = agent_days(warehouse, "liveperson")
    assert len(want) >= 4 and set(mart) == set(want)
    for key, sums in want.items():
        for column, seconds in sums.items():
            assert mart[key][column] == seconds, (key, column)
        assert mart[key]["timezone"] == "UTC"
        assert mart[key]["conversations_handled"] is None
        assert mart[key]["ratings_good"] is None


def test_lexer_agent_days_equal_user_summary(warehouse: Warehouse) -> None:
    raw = warehouse.dicts("select * from lexer_activity.user_summary")
    mart = agent_days(warehouse, "lexer")
    assert len(raw) >= 10
    for r in raw:
        m = mart[(day(r["window_date"]), r["user_id"])]
        assert m["conversations_handled"] == r["mentions_assigned"]
        assert m["responses_sent"] == r["responded_to"]
        assert m["avg_response_seconds"] == pytest.approx(num(r["avg_response_time"]))
        assert m["agent_name"] == f"{r['first_name']} {r['last_name']}"
        # Lexer measures no time in states and no ratings: NULL, never 0.
        assert m["logged_in_seconds"] is None and m["ratings_good"] is None


def rating(record: dict[str, t.Any]) -> int:
    """A Dixa rating record's rating: `value` in the docs' example, `rating` where the
    catalogue names the field."""
    value = record.get("rating")
    return int(record["value"] if value is None else value)


def test_dixa_agent_days_count_the_records(warehouse: Warehouse) -> None:
    closed: dict[tuple[dt.date, str], int] = defaultdict(int)
    for r in warehouse.dicts(
        "select window_date, agent_id from dixa_analytics.closed_conversations where agent_id is not null"
    ):
        closed[(day(r["window_date"]), r["agent_id"])] += 1
    good: dict[tuple[dt.date, str], int] = defaultdict(int)
    bad: dict[tuple[dt.date, str], int] = defaultdict(int)
    for r in warehouse.dicts("select * from dixa_analytics.ratings where agent_id is not null"):
        key = (day(r["window_date"]), r["agent_id"])
        (good if rating(r) >= 4 else bad)[key] += 1
    mart = agent_days(warehouse, "dixa")
    assert len(closed) >= 5
    for key, count in closed.items():
        assert mart[key]["conversations_handled"] == count
        assert mart[key]["conversations_closed"] == count
        assert mart[key]["agent_name"]
    for key, row in mart.items():
        assert (row["ratings_good"], row["ratings_bad"]) == (good[key], bad[key])
        assert row["logged_in_seconds"] is None


def test_team_days_equal_the_team_reports(warehouse: Warehouse) -> None:
    chats = {
        day(r["window_date"]): r["total"]
        for r in warehouse.dicts(
            "select window_date, total from livechat_reports.chats_total_chats where distribution = 'day'"
        )
    }
    livechat = team_days(warehouse, "livechat")
    assert chats and {d: livechat[d]["conversations"] for d in chats} == chats
    nps = warehouse.dicts(
        "select window_date, sum(total_promoters) p, sum(total_detractors) d, sum(total_received) n "
        "from lexer_activity.nps_summary where nps_category = 'all' group by window_date"
    )
    lexer = team_days(warehouse, "lexer")
    assert nps
    for r in nps:
        want = 100.0 * float(r["p"] - r["d"]) / float(r["n"]) if r["n"] else None
        assert lexer[day(r["window_date"])]["nps_score"] == pytest.approx(want)
    dixa = team_days(warehouse, "dixa")
    rated: dict[dt.date, list[int]] = defaultdict(list)
    for r in warehouse.dicts("select * from dixa_analytics.ratings"):
        rated[day(r["window_date"])].append(rating(r))
    assert rated
    for date, values in rated.items():
        satisfied = sum(1 for v in values if v >= 4)  # Dixa's CSAT: ratings of 4 or 5
        assert dixa[date]["csat_pct"] == pytest.approx(100.0 * satisfied / len(values))
    liveperson = team_days(warehouse, "liveperson")
    for (date, _agent), row in agent_days(warehouse, "liveperson").items():
        assert liveperson[date]["conversations"] is None
        assert liveperson[date]["agents_active"] >= 1
        assert row["logged_in_seconds"] <= liveperson[date]["logged_in_seconds"]


# -- marts against the simulators' ground truth -------------------------------------------------


def test_livechat_agent_days_equal_the_simulator_truth(warehouse: Warehouse) -> None:
    seed = warehouse.apps["tap-livechat-reports"].seed
    mart = agent_days(warehouse, "livechat")
    assert len(mart) >= 10
    checked = 0
    for (date, agent), row in mart.items():
        tz = ZoneInfo(row["timezone"])
        start = dt.datetime(date.year, date.month, date.day, tzinfo=tz)
        end = dt.datetime.combine(date + dt.timedelta(days=1), dt.time(), tzinfo=tz)
        truth = livechat_data.performance(seed, start.timestamp(), end.timestamp())["records"]
        want = truth.get(agent, {})
        assert row["conversations_handled"] == want.get("chats_count", 0), (date, agent)
        assert row["logged_in_seconds"] == want.get("logged_in_time", 0), (date, agent)
        assert row["available_seconds"] == want.get("accepting_chats_time", 0), (date, agent)
        assert row["ratings_good"] == want.get("chats_rated_good", 0), (date, agent)
        assert row["ratings_bad"] == want.get("chats_rated_bad", 0), (date, agent)
        checked += 1
    assert checked >= 10


def test_liveperson_agent_days_equal_the_simulator_truth(warehouse: Warehouse) -> None:
    """Every 5-minute slot of the loaded span (nobody logged in = no rows, still counted),
    summed to UTC days, equals the simulator's own seconds per slot."""
    seed = warehouse.apps["tap-agentactivity"].seed
    first, last = warehouse.rows(
        "select min(interval_start), max(interval_end) from liveperson_agentactivity.agent_activity"
    )[0]
    first, last = (x if x.tzinfo else x.replace(tzinfo=dt.UTC) for x in (first, last))
    want: dict[tuple[dt.date, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    slot = first
    while slot < last:
        end = slot + dt.timedelta(minutes=5)
        for (agent, state, reason), value in liveperson_data.slot_truth(seed, slot, end).items():
            if reason != "none":
                continue
            sums = want[(slot.date(), agent)]
            if state == -1:
                sums["logged_in_seconds"] += value["total"]
                sums["chatting_seconds"] += value["chatting"]
            elif state == 2:
                sums["available_seconds"] += value["total"]
            else:
                sums["away_seconds"] += value["total"]
        slot = end
    mart = agent_days(warehouse, "liveperson")
    assert len(want) >= 4 and set(mart) == set(want)
    for key, sums in want.items():
        for column in (
            "logged_in_seconds",
            "available_seconds",
            "away_seconds",
            "chatting_seconds",
        ):
            assert mart[key][column] == sums.get(column, 0), (key, column)


def test_the_demo_prints_one_day_with_a_few_rows_per_platform(warehouse: Warehouse) -> None:
    """What `make demo` prints after the table counts (scripts/warehouse.py)."""
    if warehouse.kind == "duckdb":
        rows = agent_day_rows("duckdb", path=warehouse.duckdb_path)
    else:
        pg = h.PG
        dsn = f"host={pg['host']} port={pg['port']} user={pg['user']} dbname={warehouse.database}"
        rows = agent_day_rows("postgres", dsn=dsn)
    assert len({r[0] for r in rows}) == 1
    platform = 1 + AGENT_DAY_COLUMNS.index("platform")  # after date_day
    per_platform: dict[str, int] = defaultdict(int)
    for row in rows:
        per_platform[row[platform]] += 1
    assert set(per_platform) == PLATFORMS
    assert all(1 <= n <= 3 for n in per_platform.values())
