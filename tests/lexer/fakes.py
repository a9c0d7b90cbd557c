"""A tiny Lexer Activity API on 127.0.0.1, written from the docs' text and samples only.

It exists to try the tap under each reading the docs allow (the sandbox shows one):

* ``label``: an ``nps_volume`` bucket is labelled at its ``start`` or at its ``end`` (the
  docs' sample: a request from ``2018-04-01T00:00:00+11:00`` answers
  ``"date": "2018-04-01T13:00:00+00:00"`` first, the next local midnight);
  ``range_label``: the same for ``date_range.date_from`` (the samples show starts);
* ``end_bound``: ``date_to`` is ``inclusive`` (to the whole second: ``23:59:59`` covers
  ``23:59:59.5``) or ``exclusive``;
* ``hourly``: how "less than 4 days" (``response_volume``: "3 days or less") is
  measured: elapsed ``seconds`` (``date_to - date_from``), ``seconds_inclusive`` (one
  second more), ``calendar`` days (``date_to``'s date minus ``date_from``'s, in the
  request's offset) or ``calendar_inclusive`` (one day more); ``always`` answers hourly.

Buckets are days or hours in the request's own UTC offset (API-FACTS: "buckets follow
the request's UTC offset"), from ``date_from`` while a bucket starts before the range's
end; each value counts the events of the bucket that fall inside the range.

Events are synthetic and deterministic: every UTC hour ``h`` has ``1 + h % 3`` events at
minutes 0, 10, 20 and one more at ``hh:59:59.5`` (so the last second of every day holds an
event). Event ``i`` of an hour is in state ``STATES[(h + i) % 3]``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOKEN = "fake-lexer-token"
DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)
STATES = ("closed", "responded", "assigned")

# -- the docs' verbatim samples (lexer-activity-api-v1-2022.txt) ---------------------------


def _nps_day(date: str, stamp: int) -> dict[str, t.Any]:
    return {
        "date": date,
        "timestamp": stamp,
        "data": {
            "total_sent": 0,
            "total_received": 0,
            "total_promoters": 0,
            "total_passives": 0,
            "total_detractors": 0,
            "nps_score": 0.0,
        },
    }


#: NPS Volume sample, asked from 2018-04-01T00:00:00+11:00 to 2018-04-30T23:59:59+11:00.
DOCS_NPS_VOLUME = [
    _nps_day("2018-04-01T13:00:00+00:00", 1522587600),
    _nps_day("2018-04-02T13:00:00+00:00", 1522674000),
    _nps_day("2018-04-03T13:00:00+00:00", 1522760400),
    _nps_day("2018-04-04T13:00:00+00:00", 1522846800),
    _nps_day("2018-04-05T13:00:00+00:00", 1522933200),
    _nps_day("2018-04-06T13:00:00+00:00", 1523019600),
    _nps_day("2018-04-07T13:00:00+00:00", 1523106000),
]

#: Workflow States sample (type user_volume, team-wide shape).
DOCS_USER_VOLUME_STATES = [
    {"state": "closed", "volume": 92},
    {"state": "responded", "volume": 49},
    {"state": "assigned", "volume": 26},
    {"state": "in_progress", "volume": 13},
    {"state": "duplicate", "volume": 4},
    {"state": "awaiting_approval", "volume": 1},
]


def _agent_states(all_states: int, closed: int, assigned: int, in_progress: int, responded: int):
    return {
        "all_states": all_states,
        "all_closed_states": closed,
        "new": 0,
        "assigned": assigned,
        "in_progress": in_progress,
        "responded": responded,
        "awaiting_approval": 0,
        "redirected": 0,
        "irrelevant": 0,
        "duplicate": 0,
        "closed": closed,
        "no_response_required": 0,
    }


#: Team Volume sample (type user_volume, per-agent shape).
DOCS_USER_VOLUME_AGENTS = [
    {
        "user_id": 123,
        "first_name": "Jane",
        "last_name": "Pear",
        "states": _agent_states(166, 110, 15, 14, 27),
    },
    {
        "user_id": 789,
        "first_name": "Barry",
        "last_name": "Banana",
        "states": _agent_states(4, 1, 1, 1, 1),
    },
]


# -- synthetic events ---------------------------------------------------------------------


def hour_events(hour: int) -> list[tuple[float, str]]:
    base = hour * 3600.0
    out = [(base + 600.0 * i, STATES[(hour + i) % 3]) for i in range(1 + hour % 3)]
    out.append((base + 3599.5, STATES[(hour + 2) % 3]))
    return out


def events_between(start: float, stop: float) -> list[tuple[float, str]]:
    """Events with ``start <= time < stop``."""
    out = []
    for hour in range(int(start // 3600), int(-(-stop // 3600))):
        out.extend(e for e in hour_events(hour) if start <= e[0] < stop)
    return out


def nps_data(events: list[tuple[float, str]]) -> dict[str, t.Any]:
    """Sent = events; received = closed/responded; promoters closed, detractors responded."""
    promoters = sum(1 for _, s in events if s == "closed")
    detractors = sum(1 for _, s in events if s == "responded")
    received = promoters + detractors
    return {
        "total_sent": len(events),
        "total_received": received,
        "total_promoters": promoters,
        "total_passives": 0,
        "total_detractors": detractors,
        "nps_score": (promoters - detractors) / received * 100 if received else 0.0,
    }


# -- the fake API --------------------------------------------------------------------------


@dataclass
class Reading:
    label: str = "end"
    #: Where ``date_range.date_from`` labels sit (the docs' samples: ``start``).
    range_label: str = "start"
    end_bound: str = "inclusive"
    hourly: str = "seconds"


@dataclass
class FakeLexer:
    reading: Reading = field(default_factory=Reading)
    #: Answers by report type that replace the computed ones (e.g. the docs' samples).
    canned: dict[str, t.Any] = field(default_factory=dict)
    #: nps_volume leaves out buckets that are not over yet (the docs do not say).
    omit_unfinished: bool = False
    #: Extra top-level series added to case_volume answers (an undocumented series).
    extra_case_series: str | None = None
    requests: list[dict[str, t.Any]] = field(default_factory=list)

    def hourly(self, kind: str, start: dt.datetime, to: dt.datetime) -> bool:
        how = self.reading.hourly
        if how == "always":
            return True
        if how.startswith("seconds"):
            span: float = (to - start).total_seconds() + (1 if how.endswith("inclusive") else 0)
            days = span / 86400
        else:
            days = (to.date() - start.date()).days + (1 if how.endswith("inclusive") else 0)
        return days <= 3 if kind == "response_volume" else days < 4

    def stop(self, to: dt.datetime) -> dt.datetime:
        return to + dt.timedelta(seconds=1) if self.reading.end_bound == "inclusive" else to

    def answer(self, body: dict[str, t.Any]) -> tuple[int, t.Any]:
        self.requests.append(body)
        kind = body.get("type")
        try:
            start = dt.datetime.fromisoformat(body["date_from"])
            to = dt.datetime.fromisoformat(body["date_to"])
        except (KeyError, TypeError, ValueError):
            return 404, {"error": "Not found"}
        if start.tzinfo is None or to.tzinfo is None or to < start:
            return 404, {"error": "Not found"}
        if to - start > dt.timedelta(days=365):  # the strictest "12 months"
            return 400, {"error": "Invalid report - date range is too long"}
        if kind in self.canned:
            return 200, self.canned[kind]
        stop = self.stop(to)
        if kind in ("summary", "user_volume"):
            events = events_between(start.timestamp(), stop.timestamp())
            if kind == "summary":
                return 200, {"total_volume": len(events)}
            return 200, [
                {"state": s, "volume": n}
                for s in STATES
                if (n := sum(1 for _, st in events if st == s))
            ]
        step = HOUR if self.hourly(str(kind), start, to) else DAY
        buckets = []
        cursor = start
        while cursor < stop:
            end = cursor + step
            events = events_between(cursor.timestamp(), min(end, stop).timestamp())
            label = cursor if self.reading.range_label == "start" else end
            buckets.append((label, end, events))
            cursor = end
        if kind == "states_volume":
            series: dict[str, list[dict[str, t.Any]]] = {}
            for b_label, _end, events in buckets:
                for state in STATES:
                    n = sum(1 for _, s in events if s == state)
                    if n:
                        series.setdefault(state, []).append(
                            {
                                "state": state,
                                "value": n,
                                "date_range": {"date_from": b_label.strftime("%Y-%m-%d %H:%M")},
                            }
                        )
            return 200, series
        if kind == "case_volume":
            out = {
                "open": [
                    {"value": len(ev), "date_range": {"date_from": b.strftime("%Y-%m-%d %H:%M")}}
                    for b, _e, ev in buckets
                ]
            }
            if self.extra_case_series:
                out[self.extra_case_series] = [
                    {"value": 1000 + i, "date_range": item["date_range"]}
                    for i, item in enumerate(out["open"])
                ]
            return 200, out
        if kind == "response_volume":  # a stand-in average: 1.5 x the bucket's events
            return 200, {
                "avg_response_time": [
                    {
                        "value": 1.5 * len(ev),
                        "date_range": {"date_from": b.strftime("%Y-%m-%d %H:%M")},
                    }
                    for b, _e, ev in buckets
                    if ev
                ]
            }
        if kind == "nps_volume":
            rows = []
            now = dt.datetime.now(dt.UTC)
            for b_label, b_end, events in buckets:
                if self.omit_unfinished and b_end > now:
                    continue
                b_start = b_label if self.reading.range_label == "start" else b_end - step
                label = b_start if self.reading.label == "start" else b_end
                utc = label.astimezone(dt.UTC)
                rows.append(
                    {
                        "date": utc.isoformat(),
                        "timestamp": int(utc.timestamp()),
                        "data": nps_data(events),
                    }
                )
            return 200, rows
        return 400, {"error": "Invalid report - invalid type"}


def _handler(app: FakeLexer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: t.Any) -> None:
            pass

        def reply(self, status: int, body: t.Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            if self.headers.get("Auth-Api-Token") != TOKEN:
                self.reply(401, {"error": "Unauthorized - api token not matching"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                body = json.loads(self.rfile.read(length) or b"null")
            except ValueError:
                self.reply(404, {"error": "Not found"})
                return
            if self.path.rstrip("/") != "/v1/activity/reports" or not isinstance(body, dict):
                self.reply(404, {"error": "Not found"})
                return
            self.reply(*app.answer(body))

    return Handler


@contextlib.contextmanager
def serve(app: FakeLexer) -> Iterator[str]:
    """Run ``app`` on 127.0.0.1 (a free port) and yield its base URL (with ``/v1``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(app))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    return {
        "api_token": TOKEN,
        "api_url": url,
        "nps_form_ids": [55],
        "timezone": "Australia/Sydney",
        "rate_limit_window_seconds": 1.0,
        "backoff_base_seconds": 0.01,
        "max_retries": 0,
        **overrides,
    }
