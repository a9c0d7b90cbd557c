"""What the warehouse holds after two incremental runs equals the simulator's truth.

For every stream, under every reading (knob) of the simulator that touches it: run 1 at
revision 0; the simulator moves to revision 1 and its clock (so its "current day", and the
volatile days before it) one day on; run 2 from run 1's final STATE with lookback. Both
runs are loaded into a :class:`tapkit.testing.Warehouse` (upsert by key, tombstones
delete), and every row of every day the runs cover is compared, column by column, with
rows built here from the simulator's truth functions (``sandbox.livechat_data``) for the
last revision, keyed by what the simulator counts as one thing (a day and a tag, a day and
an agent, a day and a chat id, ...).

A day whose truth lists no key at all (a quiet day) is expected as the tap's documented
placeholder row, key ``(none)`` and null metrics (docs/tap-livechat-reports.md), and
only then.

Between the revisions on the volatile days the tag ``docs_feedback`` disappears (its rows
must be deleted: the tombstone path), ``billing`` is renamed ``invoices``, late chats,
ratings, greetings, queue leaves and visits arrive, and open chats close. One case moves
to revision 2, where the agent ``dan@acme.example`` has left.

Run with ``-s`` to see the figures: rows compared and mismatches per case and stream.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import math
import typing as t
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest

from sandbox import livechat_data as data
from sandbox.core import serve
from sandbox.livechat import build
from tap_livechat_reports.client import LiveChatStream
from tap_livechat_reports.streams import STREAMS
from tap_livechat_reports.tap import TapLivechatReports
from tapkit.testing import SyncResult, Warehouse, run_sync

from .conftest import SEED, Sandbox, is_probe

ALL = [cls.name for cls in STREAMS]
KEYS = {cls.name: list(cls.primary_keys) for cls in STREAMS}
NONE_KEY = "(none)"
START = "2026-10-15"  # a quiet UTC day (and the day before it): a day with no key at all
#: Run 1 covers 10-15..10-17 (10-17 in part); run 2, one day later, 10-15..10-18 again
#: (lookback 2 from the bookmark 10-17). 10-16 is a campaign day (130 greetings, more than
#: the 100 the API returns) and an even UTC day (a chat at 23:59:59.999999 UTC); 10-16 is
#: also divisible by 3 (a chat at 00:00:00.000000 UTC). At run 2 the volatile days, at
#: revision 1, are 10-16, 10-17 and 10-18.
NOW1 = dt.datetime(2026, 10, 17, 15, 30, 12, tzinfo=dt.UTC)
NOW2 = dt.datetime(2026, 10, 18, 9, 45, 30, tzinfo=dt.UTC)
DAYS = ["2026-10-15", "2026-10-16", "2026-10-17", "2026-10-18"]
VOLATILE_DAYS = 2
LOOKBACK_DAYS = 2

DISTRIBUTED = {
    "chats_duration": "chats/duration",
    "chats_tags": "chats/tags",
    "chats_total_chats": "chats/total_chats",
    "chats_ratings": "chats/ratings",
    "chats_engagement": "chats/engagement",
    "chats_greetings_conversion": "chats/greetings_conversion",
    "chats_response_time": "chats/response_time",
    "chats_first_response_time": "chats/first_response_time",
    "chats_groups": "chats/groups",
    "chats_queued_visitors": "chats/queued_visitors",
    "agents_availability": "agents/availability",
}
WORLD_KNOBS = {f.name for f in dataclasses.fields(data.World)} - {
    "seed",
    "revision",
    "now_us",
    "volatile_days",
    "spans",
}


@dataclasses.dataclass(frozen=True)
class Case:
    """One reading of the docs (simulator knobs) and the streams it touches."""

    id: str
    knobs: dict[str, t.Any]
    streams: tuple[str, ...]
    timezone: str = "UTC"
    revision: int = 1
    #: the tap's `distribution` setting (not a knob: both grains are checked once)
    distribution: str = "day"


TIME_STREAMS = tuple(ALL)
COUNT_STREAMS = (
    "chats_ratings",
    "chats_ranking",
    "chats_response_time",
    "chats_first_response_time",
)
GREETINGS = ("chats_greetings_conversion",)
QUEUE_LEFT = ("chats_queued_visitors_left",)
CASES = [
    # The defaults of every knob, every stream, in UTC and in a zone west of UTC.
    Case("defaults-utc", {}, TIME_STREAMS),
    Case("defaults-new-york", {}, TIME_STREAMS, timezone="America/New_York"),
    # to_bound: how `filters.to` closes the range (every stream sends it).
    Case("to_bound=inclusive", {"to_bound": "inclusive"}, TIME_STREAMS),
    Case("to_bound=exclusive", {"to_bound": "exclusive"}, TIME_STREAMS),
    Case(
        "to_bound=exclusive-warsaw",
        {"to_bound": "exclusive"},
        TIME_STREAMS,
        timezone="Europe/Warsaw",
    ),
    # The agent's timezone is never used: the tap always sends `timezone`.
    Case("agent_timezone=None", {"agent_timezone": None}, TIME_STREAMS, timezone="Europe/Warsaw"),
    Case("count_reading=subject", {"count_reading": "subject"}, COUNT_STREAMS),
    Case("greetings_pick=displayed", {"greetings_pick": "displayed"}, GREETINGS),
    Case("greetings_total=returned", {"greetings_total": "returned"}, GREETINGS),
    Case(
        "greetings=displayed+returned-warsaw",
        {"greetings_pick": "displayed", "greetings_total": "returned"},
        GREETINGS,
        timezone="Europe/Warsaw",
    ),
    Case("engagement_day_total=True", {"engagement_day_total": True}, ("chats_engagement",)),
    Case("instant_fraction=True", {"instant_fraction": True}, QUEUE_LEFT),
    Case("left_without_details=with", {"left_without_details": "with"}, QUEUE_LEFT),
    Case("queued_left_total=page", {"queued_left_total": "page"}, QUEUE_LEFT),
    Case(
        "visitors_paths=customers/unique_visitors",
        {"visitors_paths": ["customers/unique_visitors"]},
        ("stats_visitors",),
    ),
    Case(
        "visitors_paths=stats/unique_visitors",
        {"visitors_paths": ["stats/unique_visitors"]},
        ("stats_visitors",),
    ),
    # Hourly periods (the tap's `distribution` setting), the default readings.
    Case("defaults-utc-hourly", {}, tuple(DISTRIBUTED), distribution="hour"),
    Case(
        "to_bound=exclusive-new-york-hourly",
        {"to_bound": "exclusive"},
        tuple(DISTRIBUTED),
        timezone="America/New_York",
        distribution="hour",
    ),
    # Revision 2: an agent has left (his rows must be deleted from the agent streams).
    Case(
        "revision-2-agent-leaves",
        {},
        ("chats_ranking", "agents_performance", "agents_availability", "chats_tags"),
        revision=2,
    ),
]


# -- the runs ----------------------------------------------------------------------------------


@dataclasses.dataclass
class Runs:
    first: SyncResult
    second: SyncResult
    warehouse: Warehouse
    world: data.World
    sandbox: Sandbox


@contextlib.contextmanager
def two_runs(case: Case, monkeypatch: pytest.MonkeyPatch) -> Iterator[Runs]:
    app = build(seed=SEED, rate_limit_max=1_000_000, page_size=3, **case.knobs)
    with serve(app) as url:
        sb = Sandbox(app, url)
        config = sb.config(
            start_date=START,
            end_date=None,
            timezone=case.timezone,
            distribution=case.distribution,
            lookback_days=LOOKBACK_DAYS,
        )
        app.set_now(NOW1)
        monkeypatch.setattr(LiveChatStream, "now", lambda self: NOW1)
        first = run_sync(TapLivechatReports, config, streams=case.streams)
        app.set_revision(case.revision)
        app.set_now(NOW2)
        monkeypatch.setattr(LiveChatStream, "now", lambda self: NOW2)
        second = run_sync(TapLivechatReports, config, state=first.final_state, streams=case.streams)
        world = app.world()
        assert world == data.make_world(
            seed=SEED,
            revision=case.revision,
            now=NOW2,
            volatile_days=VOLATILE_DAYS,
            **{k: v for k, v in case.knobs.items() if k in WORLD_KNOBS},
        )
        yield Runs(first, second, Warehouse().load(first).load(second), world, sb)


# -- rows expected from the simulator's truth ---------------------------------------------------


def utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


@dataclasses.dataclass(frozen=True)
class Day:
    day: str
    zone: ZoneInfo
    start: dt.datetime
    end: dt.datetime

    @classmethod
    def of(cls, day: str, timezone: str) -> Day:
        zone = ZoneInfo(timezone)
        d = dt.date.fromisoformat(day)
        nxt = d + dt.timedelta(days=1)
        return cls(
            day,
            zone,
            dt.datetime(d.year, d.month, d.day, tzinfo=zone),
            dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone),
        )

    @property
    def a(self) -> float:
        return self.start.timestamp()

    @property
    def b(self) -> float:
        return self.end.timestamp()

    def window(self) -> dict[str, t.Any]:
        return {
            "window_start": utc_iso(self.start),
            "window_end": utc_iso(self.end),
            "window_date": self.day,
            "timezone": self.zone.key,
        }


def counts(record: t.Mapping[str, t.Any], names: t.Iterable[str]) -> dict[str, t.Any]:
    """The API leaves zero-valued counts out: absent is 0."""
    return {n: record.get(n, 0) for n in names}


def values(record: t.Mapping[str, t.Any], names: t.Iterable[str]) -> dict[str, t.Any]:
    """An average it leaves out is unknown: absent is null."""
    return {n: record.get(n) for n in names}


def periods(w: data.World, d: Day, distribution: str) -> list[tuple[str, dt.datetime, dt.datetime]]:
    """(label, start, end) of the day's periods that have begun by the simulator's now."""
    if distribution == "day":
        return [(d.day, d.start, d.end)]
    assert w.now_us is not None
    now = data.instant(w.now_us)
    out = []
    cursor = d.start.astimezone(dt.UTC)
    while cursor < d.end and cursor <= now:
        nxt = cursor + dt.timedelta(hours=1)
        out.append((cursor.astimezone(d.zone).strftime("%Y-%m-%d %H:%M:%S"), cursor, nxt))
        cursor = nxt
    assert len({label for label, _, _ in out}) == len(out), "no DST fall-back in the range"
    return out


def distributed_rows(
    stream: str, w: data.World, d: Day, distribution: str
) -> list[dict[str, t.Any]]:
    method = DISTRIBUTED[stream]
    total = data.report_total(method, w, d.a, d.b, data.NO_FILTERS, d.zone)
    # The at most 100 greetings the API returns for the day, and every greeting of it.
    returned = data.greetings_returned(w, d.a, d.b, data.NO_FILTERS, d.zone)
    full_day = data.greetings_conversion_rows(data.greetings(w, d.a, d.b))
    out = []
    for label, start, end in periods(w, d, distribution):
        a, b = start.timestamp(), end.timestamp()
        if method == "chats/greetings_conversion":
            spans = data.to_us(start), data.to_us(end)
            record = data.greetings_conversion_rows(
                g for g in returned if spans[0] <= g.us < spans[1]
            )
        elif method == "agents/availability":
            unit = "hours" if distribution == "day" else "minutes"
            record = data.availability_bucket(w, a, b, unit=unit)
        else:
            record = data.BUCKETS[method](w, a, b)
        base = {
            **d.window(),
            "distribution": distribution,
            "period": label,
            "period_start": utc_iso(start),
            "period_end": utc_iso(end),
            "window_total": total,
        }
        truncated = len(full_day) > data.GREETINGS_PER_DAY
        out.extend(period_rows(stream, base, record, distribution, truncated))
    return out


def period_rows(
    stream: str,
    base: dict[str, t.Any],
    record: dict[str, t.Any],
    distribution: str,
    truncated: bool,
) -> list[dict[str, t.Any]]:
    if stream == "chats_duration":
        return [
            {
                **base,
                **counts(record, ["count"]),
                **values(record, ["agents_chatting_duration", "duration"]),
            }
        ]
    if stream == "chats_total_chats":
        return [{**base, **counts(record, ["total", "continuous"])}]
    if stream == "chats_ratings":
        return [{**base, **counts(record, ["chats", "good", "bad"])}]
    if stream == "chats_engagement":
        kinds = [
            "started_by_customer_from_greeting",
            "started_by_customer_without_greeting",
            "started_by_agent",
        ]
        # `total` per day is documented; when the API does not send it on a day with
        # data it is unknown (null); an empty day `{}` has no chats at all (0).
        total = record.get("total", None if record else 0)
        return [{**base, **counts(record, kinds), "total": total}]
    if stream in ("chats_response_time", "chats_first_response_time"):
        avg = stream.removeprefix("chats_")
        return [{**base, **counts(record, ["count"]), **values(record, [avg])}]
    if stream == "chats_queued_visitors":
        row = dict(base)
        for group in ("queued", "left_queue"):
            stats = record.get(group, {})
            row[f"{group}_count"] = stats.get("count", 0)
            for stat in ("min", "max", "avg"):
                row[f"{group}_{stat}"] = stats.get(stat)
        return [row]
    if stream == "agents_availability":
        unit, other = ("hours", "minutes") if distribution == "day" else ("minutes", "hours")
        return [{**base, unit: record.get(unit, 0), other: None}]
    if stream in ("chats_tags", "chats_groups"):
        key = "tag" if stream == "chats_tags" else "group_id"
        if not record:
            return [{**base, key: NONE_KEY, "chats": None}]
        return [{**base, key: str(k), "chats": v} for k, v in record.items()]
    if stream == "chats_greetings_conversion":
        # `truncated`: the day had more greetings than the API returns.
        inner = ["accepted", "canceled", "displayed", "goals"]
        if not record:
            return [
                {**base, "greeting_id": NONE_KEY, **dict.fromkeys(inner), "truncated": truncated}
            ]
        return [
            {**base, "greeting_id": g, **counts(v, inner), "truncated": truncated}
            for g, v in record.items()
        ]
    raise KeyError(stream)


PERFORMANCE = [
    "chats_count",
    "chats_rated_good",
    "chats_rated_bad",
    "first_response_chats_count",
    "accepting_chats_time",
    "chatting_time",
    "logged_in_time",
    "not_accepting_chats_time",
]
SUMMARY = ["chats_count", "chats_rated_good", "chats_rated_bad", "first_response_chats_count"]


def window_rows(stream: str, w: data.World, d: Day) -> list[dict[str, t.Any]]:
    base = d.window()
    if stream == "chats_ranking":
        records = data.ranking(w, d.a, d.b)
        if not records:
            return [{**base, "agent": NONE_KEY, **dict.fromkeys(["total", "good", "bad", "score"])}]
        return [
            {**base, "agent": agent, **counts(v, ["total", "good", "bad"]), "score": v.get("score")}
            for agent, v in records.items()
        ]
    if stream == "agents_performance":
        answer = data.performance(w, d.a, d.b)
        summary = answer["summary"]
        base = {
            **base,
            **{f"summary_{k}": v for k, v in counts(summary, SUMMARY).items()},
            "summary_first_response_time": summary.get("first_response_time"),
        }
        if not answer["records"]:
            return [
                {**base, "agent": NONE_KEY, **dict.fromkeys([*PERFORMANCE, "first_response_time"])}
            ]
        return [
            {
                **base,
                "agent": agent,
                **counts(v, PERFORMANCE),
                "first_response_time": v.get("first_response_time"),
            }
            for agent, v in answer["records"].items()
        ]
    if stream == "tags_chat_usage":
        usage = data.chat_usage(w, d.a, d.b)
        if not usage:
            return [{**base, "tag": NONE_KEY, "chats": None}]
        return [{**base, "tag": tag, "chats": n} for tag, n in usage.items()]
    if stream == "stats_visitors":
        return [
            {**base, **counts(data.unique_visitors(w, d.a, d.b), ["unique_visitors", "page_views"])}
        ]
    if stream == "chats_forms":
        return forms_rows(data.forms(w, d.a, d.b), base)
    if stream == "chats_queued_visitors_left":
        left = data.queued_visitors_left(w, d.a, d.b)
        base = {
            **base,
            # the number of visitors that left the queue that day (every page)
            "window_total": len(left),
            "summary_left_without_details": data.left_without_details(w, left),
        }
        out = []
        for q in left:
            record = data.queued_left_record(w, q)
            out.append(
                {
                    **base,
                    "chat_id": q.chat_id,
                    "visitor_id": record["visitor"]["id"],
                    "visitor_ip": record["visitor"]["ip"],
                    "queue_duration": record["queue"]["duration"],
                    "queue_group": record["queue"]["group"],
                    "queue_start_date": record["queue"]["start_date"],
                }
            )
        return out
    raise KeyError(stream)


def forms_rows(forms: list[dict[str, t.Any]], base: dict[str, t.Any]) -> list[dict[str, t.Any]]:
    nulls = {"field_label": None, "answer_label": None, "answer_count": None}
    if not forms:
        return [
            {
                **base,
                "form_id": NONE_KEY,
                "group_id": -1,
                "form_count": None,
                "field_id": NONE_KEY,
                "answer_id": NONE_KEY,
                **nulls,
            }
        ]
    out = []
    for form in forms:
        head = {
            **base,
            "form_id": form["form_id"],
            "group_id": form["group_id"],
            "form_count": form["count"],
        }
        for fld in form["fields"]:
            field_row = {**head, "field_id": fld["field_id"], "field_label": fld["label"]}
            if not fld["answers"]:
                out.append(
                    {**field_row, "answer_id": NONE_KEY, "answer_label": None, "answer_count": None}
                )
            for ans in fld["answers"]:
                out.append(
                    {
                        **field_row,
                        "answer_id": str(ans["answer_id"]),
                        "answer_label": ans["label"],
                        "answer_count": ans["count"],
                    }
                )
    return out


def expected_rows(
    stream: str, w: data.World, case: Case
) -> dict[tuple[t.Any, ...], dict[str, t.Any]]:
    out: dict[tuple[t.Any, ...], dict[str, t.Any]] = {}
    for day in DAYS:
        d = Day.of(day, case.timezone)
        if stream in DISTRIBUTED:
            rows = distributed_rows(stream, w, d, case.distribution)
        else:
            rows = window_rows(stream, w, d)
        for row in rows:
            key = tuple(row[k] for k in KEYS[stream])
            assert key not in out, f"{stream}: the truth has two rows for {key}"
            out[key] = row
    return out


# -- comparison --------------------------------------------------------------------------------


def same(a: t.Any, b: t.Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
            return False
        return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)
    if isinstance(a, str) and isinstance(b, str) and a[:1].isdigit() and "T" in a and "T" in b:
        try:  # instants: the same moment, however written
            return dt.datetime.fromisoformat(a) == dt.datetime.fromisoformat(b)
        except ValueError:
            pass
    return bool(a == b) and type(a) is type(b)


def compare(
    stream: str, got: list[dict[str, t.Any]], want: dict[tuple[t.Any, ...], dict[str, t.Any]]
) -> tuple[int, list[str]]:
    """(rows compared, one line per mismatching row)."""
    have = {tuple(r[k] for k in KEYS[stream]): r for r in got}
    problems = []
    for key in sorted(set(have) | set(want), key=str):
        if key not in have:
            problems.append(f"{stream} {key}: missing from the warehouse")
            continue
        if key not in want:
            problems.append(f"{stream} {key}: in the warehouse, not in the truth: {have[key]}")
            continue
        row = {k: v for k, v in have[key].items() if not k.startswith("_sdc_")}
        diffs = [
            f"{col}={row.get(col, '<absent>')!r} (truth {want[key].get(col, '<absent>')!r})"
            for col in sorted(set(row) | set(want[key]))
            if col not in row or col not in want[key] or not same(row[col], want[key][col])
        ]
        if diffs:
            problems.append(f"{stream} {key}: " + ", ".join(diffs))
    return len(set(have) | set(want)), problems


def dimensions(stream: str) -> list[str]:
    return [k for k in KEYS[stream] if k not in ("period_start", "distribution", "window_start")]


def assert_data_varies(stream: str, want: dict[tuple[t.Any, ...], dict[str, t.Any]]) -> None:
    """Every key dimension has several values on every day that has any (so a tap that
    mixed up agents, tags, groups, greetings, form answers or chats would be seen)."""
    days = {row["window_date"] for row in want.values()}
    # Every day has rows (a quiet UTC day none where the tap writes no placeholder).
    assert set(DAYS[1:] if stream in QUEUE_LEFT else DAYS) <= days <= set(DAYS), stream
    for column in dimensions(stream):
        per_day: dict[str, set[t.Any]] = {}
        for row in want.values():
            if NONE_KEY not in (row[k] for k in dimensions(stream)):  # not a placeholder
                per_day.setdefault(row["window_date"], set()).add(row[column])
        assert len(per_day) >= 3, (stream, column, per_day)
        assert all(len(v) >= 2 for v in per_day.values()), (stream, column, per_day)


def volatile_rows(rows: t.Iterable[dict[str, t.Any]], column: str) -> set[t.Any]:
    """Values of ``column`` on the UTC days that change at revision 1 (10-16 and 10-17)."""
    return {r[column] for r in rows if r["window_date"] in ("2026-10-16", "2026-10-17")}


def assert_revision_effects(case: Case, runs: Runs) -> None:
    """The changes between the revisions reached the warehouse: a tag that vanished was
    deleted by a tombstone, a renamed one replaced, an agent who left was deleted."""
    for stream in ("chats_tags", "tags_chat_usage"):
        if stream not in case.streams or case.timezone != "UTC":
            continue
        before = volatile_rows(runs.first.records[stream], "tag")
        after = volatile_rows(runs.warehouse.rows(stream), "tag")
        assert {data.DROPPED_TAG, "billing"} <= before and "invoices" not in before, stream
        assert "invoices" in after and not {data.DROPPED_TAG, "billing"} & after, stream
        assert runs.warehouse.deleted[stream] >= 4, stream  # 2 tags x 2 days
    if case.revision >= 2:
        for stream in ("chats_ranking", "agents_performance"):
            before = volatile_rows(runs.first.records[stream], "agent")
            after = volatile_rows(runs.warehouse.rows(stream), "agent")
            assert data.LEAVING_AGENT in before and data.LEAVING_AGENT not in after, stream
            assert runs.warehouse.deleted[stream] >= 2, stream


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_warehouse_after_two_runs_equals_the_truth(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    with two_runs(case, monkeypatch) as runs:
        assert runs.first.error is None and runs.second.error is None
        # One question per run about `filters.to`, answered as the knob reads it.
        assert len(runs.sandbox.probes()) == 2
        exclusive = case.knobs.get("to_bound") == "exclusive"
        ends = {
            (b["filters"].get("greetings") or b["filters"])["to"][11:26]
            for m, b in runs.sandbox.app.requests_seen
            if not is_probe(m, b)
        }
        assert ("00:00:00.000000" if exclusive else "23:59:59.999999") in ends
        assert ("23:59:59.999999" if exclusive else "00:00:00.000000") not in ends
        total_rows, total_bad = 0, 0
        lines = []
        for stream in case.streams:
            want = expected_rows(stream, runs.world, case)
            assert_data_varies(stream, want)
            compared, problems = compare(stream, runs.warehouse.rows(stream), want)
            total_rows += compared
            total_bad += len(problems)
            lines.append(
                f"  {stream}: {compared} rows compared, {len(problems)} mismatches, "
                f"{runs.warehouse.deleted[stream]} deleted by tombstones"
            )
            lines.extend(f"    {p}" for p in problems[:5])
        print(
            f"\n[{case.id}] tz={case.timezone} {case.distribution} revision 0 -> "
            f"{case.revision}: "
            f"{total_rows} rows compared, {total_bad} mismatches"
        )
        print("\n".join(lines))
        assert total_bad == 0
        assert_revision_effects(case, runs)
