"""Deterministic Lexer activity and the exact answer of every report (the simulator's truth).

Everything the Lexer simulator answers is computed here, from seeded events, so tests can ask
the same module for the true answer of any request. This module imports nothing from the
other lexer modules (:mod:`sandbox.lexer` and :mod:`sandbox.lexer_exports` import it).

Events (per UTC hour, seeded by ``(seed, hour)``): messages (state, agent, classifications,
customer wait / agent response times), cases (opened, first reply, closed, agent
interactions, agents involved, classifications) and NPS submissions (sent; score once
answered). Every event has a stable id and a timestamp with microseconds.

Revisions (data that changes between runs). :class:`Timeline` holds the revision steps that
have run and the UTC day each ran on (``anchors``). Step ``k`` (revision ``k-1`` -> ``k``)
changes only events whose UTC day lies in ``[anchor_k - volatile_days, anchor_k]``: the day
the step ran on and the ``volatile_days`` days before it. Older days never change. A step:

* moves message states forward (new -> assigned -> in_progress -> responded -> closed,
  redirected -> closed) and turns every ``awaiting_approval`` into ``responded`` (that state
  drops to zero in the window and disappears from the answers);
* removes classification 1472 ("bot") from the window's messages and cases (it disappears),
  and tags some messages with another classification (counts move);
* reassigns the messages of agent 106 (who leaves: ``archived`` from revision 1 on) to 105,
  so 106 drops out of the per-agent answers of the window;
* reopens some cases and closes them again later (``closed`` moves, one more agent
  interaction): a case closes late, on another day, with other values;
* answers some NPS surveys that were sent but not answered yet (received counts move);
* renames classification 143 "customer service" to "customer care" for the days from the
  first step's window on (an answer's label is the one of the last day it covers).

A case whose ``closed`` lies after the simulator's clock (``now``) is still open.

Truth: ``truth(body, *, seed=7, now, revision=0, anchors=None, volatile_days=2,
knobs=None) -> JSON value`` is the exact body ``POST /v1/activity/reports`` answers for the
request ``body`` (a dict as sent: ``type``, ``date_from``, ``date_to``, ``form``,
``nps_category``); ``anchors`` defaults to ``revision`` steps all run on ``now``'s UTC day.
:class:`World` is the same inputs as one object (``World.answer(body)``); the app's
``LexerApp.world()`` returns the one it serves. ``export_rows(kind, body, world,
header_set)`` (in :mod:`sandbox.lexer_exports`) is the truth of the CSV exports.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import random
import statistics
import typing as t
from dataclasses import dataclass, field, fields, replace

from sandbox import lexer_samples as samples

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
STATE_WEIGHTS = [6, 10, 6, 20, 2, 1, 3, 2, 45, 5]
CLOSED_STATES = {"closed", "irrelevant", "duplicate", "no_response_required"}
#: a step moves a message's state along this path (with some probability)
ADVANCE = {
    "new": "assigned",
    "assigned": "in_progress",
    "in_progress": "responded",
    "responded": "closed",
    "redirected": "closed",
}
CLASSIFICATIONS = {
    123: "amusing",
    143: "customer service",
    466: "positive",
    526: "social nps",
    528: "feedback",
    1465: "image",
    1472: "bot",
}
#: classification id -> its name after the first revision step (for the days it covers)
RENAMED = {143: "customer care"}
#: removed from the volatile days by every revision step
DROPPED_CLASSIFICATION = 1472
#: the agent who leaves at revision 1 (archived; the window's messages go to REPLACEMENT)
LEAVING_USER = 106
REPLACEMENT_USER = 105
USERS = [
    (101, "Jane", "Pear", "Australia/Sydney", [123, 456]),
    (102, "Barry", "Banana", "Australia/Sydney", [123]),
    (103, "Ada", "Apple", "Europe/London", [456]),
    (104, "Kim", "Kiwi", "America/New_York", [789]),
    (105, "Lou", "Lime", "UTC", [123, 789]),
    (106, "Mo", "Mango", "Asia/Tokyo", [456]),
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
NPS_FORM_IDS = [f[0] for f in FORMS if f[6]]
SLA_SECONDS = 3600.0
ACTION_SLA_SECONDS = 1800.0
US = 1_000_000
DAY_US = 86_400 * US
HOUR_US = 3_600 * US

# -- knobs ----------------------------------------------------------------------------------

KNOB_CHOICES: dict[str, tuple[str, ...]] = {
    "zeros": ("omit", "include"),
    "nps_label": ("end", "start"),
    "hourly_rule": ("elapsed", "calendar"),
    "hourly_scope": ("documented", "all_series"),
    "end_bound": ("inclusive", "exclusive"),
    "bucket_offset": ("request", "utc"),
    "user_volume_shape": ("per_state", "per_agent"),
    "private_fraction_of": ("mentions_assigned", "responded_to"),
    "response_volume_unit": ("seconds", "minutes"),
    "doc_samples": ("match", "always", "off"),
    "case_classifications_of": ("closed", "opened"),
}


@dataclass
class Knobs:
    """One reading of each ambiguous passage of the docs (see :mod:`sandbox.lexer`)."""

    zeros: str = "omit"
    nps_label: str = "end"
    hourly_rule: str = "elapsed"
    hourly_scope: str = "documented"
    end_bound: str = "inclusive"
    bucket_offset: str = "request"
    user_volume_shape: str = "per_state"
    private_fraction_of: str = "mentions_assigned"
    response_volume_unit: str = "seconds"
    doc_samples: str = "match"
    case_classifications_of: str = "closed"

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value not in KNOB_CHOICES[f.name]:
                msg = f"knob {f.name} must be one of {KNOB_CHOICES[f.name]}, not {value!r}"
                raise ValueError(msg)

    def as_dict(self) -> dict[str, str]:
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def updated(self, **changes: t.Any) -> Knobs:
        unknown = set(changes) - set(KNOB_CHOICES)
        if unknown:
            raise ValueError(f"unknown knob(s): {', '.join(sorted(unknown))}")
        return replace(self, **changes)


# -- revisions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Timeline:
    """The revision steps that have run: ``anchors[k-1]`` is the UTC day (ordinal) step k ran on."""

    anchors: tuple[int, ...] = ()
    volatile_days: int = 2

    @property
    def revision(self) -> int:
        return len(self.anchors)

    def steps_for(self, day: int) -> tuple[int, ...]:
        """The steps (1-based) whose window holds UTC day ordinal ``day``."""
        return tuple(k for k, a in enumerate(self.anchors, 1) if a - self.volatile_days <= day <= a)

    def rename_from(self) -> int | None:
        """First UTC day ordinal that shows the renamed labels (None: no step ran)."""
        if not self.anchors:
            return None
        return self.anchors[0] - self.volatile_days

    def max_extension_us(self) -> int:
        return self.revision * 20 * HOUR_US


def day_of(us: int) -> int:
    """UTC day ordinal of an epoch-microsecond instant."""
    return dt.date(1970, 1, 1).toordinal() + us // DAY_US


# -- events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Message:
    id: int
    ts_us: int
    state: str
    user_id: int
    classification_ids: tuple[int, ...]
    will_respond: bool
    private: bool
    base_response_time: float
    base_action_response_time: float

    @property
    def ts(self) -> float:
        return self.ts_us / US

    @property
    def responded(self) -> bool:
        return self.will_respond and self.state in ("responded", "closed")

    @property
    def response_time(self) -> float | None:
        return self.base_response_time if self.responded else None

    @property
    def action_response_time(self) -> float | None:
        return self.base_action_response_time if self.responded else None


@dataclass(frozen=True)
class Case:
    id: int
    opened_us: int
    closed_us: int
    first_reply_time: float
    agent_interactions: int
    agents_involved: int
    classification_ids: tuple[int, ...]
    reopened: int = 0

    @property
    def opened(self) -> float:
        return self.opened_us / US

    @property
    def closed(self) -> float:
        return self.closed_us / US

    @property
    def resolution_time(self) -> float:
        return (self.closed_us - self.opened_us) / US


@dataclass(frozen=True)
class Submission:
    id: int
    ts_us: int
    form_id: int
    score: int | None  # None: sent, not answered (yet)

    @property
    def ts(self) -> float:
        return self.ts_us / US


def _rng(seed: int, *parts: int) -> random.Random:
    return random.Random(":".join(str(p) for p in (seed, *parts)))


def _sample_classes(rng: random.Random, k: int) -> tuple[int, ...]:
    return tuple(sorted(rng.sample(sorted(CLASSIFICATIONS), k)))


@functools.lru_cache(maxsize=100_000)
def hour_messages(seed: int, hour: int) -> tuple[Message, ...]:
    """Revision-0 messages of UTC hour ``hour`` (hours since the epoch)."""
    rng = _rng(seed, 1, hour)
    out = []
    for i in range(rng.choice([0, 1, 2, 2, 3, 4, 5])):
        out.append(
            Message(
                id=hour * 100 + i,
                ts_us=hour * HOUR_US + rng.randrange(HOUR_US),
                state=rng.choices(STATES, STATE_WEIGHTS)[0],
                user_id=rng.choice(USERS)[0],
                classification_ids=_sample_classes(rng, rng.choice([0, 1, 1, 2])),
                will_respond=rng.random() < 0.85,
                private=rng.random() < 0.4,
                base_response_time=round(rng.expovariate(1 / 2400), 6),
                base_action_response_time=round(rng.expovariate(1 / 900), 6),
            )
        )
    return tuple(sorted(out, key=lambda m: (m.ts_us, m.id)))


@functools.lru_cache(maxsize=100_000)
def hour_cases(seed: int, hour: int) -> tuple[Case, ...]:
    """Revision-0 cases opened in UTC hour ``hour``."""
    rng = _rng(seed, 2, hour)
    out = []
    for i in range(rng.choice([0, 0, 1, 1, 2])):
        opened = hour * HOUR_US + rng.randrange(HOUR_US)
        first = rng.randrange(60 * US, 20_000 * US)
        out.append(
            Case(
                id=hour * 10 + i,
                opened_us=opened,
                closed_us=opened + first + rng.randrange(HOUR_US, 40 * HOUR_US),
                first_reply_time=first / US,
                agent_interactions=rng.randint(1, 5),
                agents_involved=rng.randint(1, 2),
                classification_ids=_sample_classes(rng, rng.randint(0, 2)),
            )
        )
    return tuple(out)


#: a case closes at most this long after it opened at revision 0
MAX_CASE_US = 20_000 * US + 40 * HOUR_US


@functools.lru_cache(maxsize=100_000)
def hour_submissions(seed: int, hour: int, form_id: int) -> tuple[Submission, ...]:
    """Revision-0 NPS submissions (sent surveys) of ``form_id`` in UTC hour ``hour``."""
    rng = _rng(seed, 3, hour, form_id)
    out = []
    for i in range(rng.choice([0, 0, 1, 1, 2, 3])):
        ts = hour * HOUR_US + rng.randrange(HOUR_US)
        answered = rng.random() < 0.7
        score = rng.randint(0, 10)
        out.append(Submission(hour * 10 + i, ts, form_id, score if answered else None))
    return tuple(out)


def _revise_message(seed: int, m: Message, steps: tuple[int, ...]) -> Message:
    for k in steps:
        rng = _rng(seed, 11, k, m.id)
        state = m.state
        if state == "awaiting_approval":
            state = "responded"
        elif state in ADVANCE and rng.random() < 0.5:
            state = ADVANCE[state]
        classes = [c for c in m.classification_ids if c != DROPPED_CLASSIFICATION]
        if rng.random() < 0.2:
            extra = rng.choice([c for c in CLASSIFICATIONS if c != DROPPED_CLASSIFICATION])
            classes = sorted({*classes, extra})
        user = REPLACEMENT_USER if m.user_id == LEAVING_USER else m.user_id
        m = replace(m, state=state, classification_ids=tuple(classes), user_id=user)
    return m


def _revise_case(seed: int, c: Case, steps: tuple[int, ...]) -> Case:
    for k in steps:
        rng = _rng(seed, 12, k, c.id)
        classes = tuple(x for x in c.classification_ids if x != DROPPED_CLASSIFICATION)
        c = replace(c, classification_ids=classes)
        if rng.random() < 0.4:  # the customer wrote again: reopened, closed again later
            c = replace(
                c,
                closed_us=c.closed_us + rng.randrange(HOUR_US, 20 * HOUR_US),
                agent_interactions=c.agent_interactions + 1,
                reopened=c.reopened + 1,
            )
    return c


def _revise_submission(seed: int, s: Submission, steps: tuple[int, ...]) -> Submission:
    for k in steps:
        rng = _rng(seed, 13, k, s.form_id, s.id)
        if s.score is None and rng.random() < 0.5:
            s = replace(s, score=rng.randint(0, 10))
    return s


@functools.lru_cache(maxsize=100_000)
def revised_messages(seed: int, hour: int, timeline: Timeline) -> tuple[Message, ...]:
    steps = timeline.steps_for(day_of(hour * HOUR_US))
    base = hour_messages(seed, hour)
    return tuple(_revise_message(seed, m, steps) for m in base) if steps else base


@functools.lru_cache(maxsize=100_000)
def revised_cases(seed: int, hour: int, timeline: Timeline) -> tuple[Case, ...]:
    steps = timeline.steps_for(day_of(hour * HOUR_US))
    base = hour_cases(seed, hour)
    return tuple(_revise_case(seed, c, steps) for c in base) if steps else base


@functools.lru_cache(maxsize=100_000)
def revised_submissions(
    seed: int, hour: int, form_id: int, timeline: Timeline
) -> tuple[Submission, ...]:
    steps = timeline.steps_for(day_of(hour * HOUR_US))
    base = hour_submissions(seed, hour, form_id)
    return tuple(_revise_submission(seed, s, steps) for s in base) if steps else base


def _hours(start_us: int, end_us: int) -> range:
    return range(start_us // HOUR_US, -(-end_us // HOUR_US))


def _us(value: float) -> int:
    return round(value * US)


_NO_CHANGES = Timeline()


def messages(
    seed: int, start: float, end: float, timeline: Timeline = _NO_CHANGES
) -> list[Message]:
    """Messages with ``start <= ts < end`` (epoch seconds), at ``timeline``'s revision."""
    a, b = _us(start), _us(end)
    return [
        m for h in _hours(a, b) for m in revised_messages(seed, h, timeline) if a <= m.ts_us < b
    ]


