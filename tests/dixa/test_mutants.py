"""Gaps that mutation testing (docs/mutation.md) found in the Dixa tap."""

from __future__ import annotations

import typing as t

import requests

from tap_analytics.tap import TapAnalytics
from tests.responses import json_response


def _response(status: int, body: t.Any) -> requests.Response:
    return json_response(
        status, body, "http://127.0.0.1:9/v1/analytics/metrics", reason="Bad Request"
    )


def test_a_refused_page_key_says_to_run_again(dixa_config: dict[str, t.Any]) -> None:
    tap = TapAnalytics(config=dixa_config)
    stream = next(iter(tap.streams.values()))
    message = stream.response_error_message(_response(400, {"message": "Invalid pageKey: expired"}))
    assert "a page key expired or was refused: run again" in message
    other = stream.response_error_message(_response(400, {"message": "Invalid pageLimit"}))
    assert "check `page_limit`" in other and "page key" not in other


def _metric_stream(config: dict[str, t.Any]) -> t.Any:
    tap = TapAnalytics(config=config)
    return next(s for s in tap.streams.values() if type(s).__name__ == "MetricDataStream")


def test_presence_durations_without_a_value_are_an_empty_list(
    dixa_config: dict[str, t.Any],
) -> None:
    stream = _metric_stream(dixa_config)
    out = stream.typed_value({"_type": "AgentPresenceDurationValue", "value": None})
    assert out["presence_durations"] == [] and out["raw_value"] is None
    listed = stream.typed_value(
        {
            "_type": "AgentPresenceDurationValue",
            "value": [{"status": {"status": "Online", "description": "on"}, "value": 60}],
        }
    )
    assert listed["presence_durations"] == [
        {"status": "Online", "status_description": "on", "value": 60}
    ]


def test_numeric_aggregates_sent_as_text_are_read_as_numbers(
    dixa_config: dict[str, t.Any],
) -> None:
    stream = _metric_stream(dixa_config)
    double = stream.typed_value({"_type": "DoubleAggregateValue", "value": "1.5"})
    assert (double["value"], double["value_type"], double["raw_value"]) == (
        1.5,
        "DoubleAggregateValue",
        None,
    )
    long = stream.typed_value({"_type": "LongAggregateValue", "value": "42"})
    assert long["value"] == 42 and isinstance(long["value"], int)
