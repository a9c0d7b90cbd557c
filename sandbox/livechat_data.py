"""Deterministic LiveChat activity: chats, greetings, queue events, visits and agent shifts,
generated per UTC hour from a seed.

Every report of the LiveChat simulator is computed from these events by the functions at
the bottom of this module, and tests call the same functions to know the true value of any
report for any range, timezone and filter. The same seed always gives the same events.

Quiet days: two UTC days out of every eleven have no activity at all, so a local day in any
timezone within +-12 h of UTC that falls inside them is reported as empty (``{}``).
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import random
import typing as t
from collections import Counter
from dataclasses import dataclass, field

#: (email, groups the agent belongs to)
AGENTS: list[tuple[str, tuple[int, ...]]] = [
    ("anna@acme.example", (0, 1)),
    ("bob@acme.example", (0,)),
    ("carol@acme.example", (1, 42)),
    ("dan@acme.example", (2,)),
    ("eve@acme.example", (0, 2, 42)),
]
AGENT_EMAILS = [a for a, _ in AGENTS]
GROUPS = [0, 1, 2, 42]
TAGS = ["spam", "support", "sales", "billing", "docs_feedback"]
GREETINGS = ["7834501", "7834502", "7834503"]
COUNTRIES = ["PL", "US", "DE", "GB", "AU"]
#: Pre-chat forms: (form_id, group_id, [(field_id, label, [(answer_id, label), ...])])
FORMS: list[tuple[str, int, list[tuple[str, str, list[tuple[int, str]]]]]] = [
    (
        "163654772984908812",
        0,
        [
            ("163654772984903574", "Question:", [(0, "First answer"), (1, "Second answer")]),
            ("163654772984903575", "Department?", [(0, "Sales"), (1, "Support"), (2, "Billing")]),
        ],
    ),
    (
        "163654772984908999",
        1,
        [("163654772984904001", "How did you find us?", [(0, "Search"), (1, "Friend"), (2, "Ad")])],
    ),
]
FORM_BY_GROUP = {group: (form_id, fields) for form_id, group, fields in FORMS}
ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
QUIET_EVERY = 11
QUIET_DAYS = (5, 6)


@dataclass(frozen=True)
class Chat:
    id: str
    ts: float
    agent: str | None
    group: int
    tags: tuple[str, ...]
    continuous: bool
    duration: int
    agents_chatting_duration: int
    started_by: str  # customer_without_greeting | customer_from_greeting | agent
    greeting_id: str | None
    rating: str | None  # good | bad | neutral (asked, not rated) | None
    response_time: float | None
    first_response_time: float | None
    form: tuple[str, tuple[tuple[str, int], ...]] | None  # (form_id, ((field_id, answer_id),))
    queued_seconds: int | None
    country: str


@dataclass(frozen=True)
class GreetingEvent:
    ts: float
    greeting_id: str
    group: int
    canceled: bool
    accepted: bool
    goal: bool


@dataclass(frozen=True)
class QueueLeave:
    chat_id: str
    ts: float  # when the visitor entered the queue
    visitor_id: str
    ip: str
    duration: int
    group: int
    with_details: bool


@dataclass(frozen=True)
class Visit:
    ts: float
    visitor_id: str
    page_views: int


@dataclass(frozen=True)
class Shift:
    """One agent's statuses within one hour: [start, end) epoch-second intervals."""

    agent: str
    accepting: tuple[float, float] | None
    not_accepting: tuple[float, float] | None


@dataclass(frozen=True)
class Filters:
    """The subset of report filters the simulator applies."""

    groups: tuple[int, ...] | None = None
    agents: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    exclude_tags: tuple[str, ...] = field(default_factory=tuple)

    def chat(self, chat: Chat) -> bool:
        if self.groups is not None and chat.group not in self.groups:
            return False
        if self.agents is not None and chat.agent not in self.agents:
            return False
        if self.tags is not None and not set(chat.tags) & set(self.tags):
            return False
        return not set(chat.tags) & set(self.exclude_tags)

    def agent(self, email: str) -> bool:
        if self.agents is not None and email not in self.agents:
            return False
        if self.groups is not None:
            member = dict(AGENTS)[email]
            return bool(set(member) & set(self.groups))
        return True

    def group(self, group: int) -> bool:
        return self.groups is None or group in self.groups


NO_FILTERS = Filters()


def _rng(seed: int, *parts: int) -> random.Random:
    return random.Random(f"livechat:{seed}:" + ":".join(str(p) for p in parts))


