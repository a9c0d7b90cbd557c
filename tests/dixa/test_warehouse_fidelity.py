"""What the warehouse holds after two runs, against the docs-literal simulator's truth.

For every stream of tap-analytics and every knob reading the simulator offers (one knob
at a time, plus the combinations that interact): run 1 at revision 0 with the simulator's
clock (and the tap's) at T0; the simulator moves to revision 1 and its clock to T1 (later
the same local day: the current day is partial in both runs); run 2 from run 1's final
STATE with lookback. Both runs are loaded into a :class:`~tapkit.testing.Warehouse`
(upsert by key, deleted rows removed) and every column the tap derives from the API is
compared with the simulator's truth at revision 1 for every day the runs cover.

Identity is the simulator's, not the tap's: records are compared per day as multisets of
whole rows (the docs' example rows of two closes of one conversation are alike: two
records, two rows); metric data per (metric, day, measure) that the truth has (a measure
the API leaves out is no row); listings per (id) and (attribute, value). The day is
half-open ``[local midnight, next local midnight)`` (GUIDE rule 1): under the inclusive
reading of an Interval's ``end`` the simulator's ``truth_records(day)`` would also list a
record stamped at the next midnight, which belongs to the next day, so the truth is taken
from the simulator's own world with the period read half-open.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import typing as t
from collections import Counter
from zoneinfo import ZoneInfo

import pytest

from sandbox import dixa_data as data
from sandbox.core import serve
from sandbox.dixa import DixaApp
from tap_analytics.tap import TapAnalytics
from tapkit import DateWindowStream
from tapkit.schema import DELETED_AT
from tapkit.testing import SyncResult, Warehouse, run_sync

TZ = "Europe/Copenhagen"
ZONE = ZoneInfo(TZ)
#: 12:00 and 22:30 in Copenhagen on 2026-10-26; 2026-10-25 (summer time ends) has 25 hours.
T0 = dt.datetime(2026, 10, 26, 11, 0, tzinfo=dt.UTC)
T1 = dt.datetime(2026, 10, 26, 21, 30, tzinfo=dt.UTC)
DAYS = [dt.date(2026, 10, 23) + dt.timedelta(days=i) for i in range(4)]
#: The docs' samples are dated 2023-04-21.
DOCS_T0 = dt.datetime(2023, 4, 22, 9, 0, tzinfo=dt.UTC)
DOCS_T1 = dt.datetime(2023, 4, 22, 20, 0, tzinfo=dt.UTC)
DOCS_DAYS = [dt.date(2023, 4, 20) + dt.timedelta(days=i) for i in range(3)]

LEAVER = data.AGENTS[data.LEAVING_AGENT][1]
RENAMED_AGENT = data.AGENTS[data.RENAMED_AGENT][1]
VANISHING_TAG = data.TAGS[data.VANISHING_TAG][0]
KEY = "record_key"


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    knobs: dict[str, t.Any] = dataclasses.field(default_factory=dict)
    filters: dict[str, list[str]] | None = None
    lookback: int = 2
    #: Streams whose truth is empty by design under this reading.
    empty: frozenset[str] = frozenset()


CASES = [
    Case("defaults"),  # every knob at its first reading
    # The docs' samples: two closed_conversations rows, no ratings.
    Case("dataset=docs", {"dataset": "docs"}, empty=frozenset({"ratings"})),
    Case("record_shape=catalogue", {"record_shape": "catalogue"}),
    Case("closed_period_by=created_at", {"closed_period_by": "created_at"}),
    Case(
        "closed_period_by=created_at+catalogue",
        {"closed_period_by": "created_at", "record_shape": "catalogue"},
    ),
    Case("null_field=null", {"null_field": "null", "record_shape": "catalogue"}),
    Case("null_field=omitted", {"null_field": "omitted", "record_shape": "catalogue"}),
    Case("null_field=absent+catalogue", {"null_field": "absent", "record_shape": "catalogue"}),
    # A Count that falls to nothing (the tag leaves every recent conversation): a 0, or a
    # measure that vanishes (the tombstone path); records that no longer match vanish too.
    Case("zero_count=value+tag", {"zero_count": "value"}, {"tag_id": [VANISHING_TAG]}),
    Case("zero_count=empty+tag", {"zero_count": "empty"}, {"tag_id": [VANISHING_TAG]}),
    Case(
        "zero_count=empty+tag+catalogue",
        {"zero_count": "empty", "record_shape": "catalogue"},
        {"tag_id": [VANISHING_TAG]},
    ),
    # The agent who leaves: ratings and csat for that agent vanish on the recent days.
    Case("agent_who_leaves", {}, {"agent_id": [LEAVER]}),
    # The docs' metric sample filters channel by "email" while rows say EMAIL.
    Case("filter_case=insensitive", {"filter_case": "insensitive"}, {"channel": ["email"]}),
    Case(
        "filter_case=exact",
        {"filter_case": "exact"},
        {"channel": ["email"]},
        empty=frozenset({"ratings", "closed_conversations"}),
    ),
    Case("filter_case=exact+EMAIL", {"filter_case": "exact"}, {"channel": ["EMAIL", "CALLBACK"]}),
    Case("long_values=double", {"long_values": "double"}),
    Case("long_values=mixed", {"long_values": "mixed", "record_shape": "catalogue"}),
    Case("rename_scope=recent+catalogue", {"rename_scope": "recent", "record_shape": "catalogue"}),
    # Labels looked up when asked change on every day: only days the runs fetch again can
    # show them, so run 2's lookback covers every day (see docs/tap-analytics.md).
    Case("rename_scope=all", {"rename_scope": "all", "record_shape": "catalogue"}, lookback=3),
    Case("interval_end=inclusive", {"interval_end": "inclusive"}),
    Case(
        "interval_end=inclusive+catalogue",
        {"interval_end": "inclusive", "record_shape": "catalogue"},
    ),
    Case(
        "interval_end=inclusive+created_at",
        {"interval_end": "inclusive", "closed_period_by": "created_at"},
    ),
    Case("page_key=signed", {"page_key": "signed"}),
    Case("page_limit_change=page_times_limit", {"page_limit_change": "page_times_limit"}),
    Case("first_response_time", {"first_response_time": True}),
    Case("extra_field_type", {"extra_field_type": "SentimentField"}),
]


def canonical(obj: t.Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def utc_iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    nxt = day + dt.timedelta(days=1)
    return (
        dt.datetime(day.year, day.month, day.day, tzinfo=ZONE),
        dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=ZONE),
    )


def window_columns(day: dt.date) -> dict[str, t.Any]:
    start, end = bounds(day)
    return {
        "window_start": utc_iso(start),
        "window_end": utc_iso(end),
        "window_date": day.isoformat(),
        "timezone": TZ,
    }


# -- the simulator's truth ----------------------------------------------------------------


class Truth:
    """The simulator's answers at its current revision, clock and knobs, per half-open day."""

    def __init__(self, app: DixaApp, filters: dict[str, list[str]]) -> None:
        self.app = app
        self.filters = filters
        self.docs = app.knobs.dataset == "docs"
        knobs = dataclasses.replace(app.knobs, interval_end="exclusive")
        self.world = data.World(app.seed, app.revision, app.now(), knobs)

    def usable(self, entry: dict[str, t.Any]) -> dict[str, list[str]]:
        accepted = data.accepted_filters(entry)
        return {k: list(v) for k, v in self.filters.items() if k in accepted}

    def docs_rows(self, record_id: str, day: dt.date) -> list[dict[str, t.Any]]:
        start, end = bounds(day)
        entry = data.record(record_id)
        assert entry is not None
        return self.app.docs_rows(record_id, data.to_us(start), data.to_us(end), self.usable(entry))

    def records(self, record_id: str, day: dt.date) -> list[dict[str, t.Any]]:
        if self.docs:
            return self.docs_rows(record_id, day)
        start, end = bounds(day)
        return self.world.rows(record_id, data.to_us(start), data.to_us(end), self.filters)

    def aggregates(self, metric_id: str, day: dt.date) -> list[dict[str, t.Any]]:
        entry = data.metric(metric_id, self.app.knobs.first_response_time)
        assert entry is not None
        measures = [a["measure"] for a in entry["aggregations"]]
        if self.docs:
            rows = self.docs_rows(entry["relatedRecordIds"][0], day)
            if "Count" in measures and (rows or self.app.knobs.zero_count == "value"):
                return [{"value": len(rows), "measure": "Count", "_type": "LongAggregateValue"}]
            return []
        start, end = bounds(day)
        return self.world.aggregates(
            metric_id, measures, data.to_us(start), data.to_us(end), self.filters
        )

    def filter_values(self, attribute: str) -> list[dict[str, str]]:
        if self.docs:
            docs = attribute == data.DOCS_FILTER_ATTRIBUTE
            return list(data.DOCS_FILTER_RESPONSE["data"]) if docs else []
        values = self.world.filter_values(attribute)
        assert values is not None
        return values


