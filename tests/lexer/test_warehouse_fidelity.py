"""Warehouse fidelity: every Lexer stream, under every reading the simulator offers for
an ambiguity that touches it, lands in the warehouse equal to the simulator's truth.

Each case runs the tap twice against ``sandbox.lexer`` with lookback: run 1 at revision
0 with the clock at NOW1; then the clock moves one day and the simulator takes revision
step 1 on that day (its volatile days change: states move on, ``awaiting_approval`` and
the classification "bot" vanish, agent 106 leaves, classification 143 is renamed
"customer care", cases reopen, surveys are answered late); run 2 starts from run 1's
final STATE. Both runs are loaded into a ``Warehouse`` (upsert by key, tombstones
delete) and every row is compared, column by column, with the truth of the last
revision, computed from the simulator's own events for each local day (the simulator's
identity: one row per day and dimension it answers), never from the tap's code.

Run with ``-s`` to see the figures per case.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import typing as t
from collections import Counter

import pytest
import requests

from sandbox import lexer_data as data
from sandbox.core import serve
from sandbox.lexer import DEFAULT_TOKEN, LexerApp
from sandbox.lexer_exports import export_rows
from tap_lexer_activity.tap import TapLexerActivity
from tapkit import TapError
from tapkit.reports import DateWindowStream, utc_iso
from tapkit.testing import SyncResult, Warehouse, run_sync
from tapkit.windows import add_days, get_zone, local_midnight

NOW1 = dt.datetime(2026, 4, 10, 5, 0, tzinfo=dt.UTC)  # 15:00 in Sydney
NOW2 = NOW1 + dt.timedelta(days=1)
AGGREGATES = [
    "summary",
    "user_volume",
    "classifications",
    "user_summary",
    "case_summary",
    "case_classifications",
    "nps_summary",
]
SERIES = ["states_volume", "response_volume", "case_volume", "nps_volume"]
EXPORTS = ["mention_sla_export", "case_details", "nps_submissions"]
LISTS = ["users", "groups", "forms"]
ALL = LISTS + AGGREGATES + SERIES + EXPORTS
#: Streams the daily-grain ambiguities touch.
HOURLY = ["states_volume", "response_volume", "case_volume", "nps_volume"]
#: Streams a DST-change day case runs: aggregates (asked per local day) and every series.
#: states_volume and nps_volume counts are sums of buckets tiling the local day;
#: response_volume (an average) and case_volume (distinct open cases) cannot be summed:
#: on a 23-hour day one clipped daily bucket is exactly the day, but a 25-hour day keeps
#: the API's 24-hour bucket from its local midnight, as docs/tap-lexer-activity.md
#: documents: their truth for that one day is that bucket.
DST_STREAMS = ["summary", "user_volume", *SERIES]
NOT_ADDITIVE = ("response_volume", "case_volume")
NPS_FORMS = data.NPS_FORM_IDS


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    knobs: dict[str, str]
    streams: list[str]
    timezone: str = "Australia/Sydney"
    start_date: str = "2026-04-06"
    export: dict[str, str] = dataclasses.field(default_factory=dict)
    #: the clock of run 1 (run 2 runs one day later)
    now: dt.datetime = NOW1


CASES = [
    Case("defaults", {}, ALL),
    Case("zeros=include", {"zeros": "include"}, AGGREGATES + SERIES),
    Case("nps_label=start", {"nps_label": "start"}, ["nps_volume"]),
    Case("hourly_rule=calendar", {"hourly_rule": "calendar"}, HOURLY),
    Case("hourly_scope=all_series", {"hourly_scope": "all_series"}, HOURLY),
    Case("end_bound=exclusive", {"end_bound": "exclusive"}, ALL),
    # UTC days read from offset-less labels: the same days as the request's when the
    # timezone is UTC (another zone stops the run: test_utc_buckets_in_another_zone_stop).
    Case("bucket_offset=utc", {"bucket_offset": "utc"}, SERIES, timezone="UTC"),
    Case("user_volume_shape=per_agent", {"user_volume_shape": "per_agent"}, ["user_volume"]),
    Case(
        "private_fraction_of=responded_to",
        {"private_fraction_of": "responded_to"},
        ["user_summary"],
    ),
    Case("response_volume_unit=minutes", {"response_volume_unit": "minutes"}, ["response_volume"]),
    Case(
        "case_classifications_of=opened",
        {"case_classifications_of": "opened"},
        ["case_classifications"],
    ),
    Case("export_header_set=other_id", {}, EXPORTS, export={"export_header_set": "other_id"}),
    Case("export_header_set=no_id", {}, EXPORTS, export={"export_header_set": "no_id"}),
    Case("export_header_set=documented", {}, EXPORTS, export={"export_header_set": "documented"}),
    # A 25-hour day (Sydney leaves DST on 2026-04-05) under each label and grain reading.
    *[
        Case(
            f"dst-day nps_label={label} hourly_scope={scope} hourly_rule={rule}",
            {"nps_label": label, "hourly_scope": scope, "hourly_rule": rule},
            DST_STREAMS,
            start_date="2026-04-04",
        )
        for label in ("end", "start")
        for scope in ("documented", "all_series")
        for rule in ("elapsed", "calendar")
    ],
    # A 23-hour day (Sydney enters DST on 2026-10-04).
    *[
        Case(
            f"dst-day-23h nps_label={label} hourly_scope={scope}",
            {"nps_label": label, "hourly_scope": scope},
            DST_STREAMS,
            start_date="2026-10-03",
            now=dt.datetime(2026, 10, 7, 5, 0, tzinfo=dt.UTC),
        )
        for label in ("end", "start")
        for scope in ("documented", "all_series")
    ],
    Case(
        "dst-day end_bound=exclusive zeros=include",
        {"end_bound": "exclusive", "zeros": "include"},
        DST_STREAMS,
        start_date="2026-04-04",
    ),
]


# -- running the two syncs ------------------------------------------------------------


@dataclasses.dataclass
class Runs:
    app: LexerApp
    first: SyncResult
    second: SyncResult
    warehouse: Warehouse
    days: list[dt.date]
    #: the simulator's GET lists after run 2 (the truth of the full-table streams)
    lists: dict[str, list[dict[str, t.Any]]]


def two_runs(case: Case, monkeypatch: pytest.MonkeyPatch) -> Runs:
    app = LexerApp(rate_limit_max=1000, rate_limit_window=1.0, **case.knobs)
    if case.export:
        app.set_knobs(**case.export)
    app.set_now(case.now)
    # The tap's "today" is the simulator's clock.
    monkeypatch.setattr(DateWindowStream, "now", lambda self: app.now())
    with serve(app) as url:
        config = {
            "api_token": DEFAULT_TOKEN,
            "api_url": f"{url}/v1",
            "exports_api_url": f"{url}/api/public/v1",
            "start_date": case.start_date,
            "timezone": case.timezone,
            # cases close up to ~2 days after they open (and reopen): re-fetch 2 days
            "lookback_days": 2,
            "rate_limit_max_requests": 1000,
            "rate_limit_window_seconds": 1.0,
            "backoff_base_seconds": 0.01,
            "export_poll_interval_seconds": 0.001,
        }
        first = run_sync(TapLexerActivity, config, streams=case.streams)
        app.set_now(case.now + dt.timedelta(days=1))
        app.set_revision(1)  # the step runs on the new current day
        second = run_sync(TapLexerActivity, config, streams=case.streams, state=first.final_state)
        lists = {
            name: requests.get(
                f"{url}/v1/{name}", headers={"Auth-Api-Token": DEFAULT_TOKEN}, timeout=10
            ).json()
            for name in LISTS
        }
    tz = get_zone(case.timezone)
    last = (case.now + dt.timedelta(days=1)).astimezone(tz).date()
    day = dt.date.fromisoformat(case.start_date)
    days = []
    while day <= last:
        days.append(day)
        day += dt.timedelta(days=1)
    return Runs(app, first, second, Warehouse().load(first).load(second), days, lists)


# -- the truth ------------------------------------------------------------------------

Key = tuple[t.Any, ...]
Rows = dict[Key, dict[str, t.Any]]


def bounds(day: dt.date, tz: str) -> tuple[dt.datetime, dt.datetime]:
    start = local_midnight(day, get_zone(tz))
    return start, add_days(start, 1)


def exact_world(world: data.World) -> data.World:
    """The same data and readings, with ``date_to`` exclusive: a request from one local
    midnight to the next then covers exactly that local day."""
    return dataclasses.replace(world, knobs=world.knobs.updated(end_bound="exclusive"))


def window_cols(start: dt.datetime, end: dt.datetime, day: dt.date, tz: str) -> dict[str, t.Any]:
    return {
        "window_start": utc_iso(start),
        "window_end": utc_iso(end),
        "window_date": day.isoformat(),
        "timezone": tz,
    }


def bucket_cols(start: dt.datetime, day: dt.date, tz: str) -> dict[str, t.Any]:
    offset = start.strftime("%z")
    return {
        "bucket_start": utc_iso(start),
        "bucket_date": day.isoformat(),
        "utc_offset": f"{offset[:3]}:{offset[3:]}",
        "timezone": tz,
    }


def aggregate_truth(
    stream: str, world: data.World, start: dt.datetime, end: dt.datetime, day: dt.date, tz: str
) -> Rows:
    """The rows of one local day: the simulator's answer for exactly ``[start, end)``."""
    base = window_cols(start, end, day, tz)
    ws = base["window_start"]

    def answer(**extra: t.Any) -> t.Any:
        body = {"type": stream, "date_from": start.isoformat(), "date_to": end.isoformat()}
        return world.answer({**body, **extra})

    if stream in ("summary", "case_summary"):
        return {(ws,): {**base, **answer()}}
    if stream == "nps_summary":
        return {
            (form, "all", ws): {
                **base,
                "form_id": form,
                "nps_category": "all",
                **answer(form=form, nps_category="all"),
            }
            for form in NPS_FORMS
        }
    items = answer()
    if stream == "classifications":
        return {(ws, i["classification_id"], i["state"]): {**base, **i} for i in items}
    if stream == "case_classifications":
        return {(ws, i["classification_id"]): {**base, **i} for i in items}
    if stream == "user_summary":
        return {(ws, i["user_id"]): {**base, **i} for i in items}
    if stream == "user_volume":
        out: Rows = {}
        for i in items:
            if "states" in i:
                for state, volume in i["states"].items():
                    out[(ws, str(i["user_id"]), state)] = {
                        **base,
                        "user_id": str(i["user_id"]),
                        "first_name": i["first_name"],
                        "last_name": i["last_name"],
                        "state": state,
                        "volume": volume,
                    }
            else:
                out[(ws, "all", i["state"])] = {**base, "user_id": "all", **i}
        return out
    raise AssertionError(stream)