def _cases_around(seed: int, a: int, b: int, timeline: Timeline) -> list[Case]:
    lookback = MAX_CASE_US + timeline.max_extension_us()
    return [c for h in _hours(a - lookback, b) for c in revised_cases(seed, h, timeline)]


def cases_closed(
    seed: int,
    start: float,
    end: float,
    timeline: Timeline = _NO_CHANGES,
    now: float | None = None,
) -> list[Case]:
    """Cases closed in ``[start, end)`` (and by ``now``, when given)."""
    a, b = _us(start), _us(end)
    if now is not None:
        b = min(b, _us(now) + 1)
    return [c for c in _cases_around(seed, a, b, timeline) if a <= c.closed_us < b]


def cases_open(
    seed: int,
    start: float,
    end: float,
    timeline: Timeline = _NO_CHANGES,
    now: float | None = None,
) -> list[Case]:
    """Cases open at some point of ``[start, end)`` (a case closing after ``now`` is open)."""
    a, b = _us(start), _us(end)
    limit = None if now is None else _us(now)
    return [
        c
        for c in _cases_around(seed, a, b, timeline)
        if c.opened_us < b and (c.closed_us > a or (limit is not None and c.closed_us > limit))
    ]


def cases_actioned(
    seed: int, start: float, end: float, timeline: Timeline = _NO_CHANGES
) -> list[Case]:
    """Cases opened in ``[start, end)`` (the rows of the case_details export)."""
    a, b = _us(start), _us(end)
    return [
        c for h in _hours(a, b) for c in revised_cases(seed, h, timeline) if a <= c.opened_us < b
    ]