# -- expected warehouse rows ----------------------------------------------------------------


def put(row: dict[str, t.Any], column: str, field: dict[str, t.Any]) -> None:
    """A typed field as its column(s), per the docs' types (a Long is an integer)."""
    kind = field.get("_type")
    if kind == "LongField":
        row[column] = int(field["value"])
    elif kind in ("StringField", "UUIDField"):
        row[column] = field["value"]
        row[f"{column}_label"] = field.get("label")
    elif kind in ("InstantField", "DoubleField"):
        row[column] = field["value"]
    else:  # a type the docs do not list: its JSON, in a text column
        row[column] = canonical(field)


def expected_record(
    raw: dict[str, t.Any], record_id: str, day: dt.date, columns: t.Iterable[str]
) -> dict[str, t.Any]:
    row: dict[str, t.Any] = {c: None for c in columns if c not in (KEY, DELETED_AT)}
    row.update(window_columns(day), record_id=record_id, unmapped_fields=None)
    primary = raw["primaryTimestampField"]
    row["primary_timestamp"] = primary["timestamp"]
    row["primary_timestamp_field"] = primary["name"]
    if "value" in raw:
        put(row, "value", raw["value"])
    for item in raw["fields"]:
        if isinstance(item.get("field"), dict):  # a null field is absent, null or omitted
            put(row, item["name"], item["field"])
    return row


