"""Record identity, metric_data's key, number types and the end of the sync range, against
a fake built from the docs' verbatim samples (tests/dixa/fakes.py): every record the API
returns is one row, exactly once, across re-fetches and label renames."""

from __future__ import annotations

import copy
import datetime as dt
import typing as t
from collections import Counter
from collections.abc import Iterator

import pytest

from tap_analytics.tap import TapAnalytics
from tapkit import DateWindowStream, TapError
from tapkit.testing import run_sync

from .conftest import sync_catalog
from .fakes import TOKEN, FakeDixa, docs_closed_conversations, serve

CLOSED = "closed_conversations"


@pytest.fixture
def fake() -> FakeDixa:
    return FakeDixa()


@pytest.fixture
def config(fake: FakeDixa) -> Iterator[dict[str, t.Any]]:
    with serve(fake) as url:
        yield {
            "api_token": TOKEN,
            "api_url": url,
            "start_date": "2023-04-21",
            "end_date": "2023-04-22",
            "timezone": "Europe/Copenhagen",
            "record_ids": [CLOSED],
            "metric_ids": [CLOSED],
            "page_limit": 2,
            "rate_limit_max_requests": 500,
            "rate_limit_window_seconds": 1.0,
            "backoff_base_seconds": 0.01,
            "max_retries": 1,
        }


def closed(
    conversation: int, closed_at: str, *, queue_label: str = "Example queue"
) -> dict[str, t.Any]:
    """A closed_conversations row as the catalogue describes it (closed_at primary)."""
    return {
        "primaryTimestampField": {"name": "closed_at", "timestamp": closed_at},
        "fields": [
            {"name": "closed_at", "field": {"value": closed_at, "_type": "InstantField"}},
            {"name": "conversation_id", "field": {"value": conversation, "_type": "LongField"}},
            {
                "name": "queue_id",
                "field": {
                    "value": "220ffe6a-3040-4ece-ae3a-c4c6d63ff3cc",
                    "label": queue_label,
                    "_type": "UUIDField",
                },
            },
            {"name": "closed_by", "field": {"value": "Agent", "_type": "StringField"}},
        ],
    }


def counts(rows: list[dict[str, t.Any]]) -> Counter[str]:
    return Counter(r["window_date"] for r in rows)


def metric_counts(rows: list[dict[str, t.Any]]) -> dict[str, t.Any]:
    return {r["window_date"]: r["value"] for r in rows if r["measure"] == "Count"}


def test_the_docs_closed_conversations_sample_loads_every_record(
    fake: FakeDixa, config: dict[str, t.Any]
) -> None:
    # The docs' only example row has csid and created_at, not the catalogue's
    # conversation_id: the run must not stop, and both rows load.
    fake.rows[CLOSED] = docs_closed_conversations()
    result = run_sync(TapAnalytics, config, streams=[CLOSED, "metric_data"])
    rows = result.records[CLOSED]
    day = "window_start=2023-04-20T22:00:00+00:00"  # 2023-04-21 in Copenhagen
    assert [r["record_key"] for r in rows] == [
        f"csid=184472;created_at=2023-04-21T10:23:14.293Z;{day}",
        f"csid=184473;created_at=2023-04-21T10:24:04.259Z;{day}",
    ]
    assert result.schemas[CLOSED]["key_properties"] == ["record_key"]
    assert counts(rows) == Counter({"2023-04-21": 2})
    assert metric_counts(result.records["metric_data"]) == {"2023-04-21": 2, "2023-04-22": 0}


def test_a_conversation_closed_twice_is_two_rows_under_either_reading(
    fake: FakeDixa, config: dict[str, t.Any]
) -> None:
    # Catalogue reading: the two closes differ in closed_at. Docs-example reading: the two
    # records are alike (same csid, same created_at): they are still two records.
    twin = docs_closed_conversations()[0]
    fake.rows[CLOSED] = [
        closed(7, "2023-04-21T08:00:00.000Z"),
        closed(7, "2023-04-21T15:30:00.000Z"),
        twin,
        copy.deepcopy(twin),
        closed(8, "2023-04-22T09:00:00.000Z"),
    ]
    result = run_sync(TapAnalytics, config, streams=[CLOSED, "metric_data"])
    keys = [r["record_key"] for r in result.records[CLOSED]]
    assert len(set(keys)) == len(keys) == 5
    day = "window_start=2023-04-20T22:00:00+00:00"
    assert f"csid=184472;created_at=2023-04-21T10:23:14.293Z;{day}#2" in keys
    # The warehouse's rows per day equal the Count metric.
    assert counts(result.records[CLOSED]) == Counter(metric_counts(result.records["metric_data"]))


