"""Simulator of the Lexer Activity API, modelled on the docs' text
(api-docs/lexer-activity-api-v1-2022.txt; where the early docs differ the 2022 text stands).

Routes (``{base}`` is the server's address):

* ``GET {base}/v1/users``, ``/v1/groups``, ``/v1/forms`` (arrays of the documented objects)
* ``POST {base}/v1/activity/reports`` with ``type``, ``date_from``, ``date_to`` (and
  ``form``, ``nps_category`` for the NPS reports)
* the export flow (``case_details``, ``nps_submissions``, ``mention_sla_export``) of
  :mod:`sandbox.lexer_exports`, status at ``{base}/api/public/v1/activity/reports/status``.

Documented behaviour reproduced: ``Auth-Api-Token`` (401 "Unauthorized - api token not
matching" / "Unauthorized" for a missing one), 400 for a range over 12 months, a future start
and an invalid type, 404 for a malformed request, 429 "Rate limited exceeded" past
``rate_limit_max`` requests per ``rate_limit_window`` seconds per token (100 per 300 s).
Error bodies are ``{"error": <Type>, "message": <Description>}`` of the docs' error table
(the docs give no body; this shape is the simulator's).

The docs' samples: a request equal to a docs curl body (2018-04-01T00:00:00+11:00 to
2018-04-30T23:59:59+11:00, NPS ones with ``form`` 123 and ``nps_category`` "all") answers
the docs' sample, verbatim (:mod:`sandbox.lexer_samples`).

Data, revisions and truth: :mod:`sandbox.lexer_data` (the answers are
``LexerApp.world().answer(body)``; ``lexer_data.truth(body, now=..., revision=...,
knobs=...)`` computes the same without a server). ``revision`` (default 0) is set with
``app.set_revision(n)`` or ``POST /__sandbox__/revision {"revision": n}`` (``GET`` reads it,
with the UTC day each step ran on); each step changes only the simulator's current UTC day
and the ``volatile_days`` (default 2) days before it.

Knobs (``LexerApp(zeros="include")``, ``app.set_knobs(...)``, ``POST /__sandbox__/knobs
{"nps_label": "start"}``, ``GET /__sandbox__/knobs``; ``--set nps_label=start`` on the CLI);
first value is the default:

* ``zeros`` ``omit`` | ``include``: the Workflow States sample lists six of the twelve states
  the Team Volume sample names, the Classifications sample only states with messages
  ("Classifications and the number of messages in each workflow state"): zero states,
  agents without messages, classifications without messages (and zero buckets of
  ``states_volume``; empty ``response_volume`` buckets) are left out; ``include`` lists them
  with 0. The per-agent ``states`` map always has every key (the sample shows ``"new": 0``).
* ``nps_label`` ``end`` | ``start``: the nps_volume sample asks from
  ``2018-04-01T00:00:00+11:00`` and its first ``"date"`` is ``2018-04-01T13:00:00+00:00``,
  the next local midnight: each day's value is labelled at the END of its day. ``start``
  labels it at the day's start. (The old simulator labelled at the start.)
* ``hourly_rule`` ``elapsed`` | ``calendar``: "If your query range is less than 4 days the
  time intervals will be reduced from days to hours" (states_volume) and "if your query range
  is 3 days or less, the intervals will be reduced to hourly" (response_volume), counted as
  the covered span (``elapsed``, end bound per ``end_bound``) or as local calendar days.
  (The old simulator also used "< 4 days" for response_volume; it now uses "<= 3 days".)
* ``hourly_scope`` ``documented`` | ``all_series``: only those two reports are said to turn
  hourly; case_volume is "the count of open cases for each day" and nps_volume "for each day
  in your query range". ``all_series`` applies "< 4 days" to them too (the old behaviour).
* ``end_bound`` ``inclusive`` | ``exclusive``: the docs' ``date_to`` is ``23:59:59`` (whole
  seconds): inclusive covers up to the end of that second, exclusive stops at ``date_to``.
* ``bucket_offset`` ``request`` | ``utc``: buckets are days (hours) in the fixed UTC offset of
  ``date_from`` (the nps_volume sample keeps 13:00Z across Sydney's DST end on 2018-04-01, so a
  DST-change day is 24 h in that offset); ``utc`` reads the offset-less ``date_range`` labels
  (``"2018-04-27 00:00"``) as UTC days.
* ``user_volume_shape`` ``per_state`` | ``per_agent``: the docs print two samples for
  ``"type": "user_volume"`` (Workflow States: ``[{"state", "volume"}]``; Team Volume:
  ``[{"user_id", "first_name", "last_name", "states": {...}}]``).
* ``private_fraction_of`` ``mentions_assigned`` | ``responded_to``: the table says
  "responded_to_in_private divided by mentions_assigned"; the sample's figures are
  responded_to_in_private / responded_to (6/9, 1/1).
* ``response_volume_unit`` ``seconds`` | ``minutes``: the table says "average response time
  in minutes"; the sample's values (317691.388907962) are seconds like summary's.
* ``doc_samples`` ``match`` | ``always`` | ``off``: serve the docs' sample for a request equal
  to the docs' curl body / for every request of a documented type (and the docs' single
  user, group and form objects on the GET lists) / never.
* ``case_classifications_of`` ``closed`` | ``opened``: "the count of classifications applied
  to the cases in this time period": the cases closed in it (as Case Summary's "count of
  cases closed in this period"; the old behaviour) or the cases opened in it.

Export knobs (``export_header_set`` etc.) are listed in :mod:`sandbox.lexer_exports`.
"""

