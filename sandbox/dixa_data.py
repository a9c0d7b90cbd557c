"""Dixa Analytics data: the documented catalogues, the docs' samples, and a seeded world of
conversations from which every answer of the simulator (and its truth) is derived.

The world
---------
Conversations are generated per UTC hour from ``seed`` (several agents, queues, channels,
directions, tags and contact points every day). A conversation closes once, or is closed,
reopened and closed again (two ``closed_conversations`` records, mostly within one day).
About half of them are rated (``ratings`` records, the rating as the record ``value``).
Every instant is a whole millisecond and is sent with milliseconds, like the docs' example
``"2023-04-21T10:23:14.293Z"``. Nothing later than the simulator's current instant exists:
closes and ratings in the future are not (yet) records.

Revisions
---------
``revision`` (default 0) changes only conversations created at or after the *volatile cutoff*,
00:00 UTC of the simulator's current UTC day minus ``volatile_days`` (default 2). Older
conversations never change. On those recent conversations:

* revision 0 does not know yet of some closes (the last close of ~30 % is "late": known from
  revision 1 or 2) nor of some ratings (known from revision 1): cases close late;
* every step r -> r+1 reopens and closes again some conversations (one more record), moves
  tags and changes some ratings;
* from revision 1 the agent ``AGENTS[4]`` has left: recent conversations are reassigned and
  the agent is no longer a filter value (per-agent answers for it drop to nothing, also
  for the recent events of older conversations), and tag
  ``TAGS[3]`` is taken off every recent conversation (its count drops to zero);
* every step renames ``AGENTS[0]`` and ``QUEUES[1]`` (labels change, ids stay).

Keep the clock pinned (``set_now``) when comparing revisions: the cutoff follows the clock.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import typing as t
from dataclasses import dataclass, field, fields, replace

# -- the docs' catalogue -----------------------------------------------------------------

ALL_FILTERS = ["agent_id", "queue_id", "channel", "initial_direction", "tag_id", "contact_point"]


def _filters(names: list[str]) -> list[dict[str, str]]:
    return [{"filterAttribute": n, "description": f"Used to filter by the {n}"} for n in names]


CSAT_DESCRIPTION = (
    "(Number of satisfied customers (4 and 5)/ Number of survey responses) x 100 = "
    "% of satisfied customers"
)

#: ``GET /v1/analytics/metrics`` data, exactly the docs' "Metrics Catalogue" sample.
METRICS: list[dict[str, t.Any]] = [
    {
        "id": "csat",
        "description": CSAT_DESCRIPTION,
        "filters": _filters(ALL_FILTERS),
        "aggregations": [{"measure": "Percentage", "description": "Calculated Percentage"}],
        "relatedRecordIds": ["ratings"],
    },
    {
        "id": "closed_conversations",
        "description": "Closed conversation data",
        "filters": _filters(ALL_FILTERS[1:]),
        "aggregations": [{"measure": "Count", "description": "Conversation closed count"}],
        "relatedRecordIds": ["closed_conversations"],
    },
]

#: ``GET /v1/analytics/records`` data, exactly the docs' "Metric Records Catalogue" sample.
RECORDS: list[dict[str, t.Any]] = [
    {
        "id": "ratings",
        "description": "Conversation Ratings",
        "filters": _filters(ALL_FILTERS),
        "relatedMetricIds": ["csat"],
        "fieldsMetadata": [
            {"field": "conversation_id", "description": "Conversation ID", "nullable": False},
            {
                "field": "agent_id",
                "description": "The agent assigned to the conversation",
                "nullable": True,
            },
            {
                "field": "queue_id",
                "description": "The queue which the conversation was part of when the "
                "conversation was offered",
                "nullable": True,
            },
        ],
    },
    {
        "id": "closed_conversations",
        "description": "Closed conversation data",
        "filters": _filters(ALL_FILTERS[1:]),
        "relatedMetricIds": ["closed_conversations"],
        "fieldsMetadata": [
            {
                "field": "closed_at",
                "description": "Timestamp of when the conversation was closed",
                "nullable": False,
            },
            {"field": "conversation_id", "description": "Conversation ID", "nullable": False},
            {
                "field": "agent_id",
                "description": "The agent closing the conversation",
                "nullable": True,
            },
            {
                "field": "queue_id",
                "description": "The queue which the conversation was part of when the "
                "conversation was closed",
                "nullable": True,
            },
            {
                "field": "closed_by",
                "description": "User closing the conversation (Agent, Enduser or Unknown)",
                "nullable": False,
            },
        ],
    },
]


#: Knob ``first_response_time`` only (not in the docs' catalogues): the metric id Dixa's own
#: MCP server uses (API-FACTS §2.4), with records shaped like the OpenAPI "Metric Records
#: Data Example" (``value``, ``csid``, ``queue`` UUIDField, ``current_channel``).
FRT_METRIC: dict[str, t.Any] = {
    "id": "first_response_time",
    "description": "Time from conversation creation to the first agent response, in seconds",
    "filters": _filters(ALL_FILTERS),
    "aggregations": [
        {"measure": "Average", "description": "Average first response time"},
        {"measure": "Min", "description": "Shortest first response time"},
        {"measure": "Max", "description": "Longest first response time"},
        {"measure": "Sum", "description": "Total first response time"},
        {"measure": "Count", "description": "Number of first responses"},
    ],
    "relatedRecordIds": ["first_response_time"],
}
FRT_RECORD: dict[str, t.Any] = {
    "id": "first_response_time",
    "description": "First response time per conversation (record value in seconds)",
    "filters": _filters(ALL_FILTERS),
    "relatedMetricIds": ["first_response_time"],
    "fieldsMetadata": [
        {"field": "csid", "description": "Conversation ID", "nullable": False},
        {"field": "queue", "description": "Queue of the conversation", "nullable": True},
        {
            "field": "current_channel",
            "description": "Channel of the conversation",
            "nullable": False,
        },
    ],
}


def metrics_catalogue(extended: bool = False) -> list[dict[str, t.Any]]:
    return [*METRICS, FRT_METRIC] if extended else METRICS


def records_catalogue(extended: bool = False) -> list[dict[str, t.Any]]:
    return [*RECORDS, FRT_RECORD] if extended else RECORDS


def metric(metric_id: str, extended: bool = False) -> dict[str, t.Any] | None:
    return next((m for m in metrics_catalogue(extended) if m["id"] == metric_id), None)


def record(record_id: str, extended: bool = False) -> dict[str, t.Any] | None:
    return next((r for r in records_catalogue(extended) if r["id"] == record_id), None)


def accepted_filters(entry: dict[str, t.Any]) -> set[str]:
    return {f["filterAttribute"] for f in entry["filters"]}


# -- the docs' samples (dataset "docs") ----------------------------------------------------

DOCS_METRIC_REQUEST: dict[str, t.Any] = {
    "id": "closed_conversations",
    "periodFilter": {"value": {"_type": "PreviousWeek"}, "_type": "Preset"},
    "filters": [{"attribute": "channel", "values": ["email"]}],
    "aggregations": ["Count"],
    "timezone": "Europe/Copenhagen",
}
DOCS_METRIC_RESPONSE: dict[str, t.Any] = {
    "data": {
        "id": "closed_conversations",
        "aggregates": [{"value": 42, "measure": "Count", "_type": "LongAggregateValue"}],
    }
}
DOCS_RECORDS_REQUEST: dict[str, t.Any] = {
    "id": "closed_conversations",
    "periodFilter": {"value": {"_type": "PreviousWeek"}, "_type": "Preset"},
    "filters": [{"attribute": "initial_direction", "values": ["INBOUND"]}],
    "timezone": "Europe/Copenhagen",
}


def _docs_row(timestamp: str, csid: int, channel: tuple[str, str], point: str) -> dict[str, t.Any]:
    return {
        "primaryTimestampField": {"name": "created_at", "timestamp": timestamp},
        "fields": [
            {"name": "csid", "field": {"value": csid, "_type": "LongField"}},
            {
                "name": "initial_direction",
                "field": {"value": "INBOUND", "label": "Inbound", "_type": "StringField"},
            },
            {
                "name": "initial_channel",
                "field": {"value": channel[0], "label": channel[1], "_type": "StringField"},
            },
            {
                "name": "contact_point",
                "field": {"value": point, "label": point, "_type": "StringField"},
            },
        ],
    }


DOCS_RECORDS_RESPONSE: dict[str, t.Any] = {
    "data": [
        _docs_row("2023-04-21T10:23:14.293Z", 184472, ("PSTN_PHONE", "Phone"), "+4511223344"),
        _docs_row("2023-04-21T10:24:04.259Z", 184473, ("EMAIL", "Email"), "dixa@email.com"),
    ]
}
DOCS_FILTER_RESPONSE: dict[str, t.Any] = {
    "data": [
        {"value": "CALLBACK", "label": "Callback"},
        {"value": "CONTACT_FORM", "label": "Contact Form"},
    ]
}
#: The attribute the docs' filter-values sample answers (its values are channels).
DOCS_FILTER_ATTRIBUTE = "channel"

# -- dimensions --------------------------------------------------------------------------

AGENTS = [
    ("Ada Lovelace", "8f2b6e0a-6c3e-4a51-9d0e-0a1b2c3d4e01"),
    ("Grace Hopper", "8f2b6e0a-6c3e-4a51-9d0e-0a1b2c3d4e02"),
    ("Alan Turing", "8f2b6e0a-6c3e-4a51-9d0e-0a1b2c3d4e03"),
    ("Edsger Dijkstra", "8f2b6e0a-6c3e-4a51-9d0e-0a1b2c3d4e04"),
    ("Barbara Liskov", "8f2b6e0a-6c3e-4a51-9d0e-0a1b2c3d4e05"),
]
QUEUES = [
    ("Example queue", "220ffe6a-3040-4ece-ae3a-c4c6d63ff3cc"),
    ("Billing", "220ffe6a-3040-4ece-ae3a-c4c6d63ff3cd"),
    ("Technical support", "220ffe6a-3040-4ece-ae3a-c4c6d63ff3ce"),
]
#: The channels the docs show (records sample: PSTN_PHONE, EMAIL; filter sample: the rest).
CHANNELS = [
    ("EMAIL", "Email"),
    ("PSTN_PHONE", "Phone"),
    ("CALLBACK", "Callback"),
    ("CONTACT_FORM", "Contact Form"),
]
DIRECTIONS = [("INBOUND", "Inbound"), ("OUTBOUND", "Outbound")]
TAGS = [
    ("a1c0f7d2-0000-4000-8000-000000000001", "refund"),
    ("a1c0f7d2-0000-4000-8000-000000000002", "vip"),
    ("a1c0f7d2-0000-4000-8000-000000000003", "bug"),
    ("a1c0f7d2-0000-4000-8000-000000000004", "feedback"),
]
CONTACT_POINTS = {
    "EMAIL": ["dixa@email.com", "support@email.com"],
    "PSTN_PHONE": ["+4511223344", "+4555667788"],
    "CALLBACK": ["+4511223344"],
    "CONTACT_FORM": ["Contact form"],
}
CLOSED_BY = ["Agent", "Enduser", "Unknown"]

#: From revision 1 on: this agent has left, this tag is gone from recent conversations.
LEAVING_AGENT = 4
VANISHING_TAG = 3
#: Renamed at every revision step (ids stay).
RENAMED_AGENT, AGENT_NEW_NAME = 0, "Ada King"
RENAMED_QUEUE, QUEUE_NEW_NAME = 1, "Billing & Payments"

HOUR = 3_600_000
DAY = 24 * HOUR
#: Every event of a conversation falls within this long after its creation.
MAX_LAG = 48 * HOUR


def renamed(base: str, new: str, revision: int) -> str:
    if revision <= 0:
        return base
    return new if revision == 1 else f"{new} ({revision})"


def agent_label(index: int, revision: int) -> str:
    name = AGENTS[index][0]
    return renamed(name, AGENT_NEW_NAME, revision) if index == RENAMED_AGENT else name


def queue_label(index: int, revision: int) -> str:
    name = QUEUES[index][0]
    return renamed(name, QUEUE_NEW_NAME, revision) if index == RENAMED_QUEUE else name


# -- knobs -------------------------------------------------------------------------------

#: knob -> its readings, the default first (see ``sandbox.dixa`` for the doc text of each).
CHOICES: dict[str, tuple[str, ...]] = {
    "dataset": ("generated", "docs"),
    "record_shape": ("example", "catalogue"),
    "closed_period_by": ("closed_at", "created_at"),
    "null_field": ("absent", "null", "omitted"),
    "zero_count": ("value", "empty"),
    "filter_case": ("insensitive", "exact"),
    "long_values": ("integer", "double", "mixed"),
    "rename_scope": ("recent", "all"),
    "interval_end": ("exclusive", "inclusive"),
    "page_key": ("documented", "signed"),
    "page_limit_change": ("keep_offset", "page_times_limit"),
}


@dataclass
class Knobs:
    dataset: str = "generated"
    record_shape: str = "example"
    closed_period_by: str = "closed_at"
    null_field: str = "absent"
    zero_count: str = "value"
    filter_case: str = "insensitive"
    long_values: str = "integer"
    rename_scope: str = "recent"
    interval_end: str = "exclusive"
    page_key: str = "documented"
    page_limit_change: str = "keep_offset"
    volatile_days: int = 2
    #: When set, every record has a ``sentiment`` field of this undocumented ``_type``.
    extra_field_type: str | None = None
    #: Add the ``first_response_time`` metric and record (not in the docs' catalogues).
    first_response_time: bool = False

    def update(self, **values: t.Any) -> None:
        """Set knobs; ValueError for an unknown knob or reading."""
        names = {f.name for f in fields(self)}
        for name, value in values.items():
            if name not in names:
                raise ValueError(f"unknown knob {name!r}")
            if name in CHOICES and value not in CHOICES[name]:
                raise ValueError(f"knob {name!r} is one of {', '.join(CHOICES[name])}")
            if name == "volatile_days" and (not isinstance(value, int) or value < 0):
                raise ValueError("volatile_days is a non-negative integer")
            if name == "extra_field_type" and value is not None and not isinstance(value, str):
                raise ValueError("extra_field_type is a string or null")
            if name == "first_response_time" and not isinstance(value, bool):
                raise ValueError("first_response_time is true or false")
        for name, value in values.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, t.Any]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


# -- conversations -----------------------------------------------------------------------


@dataclass(frozen=True)
class Close:
    at: int  # epoch milliseconds
    agent: int | None
    queue: int | None
    closed_by: str


@dataclass(frozen=True)
class Conversation:
    csid: int
    created: int  # epoch milliseconds
    channel: str
    direction: str
    contact_point: str
    queue: int | None  # when offered
    agent: int | None  # assigned
    tags: tuple[int, ...]
    closes: tuple[Close, ...]  # known closes, in order (empty: still open)
    rating: int | None
    rated: int | None
    first_response: int | None = None  # ms after creation
    #: revision from which the last close / the rating is known (recent conversations)
    late_close: int = 0
    late_rating: int = 0


def _rng(seed: int, *parts: object) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _closed_by(rng: random.Random) -> str:
    return rng.choices(CLOSED_BY, [6, 3, 1])[0]


@functools.lru_cache(maxsize=20_000)
def hour_conversations(seed: int, hour: int) -> tuple[Conversation, ...]:
    """The conversations created in UTC hour ``hour`` (hours since the epoch), at revision 0
    as they eventually are (late closes and ratings included)."""
    rng = _rng(seed, "hour", hour)
    local = hour % 24
    count = rng.randint(2, 8) if 7 <= local <= 18 else rng.randint(0, 3)
    start = hour * HOUR
    specs: list[tuple[int, int | None]] = []  # (created, forced close)
    for i in range(count):
        created = start if (local == 0 and i == 0) else start + rng.randrange(HOUR)
        specs.append((created, None))
    if local == 19:
        # Closes exactly on the midnights of UTC and of Europe/Copenhagen (winter, summer).
        day_start = start - 19 * HOUR
        for boundary in (day_start + 24 * HOUR, day_start + 23 * HOUR, day_start + 22 * HOUR):
            specs.append((start + rng.randrange(HOUR // 2), boundary))
    out = []
    for i, (created, forced) in enumerate(specs):
        channel = rng.choice(CHANNELS)[0]
        direction = "OUTBOUND" if channel == "CALLBACK" or rng.random() < 0.15 else "INBOUND"
        agent = rng.randrange(len(AGENTS)) if rng.random() < 0.9 else None
        queue = rng.randrange(len(QUEUES)) if rng.random() < 0.9 else None
        first = forced if forced is not None else created + rng.randrange(300_000, 20 * HOUR)
        closed_by = _closed_by(rng)
        closes = [Close(first, agent, queue, closed_by)]
        if forced is None and rng.random() < 0.15:
            # closed, reopened and closed again (mostly the same day); the queue may move
            moved = rng.randrange(len(QUEUES)) if rng.random() < 0.4 else queue
            closes.append(Close(first + rng.randrange(600_000, 3 * HOUR), agent, moved, "Agent"))
        rated = forced is None and rng.random() < 0.5
        rating = rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 5])[0] if rated else None
        out.append(
            Conversation(
                csid=hour * 100 + i,
                created=created,
                channel=channel,
                direction=direction,
                contact_point=rng.choice(CONTACT_POINTS[channel]),
                queue=queue,
                agent=agent,
                tags=tuple(sorted(rng.sample(range(len(TAGS)), rng.choice([0, 1, 1, 2, 3])))),
                closes=tuple(closes),
                rating=rating,
                rated=closes[0].at + rng.randrange(60_000, 8 * HOUR) if rated else None,
                late_close=rng.choice([0, 0, 0, 0, 0, 0, 1, 2]),
                late_rating=rng.choice([0, 0, 0, 1]),
                first_response=min(rng.randrange(5_000, 2 * HOUR), first - created - 1)
                if agent is not None and rng.random() < 0.85
                else None,
            )
        )
    return tuple(out)


def _reassigned(agent: int | None, csid: int) -> int | None:
    if agent == LEAVING_AGENT:
        return csid % LEAVING_AGENT  # one of the agents who stay
    return agent


def at_revision(seed: int, base: Conversation, revision: int) -> Conversation:
    """``base`` (a recent conversation) as revision ``revision`` knows it."""
    closes = list(base.closes)
    if revision < base.late_close:
        closes.pop()  # the last close is not known yet (still open, or reopened)
    rating, rated = base.rating, base.rated
    if revision < base.late_rating or not closes:
        rating, rated = None, None  # not known yet (or the conversation is still open)
    agent, queue, tags = base.agent, base.queue, set(base.tags)
    for step in range(1, revision + 1):
        rng = _rng(seed, "step", base.csid, step)
        if step == 1:
            agent = _reassigned(agent, base.csid)
            closes = [replace(c, agent=_reassigned(c.agent, base.csid)) for c in closes]
            tags.discard(VANISHING_TAG)
        if rng.random() < 0.15 and closes and step >= base.late_close:
            again = closes[-1].at + rng.randrange(900_000, 4 * HOUR)
            if again < base.created + MAX_LAG:
                moved = rng.randrange(len(QUEUES)) if rng.random() < 0.3 else closes[-1].queue
                closes.append(Close(again, agent, moved, _closed_by(rng)))
        if rng.random() < 0.25:
            tags ^= {rng.randrange(VANISHING_TAG)}
        if rating is not None and rng.random() < 0.15:
            rating = rng.choice([r for r in (1, 2, 3, 4, 5) if r != rating])
    return replace(
        base,
        agent=agent,
        queue=queue,
        tags=tuple(sorted(tags)),
        closes=tuple(closes),
        rating=rating,
        rated=rated,
    )


def agent_left(base: Conversation, cutoff: int) -> Conversation:
    """An older conversation from revision 1 on: its events on the volatile days no longer
    name the agent who left (its older events stay as they were)."""
    agent = base.agent
    if base.rated is not None and base.rated >= cutoff:
        agent = _reassigned(agent, base.csid)
    closes = tuple(
        replace(c, agent=_reassigned(c.agent, base.csid)) if c.at >= cutoff else c
        for c in base.closes
    )
    return replace(base, agent=agent, closes=closes)


# -- time --------------------------------------------------------------------------------


def to_ms(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(milliseconds=1)


def to_us(moment: dt.datetime) -> int:
    return (moment - EPOCH) // dt.timedelta(microseconds=1)


EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def iso(ms: int) -> str:
    """An instant as the docs' example writes it: ``2023-04-21T10:23:14.293Z``."""
    moment = EPOCH + dt.timedelta(milliseconds=ms)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def volatile_cutoff(now: dt.datetime, volatile_days: int) -> int:
    """Epoch ms from which conversations may change between revisions."""
    today = now.astimezone(dt.UTC).date() - dt.timedelta(days=volatile_days)
    return to_ms(dt.datetime(today.year, today.month, today.day, tzinfo=dt.UTC))