def test_renamed_labels_and_re_fetches_keep_every_key(
    fake: FakeDixa, config: dict[str, t.Any]
) -> None:
    no_id = {
        "primaryTimestampField": {"name": "closed_at", "timestamp": "2023-04-21T09:00:00Z"},
        "fields": [
            {
                "name": "queue_id",
                "field": {"value": "q-1", "label": "Example queue", "_type": "UUIDField"},
            }
        ],
    }
    fake.rows[CLOSED] = [closed(7, "2023-04-21T08:00:00.000Z"), no_id]
    first = run_sync(TapAnalytics, config, streams=[CLOSED])
    fake.rows[CLOSED] = [closed(7, "2023-04-21T08:00:00.000Z", queue_label="Renamed")]
    renamed = copy.deepcopy(no_id)
    renamed["fields"][0]["field"]["label"] = "Renamed queue"
    fake.rows[CLOSED].append(renamed)
    again = run_sync(
        TapAnalytics, {**config, "lookback_days": 2}, streams=[CLOSED], state=first.final_state
    )
    before = [r["record_key"] for r in first.records[CLOSED]]
    after = [r["record_key"] for r in again.records[CLOSED]]
    assert len(before) == 2 and before == after
    assert after[1].startswith("sha256=")
    assert again.records[CLOSED][1]["queue_id_label"] == "Renamed queue"


def test_metric_data_is_keyed_by_the_filters_that_produced_it(
    fake: FakeDixa, config: dict[str, t.Any]
) -> None:
    fake.rows[CLOSED] = docs_closed_conversations()
    plain = run_sync(TapAnalytics, config, streams=["metric_data"])
    keys = plain.schemas["metric_data"]["key_properties"]
    assert "filters_key" in keys and "timezone" in keys
    filtered = run_sync(
        TapAnalytics,
        {**config, "filters": {"channel": ["phone", "EMAIL"]}},
        streams=["metric_data"],
    )
    assert filtered.records["metric_data"][0]["filters_key"] == '{"channel":["EMAIL","phone"]}'
    assert plain.records["metric_data"][0]["filters_key"] == "{}"

    def key_set(rows: list[dict[str, t.Any]]) -> set[tuple[t.Any, ...]]:
        return {tuple(r[k] for k in keys) for r in rows}

    assert not key_set(plain.records["metric_data"]) & key_set(filtered.records["metric_data"])


def test_a_catalog_from_before_the_key_change_stops_with_one_clear_line(
    fake: FakeDixa, config: dict[str, t.Any]
) -> None:
    from tapkit.testing import catalog_selecting

    catalog = catalog_selecting(TapAnalytics(config=config), [CLOSED, "metric_data"])
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == CLOSED:
            entry["key_properties"] = ["conversation_id"]
            entry["metadata"][0]["metadata"]["table-key-properties"] = ["conversation_id"]
    result = sync_catalog(config, catalog, raise_errors=False)
    assert isinstance(result.error, TapError)
    assert "stream 'closed_conversations'" in str(result.error)
    assert "refresh-catalog" in str(result.error) and not result.records
    catalog = catalog_selecting(TapAnalytics(config=config), ["metric_data"])
    for entry in catalog["streams"]:
        if entry["tap_stream_id"] == "metric_data":
            entry["key_properties"] = ["metric_id", "window_start", "measure"]
            del entry["schema"]["properties"]["filters_key"]
    result = sync_catalog(config, catalog, raise_errors=False)
    assert isinstance(result.error, TapError)
    assert "stream 'metric_data'" in str(result.error) and not result.records


def long_then(value: t.Any, kind: str) -> tuple[list[dict[str, t.Any]], list[dict[str, t.Any]]]:
    def row(v: t.Any, k: str) -> dict[str, t.Any]:
        out = closed(7, "2023-04-21T08:00:00.000Z")
        out["fields"].append({"name": "agent_id", "field": {"value": v, "_type": k}})
        return out

    return [row(3, "LongField")], [row(value, kind)]


def test_a_long_field_that_turns_double_keeps_its_number_or_stops(
    fake: FakeDixa, config: dict[str, t.Any]
) -> None:
    fake.sample_rows[CLOSED], fake.rows[CLOSED] = long_then(4.0, "DoubleField")
    result = run_sync(TapAnalytics, config, streams=[CLOSED])
    assert result.schemas[CLOSED]["schema"]["properties"]["agent_id"]["type"] == [
        "integer",
        "null",
    ]
    [row] = result.records[CLOSED]
    assert row["agent_id"] == 4 and row["unmapped_fields"] is None

    fake.sample_rows[CLOSED], fake.rows[CLOSED] = long_then(4.5, "DoubleField")
    failed = run_sync(TapAnalytics, config, streams=[CLOSED], raise_errors=False)
    assert isinstance(failed.error, TapError)
    message = str(failed.error)
    assert (
        "stream 'closed_conversations': field 'agent_id'" in message
        and "4.5" in message
        and "refresh-catalog" in message
    )
    assert "\n" not in message
    assert not failed.records.get(CLOSED)


