"""The three asynchronous Lexer CSV exports as streams: ``mention_sla_export``,
``case_details`` and ``nps_submissions``.

Per date window (``export_window_days`` long, at most 365 days: the API's 12-month cap),
one export job, in the three documented steps:

1. ``POST {api_url}/activity/reports`` with the export ``type`` and the window answers
   ``{"status": "pending", "url": null, "token": ...}``;
2. ``GET {exports_api_url}/activity/reports/status?token=...`` (with ``Auth-Api-Token``,
   through the shared rate limiter) until ``complete`` with a ``url``; polls back off from
   ``export_poll_interval_seconds``; ``failed``, an unknown status or a job still pending
   after ``export_timeout_seconds`` stop the run with the job's token in the message;
3. ``GET <url>`` **without** any credential (the URL may be a third-party storage host),
   streamed: bytes -> incremental UTF-8 (BOM dropped) -> lines -> ``csv.reader`` -> one
   record at a time. Memory does not grow with the file. A connection dropped mid-file is
   retried from the start of the file, skipping the rows already emitted.

Columns: the vendor does not document them, so every stream declares the columns seen in
the files (typed, header normalised to snake_case) and a catch-all ``extra_columns``
object holding every other column under its header exactly as in the file. Nothing in the
file is dropped, and a header that changes between runs only moves columns between the
two. Keys: ``row_key`` is the file's own id column where it has one, else a hash of the
row's declared columns (by name), numbered when rows are identical.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import hashlib
import json
import math
import random
import re
import time
import typing as t
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from urllib.parse import urljoin, urlparse

import requests
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_lexer_activity.streams import REPORTS_PATH, NpsFormsMixin, ReportStream
from tapkit import TapError, Window, WindowPolicy, plan_windows, utc_iso
from tapkit.errors import FatalRequestError

STATUS_PATH = "/activity/reports/status"
DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 365
DEFAULT_POLL_INTERVAL = 5.0
DEFAULT_TIMEOUT = 1800.0
#: Polls back off from the poll interval (x1.5 each time) up to this many seconds.
MAX_POLL_INTERVAL = 60.0
POLL_BACKOFF = 1.5
CHUNK_BYTES = 64 * 1024
EXTRA = "extra_columns"
#: Columns the tap adds itself; a CSV column with one of these names is kept as csv_<name>.
META_COLUMNS = frozenset(
    {
        "row_key",
        "window_start",
        "window_end",
        "window_date",
        "timezone",
        "row_number",
        "export_token",
        "form_id",
        "nps_category",
        EXTRA,
    }
)
DOWNLOAD_ERRORS: tuple[type[Exception], ...] = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ConnectionError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.Timeout,
)

# A free-text field may be long (notes); the csv module's default cap is 128 KiB.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


# -- streaming CSV ----------------------------------------------------------------------


def iter_lines(chunks: Iterable[bytes], encoding: str = "utf-8-sig") -> Iterator[str]:
    """Decode byte chunks incrementally and yield lines with their ``\\n`` kept.

    Only ``\\n`` splits: ``csv.reader`` then joins the lines of a quoted field itself (a
    ``\\r`` or other Unicode line break inside a field is left alone). A UTF-8 BOM at the
    start is dropped; a character split across chunks is decoded whole.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""
    for chunk in chunks:
        if not chunk:
            continue
        text = pending + decoder.decode(chunk)
        parts = text.split("\n")
        pending = parts.pop()
        for part in parts:
            yield part + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def csv_rows(chunks: Iterable[bytes]) -> Iterator[list[str]]:
    """Rows of a CSV byte stream (the first is the header); blank lines are skipped."""
    for row in csv.reader(iter_lines(chunks)):
        if row:
            yield row


def normalise(header: str) -> str:
    """``"Customer Wait Time (s)"`` -> ``"customer_wait_time_s"``."""
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


