"""Window planning: half-open, local midnight, DST-correct, spans, lookback, no future."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from tapkit.windows import (
    WindowError,
    WindowPolicy,
    add_days,
    get_zone,
    local_midnight,
    plan_windows,
    resolve_range,
)

SYD = get_zone("Australia/Sydney")
NY = get_zone("America/New_York")


def hours(window) -> float:
    return (window.end.astimezone(dt.UTC) - window.start.astimezone(dt.UTC)).total_seconds() / 3600


def test_day_windows_are_contiguous_half_open_local_midnights() -> None:
    start = local_midnight(dt.date(2026, 4, 3), SYD)
    windows = plan_windows(start, add_days(start, 5), WindowPolicy(max_days=1))
    assert [w.start.date().isoformat() for w in windows] == [
        "2026-04-03",
        "2026-04-04",
        "2026-04-05",
        "2026-04-06",
        "2026-04-07",
    ]
    for prev, nxt in itertools.pairwise(windows):
        assert prev.end == nxt.start
    for w in windows:
        local = w.start.astimezone(SYD)
        assert (local.hour, local.minute) == (0, 0)


def test_dst_days_are_23_and_25_hours() -> None:
    # Sydney leaves DST on 2026-04-05 (25 h day); New York enters it on 2026-03-08 (23 h).
    syd = plan_windows(
        local_midnight(dt.date(2026, 4, 5), SYD),
        local_midnight(dt.date(2026, 4, 6), SYD),
        WindowPolicy(),
    )
    ny = plan_windows(
        local_midnight(dt.date(2026, 3, 8), NY),
        local_midnight(dt.date(2026, 3, 9), NY),
        WindowPolicy(),
    )
    assert hours(syd[0]) == 25
    assert hours(ny[0]) == 23


def test_max_span_chunks_and_min_span_widens_backwards() -> None:
    start = local_midnight(dt.date(2025, 1, 1), dt.UTC)  # type: ignore[arg-type]
    windows = plan_windows(start, add_days(start, 800), WindowPolicy(max_days=365))
    assert [w.days for w in windows] == [365, 365, 70]
    short = plan_windows(start, add_days(start, 2), WindowPolicy(max_days=365, min_days=4))[0]
    assert short.start == start
    assert short.request_start == add_days(start, -2)
    assert (short.request_end - short.request_start).days == 4


def test_offset_split_keeps_each_request_in_one_utc_offset() -> None:
    start = local_midnight(dt.date(2026, 3, 20), SYD)
    end = local_midnight(dt.date(2026, 4, 20), SYD)
    windows = plan_windows(
        start, end, WindowPolicy(max_days=365, min_days=4, split_on_offset_change=True)
    )
    assert len(windows) == 2
    first, second = windows
    assert first.fixed_offset == dt.timedelta(hours=11)
    assert second.fixed_offset == dt.timedelta(hours=10)
    assert second.start == local_midnight(dt.date(2026, 4, 6), SYD)
    # Every request starts at midnight of its own fixed offset.
    for w in windows:
        assert w.in_request_offset(w.request_start).time() == dt.time(0)


def test_resolve_range_first_run_bookmark_lookback_and_floor() -> None:
    now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
    first = resolve_range(
        tz=SYD,
        start_date=dt.date(2026, 11, 1),
        bookmark=None,
        lookback_days=2,
        end_date=None,
        now=now,
    )
    assert first.start == local_midnight(dt.date(2026, 11, 1), SYD)
    assert first.end == local_midnight(dt.date(2026, 11, 23), SYD)  # today (Sydney) included
    bookmark = local_midnight(dt.date(2026, 11, 20), SYD)
    again = resolve_range(
        tz=SYD,
        start_date=dt.date(2026, 11, 1),
        bookmark=bookmark,
        lookback_days=2,
        end_date=None,
        now=now,
    )
    assert again.start == local_midnight(dt.date(2026, 11, 18), SYD)
    floored = resolve_range(
        tz=SYD,
        start_date=dt.date(2026, 11, 19),
        bookmark=bookmark,
        lookback_days=5,
        end_date=None,
        now=now,
    )
    assert floored.start == local_midnight(dt.date(2026, 11, 19), SYD)


def test_resolve_range_never_starts_in_the_future_and_honours_end_date() -> None:
    now = dt.datetime(2026, 11, 22, 10, 0, tzinfo=dt.UTC)
    future = resolve_range(
        tz=dt.UTC,  # type: ignore[arg-type]
        start_date=dt.date(2026, 1, 1),
        bookmark=dt.datetime(2999, 1, 1, tzinfo=dt.UTC),
        lookback_days=1,
        end_date=None,
        now=now,
    )
    assert future.start == future.end
    assert plan_windows(future.start, future.end, WindowPolicy()) == []
    bounded = resolve_range(
        tz=dt.UTC,
        start_date=dt.date(2026, 1, 1),
        bookmark=None,
        lookback_days=0,
        end_date=dt.date(2026, 1, 31),
        now=now,
    )  # type: ignore[arg-type]
    assert bounded.end == dt.datetime(2026, 2, 1, tzinfo=dt.UTC)


def test_unknown_timezone_is_a_clear_error() -> None:
    with pytest.raises(WindowError, match="not an IANA timezone"):
        get_zone("Mars/Olympus_Mons")