def series_truth(
    stream: str, world: data.World, start: dt.datetime, end: dt.datetime, day: dt.date, tz: str
) -> Rows:
    """The rows of one local day's bucket, from the simulator's events of ``[start, end)``
    and its readings (zeros, unit, label) for what an answer lists."""
    knobs = world.knobs
    base = bucket_cols(start, day, tz)
    bs = base["bucket_start"]
    a, b = start.timestamp(), end.timestamp()
    if stream == "states_volume":
        totals = data.state_totals(world.messages(a, b), knobs.zeros)
        return {
            (bs, r["state"]): {**base, "state": r["state"], "value": r["volume"]} for r in totals
        }
    if stream == "response_volume":
        avg = data.summary(world.messages(a, b))["avg_response_time"]
        if avg is None and knobs.zeros == "omit":
            return {}
        value = 0.0 if avg is None else avg
        if knobs.response_volume_unit == "minutes":
            value /= 60
        return {(bs,): {**base, "avg_response_time": value}}
    if stream == "case_volume":
        return {(bs,): {**base, "open": len(world.cases_open(a, b))}}
    if stream == "nps_volume":
        mark = end if knobs.nps_label == "end" else start
        return {
            (form, "all", bs): {
                **base,
                "form_id": form,
                "nps_category": "all",
                "timestamp": int(mark.timestamp()),
                **data.nps_summary(world.submissions(a, b, form), "all"),
            }
            for form in NPS_FORMS
        }
    raise AssertionError(stream)