def loaded(row: dict[str, t.Any]) -> dict[str, t.Any]:
    """A warehouse row without the tap's own key and the delete marker."""
    return {k: v for k, v in row.items() if k not in (KEY, DELETED_AT)}


@dataclasses.dataclass
class Tally:
    compared: Counter[str] = dataclasses.field(default_factory=Counter)
    mismatches: Counter[str] = dataclasses.field(default_factory=Counter)
    examples: list[str] = dataclasses.field(default_factory=list)

    def add(self, stream: str, compared: int, bad: list[str]) -> None:
        self.compared[stream] += compared
        self.mismatches[stream] += len(bad)
        self.examples.extend(f"{stream}: {b}" for b in bad[:3])


def compare_multisets(
    tally: Tally, stream: str, want: list[dict[str, t.Any]], have: list[dict[str, t.Any]]
) -> None:
    expected = Counter(canonical(r) for r in want)
    got = Counter(canonical(r) for r in have)
    missing = list((expected - got).elements())
    extra = list((got - expected).elements())
    tally.add(
        stream,
        max(len(want), len(have)),
        [f"missing {m[:400]}" for m in missing] + [f"unexpected {e[:400]}" for e in extra],
    )


def compare_keyed(
    tally: Tally,
    stream: str,
    want: dict[tuple[t.Any, ...], dict[str, t.Any]],
    have: dict[tuple[t.Any, ...], dict[str, t.Any]],
) -> None:
    bad = []
    for key in sorted(set(want) | set(have), key=str):
        if key not in have:
            bad.append(f"missing key {key}")
        elif key not in want:
            bad.append(f"unexpected key {key}: {canonical(have[key])[:300]}")
        elif canonical(want[key]) != canonical(have[key]):
            bad.append(
                f"{key}: want {canonical(want[key])[:300]} have {canonical(have[key])[:300]}"
            )
    tally.add(stream, len(set(want) | set(have)), bad)


