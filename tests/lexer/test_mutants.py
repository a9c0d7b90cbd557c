"""Gaps that mutation testing (docs/mutation.md) found in the Lexer tap."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest
import requests

from tap_lexer_activity.tap import TapLexerActivity
from tapkit.errors import TapError
from tapkit.windows import Window
from tests.responses import json_response

CONFIG = {
    "api_token": "tok-lexer-mutants",
    "api_url": "http://127.0.0.1:9/v1",
    "start_date": "2026-04-01",
    "end_date": "2026-04-01",
}


def _response(status: int, body: t.Any) -> requests.Response:
    return json_response(status, body, "http://127.0.0.1:9/v1/activity/reports")


def _stream() -> t.Any:
    return TapLexerActivity(config=dict(CONFIG)).streams["summary"]


def test_error_text_joins_the_error_and_the_message_of_the_body() -> None:
    stream = _stream()
    both = _response(400, {"error": "bad_request", "message": "date_from is after date_to"})
    assert stream.api_error_text(both) == "bad_request - date_from is after date_to"
    only_message = _response(422, {"message": "unknown report_type"})
    assert stream.api_error_text(only_message) == "unknown report_type"


def test_a_user_volume_item_of_neither_shape_is_named_in_the_error() -> None:
    stream = TapLexerActivity(config=dict(CONFIG)).streams["user_volume"]
    day = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
    window = Window(day, day + dt.timedelta(days=1), day, day + dt.timedelta(days=1))
    with pytest.raises(TapError) as caught:
        stream.rows([{"user_id": 7, "volume": 3}], window, None)
    assert (
        "answered report 'user_volume' with a dict where a state row or an agent with "
        "`states` was documented"
    ) in str(caught.value)


def test_a_series_that_is_not_a_list_is_one_clear_error() -> None:
    stream = TapLexerActivity(config=dict(CONFIG)).streams["case_volume"]
    with pytest.raises(TapError, match="with a str where a list of buckets was documented"):
        stream.parse_buckets({stream.report.series_key or "case_volume": "n/a"}, dt.UTC)


def test_nps_volume_that_is_not_a_list_is_one_clear_error() -> None:
    stream = TapLexerActivity(config=dict(CONFIG)).streams["nps_volume"]
    with pytest.raises(TapError, match="with a dict where a list of daily buckets was documented"):
        stream.parse_buckets({"buckets": []}, dt.UTC)