def submissions(
    seed: int, start: float, end: float, form_id: int, timeline: Timeline = _NO_CHANGES
) -> list[Submission]:
    """Surveys of ``form_id`` sent in ``[start, end)``."""
    a, b = _us(start), _us(end)
    return [
        s
        for h in _hours(a, b)
        for s in revised_submissions(seed, h, form_id, timeline)
        if a <= s.ts_us < b
    ]


def classification_name(cid: int, day: int, timeline: Timeline = _NO_CHANGES) -> str:
    """The label of classification ``cid`` as shown for UTC day ordinal ``day``."""
    since = timeline.rename_from()
    if since is not None and day >= since and cid in RENAMED:
        return RENAMED[cid]
    return CLASSIFICATIONS[cid]


def archived_users(timeline: Timeline = _NO_CHANGES) -> set[int]:
    return {LEAVING_USER} if timeline.revision >= 1 else set()


# -- report bodies from events --------------------------------------------------------------


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


def state_totals(msgs: list[Message], zeros: str = "omit") -> list[dict[str, t.Any]]:
    """``[{"state", "volume"}]``, largest first (zero states only with ``zeros="include"``)."""
    counts = {s: 0 for s in STATES}
    for m in msgs:
        counts[m.state] += 1
    order = sorted(STATES, key=lambda s: (-counts[s], STATES.index(s)))
    return [{"state": s, "volume": counts[s]} for s in order if counts[s] or zeros == "include"]


