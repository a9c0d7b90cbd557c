"""Deterministic LiveChat activity (chats, greetings, queue events, visits, agent shifts)
generated per UTC hour from a seed, and the exact report values computed from it.

Every answer of the LiveChat simulator (:mod:`sandbox.livechat`) is computed by the
functions of this module, and tests call the same functions (above all :func:`truth`) to
know the exact answer of any report for any range, timezone, filters, revision and knob.

Instants have microsecond resolution (the docs: "RFC3339 with optional resolution of
microseconds"): events are kept as integer epoch microseconds (``Chat.us``); ``Chat.ts``
is the same instant in float seconds. Besides random instants every active UTC day has
chats on the edges of days: at 23:59:59.700000 UTC, at 23:59:59.999999 UTC (even days),
at 00:00:00.000000 UTC (days divisible by 3) and at 23:59:59.700000 Europe/Warsaw (the
default agent timezone), so a window that drops the last second of a day, or an exclusive
``to`` read as inclusive, loses or gains chats.

Quiet days: two UTC days out of every eleven have no activity at all, so a local day in any
timezone within +-12 h of UTC that falls inside them is reported as empty (``{}``).
Campaign days: one UTC day in five (``day % 5 == 2``) shows 130 distinct greetings, more
than the 100 values per day that ``greetings_conversion`` returns.

Revisions (data that changes between runs). :class:`World` carries ``revision`` (default
0), ``now`` and ``volatile_days`` (default 2). Only the *volatile* UTC days change: the day
of ``now`` and the ``volatile_days`` days before it; older days never change, and revision
0 is the base data everywhere. Moving from revision ``r`` to ``r + 1`` on volatile days:

* more chats, greetings, queue leaves and visits arrive (late-synced activity, every step);
* chats still open close later: their ``duration`` / ``agents_chatting_duration`` grow
  until the revision they close at;
* chats get rated late, and some chats are reopened and closed again (``continuous``
  becomes true, duration grows, a good rating turns bad);
* from revision 1 the tag ``docs_feedback`` is removed from every chat (its key disappears
  from ``chats/tags`` and ``tags/chat_usage``) and the tag ``billing`` is renamed
  ``invoices``;
* from revision 2 the agent ``dan@acme.example`` has left: his chats become unassigned and
  his shifts are gone, so he drops out of ``chats/ranking`` and ``agents/performance``.

Events after ``now`` do not exist yet (``World.now`` None: no cut-off, no volatile days).

Truth: ``truth(method, day, *, timezone="UTC", seed=11, revision=0, now=None,
volatile_days=2, filters=NO_FILTERS, **knobs)`` -> the value the API gives for the local
``day`` (``"YYYY-MM-DD"``) of ``timezone``: for a distributed report the record of that day
(``records[day]``, zero fields left out, ``{}`` when empty); for ranking, forms,
performance, chat_usage, unique_visitors and queued_visitors_left the answer (records /
summary / total) for a request spanning that day. ``greetings_conversion_truth(day, ...)``
-> ``{"full": {...}, "returned": {...}}``: every greeting of the day and the at most 100
that the API returns. ``LiveChatApp.truth(method, body)`` gives the whole JSON body for any
request at the app's current revision and knobs. ``knobs`` are the :class:`World` fields
(``count_reading``, ``greetings_pick``, ``greetings_total``, ``engagement_day_total``,
``instant_fraction``, ``left_without_details``), described in :mod:`sandbox.livechat`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import math
import random
import typing as t
from collections import Counter
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

US = 1_000_000
HOUR_US = 3600 * US
DAY_US = 86400 * US

#: (email, groups the agent belongs to)
AGENTS: list[tuple[str, tuple[int, ...]]] = [
    ("anna@acme.example", (0, 1)),
    ("bob@acme.example", (0,)),
    ("carol@acme.example", (1, 42)),
    ("dan@acme.example", (2,)),
    ("eve@acme.example", (0, 2, 42)),
    ("frank@acme.example", (1, 2)),
]
AGENT_EMAILS = [a for a, _ in AGENTS]
AGENT_GROUPS = dict(AGENTS)
GROUPS = [0, 1, 2, 42]
TAGS = ["spam", "support", "sales", "billing", "docs_feedback"]
#: From revision 1 on volatile days: the tag that drops to zero, and a renamed tag.
DROPPED_TAG = "docs_feedback"
RENAMED_TAGS = {"billing": "invoices"}
#: From revision 2 on volatile days this agent has left.
LEAVING_AGENT = "dan@acme.example"
GREETINGS = [str(7834501 + i) for i in range(8)]
#: One UTC day in five shows this many distinct greetings (more than the API returns).
CAMPAIGN_GREETINGS = [str(7835000 + i) for i in range(130)]
CAMPAIGN_EVERY, CAMPAIGN_DAY = 5, 2
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
EDGE_ZONE = ZoneInfo("Europe/Warsaw")
#: "The method will return only up to 100 values for each day."
GREETINGS_PER_DAY = 100

#: Knob values of :class:`World` (see the docstring of :mod:`sandbox.livechat`).
COUNT_READINGS = ("all_chats", "subject")
GREETINGS_PICKS = ("id", "displayed")
GREETINGS_TOTALS = ("all", "returned")
LEFT_WITHOUT_DETAILS = ("without", "with")


@dataclass(frozen=True)
class World:
    """Which data and which reading of the docs: seed, revision, clock and knobs."""

    seed: int = 11
    revision: int = 0
    #: epoch microseconds of the simulator's clock; None: no cut-off and no volatile days
    now_us: int | None = None
    volatile_days: int = 2
    count_reading: str = "all_chats"
    greetings_pick: str = "id"
    greetings_total: str = "all"
    engagement_day_total: bool = False
    instant_fraction: bool = False
    left_without_details: str = "without"
    #: restrict events to these [start, end) epoch-microsecond spans (day-hours buckets)
    spans: tuple[tuple[int, int], ...] | None = None

    @property
    def today(self) -> int | None:
        """The UTC day index (epoch days) of ``now``."""
        return None if self.now_us is None else self.now_us // DAY_US

    def revision_of_day(self, day: int) -> int:
        """The revision the data of UTC day ``day`` is at (0 unless the day is volatile)."""
        today = self.today
        if today is None or self.revision == 0:
            return 0
        return self.revision if today - self.volatile_days <= day <= today else 0

    def exists(self, us: int) -> bool:
        if self.spans is not None and not any(a <= us < b for a, b in self.spans):
            return False
        return self.now_us is None or us <= self.now_us


def as_world(world: World | int) -> World:
    return world if isinstance(world, World) else World(seed=world)


def make_world(
    *,
    seed: int = 11,
    revision: int = 0,
    now: dt.datetime | None = None,
    volatile_days: int = 2,
    **knobs: t.Any,
) -> World:
    return World(
        seed=seed,
        revision=revision,
        now_us=None if now is None else to_us(now),
        volatile_days=volatile_days,
        **knobs,
    )


def to_us(moment: dt.datetime | float) -> int:
    """Epoch microseconds of an aware datetime or of epoch seconds (exact for microseconds)."""
    if isinstance(moment, dt.datetime):
        return (moment - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)
    return round(moment * US)


@dataclass(frozen=True)
class Chat:
    id: str
    us: int
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
    #: revision behaviour: still open until this revision (0: closed at revision 0)
    open_until: int = 0
    #: reopened and closed again at this revision (0: never)
    reopen_at: int = 0
    #: (revision, rating) given late, or None
    late_rating: tuple[int, str] | None = None

    @property
    def ts(self) -> float:
        return self.us / US


@dataclass(frozen=True)
class GreetingEvent:
    us: int
    greeting_id: str
    group: int
    canceled: bool
    accepted: bool
    goal: bool

    @property
    def ts(self) -> float:
        return self.us / US


@dataclass(frozen=True)
class QueueLeave:
    chat_id: str
    us: int  # when the visitor entered the queue
    visitor_id: str
    ip: str
    duration: int
    group: int
    with_details: bool

    @property
    def ts(self) -> float:
        return self.us / US


@dataclass(frozen=True)
class Visit:
    us: int
    visitor_id: str
    page_views: int

    @property
    def ts(self) -> float:
        return self.us / US


@dataclass(frozen=True)
class Shift:
    """One agent's statuses within one hour: [start, end) epoch-second intervals."""

    agent: str
    accepting: tuple[float, float] | None
    not_accepting: tuple[float, float] | None


