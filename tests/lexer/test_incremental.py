"""State: sequential runs, resume after interruption, far-future and corrupt state."""

from __future__ import annotations

import datetime as dt
import typing as t

import pytest
from singer_sdk.exceptions import RetriableAPIError

from tap_lexer_activity.tap import TapLexerActivity
from tapkit.errors import StateError
from tapkit.testing import run_sync

STREAMS = ["summary", "classifications", "nps_summary", "states_volume", "nps_volume"]
KEYS = {
    "summary": ["window_start"],
    "classifications": ["window_start", "classification_id", "state"],
    "nps_summary": ["form_id", "nps_category", "window_start"],
    "states_volume": ["bucket_start", "state"],
    "nps_volume": ["form_id", "nps_category", "bucket_start"],
}


def keyset(records: dict[str, list[dict[str, t.Any]]]) -> dict[str, set[tuple]]:
    return {s: {tuple(r[k] for k in KEYS[s]) for r in records.get(s, [])} for s in STREAMS}


def test_second_run_returns_only_lookback_rows(lexer_config) -> None:
    today = dt.datetime.now(dt.UTC).date()
    config = {
        **lexer_config,
        "timezone": "UTC",
        "end_date": None,
        "lookback_days": 1,
        "start_date": (today - dt.timedelta(days=6)).isoformat(),
    }
    first = run_sync(TapLexerActivity, config, streams=STREAMS)
    assert len(first.records["summary"]) == 7
    second = run_sync(TapLexerActivity, config, streams=STREAMS, state=first.final_state)
    expected = {(today - dt.timedelta(days=1)).isoformat(), today.isoformat()}
    assert {r["window_date"] for r in second.records["summary"]} == expected
    assert {r["bucket_date"] for r in second.records["states_volume"]} == expected
    assert {r["window_date"] for r in second.records["nps_summary"]} == expected
    # Re-fetched rows carry the same keys: upserts, not new rows.
    assert keyset(second.records)["summary"] <= keyset(first.records)["summary"]


def test_interrupted_run_resumes_from_last_state_and_loses_nothing(lexer_config, lexer_app) -> None:
    clean = run_sync(TapLexerActivity, lexer_config, streams=STREAMS)
    lexer_app.faults.add("status", status=500, count=10_000, after=23, path="/activity/reports")
    broken = run_sync(TapLexerActivity, lexer_config, streams=STREAMS, raise_errors=False)
    assert isinstance(broken.error, RetriableAPIError)
    partial = broken.final_state
    assert partial is not None
    # No bookmark points past the rows actually emitted.
    for stream, rows in broken.records.items():
        bookmark = partial["bookmarks"].get(stream, {}).get("replication_key_value")
        if bookmark and stream in ("summary", "classifications"):
            assert bookmark <= max(r["window_start"] for r in rows)
    lexer_app.faults.clear()
    resumed = run_sync(TapLexerActivity, lexer_config, streams=STREAMS, state=partial)
    got = keyset(broken.records)
    for stream, keys in keyset(resumed.records).items():
        got[stream] |= keys
    assert got == keyset(clean.records)
    # The resumed run did not start over: streams synced before the failure (in name
    # order, classifications first) only re-fetch their lookback window.
    assert broken.records["classifications"]
    assert {r["window_date"] for r in resumed.records["classifications"]} == {
        "2026-04-09",
        "2026-04-10",
    }


def test_far_future_state_yields_no_records_and_a_valid_state(lexer_config) -> None:
    future = "2999-01-01T00:00:00+00:00"
    state = {
        "bookmarks": {
            "summary": {"replication_key": "window_start", "replication_key_value": future},
            "states_volume": {"replication_key": "bucket_start", "replication_key_value": future},
        }
    }
    result = run_sync(
        TapLexerActivity, lexer_config, streams=["summary", "states_volume"], state=state
    )
    assert result.records == {}
    assert result.final_state["bookmarks"]["summary"]["replication_key_value"] == future


def test_corrupt_state_names_the_stream_and_how_to_fix_it(lexer_config) -> None:
    state = {
        "bookmarks": {
            "summary": {"replication_key": "window_start", "replication_key_value": "yesterday-ish"}
        }
    }
    with pytest.raises(StateError, match=r"summary.*meltano state clear"):
        run_sync(TapLexerActivity, lexer_config, streams=["summary"], state=state)