def quiet_hour(hour: int) -> bool:
    return (hour // 24) % QUIET_EVERY in QUIET_DAYS


def _chat_id(rng: random.Random) -> str:
    return "S" + "".join(rng.choice(ID_ALPHABET) for _ in range(9))


@functools.lru_cache(maxsize=100_000)
def hour_chats(seed: int, hour: int) -> tuple[Chat, ...]:
    if quiet_hour(hour):
        return ()
    rng = _rng(seed, 1, hour)
    out = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 5])):
        ts = hour * 3600 + rng.random() * 3600
        group = rng.choice(GROUPS)
        agent = None if rng.random() < 0.06 else rng.choice(AGENT_EMAILS)
        started_by = rng.choices(
            ["customer_without_greeting", "customer_from_greeting", "agent"], [70, 22, 8]
        )[0]
        duration = rng.randint(60, 3600)
        replied = agent is not None and rng.random() < 0.9
        form = None
        if group in FORM_BY_GROUP and rng.random() < 0.6:
            form_id, fields = FORM_BY_GROUP[group]
            form = (form_id, tuple((fid, rng.choice(answers)[0]) for fid, _, answers in fields))
        out.append(
            Chat(
                id=_chat_id(rng),
                ts=ts,
                agent=agent,
                group=group,
                tags=tuple(sorted(rng.sample(TAGS, rng.choice([0, 1, 1, 2])))),
                continuous=rng.random() < 0.3,
                duration=duration,
                agents_chatting_duration=rng.randint(30, duration),
                started_by=started_by,
                greeting_id=rng.choice(GREETINGS)
                if started_by == "customer_from_greeting"
                else None,
                rating=rng.choices(["good", "bad", "neutral", None], [25, 10, 10, 55])[0],
                response_time=round(rng.uniform(3, 120), 2) if replied else None,
                first_response_time=round(rng.uniform(2, 90), 2) if replied else None,
                form=form,
                queued_seconds=rng.randint(0, 300) if rng.random() < 0.2 else None,
                country=rng.choice(COUNTRIES),
            )
        )
    return tuple(sorted(out, key=lambda c: c.ts))


@functools.lru_cache(maxsize=100_000)
def hour_greetings(seed: int, hour: int) -> tuple[GreetingEvent, ...]:
    if quiet_hour(hour):
        return ()
    rng = _rng(seed, 2, hour)
    out = []
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        accepted = rng.random() < 0.3
        out.append(
            GreetingEvent(
                ts=hour * 3600 + rng.random() * 3600,
                greeting_id=rng.choice(GREETINGS),
                group=rng.choice(GROUPS),
                canceled=not accepted and rng.random() < 0.4,
                accepted=accepted,
                goal=accepted and rng.random() < 0.5,
            )
        )
    return tuple(sorted(out, key=lambda g: g.ts))


@functools.lru_cache(maxsize=100_000)
def hour_queue_leaves(seed: int, hour: int) -> tuple[QueueLeave, ...]:
    if quiet_hour(hour):
        return ()
    rng = _rng(seed, 3, hour)
    out = []
    for _ in range(rng.choice([0, 0, 0, 0, 0, 1])):
        out.append(
            QueueLeave(
                chat_id=_chat_id(rng),
                ts=hour * 3600 + rng.random() * 3600,
                visitor_id=str(rng.getrandbits(128).to_bytes(16, "big").hex()),
                ip=f"169.50.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                duration=rng.randint(5, 600),
                group=rng.choice(GROUPS),
                with_details=rng.random() < 0.4,
            )
        )
    return tuple(sorted(out, key=lambda q: q.ts))


@functools.lru_cache(maxsize=100_000)
def hour_visits(seed: int, hour: int) -> tuple[Visit, ...]:
    if quiet_hour(hour):
        return ()
    rng = _rng(seed, 4, hour)
    return tuple(
        sorted(
            (
                Visit(
                    hour * 3600 + rng.random() * 3600, f"v{rng.randint(1, 400)}", rng.randint(1, 9)
                )
                for _ in range(rng.randint(0, 12))
            ),
            key=lambda v: v.ts,
        )
    )


