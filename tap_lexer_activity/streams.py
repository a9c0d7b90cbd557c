"""Lexer Activity streams: one small class per report type.

* Lists (``users``, ``groups``, ``forms``): full table.
* Aggregate reports: one request per local day, rows carry the window.
* Time-series reports: one request per long window (up to the 12-month cap), one row per
  daily bucket. The API buckets in the request's fixed UTC offset and switches to hourly
  buckets under 4 days, so windows are cut at DST changes and widened to 4 days.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Iterable

from tap_lexer_activity.client import LexerListStream, LexerStream
from tapkit import DateWindowStream, TapError, Window, WindowPolicy, utc_iso

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
        start = window.in_request_offset(window.request_start)
        last = window.in_request_offset(window.request_end) - SECOND
        body: dict[str, t.Any] = {
            "type": self.report_type,
            "date_from": start.isoformat(),
            "date_to": last.isoformat(),
        }
        if context and "form_id" in context:
            body["form"] = context["form_id"]
            body["nps_category"] = self.nps_category
        return body

    @property
    def nps_category(self) -> str:
        return str(self.config.get("nps_category") or "all")

    def fetch(self, window: Window, context: t.Mapping[str, t.Any] | None) -> t.Any:
        return self.send_json(
            "POST", self.url_base + REPORTS_PATH, json=self.request_body(window, context)
        )

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        return self.rows(self.fetch(window, context), window, context)

    def rows(
        self, body: t.Any, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        raise NotImplementedError

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


class AggregateReportStream(ReportStream):
    window_policy = WindowPolicy(max_days=1)

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
            row["user_id"] = str(row["user_id"])
        return rows


TEAM = "all"


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
                            "user_id": str(item["user_id"]),
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


class SeriesReportStream(ReportStream):
    """Daily buckets; windows up to 365 days (under the 12-month cap), at least 4 days
    (below that the API answers hourly), cut where the UTC offset changes."""

    window_policy = WindowPolicy(max_days=365, min_days=4, split_on_offset_change=True)
    replication_key = "bucket_start"

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

    def parse_label(self, window: Window, item: t.Any) -> dt.datetime:
        """A ``date_range.date_from`` label ("YYYY-MM-DD HH:MM", in the request's offset)."""
        try:
            label = item["date_range"]["date_from"]
            naive = dt.datetime.strptime(label, "%Y-%m-%d %H:%M")
        except (KeyError, TypeError, ValueError):
            raise self.malformed(item, "a bucket with date_range.date_from") from None
        offset = window.fixed_offset or dt.timedelta(0)
        return self.check_daily(naive.replace(tzinfo=dt.timezone(offset)), window)

    def check_daily(self, bucket: dt.datetime, window: Window) -> dt.datetime:
        if window.in_request_offset(bucket).time() != dt.time(0):
            msg = (
                f"{self.vendor_name} returned a sub-daily bucket ({bucket.isoformat()}) for "
                f"'{self.report_type}'; this table holds daily buckets only. The request "
                f"covered {window.request_start} to {window.request_end}."
            )
            raise TapError(msg)
        return bucket

    def keyed_series(
        self, body: t.Any, window: Window, context: t.Any, column: str, *, with_state: bool = False
    ) -> list[dict[str, t.Any]]:
        if not isinstance(body, dict):
            raise self.malformed(body, "an object of series")
        rows = []
        for key, items in body.items():
            if not isinstance(items, list):
                raise self.malformed(items, "a list of buckets")
            for item in items:
                bucket = self.parse_label(window, item)
                if not window.contains(bucket):
                    continue
                row = self.bucket_row(window, bucket, context)
                if with_state:
                    row["state"] = item.get("state", key)
                if "value" not in item:  # a bucket without its number is not a zero
                    raise self.malformed(item, "a bucket with a `value`")
                row[column] = item["value"]
                rows.append(row)
        return rows


class StatesVolumeStream(SeriesReportStream):
    name = report_type = "states_volume"
    primary_keys: t.ClassVar[list[str]] = ["bucket_start", "state"]

    def rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        return self.keyed_series(body, window, context, "value", with_state=True)


class ResponseVolumeStream(SeriesReportStream):
    name = report_type = "response_volume"
    primary_keys: t.ClassVar[list[str]] = ["bucket_start"]

    def rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        return self.keyed_series(body, window, context, "avg_response_time")


class CaseVolumeStream(SeriesReportStream):
    name = report_type = "case_volume"
    primary_keys: t.ClassVar[list[str]] = ["bucket_start"]

    def rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        return self.keyed_series(body, window, context, "open")


class NpsVolumeStream(NpsFormsMixin, SeriesReportStream):
    name = report_type = "nps_volume"
    primary_keys: t.ClassVar[list[str]] = ["form_id", "nps_category", "bucket_start"]

    def rows(self, body: t.Any, window: Window, context: t.Any) -> list[dict[str, t.Any]]:
        if not isinstance(body, list):
            raise self.malformed(body, "a list of daily buckets")
        rows = []
        for item in body:
            try:
                bucket = dt.datetime.fromisoformat(str(item["date"]).replace("Z", "+00:00"))
            except (KeyError, TypeError, ValueError):
                raise self.malformed(item, "a bucket with `date`") from None
            self.check_daily(bucket, window)
            if not window.contains(bucket):
                continue
            row = self.bucket_row(window, bucket, context)
            row["timestamp"] = item.get("timestamp")
            row.update(item.get("data") or {})
            rows.append(row)
        return rows


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
