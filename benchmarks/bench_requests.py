"""Cost per request of the request-heavy report streams beside a bare ``requests`` loop.

    .venv/bin/python benchmarks/bench_requests.py [--repeat 3] [--quick]

For each case the tap syncs one report stream against its sandbox (own process, no rate
limit in the way) once with every request it sends logged; then, alternately and
``repeat`` times, the tap syncs again (fresh child, output to /dev/null) and a bare loop
(one ``requests.Session``, fresh child) sends the very same requests (method, URL,
headers, body) to the same sandbox and decodes each JSON body. The figure is the median
wall time per request of each, and their ratio (goal: the tap at most 1.5x the loop).
The sandbox's own time to answer is in both.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import typing as t
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_throughput import DAY, dixa_config, end_of, livechat_config
from benchmarks.common import PYTHON, ROOT, median, run_child, sandbox


@dataclass
class Case:
    name: str
    tap: str
    stream: str
    factory: str
    options: dict[str, t.Any]
    config: t.Callable[[str], dict[str, t.Any]]


def lexer_config(days: int) -> t.Callable[[str], dict[str, t.Any]]:
    from sandbox.lexer import DEFAULT_TOKEN

    def make(base: str) -> dict[str, t.Any]:
        return {
            "api_token": DEFAULT_TOKEN,
            "api_url": f"{base}/v1",
            "start_date": DAY.isoformat(),
            "end_date": end_of(days),
            "nps_form_ids": [55],
            "date_to_reading": "inclusive",  # one request per day (detect asks up to two)
            "rate_limit_max_requests": 1_000_000,
            "rate_limit_window_seconds": 1.0,
        }

    return make


def cases(quick: bool) -> list[Case]:
    days = 40 if quick else 150
    return [
        Case(
            "Lexer summary (1 request/day)",
            "tap_lexer_activity.tap:TapLexerActivity",
            "summary",
            "sandbox.lexer:build",
            {"rate_limit_max": 1_000_000, "rate_limit_window": 1.0},
            lexer_config(days),
        ),
        Case(
            "LiveChat chats_total_chats",
            "tap_livechat_reports.tap:TapLivechatReports",
            "chats_total_chats",
            "sandbox.livechat:build",
            {"rate_limit_max": 1_000_000, "rate_limit_window": 1.0},
            livechat_config(days),
        ),
        Case(
            "Dixa metric_data",
            "tap_analytics.tap:TapAnalytics",
            "metric_data",
            "sandbox.dixa:build",
            {"rate_per_second": 1_000_000, "burst": 1_000_000},
            lambda base: {**dixa_config(days // 3)(base), "record_ids": ["ratings"]},
        ),
    ]


BARE_LOOP = """
import json, sys, time
import requests
entries = [json.loads(line) for line in open(sys.argv[1])]
session = requests.Session()
wall = time.perf_counter()
for e in entries:
    r = session.request(e["method"], e["url"], headers=e["headers"], data=e["body"])
    r.raise_for_status()
    r.json()
print(json.dumps({"wall": time.perf_counter() - wall, "requests": len(entries)}))
"""


def bare_loop(requests_path: str) -> dict[str, t.Any]:
    proc = subprocess.run(
        [PYTHON, "-c", BARE_LOOP, requests_path],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return t.cast("dict[str, t.Any]", json.loads(proc.stdout))


def measure(case: Case, repeat: int) -> dict[str, t.Any]:
    with sandbox(case.factory, **case.options) as base, tempfile.TemporaryDirectory() as tmp:
        config = case.config(base)
        catalog_path = os.path.join(tmp, "catalog.json")
        requests_path = os.path.join(tmp, "requests.jsonl")
        run_child(
            {
                "tap": case.tap,
                "config": config,
                "streams": [case.stream],
                "mode": "discover",
                "catalog_path": catalog_path,
            }
        )
        catalog = json.loads(Path(catalog_path).read_text())
        spec = {"tap": case.tap, "config": config, "catalog": catalog, "label": case.name}
        run_child({**spec, "requests_path": requests_path})
        n = sum(1 for _ in open(requests_path))
        taps, bares = [], []
        for _ in range(repeat):
            taps.append(run_child(spec)["wall"])
            bares.append(bare_loop(requests_path)["wall"])
    tap_ms = median(taps) / n * 1000
    bare_ms = median(bares) / n * 1000
    return {
        "case": case.name,
        "requests": n,
        "tap_ms": tap_ms,
        "bare_ms": bare_ms,
        "ratio": tap_ms / bare_ms,
    }


def run(repeat: int = 3, quick: bool = False) -> list[dict[str, t.Any]]:
    return [measure(case, repeat) for case in cases(quick)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"{'case':<34} {'requests':>8} {'tap ms/req':>11} {'bare ms/req':>12} {'ratio':>6}")
    for r in run(args.repeat, args.quick):
        print(
            f"{r['case']:<34} {r['requests']:>8} {r['tap_ms']:>11.2f} {r['bare_ms']:>12.2f} {r['ratio']:>6.2f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
