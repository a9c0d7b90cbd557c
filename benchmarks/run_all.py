"""Every benchmark, one table: ``make bench`` (``.venv/bin/python benchmarks/run_all.py``).

    .venv/bin/python benchmarks/run_all.py                 # the full set (~10 min)
    .venv/bin/python benchmarks/run_all.py --quick         # smaller sizes (~3 min)
    .venv/bin/python benchmarks/run_all.py --skip e2e memory
    .venv/bin/python benchmarks/run_all.py --markdown out.md --json out.json

Each figure is measured side by side in the same run, and the table shows the ratio to
its floor with the goal of issue 9:

* throughput: records/s of the tap beside a minimal singer-sdk tap emitting the same
  records from memory (goal >= 0.8), with the SDK's default and msgspec writers;
* per request: the tap's wall time per request beside a bare ``requests`` loop sending
  the same requests (goal <= 1.5x);
* backfill: requests beside the least the API allows (goal 1.00), wall time beside the
  rate-limit floor (goal <= 1.05), 429s (goal 0);
* memory: peak RSS at 1M rows beside 100k (goal <= 1.2x and < 200 MB);
* end to end: ``meltano run`` into Postgres beside the target fed the saved output
  (goal >= 0.9).

Timings are medians of ``--repeat`` runs where a run is short; the machine and the date
are printed with the table. Nothing here asserts: a missed goal is a row marked "no".
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sys
import time
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

SECTIONS = ("throughput", "requests", "backfill", "memory", "e2e")

Row = dict[str, t.Any]


def row(
    section: str,
    case: str,
    measured: str,
    floor: str,
    ratio: float | None,
    goal: str,
    met: bool | None,
) -> Row:
    return {
        "section": section,
        "case": case,
        "measured": measured,
        "floor": floor,
        "ratio": ratio,
        "goal": goal,
        "met": met,
    }


def throughput(repeat: int, quick: bool) -> list[Row]:
    from benchmarks import bench_throughput

    out = []
    for r in bench_throughput.run(repeat=repeat, quick=quick):
        out.append(
            row(
                "throughput",
                f"{r['case']} [{r['writer']}] {r['records']:,} rec",
                f"{r['tap_rps']:,.0f} rec/s (cpu {r['cpu_ratio']:.2f})",
                f"{r['floor_rps']:,.0f} rec/s",
                r["wall_ratio"],
                ">= 0.80",
                r["wall_ratio"] >= 0.8,
            )
        )
    return out


def per_request(repeat: int, quick: bool) -> list[Row]:
    from benchmarks import bench_requests

    return [
        row(
            "per request",
            f"{r['case']}, {r['requests']} req",
            f"{r['tap_ms']:.2f} ms/req",
            f"{r['bare_ms']:.2f} ms/req",
            r["ratio"],
            "<= 1.50",
            r["ratio"] <= 1.5,
        )
        for r in bench_requests.run(repeat=repeat, quick=quick)
    ]


def backfill(quick: bool) -> list[Row]:
    from benchmarks import bench_backfill

    out = []
    for r in bench_backfill.run(quick=quick):
        out.append(
            row(
                "backfill",
                f"{r['case']}: requests",
                f"{r['requests']} ({r['429s']} x 429)",
                f"{r['floor']}",
                r["requests_ratio"],
                "1.00, no 429",
                r["requests"] == r["floor"] and r["429s"] == 0,
            )
        )
        if "time_floor" in r:
            out.append(
                row(
                    "backfill",
                    f"{r['case']}: wall ({r['limit']})",
                    f"{r['wall']:.1f} s",
                    f"{r['time_floor']:.1f} s",
                    r["wall_ratio"],
                    "<= 1.05",
                    r["wall_ratio"] <= 1.05,
                )
            )
    return out


def memory(quick: bool) -> list[Row]:
    from benchmarks import bench_memory

    sizes = (20_000, 200_000) if quick else (100_000, 1_000_000)
    results = bench_memory.run(sizes)
    out = []
    for case in dict.fromkeys(r["case"] for r in results):
        small, big = (r for r in results if r["case"] == case)
        ratio = big["peak_mb"] / small["peak_mb"]
        out.append(
            row(
                "memory",
                f"{case}: peak RSS at {big['records']:,} rows",
                f"{big['peak_mb']:.0f} MB ({big['records'] / big['seconds']:,.0f} rec/s)",
                f"{small['peak_mb']:.0f} MB at {small['records']:,}",
                ratio,
                "<= 1.20, < 200 MB",
                ratio <= 1.2 and big["peak_mb"] < 200,
            )
        )
    return out


def e2e(quick: bool) -> list[Row]:
    from benchmarks import bench_e2e

    return [
        row(
            "end to end",
            f"{r['case']} -> Postgres, {r['rows']:,} rows",
            f"{r['run_rps']:,.0f} rows/s ({r['run_s']:.1f} s)",
            f"{r['floor_rps']:,.0f} rows/s ({r['floor_s']:.1f} s)",
            r["ratio"],
            ">= 0.90",
            r["ratio"] >= 0.9,
        )
        for r in bench_e2e.run(quick=quick)
    ]


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    with_model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                with_model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{platform.system()} {platform.release()}, {with_model or cpu}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average at start {load}"
    )


def render(rows: list[Row]) -> list[str]:
    headers = ["section", "case", "measured", "floor", "ratio", "goal", "met"]
    cells = [
        [
            r["section"],
            r["case"],
            r["measured"],
            r["floor"],
            "-" if r["ratio"] is None else f"{r['ratio']:.2f}",
            r["goal"],
            "-" if r["met"] is None else ("yes" if r["met"] else "no"),
        ]
        for r in rows
    ]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(cell, widths, strict=True)) for cell in cells]
    return lines


def markdown(rows: list[Row], header: str) -> str:
    out = [
        header,
        "",
        "| section | case | measured | floor | ratio | goal | met |",
        "| --- | --- | --- | --- | ---: | --- | --- |",
    ]
    for r in rows:
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        met = "-" if r["met"] is None else ("yes" if r["met"] else "**no**")
        out.append(
            f"| {r['section']} | {r['case']} | {r['measured']} | {r['floor']} | {ratio} | {r['goal']} | {met} |"
        )
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (~3 min)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per short timing (median)")
    parser.add_argument("--skip", nargs="*", default=[], choices=SECTIONS)
    parser.add_argument("--only", nargs="*", choices=SECTIONS)
    parser.add_argument("--markdown", help="also write the table as Markdown to this file")
    parser.add_argument("--json", help="also write the rows as JSON to this file")
    args = parser.parse_args()
    chosen = [s for s in (args.only or SECTIONS) if s not in args.skip]
    started = time.perf_counter()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    host = machine()
    print(
        f"benchmarks {'(quick) ' if args.quick else ''}{when}; {host}", file=sys.stderr, flush=True
    )
    rows: list[Row] = []
    runners: dict[str, t.Callable[[], list[Row]]] = {
        "throughput": lambda: throughput(args.repeat, args.quick),
        "requests": lambda: per_request(args.repeat, args.quick),
        "backfill": lambda: backfill(args.quick),
        "memory": lambda: memory(args.quick),
        "e2e": lambda: e2e(args.quick),
    }
    for section in chosen:
        t0 = time.perf_counter()
        try:
            rows += runners[section]()
        except (Exception, SystemExit) as exc:  # a failing section must not hide the others
            rows.append(
                row(
                    section,
                    f"failed: {type(exc).__name__}",
                    str(exc).splitlines()[0][:80] if str(exc) else "",
                    "",
                    None,
                    "",
                    False,
                )
            )
        print(f"  {section}: {time.perf_counter() - t0:.0f} s", file=sys.stderr, flush=True)
        save(args, rows, when, host, time.perf_counter() - started)  # nothing lost to a crash
    total = time.perf_counter() - started
    print()
    print(title(args.quick, when, host, total))
    print("\n".join(render(rows)))
    save(args, rows, when, host, total)


def title(quick: bool, when: str, host: str, seconds: float) -> str:
    return f"Benchmarks {'(quick) ' if quick else ''}{when} in {seconds:.0f} s; {host}"


def save(args: argparse.Namespace, rows: list[Row], when: str, host: str, seconds: float) -> None:
    if args.markdown:
        Path(args.markdown).write_text(markdown(rows, title(args.quick, when, host, seconds)))
    if args.json:
        payload = {"when": when, "machine": host, "seconds": seconds, "rows": rows}
        Path(args.json).write_text(json.dumps(payload, indent=1))


if __name__ == "__main__":
    main()
