"""Shared by the future-``end_date`` tests of the date-windowed taps (Lexer, LiveChat,
Dixa): an ``end_date`` weeks after today is capped at today. No row describes a future
day, no bookmark moves past today, and no request starts in the future (the simulator's
own clock is the judge of "now")."""

from __future__ import annotations

import datetime as dt
import typing as t
from zoneinfo import ZoneInfo

from sandbox.core import Request, Response, SandboxApp
from tapkit.testing import SyncResult
from tapkit.windows import add_days, local_midnight, parse_datetime

#: Body and query names under which the three APIs take a window's start.
START_NAMES = frozenset({"date_from", "from", "start"})


def record_requests(app: SandboxApp) -> list[Request]:
    """Every request ``app`` answers from now on (the server calls ``app.handle``)."""
    seen: list[Request] = []
    handle = app.handle

    def recording(req: Request) -> Response | t.Any:
        seen.append(req)
        return handle(req)

    app.handle = recording  # type: ignore[method-assign]
    return seen


def _starts(value: t.Any) -> t.Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key in START_NAMES and isinstance(item, str):
                yield item
            else:
                yield from _starts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _starts(item)


def request_starts(requests: list[Request]) -> list[dt.datetime]:
    """The start instant of every windowed request (body or query string)."""
    out = []
    for req in requests:
        body = req.json() if req.body else None
        for text in [*_starts(body), *_starts(dict(req.query))]:
            out.append(parse_datetime(text))
    return out


def _bookmarks(state: t.Any) -> t.Iterator[str]:
    if isinstance(state, dict):
        for key, item in state.items():
            if key == "replication_key_value" and isinstance(item, str):
                yield item
            else:
                yield from _bookmarks(item)
    elif isinstance(state, list):
        for item in state:
            yield from _bookmarks(item)


def assert_capped_at_today(
    result: SyncResult,
    requests: list[Request],
    now: dt.datetime,
    tz: ZoneInfo,
    streams: t.Iterable[str],
) -> None:
    assert result.error is None, f"the run failed: {result.error}"
    tomorrow = add_days(local_midnight(now, tz), 1)
    for stream in streams:
        rows = result.records[stream]
        assert rows, f"{stream}: no rows at all (the test would be blind)"
        rk = result.schemas[stream]["bookmark_properties"][0]
        late = [r[rk] for r in rows if parse_datetime(r[rk]) >= tomorrow]
        assert not late, f"{stream}: rows for days after today: {sorted(set(late))[:3]}"
    marks = list(_bookmarks(result.final_state))
    assert marks, "no bookmark written"
    past = [m for m in marks if parse_datetime(m) >= tomorrow]
    assert not past, f"bookmarks past today: {past}"
    starts = request_starts(requests)
    assert starts, "no windowed request seen (the test would be blind)"
    future = [s.isoformat() for s in starts if s > now]
    assert not future, f"requests starting in the future: {future[:3]}"
