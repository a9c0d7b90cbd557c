"""Dynamic discovery: one typed stream per record id, cheap and stable with record_ids or
a cached catalog; typed-field unwrapping, including undocumented types."""

from __future__ import annotations

import logging
import typing as t

import pytest

from sandbox.dixa import DixaApp
from tap_analytics import fields
from tap_analytics.tap import TapAnalytics
from tapkit import TapError
from tapkit.testing import run_sync

from .conftest import serve


def props(tap: TapAnalytics, stream: str) -> dict[str, t.Any]:
    return tap.streams[stream].schema["properties"]


def test_discovery_makes_one_typed_stream_per_record_id(dixa_config: dict[str, t.Any]) -> None:
    # The docs' catalogues: records `ratings` and `closed_conversations`.
    tap = TapAnalytics(config=dixa_config)
    assert set(tap.streams) == {
        "metrics",
        "records",
        "filter_values",
        "metric_data",
        "closed_conversations",
        "ratings",
    }
    # Default reading: rows shaped like the docs' example (csid, initial_direction,
    # initial_channel, contact_point); fieldsMetadata's fields are columns too (text
    # until seen), the example's fields are typed from the sample.
    closed = props(tap, "closed_conversations")
    assert closed["conversation_id"]["type"] == ["string", "null"]  # named, never seen
    assert closed["csid"]["type"] == ["integer", "null"]
    assert closed["initial_channel"]["type"] == ["string", "null"]
    assert "initial_channel_label" in closed and "contact_point_label" in closed
    assert closed["record_key"]["type"] == ["string"]  # the key: never null
    assert closed["closed_by"]["description"].startswith("User closing the conversation")
    ratings = props(tap, "ratings")
    assert ratings["value"]["type"] == ["integer", "null"]  # the rating, a LongField
    assert ratings["conversation_id"]["type"] == ["integer", "null"]
    assert ratings["agent_id"]["type"] == ["string", "null"] and "agent_id_label" in ratings
    assert tap.streams["closed_conversations"].primary_keys == ["record_key"]
    assert tap.streams["ratings"].replication_key == "window_start"