# -- events, rows, aggregates --------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    """One record: a close of a conversation, or its rating."""

    record_id: str
    at: int  # the instant the period filter looks at (epoch ms)
    conv: Conversation
    close: Close | None = None
    index: int = 0  # which close of the conversation

    @property
    def csid(self) -> int:
        return self.conv.csid


@dataclass
class World:
    """The data as the API answers it at ``revision``, ``now`` and ``knobs``."""

    seed: int = 11
    revision: int = 0
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    knobs: Knobs = field(default_factory=Knobs)

    @property
    def now_ms(self) -> int:
        return to_ms(self.now)

    @property
    def cutoff(self) -> int:
        return volatile_cutoff(self.now, self.knobs.volatile_days)

    def conversations(self, start_ms: int, end_ms: int) -> t.Iterator[Conversation]:
        """Every conversation created in ``[start_ms - MAX_LAG, end_ms]``."""
        cutoff = self.cutoff
        for hour in range((start_ms - MAX_LAG) // HOUR, end_ms // HOUR + 1):
            for base in hour_conversations(self.seed, hour):
                if base.created >= cutoff:
                    yield at_revision(self.seed, base, self.revision)
                elif self.revision >= 1 and base.created + MAX_LAG > cutoff:
                    yield agent_left(base, cutoff)
                else:
                    yield base

    def events(self, record_id: str, start_us: int, end_us: int) -> list[Event]:
        """Records of ``record_id`` in the period (end per the ``interval_end`` knob) that
        exist at ``now``, in the order the API lists them (instant, csid, close)."""
        inclusive = self.knobs.interval_end == "inclusive"
        now_ms = self.now_ms

        def inside(at: int) -> bool:
            us = at * 1000
            return at <= now_ms and start_us <= us and (us <= end_us if inclusive else us < end_us)

        out: list[Event] = []
        by_created = self.knobs.closed_period_by == "created_at" and (
            self.knobs.record_shape == "example"
        )
        for conv in self.conversations(start_us // 1000, end_us // 1000):
            if record_id == "closed_conversations":
                for index, close in enumerate(conv.closes):
                    if close.at > now_ms:
                        continue
                    at = conv.created if by_created else close.at
                    if inside(at):
                        out.append(Event(record_id, at, conv, close, index))
            elif record_id == "ratings":
                if conv.rated is not None and inside(conv.rated):
                    out.append(Event(record_id, conv.rated, conv))
            elif record_id == "first_response_time" and conv.first_response is not None:
                at = conv.created + conv.first_response
                if inside(at):
                    out.append(Event(record_id, at, conv))
        out.sort(key=lambda e: (e.at, e.csid, e.index))
        return out

    # -- filters ----------------------------------------------------------------------

    def attribute_values(self, event: Event, attribute: str) -> list[str]:
        conv = event.conv
        agent = event.close.agent if event.close else conv.agent
        queue = event.close.queue if event.close else conv.queue
        if attribute == "agent_id":
            return [AGENTS[agent][1]] if agent is not None else []
        if attribute == "queue_id":
            return [QUEUES[queue][1]] if queue is not None else []
        if attribute == "channel":
            return [conv.channel]
        if attribute == "initial_direction":
            return [conv.direction]
        if attribute == "tag_id":
            return [TAGS[i][0] for i in conv.tags]
        if attribute == "contact_point":
            return [conv.contact_point]
        return []

    def matches(self, event: Event, filters: dict[str, list[str]]) -> bool:
        """AND across attributes, OR within one; case per the ``filter_case`` knob."""
        fold = self.knobs.filter_case == "insensitive"
        for attribute, wanted in filters.items():
            have = self.attribute_values(event, attribute)
            if fold:
                have, wanted = [v.lower() for v in have], [v.lower() for v in wanted]
            if not set(have) & set(wanted):
                return False
        return True

    def selected(
        self, record_id: str, start_us: int, end_us: int, filters: dict[str, list[str]]
    ) -> list[Event]:
        entry = record(record_id, self.knobs.first_response_time)
        assert entry is not None
        usable = {k: v for k, v in filters.items() if k in accepted_filters(entry)}
        return [e for e in self.events(record_id, start_us, end_us) if self.matches(e, usable)]

    def filter_values(self, attribute: str) -> list[dict[str, str]] | None:
        """``GET /filter/{attribute}`` data (current labels), or None if unknown."""
        r = self.revision
        if attribute == "agent_id":
            return [
                {"value": v, "label": agent_label(i, r)}
                for i, (_, v) in enumerate(AGENTS)
                if not (r >= 1 and i == LEAVING_AGENT)
            ]
        if attribute == "queue_id":
            return [{"value": v, "label": queue_label(i, r)} for i, (_, v) in enumerate(QUEUES)]
        if attribute == "channel":
            return [{"value": v, "label": label} for v, label in CHANNELS]
        if attribute == "initial_direction":
            return [{"value": v, "label": label} for v, label in DIRECTIONS]
        if attribute == "tag_id":
            return [{"value": v, "label": label} for v, label in TAGS]
        if attribute == "contact_point":
            points = sorted({p for ps in CONTACT_POINTS.values() for p in ps})
            return [{"value": p, "label": p} for p in points]
        return None

    # -- rows -------------------------------------------------------------------------

    def _long(self, value: int, csid: int) -> dict[str, t.Any]:
        mode = self.knobs.long_values
        as_double = mode == "double" or (mode == "mixed" and csid % 2 == 1)
        return {"value": float(value) if as_double else value, "_type": "LongField"}

    def _uuid(self, options: list[tuple[str, str]], index: int | None, label: str) -> t.Any:
        if index is None:
            return None
        return {"value": options[index][1], "label": label, "_type": "UUIDField"}

    def _fields(self, pairs: list[tuple[str, t.Any]]) -> list[dict[str, t.Any]]:
        out = []
        for name, value in pairs:
            if value is not None:
                out.append({"name": name, "field": value})
            elif self.knobs.null_field == "absent":
                out.append({"name": name})
            elif self.knobs.null_field == "null":
                out.append({"name": name, "field": None})
        return out

    def label_revision(self, event: Event) -> int:
        """The revision whose labels a row shows (``rename_scope`` knob)."""
        if self.knobs.rename_scope == "all" or event.at >= self.cutoff:
            return self.revision
        return 0

    def row(self, event: Event) -> dict[str, t.Any]:
        """One ``MetricRecord`` as the API sends it."""
        conv = event.conv
        lr = self.label_revision(event)
        row: dict[str, t.Any]
        if event.record_id == "closed_conversations" and self.knobs.record_shape == "example":
            # The docs' only example: created_at, csid, initial_direction, initial_channel,
            # contact_point.
            row = {
                "primaryTimestampField": {"name": "created_at", "timestamp": iso(conv.created)},
                "fields": self._fields(
                    [
                        ("csid", self._long(conv.csid, conv.csid)),
                        ("initial_direction", _string(conv.direction, dict(DIRECTIONS))),
                        ("initial_channel", _string(conv.channel, dict(CHANNELS))),
                        ("contact_point", _string(conv.contact_point)),
                    ]
                ),
            }
        elif event.record_id == "closed_conversations":
            close = event.close
            assert close is not None
            # The catalogue's fieldsMetadata: closed_at, conversation_id, agent_id,
            # queue_id, closed_by.
            row = {
                "primaryTimestampField": {"name": "closed_at", "timestamp": iso(close.at)},
                "fields": self._fields(
                    [
                        ("closed_at", {"value": iso(close.at), "_type": "InstantField"}),
                        ("conversation_id", self._long(conv.csid, conv.csid)),
                        (
                            "agent_id",
                            self._uuid(
                                AGENTS,
                                close.agent,
                                agent_label(close.agent, lr) if close.agent is not None else "",
                            ),
                        ),
                        (
                            "queue_id",
                            self._uuid(
                                QUEUES,
                                close.queue,
                                queue_label(close.queue, lr) if close.queue is not None else "",
                            ),
                        ),
                        ("closed_by", _string(close.closed_by)),
                    ]
                ),
            }
        elif event.record_id == "first_response_time":
            assert conv.first_response is not None
            row = {
                "primaryTimestampField": {"name": "created_at", "timestamp": iso(conv.created)},
                "value": {"value": conv.first_response / 1000, "_type": "DoubleField"},
                "fields": self._fields(
                    [
                        ("csid", self._long(conv.csid, conv.csid)),
                        (
                            "queue",
                            self._uuid(
                                QUEUES,
                                conv.queue,
                                queue_label(conv.queue, lr) if conv.queue is not None else "",
                            ),
                        ),
                        ("current_channel", _string(conv.channel, dict(CHANNELS))),
                    ]
                ),
            }
        else:
            assert conv.rated is not None and conv.rating is not None
            row = {
                "primaryTimestampField": {"name": "created_at", "timestamp": iso(conv.rated)},
                "value": self._long(conv.rating, conv.csid),
                "fields": self._fields(
                    [
                        ("conversation_id", self._long(conv.csid, conv.csid)),
                        (
                            "agent_id",
                            self._uuid(
                                AGENTS,
                                conv.agent,
                                agent_label(conv.agent, lr) if conv.agent is not None else "",
                            ),
                        ),
                        (
                            "queue_id",
                            self._uuid(
                                QUEUES,
                                conv.queue,
                                queue_label(conv.queue, lr) if conv.queue is not None else "",
                            ),
                        ),
                    ]
                ),
            }
        if self.knobs.extra_field_type:
            # A field of a type the docs do not list (tests that a client keeps it).
            row["fields"].append(
                {
                    "name": "sentiment",
                    "field": {
                        "value": {"score": conv.csid % 7 - 3},
                        "_type": self.knobs.extra_field_type,
                    },
                }
            )
        return row

    def rows(
        self, record_id: str, start_us: int, end_us: int, filters: dict[str, list[str]]
    ) -> list[dict[str, t.Any]]:
        return [self.row(e) for e in self.selected(record_id, start_us, end_us, filters)]

    def aggregates(
        self,
        metric_id: str,
        measures: list[str],
        start_us: int,
        end_us: int,
        filters: dict[str, list[str]],
    ) -> list[dict[str, t.Any]]:
        """``MetricData.aggregates``: Count (a Long) is the number of the related records;
        Percentage (a Double) is left out when there is nothing to divide by."""
        entry = metric(metric_id, self.knobs.first_response_time)
        assert entry is not None
        usable = {k: v for k, v in filters.items() if k in accepted_filters(entry)}
        record_id = entry["relatedRecordIds"][0]
        events = self.selected(record_id, start_us, end_us, usable)
        out = []
        for measure in measures:
            if measure == "Count":
                if events or self.knobs.zero_count == "value":
                    out.append(
                        {"value": len(events), "measure": "Count", "_type": "LongAggregateValue"}
                    )
            elif measure in FRT_MEASURES and events:
                seconds = [(e.conv.first_response or 0) / 1000 for e in events]
                value = FRT_MEASURES[measure](seconds)
                out.append({"value": value, "measure": measure, "_type": "DoubleAggregateValue"})
            elif measure == "Percentage" and events:
                satisfied = sum(1 for e in events if (e.conv.rating or 0) >= 4)
                out.append(
                    {
                        "value": 100.0 * satisfied / len(events),
                        "measure": "Percentage",
                        "_type": "DoubleAggregateValue",
                    }
                )
        return out


FRT_MEASURES: dict[str, t.Callable[[list[float]], float]] = {
    "Average": lambda xs: sum(xs) / len(xs),
    "Min": min,
    "Max": max,
    "Sum": sum,
}


def _string(value: str, labels: dict[str, str] | None = None) -> dict[str, t.Any]:
    label = labels[value] if labels else value
    return {"value": value, "label": label, "_type": "StringField"}


# -- truth -------------------------------------------------------------------------------


def day_bounds(day: dt.date, tz: str = "UTC") -> tuple[int, int]:
    """``[local midnight, next local midnight)`` of ``day`` in ``tz``, in epoch µs."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(tz)
    start = dt.datetime(day.year, day.month, day.day, tzinfo=zone)
    nxt = day + dt.timedelta(days=1)
    end = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return to_us(start), to_us(end)


def world(
    *,
    seed: int = 11,
    revision: int = 0,
    now: dt.datetime | None = None,
    knobs: Knobs | dict[str, t.Any] | None = None,
) -> World:
    if isinstance(knobs, dict):
        made = Knobs()
        made.update(**knobs)
        knobs = made
    return World(seed, revision, now or dt.datetime.now(dt.UTC), knobs or Knobs())


def truth_records(
    record_id: str,
    day: dt.date,
    *,
    tz: str = "UTC",
    seed: int = 11,
    revision: int = 0,
    now: dt.datetime | None = None,
    filters: dict[str, list[str]] | None = None,
    knobs: Knobs | dict[str, t.Any] | None = None,
) -> list[dict[str, t.Any]]:
    """Every row ``POST /v1/analytics/records`` returns (all pages joined, in order) for
    record ``record_id`` and the Interval ``[local midnight of day, next local midnight)``
    in ``tz`` (generated dataset)."""
    start, end = day_bounds(day, tz)
    w = world(seed=seed, revision=revision, now=now, knobs=knobs)
    return w.rows(record_id, start, end, filters or {})


def truth_metric(
    metric_id: str,
    day: dt.date,
    *,
    tz: str = "UTC",
    seed: int = 11,
    revision: int = 0,
    now: dt.datetime | None = None,
    filters: dict[str, list[str]] | None = None,
    measures: list[str] | None = None,
    knobs: Knobs | dict[str, t.Any] | None = None,
) -> list[dict[str, t.Any]]:
    """``data.aggregates`` of ``POST /v1/analytics/metrics`` for ``metric_id`` over the same
    local day (``measures`` default: every measure the metric offers)."""
    w = world(seed=seed, revision=revision, now=now, knobs=knobs)
    entry = metric(metric_id, w.knobs.first_response_time)
    if entry is None:
        raise KeyError(metric_id)
    start, end = day_bounds(day, tz)
    asked = measures or [a["measure"] for a in entry["aggregations"]]
    return w.aggregates(metric_id, asked, start, end, filters or {})


def records(
    seed: int,
    record_id: str,
    start: float,
    end: float,
    filters: dict[str, set[str]] | dict[str, list[str]],
    *,
    revision: int = 0,
    now: dt.datetime | None = None,
) -> list[Event]:
    """Records of ``record_id`` in ``[start, end)`` (epoch seconds), default knobs, in API
    order (kept from the earlier interface; each has ``.csid``)."""
    w = world(seed=seed, revision=revision, now=now)
    flat = {k: list(v) for k, v in filters.items()}
    return w.selected(record_id, round(start * 1_000_000), round(end * 1_000_000), flat)
