"""Every stream of the Lexer tap as one row of data (:data:`REPORTS`).

The stream classes (:mod:`tap_lexer_activity.streams`, :mod:`tap_lexer_activity.exports`)
are built from this table by a few generic classes; answers become rows through one
helper (:mod:`tap_lexer_activity.flatten`). Adding a report is a row here, its schema file
(the vendor's fields only) and the simulator's data. The docs page's streams table is
checked against this one (tests/lexer/test_reports_table.py).

This module imports nothing of the tap: the simulator and the tests may read it.
"""

from __future__ import annotations

from dataclasses import dataclass

#: What a stream is: a GET list, a day-window aggregate report, a time series of daily
#: buckets, an asynchronous CSV export.
KINDS = ("list", "aggregate", "series", "export")
#: How an answer becomes rows (see tap_lexer_activity.flatten).
SHAPES = (
    "items",  # a list endpoint: one row per item
    "object",  # one object: one row per window
    "list",  # a list: one row per item per window
    "user_volume",  # team-wide `[{state, volume}]` or per-agent `states` maps
    "date_range",  # {"<series>": [{"value", "date_range": {"date_from"}}]}
    "nps_volume",  # [{"date", "timestamp", "data": {...}}]
    "csv",  # a CSV file, every column in extra_columns
)


@dataclass(frozen=True)
class Report:
    """One stream: the vendor's name for it and how its answers become keyed rows."""

    #: The stream name: the report ``type`` (or the list's path without its slash).
    name: str
    kind: str
    shape: str
    #: The primary key (the window or bucket start, and every dimension of a row).
    keys: tuple[str, ...]
    #: The grain, as the docs page's streams table says it.
    grain: str
    #: Counts of events: a DST-change day's value is the sum of the hours that tile it.
    measures: tuple[str, ...] = ()
    #: The filter family sent with the request: "nps" (``form``, ``nps_category``: one
    #: partition per NPS form) or "" (none).
    filters: str = ""
    #: The docs that first list it: "early" or "2022" (api-docs/lexer-activity-api-v1-*).
    since: str = "early"
    #: date_range: the documented series key and the column its value goes to; None:
    #: every series key is a ``state``.
    series_key: str | None = None
    value_column: str = "value"
    #: Whether the docs say this series turns hourly for a range under 4 days.
    hourly_documented: bool = False
    #: How a series labels its buckets: "start" or "detect" (read from a dense answer).
    label_convention: str = "start"
    #: Whether a series lists every bucket of the range (nothing omitted when zero).
    dense: bool = False
    #: Fields the API sends as a number in one report and text in another: loaded as text.
    text_ids: tuple[str, ...] = ()
    #: CSV exports: normalised headers that may name the row id (guesses: the vendor
    #: documents no column of these files).
    id_candidates: tuple[str, ...] = ()

    @property
    def per_form(self) -> bool:
        return self.filters == "nps"

    @property
    def replication_key(self) -> str | None:
        return {"list": None, "series": "bucket_start"}.get(self.kind, "window_start")


NPS_COUNTS = (
    "total_sent",
    "total_received",
    "total_promoters",
    "total_passives",
    "total_detractors",
)
NPS_KEYS = ("form_id", "nps_category")

REPORTS: tuple[Report, ...] = (
    Report("users", "list", "items", ("id",), "one row per item"),
    Report("groups", "list", "items", ("id",), "one row per item"),
    Report("forms", "list", "items", ("id",), "one row per item"),
    Report("summary", "aggregate", "object", ("window_start",), "one row per local day"),
    Report(
        "user_volume",
        "aggregate",
        "user_volume",
        ("window_start", "user_id", "state"),
        "per day, per agent (or `all`), per state",
    ),
    Report(
        "classifications",
        "aggregate",
        "list",
        ("window_start", "classification_id", "state"),
        "per day, classification, state (+ `all_states`)",
    ),
    Report(
        "user_summary",
        "aggregate",
        "list",
        ("window_start", "user_id"),
        "per day, per agent",
        text_ids=("user_id",),
    ),
    Report("case_summary", "aggregate", "object", ("window_start",), "per day"),
    Report(
        "case_classifications",
        "aggregate",
        "list",
        ("window_start", "classification_id"),
        "per day, classification",
    ),
    Report(
        "nps_summary",
        "aggregate",
        "object",
        (*NPS_KEYS, "window_start"),
        "per NPS form, per day",
        filters="nps",
    ),
    Report(
        "states_volume",
        "series",
        "date_range",
        ("bucket_start", "state"),
        "per daily bucket, per state",
        measures=("value",),
        hourly_documented=True,
    ),
    Report(
        "response_volume",
        "series",
        "date_range",
        ("bucket_start",),
        "per daily bucket",
        series_key="avg_response_time",
        value_column="avg_response_time",
        hourly_documented=True,  # read only for measures: an average keeps its daily value
    ),
    Report(
        "case_volume",
        "series",
        "date_range",
        ("bucket_start",),
        "per daily bucket (`open` cases)",
        series_key="open",
        value_column="open",
    ),
    Report(
        "nps_volume",
        "series",
        "nps_volume",
        (*NPS_KEYS, "bucket_start"),
        "per NPS form, per daily bucket",
        measures=NPS_COUNTS,
        filters="nps",
        label_convention="detect",
        dense=True,
    ),
    Report(
        "mention_sla_export",
        "export",
        "csv",
        ("row_key",),
        "one row per CSV row",
        id_candidates=("mention_id", "message_id", "id"),
    ),
    Report(
        "case_details",
        "export",
        "csv",
        ("row_key",),
        "one row per CSV row",
        since="2022",
        # the early docs call cases "the conversations your team are having"
        id_candidates=("case_id", "conversation_id", "id"),
    ),
    Report(
        "nps_submissions",
        "export",
        "csv",
        (*NPS_KEYS, "row_key"),
        "one row per CSV row",
        filters="nps",
        since="2022",
        id_candidates=("submission_id", "response_id", "id"),
    ),
)

BY_NAME: dict[str, Report] = {report.name: report for report in REPORTS}


def of_kind(*kinds: str) -> list[Report]:
    return [report for report in REPORTS if report.kind in kinds]
