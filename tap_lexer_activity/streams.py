"""Lexer Activity streams: a few generic classes, one stream per row of
:data:`tap_lexer_activity.reports.REPORTS`.

* Lists (``users``, ``groups``, ``forms``): full table.
* Aggregate reports: one local day per request (two until the run knows how the API
  reads ``date_to``, see :class:`AggregateReportStream`), rows carry the window.
* Time-series reports: one request per long window (5 to 360 days), one row per local
  day; see :class:`SeriesReportStream` and the "Ambiguities" section of
  docs/tap-lexer-activity.md for how each reading of the docs is handled.
* CSV exports: :mod:`tap_lexer_activity.exports`.

Answers become rows in :mod:`tap_lexer_activity.flatten`, per the report's shape.
"""

from __future__ import annotations

import datetime as dt
import itertools
import typing as t
from collections.abc import Iterable

from tap_lexer_activity import flatten
from tap_lexer_activity.client import LexerListStream, LexerStream
from tap_lexer_activity.flatten import Bucket, Malformed
from tap_lexer_activity.reports import Report, of_kind
from tapkit import (
    BUCKET_COLUMNS,
    Cost,
    DateWindowStream,
    TapError,
    Window,
    WindowPolicy,
    utc_iso,
)
from tapkit.errors import FatalRequestError
from tapkit.windows import add_days

REPORTS_PATH = "/activity/reports"
SECOND = dt.timedelta(seconds=1)


class ListStream(LexerListStream):
    """``GET /<name>``: users, groups, forms."""

    report: t.ClassVar[Report]

    def get_records(self, context: t.Any) -> t.Iterator[dict[str, t.Any]]:
        if self.name != "forms":
            yield from super().get_records(context)
            return
        # The NPS streams need the same list to find the NPS forms: the run keeps it for
        # them (the list streams sync first), so a run asks for /forms once. Copies: the
        # SDK drops deselected properties from the records it writes.
        forms = list(super().get_records(context))
        self.lexer_run.forms = [dict(form) for form in forms]
        yield from forms