def check(
    case: Case, app: DixaApp, runs: list[SyncResult], days: list[dt.date]
) -> tuple[Tally, Warehouse]:
    warehouse = Warehouse()
    for run in runs:
        assert run.error is None, run.error
        warehouse.load(run)
    truth = Truth(app, case.filters or {})
    tally = Tally()
    extended = app.knobs.first_response_time
    schemas = {s: m["schema"]["properties"] for s, m in runs[-1].schemas.items()}

    # Listings: the catalogues and the filter values, by their keys.
    metrics = data.metrics_catalogue(extended)
    for stream, entries in (("metrics", metrics), ("records", app.record_entries())):
        props = [p for p in schemas[stream] if p != DELETED_AT]
        want = {(e["id"],): {p: e.get(p) for p in props} for e in entries}
        have = {(r["id"],): loaded(r) for r in warehouse.rows(stream)}
        compare_keyed(tally, stream, want, have)
    attributes = sorted(
        {
            f["filterAttribute"]
            for kind in (metrics, app.record_entries())
            for e in kind
            for f in e["filters"]
        }
    )
    want = {
        (a, v["value"]): {"attribute": a, "value": v["value"], "label": v["label"]}
        for a in attributes
        for v in truth.filter_values(a)
    }
    have = {(r["attribute"], r["value"]): loaded(r) for r in warehouse.rows("filter_values")}
    compare_keyed(tally, "filter_values", want, have)

    # metric_data: one row per (metric, day, measure) the answer has.
    want = {}
    for entry in metrics:
        usable = truth.usable(entry)
        for day in days:
            for agg in truth.aggregates(entry["id"], day):
                want[(entry["id"], day.isoformat(), agg["measure"])] = {
                    **window_columns(day),
                    "metric_id": entry["id"],
                    "measure": agg["measure"],
                    "value": agg["value"],
                    "value_type": agg["_type"],
                    "presence_durations": None,
                    "raw_value": None,
                    "filters": usable or None,
                    "filters_key": canonical({k: sorted(v) for k, v in usable.items()}),
                }
    have = {
        (r["metric_id"], r["window_date"], r["measure"]): loaded(r)
        for r in warehouse.rows("metric_data")
    }
    compare_keyed(tally, "metric_data", want, have)

    # Record streams: per day, the multiset of whole rows.
    for entry in app.record_entries():
        stream = entry["id"]
        columns = list(schemas[stream])
        rows = warehouse.rows(stream)
        for day in days:
            want_rows = [
                expected_record(raw, stream, day, columns) for raw in truth.records(stream, day)
            ]
            have_rows = [loaded(r) for r in rows if r["window_date"] == day.isoformat()]
            compare_multisets(tally, stream, want_rows, have_rows)
        outside = [r for r in rows if r["window_date"] not in {d.isoformat() for d in days}]
        tally.add(stream, len(outside), [f"row outside the days: {r}" for r in outside])

    # A day's rows per record type equal that day's Count.
    for entry in metrics:
        if not any(a["measure"] == "Count" for a in entry["aggregations"]):
            continue
        record_id = entry["relatedRecordIds"][0]
        for day in days:
            counted = [
                r["value"]
                for r in warehouse.rows("metric_data")
                if r["metric_id"] == entry["id"]
                and r["window_date"] == day.isoformat()
                and r["measure"] == "Count"
            ]
            count = counted[0] if counted else 0
            rows = sum(1 for r in warehouse.rows(record_id) if r["window_date"] == day.isoformat())
            bad = [] if rows == count else [f"{day}: {rows} rows, Count {count}"]
            tally.add(f"count=rows:{record_id}", 1, bad)
    return tally, warehouse


