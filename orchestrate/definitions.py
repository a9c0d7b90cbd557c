"""The Dagster code location of this project: every Meltano job and schedule.

    dagster job list -m orchestrate.definitions
    dagster job execute -m orchestrate.definitions -j dixa_to_duckdb
    dagster code-server start -m orchestrate.definitions -p 4266   # for a remote webserver

Settings (environment variables of the code location and its workers):

- ``MELTANO_PROJECT_ROOT``: the Meltano project (default: this repository).
- ``MELTANO_BIN``: the Meltano executable (default: the one beside this Python, then PATH).
- ``MELTANO_ENVIRONMENT``: read by Meltano itself (default: the project's default_environment).
- ``MELTANO_DAGSTER_RETRIES``: retries of a failed task (default 0; Meltano resumes from
  the state of the last finished window, so a retry does not repeat finished work).
- ``MELTANO_DAGSTER_SCHEDULES``: ``running`` (default) or ``stopped``: the status Dagster
  gives the Meltano schedules until someone changes it.
"""

import os

from orchestrate.dagster_defs import build_definitions
from orchestrate.meltano_project import PROJECT_ROOT, MeltanoProjectError


def _retries() -> int:
    raw = os.environ.get("MELTANO_DAGSTER_RETRIES", "0")
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        msg = f"MELTANO_DAGSTER_RETRIES must be a whole number >= 0, not '{raw}'"
        raise MeltanoProjectError(msg)
    return value


def _schedules_running() -> bool:
    raw = os.environ.get("MELTANO_DAGSTER_SCHEDULES", "running").strip().lower()
    if raw not in {"running", "stopped"}:
        msg = f"MELTANO_DAGSTER_SCHEDULES must be 'running' or 'stopped', not '{raw}'"
        raise MeltanoProjectError(msg)
    return raw == "running"


defs = build_definitions(
    os.environ.get("MELTANO_PROJECT_ROOT") or PROJECT_ROOT,
    meltano_bin=os.environ.get("MELTANO_BIN") or None,
    retries=_retries(),
    schedules_running=_schedules_running(),
)
