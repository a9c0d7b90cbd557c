"""Simulator of LivePerson's Operational Realtime agent activity method
(api-docs/liveperson-agent-activity-api.txt; domain, auth and limits from API-FACTS.md §3).

Routes (``{base}`` is the server's address):

* ``GET {base}/api/account/{accountId}/service/{service}/baseURI.json?version=1.0`` — the
  Domain API (no auth): ``{"service", "account", "baseURI"}``; the base URI is this
  server's own host (or the ``base_uri`` option). ``GET {base}/api/account/{accountId}/
  service/baseURI.json?version=1.0`` lists every service as ``{"baseURIs": [...]}``.
* ``GET {base}/operations/api/account/{accountId}/agentactivity?timeframe=&agentIds=&v=&interval=``
* ``POST`` to the same path with the JSON body ``{"timeframe": "...", "agentIds": "...",
  "interval": "...", "v": "..."}`` (values are strings in the docs; numbers accepted).

Documented behaviour reproduced:

* the window is ``[now - timeframe, now]`` with the server's ``now`` to the millisecond
  (pin it with ``app.set_now(...)`` or ``POST /__sandbox__/now {"now": "<iso>"}``):
  "Where end time = current time, and start time = end time - timeframe";
* with ``interval``, ``metricsByIntervals`` newest first; each ``timestamp`` (UTC epoch ms)
  is the interval's END; ends are now rounded up to 5 minutes, then back in steps of
  ``interval``; the latest interval only holds data up to now and the earliest holds only
  the remainder of the timeframe ("Now: 8:07 ... timeframe=20&interval=10 ... 8:00 - 8:10
  (... actual 7 minutes ...) 7:50 - 8:00 ... 7:47 - 7:50 (only 3 minutes)");
* values are seconds, computed by the millisecond; every agent lists the four states in
  the samples' order (Online, Back in 5, Away, Logged in) even when zero, Away carries
  ``reasons`` (only reasons with time; ``[]`` when none, always ``[]`` with
  ``away_reasons=False``: "If no custom Away state reasons are configured, the 'reasons'
  field will be returned as an empty array");
* "If there is no data for a specific agent, it won't be included in this list";
  ``metricsPerAgent`` is ``{}`` when nobody has data; ``metricsTotals`` is ``[]``
  ("Totals are not currently supported"); no other field is sent;
* 400 for a missing or bad ``timeframe`` (over 1440 by default), ``v``, ``agentIds`` or
  ``interval`` (under 5, over the timeframe, or not a divisor of it); 401 for a missing,
  malformed or wrong OAuth 1.0a HMAC-SHA1 signature (checked per RFC 5849 with
  :func:`oauth_signature`, with timestamp window and nonce replay); 404 for another
  account; 429 past ``max_concurrent`` requests in flight per account ("the maximum number
  of concurrent requests is limited"; ``latency`` seconds keeps each request in flight).

Data changes between revisions (see :mod:`sandbox.liveperson_data`): states move, sessions
close late, an away reason stops being used, an agent leaves, an agent is added whose data
arrives late (the open interval grows), all only at or after the volatile start; older
intervals never change. Set it with ``app.set_revision(r)``, ``POST /__sandbox__/revision
{"revision": r}`` or the ``revision`` option.

Knobs (``Knobs``; factory options, ``app.set_knobs(**kw)``, ``POST /__sandbox__/knobs
{...}``, ``GET /__sandbox__/knobs``; ``POST /__sandbox__/reset`` leaves them alone):

* ``revision`` = 0: the data revision (above).
* ``volatile_days`` = 2: revisions change the current UTC day and this many days before
  it. ``volatile_minutes`` = None: when set, revisions change only the last N minutes
  (before now) instead, so older closed intervals inside the 24 hours stay fixed.
* ``data_horizon`` = ``"now"``: where the data ends. ``"now"``: at the request instant
  ("end time = current time"; "actual 7 minutes because now is 8:07"). ``"refresh"``: at
  the last 10-second refresh (overview: "with a refresh rate of 10 seconds"). ``"slot"``:
  at the last whole 5 minutes (overview: "up to the last 5 minutes"). Interval timestamps
  and the window follow ``now`` in every reading.
* ``seconds_rounding`` = ``"half_up"``: "calculated by the millisecond but presentation is
  in seconds": ``half_up`` rounds each value, ``floor`` truncates it.
* ``back_soon_name`` = ``"Back in 5"``: the name of state 3; the samples say "Back in 5",
  the field table "Back soon".
* ``interval_totals`` = ``"empty"``: the top-level ``agentsMetrics`` of an interval answer.
  ``"empty"``: ``{"metricsPerAgent": {}, "metricsTotals": []}`` as in the sample;
  ``"totals"``: the whole timeframe's data, as the element table says ("representing the
  data of the whole requested time frame (totals of all intervals)").
* ``no_data_agents`` = ``"omit"``: requested agent ids without data. ``"omit"``: left out
  ("If there is no data for a specific agent, it won't be included in this list");
  ``"zeros"``: listed with all four states at zero ("with a map including all metrics
  valued zero").
* ``agent_ids_supported`` = True: ``agentIds`` filters the agents. False: the list is
  ignored and every agent is answered (older page: "Currently, only agentIds=all is
  supported. Selecting specific agents is not currently supported.").
* ``max_timeframe`` = 1440: a longer timeframe is a 400 (stated for the sibling methods:
  "The maximum timeframe value is 1440 minutes (24 hours)"); None: no cap.
* ``docs_samples`` = False: when True, the docs' request (``v=1&timeframe=120&agentIds=all``,
  without ``interval`` or with ``interval=60``) is answered with the docs' sample text byte
  for byte (:mod:`sandbox.liveperson_samples`; its clock is 2014-07-01T14:46:08Z); other
  requests are answered from the generated data.
* ``away_reasons`` = True: agents use custom away reasons (False: ``reasons`` always ``[]``).
* ``accept_bearer`` = True: ``Authorization: Bearer <bearer_token>`` is accepted (below);
  False refuses bearer tokens.

Auth: OAuth 1.0a HMAC-SHA1 ("This API requires authorization using API key"). Bearer
auth is not documented for this API (API-FACTS open item 20: whether Login-Service or
App-JWT bearer tokens are accepted); option ``bearer_token`` (default
:data:`BEARER_TOKEN`, as before) is the one bearer token accepted; ``bearer_token=None``
or the knob ``accept_bearer=False`` refuses every bearer token (the docs' literal reading).

Truth: :func:`truth` ``(timeframe, interval=None, agent_ids=None, *, now, seed=11,
**knobs) -> dict`` is the exact JSON body the API answers for those parameters at that
``now`` (datetime or epoch ms) and knob setting (``agent_ids`` None = ``all``).
:func:`truth_rows` ``(...same...) -> {(timestamp | None, agent, state_id, reason_id |
None): value}`` flattens it: one row per agent and state (reason None) and per away reason,
``timestamp`` None for an answer without ``interval``, ``value`` the API's
``{"total", "chatting", "notChatting", "chattingInMaxConcurrency"}``. Both come from the
same code as the HTTP answers, and raise ``HTTPError`` (status 400) for parameters the API
refuses. Revisions are measured from the ``now`` of each request: compare revisions at the
same ``now`` (with the default ``volatile_days=2`` the whole 24-hour window is volatile, so
moving the clock never makes an edited interval fall back to revision 0; with
``volatile_minutes`` or ``volatile_days=0`` an interval that leaves the volatile period as
the clock moves shows its revision-0 data again).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import re
import threading
import time
import typing as t
from urllib.parse import parse_qsl, quote, unquote

from sandbox import liveperson_data as data
from sandbox import liveperson_samples as samples
from sandbox.core import HTTPError, Request, Response, SandboxApp, json_response

DEFAULT_ACCOUNT = "12345678"
# Fake credentials of the simulator (not secrets).
CONSUMER_KEY = "sandbox-lp-app-key"
CONSUMER_SECRET = "sandbox-lp-app-secret"  # noqa: S105
ACCESS_TOKEN = "sandbox-lp-access-token"  # noqa: S105
ACCESS_TOKEN_SECRET = "sandbox-lp-access-token-secret"  # noqa: S105
#: The bearer token accepted by default (``bearer_token=None`` accepts none).
BEARER_TOKEN = "sandbox-lp-bearer-token"  # noqa: S105

MAX_TIMEFRAME = 1440
MIN_INTERVAL = 5
SERVICES = ("leDataReporting", "msgEwtAPI", "agentVep")
_OAUTH_PARAM = re.compile(r'([A-Za-z0-9_]+)="([^"]*)"')

_CHOICES: dict[str, tuple[str, ...]] = {
    "data_horizon": ("now", "refresh", "slot"),
    "seconds_rounding": ("half_up", "floor"),
    "back_soon_name": ("Back in 5", "Back soon"),
    "interval_totals": ("empty", "totals"),
    "no_data_agents": ("omit", "zeros"),
}


@dataclasses.dataclass
class Knobs:
    """Readings of the docs and the data revision (see the module docstring)."""

    revision: int = 0
    volatile_days: int = 2
    volatile_minutes: int | None = None
    data_horizon: str = "now"
    seconds_rounding: str = "half_up"
    back_soon_name: str = "Back in 5"
    interval_totals: str = "empty"
    no_data_agents: str = "omit"
    agent_ids_supported: bool = True
    max_timeframe: int | None = MAX_TIMEFRAME
    docs_samples: bool = False
    away_reasons: bool = True
    accept_bearer: bool = True

    def validate(self) -> None:
        for name, allowed in _CHOICES.items():
            if getattr(self, name) not in allowed:
                msg = f"{name} must be one of {', '.join(allowed)}"
                raise ValueError(msg)
        for name, optional in (
            ("revision", False),
            ("volatile_days", False),
            ("volatile_minutes", True),
            ("max_timeframe", True),
        ):
            value = getattr(self, name)
            if value is None and optional:
                continue
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                msg = f"{name} must be a whole number >= 0" + (" or null" if optional else "")
                raise ValueError(msg)
        for name in ("agent_ids_supported", "docs_samples", "away_reasons", "accept_bearer"):
            if not isinstance(getattr(self, name), bool):
                msg = f"{name} must be true or false"
                raise ValueError(msg)

    def view(self, now_ms: int) -> data.View:
        return data.View(
            revision=self.revision,
            volatile_start=data.volatile_start_ms(
                now_ms, self.volatile_days, self.volatile_minutes
            ),
            horizon=data.horizon_ms(now_ms, self.data_horizon),
        )


KNOB_NAMES = tuple(f.name for f in dataclasses.fields(Knobs))


def _pe(value: str) -> str:
    return quote(value, safe="~-._")


def oauth_signature(
    method: str,
    base_uri: str,
    params: list[tuple[str, str]],
    consumer_secret: str,
    token_secret: str,
) -> str:
    """HMAC-SHA1 signature of RFC 5849 §3.4 (OAuth 1.0 §9): ``base_uri`` is scheme, host
    (with a non-default port) and path; ``params`` the decoded query, form body and
    ``oauth_*`` parameters (without ``oauth_signature`` and ``realm``)."""
    normalized = "&".join(f"{k}={v}" for k, v in sorted((_pe(k), _pe(v)) for k, v in params))
    base = "&".join([method.upper(), _pe(base_uri), _pe(normalized)])
    key = f"{_pe(consumer_secret)}&{_pe(token_secret)}"
    return base64.b64encode(hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()).decode()


def _bad_request(message: str) -> HTTPError:
    return HTTPError(400, {"error": "Bad Request", "message": message})


def _unauthorized(message: str) -> HTTPError:
    return HTTPError(401, {"error": "Unauthorized", "message": message})


@dataclasses.dataclass(frozen=True)
class Query:
    """A validated agentactivity request."""

    timeframe: int
    interval: int | None
    agent_ids: tuple[str, ...] | None  # None: agentIds=all
    raw: dict[str, str]


def read_query(source: dict[str, t.Any], knobs: Knobs) -> Query:
    """Validate request parameters (query string and/or JSON body values)."""
    raw = {k: str(v).strip() for k, v in source.items() if v is not None}
    if raw.get("v", "") not in ("1", "2"):
        raise _bad_request("v (API version) is required, e.g. v=1")
    timeframe = _integer(raw.get("timeframe"), "timeframe")
    if timeframe < 1 or (knobs.max_timeframe is not None and timeframe > knobs.max_timeframe):
        raise _bad_request(
            f"timeframe must be between 1 and {knobs.max_timeframe} minutes, got {timeframe}"
        )
    interval = None
    if raw.get("interval", "") != "":
        interval = _integer(raw.get("interval"), "interval")
        if interval < MIN_INTERVAL or interval > timeframe or timeframe % interval:
            raise _bad_request(
                f"interval {interval} must be at least {MIN_INTERVAL}, at most the "
                f"timeframe ({timeframe}) and a divisor of it"
            )
    raw_agents = raw.get("agentIds", "")
    if not raw_agents:
        raise _bad_request("agentIds is required (use agentIds=all)")
    agent_ids: tuple[str, ...] | None = None
    if raw_agents != "all":
        listed = [a.strip() for a in raw_agents.split(",") if a.strip()]
        if not listed or not all(a.isdigit() for a in listed):
            raise _bad_request("agentIds must be 'all' or comma separated numeric ids")
        agent_ids = tuple(dict.fromkeys(listed))
    return Query(timeframe, interval, agent_ids, raw)


def _integer(value: t.Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad_request(f"{name} must be a number of minutes, got {value!r}") from None


def _now_ms(now: dt.datetime | int) -> int:
    """Epoch milliseconds of ``now`` (naive datetimes are UTC)."""
    if isinstance(now, dt.datetime):
        if now.tzinfo is None:
            now = now.replace(tzinfo=dt.UTC)
        return (now - _EPOCH) // dt.timedelta(milliseconds=1)
    return int(now)


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def docs_sample(query: Query) -> str | None:
    """The docs' sample text answering ``query``, if it is the sample's request."""
    params = {k: query.raw.get(k) for k in samples.SAMPLE_PARAMS}
    if params != samples.SAMPLE_PARAMS:
        return None
    interval = query.raw.get("interval", "")
    if interval == "":
        return samples.AGENTS_SAMPLE
    if interval == samples.SAMPLE_INTERVAL:
        return samples.INTERVALS_SAMPLE
    return None


def answer(query: Query, now_ms: int, seed: int, knobs: Knobs) -> dict[str, t.Any]:
    """The generated JSON body for ``query`` at ``now_ms`` (the docs samples aside)."""
    view = knobs.view(now_ms)
    wanted = query.agent_ids if knobs.agent_ids_supported else None

    def per_agent(lo: int, hi: int) -> dict[str, t.Any]:
        out: dict[str, t.Any] = {}
        for agent in data.agents(view) if wanted is None else wanted:
            raw = data.agent_metrics_ms(seed, agent, lo, hi, knobs.away_reasons, view)
            if raw is None and (wanted is None or knobs.no_data_agents == "omit"):
                continue
            out[agent] = data.state_entries(raw, knobs.seconds_rounding, knobs.back_soon_name)
        return {"metricsPerAgent": out, "metricsTotals": []}

    start_ms = now_ms - query.timeframe * data.MINUTE_MS
    if query.interval is None:
        return {"agentsMetrics": per_agent(start_ms, now_ms)}
    size = query.interval * data.MINUTE_MS
    end = -(-now_ms // data.SLOT_MS) * data.SLOT_MS  # rounded up to 5 minutes
    intervals = []
    while end > start_ms:
        lo, hi = max(end - size, start_ms), min(end, now_ms)
        intervals.append({"timestamp": end, "metricsData": {"agentsMetrics": per_agent(lo, hi)}})
        end -= size
    if knobs.interval_totals == "totals":
        totals = per_agent(start_ms, now_ms)
    else:
        totals = {"metricsPerAgent": {}, "metricsTotals": []}
    return {"metricsByIntervals": intervals, "agentsMetrics": totals}


def truth(
    timeframe: int,
    interval: int | None = None,
    agent_ids: t.Sequence[str] | str | None = None,
    *,
    now: dt.datetime | int,
    seed: int = 11,
    **knobs: t.Any,
) -> dict[str, t.Any]:
    """The exact JSON body the API answers (see the module docstring)."""
    setting = Knobs(**knobs)
    setting.validate()
    if agent_ids is None:
        agents = "all"
    elif isinstance(agent_ids, str):
        agents = agent_ids
    else:
        agents = ",".join(agent_ids)
    source = {"timeframe": timeframe, "agentIds": agents, "v": "1", "interval": interval}
    query = read_query(source, setting)
    if setting.docs_samples:
        text = docs_sample(query)
        if text is not None:
            return t.cast("dict[str, t.Any]", json.loads(text))
    return answer(query, _now_ms(now), seed, setting)


RowKey = tuple[int | None, str, int, str | None]


def truth_rows(
    timeframe: int,
    interval: int | None = None,
    agent_ids: t.Sequence[str] | str | None = None,
    *,
    now: dt.datetime | int,
    seed: int = 11,
    **knobs: t.Any,
) -> dict[RowKey, dict[str, int]]:
    """:func:`truth` flattened to ``{(timestamp, agent, state_id, reason_id): value}``."""
    body = truth(timeframe, interval, agent_ids, now=now, seed=seed, **knobs)
    blocks: list[tuple[int | None, dict[str, t.Any]]]
    if "metricsByIntervals" in body:
        blocks = [
            (i["timestamp"], i["metricsData"]["agentsMetrics"]) for i in body["metricsByIntervals"]
        ]
    else:
        blocks = [(None, body["agentsMetrics"])]
    rows: dict[RowKey, dict[str, int]] = {}
    for stamp, metrics in blocks:
        for agent, states in metrics["metricsPerAgent"].items():
            for state in states:
                rows[(stamp, agent, state["id"], None)] = state["value"]
                for reason in state.get("reasons", []):
                    rows[(stamp, agent, state["id"], reason["id"])] = reason["value"]
    return rows


class LivePersonApp(SandboxApp):
    name = "liveperson"

    def __init__(
        self,
        *,
        seed: int = 11,
        account_id: str = DEFAULT_ACCOUNT,
        consumer_key: str = CONSUMER_KEY,
        consumer_secret: str = CONSUMER_SECRET,
        access_token: str = ACCESS_TOKEN,
        access_token_secret: str = ACCESS_TOKEN_SECRET,
        bearer_token: str | None = BEARER_TOKEN,
        max_concurrent: int = 4,
        latency: float = 0.0,
        base_uri: str | None = None,
        timestamp_skew_seconds: float = 600.0,
        **knobs: t.Any,
    ) -> None:
        super().__init__(rate_limit=None)
        self.seed = seed
        self.account_id = str(account_id)
        self.consumer = (consumer_key, consumer_secret)
        self.token = (access_token, access_token_secret)
        self.bearer_token = bearer_token
        self.max_concurrent = max_concurrent
        self.latency = latency
        self.base_uri = base_uri
        self.timestamp_skew = timestamp_skew_seconds
        self.knobs = Knobs()
        self.set_knobs(**knobs)
        self._in_flight = 0
        self._flight_lock = threading.Lock()
        self._nonces: set[tuple[str, str]] = set()
        self.add_route(
            "GET", r"^/api/account/(?P<account>[^/]+)/service/baseURI(?:\.json)?$", self.domains
        )
        self.add_route(
            "GET",
            r"^/api/account/(?P<account>[^/]+)/service/(?P<service>[^/]+)/baseURI\.json$",
            self.domain,
        )
        path = r"^/operations/api/account/(?P<account>[^/]+)/agentactivity/?$"
        self.add_route("GET", path, self.agent_activity)
        self.add_route("POST", path, self.agent_activity)

    # -- knobs ---------------------------------------------------------------------------

    def set_knobs(self, **changes: t.Any) -> Knobs:
        unknown = sorted(set(changes) - set(KNOB_NAMES))
        if unknown:
            msg = f"unknown knob(s) {', '.join(unknown)}; knobs are {', '.join(KNOB_NAMES)}"
            raise ValueError(msg)
        updated = dataclasses.replace(self.knobs, **changes)
        updated.validate()
        self.knobs = updated
        return updated

    def set_revision(self, revision: int) -> None:
        self.set_knobs(revision=revision)

    @property
    def revision(self) -> int:
        return self.knobs.revision

    @revision.setter
    def revision(self, value: int) -> None:
        self.set_knobs(revision=value)

    @property
    def away_reasons(self) -> bool:
        return self.knobs.away_reasons

    @away_reasons.setter
    def away_reasons(self, value: bool) -> None:
        self.set_knobs(away_reasons=value)

    def control(self, req: Request) -> Response:
        if req.path == "/__sandbox__/knobs" and req.method == "GET":
            return json_response(dataclasses.asdict(self.knobs))
        if req.path in ("/__sandbox__/knobs", "/__sandbox__/revision") and req.method == "POST":
            try:
                spec = req.json() or {}
                if not isinstance(spec, dict):
                    raise ValueError("send a JSON object")
                if req.path.endswith("/revision"):
                    spec = {"revision": spec.get("revision")}
                knobs = self.set_knobs(**spec)
            except (ValueError, TypeError) as exc:
                return json_response({"error": str(exc)}, 400)
            return json_response(dataclasses.asdict(knobs))
        return super().control(req)

    # -- Domain API ----------------------------------------------------------------------

    def _host(self, req: Request) -> str:
        return self.base_uri or req.header("Host") or "127.0.0.1"

    def domain(self, req: Request, account: str, service: str) -> Response:
        if req.query.get("version") != "1.0":
            raise _bad_request("version=1.0 is required")
        if account != self.account_id:
            raise _unauthorized("Bad Authentication (invalid site or agent)")
        if service not in SERVICES:  # service names are case sensitive
            raise _bad_request(f"unknown service {service!r}")
        return json_response({"service": service, "account": account, "baseURI": self._host(req)})

    def domains(self, req: Request, account: str) -> Response:
        if req.query.get("version") != "1.0":
            raise _bad_request("version=1.0 is required")
        if account != self.account_id:
            raise _unauthorized("Bad Authentication (invalid site or agent)")
        host = self._host(req)
        return json_response(
            {"baseURIs": [{"service": s, "account": account, "baseURI": host} for s in SERVICES]}
        )

    # -- auth ----------------------------------------------------------------------------

    def authenticate(self, req: Request) -> None:
        header = req.header("Authorization")
        if not header:
            raise _unauthorized("Missing Authorization header")
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "bearer":
            token = self.bearer_token if self.knobs.accept_bearer else None
            if token is None or rest.strip() != token:
                raise _unauthorized("Invalid bearer token")
            return
        if scheme != "OAuth":
            raise _unauthorized(f"Unsupported authorization scheme {scheme!r}")
        self.verify_oauth(req, rest)

    def verify_oauth(self, req: Request, rest: str) -> None:
        params = {k: unquote(v) for k, v in _OAUTH_PARAM.findall(rest)}
        required = (
            "oauth_consumer_key",
            "oauth_token",
            "oauth_signature_method",
            "oauth_timestamp",
            "oauth_nonce",
            "oauth_signature",
        )
        missing = [k for k in required if not params.get(k)]
        if missing:
            raise _unauthorized(f"Malformed OAuth header: missing {', '.join(missing)}")
        if params["oauth_signature_method"] != "HMAC-SHA1":
            raise _unauthorized("Only HMAC-SHA1 signatures are supported")
        if params.get("oauth_version", "1.0") != "1.0":
            raise _unauthorized("oauth_version must be 1.0")
        if (
            params["oauth_consumer_key"] != self.consumer[0]
            or params["oauth_token"] != self.token[0]
        ):
            raise _unauthorized("Unknown consumer key or access token")
        try:
            stamp = int(params["oauth_timestamp"])
        except ValueError:
            raise _unauthorized("oauth_timestamp is not an integer") from None
        # OAuth timestamps use the real clock, not the pinned report clock.
        if abs(time.time() - stamp) > self.timestamp_skew:
            raise _unauthorized("oauth_timestamp is outside the allowed window")
        nonce = (params["oauth_timestamp"], params["oauth_nonce"])
        with self._flight_lock:
            if nonce in self._nonces:
                raise _unauthorized("oauth_nonce was already used")
            self._nonces.add(nonce)
        pairs = [(k, v) for k, values in req.query_lists.items() for v in values]
        if (req.header("Content-Type") or "").startswith("application/x-www-form-urlencoded"):
            pairs += parse_qsl(req.body.decode(), keep_blank_values=True)
        pairs += [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
        host = (req.header("Host") or "").lower()
        expected = oauth_signature(
            req.method, f"http://{host}{req.path}", pairs, self.consumer[1], self.token[1]
        )
        if not hmac.compare_digest(expected, params["oauth_signature"]):
            raise _unauthorized("Invalid OAuth signature")

    # -- concurrency limit ---------------------------------------------------------------

    def _enter(self) -> bool:
        with self._flight_lock:
            if self._in_flight >= self.max_concurrent:
                return False
            self._in_flight += 1
            return True

    def _leave(self) -> None:
        with self._flight_lock:
            self._in_flight -= 1

    # -- agent activity ------------------------------------------------------------------

    def agent_activity(self, req: Request, account: str) -> Response:
        self.authenticate(req)
        if account != self.account_id:
            raise HTTPError(404, {"error": "Not Found", "message": f"account {account} not found"})
        if not self._enter():
            self.stats["429"] += 1
            return json_response({"error": "Too Many Requests"}, 429)
        try:
            if self.latency:
                time.sleep(self.latency)
            query = self.read_params(req)
            knobs = self.knobs
            if knobs.docs_samples:
                text = docs_sample(query)
                if text is not None:
                    return Response(200, text.encode())
            return json_response(answer(query, _now_ms(self.now()), self.seed, knobs))
        finally:
            self._leave()

    def read_params(self, req: Request) -> Query:
        source: dict[str, t.Any] = dict(req.query)
        if req.method == "POST":
            try:
                body = req.json()
            except ValueError:
                raise _bad_request("body is not JSON") from None
            if not isinstance(body, dict):
                raise _bad_request("body must be a JSON object")
            source.update(body)
        return read_query(source, self.knobs)

    def activity(
        self, timeframe: int, interval: int | None, agents: list[str] | None
    ) -> dict[str, t.Any]:
        """The body for these parameters at the server's ``now`` (in-process callers)."""
        return truth(
            timeframe,
            interval,
            agents,
            now=self.now(),
            seed=self.seed,
            **dataclasses.asdict(self.knobs),
        )


def build(**options: t.Any) -> LivePersonApp:
    return LivePersonApp(**options)


def at(text: str) -> dt.datetime:
    """A UTC instant from ISO text (for tests pinning the server clock)."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
