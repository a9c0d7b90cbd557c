"""Throughput of the record-heavy streams beside the SDK floor.

    .venv/bin/python benchmarks/bench_throughput.py [--repeat 3] [--quick]

For each case the real tap syncs against its sandbox (served from another process, no
artificial latency, no rate limit in the way) with its Singer output to /dev/null; the
same records are captured once and then emitted from memory by a minimal singer-sdk tap
with the same schema, keys and replication key (the floor: the SDK's own per-record cost).
Both run in fresh child processes, alternately, ``repeat`` times; the figure is the median.

Two ratios per case: wall (records/s of tap / records/s of floor, the sandbox's time to
answer included) and CPU (the tap process's own CPU seconds, sandbox excluded). Each pair
is measured with the SDK's default writer and with its msgspec writer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import tempfile
import typing as t
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import control, median, run_child, sandbox

DAY = dt.date(2026, 3, 2)


@dataclass
class Case:
    name: str
    tap: str
    stream: str
    factory: str
    options: dict[str, t.Any]
    config: t.Callable[[str], dict[str, t.Any]]
    unit: str = ""
    extra: dict[str, t.Any] = field(default_factory=dict)
    #: The sandbox answers relative to its clock (LivePerson: "the last 24 hours"): pin it
    #: for the case, so that every run emits the same records.
    pin_clock: bool = False


def end_of(days: int) -> str:
    return (DAY + dt.timedelta(days=days - 1)).isoformat()


def dixa_config(days: int) -> t.Callable[[str], dict[str, t.Any]]:
    from sandbox.dixa import DEFAULT_TOKEN

    def make(base: str) -> dict[str, t.Any]:
        return {
            "api_token": DEFAULT_TOKEN,
            "api_url": base,
            "start_date": DAY.isoformat(),
            "end_date": end_of(days),
            "timezone": "UTC",
            "page_limit": 300,
            "record_ids": ["closed_conversations"],
            "rate_limit_max_requests": 1_000_000,
            "rate_limit_window_seconds": 1.0,
        }

    return make


def livechat_config(days: int) -> t.Callable[[str], dict[str, t.Any]]:
    from sandbox.livechat import DEFAULT_ACCOUNT_ID, DEFAULT_PAT

    def make(base: str) -> dict[str, t.Any]:
        return {
            "api_url": base,
            "account_id": DEFAULT_ACCOUNT_ID,
            "personal_access_token": DEFAULT_PAT,
            "start_date": DAY.isoformat(),
            "end_date": end_of(days),
            "timezone": "UTC",
            "rate_limit_max_requests": 1_000_000,
            "rate_limit_window_seconds": 1.0,
        }

    return make


def liveperson_config(base: str) -> dict[str, t.Any]:
    import sandbox.liveperson as lp

    return {
        "account_id": lp.DEFAULT_ACCOUNT,
        "api_url": base,
        "consumer_key": lp.CONSUMER_KEY,
        "consumer_secret": lp.CONSUMER_SECRET,
        "access_token": lp.ACCESS_TOKEN,
        "access_token_secret": lp.ACCESS_TOKEN_SECRET,
    }


def lexer_export_config(base: str) -> dict[str, t.Any]:
    from sandbox.lexer import DEFAULT_TOKEN

    return {
        "api_token": DEFAULT_TOKEN,
        "api_url": f"{base}/v1",
        "exports_api_url": f"{base}/api/public/v1",
        "start_date": DAY.isoformat(),
        "end_date": DAY.isoformat(),
        "nps_form_ids": [55],
        "export_window_days": 1,
        "export_poll_interval_seconds": 0.05,
        "request_timeout_seconds": 300,
        "rate_limit_max_requests": 1_000_000,
        "rate_limit_window_seconds": 1.0,
    }


def lexer_export_scale(rows: int) -> int:
    from sandbox import lexer_data as data

    start = dt.datetime(DAY.year, DAY.month, DAY.day, tzinfo=dt.UTC).timestamp()
    per_day = len(data.messages(7, start, start + 86400))
    return max(1, math.ceil(rows / max(per_day, 1)))


def cases(quick: bool) -> list[Case]:
    days = 60 if quick else 150
    export_rows = 20_000 if quick else 50_000
    return [
        Case(
            "Lexer mention_sla_export (CSV)",
            "tap_lexer_activity.tap:TapLexerActivity",
            "mention_sla_export",
            "sandbox.lexer:build",
            {
                "export_scale": lexer_export_scale(export_rows),
                "export_pending_polls": 1,
                "rate_limit_max": 1_000_000,
                "rate_limit_window": 1.0,
            },
            lexer_export_config,
        ),
        Case(
            "Dixa closed_conversations",
            "tap_analytics.tap:TapAnalytics",
            "closed_conversations",
            "sandbox.dixa:build",
            {"rate_per_second": 1_000_000, "burst": 1_000_000},
            dixa_config(days),
        ),
        Case(
            "LiveChat agents_performance",
            "tap_livechat_reports.tap:TapLivechatReports",
            "agents_performance",
            "sandbox.livechat:build",
            {"rate_limit_max": 1_000_000, "rate_limit_window": 1.0},
            livechat_config(days),
        ),
        Case(
            "LivePerson agent_activity",
            "tap_agentactivity.tap:TapAgentActivity",
            "agent_activity",
            "sandbox.liveperson:build",
            {"max_concurrent": 64},
            liveperson_config,
            pin_clock=True,
        ),
    ]


def measure(case: Case, repeat: int, writers: t.Sequence[str]) -> list[dict[str, t.Any]]:
    """Rows: one per writer, with tap and floor medians."""
    out = []
    with sandbox(case.factory, **case.options) as base, tempfile.TemporaryDirectory() as tmp:
        if case.pin_clock:
            now = dt.datetime.now(dt.UTC).replace(second=0, microsecond=0)
            control(base, "now", {"now": now.isoformat()})
        config = case.config(base)
        records_path = os.path.join(tmp, "records.jsonl")
        catalog_path = os.path.join(tmp, "catalog.json")
        common = {"tap": case.tap, "config": config, "streams": [case.stream]}
        captured = run_child(
            {
                **common,
                "mode": "capture",
                "records_path": records_path,
                "catalog_path": catalog_path,
                "label": f"{case.name} capture",
            }
        )
        catalog = json.loads(Path(catalog_path).read_text())
        entry = next(s for s in catalog["streams"] if s["tap_stream_id"] == case.stream)
        for writer in writers:
            taps, floors = [], []
            for _ in range(repeat):
                taps.append(
                    run_child(
                        {
                            **common,
                            "mode": "tap",
                            "writer": writer,
                            "catalog": catalog,
                            "label": case.name,
                        }
                    )
                )
                floors.append(
                    run_child(
                        {
                            "mode": "floor",
                            "writer": writer,
                            "records_path": records_path,
                            "catalog_entry": entry,
                            "conformance": captured.get("conformance"),
                            "label": f"{case.name} floor",
                        }
                    )
                )
            records = taps[0]["records"]
            if any(r["records"] != captured["records"] for r in taps + floors):
                raise SystemExit(f"{case.name}: runs emitted different record counts")
            tap_wall = median(r["wall"] for r in taps)
            tap_cpu = median(r["cpu"] for r in taps)
            floor_wall = median(r["wall"] for r in floors)
            floor_cpu = median(r["cpu"] for r in floors)
            out.append(
                {
                    "case": case.name,
                    "writer": writer,
                    "records": records,
                    "tap_rps": records / tap_wall,
                    "floor_rps": records / floor_wall,
                    "wall_ratio": floor_wall / tap_wall,
                    "cpu_ratio": floor_cpu / tap_cpu,
                    "tap_cpu_rps": records / tap_cpu,
                }
            )
    return out


def msgspec_available() -> bool:
    try:
        import msgspec  # noqa: F401
    except ImportError:
        return False
    return True


def run(repeat: int = 3, quick: bool = False, only: str | None = None) -> list[dict[str, t.Any]]:
    writers = ["simple", "msgspec"] if msgspec_available() else ["simple"]
    rows: list[dict[str, t.Any]] = []
    for case in cases(quick):
        if only and only.lower() not in case.name.lower():
            continue
        rows.extend(measure(case, repeat, writers))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only")
    args = parser.parse_args()
    print(
        f"{'case':<34} {'writer':<8} {'records':>8} {'tap rec/s':>10} {'floor rec/s':>11} {'wall':>6} {'cpu':>6}"
    )
    for r in run(args.repeat, args.quick, args.only):
        print(
            f"{r['case']:<34} {r['writer']:<8} {r['records']:>8,} {r['tap_rps']:>10,.0f} "
            f"{r['floor_rps']:>11,.0f} {r['wall_ratio']:>6.2f} {r['cpu_ratio']:>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
