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

Columns: the vendor documents none of the three files' columns, so no stream declares
any. Every column of a file lands in ``extra_columns`` (a JSON object) under its header
exactly as written, as text. The tap's own columns (window, token, key) are declared.

Keys: ``row_key`` is the value of the file's id column: the column named in the
``export_id_columns`` setting, else the one column whose header looks like the stream's id
(``id_candidates`` in tap_lexer_activity.reports). With neither, one WARNING per stream and run says so, and rows are
keyed by a hash of their content: a row that changes between two exports then becomes a
second row instead of updating the first.
"""

from __future__ import annotations

import csv
import random
import time
import typing as t
from collections.abc import Callable, Iterable, Iterator
from urllib.parse import urljoin, urlparse

import requests
from singer_sdk.helpers.conform import TypeConformanceLevel

from tap_lexer_activity.csvfile import (
    EXTRA,
    ID_SETTING,
    KeyChoice,
    choose_id_column,
    column_keys,
    csv_rows,
    row_hash,
)
from tap_lexer_activity.export_settings import ExportSettings, export_settings
from tap_lexer_activity.reports import of_kind
from tap_lexer_activity.streams import ReportStream, stream_class
from tapkit import Cost, TapError, Window, WindowPolicy, plan_windows, utc_iso
from tapkit.errors import FatalRequestError

STATUS_PATH = "/activity/reports/status"
#: Polls back off from the poll interval (x1.5 each time) up to this many seconds.
MAX_POLL_INTERVAL = 60.0
POLL_BACKOFF = 1.5
CHUNK_BYTES = 64 * 1024
DOWNLOAD_ERRORS: tuple[type[Exception], ...] = (
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ConnectionError,
    requests.exceptions.ContentDecodingError,
    requests.exceptions.Timeout,
)


# -- the streams ------------------------------------------------------------------------


class ExportStream(ReportStream):
    """An asynchronous CSV export, one job per window, rows streamed from the file."""

    primary_keys: t.ClassVar[list[str]] = ["row_key"]
    replication_key = "window_start"
    # Rows go out as they are read, never held per window (millions per file); every row
    # of a window carries its window_start, so the order holds. An export row that a
    # re-export no longer lists is therefore not detected (see docs/lexer-exports.md).
    buffer_window_rows = False
    # Records are built already typed (file values are text, in extra_columns); the SDK's
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

    #: Status checks a plan assumes per export job (the real number depends on the job).
    plan_polls: t.ClassVar[int] = 3
    plan_note = f"{plan_polls} status checks assumed per export job"

    def window_cost(self, window: Window, context: t.Mapping[str, t.Any] | None) -> Cost:
        """The job's start, its status checks (after the poll waits) and the file, which
        is fetched without the credential (outside the rate-limit budget)."""
        settings = self.settings
        interval, waits = settings.poll_interval, 0.0
        for _ in range(self.plan_polls):
            waits += interval
            interval = min(interval * POLL_BACKOFF, max(MAX_POLL_INTERVAL, settings.poll_interval))
        return Cost(2 + self.plan_polls, unbudgeted=1, wait_seconds=waits)

    # -- sync ------------------------------------------------------------------------

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
        body = self.ask_report(self.request_body(window, context))
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
        keys = column_keys(header)
        width = len(keys)
        self.logger.info(
            "%s: the file of %s has %d column(s): %s",
            self.name,
            where,
            width,
            ", ".join(repr(h) for h in header)[:500],
        )
        choice = self.key_choice(header, where)
        id_index = choice.index
        base["row_key_column"] = choice.header
        ids: set[int] = set()  # hashes of the ids seen in this file (a repeat is an error)
        seen: dict[int, int] = {}  # occurrences of identical rows (hash-keyed rows only)
        for number, values in enumerate(lines, start=1):
            extra = dict(zip(keys, values, strict=False))
            if len(values) > width:  # a row longer than its header
                for index in range(width, len(values)):
                    extra[f"column_{index + 1}"] = values[index]
            natural = (
                values[id_index].strip() if id_index is not None and id_index < len(values) else ""
            )
            if natural:
                digest_of_id = hash(natural)
                if digest_of_id in ids:
                    self.check_unique(natural, ids, choice, where)  # raises
                ids.add(digest_of_id)
                # The record's keys in one order for every row (the base columns first).
                yield {**base, "row_number": number, EXTRA: extra or None, "row_key": natural}
                continue
            record = {**base, "row_number": number, EXTRA: extra or None}
            if id_index is not None:
                record["row_key_column"] = None
                self.announce(
                    "empty-id",
                    "%s: a row of %s has an empty %r; such rows are keyed by a hash of "
                    "their content (a change to one makes a new row)",
                    choice.header,
                    where,
                )
            # The window is NOT part of the hash: a rerun may fetch the same day inside
            # other window bounds (resume, lookback, a changed export_window_days), and
            # the row must keep its key. Columns are hashed by header, in header order
            # sorted, so a reordered file keeps its keys. Identical rows are always on
            # the same day, so in the same file: their occurrence numbers are stable.
            digest = row_hash(sorted(extra.items()))
            short = int(digest[:16], 16)
            occurrence = seen.get(short, 0)
            seen[short] = occurrence + 1
            key = f"sha256:{digest}"
            record["row_key"] = key if occurrence == 0 else f"{key}:{occurrence + 1}"
            yield record

    def key_choice(self, header: t.Sequence[str], where: str) -> KeyChoice:
        """The id column of this file, and the run's one notice about it."""
        configured = self.settings.id_columns.get(self.name)
        choice = choose_id_column(self.name, header, configured)
        example = f'{ID_SETTING}: {{"{self.name}": "<header of the id column>"}}'
        if choice.how == "detected":
            self.announce(
                "detected",
                "%s: rows are keyed by the file's %r column (detected from the header of %s; "
                "the vendor documents no column: set %s to choose)",
                choice.header,
                where,
                example,
                level="info",
            )
        elif choice.how == "setting":
            self.announce(
                "setting",
                "%s: rows are keyed by the file's %r column (%s)",
                choice.header,
                f"{ID_SETTING}.{self.name}",
                level="info",
            )
        elif choice.how == "off":
            self.announce(
                "off",
                "%s: %s is empty: rows are keyed by a hash of their content",
                f"{ID_SETTING}.{self.name}",
                level="info",
            )
        else:
            self.announce(
                "absent",
                "%s: no id column: %s has no entry for this stream and %s (file of %s: %s). "
                "Rows are keyed by a hash of their content, so a row that changes between "
                "two exports (a new status, a late note) becomes a NEW row next to the old "
                "one instead of replacing it. Set %s",
                f"{ID_SETTING}",
                choice.reason,
                where,
                ", ".join(repr(h) for h in header)[:300],
                example,
            )
        return choice

    def announce(self, kind: str, message: str, *args: t.Any, level: str = "warning") -> None:
        """Log ``message`` once per run and stream for each ``kind`` (not per window)."""
        self.warn_once((self.name, kind), message, self.name, *args, level=level)

    def check_unique(self, value: str, ids: set[int], choice: KeyChoice, where: str) -> None:
        """Stop when the id column repeats a value in one file: it would not identify a
        row, and upserts would silently keep one row of several."""
        digest = hash(value)
        if digest not in ids:
            ids.add(digest)
            return
        source = (
            f"{ID_SETTING}.{self.name}"
            if choice.how == "setting"
            else f"detected; set {ID_SETTING}.{self.name}"
        )
        raise TapError(
            f"the {choice.header!r} column of {self.name} ({source}) holds {value[:40]!r} on "
            f"two rows of one file ({where}), so it does not identify a row: set "
            f'{ID_SETTING}.{self.name} to a column that does, or to "" to key rows by a '
            "hash of their content"
        )

    def base_columns(
        self, window: Window, context: t.Mapping[str, t.Any] | None, token: str
    ) -> dict[str, t.Any]:
        return {
            "window_start": utc_iso(window.start),
            "window_end": utc_iso(window.end),
            "window_date": window.start.date().isoformat(),
            "timezone": str(self.tz.key),
            "export_token": token,
            **self.filter_columns(context),
        }


EXPORT_STREAMS = [stream_class(report, ExportStream) for report in of_kind("export")]