@dataclass(frozen=True)
class SetFilter:
    """A documented ``<string_filter_type>`` / ``<integer_filter_type>`` on a set of values."""

    exists: bool | None = None
    values: tuple[t.Any, ...] | None = None
    exclude_values: tuple[t.Any, ...] | None = None
    require_every_value: bool = False

    def match(self, have: set[t.Any]) -> bool:
        if self.exists is not None and bool(have) != self.exists:
            return False
        if self.values is not None:
            wanted = set(self.values)
            ok = wanted <= have if self.require_every_value else bool(wanted & have)
            if not ok:
                return False
        if self.exclude_values is not None:
            banned = set(self.exclude_values)
            hit = banned <= have if self.require_every_value else bool(banned & have)
            if hit:
                return False
        return True


@dataclass(frozen=True)
class Filters:
    """The report filters the simulator applies.

    ``groups``/``agents``/``tags``/``exclude_tags`` are the short forms (``values`` and
    ``exclude_values``); ``group_filter``/``agent_filter``/``tag_filter`` the full
    documented filter types (``exists``, ``values``, ``exclude_values``,
    ``require_every_value``). Both apply when given.
    """

    groups: tuple[int, ...] | None = None
    agents: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    exclude_tags: tuple[str, ...] = field(default_factory=tuple)
    group_filter: SetFilter | None = None
    agent_filter: SetFilter | None = None
    tag_filter: SetFilter | None = None

    def chat(self, chat: Chat) -> bool:
        if self.groups is not None and chat.group not in self.groups:
            return False
        if self.agents is not None and chat.agent not in self.agents:
            return False
        if self.tags is not None and not set(chat.tags) & set(self.tags):
            return False
        if set(chat.tags) & set(self.exclude_tags):
            return False
        if self.group_filter is not None and not self.group_filter.match({chat.group}):
            return False
        agents = {chat.agent} if chat.agent else set()
        if self.agent_filter is not None and not self.agent_filter.match(agents):
            return False
        return self.tag_filter is None or self.tag_filter.match(set(chat.tags))

    def agent(self, email: str) -> bool:
        if self.agents is not None and email not in self.agents:
            return False
        if self.agent_filter is not None and not self.agent_filter.match({email}):
            return False
        member = set(AGENT_GROUPS[email])
        if self.groups is not None and not member & set(self.groups):
            return False
        return self.group_filter is None or any(self.group_filter.match({g}) for g in member)

    def group(self, group: int) -> bool:
        if self.groups is not None and group not in self.groups:
            return False
        return self.group_filter is None or self.group_filter.match({group})

    def only_groups(self) -> Filters:
        return Filters(groups=self.groups, group_filter=self.group_filter)


NO_FILTERS = Filters()


def _rng(seed: int, *parts: int) -> random.Random:
    return random.Random(f"livechat:{seed}:" + ":".join(str(p) for p in parts))