def midnight_second_events(world: data.World, moment: dt.datetime) -> int:
    """Events of any kind stamped in ``[moment, moment + 1 s)``."""
    a = moment.timestamp()
    b = a + 1
    n = len(world.messages(a, b)) + len(world.cases_closed(a, b))
    n += len(world.cases_actioned(a, b))
    n += sum(len(world.submissions(a, b, form)) for form in NPS_FORMS)
    return n


def same(got: t.Any, want: t.Any) -> bool:
    """Equal values (a bool is never equal to a number here)."""
    if isinstance(got, bool) or isinstance(want, bool):
        return got is want
    return bool(got == want)


@dataclasses.dataclass
class Tally:
    rows: int = 0
    mismatches: list[str] = dataclasses.field(default_factory=list)
    #: rows of a DST day held to the documented 24-hour bucket (NOT_ADDITIVE)
    dst_documented: int = 0


def compare(stream: str, got: list[dict[str, t.Any]], keys: list[str], want: Rows, tally: Tally):
    table = {tuple(r[k] for k in keys): r for r in got}
    for key in sorted(set(table) ^ set(want), key=str):
        where = "warehouse only" if key in table else "truth only"
        tally.mismatches.append(f"{stream} {key}: {where}")
    for key in set(table) & set(want):
        tally.rows += 1
        row = table[key]
        for column, value in want[key].items():
            if not same(row.get(column), value):
                tally.mismatches.append(
                    f"{stream} {key} {column}: warehouse {row.get(column)!r} != truth {value!r}"
                )


