"""The shared harness: run a tap in-process against its simulator with every log line
captured, compare runs as a warehouse with primary keys would see them, scan for secrets,
and keep the ledger of figures that the closing summary prints."""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import typing as t
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from singer_sdk import Tap

from sandbox.core import SandboxApp, serve
from tapkit.ratelimit import reset_limiters
from tapkit.testing import SyncResult, catalog_selecting

from .profiles import Profile

ROOT = Path(__file__).resolve().parents[2]
LEDGER_ROOT = Path(os.environ.get("RELIABILITY_LEDGER_DIR", ROOT / "output" / "reliability"))
#: Set once per pytest session (conftest) and inherited by xdist workers, so concurrent
#: sessions in one working tree keep separate ledgers.
SESSION_ENV = "RELIABILITY_SESSION"


def ledger_dir(session: str | None = None) -> Path:
    return LEDGER_ROOT / (session or os.environ.get(SESSION_ENV) or "adhoc")


def latest_ledger_dir() -> Path | None:
    dirs = [d for d in LEDGER_ROOT.glob("*") if d.is_dir() and any(d.glob("ledger-*.jsonl"))]
    return max(dirs, key=lambda d: max(f.stat().st_mtime for f in d.glob("*.jsonl")), default=None)


# -- the ledger ------------------------------------------------------------------------


def record(tap: str, **figures: int) -> None:
    """Add figures for ``tap`` (faults_injected, faults_survived, kill_points, rows_lost,
    duplicate_keys, secrets_found, ...) to this process's ledger file."""
    folder = ledger_dir()
    folder.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with (folder / f"ledger-{worker}.jsonl").open("a") as fh:
        fh.write(json.dumps({"tap": tap, **figures}) + "\n")


def start_session() -> None:
    """A fresh ledger for this test session; sessions older than a day are removed."""
    import shutil
    import time
    import uuid

    if SESSION_ENV not in os.environ:
        os.environ[SESSION_ENV] = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
    if LEDGER_ROOT.exists():
        for old in LEDGER_ROOT.glob("*"):
            if old.is_dir() and time.time() - old.stat().st_mtime > 86400:
                shutil.rmtree(old, ignore_errors=True)


# -- in-process runs -------------------------------------------------------------------


@dataclass
class Run(SyncResult):
    """A sync's Singer messages plus every log line it wrote."""

    logs: list[str] = field(default_factory=list)

    def text(self) -> str:
        """Everything a user or a log collector could see of this run."""
        parts = [*self.logs, *(json.dumps(m) for m in self.messages)]
        if self.error is not None:
            parts.append(repr(self.error))
            parts.append(str(self.error))
        return "\n".join(parts)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))

    def emit(self, rec: logging.LogRecord) -> None:
        try:
            self.lines.append(self.format(rec))
        except Exception as exc:  # a log call that cannot format is itself a finding
            self.lines.append(f"unformattable log record: {exc!r}")


@contextlib.contextmanager
def capture_logs() -> Iterator[list[str]]:
    handler = _Capture()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler.lines
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def discover(tap_cls: type[Tap], config: dict[str, t.Any], streams: t.Iterable[str]) -> dict:
    """The catalog with ``streams`` selected, discovered before any fault is queued (as
    Meltano discovers before it syncs)."""
    reset_limiters()
    with contextlib.redirect_stdout(io.StringIO()):
        return catalog_selecting(tap_cls(config=config, validate_config=True), streams)


def run(
    tap_cls: type[Tap],
    config: dict[str, t.Any],
    catalog: dict[str, t.Any] | None,
    *,
    state: dict[str, t.Any] | None = None,
) -> Run:
    """One in-process sync; never raises (the error is kept on the result)."""
    reset_limiters()
    buf = io.StringIO()
    result = Run()
    with capture_logs() as lines:
        try:
            with contextlib.redirect_stdout(buf):
                tap_cls(config=config, catalog=catalog, state=state).sync_all()
        except (Exception, SystemExit) as exc:
            result.error = exc
    result.logs = list(lines)
    for line in buf.getvalue().splitlines():
        if line.startswith("{"):
            result.messages.append(json.loads(line))
    return result


# -- comparing runs as a warehouse -----------------------------------------------------

Table = dict[tuple, dict[str, t.Any]]


def upsert(
    tables: dict[str, Table], run: SyncResult, keys: dict[str, list[str]]
) -> dict[str, Table]:
    """Apply a run's records the way a warehouse with primary keys does."""
    for msg in run.messages:
        if msg["type"] != "RECORD":
            continue
        stream = msg["stream"]
        row = msg["record"]
        key = tuple(row.get(k) for k in keys[stream])
        tables.setdefault(stream, {})[key] = row
    return tables


def table_of(run: SyncResult, keys: dict[str, list[str]]) -> dict[str, Table]:
    return upsert({}, run, keys)


#: Columns that describe a sync rather than the data (lineage): they differ between two
#: clean runs by design.
VOLATILE = frozenset(
    {"_sdc_extracted_at", "_sdc_received_at", "_sdc_batched_at", "extracted_at", "export_token"}
)


def comparable(tables: dict[str, Table]) -> dict[str, Table]:
    """Rows without columns that describe the sync rather than the data."""
    volatile = VOLATILE
    return {
        stream: {k: {c: v for c, v in row.items() if c not in volatile} for k, row in rows.items()}
        for stream, rows in tables.items()
    }


def lost_rows(expected: dict[str, Table], got: dict[str, Table]) -> int:
    """Rows of ``expected`` missing from ``got`` or with other values."""
    lost = 0
    exp, have = comparable(expected), comparable(got)
    for stream, rows in exp.items():
        other = have.get(stream, {})
        lost += sum(1 for key, row in rows.items() if other.get(key) != row)
    return lost


def extra_rows(expected: dict[str, Table], got: dict[str, Table]) -> int:
    exp = comparable(expected)
    return sum(
        1
        for stream, rows in comparable(got).items()
        for key in rows
        if key not in exp.get(stream, {})
    )


def duplicate_keys(run: SyncResult, keys: dict[str, list[str]]) -> int:
    """Rows sharing a key within one stream of one run (a run emits each key once)."""
    dups = 0
    seen: dict[str, set[tuple]] = {}
    for msg in run.messages:
        if msg["type"] == "RECORD":
            key = tuple(msg["record"].get(k) for k in keys[msg["stream"]])
            bucket = seen.setdefault(msg["stream"], set())
            dups += key in bucket
            bucket.add(key)
    return dups


def null_keys(run: SyncResult, keys: dict[str, list[str]]) -> int:
    return sum(
        1
        for msg in run.messages
        if msg["type"] == "RECORD"
        and any(msg["record"].get(k) is None for k in keys[msg["stream"]])
    )


def secrets_in(text: str, secrets: t.Iterable[str]) -> list[str]:
    return [s for s in secrets if s and s in text]


# -- a served simulator ----------------------------------------------------------------


@dataclass
class Served:
    """A simulator running in-process for one test, with the tap's config pointing at it."""

    profile: Profile
    app: SandboxApp
    url: str

    def config(self, **overrides: t.Any) -> dict[str, t.Any]:
        return self.profile.config(self.url, **overrides)

    @property
    def keys(self) -> dict[str, list[str]]:
        return self.profile.primary_keys(self.config())

    def requests(self) -> int:
        return sum(v for k, v in self.app.stats.items() if " /" in k and "/__sandbox__/" not in k)


@contextlib.contextmanager
def served(profile: Profile, **options: t.Any) -> Iterator[Served]:
    app = profile.build_app(**options)
    with serve(app) as url:
        yield Served(profile, app, url)
