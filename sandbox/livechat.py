"""Simulator of the LiveChat Reports API v3.6 (api-docs/livechat-reports-api-v3.6.txt, with the
facts of API-FACTS.md section 1).

Routes: ``POST`` (JSON body) or ``GET`` (dotted query parameters) on
``{base}/v<version>/reports/<resource>/<action>`` for every v3.6 method: chats/duration,
tags, total_chats, ratings, ranking, engagement, greetings_conversion, forms,
response_time, first_response_time, groups, queued_visitors, queued_visitors_left;
agents/availability, performance; tags/chat_usage; stats/visitors (the path in the given
docs) and customers/unique_visitors (the path of LiveChat's current docs and SDK); which of
the two answer is the ``visitors_paths`` option.

Documented behaviour reproduced:

* auth: ``Authorization: Basic base64(<account_id>:<PAT>)`` or ``Authorization: Bearer
  <OAuth token>``; a PAT sent as Bearer, a wrong or missing credential -> 401 with
  ``{"error": {"type": "authentication", "message": "Invalid access token"}}``; a token
  without the ``reports_read`` scope -> 403 ``authorization``.
* the request: ``distribution`` (chats: hour, day, month, year; agents: hour, day; default
  day; ``day-hours`` is documented but not simulated and answers 400), ``timezone`` (IANA;
  default: the account's agent timezone), ``filters.from``/``filters.to`` RFC 3339 with an
  offset, ``to`` inclusive to the second; no filters -> the last seven days; filters must
  hold exactly one pair of time filters (``from/to``, ``greetings.from/to``,
  ``surveys.from/to``; agents reports only ``from/to``); at most one of ``exists``,
  ``values``, ``exclude_values`` per filter. Violations -> 400 ``validation``.
* the response: day keys ``YYYY-MM-DD`` (hour keys ``YYYY-MM-DD HH:MM:SS``, month
  ``YYYY-MM``, year ``YYYY``: undocumented, chosen here) in the request's timezone, one key
  per period of the range, ``{}`` for an empty period, zero-valued fields omitted (except
  availability, which sends ``hours: 0``); ``name`` and ``total``/``summary`` as the vendor
  samples show.
* filters applied: ``groups.values``, ``agents.values``, ``tags.values`` /
  ``tags.exclude_values`` (greetings_conversion: ``greetings.groups.values``). Other
  documented filters are validated for shape but not applied.
* ``queued_visitors_left`` pages with ``page`` (default 1) and ``summary.total_pages``
  (``page_size`` records per page; ``total`` counts every page).
* a sliding-window rate limit per credential -> 429 ``too_many_requests`` (no Retry-After:
  none is documented).
* versions: 3.6 (and 3.7 preview) current; 3.5 answers with a ``Legacy`` header, 3.4 with a
  ``Deprecation`` header, and neither has the methods new in 3.6 (404 ``not_found``); any
  other version -> 400 ``unsupported_version``.

Every request body is kept in ``app.requests_seen`` (method, body) for tests.
"""

from __future__ import annotations

import base64
import datetime as dt
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
NEW_IN_3_6 = {
    "chats/groups",
    "chats/queued_visitors",
    "chats/queued_visitors_left",
    "customers/unique_visitors",
    "stats/visitors",
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
    "stats/visitors": "visitors-report",
    "customers/unique_visitors": "visitors-report",
}
CHATS_DISTRIBUTIONS = {"hour", "day", "day-hours", "month", "year"}
AGENTS_DISTRIBUTIONS = {"hour", "day"}
TIME_PAIRS = (("from", "to"), ("greetings", "from", "to"), ("surveys", "from", "to"))
RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$", re.IGNORECASE
)
HOUR = dt.timedelta(hours=1)


def error(status: int, kind: str, message: str) -> HTTPError:
    return HTTPError(status, {"error": {"type": kind, "message": message}})


def invalid(message: str) -> HTTPError:
    return error(400, "validation", message)