def export_truth(
    stream: str, world: data.World, start: dt.datetime, end: dt.datetime, header_set: str
) -> dict[int | None, tuple[list[str], list[list[str]]]]:
    """``(header, rows)`` per form of one file covering ``[start, end)`` at the end."""
    body = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    forms: list[int | None] = list(NPS_FORMS) if stream == "nps_submissions" else [None]
    out = {}
    for form in forms:
        extra = {"form": form, "nps_category": "all"} if form is not None else {}
        out[form] = export_rows(stream, {**body, **extra}, world, header_set=header_set)
    return out


ID_COLUMN = {
    "with_id": {
        "mention_sla_export": "Mention ID",
        "case_details": "Case ID",
        "nps_submissions": "Submission ID",
    },
    "other_id": {
        "mention_sla_export": "Message ID",
        "case_details": "Conversation ID",
        "nps_submissions": "Response ID",
    },
}


def check_exports(
    case: Case, runs: Runs, world: data.World, caplog: pytest.LogCaptureFixture, tally: Tally
) -> None:
    header_set = case.export.get("export_header_set", "with_id")
    start = bounds(runs.days[0], case.timezone)[0]
    end = bounds(runs.days[-1], case.timezone)[1]
    for stream in EXPORTS:
        if stream not in case.streams:
            continue
        got = runs.warehouse.rows(stream)
        truth = export_truth(stream, world, start, end, header_set)
        if header_set in ID_COLUMN:
            column = ID_COLUMN[header_set][stream]
            want: Rows = {}
            for form, (head, rows) in truth.items():
                for row in rows:
                    ident = row[head.index(column)]
                    key = (form, "all", ident) if form is not None else (ident,)
                    want[key] = {
                        "row_key": ident,
                        "row_key_column": column,
                        "extra_columns": dict(zip(head, row, strict=True)),
                    }
            keys = ["form_id", "nps_category", "row_key"] if stream == "nps_submissions" else []
            compare(stream, got, keys or ["row_key"], want, tally)
            continue
        # No id column: rows are keyed by a hash of their content, one warning per stream
        # and run names the setting (docs/lexer-exports.md, "Keys"). A row whose content
        # changed between the runs is a second row beside its old version (documented);
        # nothing else may differ.
        warned = [
            r
            for r in caplog.records
            if r.levelno == logging.WARNING
            and r.getMessage().startswith(f"{stream}: no id column")
            and "export_id_columns" in r.getMessage()
        ]
        if len(warned) != 2:  # one per run
            tally.mismatches.append(f"{stream}: {len(warned)} no-id warning(s), not 2")
        contents = Counter()
        for form, (head, rows) in truth.items():
            for row in rows:
                contents[(form, tuple(zip(head, row, strict=True)))] += 1
        held = Counter()
        for r in got:
            if not str(r["row_key"]).startswith("sha256:") or r["row_key_column"] is not None:
                tally.mismatches.append(f"{stream} {r['row_key']}: not a content-hash key")
            held[(r.get("form_id"), tuple(r["extra_columns"].items()))] += 1
        old = Counter(
            (r.get("form_id"), tuple(r["extra_columns"].items()))
            for r in runs.first.records[stream]
        )
        tally.rows += sum((held & contents).values())
        for content, n in (contents - held).items():
            tally.mismatches.append(f"{stream}: {n} row(s) missing: {dict(content[1])}")
        for content, n in (held - contents).items():
            if old[content] < n:
                tally.mismatches.append(f"{stream}: {n} unexplained row(s) {content}")