def sync_twice(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> tuple[DixaApp, list[SyncResult], list[dt.date]]:
    app = DixaApp(rate_per_second=1000, burst=200, **case.knobs)
    docs = app.knobs.dataset == "docs"
    first_now, second_now, days = (DOCS_T0, DOCS_T1, DOCS_DAYS) if docs else (T0, T1, DAYS)
    app.set_now(first_now)
    # The tap's clock is the simulator's: its current day is the simulator's.
    monkeypatch.setattr(DateWindowStream, "now", lambda self: app.now())
    monkeypatch.setattr(TapAnalytics, "now", lambda self: app.now())
    with serve(app) as url:
        config: dict[str, t.Any] = {
            "api_token": app.token,
            "api_url": url,
            "start_date": days[0].isoformat(),
            "timezone": TZ,
            "lookback_days": case.lookback,
            "page_limit": 20,
            "rate_limit_max_requests": 200,
            "rate_limit_window_seconds": 1.0,
            "backoff_base_seconds": 0.01,
            "max_retries": 1,
        }
        if case.filters:
            config["filters"] = case.filters
        first = run_sync(TapAnalytics, config)
        app.set_revision(1)
        app.set_now(second_now)
        second = run_sync(TapAnalytics, config, state=first.final_state)
    return app, [first, second], days


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_the_warehouse_equals_the_truth_of_the_last_revision(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, runs, days = sync_twice(case, monkeypatch)
    tally, warehouse = check(case, app, runs, days)
    for stream in sorted(tally.compared):
        print(
            f"[{case.name}] {stream}: rows compared {tally.compared[stream]}, "
            f"mismatches {tally.mismatches[stream]}"
        )
    for example in tally.examples[:10]:
        print(f"[{case.name}]   {example}")
    # Every stream was compared on real data.
    streams = {"metrics", "records", "filter_values", "metric_data"}
    streams |= {e["id"] for e in app.record_entries()}
    streams -= case.empty
    assert streams <= {s for s, n in tally.compared.items() if n}, tally.compared
    assert sum(tally.mismatches.values()) == 0, tally.examples[:10]

    if case.name == "defaults":
        # The agent who left is no longer a filter value: its row was deleted.
        assert warehouse.deleted["filter_values"] == 1
        assert ("agent_id", LEAVER) not in {
            (r["attribute"], r["value"]) for r in warehouse.rows("filter_values")
        }
        # A renamed agent: the same key, the new label.
        labels = {
            r["label"] for r in warehouse.rows("filter_values") if r["value"] == RENAMED_AGENT
        }
        assert labels == {data.AGENT_NEW_NAME}
    if case.name == "zero_count=empty+tag":
        # The Count of the tag that left recent conversations vanished: deleted rows.
        assert warehouse.deleted["metric_data"] >= 1
        assert warehouse.deleted["closed_conversations"] >= 1
    if case.name == "agent_who_leaves":
        assert warehouse.deleted["ratings"] >= 1
    if case.name == "rename_scope=recent+catalogue":
        labels = {
            r["agent_id_label"]
            for r in warehouse.rows("closed_conversations")
            if r["agent_id"] == RENAMED_AGENT
        }
        assert {data.AGENTS[data.RENAMED_AGENT][0], data.AGENT_NEW_NAME} <= labels


def test_data_varies_on_every_key_dimension(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default case's truth has several agents, queues, channels, closes per
    conversation and measures, so that a key missing a dimension would collapse rows."""
    app = DixaApp(
        rate_per_second=1000, burst=200, record_shape="catalogue", first_response_time=True
    )
    app.set_now(T1)
    app.set_revision(1)
    truth = Truth(app, {})
    rows = [raw for day in DAYS for raw in truth.records("closed_conversations", day)]
    values: dict[str, set[t.Any]] = {}
    for raw in rows:
        for item in raw["fields"]:
            if isinstance(item.get("field"), dict):
                values.setdefault(item["name"], set()).add(item["field"]["value"])
    assert len(values["agent_id"]) >= 4 and len(values["queue_id"]) == 3
    assert len(values["closed_by"]) == 3
    ids = Counter(
        next(i["field"]["value"] for i in raw["fields"] if i["name"] == "conversation_id")
        for raw in rows
    )
    assert max(ids.values()) >= 2  # conversations closed more than once
    measures = {a["measure"] for d in DAYS for a in truth.aggregates("first_response_time", d)}
    assert len(measures) == 5