def row_hash(parts: t.Sequence[t.Any]) -> str:
    text = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# -- typed columns ----------------------------------------------------------------------

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _to_int(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        number = float(value)
        if not number.is_integer():
            raise
        return int(number)


def _to_float(value: str) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(value)
    return number


def _to_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError(value)


def _to_datetime(value: str) -> str:
    text = value.strip()
    parsed = dt.datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
    if parsed.tzinfo is None:  # the files write UTC; a naive stamp is read as UTC
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.isoformat()


def converter_for(spec: t.Mapping[str, t.Any]) -> Callable[[str], t.Any] | None:
    """How a CSV string becomes the property's JSON type (None: keep the string)."""
    types = spec.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    if "integer" in types:
        return _to_int
    if "number" in types:
        return _to_float
    if "boolean" in types:
        return _to_bool
    if spec.get("format") == "date-time":
        return _to_datetime
    return None


@dataclass(frozen=True)
class Column:
    """Where one CSV column goes: a declared property, or ``extra_columns[key]``."""

    header: str
    prop: str | None
    key: str
    convert: Callable[[str], t.Any] | None


def plan_columns(
    header: t.Sequence[str], declared: t.Mapping[str, t.Mapping[str, t.Any]]
) -> list[Column]:
    """Map a file's header onto the stream's declared columns and ``extra_columns``."""
    used: set[str] = set()
    extra_keys: set[str] = set()
    plan = []
    for index, raw in enumerate(header):
        name = normalise(raw)
        if name in META_COLUMNS:
            name = f"csv_{name}"
        if name and name in declared and name not in used:
            used.add(name)
            plan.append(Column(raw, name, raw, converter_for(declared[name])))
            continue
        key = raw if raw.strip() else f"column_{index + 1}"
        while key in extra_keys:  # a repeated header keeps every copy
            key = f"{key} ({index + 1})"
        extra_keys.add(key)
        plan.append(Column(raw, None, key, None))
    return plan


# -- settings ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportSettings:
    window_days: int
    poll_interval: float
    timeout: float


def _number(value: t.Any) -> float | None:
    """A setting's numeric value (JSON config numbers may arrive as Decimal or text)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def export_settings(config: t.Mapping[str, t.Any]) -> ExportSettings:
    """The export settings, checked; each error names its setting."""
    errors = []
    raw = config.get("export_window_days")
    window = _number(DEFAULT_WINDOW_DAYS if raw is None else raw)
    if window is None or not window.is_integer() or not 1 <= window <= MAX_WINDOW_DAYS:
        errors.append(
            f"export_window_days: must be a whole number of days from 1 to {MAX_WINDOW_DAYS} "
            f"(the API refuses ranges over 12 months), got {raw}"
        )
    values = {}
    for key, default in (
        ("export_poll_interval_seconds", DEFAULT_POLL_INTERVAL),
        ("export_timeout_seconds", DEFAULT_TIMEOUT),
    ):
        raw = config.get(key)
        value = _number(default if raw is None else raw)
        if value is None or value <= 0:
            errors.append(f"{key}: must be a number of seconds greater than 0, got {raw}")
        values[key] = value or 0.0
    if errors:
        raise TapError("; ".join(errors))
    return ExportSettings(
        int(window or DEFAULT_WINDOW_DAYS),
        values["export_poll_interval_seconds"],
        values["export_timeout_seconds"],
    )


# -- the streams ------------------------------------------------------------------------


class ExportStream(ReportStream):
    """An asynchronous CSV export, one job per window, rows streamed from the file."""

    #: The file's own id column (normalised name), used as ``row_key`` where present.
    id_column: t.ClassVar[str | None] = None
    primary_keys: t.ClassVar[list[str]] = ["row_key"]
    replication_key = "window_start"
    # Records are built already typed from the schema (see converter_for); the SDK's
    # per-value conformance pass would cost ~40% of the throughput for nothing.
    TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel.NONE

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.sleep: Callable[[float], None] = time.sleep
        self.clock: Callable[[], float] = time.monotonic

    # -- settings and plan -----------------------------------------------------------

    @property
    def settings(self) -> ExportSettings:
        return export_settings(self.config)

    @property
    def exports_base(self) -> str:
        value = self.config.get("exports_api_url") or "https://clients.lexer.io/api/public/v1"
        return str(value).rstrip("/")

    def plan(self, context: t.Mapping[str, t.Any] | None) -> list[Window]:
        span = self.sync_range(context)
        policy = WindowPolicy(max_days=self.settings.window_days)
        return plan_windows(span.start, span.end, policy)

    @property
    def declared_columns(self) -> dict[str, dict[str, t.Any]]:
        props = self.schema.get("properties", {})
        return {k: v for k, v in props.items() if k not in META_COLUMNS}

    # -- sync ------------------------------------------------------------------------

    def get_records(self, context: t.Any) -> Iterator[dict[str, t.Any]]:
        # Unlike the base class, rows are never collected: they go out as they are read.
        # Every row of a window carries the same window_start, so the order holds.
        windows = self.plan(context)
        if windows:
            self.logger.info(
                "%s: %d export window(s) from %s to %s",
                self.name,
                len(windows),
                windows[0].start.date(),
                windows[-1].end.date(),
            )
        for window in windows:
            emitted = 0
            for row in self.records_for_window(window, context):
                emitted += 1
                yield row
            if emitted:
                # The window's file has been read to its end: persist the bookmark.
                self._write_state_message()

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        started = self.clock()
        token, url = self.run_job(window, context)
        count = 0
        for count, row in enumerate(self.file_rows(url, token, window, context), start=1):  # noqa: B007
            yield row
        self.logger.info(
            "%s: window %s..%s: %d row(s) from export %s in %.1f s",
            self.name,
            window.start.date(),
            window.end.date(),
            count,
            token,
            self.clock() - started,
        )

    # -- steps 1 and 2: the job --------------------------------------------------------

    def describe(self, window: Window, context: t.Mapping[str, t.Any] | None) -> str:
        where = f"stream '{self.name}', window {window.start.date()}..{window.end.date()}"
        if context and "form_id" in context:
            where += f", form {context['form_id']}"
        return where

    def run_job(self, window: Window, context: t.Mapping[str, t.Any] | None) -> tuple[str, str]:
        """Start the export job of ``window`` and wait for its file URL."""
        settings = self.settings
        body = self.send_json(
            "POST", self.url_base + REPORTS_PATH, json=self.request_body(window, context)
        )
        where = self.describe(window, context)
        if not isinstance(body, dict) or not body.get("token"):
            raise TapError(
                f"{self.vendor_name} answered the export request ({where}) without a job "
                f"token: {str(body)[:200]}"
            )
        token = str(body["token"])
        deadline = self.clock() + settings.timeout
        interval = settings.poll_interval
        polls = 0
        while True:
            status = body.get("status")
            url = body.get("url")
            if status == "complete" and url:
                self.logger.info("%s: export %s complete after %d poll(s)", self.name, token, polls)
                return token, self.resolve_url(str(url), token, where)
            if status == "failed":
                raise TapError(
                    f"{self.vendor_name} reports export job {token} ({where}) as failed; "
                    "run again to start a new job (finished windows are kept)"
                )
            if status not in ("pending", "complete"):
                raise TapError(
                    f"{self.vendor_name} export job {token} ({where}) has status {status!r}, "
                    "which is not a documented status (pending, complete); stopping "
                    "rather than guessing"
                )
            remaining = deadline - self.clock()
            if remaining <= 0:
                raise TapError(
                    f"{self.vendor_name} export job {token} ({where}) was still pending after "
                    f"{settings.timeout:g} s and {polls} status check(s): raise "
                    "`export_timeout_seconds` (or lower `export_window_days`) and run again "
                    "(finished windows are kept)"
                )
            self.sleep(min(interval, remaining))
            interval = min(interval * POLL_BACKOFF, max(MAX_POLL_INTERVAL, settings.poll_interval))
            body = self.send_json("GET", self.exports_base + STATUS_PATH, params={"token": token})
            polls += 1
            if not isinstance(body, dict):
                raise TapError(
                    f"{self.vendor_name} answered the status of export job {token} ({where}) "
                    f"with a {type(body).__name__}, not an object"
                )

    def resolve_url(self, url: str, token: str, where: str) -> str:
        resolved = urljoin(self.exports_base + "/", url)
        if urlparse(resolved).scheme not in ("http", "https"):
            raise TapError(
                f"{self.vendor_name} handed back a file location for export job {token} "
                f"({where}) that is not an http(s) URL"
            )
        return resolved

    def response_error_message(self, response: requests.Response) -> str:
        message = super().response_error_message(response)
        if response.url.startswith(self.exports_base):
            message = message.replace("`api_url`", "`exports_api_url`")
        return message

    # -- step 3: the file ---------------------------------------------------------------

    def download(self, url: str, token: str, where: str) -> requests.Response:
        # No credential: the URL is handed back by the API and may be a storage host.
        try:
            return self.send("GET", url, authenticate=False, stream=True, raw=True)
        except FatalRequestError as exc:
            detail = exc.args[0] if exc.args else type(exc).__name__
            raise TapError(
                f"downloading the file of export job {token} ({where}) failed: {detail}. "
                "The link comes from the status endpoint and may have expired: run again "
                "to start a new job (finished windows are kept)"
            ) from exc

    def file_lines(self, url: str, token: str, where: str) -> Iterator[list[str]]:
        """The file's rows (header first), streamed; a dropped connection is retried
        from the start of the file, skipping the rows already yielded."""
        settings_retries = int(self._setting("max_retries", 5))
        base = float(self._setting("backoff_base_seconds", 1.0))
        header: list[str] | None = None
        done = 0
        attempt = 0
        while True:
            response = self.download(url, token, where)
            try:
                rows = csv_rows(response.iter_content(CHUNK_BYTES))
                first = next(rows, None)
                if first is None:
                    return  # an empty body: not even a header, so no rows
                if header is None:
                    header = first
                    yield first
                elif first != header:
                    raise TapError(
                        f"the file of export job {token} ({where}) changed its header "
                        "between download attempts; run again"
                    )
                skip = done
                for row in rows:
                    if skip:
                        skip -= 1
                        continue
                    done += 1
                    yield row
                return
            except DOWNLOAD_ERRORS as exc:
                attempt += 1
                if attempt > settings_retries:
                    raise TapError(
                        f"the download of export job {token} ({where}) kept failing after "
                        f"{done} row(s) and {settings_retries} retries "
                        f"({type(exc).__name__}); raise `max_retries` or run again"
                    ) from exc
                wait = random.uniform(0.5, 1.0) * min(base * 2 ** (attempt - 1), 60.0)
                self.logger.warning(
                    "%s: download of export %s dropped after %d row(s) (%s); retry %d in %.2f s",
                    self.name,
                    token,
                    done,
                    type(exc).__name__,
                    attempt,
                    wait,
                )
                self.sleep(wait)
            except UnicodeDecodeError as exc:
                raise TapError(
                    f"the file of export job {token} ({where}) is not UTF-8 text "
                    f"(after {done} row(s)): {exc.reason}"
                ) from exc
            except csv.Error as exc:
                raise TapError(
                    f"the file of export job {token} ({where}) is not valid CSV after "
                    f"{done} row(s): {exc}"
                ) from exc
            finally:
                response.close()

    def file_rows(
        self, url: str, token: str, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterator[dict[str, t.Any]]:
        where = self.describe(window, context)
        base = self.base_columns(window, context, token)
        lines = self.file_lines(url, token, where)
        header = next(lines, None)
        if header is None:
            self.logger.warning("%s: the file of export %s is empty (no header)", self.name, token)
            return
        declared = self.declared_columns
        plan = self.check_header(plan_columns(header, declared), declared, where)
        width = len(plan)
        # A declared column missing from this file is null, explicitly.
        base.update(dict.fromkeys(set(declared) - {c.prop for c in plan if c.prop}))
        id_index = next(
            (i for i, c in enumerate(plan) if c.prop and c.prop == self.id_column), None
        )
        # Hash keys use the declared columns by name, so a column the vendor adds later
        # does not re-key (and so duplicate) rows fetched again; a file with none of them
        # is hashed whole, header included.
        key_columns = sorted((c.prop, i) for i, c in enumerate(plan) if c.prop)
        # The window is NOT part of the hash: a rerun may fetch the same day inside other
        # window bounds (resume, lookback, a changed export_window_days), and the row
        # must keep its key. Identical rows are always on the same day, so in the same
        # file, and their occurrence numbers are stable too.
        hash_prefix: list[t.Any] = []
        seen: dict[int, int] = {}  # occurrences of identical rows (hash-keyed files only)
        unreadable: set[str] = set()
        for number, values in enumerate(lines, start=1):
            record = dict(base)
            record["row_number"] = number
            extra: dict[str, str] = {}
            for column, value in zip(plan, values, strict=False):
                if column.prop is None:
                    extra[column.key] = value
                elif column.convert is None:
                    record[column.prop] = value
                elif value == "":
                    record[column.prop] = None
                else:
                    try:
                        record[column.prop] = column.convert(value)
                    except ValueError:
                        # Not silently lost: the raw text is kept under its header.
                        record[column.prop] = None
                        extra[column.key] = value
                        if column.key not in unreadable:
                            unreadable.add(column.key)
                            self.logger.warning(
                                "%s: column %r holds %r, not a %s (%s); kept as text in %s",
                                self.name,
                                column.key,
                                value[:40],
                                declared[column.prop].get("type"),
                                where,
                                EXTRA,
                            )
            for index in range(width, len(values)):  # a row longer than its header
                extra[f"column_{index + 1}"] = values[index]
            record[EXTRA] = extra or None
            natural = (
                values[id_index].strip() if id_index is not None and id_index < len(values) else ""
            )
            if natural:
                record["row_key"] = natural
            else:
                if key_columns:
                    content: list[t.Any] = [
                        [name, values[i] if i < len(values) else None] for name, i in key_columns
                    ]
                else:
                    content = [header, values]
                digest = row_hash([*hash_prefix, content])
                short = int(digest[:16], 16)
                occurrence = seen.get(short, 0)
                seen[short] = occurrence + 1
                key = f"sha256:{digest}"
                record["row_key"] = key if occurrence == 0 else f"{key}:{occurrence + 1}"
            yield record

    def base_columns(
        self, window: Window, context: t.Mapping[str, t.Any] | None, token: str
    ) -> dict[str, t.Any]:
        row = {
            "window_start": utc_iso(window.start),
            "window_end": utc_iso(window.end),
            "window_date": window.start.date().isoformat(),
            "timezone": str(self.tz.key),
            "export_token": token,
        }
        if context and "form_id" in context:
            row["form_id"] = context["form_id"]
            row["nps_category"] = self.nps_category
        return row

    def check_header(
        self, plan: list[Column], declared: t.Mapping[str, t.Any], where: str
    ) -> list[Column]:
        extra = [c.key for c in plan if c.prop is None]
        if extra:
            self.logger.warning(
                "%s: column(s) %s are not declared (%s); they land in %s",
                self.name,
                ", ".join(repr(k) for k in extra),
                where,
                EXTRA,
            )
        missing = sorted(set(declared) - {c.prop for c in plan if c.prop})
        if missing:
            self.logger.warning(
                "%s: declared column(s) %s are not in the file (%s); they are null",
                self.name,
                ", ".join(missing),
                where,
            )
        return plan


class MentionSlaExportStream(ExportStream):
    """The responses file: every message handled, with response times and notes."""

    name = report_type = "mention_sla_export"
    id_column = "mention_id"


class CaseDetailsStream(ExportStream):
    """A row for every case actioned in the window."""

    name = report_type = "case_details"
    id_column = "case_id"


class NpsSubmissionsStream(NpsFormsMixin, ExportStream):
    """Every NPS submission, per NPS form (``form`` and ``nps_category`` in the request).
    The file has no id column: rows are keyed by a hash of their content."""

    name = report_type = "nps_submissions"
    id_column = None
    primary_keys: t.ClassVar[list[str]] = ["form_id", "nps_category", "row_key"]


EXPORT_STREAMS: list[type[ExportStream]] = [
    MentionSlaExportStream,
    CaseDetailsStream,
    NpsSubmissionsStream,
]