# -- the test -------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_warehouse_equals_the_truth_of_the_last_revision(
    case: Case, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runs = two_runs(case, monkeypatch)
    world = runs.app.world()
    assert world.revision == 1
    exact = exact_world(world)
    tally = Tally()
    schema_keys = {s: m["key_properties"] for s, m in runs.first.schemas.items()}
    for stream in case.streams:
        if stream in LISTS:
            items = {(item["id"],): item for item in runs.lists[stream]}
            compare(stream, runs.warehouse.rows(stream), ["id"], items, tally)
            continue
        if stream in EXPORTS:
            continue
        want: Rows = {}
        for day in runs.days:
            start, end = bounds(day, case.timezone)
            if stream in AGGREGATES:
                want.update(aggregate_truth(stream, exact, start, end, day, case.timezone))
            elif stream in NOT_ADDITIVE and end.timestamp() - start.timestamp() > 86400:
                # the documented exception (see DST_STREAMS): the 24-hour bucket
                day_24h = dt.datetime.fromtimestamp(start.timestamp() + 86400, start.tzinfo)
                rows = series_truth(stream, world, start, day_24h, day, case.timezone)
                want.update(rows)
                tally.dst_documented += len(rows)
            else:
                want.update(series_truth(stream, world, start, end, day, case.timezone))
        got = runs.warehouse.rows(stream)
        compare(stream, got, schema_keys[stream], want, tally)
    check_exports(case, runs, exact, caplog, tally)
    deleted = dict(runs.warehouse.deleted)
    # Events in the boundary second where a day asked to 23:59:59 and one asked to the
    # next midnight differ under this reading ([E, E+1s) if inclusive, [E-1s, E) if
    # exclusive): what the tap's detection of the reading is for.
    second = dt.timedelta(seconds=1)
    shift = dt.timedelta(0) if world.knobs.end_bound == "inclusive" else -second
    ends = [bounds(day, case.timezone)[1] + shift for day in runs.days]
    past = [end for end in ends if end + second <= runs.app.now()]
    boundary = sum(midnight_second_events(world, end) for end in past)
    boundary_messages = sum(
        len(world.messages(end.timestamp(), (end + second).timestamp())) for end in past
    )
    detected = sorted(
        {
            r.getMessage().split("reads date_to as ")[1].split(" ")[0]
            for r in caplog.records
            if "reads date_to as" in r.getMessage()
        }
    )
    print(
        f"\n[{case.name}] streams={len(case.streams)} days={runs.days[0]}..{runs.days[-1]} "
        f"rows compared={tally.rows} mismatches={len(tally.mismatches)} "
        f"dst-24h-documented={tally.dst_documented} "
        f"tombstoned={deleted} "
        f"boundary-second events={boundary} date_to detected={detected}"
    )
    for line in tally.mismatches[:20]:
        print("  ", line)
    assert tally.rows > 0
    assert tally.mismatches == []
    # Whenever the tap detected the reading, it detected the simulator's; a message in
    # such a second changes `summary`, so with `summary` selected it must have detected.
    assert set(detected) <= {world.knobs.end_bound}
    if "summary" in case.streams and boundary_messages:
        assert detected == [world.knobs.end_bound]
    if case.name == "defaults":
        assert boundary_messages > 0  # this data exercises the detection
    if case.name == "defaults":
        # The revision made keys vanish (tombstones deleted them) and renamed a label.
        assert deleted.get("classifications", 0) > 0
        assert deleted.get("case_classifications", 0) > 0
        assert deleted.get("user_summary", 0) > 0
        labels = {
            r["classification"]
            for r in runs.warehouse.rows("classifications")
            if r["classification_id"] == 143
        }
        assert labels == {"customer service", "customer care"}
        first_labels = {
            (r["window_date"], r["classification"])
            for r in runs.first.records["classifications"]
            if r["classification_id"] == 143
        }
        assert ("2026-04-09", "customer service") in first_labels  # renamed by run 2
        # Agent 106 left at revision 1: the full-table users stream says so.
        (mo,) = [u for u in runs.warehouse.rows("users") if u["id"] == data.LEAVING_USER]
        assert mo["archived"] is True
        assert not any(u["archived"] for u in runs.first.records["users"])


@pytest.mark.parametrize("timezone", ["Australia/Sydney", "America/New_York"])
@pytest.mark.parametrize(
    "stream", ["states_volume", "response_volume", "case_volume", "nps_volume"]
)
def test_utc_buckets_in_another_zone_stop_the_run(
    timezone: str, stream: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """bucket_offset=utc in a zone that is not UTC: buckets are UTC days, not the local
    days asked. East of UTC the first label lies before the first day asked; west of it
    the last label lies one day past the extra day asked (the last UTC day the request
    touches). Either way the run stops with one line instead of loading UTC days as
    local ones."""
    case = Case(f"utc-in-{timezone}", {"bucket_offset": "utc"}, [stream], timezone=timezone)
    with pytest.raises(TapError, match=r"UTC offset|more periods"):
        two_runs(case, monkeypatch)
