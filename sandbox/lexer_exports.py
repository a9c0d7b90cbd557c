"""The Lexer asynchronous CSV exports (``case_details``, ``nps_submissions``,
``mention_sla_export``), installed into :class:`sandbox.lexer.LexerApp`.

The documented flow (api-docs/lexer-activity-api-v1-2022.txt, "... CSV Export"):

1. ``POST {base}/v1/activity/reports`` with the export ``type`` and a date range answers
   ``{"status": "pending", "url": null, "token": "<report_token>"}``;
2. ``GET {base}/api/public/v1/activity/reports/status?token=<report_token>`` (another host
   in production, same ``Auth-Api-Token``, same per-token rate limit here) answers the same
   ``pending`` object for ``pending_polls`` polls, then ``{"status": "complete", "url":
   "<CSV File Location>", "token": ...}`` (``failed`` with probability ``fail_rate``: not
   documented, off by default);
3. ``GET <url>``: the CSV, on a path standing in for a storage host. It refuses any request
   that carries ``Auth-Api-Token`` or ``Authorization`` (403) and is signed like a
   pre-signed storage URL (403 on a bad signature).

THE DOCS DO NOT DOCUMENT THE CSV COLUMNS. They only say what a file holds: cases "a row for
every case your team has actioned within the defined date range"; responses "all of the
messages your team have handled, including their associated interaction metadata (agent
response time, customer wait time, notes etc)"; NPS "the complete list of NPS submissions".
So the header is a knob, ``export_header_set`` (:data:`HEADER_SETS`), and every column name
below except those of ``documented`` is an ASSUMPTION of this simulator, not the vendor's:

* ``with_id`` (default): an unambiguous id column (``Mention ID`` / ``Case ID`` /
  ``Submission ID``) then the assumed columns;
* ``other_id``: the same with the id column named after the docs' other words for the thing
  (``Message ID``: "messages"; ``Conversation ID``: "conversations, which we call cases";
  ``Response ID``: "responses received");
* ``no_id``: the assumed columns without any id column;
* ``documented``: only what the docs name: responses ``Agent Response Time``, ``Customer Wait
  Time``, ``Notes``; cases the per-case figures Case Summary averages (``First Reply Time``,
  ``Resolution Time``, ``Agent Interactions``, ``Agents Involved``); NPS ``Score``.

Rows come from the same events as the reports (:mod:`sandbox.lexer_data`) at the revision
the job was started at, so a re-export after a revision step shows the same case with other
values (status, a later ``Closed At`` after a reopen, a case still open at the clock has an
empty ``Closed At``), messages in other states, surveys answered late. Timestamps carry
microseconds (``2026-10-01T03:04:05.123456Z``). Free-text columns carry commas, quotes and
newlines. ``export_rows(kind, body, world, ...)`` is the truth of a file.

Other knobs (factory options, ``app.set_knobs(...)`` or ``POST /__sandbox__/knobs``):
``export_pending_polls`` (2), ``export_fail_rate`` (0.0), ``export_scale`` (1: rows per
event; 0 gives header-only files), ``export_bom`` (True: a UTF-8 BOM, not documented either),
``export_header_variant`` (``v1``; ``v2`` appends a ``Language`` column, ``v3`` also renames the
free-text column: a simulated header drift, not a real column). ``drop_after_rows`` /
``drop_downloads`` cut the next downloads mid-body.
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


class ExportHost(t.Protocol):
    """What the exports need of the app (:class:`sandbox.lexer.LexerApp`)."""

    seed: int
    base_url: str

    @property
    def stats(self) -> t.Any: ...

    def authenticate(self, req: Request) -> str: ...

    def world(self) -> data.World: ...

    def add_route(self, method: str, pattern: str, handler: t.Callable[..., Response]) -> None: ...


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
    #: the data as it was when the job started (revision, clock, knobs)
    world: data.World | None = None


HEADER_SETS = ("with_id", "other_id", "no_id", "documented")
HEADER_VARIANTS = ("v1", "v2", "v3")
ID_COLUMNS = {
    "with_id": {
        "mention_sla_export": "Mention ID",
        "case_details": "Case ID",
        "nps_submissions": "Submission ID",
    },
    "other_id": {
        "mention_sla_export": "Message ID",
        "case_details": "Conversation ID",
        "nps_submissions": "Response ID",
    },
}
#: columns named (or, for cases, defined as per-case figures) by the docs
DOCUMENTED_COLUMNS = {
    "mention_sla_export": ["Agent Response Time", "Customer Wait Time", "Notes"],
    "case_details": [
        "First Reply Time",
        "Resolution Time",
        "Agent Interactions",
        "Agents Involved",
    ],
    "nps_submissions": ["Score"],
}
#: ASSUMED columns (no vendor source) of the with_id / other_id / no_id sets
ASSUMED_COLUMNS = {
    "mention_sla_export": [
        "Created At",
        "State",
        "Agent ID",
        "Classifications",
        "Customer Wait Time",
        "Agent Response Time",
        "Notes",
    ],
    "case_details": [
        "Opened At",
        "Closed At",
        "Status",
        "First Reply Time",
        "Resolution Time",
        "Agent Interactions",
        "Agents Involved",
        "Classifications",
    ],
    "nps_submissions": ["Submitted At", "Form ID", "Score", "Comment"],
}
#: v3 drift: this column gets another name; v2/v3 drift: ADDED is appended
RENAMED = {
    "mention_sla_export": "Notes",
    "case_details": "Classifications",
    "nps_submissions": "Comment",
}
ADDED = "Language"
#: compatibility: the default (with_id) header of each export
HEADERS: dict[str, list[str]] = {}


def header(kind: str, variant: str = "v1", header_set: str = "with_id") -> list[str]:
    """The CSV header of an export ``kind`` under the ``header_set`` and drift ``variant``."""
    if header_set == "documented":
        cols = list(DOCUMENTED_COLUMNS[kind])
    else:
        cols = list(ASSUMED_COLUMNS[kind])
        if header_set in ID_COLUMNS:
            cols.insert(0, ID_COLUMNS[header_set][kind])
    if variant == "v3":
        cols = [f"{c} (text)" if c == RENAMED[kind] else c for c in cols]
    if variant in ("v2", "v3"):
        cols.append(ADDED)
    return cols


for _kind in ASSUMED_COLUMNS:
    HEADERS[_kind] = header(_kind)


def iso(us: int) -> str:
    """An instant with microseconds, UTC: ``2026-10-01T03:04:05.123456Z``."""
    moment = dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _secs(value: float | None) -> str:
    return "" if value is None else f"{value:.6f}"


def _classes(ids: tuple[int, ...], us: int, world: data.World) -> str:
    day = data.day_of(us)
    return ", ".join(data.classification_name(c, day, world.timeline) for c in ids)


def _message_values(m: data.Message, world: data.World) -> dict[str, str]:
    return {
        "id": str(m.id),
        "Created At": iso(m.ts_us),
        "State": m.state,
        "Agent ID": str(m.user_id),
        "Classifications": _classes(m.classification_ids, m.ts_us, world),
        "Customer Wait Time": _secs(m.response_time),
        "Agent Response Time": _secs(m.action_response_time),
        "Notes": NOTES[(m.id * 7) % len(NOTES)],
    }


def _case_values(c: data.Case, world: data.World) -> dict[str, str]:
    closed = c.closed_us <= round(world.now * data.US)
    status = ("reopened" if c.reopened else "open") if not closed else "closed"
    return {
        "id": str(c.id),
        "Opened At": iso(c.opened_us),
        "Closed At": iso(c.closed_us) if closed else "",
        "Status": status,
        "First Reply Time": _secs(c.first_reply_time),
        "Resolution Time": _secs(c.resolution_time) if closed else "",
        "Agent Interactions": str(c.agent_interactions),
        "Agents Involved": str(c.agents_involved),
        "Classifications": _classes(c.classification_ids, c.opened_us, world),
    }


def _submission_values(s: data.Submission) -> dict[str, str]:
    return {
        "id": f"{s.form_id}-{s.id}",
        "Submitted At": iso(s.ts_us),
        "Form ID": str(s.form_id),
        "Score": "" if s.score is None else str(s.score),
        "Comment": COMMENTS[(s.id * 3) % len(COMMENTS)],
    }


def rows(
    seed: int, job: Job, scale: int, variant: str = "v1", header_set: str = "with_id"
) -> Iterator[list[str]]:
    """Every data row of a job's file, lazily, hour by hour (``job.world``: the data)."""
    world = job.world or data.World(seed)
    cols = header(job.kind, "v1", header_set)
    has_id = header_set in ID_COLUMNS
    value_cols = cols[1:] if has_id else cols
    extra = ["en"] if variant in ("v2", "v3") else []
    first_hour, last_hour = int(job.start // 3600), int(-(-job.stop // 3600))
    for hour in range(first_hour, last_hour):
        a, b = max(job.start, hour * 3600), min(job.stop, (hour + 1) * 3600)
        values: list[dict[str, str]]
        if job.kind == "mention_sla_export":
            values = [_message_values(m, world) for m in world.messages(a, b)]
        elif job.kind == "case_details":
            values = [_case_values(c, world) for c in world.cases_actioned(a, b)]
        else:
            assert job.form is not None
            values = [
                _submission_values(s)
                for s in world.submissions(a, b, job.form)
                if s.score is not None and data.nps_matches(s, job.category)
            ]
        for v in values:
            base = [v[c] for c in value_cols]
            for k in range(scale):
                ident = [v["id"] if scale == 1 else f"{v['id']}-{k}"] if has_id else []
                yield [*ident, *base, *extra]


@dataclass
class ExportService:
    """The export jobs of one :class:`LexerApp` and their knobs (tests may change them)."""

    app: ExportHost
    pending_polls: int = 2
    fail_rate: float = 0.0
    scale: int = 1
    bom: bool = True
    header_variant: str = "v1"
    header_set: str = "with_id"
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
        world = self.app.world()
        start, stop = data.covered_range(body, world.knobs)
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
            world=world,
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
            header(job.kind, self.header_variant, self.header_set),
            rows(self.app.seed, job, self.scale, self.header_variant, self.header_set),
            bom=self.bom,
            drop_after=drop_after,
        )
        return Response(200, body, {}, "text/csv; charset=utf-8")

    # -- knobs -----------------------------------------------------------------------------

    def knobs(self) -> dict[str, t.Any]:
        return {
            "export_pending_polls": self.pending_polls,
            "export_fail_rate": self.fail_rate,
            "export_scale": self.scale,
            "export_bom": self.bom,
            "export_header_variant": self.header_variant,
            "export_header_set": self.header_set,
        }

    def configure(self, **options: t.Any) -> None:
        """Set ``export_*`` knobs (validated first, then applied together)."""
        unknown = set(options) - set(self.knobs())
        if unknown:
            raise ValueError(f"unknown export knob(s): {', '.join(sorted(unknown))}")
        variant = options.get("export_header_variant", self.header_variant)
        if variant not in HEADER_VARIANTS:
            raise ValueError(f"export_header_variant must be one of {HEADER_VARIANTS}")
        header_set = options.get("export_header_set", self.header_set)
        if header_set not in HEADER_SETS:
            raise ValueError(f"export_header_set must be one of {HEADER_SETS}")
        self.pending_polls = int(options.get("export_pending_polls", self.pending_polls))
        self.fail_rate = float(options.get("export_fail_rate", self.fail_rate))
        self.scale = int(options.get("export_scale", self.scale))
        self.bom = bool(options.get("export_bom", self.bom))
        self.header_variant = variant
        self.header_set = header_set


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


