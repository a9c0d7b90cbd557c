"""Simulator of the LiveChat Reports API v3.6, modelled on the literal text of
api-docs/livechat-reports-api-v3.6.txt (the "docs") and section 1 of API-FACTS.md (the
vendor's verbatim response samples and the methods the docs leave out).

Routes: ``POST`` (JSON body) or ``GET`` (dotted query parameters) on
``{base}/v<version>/reports/<resource>/<action>`` for chats/duration, tags, total_chats,
ratings, ranking, engagement, greetings_conversion, forms, response_time,
first_response_time (the docs); chats/groups, queued_visitors, queued_visitors_left
(API-FACTS); agents/availability, performance; tags/chat_usage; and the visitors report,
at the paths of knob ``visitors_paths``.

Documented behaviour reproduced:

* auth: ``Authorization: Basic base64(<account_id>:<PAT>)`` or ``Authorization: Bearer
  <OAuth token>``; a PAT sent as Bearer, a wrong or missing credential -> 401 with
  ``{"error": {"type": "authentication", "message": "Invalid access token"}}``; a token
  without the ``reports_read`` scope -> 403 ``authorization``.
* the request: ``distribution`` (chats: hour, day, day-hours, month, year; agents: hour,
  day; default day), ``timezone`` (IANA; default the agent's timezone, knob
  ``agent_timezone``; when that is None, the offset of ``filters.from``),
  ``filters.from``/``filters.to`` RFC 3339 with optional microseconds; no filters -> the
  last seven days; exactly one pair of time filters (``from/to``, ``greetings.from/to``,
  ``surveys.from/to``; agents reports only ``from/to``); at most one of ``exists``,
  ``values``, ``exclude_values`` per filter. Violations -> 400 ``validation``.
* filters applied: chats reports ``groups``, ``agents`` (``exists`` false = unassigned
  chats), ``tags`` with ``exists`` / ``values`` / ``exclude_values`` /
  ``require_every_value``; greetings_conversion ``greetings.groups``; agents reports
  ``agents`` and ``groups.values``; chat_usage ``groups.values``. Other documented filters
  are validated for shape but not applied.
* the response: day keys ``YYYY-MM-DD`` in the request's timezone, one key per period of
  the range, ``{}`` for an empty period, zero-valued fields left out (the samples' ratings
  ``{"chats": 2}``) except where the samples send zeros (availability ``hours: 0``, ranking
  ``good: 0``, performance ``chats_rated_bad: 0``); averages (``duration``,
  ``agents_chatting_duration``, ``response_time``, ``first_response_time``, queue ``avg``)
  are plain fractional numbers; ``name`` as in the samples. Undocumented key formats, chosen
  here: hour ``YYYY-MM-DD HH:MM:SS``, day-hours ``HH:00`` (the hour of the day summed over
  the range, as v2's hour keys), month ``YYYY-MM``, year ``YYYY``.
* greetings_conversion: "The method will return only up to 100 values for each day":
  the data has days with 130 greetings; per local day only 100 are returned.
* ``queued_visitors_left`` pages with ``page`` (default 1) and ``summary.total_pages``.
* a sliding-window rate limit per credential -> 429 ``too_many_requests``.
* versions: 3.6 (and 3.7 preview) current; 3.5 answers with a ``Legacy`` header, 3.4 with a
  ``Deprecation`` header, and neither has the methods new in 3.6 (404 ``not_found``); any
  other version -> 400 ``unsupported_version``.

Data: :mod:`sandbox.livechat_data` (seeded; revisions; ``truth``). ``revision`` (default
0) is set with ``app.set_revision(n)``, ``build(revision=n)`` or ``POST
/__sandbox__/revision {"revision": n}`` (``GET`` reads it); it changes only the simulator's
current UTC day and the ``volatile_days`` days before it (see livechat_data).

Knobs (``build(name=value)``, ``app.set_knob(name, value)``, ``POST /__sandbox__/knobs
{"name": value, ...}``, ``GET /__sandbox__/knobs``), one per reading where the docs allow
two:

* ``to_bound`` -- ``filters.to``: "Filters out chats that took place within the time range
  defined as <from,to>. Date & time format compatible with RFC3339 with optional resolution
  of microseconds". ``inclusive_second`` (default, the simulator's behaviour so far): a
  ``to`` written to the second covers that whole second (``23:59:59`` takes a chat at
  ``23:59:59.700000``), one written with a fraction is inclusive to the microsecond;
  ``inclusive``: chats at or before the ``to`` instant; ``exclusive``: chats before it.
  ``from`` is always inclusive.
* ``count_reading`` -- ratings ``records.day.chats`` "The total number of chats that day",
  ranking ``records.agent.total`` "The total number of chats an agent had", response_time /
  first_response_time ``count`` "The total number of chats that day" and their report
  ``total`` "The total number of chats in the specified date range": ``all_chats``
  (default, the text) or ``subject`` (only the chats the report is about: rated / rated
  good or bad / answered, as the samples' numbers suggest: ranking ``total`` = good + bad).
* ``greetings_pick`` -- "only up to 100 values for each day" does not say which 100:
  ``id`` (default: lowest greeting ids) or ``displayed`` (most displayed first).
* ``greetings_total`` -- greetings_conversion ``total`` (chats started from greetings)
  counts ``all`` greetings (default) or only the ``returned`` ones.
* ``engagement_day_total`` -- the field table lists ``records.day.total``, the sample has
  none: False (default, the sample) or True.
* ``instant_fraction`` -- queued_visitors_left ``start_date`` as the sample writes it
  (``2024-10-01T20:47:07Z``, default False) or with microseconds (True).
* ``left_without_details`` -- queued_visitors_left ``summary.left_without_details``: the
  visitors ``without`` details (default, the name) or ``with`` them (the docs' description
  "The number of customers with identifying data").
* ``queued_left_total`` -- queued_visitors_left ``total`` over ``all`` pages (default) or
  the ``page``.
* ``visitors_paths`` -- the visitors report lives at ``stats/visitors`` (the docs; default)
  and/or ``customers/unique_visitors`` (API-FACTS method table, SDK) and/or
  ``stats/unique_visitors`` (API-FACTS curl sample).
* ``dataset`` -- ``generated`` (default) or ``docs_samples``: every method answers its
  vendor sample (``livechat_data.DOC_SAMPLES``) byte for byte, after auth and validation.
* ``agent_timezone`` (default ``Europe/Warsaw``; None: parse the offset of
  ``filters.from``), ``page_size`` (queued_visitors_left), ``volatile_days`` (default 2).

Every request body is kept in ``app.requests_seen`` (method, body) for tests;
``app.truth(method, body)`` is the JSON body the API gives for that request now.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import json
import re
import typing as t
from collections import deque
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox import livechat_data as data
from sandbox.core import HTTPError, Request, Response, SandboxApp, json_response

DEFAULT_ACCOUNT_ID = "5f1c2a9e-3b7d-4c21-9a8e-0d5b6c7e8f90"
DEFAULT_PAT = "fra:sandbox-livechat-pat"
DEFAULT_OAUTH_TOKEN = "dal:sandbox-livechat-oauth-token"  # noqa: S105 - fake credential
NO_SCOPE_TOKEN = "dal:sandbox-token-without-reports-read"  # noqa: S105 - fake credential

CURRENT_VERSIONS = {"3.6", "3.7"}
#: version -> (lifecycle header, the date that stage ends)
OLD_VERSIONS = {"3.5": ("Legacy", "2027-02-07"), "3.4": ("Deprecation", "2026-12-31")}
VISITORS_PATHS = ("stats/visitors", "customers/unique_visitors", "stats/unique_visitors")
NEW_IN_3_6 = {
    "chats/groups",
    "chats/queued_visitors",
    "chats/queued_visitors_left",
    *VISITORS_PATHS,
}

DISTRIBUTED = {
    "chats/duration": "duration-report",
    "chats/tags": "tags-report",
    "chats/total_chats": "total-chats-report",
    "chats/ratings": "ratings-report",
    "chats/engagement": "engagement-report",
    "chats/greetings_conversion": "greetings-conversion-report",
    "chats/response_time": "response-time-report",
    "chats/first_response_time": "first-response-time-report",
    "chats/groups": "groups-report",
    "chats/queued_visitors": "queued-visitors-report",
    "agents/availability": "availability-report",
}
OTHER = {
    "chats/ranking": "ranking-report",
    "chats/forms": "form-report",
    "chats/queued_visitors_left": "queued-visitors-left-report",
    "agents/performance": "performance-report",
    "tags/chat_usage": "tags-chat-usage-report",
    **dict.fromkeys(VISITORS_PATHS, "visitors-report"),
}
CHATS_DISTRIBUTIONS = {"hour", "day", "day-hours", "month", "year"}
AGENTS_DISTRIBUTIONS = {"hour", "day"}
TIME_PAIRS = (("from", "to"), ("greetings", "from", "to"), ("surveys", "from", "to"))
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
HOUR = dt.timedelta(hours=1)
US = dt.timedelta(microseconds=1)

#: knob -> (default, allowed values or None for free values)
KNOBS: dict[str, tuple[t.Any, tuple[t.Any, ...] | None]] = {
    "to_bound": ("inclusive_second", ("inclusive_second", "inclusive", "exclusive")),
    "count_reading": ("all_chats", data.COUNT_READINGS),
    "greetings_pick": ("id", data.GREETINGS_PICKS),
    "greetings_total": ("all", data.GREETINGS_TOTALS),
    "engagement_day_total": (False, (False, True)),
    "instant_fraction": (False, (False, True)),
    "left_without_details": ("without", data.LEFT_WITHOUT_DETAILS),
    "queued_left_total": ("all", ("all", "page")),
    "visitors_paths": (("stats/visitors",), None),
    "dataset": ("generated", ("generated", "docs_samples")),
    "agent_timezone": ("Europe/Warsaw", None),
    "page_size": (5, None),
    "volatile_days": (2, None),
}
#: knobs that are fields of :class:`sandbox.livechat_data.World`
WORLD_KNOBS = (
    "count_reading",
    "greetings_pick",
    "greetings_total",
    "engagement_day_total",
    "instant_fraction",
    "left_without_details",
    "volatile_days",
)


def error(status: int, kind: str, message: str) -> HTTPError:
    return HTTPError(status, {"error": {"type": kind, "message": message}})


def invalid(message: str) -> HTTPError:
    return error(400, "validation", message)


def parse_time(value: t.Any, name: str) -> dt.datetime:
    if not isinstance(value, str) or not RFC3339.match(value):
        raise invalid(f"{name}: invalid RFC3339 date-time, expected YYYY-MM-DDTHH:MM:SS+HH:MM")
    return dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))


def stop_of(to: dt.datetime, raw: str, to_bound: str) -> dt.datetime:
    """The exclusive end of ``<from, to>`` under knob ``to_bound``."""
    if to_bound == "exclusive":
        return to
    if to_bound == "inclusive_second" and "." not in raw:
        return to + dt.timedelta(seconds=1)
    return to + US


def inclusive_stop(to: dt.datetime) -> dt.datetime:
    """Kept for callers: the end under the default ``to_bound`` (``inclusive_second``)."""
    return to + (US if to.microsecond else dt.timedelta(seconds=1))


def query_to_body(req: Request) -> dict[str, t.Any]:
    """``?filters.from=..&filters.agents.values=a&filters.agents.values=b`` -> nested JSON."""
    body: dict[str, t.Any] = {}
    for raw_key, values in req.query_lists.items():
        parts = [p for p in re.split(r"[.\[\]]+", raw_key) if p]
        node = body
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        leaf = parts[-1]
        parsed: list[t.Any] = []
        for value in values:
            if value in ("true", "false"):
                parsed.append(value == "true")
            elif re.fullmatch(r"-?\d+", value) and leaf in ("values", "exclude_values", "page"):
                parsed.append(int(value))
            else:
                parsed.append(value)
        if leaf in ("values", "exclude_values"):
            node[leaf] = parsed
        else:
            node[leaf] = parsed[-1]
    return body


class LiveChatApp(SandboxApp):
    name = "livechat"

    def __init__(
        self,
        *,
        seed: int = 11,
        account_id: str = DEFAULT_ACCOUNT_ID,
        personal_access_token: str = DEFAULT_PAT,
        oauth_token: str = DEFAULT_OAUTH_TOKEN,
        rate_limit_max: int = 200,
        rate_limit_window: float = 10.0,
        revision: int = 0,
        **knobs: t.Any,
    ) -> None:
        super().__init__(rate_limit=(rate_limit_max, rate_limit_window))
        self.seed = seed
        self.account_id = account_id
        self.personal_access_token = personal_access_token
        self.oauth_token = oauth_token
        self.knobs: dict[str, t.Any] = {k: default for k, (default, _) in KNOBS.items()}
        for name, value in knobs.items():
            self.set_knob(name, value)
        self.revision = 0
        self.set_revision(revision)
        self.requests_seen: deque[tuple[str, dict[str, t.Any]]] = deque(maxlen=50_000)
        pattern = r"^/v(?P<version>[^/]+)/reports/(?P<resource>[a-z_]+)/(?P<action>[a-z_]+)/?$"
        self.add_route("POST", pattern, self.report)
        self.add_route("GET", pattern, self.report)

    # -- knobs and revision ------------------------------------------------------------------

    def set_knob(self, name: str, value: t.Any) -> None:
        if name not in KNOBS:
            raise ValueError(f"unknown livechat knob {name!r}; knobs: {', '.join(KNOBS)}")
        allowed = KNOBS[name][1]
        if allowed is not None and value not in allowed:
            raise ValueError(f"knob {name}: {value!r} is not one of {allowed}")
        if name == "visitors_paths":
            value = tuple([value] if isinstance(value, str) else value)
            if not set(value) <= set(VISITORS_PATHS):  # empty: the report is not offered
                raise ValueError(f"knob visitors_paths: choose from {VISITORS_PATHS}")
        if name in ("page_size", "volatile_days") and (
            isinstance(value, bool) or not isinstance(value, int) or value < 0
        ):
            raise ValueError(f"knob {name}: must be a non-negative integer")
        if name == "agent_timezone" and value is not None:
            ZoneInfo(str(value))
        self.knobs[name] = value

    def set_revision(self, revision: int) -> None:
        if isinstance(revision, bool) or not isinstance(revision, int) or revision < 0:
            raise ValueError("revision must be a non-negative integer")
        self.revision = revision

    # Old attribute names, kept working.
    @property
    def visitors_paths(self) -> set[str]:
        return set(self.knobs["visitors_paths"])

    @property
    def page_size(self) -> int:
        return int(self.knobs["page_size"])

    @property
    def agent_timezone(self) -> str | None:
        return t.cast("str | None", self.knobs["agent_timezone"])

    def world(self) -> data.World:
        """The data as the API serves it now: seed, revision, clock and knobs."""
        return data.World(
            seed=self.seed,
            revision=self.revision,
            now_us=data.to_us(self.now()),
            **{k: self.knobs[k] for k in WORLD_KNOBS},
        )

    def control(self, req: Request) -> Response:
        try:
            if req.path == "/__sandbox__/revision":
                if req.method == "POST":
                    self.set_revision((req.json() or {}).get("revision", 0))
                return json_response({"revision": self.revision})
            if req.path == "/__sandbox__/knobs":
                if req.method == "POST":
                    for name, value in (req.json() or {}).items():
                        self.set_knob(name, value)
                return json_response(self.knobs)
        except (ValueError, ZoneInfoNotFoundError) as exc:
            return json_response({"error": str(exc)}, 400)
        return super().control(req)

    # -- auth, limits, errors ------------------------------------------------------------

    def authenticate(self, req: Request) -> str:
        header = req.header("Authorization") or ""
        scheme, _, value = header.partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode()
            except ValueError:
                decoded = ""
            if decoded == f"{self.account_id}:{self.personal_access_token}":
                return f"pat:{self.account_id}"
        elif scheme.lower() == "bearer":
            if value == self.oauth_token:
                return "oauth:" + value[-6:]
            if value == NO_SCOPE_TOKEN:
                raise error(403, "authorization", "Insufficient scopes: reports_read is required")
        raise error(401, "authentication", "Invalid access token")

    def too_many_requests(self, wait: float) -> Response:
        return json_response(
            {"error": {"type": "too_many_requests", "message": "Too many requests"}}, 429
        )

    def not_found(self, req: Request) -> Response:
        return json_response({"error": {"type": "not_found", "message": "Not found"}}, 404)

    # -- the report endpoint -------------------------------------------------------------

    def report(self, req: Request, version: str, resource: str, action: str) -> Response:
        credential = self.authenticate(req)
        limited = self.rate_limited(credential)
        if limited is not None:
            return limited
        headers: dict[str, str] = {}
        method = f"{resource}/{action}"
        if version in OLD_VERSIONS:
            name, date = OLD_VERSIONS[version]
            headers[name] = date
        elif version not in CURRENT_VERSIONS:
            raise error(
                400, "unsupported_version", f"Cannot call unsupported API version {version}"
            )
        known = method in DISTRIBUTED or method in OTHER
        if not known or (version in OLD_VERSIONS and method in NEW_IN_3_6):
            raise error(404, "not_found", f"Method {method} not found")
        if method in VISITORS_PATHS and method not in self.visitors_paths:
            raise error(404, "not_found", f"Method {method} not found")
        if req.method == "GET":
            body: t.Any = query_to_body(req)
        else:
            try:
                body = req.json() if req.body else {}
            except ValueError:
                raise invalid("Request body is not valid JSON") from None
        if not isinstance(body, dict):
            raise invalid("Request body must be a JSON object")
        self.requests_seen.append((method, body))
        payload = self.answer(method, body)
        if self.knobs["dataset"] == "docs_samples":
            sample = data.DOC_SAMPLES[
                "customers/unique_visitors" if method in VISITORS_PATHS else method
            ]
            return Response(200, sample.encode(), headers)
        return json_response(payload, headers=headers)

    def truth(self, method: str, body: dict[str, t.Any] | None = None) -> t.Any:
        """The JSON body the API answers to ``body`` on ``method`` now (no auth, limits or
        faults): the same code as the HTTP answer, at the current revision and knobs."""
        payload = self.answer(method, dict(body or {}))
        if self.knobs["dataset"] == "docs_samples":
            key = "customers/unique_visitors" if method in VISITORS_PATHS else method
            return json.loads(data.DOC_SAMPLES[key])
        return json.loads(json.dumps(payload))

    def answer(self, method: str, body: dict[str, t.Any]) -> dict[str, t.Any]:
        agents_report = method.startswith("agents/")
        start, stop, tz, flt = self.parse_request(method, body, agents_report=agents_report)
        world = self.world()
        a, b = start.timestamp(), stop.timestamp()
        if method in DISTRIBUTED:
            allowed = AGENTS_DISTRIBUTIONS if agents_report else CHATS_DISTRIBUTIONS
            distribution = body.get("distribution", "day")
            if distribution not in allowed:
                raise invalid(
                    f"distribution: must be one of {', '.join(sorted(allowed))}, got {distribution!r}"
                )
            return {
                "name": DISTRIBUTED[method],
                "total": data.report_total(method, world, a, b, flt, tz),
                "records": self.records(world, method, distribution, tz, start, stop, flt),
            }
        name = OTHER[method]
        if method == "chats/ranking":
            return {"name": name, "records": data.ranking(world, a, b, flt)}
        if method == "chats/forms":
            return {"name": name, "records": data.forms(world, a, b, flt)}
        if method == "agents/performance":
            return {"name": name, **data.performance(world, a, b, flt)}
        if method == "tags/chat_usage":
            return {"name": name, "records": data.chat_usage(world, a, b, flt)}
        if method == "chats/queued_visitors_left":
            return {"name": name, **self.queued_left_page(world, body.get("page", 1), a, b, flt)}
        return {"name": name, "summary": data.unique_visitors(world, a, b)}

    def parse_request(
        self, method: str, body: dict[str, t.Any], *, agents_report: bool
    ) -> tuple[dt.datetime, dt.datetime, dt.tzinfo, data.Filters]:
        filters = body.get("filters")
        tz = self.zone(body.get("timezone"), filters)
        start, stop, flt = self.parse_filters(filters, tz, agents_report=agents_report)
        if method == "tags/chat_usage":
            flt = flt.only_groups()
        if method in VISITORS_PATHS:
            flt = data.NO_FILTERS
        return start, stop, tz, flt

    def zone(self, name: t.Any, filters: t.Any = None) -> dt.tzinfo:
        if name is None:
            if self.agent_timezone is not None:
                return ZoneInfo(self.agent_timezone)
            # "When it's impossible to load the agent's timezone, filters.from is parsed."
            raw = filters.get("from") if isinstance(filters, dict) else None
            if isinstance(raw, str) and RFC3339.match(raw):
                offset = parse_time(raw, "filters.from").utcoffset()
                return dt.timezone(offset or dt.timedelta(0))
            return dt.UTC
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            raise invalid(f"timezone: unknown IANA time zone {name!r}") from None

    def parse_filters(
        self, filters: t.Any, tz: dt.tzinfo, *, agents_report: bool
    ) -> tuple[dt.datetime, dt.datetime, data.Filters]:
        now = self.now()
        if filters is None:
            # "If none provided, your report will span the last seven days."
            first = now.astimezone(tz).date() - dt.timedelta(days=6)
            start = dt.datetime(first.year, first.month, first.day, tzinfo=tz)
            return start, now + US, data.NO_FILTERS
        if not isinstance(filters, dict):
            raise invalid("filters: must be an object")
        pairs = []
        for path in TIME_PAIRS:
            node: t.Any = filters
            for key in path[:-2]:
                node = node.get(key) if isinstance(node, dict) else None
            if isinstance(node, dict) and (path[-2] in node or path[-1] in node):
                pairs.append((path, node))
        if agents_report and any(len(p) > 2 for p, _ in pairs):
            raise invalid("filters: agents reports accept only the filters.from/to time filter")
        if len(pairs) != 1:
            raise invalid(
                "filters: must contain exactly one pair of time-based filters "
                "(filters.from/to, filters.greetings.from/to or filters.surveys.from/to)"
            )
        path, node = pairs[0]
        prefix = "filters." + "".join(p + "." for p in path[:-2])
        if path[-2] not in node or path[-1] not in node:
            raise invalid(f"{prefix}from and {prefix}to must be given together")
        start = parse_time(node[path[-2]], prefix + "from")
        to = parse_time(node[path[-1]], prefix + "to")
        if to < start:
            raise invalid(f"{prefix}to is before {prefix}from")
        stop = stop_of(to, node[path[-1]], self.knobs["to_bound"])
        return start, stop, self.filter_values(filters, agents_report=agents_report)

    def filter_values(self, filters: dict[str, t.Any], *, agents_report: bool) -> data.Filters:
        def pick(node: t.Any, name: str, kind: type) -> data.SetFilter | None:
            if node is None:
                return None
            if not isinstance(node, dict):
                raise invalid(f"filters.{name}: must be an object")
            chosen = [k for k in ("exists", "values", "exclude_values") if k in node]
            if len(chosen) > 1:
                raise invalid(
                    f"filters.{name}: only one of exists, values or exclude_values is allowed"
                )
            for key in ("values", "exclude_values"):
                if key in node and (
                    not isinstance(node[key], list)
                    or not all(isinstance(v, kind) and not isinstance(v, bool) for v in node[key])
                ):
                    raise invalid(f"filters.{name}.{key}: must be an array of {kind.__name__}")
            for key in ("exists", "require_every_value"):
                if key in node and not isinstance(node[key], bool):
                    raise invalid(f"filters.{name}.{key}: must be a boolean")
            if agents_report and "exists" in node:
                raise invalid(f"filters.{name}.exists: available only for the Chats reports")
            values, exclude = node.get("values"), node.get("exclude_values")
            return data.SetFilter(
                exists=node.get("exists"),
                values=tuple(values) if values is not None else None,
                exclude_values=tuple(exclude) if exclude is not None else None,
                require_every_value=bool(node.get("require_every_value", False)),
            )

        groups = pick(filters.get("groups"), "groups", int)
        greetings = filters.get("greetings")
        if isinstance(greetings, dict) and greetings.get("groups") is not None:
            groups = pick(greetings.get("groups"), "greetings.groups", int)
        return data.Filters(
            group_filter=groups,
            agent_filter=pick(filters.get("agents"), "agents", str),
            tag_filter=pick(filters.get("tags"), "tags", str),
        )

    # -- periods ---------------------------------------------------------------------------

    def periods(
        self, distribution: str, tz: dt.tzinfo, start: dt.datetime, stop: dt.datetime
    ) -> list[tuple[str, list[tuple[dt.datetime, dt.datetime]]]]:
        """(key, its [start, end) pieces) of every period of ``[start, stop)`` in ``tz``."""
        # Compare instants in UTC: aware datetimes sharing a tzinfo compare by wall clock
        # and ignore `fold`, which would lose the repeated hour of a DST fall-back.
        start, stop = start.astimezone(dt.UTC), stop.astimezone(dt.UTC)
        out: dict[str, list[tuple[dt.datetime, dt.datetime]]] = {}
        first = start.astimezone(tz).date()
        local = dt.datetime(first.year, first.month, first.day, tzinfo=tz)
        if distribution == "year":
            local = local.replace(month=1, day=1)
        elif distribution == "month":
            local = local.replace(day=1)
        cursor = local.astimezone(dt.UTC)
        while cursor < stop:
            local = cursor.astimezone(tz)
            if distribution in ("hour", "day-hours"):
                nxt = cursor + HOUR
                fmt = "%Y-%m-%d %H:%M:%S" if distribution == "hour" else "%H:00"
                key = local.strftime(fmt)
            elif distribution == "day":
                day = local.date() + dt.timedelta(days=1)
                nxt = dt.datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(dt.UTC)
                key = local.strftime("%Y-%m-%d")
            elif distribution == "month":
                year, month = divmod(local.month, 12)
                nxt = local.replace(year=local.year + year, month=month + 1).astimezone(dt.UTC)
                key = local.strftime("%Y-%m")
            else:
                nxt = local.replace(year=local.year + 1).astimezone(dt.UTC)
                key = local.strftime("%Y")
            a, b = max(cursor, start), min(nxt, stop)
            if b > a:
                # A repeated wall-clock hour (DST fall-back) has one key: both hours merge.
                out.setdefault(key, []).append((a, b))
            cursor = nxt
        if distribution == "day-hours":
            return sorted(out.items())
        return list(out.items())

    def records(
        self,
        world: data.World,
        method: str,
        distribution: str,
        tz: dt.tzinfo,
        start: dt.datetime,
        stop: dt.datetime,
        flt: data.Filters,
    ) -> dict[str, t.Any]:
        out: dict[str, t.Any] = {}
        periods = self.periods(distribution, tz, start, stop)
        if method == "chats/greetings_conversion":
            # "only up to 100 values for each day": the cap is per local day of the request.
            events = data.greetings_returned(world, start.timestamp(), stop.timestamp(), flt, tz)
            for key, pieces in periods:
                spans = [(data.to_us(a), data.to_us(b)) for a, b in pieces]
                mine = [g for g in events if any(a <= g.us < b for a, b in spans)]
                out[key] = data.greetings_conversion_rows(mine)
            return out
        for key, pieces in periods:
            if len(pieces) == 1:
                (a, b), more = pieces[0], None
            else:
                a, b, more = pieces[0][0], pieces[-1][1], pieces
            if more is not None and method != "agents/availability" and distribution != "hour":
                out[key] = self.merged(world, method, more, flt)
                continue
            if method == "agents/availability":
                unit = "minutes" if distribution == "hour" else "hours"
                out[key] = data.availability_bucket(
                    world, a.timestamp(), b.timestamp(), flt, unit=unit
                )
            else:
                out[key] = data.BUCKETS[method](world, a.timestamp(), b.timestamp(), flt)
        return out

    def merged(
        self,
        world: data.World,
        method: str,
        pieces: list[tuple[dt.datetime, dt.datetime]],
        flt: data.Filters,
    ) -> dict[str, t.Any]:
        """A ``day-hours`` record: the same report over several disjoint spans."""
        spans = tuple((data.to_us(a), data.to_us(b)) for a, b in pieces)
        over = dataclasses.replace(world, spans=spans)
        a, b = pieces[0][0].timestamp(), pieces[-1][1].timestamp()
        return data.BUCKETS[method](over, a, b, flt)

    def queued_left_page(
        self, world: data.World, page: t.Any, a: float, b: float, flt: data.Filters
    ) -> dict[str, t.Any]:
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise invalid("page: must be a positive integer")
        left = data.queued_visitors_left(world, a, b, flt)
        size = max(1, self.page_size)
        total_pages = max(1, -(-len(left) // size))
        chunk = left[(page - 1) * size : page * size]
        return {
            "total": len(left) if self.knobs["queued_left_total"] == "all" else len(chunk),
            "summary": {
                "left_without_details": data.left_without_details(world, left),
                "total_pages": total_pages,
            },
            "records": {q.chat_id: data.queued_left_record(world, q) for q in chunk},
        }


def build(**options: t.Any) -> LiveChatApp:
    return LiveChatApp(**options)