def parse_time(value: t.Any, name: str) -> dt.datetime:
    if not isinstance(value, str) or not RFC3339.match(value):
        raise invalid(f"{name}: invalid RFC3339 date-time, expected YYYY-MM-DDTHH:MM:SS+HH:MM")
    return dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))


def inclusive_stop(to: dt.datetime) -> dt.datetime:
    """``to`` is inclusive: ``23:59:59`` covers that whole second."""
    step = dt.timedelta(microseconds=1) if to.microsecond else dt.timedelta(seconds=1)
    return to + step


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
        agent_timezone: str = "Europe/Warsaw",
        rate_limit_max: int = 200,
        rate_limit_window: float = 10.0,
        visitors_paths: t.Sequence[str] = ("stats/visitors",),
        page_size: int = 5,
    ) -> None:
        super().__init__(rate_limit=(rate_limit_max, rate_limit_window))
        self.seed = seed
        self.account_id = account_id
        self.personal_access_token = personal_access_token
        self.oauth_token = oauth_token
        self.agent_timezone = agent_timezone
        self.visitors_paths = set(visitors_paths)
        self.page_size = page_size
        self.requests_seen: deque[tuple[str, dict[str, t.Any]]] = deque(maxlen=50_000)
        self.add_route(
            "POST",
            r"^/v(?P<version>[^/]+)/reports/(?P<resource>[a-z_]+)/(?P<action>[a-z_]+)/?$",
            self.report,
        )
        self.add_route(
            "GET",
            r"^/v(?P<version>[^/]+)/reports/(?P<resource>[a-z_]+)/(?P<action>[a-z_]+)/?$",
            self.report,
        )

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
        if (
            method in ("stats/visitors", "customers/unique_visitors")
            and method not in self.visitors_paths
        ):
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
        return json_response(payload, headers=headers)

    def answer(self, method: str, body: dict[str, t.Any]) -> dict[str, t.Any]:
        agents_report = method.startswith("agents/")
        tz = self.zone(body.get("timezone"))
        start, stop, flt = self.parse_filters(body.get("filters"), tz, agents_report=agents_report)
        seed, a, b = self.seed, start.timestamp(), stop.timestamp()
        if method in DISTRIBUTED:
            allowed = AGENTS_DISTRIBUTIONS if agents_report else CHATS_DISTRIBUTIONS
            distribution = body.get("distribution", "day")
            if distribution not in allowed:
                raise invalid(
                    f"distribution: must be one of {', '.join(sorted(allowed))}, got {distribution!r}"
                )
            return {
                "name": DISTRIBUTED[method],
                "total": data.report_total(method, seed, a, b, flt),
                "records": self.records(method, distribution, tz, start, stop, flt),
            }
        name = OTHER[method]
        if method == "chats/ranking":
            return {"name": name, "records": data.ranking(seed, a, b, flt)}
        if method == "chats/forms":
            return {"name": name, "records": data.forms(seed, a, b, flt)}
        if method == "agents/performance":
            return {"name": name, **data.performance(seed, a, b, flt)}
        if method == "tags/chat_usage":
            return {"name": name, "records": data.chat_usage(seed, a, b, flt)}
        if method == "chats/queued_visitors_left":
            return {"name": name, **self.queued_left_page(body.get("page", 1), a, b, flt)}
        return {"name": name, "summary": data.unique_visitors(seed, a, b)}

    def zone(self, name: t.Any) -> ZoneInfo:
        if name is None:
            return ZoneInfo(self.agent_timezone)
        try:
            return ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            raise invalid(f"timezone: unknown IANA time zone {name!r}") from None

    def parse_filters(
        self, filters: t.Any, tz: ZoneInfo, *, agents_report: bool
    ) -> tuple[dt.datetime, dt.datetime, data.Filters]:
        now = self.now().replace(microsecond=0)
        if filters is None:
            # "If none provided, your report will span the last seven days."
            today = now.astimezone(tz).date() - dt.timedelta(days=6)
            return dt.datetime(today.year, today.month, today.day, tzinfo=tz), now, data.NO_FILTERS
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
        return start, inclusive_stop(to), self.filter_values(filters)

    def filter_values(self, filters: dict[str, t.Any]) -> data.Filters:
        def pick(node: t.Any, name: str, kind: type) -> tuple[t.Any, t.Any]:
            if node is None:
                return None, None
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
            return node.get("values"), node.get("exclude_values")

        groups, _ = pick(filters.get("groups"), "groups", int)
        greetings = filters.get("greetings")
        if isinstance(greetings, dict) and greetings.get("groups") is not None:
            groups, _ = pick(greetings.get("groups"), "greetings.groups", int)
        agents, _ = pick(filters.get("agents"), "agents", str)
        tags, exclude_tags = pick(filters.get("tags"), "tags", str)
        return data.Filters(
            groups=tuple(groups) if groups is not None else None,
            agents=tuple(agents) if agents is not None else None,
            tags=tuple(tags) if tags is not None else None,
            exclude_tags=tuple(exclude_tags or ()),
        )

    # -- periods ---------------------------------------------------------------------------

    def periods(
        self, distribution: str, tz: ZoneInfo, start: dt.datetime, stop: dt.datetime
    ) -> list[tuple[str, dt.datetime, dt.datetime]]:
        """(key, start, end) of every period of ``[start, stop)`` in ``tz``, clipped."""
        if distribution == "day-hours":
            raise invalid("distribution: day-hours is not available in this simulator")
        # Compare instants in UTC: aware datetimes sharing a tzinfo compare by wall clock
        # and ignore `fold`, which would lose the repeated hour of a DST fall-back.
        start, stop = start.astimezone(dt.UTC), stop.astimezone(dt.UTC)
        out: dict[str, tuple[dt.datetime, dt.datetime]] = {}
        first = start.astimezone(tz).date()
        local = dt.datetime(first.year, first.month, first.day, tzinfo=tz)
        if distribution == "year":
            local = local.replace(month=1, day=1)
        elif distribution == "month":
            local = local.replace(day=1)
        cursor = local.astimezone(dt.UTC)
        while cursor < stop:
            local = cursor.astimezone(tz)
            if distribution == "hour":
                nxt = cursor + HOUR
                key = local.strftime("%Y-%m-%d %H:%M:%S")
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
                prev = out.get(key)
                out[key] = (prev[0], b) if prev else (a, b)
            cursor = nxt
        return [(k, a, b) for k, (a, b) in out.items()]

    def records(
        self,
        method: str,
        distribution: str,
        tz: ZoneInfo,
        start: dt.datetime,
        stop: dt.datetime,
        flt: data.Filters,
    ) -> dict[str, t.Any]:
        fn = data.BUCKETS[method]
        out = {}
        for key, a, b in self.periods(distribution, tz, start, stop):
            if method == "agents/availability":
                unit = "minutes" if distribution == "hour" else "hours"
                out[key] = fn(self.seed, a.timestamp(), b.timestamp(), flt, unit=unit)
            else:
                out[key] = fn(self.seed, a.timestamp(), b.timestamp(), flt)
        return out

    def queued_left_page(
        self, page: t.Any, a: float, b: float, flt: data.Filters
    ) -> dict[str, t.Any]:
        if isinstance(page, bool) or not isinstance(page, int) or page < 1:
            raise invalid("page: must be a positive integer")
        left = data.queued_visitors_left(self.seed, a, b, flt)
        total_pages = max(1, -(-len(left) // self.page_size))
        chunk = left[(page - 1) * self.page_size : page * self.page_size]
        return {
            "total": len(left),
            "summary": {
                "left_without_details": sum(not q.with_details for q in left),
                "total_pages": total_pages,
            },
            "records": {
                q.chat_id: {
                    "visitor": {"id": q.visitor_id, "ip": q.ip},
                    "queue": {
                        "duration": q.duration,
                        "group": q.group,
                        "start_date": data.iso_z(q.ts),
                    },
                }
                for q in chunk
            },
        }


def build(**options: t.Any) -> LiveChatApp:
    return LiveChatApp(**options)
