"""Throughput and peak memory of the Lexer CSV exports, end to end against the sandbox.

    .venv/bin/python benchmarks/bench_lexer_exports.py            # 100k and 1M rows
    .venv/bin/python benchmarks/bench_lexer_exports.py --rows 10000 100000 1000000
    .venv/bin/python benchmarks/bench_lexer_exports.py --stream case_details

The sandbox runs in this process and serves one export of about N rows (one day of
events, each repeated ``export_scale`` times), generated as a stream. Each size is synced
by a fresh child process (this script with ``--child``) that runs the tap in-process,
writes its Singer messages to a counting sink, and reports its own wall time and peak RSS
(``ru_maxrss``), so one size's memory cannot hide in another's. If the file were held in
memory, peak RSS would grow about tenfold from 100k to 1M rows; streamed, it stays flat.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import resource
import subprocess
import sys
import time
import typing as t
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DAY = dt.date(2026, 10, 1)


class CountingSink:
    """Stands in for stdout: counts RECORD messages and bytes, keeps nothing."""

    def __init__(self) -> None:
        self.records = 0
        self.bytes = 0

    def write(self, text: str) -> int:
        self.bytes += len(text)
        self.records += text.count('"type":"RECORD"')
        return len(text)

    def flush(self) -> None:
        return None


def child(config: dict[str, t.Any], stream: str) -> None:
    import contextlib
    import logging

    from tap_lexer_activity.tap import TapLexerActivity
    from tapkit.testing import catalog_selecting

    logging.disable(logging.WARNING)  # the SDK's per-record metrics are not the subject
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    catalog = catalog_selecting(TapLexerActivity(config=config), [stream])
    sink = CountingSink()
    started = time.perf_counter()
    with contextlib.redirect_stdout(sink):  # type: ignore[type-var]
        TapLexerActivity(config=config, catalog=catalog).sync_all()
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "records": sink.records,
                "singer_bytes": sink.bytes,
                "seconds": seconds,
                "baseline_rss_kb": baseline,
                "peak_rss_kb": peak,
            }
        ),
        file=sys.__stdout__,
        flush=True,
    )


def events_per_day(stream: str) -> int:
    from sandbox import lexer_data as data

    start = dt.datetime(DAY.year, DAY.month, DAY.day, tzinfo=dt.UTC).timestamp()
    end = start + 86400
    if stream == "mention_sla_export":
        return len(data.messages(7, start, end))
    if stream == "case_details":
        return len(data.cases_actioned(7, start, end))
    return sum(1 for s in data.submissions(7, start, end, 55) if s.score is not None)


def run_size(rows: int, stream: str) -> dict[str, t.Any]:
    from sandbox.core import serve
    from sandbox.lexer import DEFAULT_TOKEN, LexerApp

    per_day = events_per_day(stream)
    scale = max(1, math.ceil(rows / per_day))
    app = LexerApp(export_scale=scale, export_pending_polls=1)
    with serve(app) as base:
        config = {
            "api_token": DEFAULT_TOKEN,
            "api_url": f"{base}/v1",
            "exports_api_url": f"{base}/api/public/v1",
            "start_date": DAY.isoformat(),
            "end_date": DAY.isoformat(),
            "nps_form_ids": [55],
            "export_window_days": 1,
            "export_poll_interval_seconds": 0.05,
            "request_timeout_seconds": 300,
        }
        proc = subprocess.run(
            [sys.executable, __file__, "--child", json.dumps(config), "--stream", stream],
            capture_output=True,
            text=True,
            check=False,
            cwd=ROOT,
        )
    if proc.returncode != 0:
        raise SystemExit(f"child failed for {rows} rows:\n{proc.stderr[-2000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    result.update(expected=per_day * scale, stream=stream)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--stream", default="mention_sla_export")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(json.loads(args.child), args.stream)
        return
    print(f"stream {args.stream}, one export window, sandbox in-process, tap in a child process")
    print(f"{'rows':>10} {'seconds':>8} {'rows/s':>9} {'baseline RSS':>13} {'peak RSS':>10}")
    for rows in args.rows:
        r = run_size(rows, args.stream)
        if r["records"] != r["expected"]:
            raise SystemExit(f"expected {r['expected']} records, the tap emitted {r['records']}")
        print(
            f"{r['records']:>10,} {r['seconds']:>8.1f} {r['records'] / r['seconds']:>9,.0f} "
            f"{r['baseline_rss_kb'] / 1024:>10.1f} MB {r['peak_rss_kb'] / 1024:>7.1f} MB",
            flush=True,
        )
    print(f"(python {sys.version.split()[0]}, {os.cpu_count()} CPUs; RSS = ru_maxrss of the child)")


if __name__ == "__main__":
    main()