def _agents(msgs: list[Message], zeros: str, timeline: Timeline) -> list[tuple[int, str, str]]:
    present = {m.user_id for m in msgs}
    gone = archived_users(timeline)
    return [
        (uid, first, last)
        for uid, first, last, _tz, _groups in USERS
        if uid in present or (zeros == "include" and uid not in gone)
    ]


def user_states(
    msgs: list[Message], zeros: str = "omit", timeline: Timeline = _NO_CHANGES
) -> list[dict[str, t.Any]]:
    """The per-agent ``user_volume`` shape (every state key, zeros included, as documented)."""
    out = []
    for uid, first, last in _agents(msgs, zeros, timeline):
        mine = [m for m in msgs if m.user_id == uid]
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


def classifications(
    msgs: list[Message],
    zeros: str = "omit",
    day: int | None = None,
    timeline: Timeline = _NO_CHANGES,
) -> list[dict[str, t.Any]]:
    """Per classification: one row per state with messages, then ``all_states``."""
    out = []
    for cid in sorted(CLASSIFICATIONS):
        name = classification_name(cid, day, timeline) if day is not None else CLASSIFICATIONS[cid]
        tagged = [m for m in msgs if cid in m.classification_ids]
        if not tagged and zeros == "omit":
            continue
        for state in STATES:
            n = sum(1 for m in tagged if m.state == state)
            if n or zeros == "include":
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


