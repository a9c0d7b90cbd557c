"""Print the reliability figures of the last suite run: ``python -m tests.reliability.report``
(or of one session: ``python -m tests.reliability.report <session>``).

The tests write them to ``output/reliability/<session>/ledger-*.jsonl`` as they run."""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from .harness import LEDGER_ROOT, latest_ledger_dir, ledger_dir

COLUMNS = (
    ("faults_injected", "faults injected"),
    ("faults_survived", "handled"),
    ("fault_runs", "fault runs"),
    ("kill_points", "kill points"),
    ("late_kills", "late kills"),
    ("rows_lost", "rows lost"),
    ("duplicate_keys", "duplicate keys"),
    ("secrets_found", "secrets found"),
    ("bad_inputs", "bad inputs"),
    ("open_findings", "open findings"),
    ("silent_bad_rows", "silent bad rows"),
)


def totals(folder: Path) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for path in sorted(folder.glob("ledger-*.jsonl")):
        for line in path.read_text().splitlines():
            if not line.strip():
                continue
            entry = json.loads(line)
            tap = entry.pop("tap")
            for key, value in entry.items():
                out[tap][key] += int(value)
    return out


def summary_lines(folder: Path | None) -> list[str]:
    data = totals(folder) if folder else {}
    if not data:
        return [f"no figures under {LEDGER_ROOT} (run the reliability tests first)"]
    head = ["tap".ljust(22), *(label.rjust(len(label) + 2) for _, label in COLUMNS)]
    lines = ["".join(head)]
    grand: dict[str, int] = defaultdict(int)
    for tap in sorted(data):
        cells = [tap.ljust(22)]
        for key, label in COLUMNS:
            value = data[tap].get(key, 0)
            grand[key] += value
            cells.append(str(value).rjust(len(label) + 2))
        lines.append("".join(cells))
    cells = ["total".ljust(22)]
    for key, label in COLUMNS:
        cells.append(str(grand[key]).rjust(len(label) + 2))
    lines.append("".join(cells))
    return lines


def main() -> None:
    folder = ledger_dir(sys.argv[1]) if len(sys.argv) > 1 else latest_ledger_dir()
    if folder is not None:
        print(f"session {folder.name}")
    for line in summary_lines(folder):
        print(line)


if __name__ == "__main__":
    main()
