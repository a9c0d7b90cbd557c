"""Lexer Activity streams: one small class per report type.

* Lists (``users``, ``groups``, ``forms``): full table.
* Aggregate reports: one local day per request (two until the run knows how the API
  reads ``date_to``, see :class:`AggregateReportStream`), rows carry the window.
* Time-series reports: one request per long window (5 to 360 days), one row per local
  day; see :class:`SeriesReportStream` and the "Ambiguities" section of
  docs/tap-lexer-activity.md for how each reading of the docs is handled.
"""

from __future__ import annotations

import datetime as dt
import itertools
import typing as t
from collections.abc import Iterable
from dataclasses import dataclass

from tap_lexer_activity.client import LexerListStream, LexerStream
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


class UsersStream(LexerListStream):
    name = "users"
    path = "/users"


class GroupsStream(LexerListStream):
    name = "groups"
    path = "/groups"


class FormsStream(LexerListStream):
    name = "forms"
    path = "/forms"

    def get_records(self, context: t.Any) -> t.Iterator[dict[str, t.Any]]:
        # The NPS streams need the same list to find the NPS forms: keep it for them
        # (the list streams sync first), so a run asks for /forms once. Copies: the SDK
        # drops deselected properties from the records it writes.
        forms = list(super().get_records(context))
        self._tap.__dict__["_forms_fetched"] = [dict(form) for form in forms]
        yield from forms


class ReportStream(LexerStream, DateWindowStream):
    """A ``POST /activity/reports`` report fetched window by window."""

    report_type: t.ClassVar[str]
    http_method = "POST"
    path = REPORTS_PATH

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

    @property
    def nps_category(self) -> str:
        return str(self.config.get("nps_category") or "all")

    def malformed(self, body: t.Any, expected: str) -> TapError:
        kind = type(body).__name__
        return TapError(
            f"{self.vendor_name} answered report '{self.report_type}' with a {kind} where "
            f"{expected} was documented; the tap stops rather than load partial data"
        )


class NpsFormsMixin:
    """Partitions per NPS form: ``nps_form_ids`` or every form with ``nps: true``."""

    @property
    def partitions(self) -> list[dict[str, t.Any]] | None:
        return [{"form_id": form_id} for form_id in self._tap.nps_form_ids()]  # type: ignore[attr-defined]


# -- aggregate reports: one request per day -------------------------------------------------


#: Readings of ``date_to`` (the ``date_to_reading`` setting; "detect" by default).
END_BOUND_READINGS = ("detect", "inclusive", "exclusive")
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
    rest of the run uses with one request per day. The ``date_to_reading`` setting skips
    the detection when the reading is known.
    """

    window_policy = WindowPolicy(max_days=1)

    def ask(self, date_from: dt.datetime, date_to: dt.datetime, context: t.Any) -> t.Any:
        body = self.report_body(date_from, date_to, context)
        return self.send_json("POST", self.url_base + REPORTS_PATH, json=body)

    def end_bound_reading(self) -> str:
        """The run's reading of ``date_to``: the setting, else what was detected."""
        configured = str(self.config.get("date_to_reading") or "detect")
        if configured != "detect":
            return configured
        return str(self._tap.__dict__.get("_date_to_reading", "detect"))

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
        self._tap.__dict__["_date_to_reading"] = reading
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
    ) -> Iterable[dict[str, t.Any]]:
        raise NotImplementedError

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        rows = list(self.rows(self.fetch(window, context), window, context))
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

    def base_row(self, window: Window, context: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
        row = self.window_columns(window)
        if context and "form_id" in context:
            row["form_id"] = context["form_id"]
            row["nps_category"] = self.nps_category
        return row

    def object_rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        if not isinstance(body, dict):
            raise self.malformed(body, "an object")
        return [{**self.base_row(window, context), **body}]

    def list_rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        if not isinstance(body, list):
            raise self.malformed(body, "a list")
        return [{**self.base_row(window, context), **item} for item in body]


class SummaryStream(AggregateReportStream):
    name = report_type = "summary"
    primary_keys: t.ClassVar[list[str]] = ["window_start"]

    def rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        return self.object_rows(body, window, context)


class CaseSummaryStream(SummaryStream):
    name = report_type = "case_summary"


class NpsSummaryStream(NpsFormsMixin, SummaryStream):
    name = report_type = "nps_summary"
    primary_keys: t.ClassVar[list[str]] = ["form_id", "nps_category", "window_start"]


class ClassificationsStream(AggregateReportStream):
    name = report_type = "classifications"
    primary_keys: t.ClassVar[list[str]] = ["window_start", "classification_id", "state"]

    def rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        return self.list_rows(body, window, context)


class CaseClassificationsStream(ClassificationsStream):
    name = report_type = "case_classifications"
    primary_keys: t.ClassVar[list[str]] = ["window_start", "classification_id"]


class UserSummaryStream(ClassificationsStream):
    name = report_type = "user_summary"
    primary_keys: t.ClassVar[list[str]] = ["window_start", "user_id"]

    def rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        rows = self.list_rows(body, window, context)
        for row in rows:
            row["user_id"] = id_text(row.get("user_id"))
        return rows


TEAM = "all"


def id_text(value: t.Any) -> str | None:
    """An agent id as text (the docs send it as a number in one report, text in another);
    a missing one stays None so the key check stops the run instead of loading "None"."""
    return None if value is None or value == "" else str(value)


class UserVolumeStream(AggregateReportStream):
    """``user_volume`` is documented with two shapes under one type: team-wide totals
    per state (``[{"state", "volume"}]``) and per-agent ``states`` maps. Both become rows
    keyed (window, user_id, state), with ``user_id = "all"`` for the team-wide shape."""

    name = report_type = "user_volume"
    primary_keys: t.ClassVar[list[str]] = ["window_start", "user_id", "state"]

    def rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        if not isinstance(body, list):
            raise self.malformed(body, "a list")
        base = self.base_row(window, context)
        rows = []
        for item in body:
            if isinstance(item.get("states"), dict):
                for state, volume in item["states"].items():
                    rows.append(
                        {
                            **base,
                            "user_id": id_text(item.get("user_id")),
                            "first_name": item.get("first_name"),
                            "last_name": item.get("last_name"),
                            "state": state,
                            "volume": volume,
                        }
                    )
            elif "state" in item:
                rows.append(
                    {**base, "user_id": TEAM, "state": item["state"], "volume": item.get("volume")}
                )
            else:
                raise self.malformed(item, "a state row or an agent with `states`")
        return rows


# -- time-series reports: one request per long window, a row per daily bucket --------------

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)