@functools.lru_cache(maxsize=100_000)
def hour_shifts(seed: int, hour: int) -> tuple[Shift, ...]:
    if quiet_hour(hour):
        return ()
    rng = _rng(seed, 5, hour)
    base = hour * 3600.0
    out = []
    for email in AGENT_EMAILS:
        if rng.random() < 0.35:
            out.append(Shift(email, None, None))
            continue
        a = rng.randint(0, 1800)
        b = rng.randint(a + 600, 3600)
        accepting = (base + a, base + b)
        not_accepting = (base + b, base + 3600) if b < 3600 and rng.random() < 0.5 else None
        out.append(Shift(email, accepting, not_accepting))
    return tuple(out)


def _hours(start: float, end: float) -> range:
    return range(int(start // 3600), int(-(-end // 3600)))


def chats(seed: int, start: float, end: float, flt: Filters = NO_FILTERS) -> list[Chat]:
    """Chats that started in ``[start, end)`` (epoch seconds) and pass the filters."""
    return [
        c
        for h in _hours(start, end)
        for c in hour_chats(seed, h)
        if start <= c.ts < end and flt.chat(c)
    ]


def greetings(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> list[GreetingEvent]:
    return [
        g
        for h in _hours(start, end)
        for g in hour_greetings(seed, h)
        if start <= g.ts < end and flt.group(g.group)
    ]


def queue_leaves(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> list[QueueLeave]:
    return [
        q
        for h in _hours(start, end)
        for q in hour_queue_leaves(seed, h)
        if start <= q.ts < end and flt.group(q.group)
    ]


def visits(seed: int, start: float, end: float) -> list[Visit]:
    return [v for h in _hours(start, end) for v in hour_visits(seed, h) if start <= v.ts < end]


def _clip(interval: tuple[float, float] | None, start: float, end: float) -> float:
    if interval is None:
        return 0.0
    return max(0.0, min(interval[1], end) - max(interval[0], start))


def _union_length(intervals: list[tuple[float, float]]) -> float:
    total, cur_start, cur_end = 0.0, None, None
    for a, b in sorted(intervals):
        if cur_end is None or a > cur_end:
            if cur_end is not None and cur_start is not None:
                total += cur_end - cur_start
            cur_start, cur_end = a, b
        else:
            cur_end = max(cur_end, b)
    if cur_end is not None and cur_start is not None:
        total += cur_end - cur_start
    return total


# -- report values ---------------------------------------------------------------------------
#
# Distributed reports: ``<report>_bucket(seed, start, end, flt)`` gives one period's record
# as the API sends it (zero-valued fields omitted, ``{}`` when empty), and
# ``<report>_total(...)`` the report's ``total`` over a range.


def _sparse(values: dict[str, t.Any]) -> dict[str, t.Any]:
    """The API omits zero-valued and absent fields."""
    return {k: v for k, v in values.items() if v not in (0, None)}


def _avg(values: list[float], digits: int | None = 2) -> float | int | None:
    if not values:
        return None
    mean = sum(values) / len(values)
    return round(mean) if digits is None else round(mean, digits)


def duration_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(seed, start, end, flt)
    return _sparse(
        {
            "agents_chatting_duration": _avg([c.agents_chatting_duration for c in cs], None),
            "count": len(cs),
            "duration": _avg([c.duration for c in cs], None),
        }
    )


def tags_bucket(seed: int, start: float, end: float, flt: Filters = NO_FILTERS) -> dict[str, t.Any]:
    counts: Counter[str] = Counter(tag for c in chats(seed, start, end, flt) for tag in c.tags)
    return dict(sorted(counts.items()))


def total_chats_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(seed, start, end, flt)
    return _sparse({"total": len(cs), "continuous": sum(c.continuous for c in cs)})


def ratings_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = [c for c in chats(seed, start, end, flt) if c.rating is not None]
    return _sparse(
        {
            "bad": sum(c.rating == "bad" for c in cs),
            "chats": len(cs),
            "good": sum(c.rating == "good" for c in cs),
        }
    )


def engagement_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(seed, start, end, flt)
    kinds = Counter(c.started_by for c in cs)
    return _sparse(
        {
            "started_by_customer_from_greeting": kinds["customer_from_greeting"],
            "started_by_customer_without_greeting": kinds["customer_without_greeting"],
            "started_by_agent": kinds["agent"],
        }
    )


#: "The method will return only up to 100 values for each day."
GREETINGS_PER_DAY = 100


def greetings_conversion_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    out: dict[str, dict[str, int]] = {}
    for g in greetings(seed, start, end, flt):
        row = out.setdefault(
            g.greeting_id, {"accepted": 0, "canceled": 0, "displayed": 0, "goals": 0}
        )
        row["displayed"] += 1
        row["accepted"] += g.accepted
        row["canceled"] += g.canceled
        row["goals"] += g.goal
    keys = sorted(out)[:GREETINGS_PER_DAY]
    return {k: _sparse(out[k]) for k in keys}


def response_time_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    times = [c.response_time for c in chats(seed, start, end, flt) if c.response_time is not None]
    return _sparse({"count": len(times), "response_time": _avg(times)})


def first_response_time_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    times = [
        c.first_response_time
        for c in chats(seed, start, end, flt)
        if c.first_response_time is not None
    ]
    return _sparse({"count": len(times), "first_response_time": _avg(times)})


def groups_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    counts = Counter(str(c.group) for c in chats(seed, start, end, flt))
    return dict(sorted(counts.items(), key=lambda kv: int(kv[0])))


def _stats(values: list[float]) -> dict[str, t.Any] | None:
    if not values:
        return None
    return {
        "count": len(values),
        "min": min(values),
        "max": max(values),
        "avg": sum(values) / len(values),
    }


def queued_visitors_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    queued = [
        c.queued_seconds for c in chats(seed, start, end, flt) if c.queued_seconds is not None
    ]
    left = [q.duration for q in queue_leaves(seed, start, end, flt)]
    out = {
        "left_queue": _stats([float(x) for x in left]),
        "queued": _stats([float(x) for x in queued]),
    }
    return {k: v for k, v in out.items() if v is not None}


def availability_seconds(seed: int, start: float, end: float, flt: Filters = NO_FILTERS) -> float:
    """Seconds of ``[start, end)`` during which at least one selected agent accepted chats."""
    intervals = []
    for h in _hours(start, end):
        for shift in hour_shifts(seed, h):
            if shift.accepting is None or not flt.agent(shift.agent):
                continue
            a, b = max(shift.accepting[0], start), min(shift.accepting[1], end)
            if b > a:
                intervals.append((a, b))
    return _union_length(intervals)


def availability_bucket(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS, *, unit: str = "hours"
) -> dict[str, t.Any]:
    seconds = availability_seconds(seed, start, end, flt)
    if unit == "minutes":
        return {"minutes": round(seconds / 60, 2)}
    # The API sends ``"hours": 0`` explicitly (availability sample), unlike other reports.
    return {"hours": round(seconds / 3600, 2)}


BUCKETS: dict[str, t.Callable[..., dict[str, t.Any]]] = {
    "chats/duration": duration_bucket,
    "chats/tags": tags_bucket,
    "chats/total_chats": total_chats_bucket,
    "chats/ratings": ratings_bucket,
    "chats/engagement": engagement_bucket,
    "chats/greetings_conversion": greetings_conversion_bucket,
    "chats/response_time": response_time_bucket,
    "chats/first_response_time": first_response_time_bucket,
    "chats/groups": groups_bucket,
    "chats/queued_visitors": queued_visitors_bucket,
    "agents/availability": availability_bucket,
}


def report_total(
    method: str, seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> t.Any:
    """The ``total`` of a distributed report over ``[start, end)``."""
    if method == "chats/ratings":
        return sum(c.rating is not None for c in chats(seed, start, end, flt))
    if method == "chats/greetings_conversion":
        return sum(g.accepted for g in greetings(seed, start, end, flt))
    if method == "chats/response_time":
        return sum(c.response_time is not None for c in chats(seed, start, end, flt))
    if method == "chats/first_response_time":
        return sum(c.first_response_time is not None for c in chats(seed, start, end, flt))
    if method == "chats/queued_visitors":
        return sum(c.queued_seconds is not None for c in chats(seed, start, end, flt))
    if method == "agents/availability":
        return round(availability_seconds(seed, start, end, flt) / 3600, 2)
    return len(chats(seed, start, end, flt))


# -- non-distributed reports -------------------------------------------------------------------


def wilson_score(good: int, bad: int, z: float = 1.96) -> float:
    """Lower bound of the Wilson interval: the simulator's stand-in for LiveChat's ranking
    score (its exact formula is not published)."""
    n = good + bad
    if n == 0:
        return 0.0
    p = good / n
    centre = p + z * z / (2 * n)
    margin = z * math.sqrt((p * (1 - p) + z * z / (4 * n)) / n)
    return (centre - margin) / (1 + z * z / n)


def ranking(seed: int, start: float, end: float, flt: Filters = NO_FILTERS) -> dict[str, t.Any]:
    out: dict[str, dict[str, t.Any]] = {}
    for c in chats(seed, start, end, flt):
        if c.agent is None or c.rating not in ("good", "bad"):
            continue
        row = out.setdefault(c.agent, {"total": 0, "good": 0, "bad": 0})
        row["total"] += 1
        row[c.rating] += 1
    for row in out.values():
        row["score"] = wilson_score(row["good"], row["bad"])
    return dict(sorted(out.items()))


def forms(seed: int, start: float, end: float, flt: Filters = NO_FILTERS) -> list[dict[str, t.Any]]:
    submitted = [c.form for c in chats(seed, start, end, flt) if c.form is not None]
    out = []
    for form_id, group_id, fields in FORMS:
        mine = [answers for fid, answers in submitted if fid == form_id]
        if not mine:
            continue
        chosen = Counter(pair for answers in mine for pair in answers)
        out.append(
            {
                "form_id": form_id,
                "count": len(mine),
                "group_id": group_id,
                "fields": [
                    {
                        "field_id": field_id,
                        "label": label,
                        "answers": [
                            {"answer_id": aid, "label": alabel, "count": chosen[(field_id, aid)]}
                            for aid, alabel in answers
                            if chosen[(field_id, aid)]
                        ],
                    }
                    for field_id, label, answers in fields
                ],
            }
        )
    return out


def performance(seed: int, start: float, end: float, flt: Filters = NO_FILTERS) -> dict[str, t.Any]:
    """``{"records": {agent: {...}}, "summary": {...}}`` with zero fields omitted."""
    agents = [a for a in AGENT_EMAILS if flt.agent(a)]
    chat_filter = Filters(groups=flt.groups, agents=tuple(agents))
    cs = chats(seed, start, end, chat_filter)
    times: dict[str, dict[str, float]] = {a: Counter() for a in agents}  # type: ignore[misc]
    for h in _hours(start, end):
        for shift in hour_shifts(seed, h):
            if shift.agent not in times:
                continue
            acc = _clip(shift.accepting, start, end)
            nacc = _clip(shift.not_accepting, start, end)
            times[shift.agent]["accepting_chats_time"] += acc
            times[shift.agent]["not_accepting_chats_time"] += nacc
            times[shift.agent]["logged_in_time"] += acc + nacc
    records = {}
    for agent in agents:
        mine = [c for c in cs if c.agent == agent]
        firsts = [c.first_response_time for c in mine if c.first_response_time is not None]
        spent = times[agent]
        if not mine and not spent.get("logged_in_time"):
            continue
        records[agent] = _sparse(
            {
                "accepting_chats_time": round(spent.get("accepting_chats_time", 0)),
                "chats_count": len(mine),
                "chats_rated_bad": sum(c.rating == "bad" for c in mine),
                "chats_rated_good": sum(c.rating == "good" for c in mine),
                "chatting_time": sum(c.agents_chatting_duration for c in mine),
                "first_response_chats_count": len(firsts),
                "first_response_time": sum(firsts) / len(firsts) if firsts else None,
                "logged_in_time": round(spent.get("logged_in_time", 0)),
                "not_accepting_chats_time": round(spent.get("not_accepting_chats_time", 0)),
            }
        )
    firsts = [c.first_response_time for c in cs if c.agent and c.first_response_time is not None]
    summary = _sparse(
        {
            "chats_count": sum(1 for c in cs if c.agent),
            "chats_rated_bad": sum(c.rating == "bad" for c in cs if c.agent),
            "chats_rated_good": sum(c.rating == "good" for c in cs if c.agent),
            "first_response_chats_count": len(firsts),
            "first_response_time": sum(firsts) / len(firsts) if firsts else None,
        }
    )
    return {"records": records, "summary": summary}


def chat_usage(seed: int, start: float, end: float, flt: Filters = NO_FILTERS) -> dict[str, int]:
    counts = Counter(
        tag for c in chats(seed, start, end, Filters(groups=flt.groups)) for tag in c.tags
    )
    return dict(sorted(counts.items()))


def unique_visitors(seed: int, start: float, end: float) -> dict[str, int]:
    vs = visits(seed, start, end)
    return {
        "unique_visitors": len({v.visitor_id for v in vs}),
        "page_views": sum(v.page_views for v in vs),
    }


def queued_visitors_left(
    seed: int, start: float, end: float, flt: Filters = NO_FILTERS
) -> list[QueueLeave]:
    return queue_leaves(seed, start, end, flt)


def iso_z(ts: float) -> str:
    return dt.datetime.fromtimestamp(int(ts), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
