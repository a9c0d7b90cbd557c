"""Deterministic Dixa conversations, and the catalogue, records and metrics built from them.

Conversations are generated per UTC hour from a seed, so any period's records (and the
metrics aggregated from exactly those records) can be recomputed by the tests: a Count
metric over a window equals the number of records in that window, ``csat`` equals the
share of 4 and 5 ratings among that window's ratings, and so on.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import statistics
import typing as t
from dataclasses import dataclass

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
CHANNELS = [
    ("EMAIL", "Email"),
    ("PSTN_PHONE", "Phone"),
    ("WIDGET_CHAT", "Chat"),
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
    "PSTN_PHONE": ["+4511223344"],
    "WIDGET_CHAT": ["Website chat"],
    "CALLBACK": ["+4511223344"],
    "CONTACT_FORM": ["Contact form"],
}
CLOSED_BY = ["Agent", "Enduser", "Unknown"]

#: Longest lag between a conversation's creation and its last event (close + rating).
MAX_LAG_SECONDS = 30 * 3600


@dataclass(frozen=True)
class Conversation:
    csid: int
    created: float
    channel: str
    direction: str
    contact_point: str
    queue: int | None
    agent: int | None
    tags: tuple[int, ...]
    first_response: float | None  # seconds after creation
    closed: float
    closed_by: str
    rating: int | None
    rated: float | None
    comment: str | None


def _rng(seed: int, *parts: int) -> random.Random:
    return random.Random(hash((seed, *parts)) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=100_000)
def hour_conversations(seed: int, hour: int) -> tuple[Conversation, ...]:
    rng = _rng(seed, 5, hour)
    local_hour = hour % 24
    busy = 9 if 7 <= local_hour <= 18 else 3
    out = []
    for i in range(rng.randint(0, busy)):
        created = hour * 3600 + rng.random() * 3600
        channel = rng.choice(CHANNELS)[0]
        direction = "OUTBOUND" if channel == "CALLBACK" or rng.random() < 0.1 else "INBOUND"
        agent = rng.randrange(len(AGENTS)) if rng.random() < 0.9 else None
        responded = agent is not None and rng.random() < 0.85
        first_response = round(rng.expovariate(1 / 900), 3) if responded else None
        closed = created + (first_response or 0) + rng.uniform(300, 20 * 3600)
        rated = rng.random() < 0.45
        rating = rng.choices([1, 2, 3, 4, 5], [1, 1, 2, 4, 5])[0] if rated else None
        out.append(
            Conversation(
                csid=hour * 100 + i,
                created=round(created, 3),
                channel=channel,
                direction=direction,
                contact_point=rng.choice(CONTACT_POINTS[channel]),
                queue=rng.randrange(len(QUEUES)) if rng.random() < 0.95 else None,
                agent=agent,
                tags=tuple(sorted(rng.sample(range(len(TAGS)), rng.choice([0, 0, 1, 1, 2])))),
                first_response=first_response,
                closed=round(closed, 3),
                closed_by=rng.choices(CLOSED_BY, [6, 3, 1])[0],
                rating=rating,
                rated=round(closed + rng.uniform(60, 8 * 3600), 3) if rated else None,
                comment=rng.choice([None, None, "Thanks!", "Slow answer", "Great help"])
                if rated
                else None,
            )
        )
    return tuple(out)


def conversations_around(seed: int, start: float, end: float) -> t.Iterator[Conversation]:
    """Every conversation whose events may fall in ``[start, end)``."""
    for hour in range(int((start - MAX_LAG_SECONDS) // 3600), int(-(-end // 3600))):
        yield from hour_conversations(seed, hour)


# -- filters ------------------------------------------------------------------------------


def attribute_values(conv: Conversation, attribute: str) -> list[str]:
    """The values a conversation has for a filter attribute."""
    if attribute == "agent_id":
        return [AGENTS[conv.agent][1]] if conv.agent is not None else []
    if attribute == "queue_id":
        return [QUEUES[conv.queue][1]] if conv.queue is not None else []
    if attribute == "channel":
        return [conv.channel]
    if attribute == "initial_direction":
        return [conv.direction]
    if attribute == "tag_id":
        return [TAGS[i][0] for i in conv.tags]
    if attribute == "contact_point":
        return [conv.contact_point]
    return []


def filter_values(attribute: str) -> list[dict[str, str]] | None:
    """``GET /filter/{attribute}`` data, or None for an unknown attribute."""
    if attribute == "agent_id":
        return [{"value": v, "label": label} for label, v in AGENTS]
    if attribute == "queue_id":
        return [{"value": v, "label": label} for label, v in QUEUES]
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


def matches(conv: Conversation, filters: dict[str, set[str]]) -> bool:
    """Filter values are compared case-insensitively (the docs' example sends ``email``
    for the channel whose value is ``EMAIL``)."""
    for attribute, wanted in filters.items():
        have = {v.lower() for v in attribute_values(conv, attribute)}
        if not have & wanted:
            return False
    return True


# -- catalogue ----------------------------------------------------------------------------

ALL_FILTERS = ["agent_id", "queue_id", "channel", "initial_direction", "tag_id", "contact_point"]


def _filters(names: list[str]) -> list[dict[str, str]]:
    return [{"filterAttribute": n, "description": f"Used to filter by the {n}"} for n in names]


METRICS: list[dict[str, t.Any]] = [
    {
        "id": "csat",
        "description": "(Number of satisfied customers (4 and 5)/ Number of survey responses) x 100 = % of satisfied customers",
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
    {
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
    },
]

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
                "description": "The queue which the conversation was part of when the conversation was offered",
                "nullable": True,
            },
            {
                "field": "rating",
                "description": "Rating given by the end user (1 to 5)",
                "nullable": False,
            },
            {
                "field": "satisfied",
                "description": "Whether the rating is 4 or 5",
                "nullable": False,
            },
            {"field": "comment", "description": "Comment left with the rating", "nullable": True},
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
                "description": "The queue which the conversation was part of when the conversation was closed",
                "nullable": True,
            },
            {
                "field": "closed_by",
                "description": "User closing the conversation (Agent, Enduser or Unknown)",
                "nullable": False,
            },
            {
                "field": "initial_channel",
                "description": "Channel the conversation started in",
                "nullable": False,
            },
            {
                "field": "tags",
                "description": "Tags on the conversation when it was closed",
                "nullable": True,
            },
            {
                "field": "handling_duration",
                "description": "Seconds from creation to close",
                "nullable": False,
            },
            {
                "field": "created_at",
                "description": "When the conversation was created",
                "nullable": False,
            },
        ],
    },
    {
        "id": "first_response_time",
        "description": "First response time per conversation (record value in seconds)",
        "filters": _filters(ALL_FILTERS),
        "relatedMetricIds": ["first_response_time"],
        "fieldsMetadata": [
            {"field": "csid", "description": "Conversation ID", "nullable": False},
            {
                "field": "initial_direction",
                "description": "Initial direction of the conversation",
                "nullable": False,
            },
            {
                "field": "initial_channel",
                "description": "Initial channel of the conversation",
                "nullable": False,
            },
            {
                "field": "contact_point",
                "description": "Contact point the end user reached",
                "nullable": False,
            },
            {"field": "queue", "description": "Queue of the conversation", "nullable": True},
            {"field": "agent_id", "description": "Agent who responded first", "nullable": True},
        ],
    },
]


def metric(metric_id: str) -> dict[str, t.Any] | None:
    return next((m for m in METRICS if m["id"] == metric_id), None)


def record(record_id: str) -> dict[str, t.Any] | None:
    return next((r for r in RECORDS if r["id"] == record_id), None)


def accepted_filters(entry: dict[str, t.Any]) -> set[str]:
    return {f["filterAttribute"] for f in entry["filters"]}


# -- record rows --------------------------------------------------------------------------


def iso(ts: float) -> str:
    moment = dt.datetime.fromtimestamp(ts, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _uuid(options: list[tuple[str, str]], index: int | None) -> dict[str, t.Any] | None:
    if index is None:
        return None
    label, value = options[index]
    return {"value": value, "label": label, "_type": "UUIDField"}


def _string(value: str, label: str | None = None) -> dict[str, t.Any]:
    return {"value": value, "label": label if label is not None else value, "_type": "StringField"}


def _field(name: str, field: dict[str, t.Any] | None) -> dict[str, t.Any]:
    # A null nullable field is sent without its ``field`` (Field.field is not required).
    return {"name": name} if field is None else {"name": name, "field": field}


def _label(options: list[tuple[str, str]], value: str) -> str:
    return dict(options)[value]


def event_time(record_id: str, conv: Conversation) -> float | None:
    """The primary timestamp of ``conv`` in record ``record_id`` (None: not a row)."""
    if record_id == "closed_conversations":
        return conv.closed
    if record_id == "ratings":
        return conv.rated
    if record_id == "first_response_time":
        return conv.created + conv.first_response if conv.first_response is not None else None
    raise KeyError(record_id)


def record_row(
    record_id: str, conv: Conversation, extra_type: str | None = None
) -> dict[str, t.Any]:
    """One ``MetricRecord`` as the API sends it."""
    agent = _uuid([(n, v) for n, v in AGENTS], conv.agent)
    queue = _uuid([(n, v) for n, v in QUEUES], conv.queue)
    channel = _string(conv.channel, _label(CHANNELS, conv.channel))
    row: dict[str, t.Any]
    if record_id == "closed_conversations":
        row = {
            "primaryTimestampField": {"name": "closed_at", "timestamp": iso(conv.closed)},
            "fields": [
                _field("closed_at", {"value": iso(conv.closed), "_type": "InstantField"}),
                _field("conversation_id", {"value": conv.csid, "_type": "LongField"}),
                _field("agent_id", agent),
                _field("queue_id", queue),
                _field("closed_by", _string(conv.closed_by)),
                _field("initial_channel", channel),
                _field(
                    "tags",
                    {
                        "values": [_string(TAGS[i][0], TAGS[i][1]) for i in conv.tags],
                        "_type": "ListField",
                    },
                ),
                _field(
                    "handling_duration",
                    {"value": round(conv.closed - conv.created, 3), "_type": "DoubleField"},
                ),
                _field(
                    "created_at",
                    {
                        "name": "created_at",
                        "timestamp": iso(conv.created),
                        "_type": "TimestampField",
                    },
                ),
            ],
        }
    elif record_id == "ratings":
        assert conv.rated is not None and conv.rating is not None
        row = {
            "primaryTimestampField": {"name": "rated_at", "timestamp": iso(conv.rated)},
            "fields": [
                _field("conversation_id", {"value": conv.csid, "_type": "LongField"}),
                _field("agent_id", agent),
                _field("queue_id", queue),
                _field("rating", {"value": conv.rating, "_type": "IntField"}),
                _field("satisfied", {"value": conv.rating >= 4, "_type": "BooleanField"}),
                _field("comment", _string(conv.comment) if conv.comment else None),
            ],
        }
    else:
        assert conv.first_response is not None
        row = {
            "primaryTimestampField": {
                "name": "first_response_at",
                "timestamp": iso(conv.created + conv.first_response),
            },
            "value": {"value": conv.first_response, "_type": "DoubleField"},
            "fields": [
                _field("csid", {"value": conv.csid, "_type": "LongField"}),
                _field(
                    "initial_direction", _string(conv.direction, _label(DIRECTIONS, conv.direction))
                ),
                _field("initial_channel", channel),
                _field("contact_point", _string(conv.contact_point)),
                _field("queue", queue),
                _field("agent_id", agent),
            ],
        }
    if extra_type:
        # A field of a type this API version does not document (tests the tap keeps it).
        row["fields"].append(
            _field("sentiment", {"value": {"score": conv.csid % 7 - 3}, "_type": extra_type})
        )
    return row


def records(
    seed: int, record_id: str, start: float, end: float, filters: dict[str, set[str]]
) -> list[Conversation]:
    """Conversations that are rows of ``record_id`` with a primary timestamp in
    ``[start, end)``, matching ``filters``, ordered by (timestamp, csid)."""
    out = []
    for conv in conversations_around(seed, start, end):
        ts = event_time(record_id, conv)
        if ts is not None and start <= ts < end and matches(conv, filters):
            out.append((ts, conv.csid, conv))
    out.sort(key=lambda item: (item[0], item[1]))
    return [conv for _, _, conv in out]


# -- metric data --------------------------------------------------------------------------


def aggregates(
    seed: int,
    metric_id: str,
    measures: list[str],
    start: float,
    end: float,
    filters: dict[str, set[str]],
) -> list[dict[str, t.Any]]:
    """``MetricData.aggregates``: Count is a Long, every other measure a Double; a
    measure without data (an average of nothing) is left out."""
    if metric_id == "csat":
        ratings = [c.rating for c in records(seed, "ratings", start, end, filters)]
        values: list[float] = [float(r or 0) for r in ratings]
        result: dict[str, float | int | None] = {
            "Percentage": round(100.0 * sum(1 for r in ratings if (r or 0) >= 4) / len(ratings), 6)
            if ratings
            else None
        }
    elif metric_id == "closed_conversations":
        result = {"Count": len(records(seed, "closed_conversations", start, end, filters))}
    else:
        convs = records(seed, "first_response_time", start, end, filters)
        values = [c.first_response or 0.0 for c in convs]
        result = {
            "Count": len(values),
            "Average": round(statistics.fmean(values), 6) if values else None,
            "Min": min(values) if values else None,
            "Max": max(values) if values else None,
            "Sum": round(sum(values), 6) if values else None,
        }
    out = []
    for measure in measures:
        value = result.get(measure)
        if value is None:
            continue
        kind = "LongAggregateValue" if measure == "Count" else "DoubleAggregateValue"
        out.append(
            {
                "value": int(value) if measure == "Count" else float(value),
                "measure": measure,
                "_type": kind,
            }
        )
    return out
