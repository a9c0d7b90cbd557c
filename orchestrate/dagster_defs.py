"""Dagster jobs, ops and schedules from a Meltano project's own jobs and schedules.

Each Meltano job becomes a Dagster job; each of its tasks (``tap-x target-y``) becomes an op
that runs ``meltano run <task>`` in the project directory, so state IDs, environments,
plugin configuration and state backend stay exactly Meltano's. Extract-load tasks that share
nothing run in parallel (on separate workers with a distributed executor); tasks sharing an
extractor or a single-writer loader (DuckDB) run one after the other. Across runs, each op
sits in a Dagster pool named after its extractor, and runs writing to DuckDB carry a tag a run
queue can limit to one at a time. Each Meltano schedule becomes a Dagster schedule on its
cron (UTC).

Why not dagster-meltano: see docs/orchestrator.md (it pins dagster-shell, whose last release
ties Dagster to 1.9, it always passes ``--force`` so two runs of one pipeline are no longer
refused, and its resource is a process-wide singleton).
"""

import os
import re
import signal
import subprocess
from collections import deque
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import dagster as dg

from orchestrate.meltano_project import (
    PROJECT_ROOT,
    MeltanoJob,
    MeltanoProject,
    MeltanoProjectError,
    MeltanoSchedule,
    MeltanoTask,
    find_meltano,
    load_meltano_project,
    secret_env_names,
)

#: Run tag naming the single-writer loaders (target-duckdb) a job writes to.
SINGLE_WRITER_TAG = "meltano/single_writer"
#: Lines of Meltano output kept for the failure message of an op.
TAIL_LINES = 25
#: Seconds a cancelled `meltano run` gets to stop gracefully before it is killed.
STOP_GRACE_SECONDS = 30


def dagster_name(text: str) -> str:
    """A Dagster-safe name (``^[A-Za-z0-9_]+$``) for a Meltano name."""
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def op_name(task: MeltanoTask) -> str:
    """``tap-analytics target-duckdb`` -> ``tap_analytics__target_duckdb``."""
    return "__".join(dagster_name(block) for block in task.blocks)


class MeltanoRunConfig(dg.Config):
    """Per-run settings of one op (Dagster run config, stored and shown with the run: no
    secrets; credentials come from the worker's environment or the project's .env)."""

    env: dict[str, str] = {}
    """Environment variables for this run, e.g. TAP_ANALYTICS_START_DATE for a backfill."""
    state_id_suffix: str = ""
    """``meltano run --state-id-suffix``: a separate state, e.g. for a backfill."""
    full_refresh: bool = False
    """``meltano run --full-refresh``: ignore the saved state this once."""


class MeltanoResource(dg.ConfigurableResource):  # type: ignore[misc]
    """Where and how to run the Meltano CLI on a worker."""

    project_dir: str = str(PROJECT_ROOT)
    """The Meltano project (the directory holding meltano.yml)."""
    meltano_bin: str = ""
    """The Meltano executable; empty: $MELTANO_BIN, then the one beside this Python, then PATH."""
    environment: str = ""
    """Meltano environment (``--environment``); empty: $MELTANO_ENVIRONMENT or the project's
    default_environment."""
    timeout_seconds: int = 0
    """``meltano run --timeout``: stop a pipeline gracefully after this long; 0: no limit."""
    env: dict[str, str] = {}
    """Environment variables for every run (on top of the worker's own environment)."""

    def command(self, task: MeltanoTask, config: MeltanoRunConfig) -> list[str]:
        args = [find_meltano(self.meltano_bin or None)]
        if self.environment:
            args += ["--environment", self.environment]
        args.append("run")
        if config.state_id_suffix:
            args += ["--state-id-suffix", config.state_id_suffix]
        if config.full_refresh:
            args.append("--full-refresh")
        if self.timeout_seconds > 0:
            args += ["--timeout", str(self.timeout_seconds)]
        return [*args, *task.blocks]

    def run_task(
        self, task: MeltanoTask, config: MeltanoRunConfig, log: Any
    ) -> tuple[int, list[str]]:
        """Run ``meltano run <task>``, forwarding every output line to ``log``; the exit code
        and the last lines of output. A cancelled op stops Meltano (SIGTERM, then SIGKILL)."""
        command = self.command(task, config)
        env = {**os.environ, **self.env, **config.env, "NO_COLOR": "1"}
        log.info(f"meltano {' '.join(command[1:])}  (in {self.project_dir})")
        tail: deque[str] = deque(maxlen=TAIL_LINES)
        with subprocess.Popen(
            command,
            cwd=Path(self.project_dir),
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",  # a plugin's stray bytes must not end the run
            bufsize=1,
            start_new_session=True,
        ) as proc:
            try:
                assert proc.stdout is not None
                for raw in proc.stdout:
                    line = raw.rstrip()
                    if line:
                        tail.append(line)
                        log.info(line)
                code = proc.wait()
            except BaseException:
                _stop(proc)
                raise
        return code, list(tail)