def quiet_hour(hour: int) -> bool:
    return (hour // 24) % QUIET_EVERY in QUIET_DAYS


def campaign_day(day: int) -> bool:
    return day % CAMPAIGN_EVERY == CAMPAIGN_DAY


def _chat_id(rng: random.Random) -> str:
    return "S" + "".join(rng.choice(ID_ALPHABET) for _ in range(9))


def _make_chat(rng: random.Random, us: int) -> Chat:
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
    rating = rng.choices(["good", "bad", "neutral", None], [25, 10, 10, 55])[0]
    late_rating = None
    if rating is None and rng.random() < 0.3:
        late_rating = (rng.randint(1, 3), rng.choice(["good", "bad"]))
    return Chat(
        id=_chat_id(rng),
        us=us,
        agent=agent,
        group=group,
        tags=tuple(sorted(rng.sample(TAGS, rng.choice([0, 1, 1, 2])))),
        continuous=rng.random() < 0.3,
        duration=duration,
        agents_chatting_duration=rng.randint(30, duration),
        started_by=started_by,
        greeting_id=rng.choice(GREETINGS) if started_by == "customer_from_greeting" else None,
        rating=rating,
        response_time=round(rng.uniform(3, 120), 2) if replied else None,
        first_response_time=round(rng.uniform(2, 90), 2) if replied else None,
        form=form,
        queued_seconds=rng.randint(0, 300) if rng.random() < 0.2 else None,
        country=rng.choice(COUNTRIES),
        open_until=rng.randint(1, 3) if rng.random() < 0.15 else 0,
        reopen_at=rng.randint(1, 3) if rng.random() < 0.08 else 0,
        late_rating=late_rating,
    )


def edge_instants(day: int) -> list[int]:
    """Chats on the edges of UTC day ``day`` (epoch microseconds)."""
    start, end = day * DAY_US, (day + 1) * DAY_US
    out = [end - 300_000]  # 23:59:59.700000 UTC
    if day % 2 == 0:
        out.append(end - 1)  # 23:59:59.999999 UTC
    if day % 3 == 0:
        out.append(start)  # 00:00:00.000000 UTC
    local = dt.datetime.fromtimestamp(day * 86400 + 43200, EDGE_ZONE).date()
    nxt = local + dt.timedelta(days=1)
    midnight = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=EDGE_ZONE)
    out.append(to_us(midnight) - 300_000)  # 23:59:59.700000 Europe/Warsaw
    return [us for us in out if start <= us < end]


