"""Simulator of the Dixa Analytics API (api-docs/dixa-analytics-api.txt, API-FACTS.md §2).

Routes under ``{base}/v1/analytics``:

* ``GET /metrics``, ``GET /records`` (catalogues), ``GET /metrics/{id}``, ``GET /records/{id}``
* ``GET /filter/{attribute}`` (filter values)
* ``POST /metrics`` (aggregated, one total per measure, no paging)
* ``POST /records`` (unaggregated rows, paged: ``?pageLimit=`` and the opaque ``?pageKey=``
  from the previous response's ``meta.next``, re-sending the same body)

Documented behaviour reproduced: ``Authorization: <token>`` (``Bearer <token>`` is also
accepted; 401 otherwise), 400 ``{"message": ...}`` for bad bodies, page limits and page
keys, 10 requests per second with a burst of 4 per token (a token bucket; 429 beyond), page keys that are
base64 and rejected when edited or re-used with another body, a last page without
``meta.next``, and null nullable fields sent without their ``field``.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
import typing as t
from collections import Counter
from urllib.parse import quote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sandbox import dixa_data as data
from sandbox.core import HTTPError, Request, Response, SandboxApp, json_response

DEFAULT_TOKEN = "sandbox-dixa-token"  # noqa: S105 - a fake credential for the simulator
PREFIX = "/v1/analytics"
DEFAULT_PAGE_LIMIT = 50
MAX_PAGE_LIMIT = 300
PRESETS = {
    "PreviousQuarter",
    "ThisWeek",
    "PreviousWeek",
    "Yesterday",
    "Today",
    "ThisMonth",
    "PreviousMonth",
    "ThisQuarter",
    "ThisYear",
}
MEASURES = {
    "Min",
    "Max",
    "Sum",
    "Count",
    "Percentage",
    "AgentPresenceDuration",
    "StdDev",
    "Average",
}


class TokenBucket:
    """The documented limit per token: "Rate: 10 requests per second, Bursts: 4 requests".

    Each token holds ``burst`` requests and refills at ``rate`` per second.
    """

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = float(rate)
        self.burst = float(burst)
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> float | None:
        """Spend one request; None if allowed, else seconds until one is."""
        now = time.monotonic()
        with self._lock:
            level, stamp = self._state.get(key, (self.burst, now))
            level = min(self.burst, level + (now - stamp) * self.rate)
            if level < 1.0:
                self._state[key] = (level, now)
                return (1.0 - level) / self.rate
            self._state[key] = (level - 1.0, now)
            return None


def bad_request(message: str) -> HTTPError:
    return HTTPError(400, {"message": message})


BAD_BODY = "Invalid value for: body"


class DixaApp(SandboxApp):
    name = "dixa"

    def __init__(
        self,
        *,
        seed: int = 11,
        token: str = DEFAULT_TOKEN,
        rate_per_second: float = 10.0,
        burst: int = 4,
        extra_field_type: str | None = None,
    ) -> None:
        super().__init__(rate_limit=None)
        self.bucket = TokenBucket(rate_per_second, burst)
        self.seed = seed
        self.token = token
        #: When set, every record has a ``sentiment`` field of this undocumented type.
        self.extra_field_type = extra_field_type
        self._key_secret = hashlib.sha256(f"dixa-page-keys-{seed}".encode()).digest()
        #: (path, request digest, offset) -> times that page was served.
        self.page_fetches: Counter[tuple[str, str, int]] = Counter()
        p = PREFIX
        self.add_route("GET", rf"^{p}/metrics/?$", self.metrics_catalogue)
        self.add_route("POST", rf"^{p}/metrics/?$", self.metric_data)
        self.add_route("GET", rf"^{p}/metrics/(?P<metric_id>[^/]+)/?$", self.metric_description)
        self.add_route("GET", rf"^{p}/records/?$", self.records_catalogue)
        self.add_route("POST", rf"^{p}/records/?$", self.records_data)
        self.add_route("GET", rf"^{p}/records/(?P<record_id>[^/]+)/?$", self.record_description)
        self.add_route("GET", rf"^{p}/filter/(?P<attribute>[^/]+)/?$", self.filter_values)

    # -- auth and limits -----------------------------------------------------------------

    def authenticate(self, req: Request) -> None:
        value = (req.header("Authorization") or "").strip()
        token = value[7:].strip() if value.lower().startswith("bearer ") else value
        if not token or not hmac.compare_digest(token, self.token):
            raise HTTPError(
                401, {"message": "User is unauthorized to perform an underlying operation"}
            )
        limited = self.rate_limited(token)
        if limited is not None:
            raise HTTPError(429, {"message": "Too Many Requests"}, limited.headers)

    def rate_limited(self, key: str) -> Response | None:
        wait = self.bucket.take(key)
        if wait is None:
            return None
        self.stats["429"] += 1
        return self.too_many_requests(wait)

    def too_many_requests(self, wait: float) -> Response:
        return json_response({"message": "Too Many Requests"}, 429)

    def not_found(self, req: Request) -> Response:
        return json_response({"message": "Not Found"}, 404)

    # -- paging --------------------------------------------------------------------------

    def page_limit(self, req: Request) -> int | None:
        raw = req.query.get("pageLimit")
        if raw is None:
            return None
        try:
            limit = int(raw)
        except ValueError:
            raise bad_request("Invalid value for: query parameter pageLimit") from None
        if not 1 <= limit <= MAX_PAGE_LIMIT:
            raise bad_request("Invalid value for: query parameter pageLimit")
        return limit

    def _sign(self, payload: bytes) -> str:
        return hmac.new(self._key_secret, payload, hashlib.sha256).hexdigest()[:24]

    def make_key(self, digest: str, offset: int, limit: int) -> str:
        payload = json.dumps({"q": digest, "o": offset, "l": limit}, separators=(",", ":")).encode()
        token = payload + b"|" + self._sign(payload).encode()
        return base64.urlsafe_b64encode(token).decode()

    def read_key(self, key: str, digest: str) -> tuple[int, int]:
        """(offset, limit) from a page key; 400 if edited, forged or for another query."""
        try:
            token = base64.urlsafe_b64decode(key.encode() + b"=" * (-len(key) % 4))
            payload, _, sig = token.rpartition(b"|")
            if not hmac.compare_digest(sig.decode(), self._sign(payload)):
                raise ValueError("signature")
            spec = json.loads(payload)
            if spec["q"] != digest:
                raise ValueError("query")
            return int(spec["o"]), int(spec["l"])
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise bad_request("Invalid value for: query parameter pageKey") from None

    def paged(self, req: Request, items: list[t.Any], digest: str) -> Response:
        limit = self.page_limit(req)
        offset = 0
        key = req.query.get("pageKey")
        if key is not None:
            offset, key_limit = self.read_key(key, digest)
            limit = limit or key_limit
        limit = limit or DEFAULT_PAGE_LIMIT
        self.page_fetches[(req.path, digest, offset)] += 1
        page = items[offset : offset + limit]
        body: dict[str, t.Any] = {"data": page}
        meta: dict[str, str] = {}
        if offset > 0:
            meta["previous"] = (
                f"{req.path}?pageKey={quote(self.make_key(digest, max(offset - limit, 0), limit))}"
            )
        if offset + limit < len(items):
            meta["next"] = (
                f"{req.path}?pageKey={quote(self.make_key(digest, offset + limit, limit))}"
            )
        if meta:
            body["meta"] = meta
        return json_response(body)

    @staticmethod
    def digest(req: Request, body: t.Any = None) -> str:
        text = req.path + "\n" + json.dumps(body, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    # -- catalogues ----------------------------------------------------------------------

    def metrics_catalogue(self, req: Request) -> Response:
        self.authenticate(req)
        return self.paged(req, data.METRICS, self.digest(req))

    def record_entries(self) -> list[dict[str, t.Any]]:
        if not self.extra_field_type:
            return data.RECORDS
        extra = {"field": "sentiment", "description": "Sentiment analysis", "nullable": True}
        return [{**r, "fieldsMetadata": [*r["fieldsMetadata"], extra]} for r in data.RECORDS]

    def records_catalogue(self, req: Request) -> Response:
        self.authenticate(req)
        return self.paged(req, self.record_entries(), self.digest(req))

    def metric_description(self, req: Request, metric_id: str) -> Response:
        self.authenticate(req)
        entry = data.metric(metric_id)
        if entry is None:
            raise bad_request("Invalid value extracted from request context")
        return json_response({"data": entry})

    def record_description(self, req: Request, record_id: str) -> Response:
        self.authenticate(req)
        entry = next((r for r in self.record_entries() if r["id"] == record_id), None)
        if entry is None:
            raise bad_request("Invalid value extracted from request context")
        return json_response({"data": entry})

    def filter_values(self, req: Request, attribute: str) -> Response:
        self.authenticate(req)
        values = data.filter_values(attribute)
        if values is None:
            raise bad_request("Invalid value extracted from request context")
        return self.paged(req, values, self.digest(req))

    # -- bodies --------------------------------------------------------------------------

    def read_body(self, req: Request) -> dict[str, t.Any]:
        try:
            body = req.json()
        except ValueError:
            raise bad_request("Decoding failure in request") from None
        if not isinstance(body, dict):
            raise bad_request(BAD_BODY)
        return body

    def period(self, body: dict[str, t.Any]) -> tuple[float, float]:
        tz_name = body.get("timezone")
        if not isinstance(tz_name, str):
            raise bad_request(BAD_BODY)
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise bad_request(BAD_BODY) from None
        spec = body.get("periodFilter")
        if not isinstance(spec, dict):
            raise bad_request(BAD_BODY)
        kind = spec.get("_type")
        if kind == "Interval":
            start = self._instant(spec.get("start"))
            end = self._instant(spec.get("end"))
            if end <= start:
                raise bad_request(BAD_BODY)
            return start.timestamp(), end.timestamp()
        if kind == "Preset":
            value = spec.get("value")
            name = value.get("_type") if isinstance(value, dict) else None
            if name not in PRESETS:
                raise bad_request(BAD_BODY)
            start, end = preset_range(str(name), self.now().astimezone(tz))
            return start.timestamp(), end.timestamp()
        raise bad_request(BAD_BODY)

    @staticmethod
    def _instant(value: t.Any) -> dt.datetime:
        if not isinstance(value, str):
            raise bad_request(BAD_BODY)
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise bad_request(BAD_BODY) from None
        if moment.tzinfo is None:  # RFC 3339 needs an offset
            raise bad_request(BAD_BODY)
        return moment

    @staticmethod
    def filters(body: dict[str, t.Any], accepted: set[str]) -> dict[str, set[str]]:
        """Filters the metric or record accepts; the others are ignored, as documented."""
        raw = body.get("filters", [])
        if not isinstance(raw, list):
            raise bad_request(BAD_BODY)
        out: dict[str, set[str]] = {}
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("attribute"), str):
                raise bad_request(BAD_BODY)
            values = item.get("values", [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise bad_request(BAD_BODY)
            if item["attribute"] in accepted:
                out.setdefault(item["attribute"], set()).update(v.lower() for v in values)
        return out

    def entry_for(self, body: dict[str, t.Any], catalogue: str) -> dict[str, t.Any]:
        ident = body.get("id")
        if not isinstance(ident, str):
            raise bad_request(BAD_BODY)
        entry = data.metric(ident) if catalogue == "metrics" else data.record(ident)
        if entry is None:
            raise bad_request("Invalid value in request")
        return entry

    # -- data ----------------------------------------------------------------------------

    def metric_data(self, req: Request) -> Response:
        self.authenticate(req)
        body = self.read_body(req)
        entry = self.entry_for(body, "metrics")
        start, end = self.period(body)
        offered = [a["measure"] for a in entry["aggregations"]]
        asked = body.get("aggregations")
        if asked is None:
            measures = offered
        elif not isinstance(asked, list) or not all(a in MEASURES for a in asked):
            raise bad_request(BAD_BODY)
        elif any(a not in offered for a in asked):
            raise bad_request("Invalid value in request")
        else:
            measures = list(asked)
        filters = self.filters(body, data.accepted_filters(entry))
        aggregates = data.aggregates(self.seed, entry["id"], measures, start, end, filters)
        return json_response({"data": {"id": entry["id"], "aggregates": aggregates}})

    def records_data(self, req: Request) -> Response:
        self.authenticate(req)
        body = self.read_body(req)
        entry = self.entry_for(body, "records")
        start, end = self.period(body)
        filters = self.filters(body, data.accepted_filters(entry))
        convs = data.records(self.seed, entry["id"], start, end, filters)
        rows = [data.record_row(entry["id"], c, self.extra_field_type) for c in convs]
        return self.paged(req, rows, self.digest(req, body))


def preset_range(name: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """``[start, end)`` of a preset in the request's timezone (``This*`` ends now)."""
    tz = now.tzinfo
    today = dt.datetime(now.year, now.month, now.day, tzinfo=tz)

    def day(d: dt.date) -> dt.datetime:
        return dt.datetime(d.year, d.month, d.day, tzinfo=tz)

    def quarter_start(d: dt.date) -> dt.date:
        return dt.date(d.year, 3 * ((d.month - 1) // 3) + 1, 1)

    def month_back(d: dt.date, months: int) -> dt.date:
        index = d.year * 12 + d.month - 1 - months
        return dt.date(index // 12, index % 12 + 1, 1)

    d = now.date()
    if name == "Today":
        return today, now
    if name == "Yesterday":
        return day(d - dt.timedelta(days=1)), today
    if name == "ThisWeek":
        return day(d - dt.timedelta(days=d.weekday())), now
    if name == "PreviousWeek":
        monday = d - dt.timedelta(days=d.weekday())
        return day(monday - dt.timedelta(days=7)), day(monday)
    if name == "ThisMonth":
        return day(d.replace(day=1)), now
    if name == "PreviousMonth":
        return day(month_back(d, 1)), day(d.replace(day=1))
    if name == "ThisQuarter":
        return day(quarter_start(d)), now
    if name == "PreviousQuarter":
        this_q = quarter_start(d)
        return day(month_back(this_q, 3)), day(this_q)
    return day(dt.date(d.year, 1, 1)), now  # ThisYear


def build(**options: t.Any) -> DixaApp:
    return DixaApp(**options)
