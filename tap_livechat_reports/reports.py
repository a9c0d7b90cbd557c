"""The LiveChat reports, as data: one :class:`Report` per stream, read by the few generic
stream classes in :mod:`tap_livechat_reports.streams`.

Adding a report is one entry here plus its schema file (the vendor's fields only); see
the README's "Adding a stream". Fields are read from the report's records (per period,
per key or per window); a dotted field (``queue.duration``) is read from a nested object
and becomes one column (``queue_duration``). A field in ``counts`` is 0 when the API leaves
it out (it omits zeros); any other field left out is unknown (null).
"""

from __future__ import annotations

import dataclasses
import typing as t

#: Shapes of an answer, each read by one generic stream class.
#: ``periods``: ``{"total": n, "records": {"<period>": {...}}}``, a row per period (and per
#: key where the period's record is keyed); requests carry ``distribution``.
#: ``window``: rows for the request's day (per key of ``records``, or one from ``summary``).
#: ``forms``: ``records`` is a list of forms, fields and answers.
Shape = t.Literal["periods", "window", "forms"]
#: The documented filter sets: which of ``group_ids``/``agent_ids``/``tags`` apply.
Family = t.Literal["chats", "greetings", "agents", "tags", "customers"]


@dataclasses.dataclass(frozen=True)
class Report:
    """One LiveChat report and how its answer becomes rows."""

    #: The stream's name.
    name: str
    #: ``<resource>/<action>`` of ``POST .../reports/<method>``.
    method: str
    #: The stream's primary key.
    keys: tuple[str, ...]
    shape: Shape = "periods"
    family: Family = "chats"
    #: The first API version that has the method (older versions skip the stream).
    since: str = "0.0"
    #: The column of the key that ``records`` (or a period's record) is keyed by; a
    #: period or window with no key gets one row with ``"(none)"`` and null fields.
    key: str | None = None
    #: The fields read per period/key, in column order.
    fields: tuple[str, ...] = ()
    #: Fields that count (0 when omitted); per ``distribution`` where it differs.
    counts: tuple[str, ...] | t.Mapping[str, tuple[str, ...]] = ()
    #: The column of a key's value when the key maps to a number, not to an object.
    value_column: str | None = None
    #: Fields of ``summary`` (window reports), as ``summary_prefix + field``.
    summary: tuple[str, ...] = ()
    summary_counts: tuple[str, ...] = ()
    summary_prefix: str = "summary_"
    #: Window reports: whether rows carry the answer's ``total`` as ``window_total``
    #: (distributed reports always do).
    window_total: bool = False
    #: Whether a window (or period) with no key still gets its ``"(none)"`` row.
    placeholder: bool = True
    #: Fields that are 0 on an empty period ``{}`` even though they are not counts.
    zero_when_empty: tuple[str, ...] = ()
    #: The documented cap on values per day: rows of a day at the cap get ``truncated``.
    daily_cap: int | None = None
    #: Paged with ``page`` until ``summary.total_pages``.
    paged: bool = False
    #: Further methods tried in turn when ``method`` answers 404.
    fallback_methods: tuple[str, ...] = ()

    def counts_for(self, distribution: str) -> tuple[str, ...]:
        if isinstance(self.counts, tuple):
            return self.counts
        return tuple(self.counts[distribution])


PERIOD_KEYS = ("period_start", "distribution")
QUEUE_STATS = ("count", "min", "max", "avg")
PERFORMANCE_COUNTS = (
    "chats_count",
    "chats_rated_good",
    "chats_rated_bad",
    "first_response_chats_count",
    "accepting_chats_time",
    "chatting_time",
    "logged_in_time",
    "not_accepting_chats_time",
)

