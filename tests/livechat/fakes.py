"""A tiny LiveChat Reports API on 127.0.0.1, written from the docs alone (not from the
tap, not from ``sandbox/``), for behaviour the simulator does not show.

What it takes from the docs (api-docs/livechat-reports-api-v3.6.txt and the verbatim
samples quoted in API-FACTS.md 1.5):

* ``POST /v3.6/reports/<resource>/<action>`` with a JSON body; ``timezone`` is an IANA name.
* ``filters.from``/``filters.to``: "the time range defined as <from,to>", RFC 3339 "with
  optional resolution of microseconds". ``to_reading`` picks how ``to`` is read:
  ``"inclusive"`` (``<from,to>``, the docs), ``"exclusive"`` (``[from,to)``, the other
  defensible reading) or ``"round_up"`` (a server that rounds ``to`` up to the next whole
  second, which fits neither: a request at ``.999999`` then reaches the next day).
* ``records`` keyed ``"YYYY-MM-DD"``, one key per local day of the range, ``{}`` for an empty
  day, zero-valued fields left out; ``total`` is "the total number of chats in the
  specified date range".
* ``chats/greetings_conversion`` filters on ``filters.greetings.from/to`` and "will return
  only up to 100 values for each day".
* Any other method answers a fixed body given by the test (a verbatim sample).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import typing as t
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

GREETINGS_CAP = 100
PREFIX = "/v3.6/reports/"


def parse_time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class FakeLiveChat:
    def __init__(
        self,
        *,
        chats: t.Iterable[dt.datetime] = (),
        greetings_per_day: t.Mapping[str, int] | None = None,
        to_reading: str = "inclusive",
        fixed: t.Mapping[str, t.Any] | None = None,
    ) -> None:
        self.chats = sorted(chats)
        self.greetings_per_day = dict(greetings_per_day or {})
        self.to_reading = to_reading
        self.fixed = dict(fixed or {})
        self.requests: list[tuple[str, dict[str, t.Any]]] = []

    def bodies(self, method: str) -> list[dict[str, t.Any]]:
        """The bodies of ``method``'s day requests (without the tap's ``to`` probe)."""
        return [b for m, b in self.requests if m == method and not self.is_probe(m, b)]

    def probes(self) -> list[dict[str, t.Any]]:
        return [b for m, b in self.requests if self.is_probe(m, b)]

    @staticmethod
    def is_probe(method: str, body: dict[str, t.Any]) -> bool:
        start = str((body.get("filters") or {}).get("from", ""))
        return method == "chats/total_chats" and "T00:00:00" not in start

    # -- the documented time range ------------------------------------------------------

    def in_range(self, moment: dt.datetime, start: dt.datetime, end: dt.datetime) -> bool:
        if self.to_reading == "exclusive":
            return start <= moment < end
        if self.to_reading == "round_up" and end.microsecond:
            end = end.replace(microsecond=0) + dt.timedelta(seconds=1)
        return start <= moment <= end

    def days(self, start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> list[str]:
        """Every local day the range touches (one key per day, as in the samples)."""
        if self.to_reading == "round_up" and end.microsecond:
            end = end.replace(microsecond=0) + dt.timedelta(seconds=1)
        if self.to_reading == "exclusive":
            end -= dt.timedelta(microseconds=1)  # [from, to): `to` itself is not in it
        day, last = start.astimezone(tz).date(), end.astimezone(tz).date()
        out = []
        while day <= last:
            out.append(day.isoformat())
            day += dt.timedelta(days=1)
        return out

    # -- reports --------------------------------------------------------------------------

    def answer(self, method: str, body: dict[str, t.Any]) -> tuple[int, dict[str, t.Any]]:
        if method in self.fixed and not self.is_probe(method, body):
            return 200, self.fixed[method]
        tz = ZoneInfo(body.get("timezone") or "UTC")
        filters = body.get("filters") or {}
        pair = filters.get("greetings") if method == "chats/greetings_conversion" else filters
        try:
            start, end = parse_time(pair["from"]), parse_time(pair["to"])
        except (KeyError, TypeError, ValueError):
            return 400, {"error": {"type": "validation", "message": "Invalid time range"}}
        records: dict[str, dict[str, t.Any]] = {day: {} for day in self.days(start, end, tz)}
        if method == "chats/total_chats":
            inside = [c for c in self.chats if self.in_range(c, start, end)]
            for chat in inside:
                day = records[chat.astimezone(tz).date().isoformat()]
                day["total"] = day.get("total", 0) + 1
            return 200, {"name": "total-chats-report", "total": len(inside), "records": records}
        if method == "chats/greetings_conversion":
            for day, record in records.items():
                n = min(self.greetings_per_day.get(day, 0), GREETINGS_CAP)
                for i in range(n):
                    record[str(1000 + i)] = {"displayed": 2, "accepted": 1}
            total = sum(len(r) for r in records.values())
            return 200, {"name": "greetings-conversion-report", "total": total, "records": records}
        return 404, {"error": {"type": "not_found", "message": f"{method} not found"}}


@contextlib.contextmanager
def serve(fake: FakeLiveChat) -> Iterator[str]:
    """Serve ``fake`` on 127.0.0.1 (a free port); yields the tap's ``api_url``."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            method = self.path.split("?", 1)[0].removeprefix(PREFIX)
            fake.requests.append((method, body))
            status, answer = fake.answer(method, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: t.Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
