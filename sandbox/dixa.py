"""Simulator of the Dixa Analytics API (api-docs/dixa-analytics-api.txt, API-FACTS.md §2).

Routes under ``{base}/v1/analytics``:

* ``GET /metrics``, ``GET /records`` (catalogues), ``GET /metrics/{id}``, ``GET /records/{id}``
* ``GET /filter/{attribute}`` (filter values)
* ``POST /metrics`` (aggregated, one total per measure, no paging)
* ``POST /records`` (unaggregated rows, paged: ``?pageLimit=`` and the opaque ``?pageKey=``
  from the previous response's ``meta.next``, re-sending the same body)

Documented behaviour reproduced: the catalogues, metric and record descriptions exactly as
the docs' samples (``csat`` and ``closed_conversations``; ``ratings`` and
``closed_conversations``); ``Authorization: <token>`` (``Bearer <token>`` is also accepted;
401 otherwise); 400 ``{"message": ...}`` for bad bodies, page limits and page keys; 10
requests per second with a burst of 4 per token (a token bucket; 429 beyond); a last page
without ``meta``; instants with milliseconds (``"2023-04-21T10:23:14.293Z"``); a filter a
metric or record does not list is "simply ignored"; no data later than the simulator's clock.
Data: :mod:`sandbox.dixa_data` (seeded; see its docstring for what revisions change).

Control (besides :mod:`sandbox.core`'s faults, stats, reset and now):

* ``POST /__sandbox__/revision {"revision": 1}`` / ``GET /__sandbox__/revision``;
  in-process ``app.set_revision(1)``.
* ``POST /__sandbox__/knobs {"record_shape": "catalogue", ...}`` / ``GET /__sandbox__/knobs``;
  in-process ``app.set_knobs(record_shape="catalogue")``; also factory options
  (``python -m sandbox dixa --set record_shape=catalogue``). Unknown knob or reading: 400.

Knobs (default first), one per reading where the docs allow two:

* ``dataset``: ``generated`` | ``docs``. ``docs`` answers from the docs' samples only: the
  docs' request bodies of "Get Metric Data" / "Get Metric Records Data" get the docs'
  response bodies verbatim (``42``; the two rows with csid 184472 and 184473), ``GET
  /filter/channel`` gets ``CALLBACK``/``CONTACT_FORM``; other requests are answered from
  those two rows (other filter attributes: no values).
* ``record_shape``: ``example`` | ``catalogue``. The catalogue's fieldsMetadata of
  ``closed_conversations`` lists ``closed_at, conversation_id, agent_id, queue_id,
  closed_by``; the docs' only example row has ``primaryTimestampField`` ``created_at`` and
  fields ``csid, initial_direction, initial_channel, contact_point``. ``example`` sends rows
  like the example; ``catalogue`` sends the catalogue's fields (primary ``closed_at``).
  Either way one row per close: a conversation closed, reopened and closed again is two
  rows (in ``example`` shape two identical rows).
* ``closed_period_by``: ``closed_at`` | ``created_at``. Which instant of an example-shaped
  ``closed_conversations`` row the periodFilter selects on: the close ("closed
  conversation data", "Conversation closed count") or the row's ``primaryTimestampField``
  (``created_at``). The Count metric follows the same reading.
* ``null_field``: ``absent`` | ``null`` | ``omitted``. A null value of a ``"nullable":
  true`` field (``agent_id``, ``queue_id``): ``Field`` requires only ``name``, so
  ``{"name": "agent_id"}``; or ``"field": null``; or no entry at all.
* ``zero_count``: ``value`` | ``empty``. A Count of nothing: ``{"value": 0, ...}`` or
  ``"aggregates": []`` (the docs show both ``42`` and an empty ``aggregates``).
  Percentage of nothing is always left out.
* ``filter_case``: ``insensitive`` | ``exact``. The docs' metric request filters
  ``channel`` by ``"email"`` while rows and filter values say ``EMAIL``.
* ``long_values``: ``integer`` | ``double`` | ``mixed``. ``LongField`` values (csid,
  conversation_id, the ratings' ``value``) as ``184472`` or ``184472.0`` (a JSON number with
  a zero fraction is an integer in JSON Schema; ``mixed``: odd conversation ids only).
* ``rename_scope``: ``recent`` | ``all``. Labels of renamed agents/queues in rows: only on
  the volatile days (older days never change) or on every day (looked up when asked).
* ``interval_end``: ``exclusive`` | ``inclusive``. Whether an ``Interval``'s ``end``
  instant is part of the period (the docs do not say; Dixa's MCP sends ``...T23:59:59Z``).
* ``page_key``: ``documented`` | ``signed``. "Base64 encoded form of pagination query
  parameters": ``base64("pageLimit=50&page=1")`` (``&offset=N`` added when a changed
  pageLimit leaves the offset off the page grid), any body may use it; or the former
  opaque key, bound to its request body and refused (400) when edited.
* ``page_limit_change``: ``keep_offset`` | ``page_times_limit``. "May be used in
  combination with pageKey to change the number of results in between page requests": the
  next page starts where the last one ended, or at ``page * new pageLimit``.
* ``volatile_days`` (int, 2) and ``extra_field_type`` (null; a ``sentiment`` field of that
  undocumented ``_type`` on every row, and in fieldsMetadata).
* ``first_response_time`` (false): adds a metric and a record ``first_response_time`` that
  the docs' catalogues do not list (Dixa's MCP uses the id; API-FACTS §2.4): measures
  Average/Min/Max/Sum (Double, seconds) and Count; rows shaped like the OpenAPI "Metric
  Records Data Example" (``value`` DoubleField, ``csid``, ``queue`` UUIDField,
  ``current_channel``), primary ``created_at``, period on the first response instant.

Truth (same generator as the HTTP answers): ``app.truth_records(record_id, day, tz="UTC",
filters=None) -> [row]`` and ``app.truth_metric(metric_id, day, tz="UTC", filters=None,
measures=None) -> aggregates`` at the app's seed, revision, clock and knobs; or without an
app ``dixa_data.truth_records(record_id, day, *, tz, seed, revision, now, filters, knobs)``
and ``dixa_data.truth_metric(metric_id, day, *, tz, seed, revision, now, filters, measures,
knobs)``. ``day`` is a local date in ``tz``; ``filters`` maps attribute -> values as sent.
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
from urllib.parse import parse_qs, quote
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
        revision: int = 0,
        **knobs: t.Any,
    ) -> None:
        super().__init__(rate_limit=None)
        self.bucket = TokenBucket(rate_per_second, burst)
        self.seed = seed
        self.token = token
        self.revision = revision
        self.knobs = data.Knobs()
        self.knobs.update(**knobs)
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

    # -- state: revision, knobs, truth ---------------------------------------------------

    @property
    def extra_field_type(self) -> str | None:
        return self.knobs.extra_field_type

    def set_revision(self, revision: t.Any) -> None:
        if not isinstance(revision, int) or isinstance(revision, bool) or revision < 0:
            raise ValueError("revision is a non-negative integer")
        self.revision = revision

    def set_knobs(self, **values: t.Any) -> None:
        self.knobs.update(**values)

    def world(self) -> data.World:
        return data.World(self.seed, self.revision, self.now(), self.knobs)

    def truth_records(
        self,
        record_id: str,
        day: dt.date,
        tz: str = "UTC",
        filters: dict[str, list[str]] | None = None,
    ) -> list[dict[str, t.Any]]:
        """Rows of ``POST /records`` (all pages) for the local ``day`` in ``tz``."""
        start, end = data.day_bounds(day, tz)
        return self.world().rows(record_id, start, end, filters or {})

    def truth_metric(
        self,
        metric_id: str,
        day: dt.date,
        tz: str = "UTC",
        filters: dict[str, list[str]] | None = None,
        measures: list[str] | None = None,
    ) -> list[dict[str, t.Any]]:
        """``data.aggregates`` of ``POST /metrics`` for the local ``day`` in ``tz``."""
        entry = data.metric(metric_id, self.knobs.first_response_time)
        if entry is None:
            raise KeyError(metric_id)
        start, end = data.day_bounds(day, tz)
        asked = measures or [a["measure"] for a in entry["aggregations"]]
        return self.world().aggregates(metric_id, asked, start, end, filters or {})

    def control(self, req: Request) -> Response:
        if req.path == "/__sandbox__/revision":
            if req.method == "POST":
                try:
                    self.set_revision((req.json() or {}).get("revision"))
                except (ValueError, AttributeError) as exc:
                    return json_response({"error": str(exc)}, 400)
            return json_response({"revision": self.revision})
        if req.path == "/__sandbox__/knobs":
            if req.method == "POST":
                try:
                    values = req.json() or {}
                    if not isinstance(values, dict):
                        raise ValueError("a JSON object of knob: value")
                    self.set_knobs(**values)
                except ValueError as exc:
                    return json_response({"error": str(exc)}, 400)
            return json_response(self.knobs.as_dict())
        return super().control(req)

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
        if self.knobs.page_key == "documented":
            text = f"pageLimit={limit}&page={offset // limit}"
            if offset % limit:
                text += f"&offset={offset}"
            return base64.b64encode(text.encode()).decode()
        payload = json.dumps({"q": digest, "o": offset, "l": limit}, separators=(",", ":")).encode()
        token = payload + b"|" + self._sign(payload).encode()
        return base64.urlsafe_b64encode(token).decode()

    def read_key(self, key: str, digest: str, new_limit: int | None = None) -> tuple[int, int]:
        """(offset, limit) from a page key; 400 if it does not decode (``signed``: also if
        edited, forged or made for another request)."""
        try:
            if self.knobs.page_key == "documented":
                text = base64.b64decode(key.encode() + b"=" * (-len(key) % 4), validate=True)
                params = parse_qs(text.decode("ascii"), strict_parsing=True)
                limit, page = int(params["pageLimit"][-1]), int(params["page"][-1])
                offset = int(params["offset"][-1]) if "offset" in params else page * limit
                if limit < 1 or page < 0 or offset < 0:
                    raise ValueError("range")
            else:
                token = base64.urlsafe_b64decode(key.encode() + b"=" * (-len(key) % 4))
                payload, _, sig = token.rpartition(b"|")
                if not hmac.compare_digest(sig.decode(), self._sign(payload)):
                    raise ValueError("signature")
                spec = json.loads(payload)
                if spec["q"] != digest:
                    raise ValueError("query")
                offset, limit = int(spec["o"]), int(spec["l"])
                page = offset // limit
        except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError):
            raise bad_request("Invalid value for: query parameter pageKey") from None
        if new_limit is not None and self.knobs.page_limit_change == "page_times_limit":
            return page * new_limit, new_limit
        return offset, new_limit or limit

    def paged(self, req: Request, items: list[t.Any], digest: str) -> Response:
        limit = self.page_limit(req)
        offset = 0
        key = req.query.get("pageKey")
        if key is not None:
            offset, limit = self.read_key(key, digest, limit)
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
        catalogue = data.metrics_catalogue(self.knobs.first_response_time)
        return self.paged(req, catalogue, self.digest(req))

    def record_entries(self) -> list[dict[str, t.Any]]:
        entries = data.records_catalogue(self.knobs.first_response_time)
        if not self.extra_field_type:
            return entries
        extra = {"field": "sentiment", "description": "Sentiment analysis", "nullable": True}
        return [{**r, "fieldsMetadata": [*r["fieldsMetadata"], extra]} for r in entries]

    def records_catalogue(self, req: Request) -> Response:
        self.authenticate(req)
        return self.paged(req, self.record_entries(), self.digest(req))

    def metric_description(self, req: Request, metric_id: str) -> Response:
        self.authenticate(req)
        entry = data.metric(metric_id, self.knobs.first_response_time)
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
        values = self.world().filter_values(attribute)
        if values is None:
            raise bad_request("Invalid value extracted from request context")
        if self.knobs.dataset == "docs":
            docs = attribute == data.DOCS_FILTER_ATTRIBUTE
            values = list(data.DOCS_FILTER_RESPONSE["data"]) if docs else []
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

    def period(self, body: dict[str, t.Any]) -> tuple[int, int]:
        """``[start, end)`` in epoch µs (an Interval's end per the ``interval_end`` knob)."""
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
            extra = 1 if self.knobs.interval_end == "inclusive" else 0
            return data.to_us(start), data.to_us(end) + extra
        if kind == "Preset":
            value = spec.get("value")
            name = value.get("_type") if isinstance(value, dict) else None
            if name not in PRESETS:
                raise bad_request(BAD_BODY)
            start, end = preset_range(str(name), self.now().astimezone(tz))
            return data.to_us(start), data.to_us(end)
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
    def filters(body: dict[str, t.Any]) -> dict[str, list[str]]:
        """The request's filters (attribute -> values); the data layer ignores those the
        metric or record does not list, as documented."""
        raw = body.get("filters", [])
        if not isinstance(raw, list):
            raise bad_request(BAD_BODY)
        out: dict[str, list[str]] = {}
        for item in raw:
            if not isinstance(item, dict) or not isinstance(item.get("attribute"), str):
                raise bad_request(BAD_BODY)
            values = item.get("values", [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise bad_request(BAD_BODY)
            out.setdefault(item["attribute"], []).extend(values)
        return out

    def entry_for(self, body: dict[str, t.Any], catalogue: str) -> dict[str, t.Any]:
        ident = body.get("id")
        if not isinstance(ident, str):
            raise bad_request(BAD_BODY)
        extended = self.knobs.first_response_time
        if catalogue == "metrics":
            entry = data.metric(ident, extended)
        else:
            entry = data.record(ident, extended)
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
        filters = self.filters(body)
        if self.knobs.dataset == "docs":
            if body == data.DOCS_METRIC_REQUEST:
                return json_response(data.DOCS_METRIC_RESPONSE)
            rows = self.docs_rows(entry["relatedRecordIds"][0], start, end, filters)
            aggregates = []
            if "Count" in measures and (rows or self.knobs.zero_count == "value"):
                aggregates.append(
                    {"value": len(rows), "measure": "Count", "_type": "LongAggregateValue"}
                )
        else:
            aggregates = self.world().aggregates(entry["id"], measures, start, end, filters)
        return json_response({"data": {"id": entry["id"], "aggregates": aggregates}})

    def records_data(self, req: Request) -> Response:
        self.authenticate(req)
        body = self.read_body(req)
        entry = self.entry_for(body, "records")
        start, end = self.period(body)
        filters = self.filters(body)
        if self.knobs.dataset == "docs":
            if body == data.DOCS_RECORDS_REQUEST:
                rows = list(data.DOCS_RECORDS_RESPONSE["data"])
            else:
                rows = self.docs_rows(entry["id"], start, end, filters)
        else:
            rows = self.world().rows(entry["id"], start, end, filters)
        return self.paged(req, rows, self.digest(req, body))

    def docs_rows(
        self, record_id: str, start: int, end: int, filters: dict[str, list[str]]
    ) -> list[dict[str, t.Any]]:
        """The docs' two example rows that fall in the period and match the filters
        (``channel`` is their ``initial_channel``; attributes they lack match nothing)."""
        if record_id != "closed_conversations":
            return []
        entry = data.record(record_id)
        assert entry is not None
        usable = {k: v for k, v in filters.items() if k in data.accepted_filters(entry)}
        fold = self.knobs.filter_case == "insensitive"
        out = []
        for row in data.DOCS_RECORDS_RESPONSE["data"]:
            moment = dt.datetime.fromisoformat(row["primaryTimestampField"]["timestamp"])
            if not start <= data.to_us(moment) < end or moment > self.now():
                continue
            have = {f["name"]: str(f["field"]["value"]) for f in row["fields"]}
            have["channel"] = have["initial_channel"]
            ok = True
            for attribute, wanted in usable.items():
                value = have.get(attribute)
                pool = [w.lower() for w in wanted] if fold else wanted
                if value is None or (value.lower() if fold else value) not in pool:
                    ok = False
            if ok:
                out.append(row)
        return out


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