from __future__ import annotations

import datetime as dt
import json
import typing as t

from sandbox import lexer_data as data
from sandbox import lexer_exports
from sandbox import lexer_samples as samples
from sandbox.core import HTTPError, Request, Response, SandboxApp, json_response

DEFAULT_TOKEN = "sandbox-lexer-token"  # noqa: S105 - a fake credential for the simulator

AGGREGATE_TYPES = data.AGGREGATE_TYPES
SERIES_TYPES = data.SERIES_TYPES
EXPORT_TYPES = data.EXPORT_TYPES
NPS_TYPES = data.NPS_TYPES
NPS_CATEGORIES = {"all", "promoters", "passives", "detractors"}
#: "If your query range is less than 4 days the time intervals will be reduced to hours."
HOURLY_BELOW = dt.timedelta(days=4)


def parse_lexer_time(value: t.Any, field: str) -> dt.datetime:
    if not isinstance(value, str):
        raise HTTPError(404, {"error": "Not found", "message": f"{field} is required"})
    try:
        return data.parse_time(value)
    except ValueError:
        raise HTTPError(404, {"error": "Not found", "message": f"{field} is malformed"}) from None


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    month = moment.month - 1 + months
    year = moment.year + month // 12
    month = month % 12 + 1
    for day in (moment.day, 30, 29, 28):
        try:
            return moment.replace(year=year, month=month, day=day)
        except ValueError:
            continue
    raise AssertionError("unreachable")