REPORTS: tuple[Report, ...] = (
    Report(
        "chats_duration",
        "chats/duration",
        PERIOD_KEYS,
        fields=("count", "agents_chatting_duration", "duration"),
        counts=("count",),
    ),
    Report("chats_tags", "chats/tags", (*PERIOD_KEYS, "tag"), key="tag", value_column="chats"),
    Report(
        "chats_total_chats",
        "chats/total_chats",
        PERIOD_KEYS,
        fields=("total", "continuous"),
        counts=("total", "continuous"),
    ),
    Report(
        "chats_ratings",
        "chats/ratings",
        PERIOD_KEYS,
        fields=("chats", "good", "bad"),
        counts=("chats", "good", "bad"),
    ),
    Report(
        "chats_ranking",
        "chats/ranking",
        ("window_start", "agent"),
        shape="window",
        key="agent",
        fields=("total", "good", "bad", "score"),
        counts=("total", "good", "bad"),
    ),
    Report(
        "chats_engagement",
        "chats/engagement",
        PERIOD_KEYS,
        fields=(
            "started_by_customer_from_greeting",
            "started_by_customer_without_greeting",
            "started_by_agent",
            "total",
        ),
        counts=(
            "started_by_customer_from_greeting",
            "started_by_customer_without_greeting",
            "started_by_agent",
        ),
        # Documented per period but absent from the vendor's sample: null when a period
        # with data leaves it out (unknown), 0 on an empty period `{}` (no chats at all).
        zero_when_empty=("total",),
    ),
    Report(
        "chats_greetings_conversion",
        "chats/greetings_conversion",
        (*PERIOD_KEYS, "greeting_id"),
        family="greetings",
        key="greeting_id",
        fields=("accepted", "canceled", "displayed", "goals"),
        counts=("accepted", "canceled", "displayed", "goals"),
        # The docs: "The method will return only up to 100 values for each day."
        daily_cap=100,
    ),
    Report(
        "chats_forms",
        "chats/forms",
        ("window_start", "form_id", "group_id", "field_id", "answer_id"),
        shape="forms",
    ),
    Report(
        "chats_response_time",
        "chats/response_time",
        PERIOD_KEYS,
        fields=("count", "response_time"),
        counts=("count",),
    ),
    Report(
        "chats_first_response_time",
        "chats/first_response_time",
        PERIOD_KEYS,
        fields=("count", "first_response_time"),
        counts=("count",),
    ),
    Report(
        "agents_availability",
        "agents/availability",
        PERIOD_KEYS,
        family="agents",
        # `hours` per day (distribution day) or `minutes` per hour (hour).
        fields=("hours", "minutes"),
        counts={"day": ("hours",), "hour": ("minutes",)},
    ),
    Report(
        "agents_performance",
        "agents/performance",
        ("window_start", "agent"),
        shape="window",
        family="agents",
        key="agent",
        fields=(*PERFORMANCE_COUNTS, "first_response_time"),
        counts=PERFORMANCE_COUNTS,
        summary=(*PERFORMANCE_COUNTS[:4], "first_response_time"),
        summary_counts=PERFORMANCE_COUNTS[:4],
    ),
    Report(
        "tags_chat_usage",
        "tags/chat_usage",
        ("window_start", "tag"),
        shape="window",
        family="tags",
        key="tag",
        value_column="chats",
    ),
    Report(
        # The given docs say `stats/visitors`; LiveChat's method table and SDK say
        # `customers/unique_visitors`, the curl sample of the same page
        # `stats/unique_visitors`: tried in turn on 404, the one that answers is kept.
        "stats_visitors",
        "stats/visitors",
        ("window_start",),
        shape="window",
        family="customers",
        since="3.6",
        summary=("unique_visitors", "page_views"),
        summary_counts=("unique_visitors", "page_views"),
        summary_prefix="",
        fallback_methods=("customers/unique_visitors", "stats/unique_visitors"),
    ),
    Report(
        "chats_groups",
        "chats/groups",
        (*PERIOD_KEYS, "group_id"),
        since="3.6",
        key="group_id",
        value_column="chats",
    ),
    Report(
        "chats_queued_visitors",
        "chats/queued_visitors",
        PERIOD_KEYS,
        since="3.6",
        fields=tuple(
            f"{group}.{stat}" for group in ("queued", "left_queue") for stat in QUEUE_STATS
        ),
        counts=("queued.count", "left_queue.count"),
    ),
    Report(
        # A LiveChat chat keeps its ID across threads, so one chat can be queued (and
        # leave) on several days: the day is part of what identifies a row.
        "chats_queued_visitors_left",
        "chats/queued_visitors_left",
        ("window_start", "chat_id"),
        shape="window",
        since="3.6",
        key="chat_id",
        fields=("visitor.id", "visitor.ip", "queue.duration", "queue.group", "queue.start_date"),
        summary=("left_without_details",),
        summary_counts=("left_without_details",),
        window_total=True,
        placeholder=False,
        paged=True,
    ),
)
