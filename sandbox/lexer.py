"""Simulator of the Lexer Activity API (api-docs/lexer-activity-api-v1-2022.txt).

Routes (``{base}`` is the server's address):

* ``GET {base}/v1/users``, ``/v1/groups``, ``/v1/forms``
* ``POST {base}/v1/activity/reports`` with ``type``, ``date_from``, ``date_to`` (and
  ``form``, ``nps_category`` for the NPS reports)
* the export flow (``case_details``, ``nps_submissions``, ``mention_sla_export``) is
  installed by :mod:`sandbox.lexer_exports` when present, with the status endpoint at
  ``{base}/api/public/v1/activity/reports/status`` (the "other host").

Documented behaviour reproduced: ``Auth-Api-Token`` (401 for a wrong or missing token),
400 for a range over 12 months, a future start and an invalid type, 404 for a malformed
request, 429 past ``rate_limit_max`` requests per ``rate_limit_window`` seconds per token
(100 per 300 s by default), buckets in the request's UTC offset, and hourly buckets for
ranges under 4 days.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import typing as t

from sandbox import lexer_data as data
from sandbox.core import HTTPError, Request, Response, SandboxApp, json_response

DEFAULT_TOKEN = "sandbox-lexer-token"  # noqa: S105 - a fake credential for the simulator

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
NPS_CATEGORIES = {"all", "promoters", "passives", "detractors"}
#: "If your query range is less than 4 days the time intervals will be reduced to hours."
HOURLY_BELOW = dt.timedelta(days=4)


def parse_lexer_time(value: t.Any, field: str) -> dt.datetime:
    if not isinstance(value, str):
        raise HTTPError(404, {"error": "Not found", "message": f"{field} is required"})
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HTTPError(404, {"error": "Not found", "message": f"{field} is malformed"}) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed


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
        user_volume_shape: str = "per_state",
        **export_options: t.Any,
    ) -> None:
        super().__init__(rate_limit=(rate_limit_max, rate_limit_window))
        self.seed = seed
        self.token = token
        self.user_volume_shape = user_volume_shape
        self.add_route("GET", r"^/v1/users/?$", self.users)
        self.add_route("GET", r"^/v1/groups/?$", self.groups)
        self.add_route("GET", r"^/v1/forms/?$", self.forms)
        self.add_route("POST", r"^/v1/activity/reports/?$", self.reports)
        self.export_handler: t.Callable[[Request, dict[str, t.Any]], Response] | None = None
        if importlib.util.find_spec("sandbox.lexer_exports") is not None:
            importlib.import_module("sandbox.lexer_exports").install(self, **export_options)

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

    def users(self, req: Request) -> Response:
        self.authenticate(req)
        return json_response(
            [
                {
                    "id": uid,
                    "email": f"{first.lower()}@business.io",
                    "first_name": first,
                    "last_name": last,
                    "timezone": tz,
                    "gmtoffset": 10 if tz == "Australia/Sydney" else 0,
                    "sign_in_count": uid % 97,
                    "last_sign_in_at": "2018-03-21T06:09:01Z",
                    "archived": uid == 106,
                    "groups": groups,
                }
                for uid, first, last, tz, groups in data.USERS
            ]
        )

    def groups(self, req: Request) -> Response:
        self.authenticate(req)
        return json_response([{"id": i, "name": n, "comment": c} for i, n, c in data.GROUPS])

    def forms(self, req: Request) -> Response:
        self.authenticate(req)
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
                    "form_url": f"https://forms.example.invalid/{fid}/form",
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
        if kind in NPS_TYPES:
            form = body.get("form")
            if not any(form == f[0] for f in data.FORMS if f[6]):
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
        kind, start, end = self.validate_report(body)
        if kind in EXPORT_TYPES:
            if self.export_handler is None:
                raise HTTPError(400, {"error": "Invalid report - invalid type"})
            return self.export_handler(req, body)
        # date_to is inclusive (the docs use 23:59:59): the covered range ends one second later.
        stop = end + dt.timedelta(seconds=1)
        if kind in SERIES_TYPES:
            return json_response(self.series(kind, start, stop, body))
        return json_response(self.aggregate(kind, start.timestamp(), stop.timestamp(), body))

    def aggregate(self, kind: str, start: float, stop: float, body: dict[str, t.Any]) -> t.Any:
        seed = self.seed
        if kind == "nps_summary":
            subs = data.submissions(seed, start, stop, int(body["form"]))
            return data.nps_summary(subs, body.get("nps_category", "all"))
        if kind in ("case_summary", "case_classifications"):
            cases = data.cases_closed(seed, start, stop)
            return (
                data.case_summary(cases)
                if kind == "case_summary"
                else data.case_classifications(cases)
            )
        msgs = data.messages(seed, start, stop)
        if kind == "summary":
            return data.summary(msgs)
        if kind == "user_volume":
            if self.user_volume_shape == "per_agent":
                return data.user_states(msgs)
            return data.state_totals(msgs)
        if kind == "classifications":
            return data.classifications(msgs)
        return data.user_summary(msgs)

    def buckets(
        self, start: dt.datetime, stop: dt.datetime
    ) -> list[tuple[dt.datetime, dt.datetime]]:
        """Buckets in the request's own UTC offset: days, or hours under 4 days."""
        step = dt.timedelta(hours=1) if stop - start < HOURLY_BELOW else dt.timedelta(days=1)
        tz = start.tzinfo
        first = start.replace(minute=0, second=0, microsecond=0)
        if step.days:
            first = first.replace(hour=0)
        out = []
        cursor = first.astimezone(tz)
        while cursor < stop:
            out.append((cursor, cursor + step))
            cursor += step
        return out

    def series(
        self, kind: str, start: dt.datetime, stop: dt.datetime, body: dict[str, t.Any]
    ) -> t.Any:
        seed = self.seed
        buckets = self.buckets(start, stop)

        def label(moment: dt.datetime) -> dict[str, str]:
            return {"date_from": moment.strftime("%Y-%m-%d %H:%M")}

        if kind == "states_volume":
            out: dict[str, list[dict[str, t.Any]]] = {}
            for b_start, b_end in buckets:
                msgs = data.messages(seed, b_start.timestamp(), b_end.timestamp())
                for row in data.state_totals(msgs):
                    out.setdefault(row["state"], []).append(
                        {
                            "state": row["state"],
                            "value": row["volume"],
                            "date_range": label(b_start),
                        }
                    )
            return out
        if kind == "response_volume":
            rows = []
            for b_start, b_end in buckets:
                msgs = data.messages(seed, b_start.timestamp(), b_end.timestamp())
                avg = data.summary(msgs)["avg_response_time"]
                if avg is not None:
                    rows.append({"value": avg, "date_range": label(b_start)})
            return {"avg_response_time": rows}
        if kind == "case_volume":
            return {
                "open": [
                    {
                        "value": len(data.cases_open(seed, b_start.timestamp(), b_end.timestamp())),
                        "date_range": label(b_start),
                    }
                    for b_start, b_end in buckets
                ]
            }
        # nps_volume: UTC timestamps of each bucket start, a row for every bucket
        form = int(body["form"])
        category = body.get("nps_category", "all")
        return [
            {
                "date": b_start.astimezone(dt.UTC).isoformat(),
                "timestamp": int(b_start.timestamp()),
                "data": data.nps_summary(
                    data.submissions(seed, b_start.timestamp(), b_end.timestamp(), form), category
                ),
            }
            for b_start, b_end in buckets
        ]


def build(**options: t.Any) -> LexerApp:
    return LexerApp(**options)