@pytest.mark.parametrize("inclusive_end", [False, True])
def test_a_record_stamped_at_local_midnight_is_loaded_once_in_its_own_day(
    fake: FakeDixa, config: dict[str, t.Any], inclusive_end: bool
) -> None:
    fake.inclusive_end = inclusive_end
    midnight = "2023-04-21T22:00:00.000Z"  # 2023-04-22 00:00 in Copenhagen
    fake.rows[CLOSED] = [closed(7, "2023-04-21T08:00:00.000Z"), closed(9, midnight)]
    result = run_sync(TapAnalytics, config, streams=[CLOSED])
    rows = result.records[CLOSED]
    assert [(r["conversation_id"], r["window_date"]) for r in rows] == [
        (7, "2023-04-21"),
        (9, "2023-04-22"),
    ]


def test_a_future_end_date_is_capped_at_today(
    fake: FakeDixa, config: dict[str, t.Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime(2023, 4, 22, 10, 0, tzinfo=dt.UTC)
    monkeypatch.setattr(DateWindowStream, "now", lambda self: now)
    fake.rows[CLOSED] = [
        closed(7, "2023-04-21T08:00:00.000Z"),
        closed(8, "2023-04-22T09:00:00.000Z"),
        closed(9, "2023-04-24T09:00:00.000Z"),  # in the future of `now`: never asked for
    ]
    result = run_sync(
        TapAnalytics, {**config, "end_date": "2030-01-01"}, streams=[CLOSED, "metric_data"]
    )
    assert counts(result.records[CLOSED]) == Counter({"2023-04-21": 1, "2023-04-22": 1})
    assert {r["window_date"] for r in result.records["metric_data"]} == {
        "2023-04-21",
        "2023-04-22",
    }
    day_requests = [p for p in fake.periods if p[1] < "2023-05"]
    assert max(start for start, _ in day_requests) == "2023-04-21T22:00:00Z"
    final = result.final_state
    assert final is not None
    today = "2023-04-21T22:00:00+00:00"  # 2023-04-22 00:00 in Copenhagen
    assert final["bookmarks"][CLOSED]["replication_key_value"] == today
    partitions = final["bookmarks"]["metric_data"]["partitions"]
    assert [p["replication_key_value"] for p in partitions] == [today]


def test_whole_doubles_in_an_integer_list_load_exactly_and_fractions_stop() -> None:
    from tap_analytics import fields

    record = {"id": "r", "fieldsMetadata": [{"field": "ns", "description": "", "nullable": True}]}
    longs = {"_type": "ListField", "values": [{"value": 1, "_type": "LongField"}]}
    sample = [{"fields": [{"name": "ns", "field": longs}]}]
    schema, _ = fields.record_schema(record, sample)
    builder = fields.RowBuilder(schema, lambda msg: None)

    def raw(*values: float) -> dict[str, t.Any]:
        items = [{"value": v, "_type": "DoubleField"} for v in values]
        return {
            "primaryTimestampField": {"name": "at", "timestamp": "2026-01-01T00:00:00Z"},
            "fields": [{"name": "ns", "field": {"_type": "ListField", "values": items}}],
        }

    row = builder.build(raw(2.0, 3.0), {})
    assert row["ns"] == [2, 3] and row["unmapped_fields"] is None
    with pytest.raises(TapError, match=r"'ns'.*2\.5"):
        builder.build(raw(2.0, 2.5), {})


@pytest.mark.parametrize("inclusive_end", [False, True])
def test_counts_equal_the_rows_of_each_day_whether_end_is_inclusive_or_not(
    fake: FakeDixa, config: dict[str, t.Any], inclusive_end: bool
) -> None:
    fake.inclusive_end = inclusive_end
    fake.rows[CLOSED] = [
        closed(7, "2023-04-21T08:00:00.000Z"),
        closed(9, "2023-04-21T22:00:00.000Z"),  # 2023-04-22 00:00 in Copenhagen
        closed(8, "2023-04-22T09:00:00.000Z"),
    ]
    result = run_sync(TapAnalytics, config, streams=["metric_data", CLOSED])
    counts_by_day = metric_counts(result.records["metric_data"])
    assert counts_by_day == {"2023-04-21": 1, "2023-04-22": 2}
    assert counts(result.records[CLOSED]) == Counter(counts_by_day)
    # Metric and record requests alike follow the reading the run detected (a record
    # stamped at the next midnight is also left to the next day by the stream).
    day_ends = {b["periodFilter"]["end"] for b in fake.bodies if "aggregations" in b}
    record_ends = {
        b["periodFilter"]["end"]
        for b in fake.bodies
        if "aggregations" not in b and b["periodFilter"]["start"].endswith("T22:00:00Z")
    }
    if inclusive_end:
        assert day_ends == {"2023-04-21T21:59:59.999Z", "2023-04-22T21:59:59.999Z"}
    else:
        assert day_ends == {"2023-04-21T22:00:00Z", "2023-04-22T22:00:00Z"}
    assert record_ends == day_ends
