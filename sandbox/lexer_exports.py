"""The Lexer asynchronous CSV exports (``case_details``, ``nps_submissions``,
``mention_sla_export``), installed into :class:`sandbox.lexer.LexerApp`.

The documented flow (api-docs/lexer-activity-api-v1-2022.txt, "... CSV Export"):

1. ``POST {base}/v1/activity/reports`` with the export ``type`` and a date range answers
   ``{"status": "pending", "url": null, "token": "<report_token>"}``;
2. ``GET {base}/api/public/v1/activity/reports/status?token=<report_token>`` (another host
   in production, same ``Auth-Api-Token``, same per-token rate limit here) answers
   ``pending`` for ``pending_polls`` polls, then ``{"status": "complete", "url": ...}``
   (or ``failed`` with probability ``fail_rate``);
3. ``GET <url>``: the CSV, on a separate path standing in for a storage host. It refuses
   any request that carries ``Auth-Api-Token`` (403), and is signed like a pre-signed
   storage URL (403 on a bad signature).

The CSV is generated as a stream (an iterator of byte chunks) from the deterministic
events of :mod:`sandbox.lexer_data`, so a million-row file never exists in memory and
tests know every row:

* ``mention_sla_export``: one row per message of ``messages()`` in the range;
* ``case_details``: one row per case of ``cases_actioned()`` in the range;
* ``nps_submissions``: one row per answered submission of ``submissions()`` for the
  form, filtered by ``nps_category`` (so the count equals ``nps_summary.total_received``).

Each event yields ``scale`` rows (``scale=0``: header-only files, for the empty case).
Free-text columns carry commas, quotes and newlines; the file starts with a UTF-8 BOM
unless ``bom=False``. A header that differs from the last run's: ``header_variant="v2"``
adds a column; ``"v3"`` also renames one. ``drop_after_rows`` cuts the connection mid-body for
the next N downloads (``drop_downloads``), as a storage host sometimes does.

Factory options (``LexerApp(..., export_pending_polls=3)`` or
``python -m sandbox lexer --set export_scale=1000``): ``export_pending_polls``,
``export_fail_rate``, ``export_scale``, ``export_bom``, ``export_header_variant``.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import hmac
import io
import itertools
import random
import threading
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field

from sandbox import lexer_data as data
from sandbox.core import HTTPError, Request, Response, json_response

if t.TYPE_CHECKING:
    from sandbox.lexer import LexerApp

STATUS_PATH = r"^/api/public/v1/activity/reports/status/?$"
DOWNLOAD_PREFIX = "/storage/lexer-exports/"
DOWNLOAD_PATH = r"^/storage/lexer-exports/(?P<token>[A-Za-z0-9-]+)\.csv$"
CHUNK_ROWS = 512

NOTES = [
    "",
    "Customer asked about order 1042, refunded",
    'Replied with the "returns" macro, then closed',
    "Escalated to billing.\nWaiting on finance, follow up Monday",
    "Angry, wants a call back; phone: +61 400 000 000",
    "Line one\r\nLine two, with a comma\r\nLine three",
    "Thanked us 🙂 — no action needed",
    "Duplicate of an earlier DM",
]
COMMENTS = [
    "",
    "Great service, thanks!",
    "Slow reply, but helpful",
    'Agent said "we will call", never did',
    "Two issues:\n1. delivery late\n2. wrong size",
    "ok",
    "Très bien, merci",
]
CHANNELS = ["twitter", "facebook", "instagram", "email", "whatsapp"]
CASE_SUMMARIES = [
    "Delivery question",
    "Refund request, approved",
    'Complaint about "express" shipping',
    "Account locked\nreset link sent, confirmed working",
    "Product feedback, passed to team",
]


@dataclass
class Job:
    token: str
    kind: str
    start: float
    stop: float
    form: int | None
    category: str
    fail: bool
    polls: int = 0


@dataclass
class ExportService:
    """The export jobs of one :class:`LexerApp` and their knobs (tests may change them)."""

    app: LexerApp
    pending_polls: int = 2
    fail_rate: float = 0.0
    scale: int = 1
    bom: bool = True
    header_variant: str = "v1"
    #: Cut the next ``drop_downloads`` downloads after this many data rows.
    drop_after_rows: int | None = None
    drop_downloads: int = 0
    jobs: dict[str, Job] = field(default_factory=dict)
    #: Headers of every download request received (to check no credential arrives).
    download_headers: list[dict[str, str]] = field(default_factory=list)
    _counter: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    # -- step 1: start a job (called by LexerApp.reports after auth and validation) ------

    def start(self, req: Request, body: dict[str, t.Any]) -> Response:
        start = _parse(body["date_from"])
        # date_to is inclusive (the docs use 23:59:59): the range ends one second later.
        stop = _parse(body["date_to"]) + dt.timedelta(seconds=1)
        with self._lock:
            n = next(self._counter)
        rng = random.Random(f"{self.app.seed}:{n}")
        token = f"{n:06d}-{hashlib.sha256(f'{self.app.seed}:{n}'.encode()).hexdigest()[:20]}"
        job = Job(
            token=token,
            kind=str(body["type"]),
            start=start.timestamp(),
            stop=stop.timestamp(),
            form=int(body["form"]) if body.get("form") is not None else None,
            category=str(body.get("nps_category", "all")),
            fail=rng.random() < self.fail_rate,
        )
        with self._lock:
            self.jobs[token] = job
        self.app.stats["export_jobs"] += 1
        return json_response({"status": "pending", "url": None, "token": token})

    # -- step 2: poll ----------------------------------------------------------------------

    def status(self, req: Request) -> Response:
        self.app.authenticate(req)  # same token, same per-token rate limit
        token = req.query.get("token")
        if not token:
            raise HTTPError(404, {"error": "Not found", "message": "token is required"})
        job = self.jobs.get(token)
        if job is None:
            raise HTTPError(404, {"error": "Not found", "message": "unknown report token"})
        self.app.stats["export_polls"] += 1
        job.polls += 1
        if job.polls <= self.pending_polls:
            return json_response({"status": "pending", "url": None, "token": token})
        if job.fail:
            return json_response({"status": "failed", "url": None, "token": token})
        host = req.header("Host") or self.app.base_url.split("://", 1)[-1]
        url = f"http://{host}{DOWNLOAD_PREFIX}{token}.csv?signature={self.sign(token)}"
        return json_response({"status": "complete", "url": url, "token": token})

    def sign(self, token: str) -> str:
        key = f"sandbox-storage-{self.app.seed}".encode()
        return hmac.new(key, token.encode(), hashlib.sha256).hexdigest()[:32]

    # -- step 3: download ------------------------------------------------------------------

    def download(self, req: Request, token: str) -> Response:
        self.download_headers.append(dict(req.headers))
        self.app.stats["export_downloads"] += 1
        if req.header("Auth-Api-Token") is not None or req.header("Authorization") is not None:
            self.app.stats["export_download_with_credential"] += 1
            raise HTTPError(
                403,
                {
                    "error": "Forbidden",
                    "message": "this storage host does not accept API credentials",
                },
            )
        job = self.jobs.get(token)
        if job is None or job.fail or job.polls <= self.pending_polls:
            raise HTTPError(404, {"error": "Not found", "message": "no such file"})
        if not hmac.compare_digest(req.query.get("signature", ""), self.sign(token)):
            raise HTTPError(403, {"error": "Forbidden", "message": "signature does not match"})
        drop_after = None
        with self._lock:
            if self.drop_downloads > 0 and self.drop_after_rows is not None:
                self.drop_downloads -= 1
                drop_after = self.drop_after_rows
        body = csv_chunks(
            header(job.kind, self.header_variant),
            rows(self.app.seed, job, self.scale, self.header_variant),
            bom=self.bom,
            drop_after=drop_after,
        )
        return Response(
            200,
            body,
            {"Content-Disposition": f'attachment; filename="{job.kind}.csv"'},
            "text/csv; charset=utf-8",
        )


def _parse(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _iso(ts: float) -> str:
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def _bool(value: bool) -> str:
    return "true" if value else "false"


# -- the files --------------------------------------------------------------------------

HEADERS: dict[str, list[str]] = {
    "mention_sla_export": [
        "Mention ID",
        "Created At",
        "Channel",
        "State",
        "Agent ID",
        "Agent Name",
        "Classifications",
        "Responded",
        "Private Response",
        "Customer Wait Time (s)",
        "Agent Response Time (s)",
        "Broke SLA",
        "Broke Agent SLA",
        "Notes",
    ],
    "case_details": [
        "Case ID",
        "Opened At",
        "Closed At",
        "First Reply Time (s)",
        "Resolution Time (s)",
        "Agent Interactions",
        "Agents Involved",
        "Classifications",
        "Summary",
    ],
    "nps_submissions": [
        "Submitted At",
        "Form ID",
        "Form Name",
        "Score",
        "NPS Category",
        "Channel",
        "Comment",
    ],
}
#: v2: a column added; v3: also one renamed (vendor-side changes, as the tap sees them).
RENAMED = {"mention_sla_export": "Notes", "case_details": "Summary", "nps_submissions": "Comment"}
ADDED = "Language"


def header(kind: str, variant: str = "v1") -> list[str]:
    cols = list(HEADERS[kind])
    if variant == "v3":
        cols = [f"{c} (text)" if c == RENAMED[kind] else c for c in cols]
    if variant in ("v2", "v3"):
        cols.append(ADDED)
    return cols


def rows(seed: int, job: Job, scale: int, variant: str = "v1") -> Iterator[list[str]]:
    """Every data row of a job's file, lazily, hour by hour."""
    extra = ["en"] if variant in ("v2", "v3") else []
    users = {u[0]: f"{u[1]} {u[2]}" for u in data.USERS}
    first_hour, last_hour = int(job.start // 3600), int(-(-job.stop // 3600))
    for hour in range(first_hour, last_hour):
        if job.kind == "mention_sla_export":
            for i, m in enumerate(data.hour_messages(seed, hour)):
                if not job.start <= m.ts < job.stop:
                    continue
                base = [
                    _iso(m.ts),
                    CHANNELS[(hour + i) % len(CHANNELS)],
                    m.state,
                    str(m.user_id),
                    users[m.user_id],
                    ", ".join(data.CLASSIFICATIONS[c] for c in m.classification_ids),
                    _bool(m.responded),
                    _bool(m.private),
                    _secs(m.response_time),
                    _secs(m.action_response_time),
                    _bool(m.response_time is not None and m.response_time > data.SLA_SECONDS),
                    _bool(
                        m.action_response_time is not None
                        and m.action_response_time > data.ACTION_SLA_SECONDS
                    ),
                    NOTES[(hour * 7 + i) % len(NOTES)],
                ]
                for k in range(scale):
                    yield [str((hour * 100 + i) * scale + k), *base, *extra]
        elif job.kind == "case_details":
            for i, c in enumerate(data.hour_cases(seed, hour)):
                if not job.start <= c.opened < job.stop:
                    continue
                base = [
                    _iso(c.opened),
                    _iso(c.closed),
                    _secs(c.first_reply_time),
                    _secs(c.resolution_time),
                    str(c.agent_interactions),
                    str(c.agents_involved),
                    ", ".join(data.CLASSIFICATIONS[x] for x in c.classification_ids),
                    CASE_SUMMARIES[(hour + i) % len(CASE_SUMMARIES)],
                ]
                for k in range(scale):
                    yield [f"C{(hour * 10 + i) * scale + k}", *base, *extra]
        else:
            assert job.form is not None
            names = {f[0]: f[1] for f in data.FORMS}
            for i, s in enumerate(data.hour_submissions(seed, hour, job.form)):
                if not job.start <= s.ts < job.stop or s.score is None:
                    continue
                if not data.nps_matches(s, job.category):
                    continue
                category = (
                    "promoter" if s.score >= 9 else "passive" if s.score >= 7 else "detractor"
                )
                row = [
                    _iso(s.ts),
                    str(job.form),
                    names[job.form],
                    str(s.score),
                    category,
                    CHANNELS[(hour + i) % len(CHANNELS)],
                    COMMENTS[(hour * 3 + i) % len(COMMENTS)],
                    *extra,
                ]
                for _ in range(scale):
                    yield row


def csv_chunks(
    head: list[str],
    body: Iterator[list[str]],
    *,
    bom: bool,
    drop_after: int | None = None,
) -> Iterator[bytes]:
    """Encode rows as CSV in chunks of ``CHUNK_ROWS`` rows (RFC 4180, CRLF, minimal
    quoting); never more than one chunk in memory."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(head)
    prefix = b"\xef\xbb\xbf" if bom else b""
    yield prefix + buf.getvalue().encode()
    buf.seek(0)
    buf.truncate()
    sent = 0
    for row in body:
        writer.writerow(row)
        sent += 1
        if drop_after is not None and sent >= drop_after:
            # Half a row, then a dropped connection (the server stops without the last
            # chunk marker, as a storage host does when it resets).
            text = buf.getvalue().encode()
            yield text[: max(len(text) - 5, 1)]
            raise ConnectionResetError("sandbox: download cut")
        if sent % CHUNK_ROWS == 0:
            yield buf.getvalue().encode()
            buf.seek(0)
            buf.truncate()
    if buf.tell():
        yield buf.getvalue().encode()


def expected_rows(
    app: LexerApp, kind: str, start: dt.datetime, stop: dt.datetime, **body: t.Any
) -> list[list[str]]:
    """The data rows the sandbox would export for ``[start, stop)`` (for tests)."""
    job = Job(
        token="expected",  # noqa: S106 - a label, not a credential
        kind=kind,
        start=start.timestamp(),
        stop=stop.timestamp(),
        form=body.get("form"),
        category=str(body.get("nps_category", "all")),
        fail=False,
    )
    service = exports_of(app)
    return list(rows(app.seed, job, service.scale, service.header_variant))


def exports_of(app: LexerApp) -> ExportService:
    return t.cast("ExportService", app.exports)  # type: ignore[attr-defined]


def install(
    app: LexerApp,
    *,
    export_pending_polls: int = 2,
    export_fail_rate: float = 0.0,
    export_scale: int = 1,
    export_bom: bool = True,
    export_header_variant: str = "v1",
) -> ExportService:
    """Add the export flow to ``app`` (called by ``LexerApp.__init__``)."""
    if export_header_variant not in ("v1", "v2", "v3"):
        raise ValueError("export_header_variant must be 'v1', 'v2' or 'v3'")
    service = ExportService(
        app,
        pending_polls=int(export_pending_polls),
        fail_rate=float(export_fail_rate),
        scale=int(export_scale),
        bom=bool(export_bom),
        header_variant=export_header_variant,
    )
    app.exports = service  # type: ignore[attr-defined]
    app.export_handler = service.start
    app.add_route("GET", STATUS_PATH, service.status)
    app.add_route("GET", DOWNLOAD_PATH, service.download)
    return service
