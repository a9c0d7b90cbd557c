"""LiveChat Reports streams: a few generic classes, one per shape of answer, read the
reports table (:mod:`tap_livechat_reports.reports`); ``STREAMS`` has a class per report.

Every stream asks for one local day per request (``filters.from`` = local midnight,
``filters.to`` = the end of the day or now, whichever is earlier, both RFC 3339 with the
offset of that instant) and sends the configured ``timezone``. The docs give the range as
``<from,to>`` (both ends in) with "optional resolution of microseconds"; an API could also
read ``to`` as exclusive. Once per run the tap asks which (:func:`to_reading`): a
``chats/total_chats`` request over the day before the first window, ``to`` at a local
midnight, lists that midnight's day only when ``to`` is inclusive. Then ``to`` is the day's
last microsecond (``23:59:59.999999``, inclusive reading) or the next local midnight
(exclusive reading), so consecutive days meet without a gap or an overlap either way.

* Distributed reports (``records`` keyed by period): one row per period, and per tag,
  greeting or group where the period's record is keyed that way. Every period of the
  window gets a row, even when the API sends ``{}`` or leaves the period out.
* Other reports (ranking, forms, performance, chat usage, visitors, queued visitors that
  left): rows for the request's window, nested structures flattened.

Rows always carry ``window_start``/``window_end`` (the replication key is ``window_start``)
and the report's ``total`` (``window_total``) or ``summary`` (``summary_*``/own columns).
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Iterable, Iterator

import requests
from singer_sdk.exceptions import FatalAPIError
from singer_sdk.pagination import PageNumberPaginator

from tap_livechat_reports.client import LiveChatStream, version_tuple
from tap_livechat_reports.reports import REPORTS, Report
from tapkit import PERIOD_COLUMNS, WINDOW_COLUMNS, Cost, TapError, Window, utc_iso
from tapkit.windows import add_days

MICROSECOND = dt.timedelta(microseconds=1)
HOUR = dt.timedelta(hours=1)
#: Placeholder key of a period or window for which the API listed no tag/agent/greeting,
#: so that the period still has a row (keys must be non-null).
NONE_KEY = "(none)"
PERIOD_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")
#: The report asked once per run to learn how the API reads ``filters.to`` (cheap, and in
#: every API version); the answer is kept in the run's :class:`LiveChatRun`.
PROBE_METHOD = "chats/total_chats"
Bounds = tuple[dt.datetime, dt.datetime]


class NotFoundError(FatalAPIError):
    """HTTP 404 (raised only where the stream falls back to another method)."""


def placeholder(
    base: t.Mapping[str, t.Any], columns: t.Sequence[str], keys: t.Sequence[str], **values: t.Any
) -> dict[str, t.Any]:
    """The one row of a period or window for which the API listed nothing: ``columns``
    null, but the ``keys`` ``"(none)"`` (keys must be non-null) and ``values`` as given."""
    return {**base, **dict.fromkeys(columns), **dict.fromkeys(keys, NONE_KEY), **values}


class ReportPages(PageNumberPaginator):
    """``page`` 1, 2, ... while the page listed records and ``summary.total_pages`` (at
    most ``max_pages``) has more."""

    def __init__(self, max_pages: int) -> None:
        super().__init__(1)
        self.max_pages = max_pages

    def has_more(self, response: requests.Response) -> bool:
        answer = response.json()
        total_pages = int((answer.get("summary") or {}).get("total_pages") or 1)
        return bool(answer.get("records")) and self.current_value < min(total_pages, self.max_pages)


class ReportStream(LiveChatStream):
    """A ``POST <api_url>/v<api_version>/reports/<method>`` report, one day per request,
    declared by its :class:`~tap_livechat_reports.reports.Report`."""

    report: t.ClassVar[Report]
    #: At most this many pages a day (a paged report).
    max_pages: t.ClassVar[int] = 10_000

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        #: The method that answered, for a report with fallback methods (kept for the run).
        self.chosen_method: str | None = None
        #: Local days whose answer reached the report's ``daily_cap`` in this sync.
        self.truncated_days: list[str] = []

    @property
    def method(self) -> str:
        """``<resource>/<action>`` of the endpoint."""
        return self.report.method

    @property
    def path(self) -> str:  # type: ignore[override]
        return "/" + (self.chosen_method or self.method)

    # -- the request -----------------------------------------------------------------------

    def request_range(self, window: Window) -> tuple[dt.datetime, dt.datetime] | None:
        """The first and the last instant of a window to ask for: the last is the window's
        last microsecond (the finest documented resolution), never in the future; the
        ``to`` sent follows from it and :meth:`to_reading`. None when the window has not
        started yet."""
        start = window.request_start
        # In UTC: wall-clock arithmetic on a zone-aware datetime is off across DST.
        last = window.request_end.astimezone(dt.UTC) - MICROSECOND
        last = min(last, self.now().astimezone(dt.UTC))
        if last < start:
            return None
        # Each bound carries the UTC offset in force at that instant (DST-correct).
        return start, last.astimezone(self.tz)

    def to_reading(self, window: Window) -> str:
        """How the API reads ``filters.to``: ``inclusive`` (``<from,to>``, the docs) or
        ``exclusive``. Asked once per run: ``chats/total_chats`` from the last second of
        the day before ``window`` to the window's midnight (both in the past). Every period
        of a range has a key (``{}`` when empty), so the answer lists the window's day only
        if ``to`` is in the range."""
        known = self.run.to_reading
        if known is not None:
            return known
        day = window.start
        before = add_days(day, -1)
        # The last second before the window's midnight, up to that midnight: a range that
        # never reaches the future and that no day's own request looks like.
        second = (day.astimezone(dt.UTC) - dt.timedelta(seconds=1)).astimezone(self.tz)
        pair = {
            "from": second.isoformat(timespec="microseconds"),
            "to": day.isoformat(timespec="microseconds"),
        }
        body = {"timezone": str(self.tz.key), "distribution": "day", "filters": pair}
        answer = self.send_json("POST", f"{self.url_base}/{PROBE_METHOD}", json=body)
        records = answer.get("records") if isinstance(answer, dict) else None
        keys = set(records) if isinstance(records, dict) else None
        first, last = before.date().isoformat(), day.date().isoformat()
        if keys == {first}:
            reading = "exclusive"
        elif keys == {first, last}:
            reading = "inclusive"
        else:
            listed = sorted(keys) if keys is not None else records
            raise TapError(
                f"{self.vendor_name} answered {PROBE_METHOD} for {pair['from']}.."
                f"{pair['to']} with periods {listed!r} (expected [{first!r}] or "
                f"[{first!r}, {last!r}]), so the tap cannot tell how it reads `filters.to`; "
                "the run stops: check `api_url`, `api_version` and `timezone`"
            )
        self.logger.info(
            "%s reads filters.to as %s (%s answered %s); days end at %s",
            self.vendor_name,
            reading,
            PROBE_METHOD,
            sorted(keys),
            "23:59:59.999999" if reading == "inclusive" else "the next local midnight",
        )
        self.run.to_reading = reading
        return reading

    def request_body(self, window: Window, bounds: Bounds) -> dict[str, t.Any]:
        start, last = bounds
        end = last
        if self.to_reading(window) == "exclusive":
            # [from, to): the instant after the last one asked for (the next midnight).
            end = (last.astimezone(dt.UTC) + MICROSECOND).astimezone(self.tz)
        # `to` always in the docs' full form YYYY-MM-DDTHH:MM:SS.ssssss+HH:MM.
        pair = {"from": start.isoformat(), "to": end.isoformat(timespec="microseconds")}
        filters: dict[str, t.Any] = {}
        config = self.config
        family = self.report.family
        if family == "greetings":
            # The vendor's sample for this report filters on the greetings' own time range.
            filters["greetings"] = dict(pair)
            if config.get("group_ids"):
                filters["greetings"]["groups"] = {"values": list(config["group_ids"])}
        else:
            filters.update(pair)
            if config.get("group_ids") and family in ("chats", "agents", "tags"):
                filters["groups"] = {"values": list(config["group_ids"])}
        if config.get("agent_ids") and family in ("chats", "greetings", "agents"):
            filters["agents"] = {"values": list(config["agent_ids"])}
        if config.get("tags") and family in ("chats", "greetings"):
            filters["tags"] = {"values": list(config["tags"])}
        body: dict[str, t.Any] = {"timezone": str(self.tz.key), "filters": filters}
        if self.report.shape == "periods":
            body["distribution"] = self.distribution
        return body

    @property
    def distribution(self) -> str:
        return str(self.config.get("distribution") or "day")

    def fetch(self, window: Window, bounds: Bounds) -> t.Any:
        body = self.request_body(window, bounds)
        if self.report.paged:
            return self.fetch_pages(body)
        if self.report.fallback_methods and self.chosen_method is None:
            return self.fetch_first_answering(body)
        return self.send_json("POST", self.url_base + self.path, json=body)

    def get_new_paginator(self) -> ReportPages:
        return ReportPages(self.max_pages)

    def fetch_pages(self, body: dict[str, t.Any]) -> dict[str, t.Any]:
        """Every page of the day as one answer: the records of all pages, the rest of
        page 1, and the day's :meth:`day_total`."""
        first: dict[str, t.Any] | None = None
        records: dict[str, t.Any] = {}
        #: (the page's `total`, the number of records on the page)
        totals: list[tuple[t.Any, int]] = []
        paginator = self.get_new_paginator()
        while not paginator.finished:
            page = {**body, "page": paginator.current_value}
            response = self.send("POST", self.url_base + self.path, json=page)
            answer = response.json()
            if not isinstance(answer, dict):
                raise self.malformed(answer, "a JSON object")
            self.mapping(answer.get("summary"), "a summary object")
            page_records = self.mapping(answer.get("records"), f"an object of {self.nouns}")
            if first is None:
                first = answer
            records.update(page_records)
            if page_records:
                totals.append((answer.get("total"), len(page_records)))
            paginator.advance(response)
        assert first is not None
        return {**first, "records": records, "total": self.day_total(first, totals)}

    def day_total(self, first: dict[str, t.Any], totals: list[tuple[t.Any, int]]) -> t.Any:
        """The day's ``total`` under either reading of a paged ``total``: the whole answer's
        (the same on every page; page 1's is kept) or each page's own count, which shows
        when every page's ``total`` equals its number of records over several pages (the
        whole answer's cannot: page 1 is full and more pages follow): they add up."""
        if len(totals) > 1 and all(
            isinstance(n, int) and not isinstance(n, bool) and n == count for n, count in totals
        ):
            return sum(count for _, count in totals)
        return first.get("total")

    def validate_response(self, response: requests.Response) -> None:
        if (
            response.status_code == 404
            and self.report.fallback_methods
            and self.chosen_method is None
        ):
            self.warn_lifecycle(response)
            raise NotFoundError(self.response_error_message(response))
        super().validate_response(response)

    def fetch_first_answering(self, body: dict[str, t.Any]) -> t.Any:
        """The documented method first, the fallback methods in turn on 404; the one that
        answered is kept for the run."""
        for method in (self.method, *self.report.fallback_methods):
            try:
                answer = self.send_json("POST", f"{self.url_base}/{method}", json=body)
            except NotFoundError:
                self.logger.warning("%s: %s answered 404", self.name, method)
                continue
            self.chosen_method = method
            self.logger.info("%s: %s answered; using it for this run", self.name, method)
            return answer
        tried = ", ".join((self.method, *self.report.fallback_methods))
        msg = (
            f"{self.vendor_name} answered 404 to each of {tried}: check `api_url` and `api_version`"
        )
        raise TapError(msg)

    def available(self) -> bool:
        since = self.report.since
        if version_tuple(self.api_version) >= version_tuple(since):
            return True
        self.warn_once(
            (self.name, "version"),
            "%s: %s is new in API v%s; `api_version` is %s, so the stream is skipped.",
            self.name,
            self.method,
            since,
            self.api_version,
        )
        return False

    def window_cost(self, window: Window, context: t.Mapping[str, t.Any] | None) -> Cost:
        """One request a day; none where `api_version` predates the method."""
        new_enough = version_tuple(self.api_version) >= version_tuple(self.report.since)
        return Cost(1 if new_enough else 0)

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        if not self.available():
            return []
        bounds = self.request_range(window)
        if bounds is None:
            return []
        body = self.fetch(window, bounds)
        if not isinstance(body, dict):
            raise self.malformed(body, "a JSON object")
        return list(self.rows(body, window, bounds))

    def rows(
        self, body: dict[str, t.Any], window: Window, bounds: Bounds
    ) -> Iterable[dict[str, t.Any]]:
        raise NotImplementedError

    # -- reading the answer ----------------------------------------------------------------

    @property
    def answer_name(self) -> str:
        """Messages about an answer (the kit's ``malformed``) name the method."""
        return self.method

    def mapping(self, value: t.Any, what: str) -> dict[str, t.Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.malformed(value, what)
        return value

    def flatten(
        self,
        record: t.Mapping[str, t.Any],
        fields: t.Sequence[str],
        counts: t.Collection[str],
        prefix: str = "",
    ) -> dict[str, t.Any]:
        """The report's fields of one record as columns: a dotted field (``queue.group``)
        is read from the nested object and named with ``_`` (``queue_group``). Counts the
        API omitted are zero (it leaves zero-valued fields out); other values it omitted
        are unknown (null)."""
        row: dict[str, t.Any] = {}
        for field in fields:
            *parents, leaf = field.split(".")
            source = record
            for part in parents:
                source = self.mapping(source.get(part), f"a {part} object")
            row[prefix + field.replace(".", "_")] = source.get(leaf, 0 if field in counts else None)
        return row

    @property
    def nouns(self) -> str:
        """What ``records`` is keyed by, in messages (agents, tags, chats)."""
        return str(self.report.key).removesuffix("_id") + "s"

    def keyed_rows(
        self, base: dict[str, t.Any], records: dict[str, t.Any]
    ) -> list[dict[str, t.Any]]:
        """A row per key of ``records``; none listed: the ``"(none)"`` row (if any)."""
        report = self.report
        key = str(report.key)
        counts = report.counts_for(self.distribution)
        columns = (
            (report.value_column,)
            if report.value_column
            else tuple(field.replace(".", "_") for field in report.fields)
        )
        if not records:
            return [placeholder(base, (key, *columns), (key,))] if report.placeholder else []
        rows = []
        for name, value in records.items():
            if report.value_column:
                metrics = {report.value_column: value}
            else:
                inner = self.mapping(value, f"an object per {key}")
                metrics = self.flatten(inner, report.fields, counts)
            rows.append({**base, key: str(name), **metrics})
        return rows

    def base_row(self, window: Window) -> dict[str, t.Any]:
        return self.window_columns(window)


# -- distributed reports ---------------------------------------------------------------------


class PeriodReportStream(ReportStream):
    """``{"total": n, "records": {"<period>": {...}}}``: a row per period (per key)."""

    kit_columns = (*WINDOW_COLUMNS, *PERIOD_COLUMNS)

    def periods(self, window: Window, bounds: Bounds) -> dict[dt.datetime, tuple[str, dt.datetime]]:
        """Every period the window must have a row for: start -> (label, end)."""
        if self.distribution == "day":
            return {window.start: (window.start.date().isoformat(), window.end)}
        out: dict[dt.datetime, tuple[str, dt.datetime]] = {}
        labels: dict[str, dt.datetime] = {}
        cursor = window.start.astimezone(dt.UTC)
        stop = min(window.end.astimezone(dt.UTC), bounds[1].astimezone(dt.UTC) + MICROSECOND)
        while cursor < stop:
            local = cursor.astimezone(self.tz)
            label = local.strftime("%Y-%m-%d %H:%M:%S")
            nxt = cursor + HOUR
            if label in labels:
                # The repeated hour of a DST fall-back has one wall-clock label: the API
                # cannot tell the two hours apart, so they are one period of two hours.
                first = labels[label]
                out[first] = (label, nxt.astimezone(self.tz))
            else:
                key = self.parse_period(label)
                labels[label] = key
                out[key] = (label, nxt.astimezone(self.tz))
            cursor = nxt
        return out

    def parse_period(self, label: str) -> dt.datetime:
        """A period key ("YYYY-MM-DD", or an hour "YYYY-MM-DD HH:MM[:SS]", or an RFC 3339
        instant) as an aware local datetime."""
        text = str(label).strip()
        for fmt in PERIOD_FORMATS:
            try:
                naive = dt.datetime.strptime(text, fmt)
            except ValueError:
                continue
            return naive.replace(tzinfo=self.tz)
        try:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise self.malformed(label, "a period key such as 2021-04-08") from None
        if moment.tzinfo is None:
            return moment.replace(tzinfo=self.tz)
        return moment.astimezone(self.tz)

    def period_table(
        self, body: dict[str, t.Any], window: Window, bounds: Bounds
    ) -> Iterator[dict[str, t.Any]]:
        records = self.mapping(body.get("records"), "an object of periods")
        expected = self.periods(window, bounds)
        got: dict[dt.datetime, tuple[str, t.Any]] = {}
        for label, record in records.items():
            start = self.parse_period(label)
            if self.distribution == "day" and start.time() != dt.time(0):
                raise TapError(
                    f"{self.vendor_name} returned a sub-daily period {label!r} for "
                    f"{self.method}; this table holds daily periods only"
                )
            if not window.start <= start < window.end:
                if self.mapping(record, "an object per period"):
                    # Data outside the day asked for: the API read the bounds or the
                    # timezone differently from the docs, and `total` may include it.
                    raise TapError(
                        f"{self.vendor_name} answered {self.method} for {bounds[0].isoformat()}"
                        f"..{bounds[1].isoformat(timespec='microseconds')} with data for "
                        f"period {label!r}, outside that day; it reads `filters.from`/"
                        "`filters.to` or `timezone` differently from the docs, so the run "
                        "stops: check the `timezone` setting"
                    )
                self.logger.debug("%s: empty period %r outside the day; ignored", self.name, label)
                continue
            got[start.astimezone(dt.UTC)] = (str(label), record)
        by_utc = {
            start.astimezone(dt.UTC): (start, end, label)
            for start, (label, end) in expected.items()
        }
        for moment in got:
            if moment not in by_utc:  # a period we did not plan (e.g. a finer key format)
                local = moment.astimezone(self.tz)
                by_utc[moment] = (local, min(local + HOUR, window.end), got[moment][0])
        for moment in sorted(by_utc):
            start, end, label = by_utc[moment]
            label, record = got.get(moment, (label, {}))
            base = {
                **self.base_row(window),
                "distribution": self.distribution,
                "period": label,
                "period_start": utc_iso(start),
                "period_end": utc_iso(end),
                "window_total": body.get("total"),
            }
            yield from self.period_rows(base, self.mapping(record, "an object per period"))

    def period_rows(
        self, base: dict[str, t.Any], record: dict[str, t.Any]
    ) -> Iterable[dict[str, t.Any]]:
        report = self.report
        if report.key is not None:
            return self.keyed_rows(base, record)
        counts = report.counts_for(self.distribution)
        row = {**base, **self.flatten(record, report.fields, counts)}
        if not record:
            row.update(dict.fromkeys(report.zero_when_empty, 0))
        return [row]

    def rows(
        self, body: dict[str, t.Any], window: Window, bounds: Bounds
    ) -> Iterator[dict[str, t.Any]]:
        out = list(self.period_table(body, window, bounds))
        cap = self.report.daily_cap
        if cap is not None:
            # A window is one local day. With hourly periods the day's values are spread
            # over its hours: counting every (hour, key) value flags the day under either
            # reading of the cap (that many values per day in all, or keys per day).
            key = str(self.report.key)
            at_cap = sum(row[key] != NONE_KEY for row in out) >= cap
            for row in out:
                row["truncated"] = at_cap
            if at_cap:
                self.truncated_days.append(window.start.date().isoformat())
        return iter(out)

    def get_records(self, context: t.Any) -> Iterator[dict[str, t.Any]]:
        self.truncated_days.clear()
        try:
            yield from super().get_records(context)
        finally:
            if self.truncated_days:
                self.logger.warning(
                    "%s: LiveChat returns only up to %d values per day for %s, and these "
                    "days reached it, so they may be incomplete (their rows have "
                    "truncated = true; the LiveChat App has the full data): %s",
                    self.name,
                    self.report.daily_cap,
                    self.method,
                    ", ".join(self.truncated_days),
                )


# -- reports for the whole window ------------------------------------------------------------


class WindowReportStream(ReportStream):
    """A report with no periods: its rows describe the request's day window (a row per
    key of ``records``, or one row from ``summary``)."""

    def rows(
        self, body: dict[str, t.Any], window: Window, bounds: t.Any
    ) -> Iterable[dict[str, t.Any]]:
        report = self.report
        base = self.base_row(window)
        if report.window_total:
            base["window_total"] = body.get("total")
        if report.summary:
            summary = self.mapping(body.get("summary"), "a summary object")
            base.update(
                self.flatten(summary, report.summary, report.summary_counts, report.summary_prefix)
            )
        if report.key is None:
            return [base]
        return self.keyed_rows(
            base, self.mapping(body.get("records"), f"an object of {self.nouns}")
        )


FORM = ("form_id", "group_id", "form_count")
FIELD = ("field_id", "field_label")
ANSWER = ("answer_id", "answer_label", "answer_count")


class FormsReportStream(WindowReportStream):
    """``records`` is a list of forms with fields and answers: a row per (form, group,
    field, answer). A field without answers gets answer_id ``"(none)"``, a form without fields
    field_id ``"(none)"``, a window without forms form_id ``"(none)"`` and group_id -1."""

    def rows(
        self, body: dict[str, t.Any], window: Window, bounds: t.Any
    ) -> Iterable[dict[str, t.Any]]:
        base = self.base_row(window)
        forms = body.get("records")
        if forms is None:
            forms = []
        if not isinstance(forms, list):
            raise self.malformed(forms, "a list of forms")
        rows = []
        for form in forms:
            form = self.mapping(form, "a form object")
            form_row = {
                **base,
                "form_id": str(form.get("form_id", NONE_KEY)),
                "group_id": int(form.get("group_id") or 0),
                "form_count": form.get("count", 0),
            }
            fields = form.get("fields") or []
            if not fields:
                rows.append(placeholder(form_row, (*FIELD, *ANSWER), ("field_id", "answer_id")))
            for field in fields:
                field = self.mapping(field, "a form field object")
                field_row = {
                    **form_row,
                    "field_id": str(field.get("field_id", NONE_KEY)),
                    "field_label": field.get("label"),
                }
                answers = field.get("answers") or []
                if not answers:
                    rows.append(placeholder(field_row, ANSWER, ("answer_id",)))
                for answer in answers:
                    answer = self.mapping(answer, "an answer object")
                    rows.append(
                        {
                            **field_row,
                            "answer_id": str(answer.get("answer_id", NONE_KEY)),
                            "answer_label": answer.get("label"),
                            "answer_count": answer.get("count", 0),
                        }
                    )
        if not rows:
            rows.append(
                placeholder(
                    base,
                    (*FORM, *FIELD, *ANSWER),
                    ("form_id", "field_id", "answer_id"),
                    group_id=-1,
                )
            )
        return rows


SHAPES: dict[str, type[ReportStream]] = {
    "periods": PeriodReportStream,
    "window": WindowReportStream,
    "forms": FormsReportStream,
}


def stream_class(report: Report) -> type[ReportStream]:
    """The stream class of one report: its shape's generic class, named after it."""
    notes = []
    if report.paged:
        notes.append("paged: one request a day per page, at least one")
    if report.fallback_methods:
        notes.append(f"one request more if {report.method} answers 404")
    title = "".join(part.title() for part in report.name.split("_"))
    namespace = {
        "__module__": __name__,
        "__doc__": f"The ``{report.method}`` report (see tap_livechat_reports.reports).",
        "name": report.name,
        "report": report,
        "primary_keys": list(report.keys),
        "plan_note": "; ".join(notes),
    }
    return type(f"{title}Stream", (SHAPES[report.shape],), namespace)


STREAMS: list[type[ReportStream]] = [stream_class(report) for report in REPORTS]