@dataclass(frozen=True)
class Bucket:
    """One bucket of a series answer: its dimensions, the API's label, its fields."""

    dims: tuple[tuple[str, t.Any], ...]
    label: dt.datetime
    fields: dict[str, t.Any]


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
    #: Counts of events: summed from hourly buckets for a DST-change day.
    additive_fields: t.ClassVar[tuple[str, ...]] = ()
    #: How the answer labels a bucket: "start" (the docs' samples; an answer with a label
    #: only an end label can have is read as end labels) or "detect" (a dense answer: its
    #: first label is the first bucket's start or its end; anything else stops the run).
    label_convention: t.ClassVar[str] = "start"
    #: Whether the answer lists every bucket of the range (nothing omitted when zero).
    dense: t.ClassVar[bool] = False
    #: Whether the docs say this report turns hourly for a range under 4 days.
    hourly_documented: t.ClassVar[bool] = False
    #: Whether the last answer labelled its buckets at their end (read by the DST path).
    _end_labels: bool = False

    # -- the answer -------------------------------------------------------------------------

    def parse_buckets(self, body: t.Any, offset: dt.tzinfo) -> list[Bucket]:
        raise NotImplementedError

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
        answer = self.send_json("POST", self.url_base + REPORTS_PATH, json=body)
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
        if context and "form_id" in context:
            row["form_id"] = context["form_id"]
            row["nps_category"] = self.nps_category
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
        answer = self.send_json(
            "POST",
            self.url_base + REPORTS_PATH,
            json=self.report_body(first, end + 5 * DAY - SECOND, context),
        )
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
        """Fields of a DST day computed from its summed counts (none by default)."""
        return {}

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
        answer = self.send_json("POST", self.url_base + REPORTS_PATH, json=body)
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


