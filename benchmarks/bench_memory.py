"""Peak memory of the two biggest streams at 100k and 1M rows.

    .venv/bin/python benchmarks/bench_memory.py [--rows 100000 1000000] [--only dixa]

* Lexer ``mention_sla_export``: one export window whose CSV holds about N rows
  (``benchmarks/bench_lexer_exports.py`` does the work: sandbox in-process, tap in a child).
* Dixa ``closed_conversations``: one day that holds N records over N / 300 pages (the
  scaled simulator of ``benchmarks/sandboxes.py``, in its own process; the tap in a child).

Peak RSS is ``ru_maxrss`` of the tap's child process. Goal: the 1M figure at most 1.2x
the 100k figure, and under 200 MB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.common import run_child, sandbox

DAY = dt.date(2026, 3, 3)


def dixa_rows_per_day() -> int:
    from sandbox import dixa_data as data

    a = dt.datetime(DAY.year, DAY.month, DAY.day, tzinfo=dt.UTC).timestamp()
    return len(data.records(11, "closed_conversations", a, a + 86400, {}))


def dixa(rows: int) -> dict[str, t.Any]:
    from sandbox.dixa import DEFAULT_TOKEN

    per_day = dixa_rows_per_day()
    scale = max(1, math.ceil(rows / per_day))
    options = {"scale": scale, "rate_per_second": 1_000_000, "burst": 1_000_000}
    with sandbox("benchmarks.sandboxes:scaled_dixa", **options) as base:
        config = {
            "api_token": DEFAULT_TOKEN,
            "api_url": base,
            "start_date": DAY.isoformat(),
            "end_date": DAY.isoformat(),
            "timezone": "UTC",
            "page_limit": 300,
            "record_ids": ["closed_conversations"],
            "rate_limit_max_requests": 1_000_000,
            "rate_limit_window_seconds": 1.0,
            "request_timeout_seconds": 300,
        }
        result = run_child(
            {
                "tap": "tap_analytics.tap:TapAnalytics",
                "config": config,
                "streams": ["closed_conversations"],
                "label": f"dixa {rows}",
            },
            timeout=1800,
        )
    expected = per_day * scale
    if result["records"] != expected:
        raise SystemExit(f"dixa: expected {expected} records, the tap emitted {result['records']}")
    return {
        "case": "Dixa closed_conversations, 1 day",
        "records": result["records"],
        "seconds": result["wall"],
        "baseline_mb": result["baseline_rss_kb"] / 1024,
        "peak_mb": result["peak_rss_kb"] / 1024,
    }


def lexer(rows: int) -> dict[str, t.Any]:
    from benchmarks import bench_lexer_exports as exports

    result = exports.run_size(rows, "mention_sla_export")
    if result["records"] != result["expected"]:
        raise SystemExit(f"lexer: expected {result['expected']}, got {result['records']}")
    return {
        "case": "Lexer mention_sla_export, 1 CSV",
        "records": result["records"],
        "seconds": result["seconds"],
        "baseline_mb": result["baseline_rss_kb"] / 1024,
        "peak_mb": result["peak_rss_kb"] / 1024,
    }


def run(
    rows: t.Sequence[int] = (100_000, 1_000_000), only: str | None = None
) -> list[dict[str, t.Any]]:
    out = []
    for name, fn in (("lexer", lexer), ("dixa", dixa)):
        if only and only.lower() not in name:
            continue
        for n in rows:
            out.append({**fn(n), "target_rows": n})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--only")
    args = parser.parse_args()
    print(
        f"{'case':<34} {'records':>10} {'seconds':>8} {'rec/s':>8} {'baseline MB':>11} {'peak MB':>8}"
    )
    for r in run(args.rows, args.only):
        print(
            f"{r['case']:<34} {r['records']:>10,} {r['seconds']:>8.1f} {r['records'] / r['seconds']:>8,.0f} "
            f"{r['baseline_mb']:>11.1f} {r['peak_mb']:>8.1f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
