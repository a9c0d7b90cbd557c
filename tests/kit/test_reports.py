"""The report base class over several runs: a re-fetched day replaces what was loaded
for it (keys that vanished are deleted), and the bookmark never walks back."""

from __future__ import annotations

import datetime as dt
import logging
import typing as t
from pathlib import Path

import pytest
from singer_sdk import SchemaDirectory
from singer_sdk import typing as th

from tapkit import DELETED_AT, DateWindowStream, KitStreamSchema, KitTap, Window, WindowPolicy
from tapkit.tap import http_settings, window_settings
from tapkit.testing import Warehouse, run_sync

NOW = dt.datetime(2026, 11, 10, 12, 0, tzinfo=dt.UTC)
#: The fake API's answer: day -> {state: count}; states at zero are left out, as the
#: vendors do. Tests change it between runs.
ANSWERS: dict[str, dict[str, int]] = {}
FAIL_ON: set[str] = set()


class FakeStatesStream(DateWindowStream):
    name = "fake_states"
    url_base = "http://127.0.0.1:9"
    schema = KitStreamSchema(SchemaDirectory(Path(__file__).parent / "schemas"))
    primary_keys: t.ClassVar[list[str]] = ["window_start", "state"]
    window_policy = WindowPolicy(max_days=1)

    def now(self) -> dt.datetime:
        return NOW

    def records_for_window(self, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        day = window.start.date().isoformat()
        if day in FAIL_ON:
            raise RuntimeError(f"interrupted at {day}")
        return [
            {**self.window_columns(window), "state": state, "value": value}
            for state, value in sorted(ANSWERS.get(day, {}).items())
        ]


class FakeTap(KitTap):
    name = "tap-fake"
    config_jsonschema = th.PropertiesList(
        *window_settings(default_lookback_days=2),
        *http_settings(max_requests=1000, window_seconds=1),
    ).to_dict()

    def discover_streams(self) -> list[DateWindowStream]:
        return [FakeStatesStream(self)]


CONFIG = {"start_date": "2026-11-05", "lookback_days": 2}


@pytest.fixture(autouse=True)
def _answers() -> t.Iterator[None]:
    ANSWERS.clear()
    FAIL_ON.clear()
    for day in range(5, 11):
        ANSWERS[f"2026-11-{day:02d}"] = {"open": day, "pending": 1, "solved": 2 * day}
    yield
    ANSWERS.clear()
    FAIL_ON.clear()


def truth() -> set[tuple[str, str, int]]:
    return {
        (day, state, value)
        for day, states in ANSWERS.items()
        for state, value in states.items()
        if "2026-11-05" <= day <= "2026-11-10"
    }


def held(warehouse: Warehouse) -> set[tuple[str, str, int]]:
    return {(r["window_date"], r["state"], r["value"]) for r in warehouse.rows("fake_states")}


def test_a_state_that_drops_out_of_a_refetched_day_leaves_the_warehouse() -> None:
    warehouse = Warehouse()
    first = run_sync(FakeTap, CONFIG)
    warehouse.load(first)
    assert held(warehouse) == truth()

    # Late changes inside the lookback: 'pending' fell to zero on the 9th (the API now
    # leaves it out), the 10th lost 'solved' and gained a state never seen before.
    ANSWERS["2026-11-09"].pop("pending")
    ANSWERS["2026-11-10"] = {"open": 11, "escalated": 1}
    second = run_sync(FakeTap, CONFIG, state=first.final_state)
    warehouse.load(second)

    assert held(warehouse) == truth()
    deleted = [r for r in second.records["fake_states"] if r.get(DELETED_AT)]
    assert sorted((r["window_start"][:10], r["state"]) for r in deleted) == [
        ("2026-11-09", "pending"),
        ("2026-11-10", "pending"),
        ("2026-11-10", "solved"),
    ]
    # Every deleted row carries its whole key and is declared in the schema.
    assert all(r["window_start"] and r["state"] for r in deleted)
    assert DELETED_AT in second.schemas["fake_states"]["schema"]["properties"]


def test_a_day_that_empties_completely_is_deleted_and_a_third_run_adds_nothing() -> None:
    warehouse = Warehouse()
    first = run_sync(FakeTap, CONFIG)
    warehouse.load(first)
    ANSWERS["2026-11-10"] = {}
    second = run_sync(FakeTap, CONFIG, state=first.final_state)
    warehouse.load(second)
    assert held(warehouse) == truth()
    assert not any(r["window_date"] == "2026-11-10" for r in warehouse.rows("fake_states"))

    third = run_sync(FakeTap, CONFIG, state=second.final_state)
    assert not [r for r in third.records["fake_states"] if r.get(DELETED_AT)]
    warehouse.load(third)
    assert held(warehouse) == truth()


def test_remembered_keys_stay_bounded_to_days_a_later_run_can_fetch_again() -> None:
    first = run_sync(FakeTap, {**CONFIG, "start_date": "2026-10-01"})
    remembered = first.final_state["bookmarks"]["fake_states"]["vanished_keys"]
    # The newest window ends on the 11th; a later run re-fetches from the 8th (lookback 2
    # before the bookmark); kept: 4 days (lookback + minimum span + a day of slack).
    assert sorted(remembered)[0][:10] == "2026-11-07"


def test_an_interrupted_lookback_never_moves_the_bookmark_back() -> None:
    first = run_sync(FakeTap, CONFIG)
    start_bookmark = first.final_state["bookmarks"]["fake_states"]["replication_key_value"]
    assert start_bookmark.startswith("2026-11-10")

    FAIL_ON.add("2026-11-09")  # dies re-fetching the lookback, after the 8th is done
    second = run_sync(FakeTap, CONFIG, state=first.final_state, raise_errors=False)
    assert isinstance(second.error, RuntimeError)
    written = [s["bookmarks"]["fake_states"]["replication_key_value"] for s in second.states]
    assert written, "the finished lookback window wrote a STATE"
    assert all(value >= start_bookmark for value in written), written


def test_a_full_lookback_run_ends_at_the_input_bookmark_or_later() -> None:
    first = run_sync(FakeTap, CONFIG)
    ANSWERS["2026-11-10"] = {}  # today's answer is empty now: the last rows are older
    second = run_sync(FakeTap, CONFIG, state=first.final_state)
    end = second.final_state["bookmarks"]["fake_states"]["replication_key_value"]
    assert end >= first.final_state["bookmarks"]["fake_states"]["replication_key_value"]


def test_a_long_sync_says_where_it_is_at_a_steady_cadence(caplog: pytest.LogCaptureFixture) -> None:
    from tapkit.progress import Progress

    ticks = iter(range(0, 10_000, 25))  # each look at the clock: 25 s later
    logger = logging.getLogger("progress-test")
    progress = Progress("fake_states", logger, interval=60.0, clock=lambda: float(next(ticks)))
    progress.planned(8)
    with caplog.at_level(logging.INFO, logger="progress-test"):
        for _ in range(8):
            progress.requests += 2
            progress.window_done(rows=3)
    lines = [r.getMessage() for r in caplog.records]
    # 25 s per window: a line after the 3rd window (75 s), then every 3rd (150 s, ...).
    assert lines == [
        "fake_states: progress 3/8 window(s), 6 request(s), 9 row(s), 1m15s elapsed, "
        "about 2m05s left",
        "fake_states: progress 6/8 window(s), 12 request(s), 18 row(s), 2m30s elapsed, "
        "about 50s left",
    ]


def test_the_stream_counts_its_windows_and_rows_for_the_progress_line() -> None:
    tap = FakeTap(config=CONFIG)
    stream = tap.streams["fake_states"]
    rows = list(stream.get_records(None))
    assert stream.progress.windows_total == stream.progress.windows_done == 6
    assert stream.progress.rows == len(rows) == 18
