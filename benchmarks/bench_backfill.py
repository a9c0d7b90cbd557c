"""Requests against the request floor, and wall time against the rate-limit floor.

    .venv/bin/python benchmarks/bench_backfill.py [--quick] [--only lexer]

Each tap backfills every stream against its sandbox with the vendor's rate limit
compressed in time (same count, shorter window: the sandbox enforces it server-side with
429s, the tap is configured with the same compressed numbers). Counted from the sandbox's
own request log after discovery: requests the tap sent, the 429s it met, and its wall
time. Beside them: the least number of requests the API allows for the same data
(computed from the API's rules and the sandbox's data, not from the tap), and the
rate-limit floor ``floor requests x window / limit``.

* Lexer, 365 days, UTC: each list once; one request per day per aggregate report (and
  per NPS form for ``nps_summary``); one request per 365-day window for each time series
  (and per NPS form for ``nps_volume``). 100 requests per window (300 s, compressed).
* LiveChat, 90 days: one request per day per report (a day is the report's grain: its
  ``total``/``summary`` describe the day), plus every extra page of
  ``chats/queued_visitors_left``. 120 requests per window (the tap's default 60 s,
  compressed).
* Dixa, 60 days, ``page_limit`` 300 (the API's maximum): each catalogue page, each filter
  attribute's page, one request per (metric, day), one per (record id, day, page). Token
  bucket 10/s burst 4, compressed 2x to 20/s burst 8 (at 5x a day's page of ~130 records
  takes longer to serve and flatten than the 20 ms the limit leaves per request on two
  busy cores, and the figure measures the machine, not the budget).
* LivePerson: one request per run (the API answers 24 hours in one request); its limit is
  on concurrency, so there is no time floor.

The CSV exports of Lexer are not in the Lexer line: their cost is the file, measured by
the throughput and memory benchmarks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import re
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import control, run_child, sandbox

START = dt.date(2025, 11, 1)
REQUEST_KEY = re.compile(r"^(GET|POST|PUT|DELETE) /")


@dataclass
class Case:
    name: str
    tap: str
    factory: str
    options: dict[str, t.Any]
    config: dict[str, t.Any]
    floor: int
    #: requests per window of the (compressed) limit, and the window in seconds
    limit: tuple[int, float] | None
    note: str
    exclude_streams: tuple[str, ...] = ()


def days_between(days: int) -> tuple[str, str]:
    return START.isoformat(), (START + dt.timedelta(days=days - 1)).isoformat()


def lexer_case(days: int) -> Case:
    from sandbox import lexer_data
    from sandbox.lexer import DEFAULT_TOKEN

    nps_forms = sum(1 for form in lexer_data.FORMS if form[-1])
    aggregates = 6 * days + nps_forms * days  # 6 aggregate reports + nps_summary per form
    windows = math.ceil(days / 365)
    series = 3 * windows + nps_forms * windows
    floor = 3 + aggregates + series  # + users, groups, forms
    window = 1.0
    start, end = days_between(days)
    return Case(
        f"Lexer, {days} days, every report + list",
        "tap_lexer_activity.tap:TapLexerActivity",
        "sandbox.lexer:build",
        {"rate_limit_max": 100, "rate_limit_window": window},
        {
            "api_token": DEFAULT_TOKEN,
            "start_date": start,
            "end_date": end,
            # the reading known: one request per aggregate day (detect asks up to two)
            "date_to_reading": "inclusive",
            "rate_limit_max_requests": 100,
            "rate_limit_window_seconds": window,
            "backoff_base_seconds": 0.01,
        },
        floor,
        (100, window),
        "100/300 s as 100/1 s",
        exclude_streams=("mention_sla_export", "case_details", "nps_submissions"),
    )


def livechat_case(days: int) -> Case:
    from sandbox import livechat_data as data
    from sandbox.livechat import DEFAULT_ACCOUNT_ID, DEFAULT_PAT
    from tap_livechat_reports.streams import STREAMS

    page_size = 5
    extra_pages = 0
    for i in range(days):
        day = START + dt.timedelta(days=i)
        a = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
        left = data.queued_visitors_left(11, a, a + 86400, data.NO_FILTERS)
        extra_pages += max(1, -(-len(left) // page_size)) - 1
    floor = len(STREAMS) * days + extra_pages
    window = 1.0
    start, end = days_between(days)
    return Case(
        f"LiveChat, {days} days, {len(STREAMS)} reports",
        "tap_livechat_reports.tap:TapLivechatReports",
        "sandbox.livechat:build",
        {"rate_limit_max": 120, "rate_limit_window": window, "page_size": page_size},
        {
            "account_id": DEFAULT_ACCOUNT_ID,
            "personal_access_token": DEFAULT_PAT,
            "start_date": start,
            "end_date": end,
            "timezone": "UTC",
            "rate_limit_max_requests": 120,
            "rate_limit_window_seconds": window,
            "backoff_base_seconds": 0.01,
        },
        floor,
        (120, window),
        "tap default 120/60 s as 120/1 s",
    )


def dixa_case(days: int) -> Case:
    from sandbox import dixa_data as data
    from sandbox.dixa import DEFAULT_TOKEN

    page_limit = 300
    record_pages = 0
    for entry in data.RECORDS:
        for i in range(days):
            day = START + dt.timedelta(days=i)
            a = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).timestamp()
            rows = len(data.records(11, entry["id"], a, a + 86400, {}))
            record_pages += max(1, -(-rows // page_limit))
    attributes = {
        f["filterAttribute"] for e in [*data.METRICS, *data.RECORDS] for f in e.get("filters") or []
    }
    catalogues = 2 + len(attributes)
    floor = catalogues + len(data.METRICS) * days + record_pages
    start, end = days_between(days)
    return Case(
        f"Dixa, {days} days, catalogues + metrics + records",
        "tap_analytics.tap:TapAnalytics",
        "sandbox.dixa:build",
        {"rate_per_second": 20, "burst": 8},
        {
            "api_token": DEFAULT_TOKEN,
            "start_date": start,
            "end_date": end,
            "timezone": "UTC",
            "page_limit": page_limit,
            "rate_limit_max_requests": 8,
            "rate_limit_window_seconds": 0.4,
            "backoff_base_seconds": 0.01,
        },
        floor,
        (8, 0.4),
        "10/s burst 4 as 20/s burst 8",
    )


def liveperson_case() -> Case:
    import sandbox.liveperson as lp

    return Case(
        "LivePerson, last 24 h",
        "tap_agentactivity.tap:TapAgentActivity",
        "sandbox.liveperson:build",
        {},
        {
            "account_id": lp.DEFAULT_ACCOUNT,
            "consumer_key": lp.CONSUMER_KEY,
            "consumer_secret": lp.CONSUMER_SECRET,
            "access_token": lp.ACCESS_TOKEN,
            "access_token_secret": lp.ACCESS_TOKEN_SECRET,
        },
        1,
        None,
        "concurrency limit only",
    )


def cases(quick: bool) -> list[Case]:
    return [
        lexer_case(120 if quick else 365),
        livechat_case(30 if quick else 90),
        dixa_case(30 if quick else 60),
        liveperson_case(),
    ]


def sent(stats: dict[str, int]) -> int:
    return sum(
        n for key, n in stats.items() if REQUEST_KEY.match(key) and "/__sandbox__/" not in key
    )


def measure(case: Case) -> dict[str, t.Any]:
    with sandbox(case.factory, **case.options) as base, tempfile.TemporaryDirectory() as tmp:
        config = {**case.config, "api_url": f"{base}/v1" if "lexer" in case.tap else base}
        catalog_path = os.path.join(tmp, "catalog.json")
        run_child(
            {
                "tap": case.tap,
                "config": config,
                "streams": "all",
                "mode": "discover",
                "catalog_path": catalog_path,
            }
        )
        catalog = json.loads(Path(catalog_path).read_text())
        for entry in catalog["streams"]:
            if entry["tap_stream_id"] in case.exclude_streams:
                for meta in entry["metadata"]:
                    if meta["breadcrumb"] == []:
                        meta["metadata"]["selected"] = False
        if case.limit:
            time.sleep(case.limit[1] * 1.1)  # discovery's requests leave the server's window
        control(base, "reset", {})
        result = run_child(
            {"tap": case.tap, "config": config, "catalog": catalog, "label": case.name}
        )
        stats = control(base, "stats")
    requests = sent(stats)
    row = {
        "case": case.name,
        "records": result["records"],
        "requests": requests,
        "floor": case.floor,
        "requests_ratio": requests / case.floor,
        "429s": int(stats.get("429", 0)),
        "wall": result["wall"],
        "limit": case.note,
    }
    if case.limit:
        per, window = case.limit
        time_floor = case.floor * window / per
        row.update(time_floor=time_floor, wall_ratio=result["wall"] / time_floor)
    return row


def run(quick: bool = False, only: str | None = None) -> list[dict[str, t.Any]]:
    return [measure(c) for c in cases(quick) if not only or only.lower() in c.name.lower()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only")
    args = parser.parse_args()
    print(
        f"{'case':<44} {'requests':>8} {'floor':>6} {'ratio':>6} {'429s':>5} "
        f"{'wall s':>7} {'floor s':>7} {'ratio':>6}"
    )
    for r in run(args.quick, args.only):
        floor_s = f"{r['time_floor']:>7.1f}" if "time_floor" in r else f"{'-':>7}"
        wall_ratio = f"{r['wall_ratio']:>6.2f}" if "wall_ratio" in r else f"{'-':>6}"
        print(
            f"{r['case']:<44} {r['requests']:>8} {r['floor']:>6} {r['requests_ratio']:>6.2f} "
            f"{r['429s']:>5} {r['wall']:>7.1f} {floor_s} {wall_ratio}",
            flush=True,
        )


if __name__ == "__main__":
    main()
