"""The jobs and schedules of a Meltano project, read through the Meltano CLI.

The CLI (``meltano job list --format=json``, ``meltano schedule list --format=json``) is
the one reader that knows ``include_paths``, environments and every other rule of
``meltano.yml``, so nothing here parses YAML by hand. No orchestrator is imported: this
module is also what a test or another scheduler can use.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Project root of this repository (the directory holding meltano.yml).
PROJECT_ROOT = Path(__file__).resolve().parent.parent

#: Seconds a `meltano ... list` call may take before it counts as hung.
CLI_TIMEOUT_SECONDS = 120

#: Meltano's naming convention for plugin types, which the job list does not carry.
EXTRACTOR_PREFIX = "tap-"
LOADER_PREFIX = "target-"

#: Loaders that allow one writing process at a time: DuckDB locks its file, so two tasks
#: into target-duckdb never run side by side in a job, and runs writing to it carry a tag
#: that a Dagster run queue limits to one at a time.
SINGLE_WRITER_LOADERS = frozenset({"target-duckdb"})

#: Environment variable names that carry credentials. Per-run overrides given to the
#: orchestrator are stored and shown with the run, so these are refused there and must come
#: from the worker's environment (or .env) instead.
SECRET_NAME = re.compile(
    r"(TOKEN|SECRET|PASSWORD|PASSPHRASE|PRIVATE_KEY|SQLALCHEMY_URL|DATABASE_URI|STATE_BACKEND_URI)",
    re.IGNORECASE,
)


class MeltanoProjectError(RuntimeError):
    """The Meltano project could not be read; the message names the command and the cause."""


@dataclass(frozen=True)
class MeltanoTask:
    """One task of a Meltano job: blocks run together by ``meltano run`` (e.g. a tap and a
    target, which Meltano links into one extract-load pipeline)."""

    blocks: tuple[str, ...]

    @classmethod
    def parse(cls, task: str) -> MeltanoTask:
        blocks = tuple(shlex.split(task))
        if not blocks:
            msg = "a Meltano job task is empty"
            raise MeltanoProjectError(msg)
        return cls(blocks)

    @property
    def text(self) -> str:
        return " ".join(self.blocks)

    @property
    def extractors(self) -> tuple[str, ...]:
        return tuple(b for b in self.blocks if b.startswith(EXTRACTOR_PREFIX))

    @property
    def loaders(self) -> tuple[str, ...]:
        return tuple(b for b in self.blocks if b.startswith(LOADER_PREFIX))

    @property
    def exclusive(self) -> frozenset[str]:
        """What two tasks running side by side must not share: an extractor (its credential's
        rate limit, and Meltano's per-plugin run directory) or a single-writer loader."""
        return frozenset(self.extractors) | frozenset(
            b for b in self.loaders if b in SINGLE_WRITER_LOADERS
        )

    @property
    def single_writer_loaders(self) -> tuple[str, ...]:
        return tuple(b for b in self.loaders if b in SINGLE_WRITER_LOADERS)

    @property
    def pool(self) -> str:
        """The Dagster pool of this task across runs: its extractor(s). With a pool limit of
        1, two runs never run one extractor at once: one credential's rate limit, one
        Meltano run directory per plugin (``.meltano/run/<plugin>``), one state ID."""
        keys = sorted(self.extractors) or list(self.blocks[:1])
        return "meltano_" + "__".join(re.sub(r"[^A-Za-z0-9_]", "_", k) for k in keys)

    @property
    def is_extract_load(self) -> bool:
        """Only extractors and loaders: independent of its neighbours in the job (its own
        state ID per pair), so it may run beside them. Anything else (``dbt:run``, a
        utility) depends on what came before it."""
        return bool(self.extractors) and all(
            b.startswith((EXTRACTOR_PREFIX, LOADER_PREFIX)) for b in self.blocks
        )


@dataclass(frozen=True)
class MeltanoJob:
    name: str
    tasks: tuple[MeltanoTask, ...]

    @property
    def single_writer_loaders(self) -> tuple[str, ...]:
        """Single-writer loaders this job writes to (Dagster serialises such runs by tag)."""
        return tuple(sorted({b for t in self.tasks for b in t.single_writer_loaders}))

    def stages(self) -> list[list[MeltanoTask]]:
        """The tasks in the order they may run. Consecutive extract-load tasks share a stage
        (they may run in parallel) unless they share an extractor or a single-writer loader;
        any other task is a stage of its own. A stage starts when the one before it has
        finished, as in ``meltano run <job>``."""
        stages: list[list[MeltanoTask]] = []
        for task in self.tasks:
            last = stages[-1] if stages else []
            if (
                last
                and task.is_extract_load
                and all(t.is_extract_load and not (t.exclusive & task.exclusive) for t in last)
            ):
                last.append(task)
            else:
                stages.append([task])
        return stages


@dataclass(frozen=True)
class MeltanoSchedule:
    name: str
    cron: str
    job_name: str
    env: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MeltanoProject:
    root: Path
    jobs: tuple[MeltanoJob, ...]
    schedules: tuple[MeltanoSchedule, ...]
    #: Legacy ``elt`` schedules (extractor/loader without a job), which are not mapped.
    skipped_schedules: tuple[str, ...] = ()

    def job(self, name: str) -> MeltanoJob:
        for job in self.jobs:
            if job.name == name:
                return job
        known = ", ".join(j.name for j in self.jobs) or "none"
        msg = f"no Meltano job named '{name}' in {self.root / 'meltano.yml'} (jobs: {known})"
        raise MeltanoProjectError(msg)


def find_meltano(explicit: str | None = None) -> str:
    """The Meltano executable: ``explicit``, else ``$MELTANO_BIN``, else the one installed
    beside this Python (same virtualenv), else ``meltano`` on PATH."""
    candidate = explicit or os.environ.get("MELTANO_BIN")
    if candidate:
        return candidate
    beside = Path(sys.executable).parent / "meltano"
    if beside.exists():
        return str(beside)
    found = shutil.which("meltano")
    if found:
        return found
    msg = (
        "the Meltano CLI was not found: install it into this environment "
        "(pip install -e '.[dev]') or set MELTANO_BIN to its path"
    )
    raise MeltanoProjectError(msg)


def _cli_json(
    meltano_bin: str, root: Path, args: list[str], env: Mapping[str, str] | None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [meltano_bin, *args, "--format=json"],
        cwd=root,
        env={**os.environ, **(env or {}), "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _collect(proc: subprocess.Popen[str], what: str) -> dict[str, object]:
    try:
        stdout, stderr = proc.communicate(timeout=CLI_TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        msg = f"`meltano {what}` did not answer within {CLI_TIMEOUT_SECONDS} s"
        raise MeltanoProjectError(msg) from None
    if proc.returncode != 0:
        tail = " | ".join(line for line in stderr.strip().splitlines()[-5:])
        msg = f"`meltano {what}` failed (exit {proc.returncode}): {tail}"
        raise MeltanoProjectError(msg)
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError as exc:
        msg = f"`meltano {what} --format=json` printed something that is not JSON: {exc}"
        raise MeltanoProjectError(msg) from None
    if not isinstance(data, dict):
        msg = f"`meltano {what} --format=json` printed {type(data).__name__}, not an object"
        raise MeltanoProjectError(msg)
    return data


def load_meltano_project(
    root: str | Path = PROJECT_ROOT,
    *,
    meltano_bin: str | None = None,
    env: Mapping[str, str] | None = None,
) -> MeltanoProject:
    """Read the jobs and schedules of the Meltano project at ``root``."""
    root = Path(root).resolve()
    if not (root / "meltano.yml").is_file():
        msg = f"no meltano.yml in {root}: set MELTANO_PROJECT_ROOT to the Meltano project"
        raise MeltanoProjectError(msg)
    binary = find_meltano(meltano_bin)
    # One after the other: on a fresh project both would create and migrate the system
    # database at once, and one of them fails ("Cannot upgrade the system database").
    jobs_data = _run_json(binary, root, ["job", "list"], env)
    schedules_data = _run_json(binary, root, ["schedule", "list"], env)
    return parse_project(root, jobs_data, schedules_data)


def _run_json(
    binary: str, root: Path, args: list[str], env: Mapping[str, str] | None
) -> dict[str, object]:
    try:
        proc = _cli_json(binary, root, args, env)
    except OSError as exc:
        msg = f"could not start the Meltano CLI '{binary}': {exc}"
        raise MeltanoProjectError(msg) from None
    with proc:
        return _collect(proc, " ".join(args))


def parse_project(
    root: Path, jobs_data: Mapping[str, object], schedules_data: Mapping[str, object]
) -> MeltanoProject:
    """Build the project from the CLI's JSON (kept apart from the CLI for tests)."""
    jobs = []
    for entry in _list(jobs_data.get("jobs"), "jobs"):
        name = str(entry["job_name"])
        tasks = tuple(MeltanoTask.parse(str(task)) for task in _list(entry["tasks"], name))
        jobs.append(MeltanoJob(name, tasks))
    groups = schedules_data.get("schedules") or {}
    if not isinstance(groups, Mapping):
        msg = "`meltano schedule list --format=json`: 'schedules' is not an object"
        raise MeltanoProjectError(msg)
    schedules = tuple(
        MeltanoSchedule(
            name=str(entry["name"]),
            cron=str(entry.get("cron_interval") or entry["interval"]),
            job_name=str(entry["job"]["name"]),
            env={str(k): str(v) for k, v in (entry.get("env") or {}).items()},
        )
        for entry in _list(groups.get("job"), "schedules")
    )
    skipped = tuple(str(entry.get("name")) for entry in _list(groups.get("elt"), "schedules"))
    return MeltanoProject(root, tuple(jobs), schedules, skipped)


def _list(value: object, where: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        msg = f"Meltano CLI JSON: '{where}' is not a list"
        raise MeltanoProjectError(msg)
    return value


def secret_env_names(env: Mapping[str, str]) -> list[str]:
    """Names in ``env`` that look like credentials (see SECRET_NAME)."""
    return sorted(name for name in env if SECRET_NAME.search(name))