def user_summary(
    msgs: list[Message],
    zeros: str = "omit",
    private_fraction_of: str = "mentions_assigned",
    timeline: Timeline = _NO_CHANGES,
) -> list[dict[str, t.Any]]:
    out = []
    for uid, first, last in _agents(msgs, zeros, timeline):
        mine = [m for m in msgs if m.user_id == uid]
        s = summary(mine)
        responded = s["total_responded_to"]
        private = sum(1 for m in mine if m.responded and m.private)
        assigned = len(mine)
        private_base = assigned if private_fraction_of == "mentions_assigned" else responded
        out.append(
            {
                "first_name": first,
                "last_name": last,
                "mentions_assigned": assigned,
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
                "fraction_responded_to": responded / assigned if assigned else 0.0,
                "fraction_responded_to_in_private": private / private_base if private_base else 0.0,
                "fraction_broke_sla": s["broke_sla"] / responded if responded else 0.0,
                "fraction_broke_action_sla": s["broke_action_sla"] / responded
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


def case_classifications(
    cases: list[Case],
    zeros: str = "omit",
    day: int | None = None,
    timeline: Timeline = _NO_CHANGES,
) -> list[dict[str, t.Any]]:
    out = []
    for cid in sorted(CLASSIFICATIONS):
        name = classification_name(cid, day, timeline) if day is not None else CLASSIFICATIONS[cid]
        n = sum(1 for c in cases if cid in c.classification_ids)
        if n or zeros == "include":
            out.append({"classification_id": cid, "classification": name, "volume": n})
    return out


def nps_category_of(score: int) -> str:
    return "promoters" if score >= 9 else "passives" if score >= 7 else "detractors"


def nps_matches(sub: Submission, category: str) -> bool:
    if category == "all":
        return True
    return sub.score is not None and nps_category_of(sub.score) == category


def nps_summary(subs: list[Submission], category: str = "all") -> dict[str, t.Any]:
    chosen = [s for s in subs if nps_matches(s, category)]
    scores = [s.score for s in chosen if s.score is not None]
    prom = sum(1 for v in scores if v >= 9)
    pas = sum(1 for v in scores if 7 <= v <= 8)
    det = sum(1 for v in scores if v < 7)
    received = len(scores)
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


# -- requests -> answers --------------------------------------------------------------------

AGGREGATE_TYPES = {
    "summary",
    "user_volume",
    "classifications",
    "user_summary",
    "case_summary",
    "case_classifications",
    "nps_summary",
}
SERIES_TYPES = {"states_volume", "response_volume", "case_volume", "nps_volume"}
EXPORT_TYPES = {"case_details", "nps_submissions", "mention_sla_export"}
NPS_TYPES = {"nps_summary", "nps_volume", "nps_submissions"}
#: the series the docs say turn hourly for short ranges
DOCUMENTED_HOURLY = {"states_volume", "response_volume"}


def parse_time(value: str) -> dt.datetime:
    parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def covered_range(body: dict[str, t.Any], knobs: Knobs) -> tuple[dt.datetime, dt.datetime]:
    """``[start, stop)`` a request covers: ``date_to`` inclusive (to the end of its whole
    second) or exclusive, per ``knobs.end_bound``."""
    start = parse_time(body["date_from"])
    end = parse_time(body["date_to"])
    if knobs.end_bound == "inclusive":
        end = end.replace(microsecond=0) + dt.timedelta(seconds=1)
    return start, end


def is_hourly(kind: str, start: dt.datetime, stop: dt.datetime, knobs: Knobs) -> bool:
    """ "If your query range is less than 4 days ... hours" (states_volume); "if your query
    range is 3 days or less, the intervals will be reduced to hourly" (response_volume)."""
    if kind not in DOCUMENTED_HOURLY and knobs.hourly_scope == "documented":
        return False
    if knobs.hourly_rule == "elapsed":
        span = stop - start
        if kind == "response_volume":
            return span <= dt.timedelta(days=3)
        return span < dt.timedelta(days=4)
    tz = _bucket_tz(start, knobs)
    first = start.astimezone(tz).date()
    last = (stop - dt.timedelta(microseconds=1)).astimezone(tz).date()
    days = (last - first).days + 1
    return days <= 3 if kind == "response_volume" else days < 4


def _bucket_tz(start: dt.datetime, knobs: Knobs) -> dt.tzinfo:
    if knobs.bucket_offset == "utc":
        return dt.UTC
    offset = start.utcoffset() or dt.timedelta(0)
    return dt.timezone(offset)


def buckets(
    kind: str, start: dt.datetime, stop: dt.datetime, knobs: Knobs
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Whole days (or hours) in the request's fixed UTC offset, from the one holding
    ``start`` to the one holding the last covered instant (every day 24 h in that offset)."""
    hourly = is_hourly(kind, start, stop, knobs)
    step = dt.timedelta(hours=1) if hourly else dt.timedelta(days=1)
    local = start.astimezone(_bucket_tz(start, knobs))
    cursor = local.replace(minute=0, second=0, microsecond=0)
    if not hourly:
        cursor = cursor.replace(hour=0)
    out = []
    while cursor < stop:
        out.append((cursor, cursor + step))
        cursor += step
    return out


@dataclass(frozen=True)
class World:
    """Everything an answer depends on: seed, revision timeline, clock and knobs."""

    seed: int = 7
    now: float = 0.0
    timeline: Timeline = field(default_factory=Timeline)
    knobs: Knobs = field(default_factory=Knobs)

    @property
    def revision(self) -> int:
        return self.timeline.revision

    # -- event selections -----------------------------------------------------------------

    def messages(self, a: float, b: float) -> list[Message]:
        return messages(self.seed, a, b, self.timeline)

    def cases_closed(self, a: float, b: float) -> list[Case]:
        return cases_closed(self.seed, a, b, self.timeline, self.now)

    def cases_open(self, a: float, b: float) -> list[Case]:
        return cases_open(self.seed, a, b, self.timeline, self.now)

    def cases_actioned(self, a: float, b: float) -> list[Case]:
        return cases_actioned(self.seed, a, b, self.timeline)

    def submissions(self, a: float, b: float, form: int) -> list[Submission]:
        return submissions(self.seed, a, b, form, self.timeline)

    # -- answers --------------------------------------------------------------------------

    def sample_answer(self, body: dict[str, t.Any]) -> t.Any | None:
        """The docs' sample for ``body`` when the ``doc_samples`` knob serves one."""
        mode = self.knobs.doc_samples
        kind = body.get("type")
        if mode == "off" or kind not in samples.REPORT_SAMPLES:
            return None
        if mode == "match":
            key = samples.sample_key(body, self.knobs.user_volume_shape)
            if key is None:
                return None
        else:
            per_agent = kind == "user_volume" and self.knobs.user_volume_shape == "per_agent"
            key = "user_volume_per_agent" if per_agent else str(kind)
        return json.loads(samples.REPORT_SAMPLES[key])

    def answer(self, body: dict[str, t.Any]) -> t.Any:
        """The JSON value ``POST /v1/activity/reports`` answers for a valid report ``body``."""
        sample = self.sample_answer(body)
        if sample is not None:
            return sample
        kind = str(body["type"])
        start, stop = covered_range(body, self.knobs)
        if kind in SERIES_TYPES:
            return self.series(kind, start, stop, body)
        return self.aggregate(kind, start, stop, body)

    def aggregate(
        self, kind: str, start_dt: dt.datetime, stop_dt: dt.datetime, body: dict[str, t.Any]
    ) -> t.Any:
        start, stop = start_dt.timestamp(), stop_dt.timestamp()
        k = self.knobs
        last_day = day_of(_us(stop) - 1)
        if kind == "nps_summary":
            subs = self.submissions(start, stop, int(body["form"]))
            return nps_summary(subs, body.get("nps_category", "all"))
        if kind in ("case_summary", "case_classifications"):
            if kind == "case_summary":
                return case_summary(self.cases_closed(start, stop))
            if k.case_classifications_of == "opened":
                cases = self.cases_actioned(start, stop)
            else:
                cases = self.cases_closed(start, stop)
            return case_classifications(cases, k.zeros, last_day, self.timeline)
        msgs = self.messages(start, stop)
        if kind == "summary":
            return summary(msgs)
        if kind == "user_volume":
            if k.user_volume_shape == "per_agent":
                return user_states(msgs, k.zeros, self.timeline)
            return state_totals(msgs, k.zeros)
        if kind == "classifications":
            return classifications(msgs, k.zeros, last_day, self.timeline)
        if kind == "user_summary":
            return user_summary(msgs, k.zeros, k.private_fraction_of, self.timeline)
        raise ValueError(f"not a report type: {kind}")

    def series(
        self, kind: str, start: dt.datetime, stop: dt.datetime, body: dict[str, t.Any]
    ) -> t.Any:
        k = self.knobs
        spans = [
            (b0, b1, max(b0, start).timestamp(), min(b1, stop).timestamp())
            for b0, b1 in buckets(kind, start, stop, k)
        ]

        def label(moment: dt.datetime) -> dict[str, str]:
            return {"date_from": moment.strftime("%Y-%m-%d %H:%M")}

        if kind == "states_volume":
            out: dict[str, list[dict[str, t.Any]]] = {}
            per_bucket = [
                (b0, state_totals(self.messages(a, b), "include")) for b0, _, a, b in spans
            ]
            for state in STATES:
                rows = [
                    {"state": state, "value": row["volume"], "date_range": label(b0)}
                    for b0, totals in per_bucket
                    for row in totals
                    if row["state"] == state and (row["volume"] or k.zeros == "include")
                ]
                if rows:
                    out[state] = rows
            return out
        if kind == "response_volume":
            values = []
            for b0, _, a, b in spans:
                avg = summary(self.messages(a, b))["avg_response_time"]
                if avg is None and k.zeros == "omit":
                    continue
                value = 0.0 if avg is None else avg
                if k.response_volume_unit == "minutes":
                    value = value / 60
                values.append({"value": value, "date_range": label(b0)})
            return {"avg_response_time": values}
        if kind == "case_volume":
            return {
                "open": [
                    {"value": len(self.cases_open(a, b)), "date_range": label(b0)}
                    for b0, _, a, b in spans
                ]
            }
        form = int(body["form"])
        category = body.get("nps_category", "all")
        out_nps = []
        for b0, b1, a, b in spans:
            mark = b1 if k.nps_label == "end" else b0
            out_nps.append(
                {
                    "date": mark.astimezone(dt.UTC).isoformat(),
                    "timestamp": int(mark.timestamp()),
                    "data": nps_summary(self.submissions(a, b, form), category),
                }
            )
        return out_nps


def make_timeline(
    now: float, revision: int = 0, anchors: t.Sequence[int] | None = None, volatile_days: int = 2
) -> Timeline:
    """``anchors`` (UTC day ordinals of steps 1..revision) default to ``now``'s UTC day."""
    if anchors is None:
        anchors = [day_of(_us(now))] * revision
    if len(anchors) != revision:
        raise ValueError("anchors must hold one day per revision step")
    return Timeline(tuple(anchors), volatile_days)


def truth(
    body: dict[str, t.Any],
    *,
    now: float | dt.datetime,
    seed: int = 7,
    revision: int = 0,
    anchors: t.Sequence[int] | None = None,
    volatile_days: int = 2,
    knobs: Knobs | dict[str, str] | None = None,
) -> t.Any:
    """The exact JSON answer of ``POST /v1/activity/reports`` for a valid ``body``."""
    moment = now.timestamp() if isinstance(now, dt.datetime) else float(now)
    if isinstance(knobs, dict):
        knobs = Knobs(**knobs)
    world = World(
        seed, moment, make_timeline(moment, revision, anchors, volatile_days), knobs or Knobs()
    )
    return world.answer(body)
