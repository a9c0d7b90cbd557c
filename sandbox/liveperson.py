"""Simulator of LivePerson's Operational Realtime agent activity method
(api-docs/liveperson-agent-activity-api.txt; domain, auth and limits from API-FACTS.md §3).

Routes (``{base}`` is the server's address):

* ``GET {base}/api/account/{accountId}/service/{service}/baseURI.json?version=1.0`` — the
  Domain API (no auth): ``{"service", "account", "baseURI"}``; the base URI is this
  server's own host (or the ``base_uri`` option).
* ``GET {base}/operations/api/account/{accountId}/agentactivity?timeframe=&agentIds=&v=&interval=``
* ``POST`` to the same path with the JSON body ``{"timeframe": "...", "agentIds": "...",
  "interval": "...", "v": "..."}`` (values are strings in the docs; numbers accepted).

Documented behaviour reproduced:

* the window is ``[now - timeframe, now]`` with the server's ``now`` (pin it with
  ``app.set_now(...)`` or ``POST /__sandbox__/now {"now": "<iso>"}``);
* with ``interval``, ``metricsByIntervals`` newest first; each ``timestamp`` (epoch ms) is
  the interval's END, ends rounded up to 5 minutes from now; the latest interval is cut at
  now and the earliest holds only the remainder of the timeframe;
* agents without data are left out; ``metricsPerAgent`` is ``{}`` when nobody has data;
  ``reasons`` is ``[]`` when there is no away reason (always, with ``away_reasons=False``);
  ``metricsTotals`` is ``[]`` ("Totals are not currently supported");
* 400 for a missing or bad ``timeframe`` (over 1440), ``v``, ``agentIds`` or ``interval``
  (under 5, over the timeframe, or not a divisor of it); 401 for a missing, malformed or
  wrong OAuth 1.0a HMAC-SHA1 signature (checked per RFC 5849, with timestamp window and
  nonce replay) or bearer token; 404 for another account; 429 past ``max_concurrent``
  requests in flight per account (``latency`` seconds keeps each request in flight).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import threading
import time
import typing as t
from urllib.parse import parse_qsl, quote, unquote

from sandbox import liveperson_data as data
from sandbox.core import HTTPError, Request, Response, SandboxApp, json_response

DEFAULT_ACCOUNT = "12345678"
# Fake credentials of the simulator (not secrets).
CONSUMER_KEY = "sandbox-lp-app-key"
CONSUMER_SECRET = "sandbox-lp-app-secret"  # noqa: S105
ACCESS_TOKEN = "sandbox-lp-access-token"  # noqa: S105
ACCESS_TOKEN_SECRET = "sandbox-lp-access-token-secret"  # noqa: S105
BEARER_TOKEN = "sandbox-lp-bearer-token"  # noqa: S105

MAX_TIMEFRAME = 1440
MIN_INTERVAL = 5
SERVICES = ("leDataReporting", "msgEwtAPI", "agentVep")
_OAUTH_PARAM = re.compile(r'([A-Za-z0-9_]+)="([^"]*)"')


def _pe(value: str) -> str:
    return quote(value, safe="~-._")


def _bad_request(message: str) -> HTTPError:
    return HTTPError(400, {"error": "Bad Request", "message": message})


def _unauthorized(message: str) -> HTTPError:
    return HTTPError(401, {"error": "Unauthorized", "message": message})


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
        away_reasons: bool = True,
        max_concurrent: int = 4,
        latency: float = 0.0,
        base_uri: str | None = None,
        timestamp_skew_seconds: float = 600.0,
    ) -> None:
        super().__init__(rate_limit=None)
        self.seed = seed
        self.account_id = str(account_id)
        self.consumer = (consumer_key, consumer_secret)
        self.token = (access_token, access_token_secret)
        self.bearer_token = bearer_token
        self.away_reasons = away_reasons
        self.max_concurrent = max_concurrent
        self.latency = latency
        self.base_uri = base_uri
        self.timestamp_skew = timestamp_skew_seconds
        self._in_flight = 0
        self._flight_lock = threading.Lock()
        self._nonces: set[tuple[str, str]] = set()
        self.add_route(
            "GET",
            r"^/api/account/(?P<account>[^/]+)/service/(?P<service>[^/]+)/baseURI\.json$",
            self.domain,
        )
        path = r"^/operations/api/account/(?P<account>[^/]+)/agentactivity/?$"
        self.add_route("GET", path, self.agent_activity)
        self.add_route("POST", path, self.agent_activity)

    # -- Domain API ----------------------------------------------------------------------

    def domain(self, req: Request, account: str, service: str) -> Response:
        if req.query.get("version") != "1.0":
            raise _bad_request("version=1.0 is required")
        if account != self.account_id:
            raise _unauthorized("Bad Authentication (invalid site or agent)")
        if service not in SERVICES:  # service names are case sensitive
            raise _bad_request(f"unknown service {service!r}")
        host = self.base_uri or req.header("Host") or "127.0.0.1"
        return json_response({"service": service, "account": account, "baseURI": host})

    # -- auth ----------------------------------------------------------------------------

    def authenticate(self, req: Request) -> None:
        header = req.header("Authorization")
        if not header:
            raise _unauthorized("Missing Authorization header")
        scheme, _, rest = header.partition(" ")
        if scheme.lower() == "bearer":
            if self.bearer_token is None or rest.strip() != self.bearer_token:
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
        normalized = "&".join(f"{k}={v}" for k, v in sorted((_pe(k), _pe(v)) for k, v in pairs))
        host = (req.header("Host") or "").lower()
        base = "&".join([req.method.upper(), _pe(f"http://{host}{req.path}"), _pe(normalized)])
        key = f"{_pe(self.consumer[1])}&{_pe(self.token[1])}"
        expected = base64.b64encode(
            hmac.new(key.encode(), base.encode(), hashlib.sha1).digest()
        ).decode()
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
            params = self.read_params(req)
            return json_response(self.activity(*params))
        finally:
            self._leave()

    def read_params(self, req: Request) -> tuple[int, int | None, list[str] | None]:
        source: dict[str, t.Any] = dict(req.query)
        if req.method == "POST":
            try:
                body = req.json()
            except ValueError:
                raise _bad_request("body is not JSON") from None
            if not isinstance(body, dict):
                raise _bad_request("body must be a JSON object")
            source.update(body)
        if str(source.get("v", "")).strip() not in ("1", "2"):
            raise _bad_request("v (API version) is required, e.g. v=1")
        timeframe = _integer(source.get("timeframe"), "timeframe")
        if timeframe < 1 or timeframe > MAX_TIMEFRAME:
            raise _bad_request(
                f"timeframe must be between 1 and {MAX_TIMEFRAME} minutes, got {timeframe}"
            )
        interval = None
        if source.get("interval") not in (None, ""):
            interval = _integer(source.get("interval"), "interval")
            if interval < MIN_INTERVAL or interval > timeframe or timeframe % interval:
                raise _bad_request(
                    f"interval {interval} must be at least {MIN_INTERVAL}, at most the "
                    f"timeframe ({timeframe}) and a divisor of it"
                )
        raw_agents = str(source.get("agentIds") or "").strip()
        if not raw_agents:
            raise _bad_request("agentIds is required (use agentIds=all)")
        agents: list[str] | None = None
        if raw_agents != "all":
            agents = [a.strip() for a in raw_agents.split(",") if a.strip()]
            if not agents or not all(a.isdigit() for a in agents):
                raise _bad_request("agentIds must be 'all' or comma separated numeric ids")
        return timeframe, interval, agents

    def per_agent(self, start_ms: int, end_ms: int, agents: list[str] | None) -> dict[str, t.Any]:
        wanted = data.AGENTS if agents is None else [a for a in agents if a in data.AGENTS]
        out: dict[str, t.Any] = {}
        for agent in wanted:
            entry = data.agent_metrics(self.seed, agent, start_ms, end_ms, self.away_reasons)
            if entry is not None:
                out[agent] = entry
        return {"metricsPerAgent": out, "metricsTotals": []}

    def activity(self, timeframe: int, interval: int | None, agents: list[str] | None) -> t.Any:
        now_ms = int(self.now().timestamp() * 1000)
        start_ms = now_ms - timeframe * data.MINUTE_MS
        if interval is None:
            return {"agentsMetrics": self.per_agent(start_ms, now_ms, agents)}
        size = interval * data.MINUTE_MS
        end = -(-now_ms // data.SLOT_MS) * data.SLOT_MS  # rounded up to 5 minutes
        intervals = []
        while end > start_ms:
            lo = max(end - size, start_ms)
            hi = min(end, now_ms)
            intervals.append(
                {
                    "timestamp": end,
                    "metricsData": {"agentsMetrics": self.per_agent(lo, hi, agents)},
                }
            )
            end -= size
        return {
            "metricsByIntervals": intervals,
            # Documented as the totals of all intervals; the sample (and "Totals are not
            # currently supported") show it empty.
            "agentsMetrics": {"metricsPerAgent": {}, "metricsTotals": []},
        }


def _integer(value: t.Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad_request(f"{name} must be a number of minutes, got {value!r}") from None


def build(**options: t.Any) -> LivePersonApp:
    return LivePersonApp(**options)


def at(text: str) -> dt.datetime:
    """A UTC instant from ISO text (for tests pinning the server clock)."""
    moment = dt.datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)
