"""A tiny Dixa Analytics API on 127.0.0.1, built from the docs' verbatim samples and text
(not from the sandbox), for behaviour the sandbox does not show.

* ``GET /v1/analytics/records`` and ``GET /v1/analytics/metrics``: the docs' catalogues.
* ``POST /v1/analytics/records``: the rows of ``rows[record_id]`` whose
  ``primaryTimestampField.timestamp`` lies in the Interval, paged by ``pageLimit`` with an
  opaque ``pageKey`` in ``meta.next``. The Interval's ``end`` is exclusive, or inclusive with
  ``inclusive_end`` (the docs do not say which). A request spanning more than a day (the
  tap's discovery sample) gets ``sample_rows[record_id]`` when set.
* ``POST /v1/analytics/metrics``: ``Count`` = the number of ``closed_conversations`` rows in
  the Interval (a ``LongAggregateValue``, as in the docs' sample).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import threading
import typing as t
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

TOKEN = "fake-dixa-token"

#: The docs' filter list of every catalogue entry.
FILTERS = [
    {"filterAttribute": a, "description": f"Used to filter by the {a}"}
    for a in ("agent_id", "queue_id", "channel", "initial_direction", "tag_id", "contact_point")
]

#: ``GET /v1/analytics/records``, verbatim from the docs (the ``ratings`` and
#: ``closed_conversations`` entries).
RECORDS_CATALOGUE: list[dict[str, t.Any]] = [
    {
        "id": "ratings",
        "description": "Conversation Ratings",
        "filters": FILTERS,
        "relatedMetricIds": ["csat"],
        "fieldsMetadata": [
            {"field": "conversation_id", "description": "Conversation ID", "nullable": False},
            {
                "field": "agent_id",
                "description": "The agent assigned to the conversation",
                "nullable": True,
            },
            {
                "field": "queue_id",
                "description": "The queue which the conversation was part of when the conversation was offered",
                "nullable": True,
            },
        ],
    },
    {
        "id": "closed_conversations",
        "description": "Closed conversation data",
        "filters": FILTERS[1:],
        "relatedMetricIds": ["closed_conversations"],
        "fieldsMetadata": [
            {
                "field": "closed_at",
                "description": "Timestamp of when the conversation was closed",
                "nullable": False,
            },
            {"field": "conversation_id", "description": "Conversation ID", "nullable": False},
            {
                "field": "agent_id",
                "description": "The agent closing the conversation",
                "nullable": True,
            },
            {
                "field": "queue_id",
                "description": "The queue which the conversation was part of when the conversation was closed",
                "nullable": True,
            },
            {
                "field": "closed_by",
                "description": "User closing the conversation (Agent, Enduser or Unknown)",
                "nullable": False,
            },
        ],
    },
]

#: ``GET /v1/analytics/metrics``: the docs' ``csat`` and ``closed_conversations`` entries.
METRICS_CATALOGUE: list[dict[str, t.Any]] = [
    {
        "id": "csat",
        "description": "(Number of satisfied customers (4 and 5)/ Number of survey responses) x 100 = % of satisfied customers",
        "filters": FILTERS,
        "aggregations": [{"measure": "Percentage", "description": "Calculated Percentage"}],
        "relatedRecordIds": ["ratings"],
    },
    {
        "id": "closed_conversations",
        "description": "Closed conversation data",
        "filters": FILTERS[1:],
        "aggregations": [{"measure": "Count", "description": "Conversation closed count"}],
        "relatedRecordIds": ["closed_conversations"],
    },
]


def docs_closed_conversations() -> list[dict[str, t.Any]]:
    """The docs' ``POST /v1/analytics/records`` response sample, verbatim: ``csid`` and a
    ``created_at`` primary timestamp, no ``conversation_id``, no ``closed_at``."""

    def row(stamp: str, csid: int, channel: tuple[str, str], point: str) -> dict[str, t.Any]:
        return {
            "primaryTimestampField": {"name": "created_at", "timestamp": stamp},
            "fields": [
                {"name": "csid", "field": {"value": csid, "_type": "LongField"}},
                {
                    "name": "initial_direction",
                    "field": {"value": "INBOUND", "label": "Inbound", "_type": "StringField"},
                },
                {
                    "name": "initial_channel",
                    "field": {"value": channel[0], "label": channel[1], "_type": "StringField"},
                },
                {
                    "name": "contact_point",
                    "field": {"value": point, "label": point, "_type": "StringField"},
                },
            ],
        }

    return [
        row("2023-04-21T10:23:14.293Z", 184472, ("PSTN_PHONE", "Phone"), "+4511223344"),
        row("2023-04-21T10:24:04.259Z", 184473, ("EMAIL", "Email"), "dixa@email.com"),
    ]


Answer = tuple[int, t.Any]


def parse(stamp: str) -> dt.datetime:
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00"))


class FakeDixa:
    def __init__(self) -> None:
        self.rows: dict[str, list[dict[str, t.Any]]] = {"closed_conversations": []}
        self.sample_rows: dict[str, list[dict[str, t.Any]]] = {}
        self.inclusive_end = False
        #: (start, end) of every data request, in order.
        self.periods: list[tuple[str, str]] = []
        self.bodies: list[dict[str, t.Any]] = []

    def in_period(self, row: dict[str, t.Any], start: dt.datetime, end: dt.datetime) -> bool:
        stamp = parse(row["primaryTimestampField"]["timestamp"])
        return start <= stamp < end or (self.inclusive_end and stamp == end)

    def answer(self, method: str, path: str, query: dict[str, str], body: t.Any) -> Answer:
        if method == "GET" and path == "/v1/analytics/records":
            return 200, {"data": RECORDS_CATALOGUE}
        if method == "GET" and path == "/v1/analytics/metrics":
            return 200, {"data": METRICS_CATALOGUE}
        if method == "GET" and path.startswith("/v1/analytics/filter/"):
            return 200, {"data": [{"value": "CALLBACK", "label": "Callback"}]}
        if method != "POST" or not isinstance(body, dict):
            return 404, {"message": "Not found"}
        self.bodies.append(body)
        period = body["periodFilter"]
        start, end = parse(period["start"]), parse(period["end"])
        self.periods.append((period["start"], period["end"]))
        record_id = str(body["id"])
        if path == "/v1/analytics/metrics":
            count = sum(
                self.in_period(r, start, end) for r in self.rows.get("closed_conversations", [])
            )
            aggregates = []
            if record_id == "closed_conversations":
                aggregates = [{"value": count, "measure": "Count", "_type": "LongAggregateValue"}]
            return 200, {"data": {"id": record_id, "aggregates": aggregates}}
        if end - start > dt.timedelta(hours=25) and record_id in self.sample_rows:
            matching = list(self.sample_rows[record_id])
        elif end - start > dt.timedelta(hours=25):
            matching = list(self.rows.get(record_id, []))
        else:
            matching = [r for r in self.rows.get(record_id, []) if self.in_period(r, start, end)]
        limit = int(query.get("pageLimit") or 100)
        offset = int(base64.b64decode(query["pageKey"]).decode()) if "pageKey" in query else 0
        payload: dict[str, t.Any] = {"data": matching[offset : offset + limit]}
        if offset + limit < len(matching):
            key = base64.b64encode(str(offset + limit).encode()).decode()
            payload["meta"] = {"next": f"/v1/analytics/records?pageKey={key}"}
        return 200, payload


@contextmanager
def serve(fake: FakeDixa) -> Iterator[str]:
    """Serve ``fake`` on 127.0.0.1 (a free port); yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: t.Any) -> None:
            pass

        def handle_any(self, method: str) -> None:
            url = urlparse(self.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length)) if length else None
            if self.headers.get("Authorization") != TOKEN:
                status, payload = 401, {"message": "Unauthorized"}
            else:
                status, payload = fake.answer(method, url.path, query, body)
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self.handle_any("GET")

        def do_POST(self) -> None:
            self.handle_any("POST")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