def test_discovery_types_the_catalogue_shaped_rows_and_extra_records(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    dixa_app.set_knobs(record_shape="catalogue", first_response_time=True)
    tap = TapAnalytics(config=dixa_config)
    assert "first_response_time" in tap.streams
    closed = props(tap, "closed_conversations")
    assert closed["conversation_id"]["type"] == ["integer", "null"]
    assert closed["closed_at"]["format"] == "date-time"  # an InstantField
    assert "csid" not in closed
    assert "agent_id_label" in closed and "queue_id_label" in closed
    frt = props(tap, "first_response_time")
    assert frt["value"]["type"] == ["number", "null"]  # MetricRecord.value, a DoubleField
    assert frt["csid"]["type"] == ["integer", "null"]
    assert tap.streams["first_response_time"].primary_keys == ["record_key"]


def test_record_ids_limit_discovery_to_a_few_requests(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    before = dixa_app.stats["requests"]
    tap = TapAnalytics(config={**dixa_config, "record_ids": ["ratings"]})
    assert [
        n for n in tap.streams if n not in ("metrics", "records", "filter_values", "metric_data")
    ] == ["ratings"]
    # The records catalogue (one page) and one sample page of `ratings`.
    assert dixa_app.stats["requests"] - before == 2


def test_a_cached_catalog_rebuilds_the_streams_without_any_request(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    catalog = TapAnalytics(config=dixa_config).catalog_dict
    before = dixa_app.stats["requests"]
    tap = TapAnalytics(config=dixa_config, catalog=catalog)
    assert dixa_app.stats["requests"] == before
    assert tap.streams["ratings"].schema == next(
        e["schema"] for e in catalog["streams"] if e["tap_stream_id"] == "ratings"
    )
    assert tap.streams["ratings"].primary_keys == ["record_key"]
    assert {e["tap_stream_id"] for e in tap.catalog_dict["streams"]} == {
        e["tap_stream_id"] for e in catalog["streams"]
    }


def test_discovery_is_stable(dixa_config: dict[str, t.Any]) -> None:
    first = TapAnalytics(config=dixa_config).catalog_dict
    second = TapAnalytics(config=dixa_config).catalog_dict
    assert first == second


def test_an_unknown_record_id_names_the_setting(dixa_config: dict[str, t.Any]) -> None:
    with pytest.raises(
        TapError,
        match=r"record_ids: 'nope' is not in the Dixa records catalogue \(known: closed_conversations, ratings\)",
    ):
        TapAnalytics(config={**dixa_config, "record_ids": ["ratings", "nope"]})


def test_an_unknown_metric_id_names_the_setting(dixa_config: dict[str, t.Any]) -> None:
    result = run_sync(
        TapAnalytics,
        {**dixa_config, "metric_ids": ["csat", "nps"]},
        streams=["metric_data"],
        raise_errors=False,
    )
    assert isinstance(result.error, TapError)
    assert "metric_ids: 'nps' is not in the Dixa metrics catalogue" in str(result.error)


def test_metric_ids_restrict_metric_data(dixa_config: dict[str, t.Any]) -> None:
    result = run_sync(
        TapAnalytics, {**dixa_config, "metric_ids": ["csat"]}, streams=["metric_data"]
    )
    assert {r["metric_id"] for r in result.records["metric_data"]} == {"csat"}


def test_catalogues_are_paged_completely(dixa_app: DixaApp, dixa_config: dict[str, t.Any]) -> None:
    result = run_sync(
        TapAnalytics,
        {**dixa_config, "page_limit": 1},
        streams=["metrics", "records", "filter_values"],
    )
    assert len(result.records["metrics"]) == 2
    assert len(result.records["records"]) == 2
    # agents 5, queues 3, channels 4, directions 2, tags 4, contact points 5
    assert len(result.records["filter_values"]) == 23
    assert dixa_app.stats["GET /v1/analytics/metrics"] >= 2


def test_undocumented_field_types_are_kept_and_logged_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    app = DixaApp(rate_per_second=1000, burst=200, extra_field_type="SentimentField")
    with serve(app) as url:
        config = {
            "api_token": app.token,
            "api_url": url,
            "start_date": "2026-10-24",
            "end_date": "2026-10-25",
            "record_ids": ["ratings"],
            "page_limit": 10,
            "rate_limit_max_requests": 200,
            "rate_limit_window_seconds": 1.0,
        }
        with caplog.at_level(logging.WARNING):
            result = run_sync(TapAnalytics, config, streams=["ratings"])
    rows = result.records["ratings"]
    assert len(rows) > 10
    assert result.schemas["ratings"]["schema"]["properties"]["sentiment"]["type"] == [
        "string",
        "null",
    ]
    for row in rows:
        assert '"_type":"SentimentField"' in row["sentiment"]
        assert row["value"] is not None  # the rating
    warnings = [r for r in caplog.records if "undocumented type 'SentimentField'" in r.getMessage()]
    assert len(warnings) == 1


# -- unit: schemas and rows ----------------------------------------------------------------


def test_a_record_without_an_id_field_is_keyed_by_a_hash_of_its_values() -> None:
    record = {
        "id": "calls",
        "fieldsMetadata": [
            {"field": "duration", "description": "d", "nullable": False},
            {"field": "id", "description": "may be missing", "nullable": True},
        ],
    }
    sample = [
        {
            "primaryTimestampField": {"name": "at", "timestamp": "2026-01-01T00:00:00Z"},
            "fields": [{"name": "duration", "field": {"value": 3, "_type": "IntField"}}],
        }
    ]
    schema, key = fields.record_schema(record, sample)
    assert key == fields.RECORD_KEY
    assert schema["properties"][fields.RECORD_KEY]["type"] == ["string"]
    builder = fields.RowBuilder(schema, lambda msg: None)
    first = builder.build(sample[0], {})
    assert first[key].startswith("sha256=") and first[key].endswith(";at=2026-01-01T00:00:00Z")
    assert first[key] == builder.build(sample[0], {"window_start": "x"})[key]
    other = {
        **sample[0],
        "fields": [{"name": "duration", "field": {"value": 4, "_type": "IntField"}}],
    }
    assert builder.build(other, {})[key] != first[key]


def test_rows_keep_what_does_not_fit() -> None:
    record = {
        "id": "r",
        "fieldsMetadata": [
            {"field": "id", "description": "", "nullable": False},
            {"field": "n", "description": "", "nullable": True},
        ],
    }
    sample = [
        {
            "fields": [
                {"name": "id", "field": {"value": 1, "_type": "LongField"}},
                {"name": "n", "field": {"value": 1, "_type": "LongField"}},
            ]
        }
    ]
    schema, key = fields.record_schema(record, sample)
    assert key == fields.RECORD_KEY
    messages: list[str] = []
    builder = fields.RowBuilder(schema, messages.append)
    raw = {
        "primaryTimestampField": {"name": "at", "timestamp": "2026-01-01T00:00:00Z"},
        "fields": [
            {"name": "id", "field": {"value": 2, "_type": "LongField"}},
            {"name": "n", "field": {"value": "many", "label": "Many", "_type": "StringField"}},
            {"name": "brand_new", "field": {"value": True, "_type": "BooleanField"}},
        ],
    }
    row = builder.build(raw, {})
    assert row["id"] == 2 and row["n"] is None
    assert row["unmapped_fields"] == {
        "n": {"value": "many", "label": "Many", "_type": "StringField"},
        "brand_new": {"value": True, "_type": "BooleanField"},
    }
    builder.build(raw, {})
    assert len(messages) == 2  # once per problem, not per row


def test_stream_names_avoid_the_fixed_streams() -> None:
    assert fields.stream_name("metrics", {"metrics", "records"}) == "record_metrics"
    assert fields.stream_name("Closed Conversations", set()) == "closed_conversations"
    assert fields.column_name("value") == "value_field"


def test_record_ids_missing_from_a_cached_catalog_are_discovered_live(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    catalog = TapAnalytics(config={**dixa_config, "record_ids": ["ratings"]}).catalog_dict
    before = dixa_app.stats["requests"]
    config = {**dixa_config, "record_ids": ["ratings", "closed_conversations"]}
    tap = TapAnalytics(config=config, catalog=catalog)
    assert {"ratings", "closed_conversations"} <= set(tap.streams)
    assert set(tap.streams) == {
        "metrics",
        "records",
        "filter_values",
        "metric_data",
        *config["record_ids"],
    }
    # Only the missing record id costs requests: the catalogue and one sample page.
    assert dixa_app.stats["requests"] - before == 2
    assert tap.streams["closed_conversations"].schema["properties"]["csid"]["type"] == [
        "integer",
        "null",
    ]


def test_metric_values_of_every_documented_and_an_unknown_type(
    dixa_config: dict[str, t.Any],
) -> None:
    tap = TapAnalytics(config={**dixa_config, "record_ids": ["ratings"]})
    stream = tap.streams["metric_data"]
    typed = stream.typed_value  # type: ignore[attr-defined]
    assert typed({"value": 42, "measure": "Count", "_type": "LongAggregateValue"})["value"] == 42
    assert (
        typed({"value": 1.5, "measure": "Average", "_type": "DoubleAggregateValue"})["value"] == 1.5
    )
    presence = typed(
        {
            "_type": "AgentPresenceDurationValue",
            "measure": "AgentPresenceDuration",
            "value": [{"value": 3600.0, "status": {"status": "Working", "description": "Online"}}],
        }
    )
    assert presence["value"] is None
    assert presence["presence_durations"] == [
        {"status": "Working", "status_description": "Online", "value": 3600.0}
    ]
    odd = typed({"value": 7, "measure": "Median", "_type": "MedianValue"})
    assert odd["value"] == 7 and '"_type":"MedianValue"' in odd["raw_value"]
    assert typed(None) == {
        "value": None,
        "value_type": None,
        "presence_durations": None,
        "raw_value": None,
    }