class LexerApp(SandboxApp):
    name = "lexer"

    def __init__(
        self,
        *,
        seed: int = 7,
        token: str = DEFAULT_TOKEN,
        rate_limit_max: int = 100,
        rate_limit_window: float = 300.0,
        revision: int = 0,
        volatile_days: int = 2,
        **options: t.Any,
    ) -> None:
        super().__init__(rate_limit=(rate_limit_max, rate_limit_window))
        self.seed = seed
        self.token = token
        knob_options = {k: options.pop(k) for k in list(options) if k in data.KNOB_CHOICES}
        self.knobs = data.Knobs(**knob_options)
        self.volatile_days = int(volatile_days)
        #: UTC day ordinal each revision step ran on (``len(anchors)`` is the revision)
        self.anchors: list[int] = []
        self.add_route("GET", r"^/v1/users/?$", self.users)
        self.add_route("GET", r"^/v1/groups/?$", self.groups)
        self.add_route("GET", r"^/v1/forms/?$", self.forms)
        self.add_route("POST", r"^/v1/activity/reports/?$", self.reports)
        self.exports = lexer_export_service = lexer_exports.install(self, **options)
        self.export_handler: t.Callable[[Request, dict[str, t.Any]], Response] | None = (
            lexer_export_service.start
        )
        self.set_revision(int(revision))

    # -- revisions, knobs and truth -------------------------------------------------------

    @property
    def revision(self) -> int:
        return len(self.anchors)

    @property
    def user_volume_shape(self) -> str:  # the old attribute, now a knob
        return self.knobs.user_volume_shape

    @user_volume_shape.setter
    def user_volume_shape(self, value: str) -> None:
        self.set_knobs(user_volume_shape=value)

    def today(self) -> int:
        """The simulator's current day (UTC day ordinal of its clock)."""
        return self.now().astimezone(dt.UTC).date().toordinal()

    def set_revision(self, revision: int) -> None:
        """Move to ``revision``: steps not run yet run on the current day; going back
        forgets the later steps."""
        if revision < 0:
            raise ValueError("revision must be >= 0")
        del self.anchors[revision:]
        while len(self.anchors) < revision:
            self.anchors.append(self.today())

    def set_knobs(self, **changes: t.Any) -> None:
        export = {k: changes.pop(k) for k in list(changes) if k.startswith("export_")}
        knobs = self.knobs.updated(**changes)
        self.exports.configure(**export)
        self.knobs = knobs

    def timeline(self) -> data.Timeline:
        return data.Timeline(tuple(self.anchors), self.volatile_days)

    def world(self) -> data.World:
        """What every answer is computed from (seed, revision timeline, clock, knobs)."""
        return data.World(self.seed, self.now().timestamp(), self.timeline(), self.knobs)

    def truth(self, body: dict[str, t.Any]) -> t.Any:
        """The exact answer of ``POST /v1/activity/reports`` with ``body`` (no faults)."""
        return self.world().answer(body)

    def control(self, req: Request) -> Response:
        if req.path == "/__sandbox__/revision":
            if req.method == "POST":
                try:
                    self.set_revision(int((req.json() or {})["revision"]))
                except (KeyError, TypeError, ValueError) as exc:
                    return json_response({"error": f"bad revision: {exc}"}, 400)
            return json_response(
                {
                    "revision": self.revision,
                    "anchors": [dt.date.fromordinal(a).isoformat() for a in self.anchors],
                    "volatile_days": self.volatile_days,
                }
            )
        if req.path == "/__sandbox__/knobs":
            if req.method == "POST":
                try:
                    self.set_knobs(**(req.json() or {}))
                except (TypeError, ValueError) as exc:
                    return json_response({"error": str(exc)}, 400)
            return json_response({**self.knobs.as_dict(), **self.exports.knobs()})
        return super().control(req)

    # -- auth and limits -----------------------------------------------------------------

    def authenticate(self, req: Request) -> str:
        token = req.header("Auth-Api-Token")
        if not token:
            raise HTTPError(
                401, {"error": "Unauthorized", "message": "Missing authentication data"}
            )
        if token != self.token:
            raise HTTPError(
                401,
                {
                    "error": "Unauthorized - api token not matching",
                    "message": "Your API token provided is not valid",
                },
            )
        limited = self.rate_limited(token)
        if limited is not None:
            raise HTTPError(limited.status, {"error": "Rate limited exceeded"}, limited.headers)
        return token

    def too_many_requests(self, wait: float) -> Response:
        return json_response({"error": "Rate limited exceeded"}, 429)

    # -- GET lists -----------------------------------------------------------------------

    def _list_sample(self, name: str) -> Response | None:
        if self.knobs.doc_samples != "always":
            return None
        if name == "users":
            return json_response([samples.USERS_SAMPLE_JSON])
        return json_response([json.loads(samples.LIST_SAMPLES[name])])

    def users(self, req: Request) -> Response:
        self.authenticate(req)
        sample = self._list_sample("users")
        if sample is not None:
            return sample
        gone = data.archived_users(self.timeline())
        return json_response(
            [
                {
                    "id": uid,
                    "email": f"{first.lower()}@business.io",
                    "first_name": first,
                    "last_name": last,
                    "timezone": tz,
                    "gmtoffset": {"Australia/Sydney": 10, "Asia/Tokyo": 9}.get(tz, 0),
                    "sign_in_count": uid % 97,
                    "last_sign_in_at": "2018-03-21T06:09:01Z",
                    "archived": uid in gone,
                    "groups": groups,
                }
                for uid, first, last, tz, groups in data.USERS
            ]
        )

    def groups(self, req: Request) -> Response:
        self.authenticate(req)
        sample = self._list_sample("groups")
        if sample is not None:
            return sample
        return json_response([{"id": i, "name": n, "comment": c} for i, n, c in data.GROUPS])

    def forms(self, req: Request) -> Response:
        self.authenticate(req)
        sample = self._list_sample("forms")
        if sample is not None:
            return sample
        return json_response(
            [
                {
                    "id": fid,
                    "name": name,
                    "title": title,
                    "archived": archived,
                    "created_at": created,
                    "groups": groups,
                    "nps": nps,
                    "form_url": f"https://d1z1wrkt4y2iqm.cloudfront.net/{fid:018d}/1/form",
                }
                for fid, name, title, archived, created, groups, nps in data.FORMS
            ]
        )

    # -- reports -------------------------------------------------------------------------

    def validate_report(self, body: t.Any) -> tuple[str, dt.datetime, dt.datetime]:
        if not isinstance(body, dict):
            raise HTTPError(404, {"error": "Not found", "message": "malformed request"})
        kind = body.get("type")
        if kind not in AGGREGATE_TYPES | SERIES_TYPES | EXPORT_TYPES:
            raise HTTPError(
                400,
                {
                    "error": "Invalid report - invalid type",
                    "message": "Chart type provided is invalid",
                },
            )
        start = parse_lexer_time(body.get("date_from"), "date_from")
        end = parse_lexer_time(body.get("date_to"), "date_to")
        if start > self.now():
            raise HTTPError(
                400,
                {
                    "error": "Invalid report - starting date is a future date",
                    "message": "Starting date must be in the past",
                },
            )
        if end < start:
            raise HTTPError(404, {"error": "Not found", "message": "date_to is before date_from"})
        if end > add_months(start, 12):
            raise HTTPError(
                400,
                {
                    "error": "Invalid report - date range is too long",
                    "message": "Your date range must be not greater than 12 months",
                },
            )
        if kind in NPS_TYPES and self.world().sample_answer(body) is None:
            form = body.get("form")
            if form not in data.NPS_FORM_IDS:
                raise HTTPError(404, {"error": "Not found", "message": "form is not an NPS form"})
            if body.get("nps_category", "all") not in NPS_CATEGORIES:
                raise HTTPError(404, {"error": "Not found", "message": "invalid nps_category"})
        return kind, start, end

    def reports(self, req: Request) -> Response:
        self.authenticate(req)
        try:
            body = req.json()
        except ValueError:
            raise HTTPError(404, {"error": "Not found", "message": "malformed JSON"}) from None
        kind, _start, _end = self.validate_report(body)
        if kind in EXPORT_TYPES:
            if self.export_handler is None:
                raise HTTPError(400, {"error": "Invalid report - invalid type"})
            return self.export_handler(req, body)
        sample = self.world().sample_answer(body)
        if sample is not None:
            key = samples.sample_key(body, self.knobs.user_volume_shape)
            if key is not None:  # the docs' bytes, as printed
                return Response(200, samples.REPORT_SAMPLES[key].encode())
            return json_response(sample)
        return json_response(self.truth(body))


def build(**options: t.Any) -> LexerApp:
    return LexerApp(**options)