class ReportStream(LexerStream, DateWindowStream):
    """A ``POST /activity/reports`` report fetched window by window."""

    report: t.ClassVar[Report]
    report_type: t.ClassVar[str]
    http_method = "POST"
    path = REPORTS_PATH

    @property
    def partitions(self) -> list[dict[str, t.Any]] | None:
        """Per NPS form (the "nps" filter family): ``nps_form_ids`` or every form with
        ``nps: true``."""
        if not self.report.per_form:
            return None
        form_ids = self.lexer_run.nps_form_ids(self.config, self.logger)
        return [{"form_id": form_id} for form_id in form_ids]

    def request_body(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> dict[str, t.Any]:
        """The CSV exports' request (exports.py): the window, ``date_to`` at the next local
        midnight. Under an inclusive reading of ``date_to`` a row stamped in that
        midnight's first second is in two files; rows are keyed (by id or content), so it
        lands once. Ending at ``23:59:59`` would lose that second under the exclusive
        reading."""
        return self.report_body(
            window.in_request_offset(window.request_start),
            window.in_request_offset(window.request_end),
            context,
        )

    def report_body(
        self, date_from: dt.datetime, date_to: dt.datetime, context: t.Mapping[str, t.Any] | None
    ) -> dict[str, t.Any]:
        """A report request; Lexer documents whole seconds with a UTC offset."""
        body: dict[str, t.Any] = {
            "type": self.report_type,
            "date_from": date_from.replace(microsecond=0).isoformat(),
            "date_to": date_to.replace(microsecond=0).isoformat(),
        }
        if context and "form_id" in context:
            body["form"] = context["form_id"]
            body["nps_category"] = self.nps_category
        return body

    def ask_report(self, body: dict[str, t.Any]) -> t.Any:
        return self.send_json("POST", self.url_base + REPORTS_PATH, json=body)

    def filter_columns(self, context: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
        """The columns of the request's filters that every row carries (NPS)."""
        if context and "form_id" in context:
            return {"form_id": context["form_id"], "nps_category": self.nps_category}
        return {}

    @property
    def nps_category(self) -> str:
        return str(self.config.get("nps_category") or "all")

    @property
    def answer_name(self) -> str:
        """Messages about an answer (the kit's ``malformed``) name the report type."""
        return f"report '{self.report_type}'"


# -- aggregate reports: one request per day -------------------------------------------------


#: Answer fields that count events: an answer where all are 0 counts nothing.
COUNT_FIELDS = ("total_volume", "total_cases", "total_sent", "volume", "mentions_assigned")


def counts_nothing(answer: t.Any) -> bool:
    """Whether an aggregate answer counts no event (every count 0, or no rows)."""
    if isinstance(answer, list):
        return all(counts_nothing(item) for item in answer)
    if isinstance(answer, dict):
        if any(answer.get(name) for name in COUNT_FIELDS):
            return False
        states = answer.get("states")
        return not (isinstance(states, dict) and any(states.values()))
    return True


class AggregateReportStream(ReportStream):
    """One local day per request, exact under both readings of ``date_to``.

    The docs show whole seconds and end their examples at ``23:59:59``: inclusive to the
    end of that second, or exclusive. Asked to ``23:59:59`` a day is exact if inclusive
    and misses its last second if exclusive; asked to the next midnight it is exact if
    exclusive and counts the next day's first second too if inclusive. So, until the run
    knows the reading, each day is asked both ways: equal answers are exact under both
    readings (the usual case: no event in either boundary second). When they differ,
    one zero-width request at the midnight (``date_from = date_to``: nothing under the
    exclusive reading, that second under the inclusive one) tells the reading, which the
    rest of the run (every aggregate stream: see tap_lexer_activity.run) uses with one
    request per day. The ``date_to_reading`` setting skips the detection when the
    reading is known.
    """

    window_policy = WindowPolicy(max_days=1)

    def ask(self, date_from: dt.datetime, date_to: dt.datetime, context: t.Any) -> t.Any:
        return self.ask_report(self.report_body(date_from, date_to, context))

    def end_bound_reading(self) -> str:
        """The run's reading of ``date_to``: the setting, else what was detected."""
        return self.lexer_run.end_bound_reading(self.config)

    def fetch(self, window: Window, context: t.Mapping[str, t.Any] | None) -> t.Any:
        start = window.in_request_offset(window.request_start)
        end = window.in_request_offset(window.request_end)
        reading = self.end_bound_reading()
        if reading == "inclusive":
            return self.ask(start, end - SECOND, context)
        if reading == "exclusive":
            return self.ask(start, end, context)
        to_last_second = self.ask(start, end - SECOND, context)
        to_midnight = self.ask(start, end, context)
        if to_last_second == to_midnight:
            return to_midnight  # the same under both readings
        if end > self.now():
            # The boundary second has not happened yet (today's window, which the next
            # run fetches again): no probe can start in the future.
            return to_midnight
        try:
            probe = self.ask(end, end, context)
        except FatalRequestError as exc:
            raise TapError(
                f"{self.vendor_name} refused a zero-width request ({end.isoformat()} to "
                f"itself) that tells whether it reads date_to as inclusive or exclusive "
                f"({exc}); set `date_to_reading` to inclusive or exclusive and run again"
            ) from exc
        reading = "exclusive" if counts_nothing(probe) else "inclusive"
        self.lexer_run.detected_reading = reading
        self.logger.info(
            "%s: the API reads date_to as %s (a zero-width request at %s %s); the rest of "
            "the run asks each day once",
            self.name,
            reading,
            end.isoformat(),
            "counted nothing" if reading == "exclusive" else "counted that second",
        )
        return to_last_second if reading == "inclusive" else to_midnight

    def window_cost(self, window: Window, context: t.Mapping[str, t.Any] | None) -> Cost:
        """One request once the reading of ``date_to`` is known (set, or detected); two
        while it is being detected. A plan cannot know when an answer will tell, so it
        counts two: the most the run sends."""
        return Cost(2 if self.end_bound_reading() == "detect" else 1)

    @property
    def plan_note(self) -> str:  # type: ignore[override]
        if self.end_bound_reading() != "detect":
            return ""
        return (
            "at most: 2 requests a day until the API's reading of date_to is detected, "
            "then 1 (set date_to_reading to skip the detection)"
        )

    def rows(
        self, body: t.Any, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> list[dict[str, t.Any]]:
        base = {**self.window_columns(window), **self.filter_columns(context)}
        try:
            return flatten.aggregate_rows(self.report, body, base)
        except Malformed as exc:
            raise self.malformed(exc.body, exc.expected) from None

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        rows = self.rows(self.fetch(window, context), window, context)
        seen: set[tuple[t.Any, ...]] = set()
        for row in rows:
            key = tuple(row.get(k) for k in self.primary_keys)
            if key in seen or None in key:
                raise TapError(
                    f"{self.vendor_name} answered report '{self.report_type}' for "
                    f"{window.start.date()} with a row whose key "
                    f"({', '.join(f'{k}={v}' for k, v in zip(self.primary_keys, key, strict=True))})"
                    " is missing or repeated; the run stops rather than load one of them"
                )
            seen.add(key)
        return rows


# -- time-series reports: one request per long window, a row per daily bucket --------------

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


class SeriesReportStream(ReportStream):
    """Buckets of a time series, one row per local day.

    Requests (see "Ambiguities" in docs/tap-lexer-activity.md):

    * at least 5 days and at most 360 (daily under every reading of "less than 4 days" /
      "3 days or less"; inside every reading of "12 months"), cut where the UTC offset
      changes, in that one offset;
    * ``date_to`` one bucket past the last wanted bucket, at its ``23:59:59``: every
      wanted bucket is then whole under either reading of the end bound, and the extra
      bucket is dropped;
    * a DST-change day (23 or 25 hours) is asked again in the offset in force at its end,
      from its local midnight: its ``additive_fields`` (counts) are the sums of the
      buckets that tile the local day (:meth:`dst_day_buckets`); a 23-hour day's other
      values come from the one clipped daily bucket that is exactly the day
      (:meth:`apply_short_day`).
    """

    window_policy = WindowPolicy(max_days=360, min_days=5, split_on_offset_change=True)
    replication_key = "bucket_start"
    kit_columns = BUCKET_COLUMNS
    #: Whether the last answer labelled its buckets at their end (read by the DST path).
    _end_labels: bool = False

    @property
    def additive_fields(self) -> tuple[str, ...]:
        """Counts of events (the report's ``measures``): summed from hourly buckets for a
        DST-change day."""
        return self.report.measures

    @property
    def label_convention(self) -> str:
        """How the answer labels a bucket: "start" (the docs' samples; an answer with a
        label only an end label can have is read as end labels) or "detect" (a dense
        answer: its first label is the first bucket's start or its end; anything else
        stops the run)."""
        return self.report.label_convention

    @property
    def dense(self) -> bool:
        """Whether the answer lists every bucket of the range (nothing omitted when zero)."""
        return self.report.dense

    @property
    def hourly_documented(self) -> bool:
        """Whether the docs say this report turns hourly for a range under 4 days."""
        return self.report.hourly_documented

    # -- the answer -------------------------------------------------------------------------

    def parse_buckets(self, body: t.Any, offset: dt.tzinfo) -> list[Bucket]:
        def warn(message: str) -> None:
            self.logger.warning("%s: %s", self.name, message)

        try:
            return flatten.series_buckets(self.report, body, offset, warn)
        except Malformed as exc:
            raise self.malformed(exc.body, exc.expected) from None

    def series_body(
        self, first: dt.datetime, extra: dt.datetime, step: dt.timedelta, context: t.Any
    ) -> dict[str, t.Any]:
        """Buckets from ``first`` up to and including the one starting at ``extra``."""
        return self.report_body(first, extra + step - SECOND, context)

    def fetch_buckets(
        self, first: dt.datetime, extra: dt.datetime, step: dt.timedelta, context: t.Any
    ) -> list[tuple[Bucket, dt.datetime]]:
        """Ask ``[first, extra + step)``; return each bucket with its start instant."""
        body = self.series_body(first, extra, step, context)
        answer = self.ask_report(body)
        buckets = self.parse_buckets(answer, first.tzinfo or dt.UTC)
        if not buckets:
            return []
        where = f"a request from {body['date_from']} to {body['date_to']}" + (
            f" (form {context['form_id']})" if context and "form_id" in context else ""
        )
        grain = "day" if step == DAY else "hour"
        for bucket in buckets:
            if (bucket.label - first) % step:
                raise TapError(
                    f"{self.vendor_name} answered report '{self.report_type}' with a bucket "
                    f"labelled {bucket.label.isoformat()}, not on a {grain} boundary of the "
                    f"request's UTC offset, for {where}: its buckets are of another grain or "
                    "another offset than the docs say, so the run stops before loading it "
                    f"(this table holds {'daily' if step == DAY else 'hourly'} buckets only)"
                )
        shift = self.label_shift([b.label for b in buckets], first, extra, step, where)
        self._end_labels = bool(shift)
        if self.dense:
            # Every period once, in a row; left out at the end may only be the extra one
            # and periods not over yet.
            starts = sorted(b.label - shift for b in buckets)
            wanted = round((extra - first) / step)
            complete = len(starts) >= wanted or first + (len(starts) + 1) * step > self.now()
            if starts != [first + i * step for i in range(len(starts))] or not complete:
                raise TapError(
                    f"{self.vendor_name} answered report '{self.report_type}' with "
                    f"{len(starts)} {grain}ly bucket(s) for {where}, not one per {grain} "
                    f"({wanted}); the run stops before loading it"
                )
        return [(b, b.label - shift) for b in buckets]

    def label_shift(
        self,
        labels: list[dt.datetime],
        first: dt.datetime,
        extra: dt.datetime,
        step: dt.timedelta,
        where: str,
    ) -> dt.timedelta:
        """How far each label lies after its bucket's start: 0 or one ``step``."""
        earliest, latest = min(labels), max(labels)
        if self.label_convention == "detect":
            if earliest == first:
                return dt.timedelta(0)  # labelled at the start of its period
            if earliest == first + step:
                return step  # labelled at the end (the docs' nps_volume sample)
            raise TapError(
                f"{self.vendor_name} answered report '{self.report_type}' with a first bucket "
                f"labelled {earliest.isoformat()} for {where}: that is neither the start "
                f"({first.isoformat()}) nor the end ({(first + step).isoformat()}) of the "
                "first period, so which day each value belongs to is unknown; the run stops "
                "before loading it"
            )
        # "start", as the docs' samples show; the answer may still prove otherwise: a
        # label one period past the last bucket asked for is an end label.
        if earliest < first:
            # Buckets follow the request's offset (the nps_volume sample), so the first
            # one starts at date_from: an earlier label means buckets of another offset
            # (e.g. UTC days read from offset-less labels), not the local days asked.
            raise TapError(
                f"{self.vendor_name} answered report '{self.report_type}' with a bucket "
                f"labelled {earliest.isoformat()} for {where}, before the first bucket asked "
                f"({first.isoformat()}): its buckets are not days of the request's UTC offset, "
                "so which local day each value belongs to is unknown; the run stops before "
                "loading it"
            )
        if latest < extra + step:
            return dt.timedelta(0)
        if earliest == first or latest > extra + step:
            raise TapError(
                f"{self.vendor_name} answered report '{self.report_type}' with labels from "
                f"{earliest.isoformat()} to {latest.isoformat()} for {where}: more periods "
                "than were asked, so which day each value belongs to is unknown; the run "
                "stops before loading it"
            )
        return step

    # -- rows ----------------------------------------------------------------------------

    def bucket_row(
        self, window: Window, bucket: dt.datetime, context: t.Mapping[str, t.Any] | None
    ) -> dict[str, t.Any]:
        local = window.in_request_offset(bucket)
        row: dict[str, t.Any] = {
            "bucket_start": utc_iso(bucket),
            "bucket_date": local.date().isoformat(),
            "utc_offset": local.strftime("%z")[:3] + ":" + local.strftime("%z")[3:],
            "timezone": str(self.tz.key),
        }
        row.update(self.filter_columns(context))
        return row

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        offset = dt.timezone(window.fixed_offset or dt.timedelta(0))
        first = window.request_start.astimezone(offset)
        extra = window.request_end.astimezone(offset)
        rows: dict[tuple[str, tuple[tuple[str, t.Any], ...]], dict[str, t.Any]] = {}
        for bucket, start in self.fetch_buckets(first, extra, DAY, context):
            if not window.contains(start):
                continue
            key = (utc_iso(start), bucket.dims)
            if key in rows:
                raise self.duplicate(bucket, start)
            rows[key] = {**self.bucket_row(window, start, context), **dict(bucket.dims)}
            rows[key].update(bucket.fields)
        for day_start, day_end in self.dst_days(window):
            if self.additive_fields:
                self.apply_hourly(window, day_start, day_end, rows, context)
            elif day_end.astimezone(dt.UTC) - day_start.astimezone(dt.UTC) < DAY:
                self.apply_short_day(window, day_start, day_end, rows, context)
        return list(rows.values())

    def window_cost(self, window: Window, context: t.Mapping[str, t.Any] | None) -> Cost:
        """One request, and one more per DST-change day: counts summed from its hours
        (see :meth:`apply_hourly`), or another field's 23-hour day asked on its own (see
        :meth:`apply_short_day`)."""
        extra = 0
        for day_start, day_end in self.dst_days(window):
            length = day_end.astimezone(dt.UTC) - day_start.astimezone(dt.UTC)
            if self.additive_fields:
                extra += not length % HOUR
            else:
                extra += length < DAY
        return Cost(1 + extra)

    def apply_short_day(
        self,
        window: Window,
        day_start: dt.datetime,
        day_end: dt.datetime,
        rows: dict[tuple[str, tuple[tuple[str, t.Any], ...]], dict[str, t.Any]],
        context: t.Mapping[str, t.Any] | None,
    ) -> None:
        """A day shorter than 24 hours (entering DST), for values that cannot be summed
        (an average, distinct open cases): one daily bucket of the offset in force at the
        day's end, asked from the day's local midnight, is exactly the day. The request
        spans 5 days and more (daily under every reading of the hourly rule) and the
        wanted bucket ends where the next one starts, whole under either reading of
        ``date_to``. (A 25-hour day has no such bucket: it keeps the 24-hour one.)"""
        later = dt.timezone(day_end.utcoffset() or dt.timedelta(0))
        first = day_start.astimezone(later)
        end = day_end.astimezone(later)
        answer = self.ask_report(self.report_body(first, end + 5 * DAY - SECOND, context))
        wanted = end if self._end_labels else end - DAY
        label = utc_iso(day_start)
        for key in [k for k in rows if k[0] == label]:
            del rows[key]
        for bucket in self.parse_buckets(answer, later):
            if bucket.label == wanted:
                key = (label, bucket.dims)
                if key in rows:
                    raise self.duplicate(bucket, day_start)
                rows[key] = {**self.bucket_row(window, day_start, context), **dict(bucket.dims)}
                rows[key].update(bucket.fields)

    def duplicate(self, bucket: Bucket, start: dt.datetime) -> TapError:
        dims = ", ".join(f"{k}={v}" for k, v in bucket.dims) or "no other dimension"
        return TapError(
            f"{self.vendor_name} answered report '{self.report_type}' with two buckets for "
            f"{start.isoformat()} ({dims}); the run stops rather than load one of them"
        )

    def dst_days(self, window: Window) -> list[tuple[dt.datetime, dt.datetime]]:
        """Local days of the window that are not 24 hours long."""
        out = []
        day = window.start
        while day < window.end:
            nxt = add_days(day, 1)
            if nxt.astimezone(dt.UTC) - day.astimezone(dt.UTC) != DAY:
                out.append((day, nxt))
            day = nxt
        return out

    def apply_hourly(
        self,
        window: Window,
        day_start: dt.datetime,
        day_end: dt.datetime,
        rows: dict[tuple[str, tuple[tuple[str, t.Any], ...]], dict[str, t.Any]],
        context: t.Mapping[str, t.Any] | None,
    ) -> None:
        """Replace the DST day's counts by the sums of the buckets that tile exactly that
        local day (its 24-hour bucket counts one hour twice or misses one); other fields
        stay the API's daily value, except ``derived_fields`` computed from the sums."""
        length = day_end.astimezone(dt.UTC) - day_start.astimezone(dt.UTC)
        if length % HOUR:
            self.logger.warning(
                "%s: %s is %g hours long (a DST shift that is not whole hours): its counts "
                "are the API's 24-hour bucket, not exact",
                self.name,
                day_start.date(),
                length / HOUR,
            )
            return
        sums: dict[tuple[tuple[str, t.Any], ...], dict[str, int | float]] = {}
        for bucket in self.dst_day_buckets(day_start, day_end, context):
            acc = sums.setdefault(bucket.dims, dict.fromkeys(self.additive_fields, 0))
            for name in self.additive_fields:
                value = bucket.fields.get(name)
                if isinstance(value, str):
                    value = self._as_number(name, value, True)
                if not isinstance(value, int | float) or isinstance(value, bool):
                    raise self.malformed(bucket.fields, f"a number in `{name}`")
                acc[name] += value
        label = utc_iso(day_start)
        for (start_iso, dims), row in rows.items():
            if start_iso == label and dims not in sums:
                row.update(dict.fromkeys(self.additive_fields, 0))
                row.update(self.derived_fields(row, day_start, day_end))
        for dims, totals in sums.items():
            row = rows.setdefault(
                (label, dims), {**self.bucket_row(window, day_start, context), **dict(dims)}
            )
            row.update(totals)
            row.update(self.derived_fields(row, day_start, day_end))

    def derived_fields(
        self, row: t.Mapping[str, t.Any], day_start: dt.datetime, day_end: dt.datetime
    ) -> dict[str, t.Any]:
        """Fields of a DST day computed from its summed counts (see
        :func:`tap_lexer_activity.flatten.dst_day_fields`), stamped at the day's own label
        instant: its local midnight, or the next one under end labels."""
        mark = day_end if self._end_labels else day_start
        return flatten.dst_day_fields(self.report, row, mark)

    def dst_day_grain(self, labels: list[dt.datetime]) -> dt.timedelta:
        """The grain of the DST-day answer: hours where the docs say the span turns
        hourly (``hourly_documented``); otherwise read from a dense answer's labels."""
        if self.hourly_documented:
            return HOUR
        gaps = {b - a for a, b in itertools.pairwise(sorted(labels))}
        if len(labels) > 1 and len(gaps) == 1 and gaps <= {HOUR, DAY}:
            return gaps.pop()
        raise TapError(
            f"{self.vendor_name} answered report '{self.report_type}' for a DST-change day "
            f"with labels {', '.join(x.isoformat() for x in sorted(labels)[:4])}...: neither "
            "hourly nor daily buckets, so the day's counts cannot be summed; the run stops"
        )

    def dst_day_buckets(
        self, day_start: dt.datetime, day_end: dt.datetime, context: t.Mapping[str, t.Any] | None
    ) -> list[Bucket]:
        """The buckets that tile ``[day_start, day_end)`` exactly.

        The request is in the offset in force at the day's END, from the day's local
        midnight (23:00 of the day before on a 25-hour day, 01:00 on a 23-hour day) to
        the ``23:59:59`` one day past its end. Buckets (hourly or daily) are aligned to
        that offset's hours and midnights, so every bucket but the first starts on or
        after ``day_start`` and the last wanted one ends at ``day_end``, whole under
        either reading of ``date_to``; a daily first bucket is the part of its day from
        ``date_from`` on. The labels' convention (start or end) is the one the window's
        own answer showed.
        """
        later = dt.timezone(day_end.utcoffset() or dt.timedelta(0))
        first = day_start.astimezone(later)
        end = day_end.astimezone(later)
        body = self.report_body(first, end + DAY - SECOND, context)
        answer = self.ask_report(body)
        buckets = self.parse_buckets(answer, later)
        if not buckets:
            return []
        step = self.dst_day_grain([b.label for b in buckets])
        shift = step if self._end_labels else dt.timedelta(0)
        out, starts = [], []
        for bucket in buckets:
            start = bucket.label - shift
            if (start - end) % step:
                raise TapError(
                    f"{self.vendor_name} answered report '{self.report_type}' for the DST "
                    f"day {day_start.date()} with a bucket labelled {bucket.label.isoformat()}"
                    f", not on a {'day' if step == DAY else 'hour'} boundary of {later}; the "
                    "run stops before loading it"
                )
            if start < end and start + step > first:
                out.append(bucket)
                starts.append(start)
        if self.dense:
            wanted = end - step
            expected = []
            while wanted + step > first:
                expected.append(wanted)
                wanted -= step
            present = sorted(set(starts))
            missing = [s for s in expected if s not in present and s + step <= self.now()]
            if missing or len(present) != len(starts):
                raise TapError(
                    f"{self.vendor_name} answered report '{self.report_type}' for the DST day "
                    f"{day_start.date()} with {len(starts)} bucket(s) where one per "
                    f"{'day' if step == DAY else 'hour'} was expected; the run stops"
                )
        return out


BASES: dict[str, type[LexerStream]] = {
    "list": ListStream,
    "aggregate": AggregateReportStream,
    "series": SeriesReportStream,
}


def stream_class(report: Report, base: type[LexerStream]) -> type[LexerStream]:
    """The stream class of one row of the reports table."""
    words = report.name.split("_")
    return type(
        "".join(word.capitalize() for word in words) + "Stream",
        (base,),
        {
            "__module__": base.__module__,
            "__doc__": f"``{report.name}``: {report.grain}.",
            "report": report,
            "name": report.name,
            "report_type": report.name,
            "primary_keys": list(report.keys),
            **({"path": f"/{report.name}"} if report.kind == "list" else {}),
        },
    )


LIST_STREAMS = [stream_class(r, BASES[r.kind]) for r in of_kind("list")]
REPORT_STREAMS = [stream_class(r, BASES[r.kind]) for r in of_kind("aggregate", "series")]