@functools.lru_cache(maxsize=100_000)
def hour_chats(seed: int, hour: int) -> tuple[Chat, ...]:
    """The chats of one UTC hour at revision 0."""
    if quiet_hour(hour):
        return ()
    rng = _rng(seed, 1, hour)
    out = []
    for _ in range(rng.choice([0, 1, 1, 2, 2, 3, 4, 5])):
        out.append(_make_chat(rng, hour * HOUR_US + rng.randrange(HOUR_US)))
    for us in edge_instants(hour // 24):
        if hour * HOUR_US <= us < (hour + 1) * HOUR_US:
            out.append(_make_chat(_rng(seed, 9, us), us))
    return tuple(sorted(out, key=lambda c: (c.us, c.id)))


def _revise(chat: Chat, revision: int) -> Chat:
    """``chat`` as it reads at ``revision`` (on a volatile day)."""
    if revision == 0:
        return chat
    tags = tuple(sorted({RENAMED_TAGS.get(x, x) for x in chat.tags if x != DROPPED_TAG}))
    agent = None if revision >= 2 and chat.agent == LEAVING_AGENT else chat.agent
    grow = min(revision, chat.open_until) * 600
    duration = chat.duration + grow
    chatting = chat.agents_chatting_duration + grow // 2
    continuous, rating = chat.continuous, chat.rating
    if chat.late_rating and revision >= chat.late_rating[0]:
        rating = chat.late_rating[1]
    if chat.reopen_at and revision >= chat.reopen_at:
        continuous = True
        duration += 900
        chatting += 300
        rating = "bad" if rating in ("good", None) else rating
    return dataclasses.replace(
        chat,
        tags=tags,
        agent=agent,
        duration=duration,
        agents_chatting_duration=chatting,
        continuous=continuous,
        rating=rating,
    )


@functools.lru_cache(maxsize=100_000)
def hour_chats_at(seed: int, hour: int, revision: int) -> tuple[Chat, ...]:
    """The chats of one UTC hour at ``revision`` (late chats added, changes applied)."""
    base = list(hour_chats(seed, hour))
    if revision == 0 or quiet_hour(hour):
        return tuple(base)
    for step in range(1, revision + 1):
        rng = _rng(seed, 6, hour, step)
        for _ in range(rng.choice([0, 1, 1, 2])):
            base.append(_make_chat(rng, hour * HOUR_US + rng.randrange(HOUR_US)))
    return tuple(sorted((_revise(c, revision) for c in base), key=lambda c: (c.us, c.id)))


@functools.lru_cache(maxsize=100_000)
def hour_greetings(seed: int, hour: int, revision: int = 0) -> tuple[GreetingEvent, ...]:
    if quiet_hour(hour):
        return ()
    out = []

    def greeting(rng: random.Random, greeting_id: str) -> GreetingEvent:
        accepted = rng.random() < 0.3
        return GreetingEvent(
            us=hour * HOUR_US + rng.randrange(HOUR_US),
            greeting_id=greeting_id,
            group=rng.choice(GROUPS),
            canceled=not accepted and rng.random() < 0.4,
            accepted=accepted,
            goal=accepted and rng.random() < 0.5,
        )

    rng = _rng(seed, 2, hour)
    for _ in range(rng.choice([0, 0, 1, 2, 3])):
        out.append(greeting(rng, rng.choice(GREETINGS)))
    if campaign_day(hour // 24):
        # every campaign greeting is shown at least once a UTC day, some more often
        n = len(CAMPAIGN_GREETINGS)
        for i in range(hour % 24 * 6, hour % 24 * 6 + 6):
            out.append(greeting(rng, CAMPAIGN_GREETINGS[i % n]))
        for _ in range(rng.randint(0, 4)):
            out.append(greeting(rng, rng.choice(CAMPAIGN_GREETINGS[-40:])))
    for step in range(1, revision + 1):
        late = _rng(seed, 7, hour, step)
        for _ in range(late.choice([0, 1, 1])):
            out.append(greeting(late, late.choice(GREETINGS)))
    return tuple(sorted(out, key=lambda g: (g.us, g.greeting_id)))


@functools.lru_cache(maxsize=100_000)
def hour_queue_leaves(seed: int, hour: int, revision: int = 0) -> tuple[QueueLeave, ...]:
    if quiet_hour(hour):
        return ()
    out = []
    streams = [(_rng(seed, 3, hour), [0, 0, 0, 0, 0, 1])]
    streams += [(_rng(seed, 8, hour, s), [0, 0, 0, 1]) for s in range(1, revision + 1)]
    for rng, choices in streams:
        for _ in range(rng.choice(choices)):
            out.append(
                QueueLeave(
                    chat_id=_chat_id(rng),
                    us=hour * HOUR_US + rng.randrange(HOUR_US),
                    visitor_id=str(rng.getrandbits(128).to_bytes(16, "big").hex()),
                    ip=f"169.50.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
                    duration=rng.randint(5, 600),
                    group=rng.choice(GROUPS),
                    with_details=rng.random() < 0.4,
                )
            )
    return tuple(sorted(out, key=lambda q: (q.us, q.chat_id)))


@functools.lru_cache(maxsize=100_000)
def hour_visits(seed: int, hour: int, revision: int = 0) -> tuple[Visit, ...]:
    if quiet_hour(hour):
        return ()
    out = []
    streams = [(_rng(seed, 4, hour), 12)] + [
        (_rng(seed, 10, hour, s), 3) for s in range(1, revision + 1)
    ]
    for rng, most in streams:
        for _ in range(rng.randint(0, most)):
            out.append(
                Visit(
                    hour * HOUR_US + rng.randrange(HOUR_US),
                    f"v{rng.randint(1, 400)}",
                    rng.randint(1, 9),
                )
            )
    return tuple(sorted(out, key=lambda v: (v.us, v.visitor_id)))


@functools.lru_cache(maxsize=100_000)
def hour_shifts(seed: int, hour: int, revision: int = 0) -> tuple[Shift, ...]:
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
    if revision >= 2:
        out = [s for s in out if s.agent != LEAVING_AGENT]
    return tuple(out)


def _hours(start_us: int, end_us: int) -> range:
    return range(start_us // HOUR_US, -(-end_us // HOUR_US))


def _span(start: float | int, end: float | int) -> tuple[int, int]:
    return to_us(start), to_us(end)


def chats(world: World | int, start: float, end: float, flt: Filters = NO_FILTERS) -> list[Chat]:
    """Chats that started in ``[start, end)`` (epoch seconds, exact to the microsecond)
    and pass the filters."""
    w = as_world(world)
    a, b = _span(start, end)
    return [
        c
        for h in _hours(a, b)
        for c in hour_chats_at(w.seed, h, w.revision_of_day(h // 24))
        if a <= c.us < b and w.exists(c.us) and flt.chat(c)
    ]


def greetings(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> list[GreetingEvent]:
    w = as_world(world)
    a, b = _span(start, end)
    return [
        g
        for h in _hours(a, b)
        for g in hour_greetings(w.seed, h, w.revision_of_day(h // 24))
        if a <= g.us < b and w.exists(g.us) and flt.group(g.group)
    ]


def queue_leaves(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> list[QueueLeave]:
    w = as_world(world)
    a, b = _span(start, end)
    return [
        q
        for h in _hours(a, b)
        for q in hour_queue_leaves(w.seed, h, w.revision_of_day(h // 24))
        if a <= q.us < b and w.exists(q.us) and flt.group(q.group)
    ]


def visits(world: World | int, start: float, end: float) -> list[Visit]:
    w = as_world(world)
    a, b = _span(start, end)
    return [
        v
        for h in _hours(a, b)
        for v in hour_visits(w.seed, h, w.revision_of_day(h // 24))
        if a <= v.us < b and w.exists(v.us)
    ]


def shifts(world: World | int, start: float, end: float) -> list[Shift]:
    """Shifts of the hours overlapping ``[start, end)``, cut at ``now``."""
    w = as_world(world)
    a, b = _span(start, end)
    out = []
    for h in _hours(a, b):
        for s in hour_shifts(w.seed, h, w.revision_of_day(h // 24)):
            if w.now_us is not None:
                now = w.now_us / US
                s = Shift(s.agent, _cut(s.accepting, now), _cut(s.not_accepting, now))
            out.append(s)
    return out


def _cut(interval: tuple[float, float] | None, now: float) -> tuple[float, float] | None:
    if interval is None or interval[0] >= now:
        return None
    return (interval[0], min(interval[1], now))


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
# Distributed reports: ``<report>_bucket(world, start, end, flt)`` gives one period's record
# as the API sends it (zero-valued fields left out, ``{}`` when empty), and
# ``report_total(method, world, ...)`` the report's ``total`` over a range. ``world`` is a
# :class:`World` or just a seed (revision 0, no clock, default knobs).


def _sparse(values: dict[str, t.Any]) -> dict[str, t.Any]:
    """The API leaves out zero-valued and absent fields (the samples' ``{"chats": 2}``)."""
    return {k: v for k, v in values.items() if v not in (0, None)}


def _mean(values: t.Sequence[float]) -> float | None:
    """An average as the API sends it: a plain (fractional) number."""
    return sum(values) / len(values) if values else None


def duration_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(world, start, end, flt)
    return _sparse(
        {
            "agents_chatting_duration": _mean([c.agents_chatting_duration for c in cs]),
            "count": len(cs),
            "duration": _mean([c.duration for c in cs]),
        }
    )


def tags_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    counts: Counter[str] = Counter(tag for c in chats(world, start, end, flt) for tag in c.tags)
    return dict(sorted(counts.items()))


def total_chats_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(world, start, end, flt)
    return _sparse({"total": len(cs), "continuous": sum(c.continuous for c in cs)})


def _counted(world: World | int, cs: list[Chat], subject: t.Callable[[Chat], bool]) -> int:
    """``chats``/``count``: every chat (the docs' text) or the report's subject only."""
    if as_world(world).count_reading == "subject":
        return sum(1 for c in cs if subject(c))
    return len(cs)


def _rated(c: Chat) -> bool:
    return c.rating is not None


def ratings_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(world, start, end, flt)
    return _sparse(
        {
            "bad": sum(c.rating == "bad" for c in cs),
            "chats": _counted(world, cs, _rated),
            "good": sum(c.rating == "good" for c in cs),
        }
    )


def engagement_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(world, start, end, flt)
    kinds = Counter(c.started_by for c in cs)
    out = {
        "started_by_customer_from_greeting": kinds["customer_from_greeting"],
        "started_by_customer_without_greeting": kinds["customer_without_greeting"],
        "started_by_agent": kinds["agent"],
    }
    if as_world(world).engagement_day_total:
        out = {"total": len(cs), **out}
    return _sparse(out)


def _greeting_rows(events: t.Iterable[GreetingEvent]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for g in events:
        row = out.setdefault(
            g.greeting_id, {"accepted": 0, "canceled": 0, "displayed": 0, "goals": 0}
        )
        row["displayed"] += 1
        row["accepted"] += g.accepted
        row["canceled"] += g.canceled
        row["goals"] += g.goal
    return out


def returned_greeting_ids(world: World | int, rows: dict[str, dict[str, int]]) -> set[str]:
    """The at most 100 greetings of one day that the API returns (knob ``greetings_pick``)."""
    if as_world(world).greetings_pick == "displayed":
        order = sorted(rows, key=lambda k: (-rows[k]["displayed"], k))
    else:
        order = sorted(rows)
    return set(order[:GREETINGS_PER_DAY])


def greetings_returned(
    world: World | int,
    start: float,
    end: float,
    flt: Filters = NO_FILTERS,
    tz: dt.tzinfo | None = None,
) -> list[GreetingEvent]:
    """The greeting events of ``[start, end)`` the API counts: per local day of ``tz``
    (clipped to the range; ``tz`` None: the range is one day) only the events of the
    greetings :func:`returned_greeting_ids` picks for that day."""
    events = greetings(world, start, end, flt)
    if tz is None:
        allowed = returned_greeting_ids(world, _greeting_rows(events))
        return [g for g in events if g.greeting_id in allowed]
    by_day: dict[dt.date, list[GreetingEvent]] = {}
    for g in events:
        by_day.setdefault(instant(g.us).astimezone(tz).date(), []).append(g)
    out: list[GreetingEvent] = []
    for day_events in by_day.values():
        allowed = returned_greeting_ids(world, _greeting_rows(day_events))
        out.extend(g for g in day_events if g.greeting_id in allowed)
    return sorted(out, key=lambda g: (g.us, g.greeting_id))


def greetings_conversion_rows(events: t.Iterable[GreetingEvent]) -> dict[str, t.Any]:
    rows = _greeting_rows(events)
    return {k: _sparse(rows[k]) for k in sorted(rows)}


def greetings_conversion_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    """One day's record (``[start, end)`` taken as that day): at most 100 greetings."""
    return greetings_conversion_rows(greetings_returned(world, start, end, flt))


def _responded(c: Chat) -> bool:
    return c.response_time is not None


def _first_responded(c: Chat) -> bool:
    return c.first_response_time is not None


def response_time_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(world, start, end, flt)
    times = [c.response_time for c in cs if c.response_time is not None]
    return _sparse({"count": _counted(world, cs, _responded), "response_time": _mean(times)})


def first_response_time_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    cs = chats(world, start, end, flt)
    times = [c.first_response_time for c in cs if c.first_response_time is not None]
    return _sparse(
        {"count": _counted(world, cs, _first_responded), "first_response_time": _mean(times)}
    )


def groups_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    counts = Counter(str(c.group) for c in chats(world, start, end, flt))
    return dict(sorted(counts.items(), key=lambda kv: int(kv[0])))


def _stats(values: list[int]) -> dict[str, t.Any] | None:
    if not values:
        return None
    return {
        "count": len(values),
        "min": min(values),
        "max": max(values),
        "avg": sum(values) / len(values),
    }


def queued_visitors_bucket(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    queued = [
        c.queued_seconds for c in chats(world, start, end, flt) if c.queued_seconds is not None
    ]
    left = [q.duration for q in queue_leaves(world, start, end, flt)]
    out = {"left_queue": _stats(left), "queued": _stats(queued)}
    return {k: v for k, v in out.items() if v is not None}


def availability_seconds(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> float:
    """Seconds of ``[start, end)`` during which at least one selected agent accepted chats."""
    intervals = []
    for shift in shifts(world, start, end):
        if shift.accepting is None or not flt.agent(shift.agent):
            continue
        a, b = max(shift.accepting[0], start), min(shift.accepting[1], end)
        if b > a:
            intervals.append((a, b))
    return _union_length(intervals)


def availability_bucket(
    world: World | int,
    start: float,
    end: float,
    flt: Filters = NO_FILTERS,
    *,
    unit: str = "hours",
) -> dict[str, t.Any]:
    seconds = availability_seconds(world, start, end, flt)
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
    method: str,
    world: World | int,
    start: float,
    end: float,
    flt: Filters = NO_FILTERS,
    tz: dt.tzinfo | None = None,
) -> t.Any:
    """The ``total`` of a distributed report over ``[start, end)`` ("The total number of
    chats in the specified date range"; availability: hours)."""
    w = as_world(world)
    if method == "chats/greetings_conversion":
        if w.greetings_total == "returned":
            return sum(g.accepted for g in greetings_returned(w, start, end, flt, tz))
        return sum(g.accepted for g in greetings(w, start, end, flt))
    if method == "agents/availability":
        return round(availability_seconds(w, start, end, flt) / 3600, 2)
    cs = chats(w, start, end, flt)
    if method == "chats/ratings":
        return _counted(w, cs, _rated)
    if method == "chats/response_time":
        return _counted(w, cs, _responded)
    if method == "chats/first_response_time":
        return _counted(w, cs, _first_responded)
    if method == "chats/queued_visitors":
        return sum(c.queued_seconds is not None for c in cs)
    return len(cs)


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


def ranking(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    """``records`` of chats/ranking: per agent ``total`` (every chat of the agent; knob
    ``count_reading=subject``: only chats rated good or bad), ``good``, ``bad`` (zeros
    kept, as in the sample) and ``score``."""
    subject = as_world(world).count_reading == "subject"
    out: dict[str, dict[str, t.Any]] = {}
    for c in chats(world, start, end, flt):
        if c.agent is None or (subject and c.rating not in ("good", "bad")):
            continue
        row = out.setdefault(c.agent, {"total": 0, "good": 0, "bad": 0})
        row["total"] += 1
        if c.rating in ("good", "bad"):
            row[c.rating] += 1
    for row in out.values():
        row["score"] = wilson_score(row["good"], row["bad"])
    return dict(sorted(out.items()))


def forms(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> list[dict[str, t.Any]]:
    submitted = [c.form for c in chats(world, start, end, flt) if c.form is not None]
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


def performance(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, t.Any]:
    """``{"records": {agent: {...}}, "summary": {...}}``. Counts and times are sent even
    when zero (the sample's ``"chats_rated_bad": 0``); ``first_response_time`` (an average)
    is left out when there is nothing to average. An agent appears when they had a chat or
    were logged in within the range."""
    agents = [a for a in AGENT_EMAILS if flt.agent(a)]
    chat_filter = Filters(groups=flt.groups, group_filter=flt.group_filter, agents=tuple(agents))
    cs = chats(world, start, end, chat_filter)
    times: dict[str, Counter[str]] = {a: Counter() for a in agents}
    for shift in shifts(world, start, end):
        if shift.agent not in times:
            continue
        acc = _clip(shift.accepting, start, end)
        nacc = _clip(shift.not_accepting, start, end)
        times[shift.agent]["accepting_chats_time"] += acc  # type: ignore[assignment]
        times[shift.agent]["not_accepting_chats_time"] += nacc  # type: ignore[assignment]
        times[shift.agent]["logged_in_time"] += acc + nacc  # type: ignore[assignment]

    def stats(mine: list[Chat]) -> dict[str, t.Any]:
        firsts = [c.first_response_time for c in mine if c.first_response_time is not None]
        out: dict[str, t.Any] = {
            "chats_count": len(mine),
            "chats_rated_bad": sum(c.rating == "bad" for c in mine),
            "chats_rated_good": sum(c.rating == "good" for c in mine),
            "first_response_chats_count": len(firsts),
        }
        if firsts:
            out["first_response_time"] = sum(firsts) / len(firsts)
        return out

    records = {}
    for agent in agents:
        mine = [c for c in cs if c.agent == agent]
        spent = times[agent]
        if not mine and not spent.get("logged_in_time"):
            continue
        record = {
            **stats(mine),
            "accepting_chats_time": round(spent.get("accepting_chats_time", 0)),
            "chatting_time": sum(c.agents_chatting_duration for c in mine),
            "logged_in_time": round(spent.get("logged_in_time", 0)),
            "not_accepting_chats_time": round(spent.get("not_accepting_chats_time", 0)),
        }
        records[agent] = dict(sorted(record.items()))
    summary = stats([c for c in cs if c.agent])
    return {"records": records, "summary": summary}


def chat_usage(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> dict[str, int]:
    counts = Counter(tag for c in chats(world, start, end, flt.only_groups()) for tag in c.tags)
    return dict(sorted(counts.items()))


def unique_visitors(world: World | int, start: float, end: float) -> dict[str, int]:
    vs = visits(world, start, end)
    return {
        "unique_visitors": len({v.visitor_id for v in vs}),
        "page_views": sum(v.page_views for v in vs),
    }


def queued_visitors_left(
    world: World | int, start: float, end: float, flt: Filters = NO_FILTERS
) -> list[QueueLeave]:
    return queue_leaves(world, start, end, flt)


def left_without_details(world: World | int, left: list[QueueLeave]) -> int:
    """``summary.left_without_details``: the visitors without details (the field's name;
    knob ``left_without_details=with``: those "with identifying data", the docs' wording)."""
    if as_world(world).left_without_details == "with":
        return sum(q.with_details for q in left)
    return sum(not q.with_details for q in left)


def queued_left_record(world: World | int, q: QueueLeave) -> dict[str, t.Any]:
    return {
        "visitor": {"id": q.visitor_id, "ip": q.ip},
        "queue": {
            "duration": q.duration,
            "group": q.group,
            "start_date": iso_us(q.us, fraction=as_world(world).instant_fraction),
        },
    }


def instant(us: int) -> dt.datetime:
    """The UTC datetime of epoch microseconds ``us``."""
    return dt.datetime(1970, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=us)


def iso_z(ts: float, *, fraction: bool = False) -> str:
    """Epoch seconds ``ts`` as the sample writes an instant (``2024-10-01T20:47:07Z``)."""
    return iso_us(to_us(ts), fraction=fraction)


def iso_us(us: int, *, fraction: bool = False) -> str:
    """Epoch microseconds as the sample writes an instant (``2024-10-01T20:47:07Z``, the
    fraction cut off); with ``fraction`` the microseconds too (``...:07.123456Z``)."""
    moment = instant(us)
    if fraction:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


# -- truth --------------------------------------------------------------------------------------


def local_day(day: str, timezone: str) -> tuple[float, float]:
    """``[start, end)`` epoch seconds of the local ``day`` (``YYYY-MM-DD``) in ``timezone``."""
    zone = ZoneInfo(timezone)
    d = dt.date.fromisoformat(day)
    nxt = d + dt.timedelta(days=1)
    a = dt.datetime(d.year, d.month, d.day, tzinfo=zone)
    b = dt.datetime(nxt.year, nxt.month, nxt.day, tzinfo=zone)
    return a.timestamp(), b.timestamp()


def truth(
    method: str,
    day: str,
    *,
    timezone: str = "UTC",
    seed: int = 11,
    revision: int = 0,
    now: dt.datetime | None = None,
    volatile_days: int = 2,
    filters: Filters = NO_FILTERS,
    **knobs: t.Any,
) -> t.Any:
    """The exact value the API gives for local ``day`` of ``timezone`` (see the module
    docstring): the day's record for a distributed report, else the report's answer for a
    request spanning that day (without ``name``; queued_visitors_left: every page)."""
    w = make_world(seed=seed, revision=revision, now=now, volatile_days=volatile_days, **knobs)
    a, b = local_day(day, timezone)
    if method == "chats/greetings_conversion":
        return greetings_conversion_bucket(w, a, b, filters)
    if method in BUCKETS:
        return BUCKETS[method](w, a, b, filters)
    if method == "chats/ranking":
        return {"records": ranking(w, a, b, filters)}
    if method == "chats/forms":
        return {"records": forms(w, a, b, filters)}
    if method == "agents/performance":
        return performance(w, a, b, filters)
    if method == "tags/chat_usage":
        return {"records": chat_usage(w, a, b, filters)}
    if method in ("stats/visitors", "customers/unique_visitors", "stats/unique_visitors"):
        return {"summary": unique_visitors(w, a, b)}
    if method == "chats/queued_visitors_left":
        left = queued_visitors_left(w, a, b, filters)
        return {
            "total": len(left),
            "left_without_details": left_without_details(w, left),
            "records": {q.chat_id: queued_left_record(w, q) for q in left},
        }
    raise KeyError(method)


def greetings_conversion_truth(
    day: str,
    *,
    timezone: str = "UTC",
    seed: int = 11,
    revision: int = 0,
    now: dt.datetime | None = None,
    volatile_days: int = 2,
    filters: Filters = NO_FILTERS,
    **knobs: t.Any,
) -> dict[str, dict[str, t.Any]]:
    """``{"full": every greeting of the day, "returned": the at most 100 the API sends}``."""
    w = make_world(seed=seed, revision=revision, now=now, volatile_days=volatile_days, **knobs)
    a, b = local_day(day, timezone)
    return {
        "full": greetings_conversion_rows(greetings(w, a, b, filters)),
        "returned": greetings_conversion_bucket(w, a, b, filters),
    }


# -- the vendor samples -----------------------------------------------------------------------

#: The vendor's response samples (API-FACTS.md 1.5, livechat-public-docs payloads/.../v3.6),
#: verbatim; where API-FACTS trimmed a sample, its ``"...": "(trimmed)"`` marker line is
#: left out (and the comma before it), so the text is what the notes show and valid JSON.
DOC_SAMPLES: dict[str, str] = {
    "chats/duration": """\
{
  "name": "duration-report",
  "total": 369,
  "records": {
    "2021-04-08": {
      "agents_chatting_duration": 10800,
      "count": 37,
      "duration": 12100
    },
    "2021-04-09": {
      "agents_chatting_duration": 7200,
      "count": 48,
      "duration": 8400
    },
    "2021-04-12": {}
  }
}""",
    "chats/tags": """\
{
  "name": "tags-report",
  "total": 369,
  "records": {
    "2021-04-08": {
      "spam": 14,
      "support": 19
    },
    "2021-04-09": {
      "spam": 22,
      "support": 34
    },
    "2021-04-12": {}
  }
}""",
    "chats/total_chats": """\
{
  "name": "total-chats-report",
  "total": 369,
  "records": {
    "2021-04-08": {
      "total": 37,
      "continuous": 15
    },
    "2021-04-09": {
      "total": 48,
      "continuous": 1
    },
    "2021-04-12": {}
  }
}""",
    "chats/ratings": """\
{
  "name": "ratings-report",
  "total": 83,
  "records": {
    "2021-04-08": {
      "bad": 6,
      "chats": 10,
      "good": 5
    },
    "2021-04-09": {
      "bad": 8,
      "chats": 23,
      "good": 10
    },
    "2021-04-12": {}
  }
}""",
    "chats/ranking": """\
{
  "name": "ranking-report",
  "records": {
    "smith@example.com": {
      "total": 2,
      "good": 0,
      "bad": 2,
      "score": 0.11473482425785904
    },
    "agent@example.com": {
      "total": 19,
      "good": 13,
      "bad": 6,
      "score": 0.42326713031463276
    }
  }
}""",
    "chats/engagement": """\
{
  "name": "engagement-report",
  "total": 7411,
  "records": {
    "2021-08-16": {
      "started_by_customer_from_greeting": 187,
      "started_by_customer_without_greeting": 689,
      "started_by_agent": 3
    },
    "2021-08-17": {
      "started_by_customer_from_greeting": 362,
      "started_by_customer_without_greeting": 1257,
      "started_by_agent": 2
    }
  }
}""",
    "chats/greetings_conversion": """\
{
  "name": "greetings-conversion-report",
  "total": 3,
  "records": {
    "2021-09-20": {},
    "2021-09-21": {},
    "2021-09-22": {}
  }
}""",
    "chats/forms": """\
{
  "name": "form-report",
  "records": [
    {
      "form_id": "163654772984908812",
      "count": 5,
      "group_id": 0,
      "fields": [
        {
          "field_id": "163654772984903574",
          "label": "Question:",
          "answers": [
            {
              "answer_id": 0,
              "label": "First answer",
              "count": 3
            },
            {
              "answer_id": 1,
              "label": "Second answer",
              "count": 2
            }
          ]
        }
      ]
    }
  ]
}""",
    "chats/response_time": """\
{
  "name": "response-time-report",
  "total": 39,
  "records": {
    "2021-04-08": {
      "count": 3,
      "response_time": 14.22
    },
    "2021-04-09": {
      "count": 4,
      "response_time": 41.35
    },
    "2021-04-12": {}
  }
}""",
    "chats/first_response_time": """\
{
  "name": "first-response-time-report",
  "total": 39,
  "records": {
    "2021-04-08": {
      "count": 3,
      "first_response_time": 14.22
    },
    "2021-04-09": {
      "count": 4,
      "first_response_time": 41.35
    },
    "2021-04-12": {}
  }
}""",
    "chats/groups": """\
{
  "name": "groups-report",
  "total": 29,
  "records": {
    "2024-08-20": {
      "0": 1,
      "2": 1
    },
    "2024-08-21": {
      "0": 20,
      "1": 2
    }
  }
}""",
    "chats/queued_visitors": """\
{
  "name": "queued-visitors-report",
  "total": 15,
  "records": {
    "2024-10-01": {
      "left_queue": {
        "count": 13,
        "min": 0,
        "max": 100,
        "avg": 20.5384615384615383
      },
      "queued": {
        "count": 13,
        "min": 0,
        "max": 20,
        "avg": 2.5384615384615383
      }
    },
    "2024-10-02": {
      "left_queue": {
        "count": 2,
        "min": 0,
        "max": 3,
        "avg": 0.21311475409836064
      },
      "queued": {
        "count": 2,
        "min": 1,
        "max": 10,
        "avg": 5.523131672597864
      }
    },
    "2024-10-03": {}
  }
}""",
    "chats/queued_visitors_left": """\
{
  "name": "queued-visitors-left-report",
  "total": 2,
  "summary": {
    "left_without_details": 2,
    "total_pages": 1
  },
  "records": {
    "SK0P33W2ZJ": {
      "visitor": {
        "id": "0f864f86-556e-46a9-848e-d2d5fe0a8fe0",
        "ip": "169.50.11.126"
      },
      "queue": {
        "duration": 123,
        "group": 0,
        "start_date": "2024-10-01T20:47:07Z"
      }
    },
    "SK0Q3SGMBN": {
      "visitor": {
        "id": "04e8c9b6-8dc3-4067-a749-0ef983f99e6d",
        "ip": "169.50.11.126"
      },
      "queue": {
        "duration": 21,
        "group": 6291,
        "start_date": "2024-10-02T18:56:47Z"
      }
    }
  }
}""",
    "agents/availability": """\
{
  "name": "availability-report",
  "total": 19.59,
  "records": {
    "2021-04-08": {
      "hours": 0
    },
    "2021-04-09": {
      "hours": 0
    }
  }
}""",
    "agents/performance": """\
{
  "name": "performance-report",
  "records": {
    "smith@example.com": {
      "accepting_chats_time": 35296,
      "chats_count": 4,
      "chats_rated_bad": 0,
      "chats_rated_good": 2,
      "chatting_time": 55,
      "first_response_chats_count": 3,
      "first_response_time": 9.666666666666666,
      "logged_in_time": 45304,
      "not_accepting_chats_time": 10008
    },
    "agent@example.com": {
      "accepting_chats_time": 24567,
      "chats_count": 13,
      "chats_rated_bad": 3,
      "chats_rated_good": 5,
      "chatting_time": 275,
      "first_response_chats_count": 8,
      "first_response_time": 8.133333,
      "logged_in_time": 32110,
      "not_accepting_chats_time": 7543
    }
  },
  "summary": {
    "chats_count": 17,
    "chats_rated_bad": 3,
    "chats_rated_good": 7,
    "first_response_chats_count": 11,
    "first_response_time": 8.55151490909091
  }
}""",
    "customers/unique_visitors": """\
{
  "name": "visitors-report",
  "summary": {
    "unique_visitors": 4,
    "page_views": 23
  }
}""",
    "tags/chat_usage": """\
{
  "name": "tags-chat-usage-report",
  "records": {
    "docs_feedback": 4,
    "spam": 3
  }
}""",
}
#: Samples that API-FACTS shows trimmed (only the first period keys survive).
TRIMMED_SAMPLES = frozenset(
    [
        "agents/availability",
        "chats/duration",
        "chats/engagement",
        "chats/first_response_time",
        "chats/greetings_conversion",
        "chats/groups",
        "chats/ratings",
        "chats/response_time",
        "chats/tags",
        "chats/total_chats",
        "tags/chat_usage",
    ]
)
