"""Deterministic Lexer activity: messages, cases and NPS submissions generated per UTC hour.

Every report of the simulator is computed from these events, and tests use the same event
functions to know the true value of any report for any range. The same seed always gives
the same events.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
import statistics
import typing as t
from dataclasses import dataclass

STATES = [
    "new",
    "assigned",
    "in_progress",
    "responded",
    "awaiting_approval",
    "redirected",
    "irrelevant",
    "duplicate",
    "closed",
    "no_response_required",
]
STATE_WEIGHTS = [2, 8, 6, 20, 1, 1, 3, 2, 50, 7]
CLOSED_STATES = {"closed", "irrelevant", "duplicate", "no_response_required"}
CLASSIFICATIONS = {
    123: "amusing",
    143: "customer service",
    466: "positive",
    526: "social nps",
    528: "feedback",
    1472: "bot",
}
USERS = [
    (101, "Jane", "Pear", "Australia/Sydney", [123, 456]),
    (102, "Barry", "Banana", "Australia/Sydney", [123]),
    (103, "Ada", "Apple", "Europe/London", [456]),
    (104, "Kim", "Kiwi", "America/New_York", [789]),
    (105, "Lou", "Lime", "UTC", [123, 789]),
    (106, "Mo", "Mango", "Asia/Tokyo", []),
]
GROUPS = [
    (123, "Social Customer Care", "Social customer care team members"),
    (456, "Escalations", "Second line"),
    (789, "Night shift", None),
]
FORMS = [
    (55, "NPS Survey", "Lexer NPS Survey", False, "2018-05-26T21:54:19Z", [123], True),
    (56, "Post-chat NPS", "How did we do?", False, "2019-02-01T00:00:00Z", [123, 456], True),
    (57, "Competition", "Win a trip", False, "2019-03-01T00:00:00Z", [456], False),
    (58, "Old NPS", "Retired survey", True, "2017-01-01T00:00:00Z", [], True),
]
SLA_SECONDS = 3600.0
ACTION_SLA_SECONDS = 1800.0


@dataclass(frozen=True)
class Message:
    ts: float
    state: str
    user_id: int
    classification_ids: tuple[int, ...]
    responded: bool
    private: bool
    response_time: float | None
    action_response_time: float | None


@dataclass(frozen=True)
class Case:
    opened: float
    closed: float
    first_reply_time: float
    agent_interactions: int
    agents_involved: int
    classification_ids: tuple[int, ...]

    @property
    def resolution_time(self) -> float:
        return self.closed - self.opened


@dataclass(frozen=True)
class Submission:
    ts: float
    form_id: int
    score: int | None  # None: sent, not answered


def _rng(seed: int, *parts: int) -> random.Random:
    return random.Random(hash((seed, *parts)) & 0xFFFFFFFF)


@functools.lru_cache(maxsize=200_000)
def hour_messages(seed: int, hour: int) -> tuple[Message, ...]:
    rng = _rng(seed, 1, hour)
    out = []
    for _ in range(rng.choice([0, 1, 1, 2, 3, 4, 5])):
        ts = hour * 3600 + rng.random() * 3600
        state = rng.choices(STATES, STATE_WEIGHTS)[0]
        responded = state in ("responded", "closed") and rng.random() < 0.8
        rt = round(rng.expovariate(1 / 2400), 6) if responded else None
        art = round(rng.expovariate(1 / 900), 6) if responded else None
        out.append(
            Message(
                ts=ts,
                state=state,
                user_id=rng.choice(USERS)[0],
                classification_ids=tuple(
                    sorted(rng.sample(sorted(CLASSIFICATIONS), rng.choice([0, 1, 1, 2])))
                ),
                responded=responded,
                private=responded and rng.random() < 0.4,
                response_time=rt,
                action_response_time=art,
            )
        )
    return tuple(sorted(out, key=lambda m: m.ts))


@functools.lru_cache(maxsize=200_000)
def hour_cases(seed: int, hour: int) -> tuple[Case, ...]:
    rng = _rng(seed, 2, hour)
    out = []
    for _ in range(rng.choice([0, 0, 1, 1, 2])):
        opened = hour * 3600 + rng.random() * 3600
        first = round(rng.uniform(60, 20000), 6)
        closed = opened + first + rng.uniform(3600, 72 * 3600)
        out.append(
            Case(
                opened=opened,
                closed=closed,
                first_reply_time=first,
                agent_interactions=rng.randint(1, 5),
                agents_involved=rng.randint(1, 2),
                classification_ids=tuple(
                    sorted(rng.sample(sorted(CLASSIFICATIONS), rng.randint(0, 2)))
                ),
            )
        )
    return tuple(out)


@functools.lru_cache(maxsize=200_000)
def hour_submissions(seed: int, hour: int, form_id: int) -> tuple[Submission, ...]:
    rng = _rng(seed, 3, hour, form_id)
    out = []
    for _ in range(rng.choice([0, 0, 0, 1, 1, 2])):
        ts = hour * 3600 + rng.random() * 3600
        answered = rng.random() < 0.75
        out.append(Submission(ts, form_id, rng.randint(0, 10) if answered else None))
    return tuple(out)


def _hours(start: float, end: float) -> range:
    return range(int(start // 3600), int(-(-end // 3600)))


def messages(seed: int, start: float, end: float) -> list[Message]:
    """Messages with ``start <= ts < end`` (epoch seconds)."""
    return [m for h in _hours(start, end) for m in hour_messages(seed, h) if start <= m.ts < end]


MAX_CASE_SECONDS = 80 * 3600


def cases_closed(seed: int, start: float, end: float) -> list[Case]:
    """Cases closed in ``[start, end)``."""
    return [
        c
        for h in _hours(start - MAX_CASE_SECONDS, end)
        for c in hour_cases(seed, h)
        if start <= c.closed < end
    ]


def cases_open(seed: int, start: float, end: float) -> list[Case]:
    """Cases open at some point of ``[start, end)``."""
    return [
        c
        for h in _hours(start - MAX_CASE_SECONDS, end)
        for c in hour_cases(seed, h)
        if c.opened < end and c.closed > start
    ]


def cases_actioned(seed: int, start: float, end: float) -> list[Case]:
    """Cases opened in ``[start, end)`` (the case_details export)."""
    return [c for h in _hours(start, end) for c in hour_cases(seed, h) if start <= c.opened < end]


def submissions(seed: int, start: float, end: float, form_id: int) -> list[Submission]:
    return [
        s
        for h in _hours(start, end)
        for s in hour_submissions(seed, h, form_id)
        if start <= s.ts < end
    ]


# -- report bodies (what the API answers) ---------------------------------------------------


def _stats(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"avg": None, "min": None, "max": None, "median": None}
    return {
        "avg": sum(values) / len(values),
        "min": min(values),
        "max": max(values),
        "median": statistics.median(values),
    }


def _per_min(value: float | None) -> float | None:
    return None if value is None else value / 60


def summary(msgs: list[Message]) -> dict[str, t.Any]:
    rts = [m.response_time for m in msgs if m.response_time is not None]
    arts = [m.action_response_time for m in msgs if m.action_response_time is not None]
    r, a = _stats(rts), _stats(arts)
    return {
        "total_volume": len(msgs),
        "avg_response_time": r["avg"],
        "avg_action_response_time": a["avg"],
        "total_responded_to": sum(1 for m in msgs if m.responded),
        "broke_sla": sum(1 for v in rts if v > SLA_SECONDS),
        "broke_action_sla": sum(1 for v in arts if v > ACTION_SLA_SECONDS),
        "min_response_time": r["min"],
        "median_response_time": r["median"],
        "max_response_time": r["max"],
        "min_action_response_time": a["min"],
        "median_action_response_time": a["median"],
        "max_action_response_time": a["max"],
        "avg_action_response_time_min": _per_min(a["avg"]),
        "avg_response_time_min": _per_min(r["avg"]),
        "median_action_response_time_min": _per_min(a["median"]),
        "median_response_time_min": _per_min(r["median"]),
    }


def state_totals(msgs: list[Message]) -> list[dict[str, t.Any]]:
    counts: dict[str, int] = {}
    for m in msgs:
        counts[m.state] = counts.get(m.state, 0) + 1
    return [{"state": s, "volume": v} for s, v in sorted(counts.items(), key=lambda kv: -kv[1])]


def user_states(msgs: list[Message]) -> list[dict[str, t.Any]]:
    out = []
    for uid, first, last, _tz, _groups in USERS:
        mine = [m for m in msgs if m.user_id == uid]
        if not mine:
            continue
        states = {s: sum(1 for m in mine if m.state == s) for s in STATES}
        out.append(
            {
                "user_id": uid,
                "first_name": first,
                "last_name": last,
                "states": {
                    "all_states": len(mine),
                    "all_closed_states": sum(1 for m in mine if m.state in CLOSED_STATES),
                    **states,
                },
            }
        )
    return out


def classifications(msgs: list[Message]) -> list[dict[str, t.Any]]:
    out = []
    for cid, name in sorted(CLASSIFICATIONS.items()):
        tagged = [m for m in msgs if cid in m.classification_ids]
        if not tagged:
            continue
        for state in STATES:
            n = sum(1 for m in tagged if m.state == state)
            if n:
                out.append(
                    {"classification_id": cid, "classification": name, "state": state, "volume": n}
                )
        out.append(
            {
                "classification_id": cid,
                "classification": name,
                "state": "all_states",
                "volume": len(tagged),
            }
        )
    return out


def user_summary(msgs: list[Message]) -> list[dict[str, t.Any]]:
    out = []
    for uid, first, last, _tz, _groups in USERS:
        mine = [m for m in msgs if m.user_id == uid]
        if not mine:
            continue
        s = summary(mine)
        responded = s["total_responded_to"]
        private = sum(1 for m in mine if m.private)
        out.append(
            {
                "first_name": first,
                "last_name": last,
                "mentions_assigned": len(mine),
                "user_id": str(uid),
                "responded_to": responded,
                "responded_to_in_private": private,
                "avg_response_time": s["avg_response_time"],
                "min_response_time": s["min_response_time"],
                "max_response_time": s["max_response_time"],
                "avg_action_response_time": s["avg_action_response_time"],
                "min_action_response_time": s["min_action_response_time"],
                "max_action_response_time": s["max_action_response_time"],
                "total_responded_to": responded,
                "broke_sla": s["broke_sla"],
                "broke_action_sla": s["broke_action_sla"],
                "avg_response_time_min": s["avg_response_time_min"],
                "avg_action_response_time_min": s["avg_action_response_time_min"],
                "fraction_responded_to": responded / len(mine),
                "fraction_responded_to_in_private": (private / len(mine)),
                "fraction_broke_sla": (s["broke_sla"] / responded) if responded else 0.0,
                "fraction_broke_action_sla": (s["broke_action_sla"] / responded)
                if responded
                else 0.0,
            }
        )
    return out


def case_summary(cases: list[Case]) -> dict[str, t.Any]:
    n = len(cases)
    if not n:
        return {
            "total_cases": 0,
            "first_reply_time": None,
            "resolution_time": None,
            "median_first_reply_time": None,
            "median_resolution_time": None,
            "agent_interactions": None,
            "agents_involved": None,
        }
    return {
        "total_cases": n,
        "first_reply_time": sum(c.first_reply_time for c in cases) / n,
        "resolution_time": sum(c.resolution_time for c in cases) / n,
        "median_first_reply_time": statistics.median(c.first_reply_time for c in cases),
        "median_resolution_time": statistics.median(c.resolution_time for c in cases),
        "agent_interactions": sum(c.agent_interactions for c in cases) / n,
        "agents_involved": sum(c.agents_involved for c in cases) / n,
    }


def case_classifications(cases: list[Case]) -> list[dict[str, t.Any]]:
    out = []
    for cid, name in sorted(CLASSIFICATIONS.items()):
        n = sum(1 for c in cases if cid in c.classification_ids)
        if n:
            out.append({"classification_id": cid, "classification": name, "volume": n})
    return out


def nps_matches(sub: Submission, category: str) -> bool:
    if category == "all":
        return True
    if sub.score is None:
        return False
    return {
        "promoters": sub.score >= 9,
        "passives": 7 <= sub.score <= 8,
        "detractors": sub.score < 7,
    }.get(category, True)


def nps_summary(subs: list[Submission], category: str = "all") -> dict[str, t.Any]:
    chosen = [s for s in subs if nps_matches(s, category)]
    answered = [s for s in chosen if s.score is not None]
    prom = sum(1 for s in answered if s.score is not None and s.score >= 9)
    pas = sum(1 for s in answered if s.score is not None and 7 <= s.score <= 8)
    det = sum(1 for s in answered if s.score is not None and s.score < 7)
    received = len(answered)
    return {
        "total_sent": len(chosen),
        "total_received": received,
        "total_promoters": prom,
        "total_passives": pas,
        "total_detractors": det,
        "nps_score": ((prom - det) / received * 100) if received else 0.0,
    }


def epoch(moment: dt.datetime) -> float:
    return moment.timestamp()