def export_rows(
    kind: str,
    body: dict[str, t.Any],
    world: data.World,
    *,
    header_set: str = "with_id",
    variant: str = "v1",
    scale: int = 1,
) -> tuple[list[str], list[list[str]]]:
    """The truth of an export: ``(header, rows)`` of the file a job started with request
    ``body`` (``type``, ``date_from``, ``date_to``, ``form``, ``nps_category``) in ``world``
    (``LexerApp.world()`` at the time the job started) contains."""
    start, stop = data.covered_range(body, world.knobs)
    job = _job(kind, start.timestamp(), stop.timestamp(), body, world)
    return header(kind, variant, header_set), list(
        rows(world.seed, job, scale, variant, header_set)
    )


def _job(kind: str, start: float, stop: float, body: dict[str, t.Any], world: data.World) -> Job:
    return Job(
        token="expected",  # noqa: S106 - a label, not a credential
        kind=kind,
        start=start,
        stop=stop,
        form=int(body["form"]) if body.get("form") is not None else None,
        category=str(body.get("nps_category", "all")),
        fail=False,
        world=world,
    )


def expected_rows(
    app: ExportHost, kind: str, start: dt.datetime, stop: dt.datetime, **body: t.Any
) -> list[list[str]]:
    """The data rows the sandbox would export now for ``[start, stop)`` (for tests)."""
    service = exports_of(app)
    job = _job(kind, start.timestamp(), stop.timestamp(), body, app.world())
    return list(rows(app.seed, job, service.scale, service.header_variant, service.header_set))


def exports_of(app: t.Any) -> ExportService:
    return t.cast("ExportService", app.exports)


def install(
    app: ExportHost,
    *,
    export_pending_polls: int = 2,
    export_fail_rate: float = 0.0,
    export_scale: int = 1,
    export_bom: bool = True,
    export_header_variant: str = "v1",
    export_header_set: str = "with_id",
) -> ExportService:
    """Add the export flow to ``app`` (called by ``LexerApp.__init__``)."""
    service = ExportService(app)
    service.configure(
        export_pending_polls=export_pending_polls,
        export_fail_rate=export_fail_rate,
        export_scale=export_scale,
        export_bom=export_bom,
        export_header_variant=export_header_variant,
        export_header_set=export_header_set,
    )
    app.add_route("GET", STATUS_PATH, service.status)
    app.add_route("GET", DOWNLOAD_PATH, service.download)
    return service