def _stop(proc: subprocess.Popen[str]) -> None:
    """Stop Meltano and its plugins (their own process group) gracefully, then for good."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    except ProcessLookupError:
        pass


def build_op(task: MeltanoTask, *, retries: int = 0) -> dg.OpDefinition:
    """The op running one Meltano task."""

    @dg.op(
        name=op_name(task),
        description=f"Runs `meltano run {task.text}`.",
        ins={"after": dg.In(dg.Nothing)},
        out=dg.Out(dg.Nothing),
        tags={"meltano/task": task.text},
        pool=task.pool,
        retry_policy=(
            dg.RetryPolicy(max_retries=retries, delay=30, backoff=dg.Backoff.EXPONENTIAL)
            if retries
            else None
        ),
    )
    def run_meltano_task(
        context: dg.OpExecutionContext, config: MeltanoRunConfig, meltano: MeltanoResource
    ) -> None:
        secrets = secret_env_names(config.env)
        if secrets:
            raise dg.Failure(
                description=(
                    f"run config env of op '{context.op.name}' names credentials "
                    f"({', '.join(secrets)}): run config is stored and shown with the run, so "
                    "set them in the worker's environment or the project's .env instead"
                ),
                allow_retries=False,
            )
        code, tail = meltano.run_task(task, config, context.log)
        if code != 0:
            raise dg.Failure(
                description=(
                    f"`meltano run {task.text}` failed (exit {code}); last lines:\n"
                    + "\n".join(tail[-10:])
                ),
                metadata={
                    "exit_code": code,
                    "last_lines": dg.MetadataValue.text("\n".join(tail)),
                },
            )

    return run_meltano_task


def build_job(job: MeltanoJob, ops: Mapping[str, dg.OpDefinition]) -> dg.JobDefinition:
    """The Dagster job of one Meltano job: each stage of tasks after the one before it."""

    @dg.job(
        name=dagster_name(job.name),
        description=f"Runs the Meltano job `{job.name}`: "
        + "; ".join(f"`{t.text}`" for t in job.tasks),
        tags={
            "meltano/job": job.name,
            # A run queue limit on this tag (docs/orchestrator.md) keeps runs that write one
            # DuckDB file from overlapping: DuckDB admits one writing process.
            **(
                {SINGLE_WRITER_TAG: ",".join(job.single_writer_loaders)}
                if job.single_writer_loaders
                else {}
            ),
        },
    )
    def meltano_job() -> None:
        seen: dict[str, int] = {}
        previous: list[Any] = []
        for stage in job.stages():
            current = []
            for task in stage:
                op = ops[task.text]
                count = seen[task.text] = seen.get(task.text, 0) + 1
                node = op.alias(f"{op.name}_{count}") if count > 1 else op
                current.append(node(after=previous) if previous else node())
            previous = current

    return meltano_job


def build_schedule(
    schedule: MeltanoSchedule,
    job: MeltanoJob,
    job_def: dg.JobDefinition,
    *,
    running: bool,
) -> dg.ScheduleDefinition:
    """A Meltano schedule on Dagster: same cron (UTC), same environment variables."""
    secrets = secret_env_names(schedule.env)
    if secrets:
        msg = (
            f"Meltano schedule '{schedule.name}' sets credentials in its env "
            f"({', '.join(secrets)}); Dagster would store them with every run: move them to "
            "the worker's environment or .env"
        )
        raise MeltanoProjectError(msg)
    run_config = None
    if schedule.env:
        env = dict(schedule.env)
        run_config = {"ops": {node: {"config": {"env": env}} for node in _node_names(job)}}
    return dg.ScheduleDefinition(
        name=dagster_name(schedule.name),
        job=job_def,
        cron_schedule=schedule.cron,
        execution_timezone="UTC",
        run_config=run_config,
        description=f"Meltano schedule `{schedule.name}` ({schedule.cron}, UTC).",
        default_status=(
            dg.DefaultScheduleStatus.RUNNING if running else dg.DefaultScheduleStatus.STOPPED
        ),
    )


def _node_names(job: MeltanoJob) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for task in job.tasks:
        count = seen[task.text] = seen.get(task.text, 0) + 1
        names.append(op_name(task) if count == 1 else f"{op_name(task)}_{count}")
    return names


def definitions_from_project(
    project: MeltanoProject,
    *,
    resource: MeltanoResource | None = None,
    retries: int = 0,
    schedules_running: bool = True,
) -> dg.Definitions:
    """Dagster definitions of a loaded Meltano project."""
    ops: dict[str, dg.OpDefinition] = {}
    for job in project.jobs:
        for task in job.tasks:
            if task.text not in ops:
                ops[task.text] = build_op(task, retries=retries)
    job_defs = {job.name: build_job(job, ops) for job in project.jobs}
    schedules = []
    for schedule in project.schedules:
        if schedule.job_name not in job_defs:
            msg = f"Meltano schedule '{schedule.name}' runs unknown job '{schedule.job_name}'"
            raise MeltanoProjectError(msg)
        schedules.append(
            build_schedule(
                schedule,
                project.job(schedule.job_name),
                job_defs[schedule.job_name],
                running=schedules_running,
            )
        )
    return dg.Definitions(
        jobs=list(job_defs.values()),
        schedules=schedules,
        resources={"meltano": resource or MeltanoResource(project_dir=str(project.root))},
    )


def build_definitions(
    project_dir: str | Path = PROJECT_ROOT,
    *,
    meltano_bin: str | None = None,
    environment: str = "",
    retries: int = 0,
    schedules_running: bool = True,
    env: Mapping[str, str] | None = None,
) -> dg.Definitions:
    """Load the Meltano project at ``project_dir`` and build its Dagster definitions."""
    project = load_meltano_project(project_dir, meltano_bin=meltano_bin, env=env)
    resource = MeltanoResource(
        project_dir=str(project.root),
        meltano_bin=meltano_bin or "",
        environment=environment,
        env=dict(env or {}),
    )
    return definitions_from_project(
        project, resource=resource, retries=retries, schedules_running=schedules_running
    )


__all__: Sequence[str] = [
    "MeltanoResource",
    "MeltanoRunConfig",
    "build_definitions",
    "build_job",
    "build_op",
    "build_schedule",
    "dagster_name",
    "definitions_from_project",
    "op_name",
]