class DateRangeSeriesStream(SeriesReportStream):
    """Series answered as ``{"<series>": [{"value", "date_range": {"date_from"}}]}``,
    labels ``"YYYY-MM-DD HH:MM"`` in the request's offset."""

    #: The documented series key and the column its value goes to; None: every key is
    #: a ``state`` (states_volume).
    series_key: t.ClassVar[str | None] = None
    value_column: t.ClassVar[str] = "value"

    def parse_buckets(self, body: t.Any, offset: dt.tzinfo) -> list[Bucket]:
        if not isinstance(body, dict):
            raise self.malformed(body, "an object of series")
        out = []
        for key, items in body.items():
            if self.series_key is not None and key != self.series_key:
                self.logger.warning(
                    "%s: ignoring series '%s' (the docs name only '%s')",
                    self.name,
                    key,
                    self.series_key,
                )
                continue
            if not isinstance(items, list):
                raise self.malformed(items, "a list of buckets")
            for item in items:
                try:
                    text = item["date_range"]["date_from"]
                    naive = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
                except (KeyError, TypeError, ValueError):
                    raise self.malformed(item, "a bucket with date_range.date_from") from None
                if "value" not in item:  # a bucket without its number is not a zero
                    raise self.malformed(item, "a bucket with a `value`")
                dims: tuple[tuple[str, t.Any], ...] = ()
                if self.series_key is None:
                    if item.get("state", key) != key:
                        raise self.malformed(item, f"a bucket of state '{key}'")
                    dims = (("state", key),)
                out.append(
                    Bucket(dims, naive.replace(tzinfo=offset), {self.value_column: item["value"]})
                )
        return out


class StatesVolumeStream(DateRangeSeriesStream):
    name = report_type = "states_volume"
    primary_keys: t.ClassVar[list[str]] = ["bucket_start", "state"]
    additive_fields = ("value",)
    hourly_documented = True


class ResponseVolumeStream(DateRangeSeriesStream):
    """An average: its DST-day value is the API's 24-hour bucket (see the tap page)."""

    name = report_type = "response_volume"
    primary_keys: t.ClassVar[list[str]] = ["bucket_start"]
    series_key = value_column = "avg_response_time"


class CaseVolumeStream(DateRangeSeriesStream):
    """Open cases (a count of distinct cases, not additive over hours): its DST-day value
    is the API's 24-hour bucket (see the tap page)."""

    name = report_type = "case_volume"
    primary_keys: t.ClassVar[list[str]] = ["bucket_start"]
    series_key = value_column = "open"


NPS_COUNTS = (
    "total_sent",
    "total_received",
    "total_promoters",
    "total_passives",
    "total_detractors",
)


class NpsVolumeStream(NpsFormsMixin, SeriesReportStream):
    """``[{"date", "timestamp", "data"}]``, one bucket per day. The docs' sample labels
    each day at its end; the convention is read from each answer's first label."""

    name = report_type = "nps_volume"
    primary_keys: t.ClassVar[list[str]] = ["form_id", "nps_category", "bucket_start"]
    additive_fields = NPS_COUNTS
    label_convention = "detect"
    dense = True

    def derived_fields(
        self, row: t.Mapping[str, t.Any], day_start: dt.datetime, day_end: dt.datetime
    ) -> dict[str, t.Any]:
        """A DST day's ``nps_score`` from its summed counts: (promoters - detractors) /
        received x 100, as the docs' NPS Summary sample computes it (9, 2, 12 -> 58.33),
        0.0 with none received; its ``timestamp`` is the day's own label instant (its
        local midnight, or the next one under end labels), not the 24-hour bucket's."""
        mark = day_end if self._end_labels else day_start
        received = row.get("total_received") or 0
        score = (
            (row["total_promoters"] - row["total_detractors"]) / received * 100 if received else 0.0
        )
        return {"nps_score": score, "timestamp": int(mark.timestamp())}

    def parse_buckets(self, body: t.Any, offset: dt.tzinfo) -> list[Bucket]:
        if not isinstance(body, list):
            raise self.malformed(body, "a list of daily buckets")
        out = []
        for item in body:
            try:
                label = dt.datetime.fromisoformat(str(item["date"]).replace("Z", "+00:00"))
            except (KeyError, TypeError, ValueError):
                raise self.malformed(item, "a bucket with `date`") from None
            if label.tzinfo is None:
                raise self.malformed(item, "a `date` with its UTC offset")
            data = item.get("data")
            if not isinstance(data, dict):
                raise self.malformed(item, "a bucket with `data`")
            out.append(Bucket((), label, {"timestamp": item.get("timestamp"), **data}))
        return out


LIST_STREAMS: list[type[LexerStream]] = [UsersStream, GroupsStream, FormsStream]
REPORT_STREAMS: list[type[ReportStream]] = [
    SummaryStream,
    UserVolumeStream,
    ClassificationsStream,
    UserSummaryStream,
    CaseSummaryStream,
    CaseClassificationsStream,
    NpsSummaryStream,
    StatesVolumeStream,
    ResponseVolumeStream,
    CaseVolumeStream,
    NpsVolumeStream,
]
