"""This project's Meltano jobs on Dagster: the definitions load from meltano.yml, and one job
runs in-process against an in-process sandbox into a per-test DuckDB file."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import os
import subprocess
import threading
import typing as t
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

dg = pytest.importorskip(
    "dagster",
    reason="the orchestrator extra is not installed (pip install -e '.[orchestrator]')",
)

from orchestrate.dagster_defs import (  # noqa: E402
    SINGLE_WRITER_TAG,
    MeltanoResource,
    dagster_name,
    definitions_from_project,
    op_name,
)
from orchestrate.meltano_project import (  # noqa: E402
    PROJECT_ROOT,
    MeltanoProject,
    MeltanoProjectError,
    find_meltano,
    load_meltano_project,
    parse_project,
)
from sandbox.core import serve  # noqa: E402
from sandbox.dixa import DEFAULT_TOKEN, DixaApp  # noqa: E402
from tap_analytics.tap import TapAnalytics  # noqa: E402
from tapkit.testing import keys_of, run_sync  # noqa: E402

duckdb = pytest.importorskip("duckdb", reason="duckdb comes with the dev extra")

JOB = "dixa-to-duckdb"
SCHEMA = "dixa_analytics"  # the extractor's namespace (meltano/tap-analytics.meltano.yml)
WRONG_TOKEN = "not-the-dixa-token-4f1d"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> MeltanoProject:
    # Its own Meltano system database: the first `meltano` command migrates a new one, and
    # two workers migrating the project's shared `.meltano/meltano.db` at once corrupt it
    # ("Cannot upgrade the system database", seen from a fresh clone).
    database = tmp_path_factory.mktemp("meltano-db") / "meltano.db"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{database}")
        return load_meltano_project(PROJECT_ROOT)


@pytest.fixture(scope="module")
def defs(project: MeltanoProject) -> t.Any:
    return definitions_from_project(project)


class GatedDixa(DixaApp):
    """The Dixa sandbox holding its first request until released: a run that is under way."""

    def __init__(self) -> None:
        super().__init__()
        self.started = threading.Event()
        self.release = threading.Event()

    def handle(self, req: t.Any) -> t.Any:
        if not self.started.is_set():
            self.started.set()
            self.release.wait(120)
        return super().handle(req)


@pytest.fixture
def dixa_app() -> GatedDixa:
    app = GatedDixa()
    app.release.set()  # open unless a test closes the gate
    return app


@pytest.fixture
def dixa_url(dixa_app: GatedDixa) -> Iterator[str]:
    with serve(dixa_app) as url:
        yield url


@pytest.fixture(scope="module")
def plugins_installed(project: MeltanoProject) -> None:
    """The job's plugins installed in the project itself (a fresh clone has none), once per
    session and never while another xdist worker runs them (the e2e harness's install).
    Tests must not let Meltano install them through the symlinks of ``isolated``: the
    virtualenvs would then point into the test's temporary directory."""
    from tests.e2e.harness import ensure_installed

    (task,) = project.job(JOB).tasks
    # Blocks that are neither tap nor target are utilities (`dbt-duckdb:build`: plugin:command).
    utilities = [b.split(":")[0] for b in task.blocks if b not in task.extractors + task.loaders]
    ensure_installed(*task.extractors, *task.loaders, *utilities)


@pytest.fixture
def isolated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dixa_url: str, plugins_installed: None
) -> Path:
    """The worker's environment of this test: its own sandbox, warehouse file, Meltano
    system database (the test's state never mixes with the project's) and Meltano run
    directory. Meltano writes a plugin's catalog to one fixed file under
    ``.meltano/run/<plugin>``, so a concurrent `meltano run` of the same tap from another
    test would delete it under our feet; the installed plugins are shared by symlink."""
    project_sys = PROJECT_ROOT / ".meltano"
    sys_dir = tmp_path / "meltano-sys"
    sys_dir.mkdir()
    for kind in ("extractors", "loaders", "utilities"):
        (project_sys / kind).mkdir(parents=True, exist_ok=True)
        (sys_dir / kind).symlink_to(project_sys / kind, target_is_directory=True)
    monkeypatch.setenv("MELTANO_SYS_DIR_ROOT", str(sys_dir))
    monkeypatch.setenv("MELTANO_AUTO_INSTALL", "false")
    monkeypatch.setenv("MELTANO_ENVIRONMENT", "sandbox")
    monkeypatch.setenv("MELTANO_DATABASE_URI", f"sqlite:///{tmp_path / 'meltano.db'}")
    monkeypatch.setenv("TARGET_DUCKDB_FILEPATH", str(tmp_path / "warehouse.duckdb"))
    monkeypatch.setenv("TAP_ANALYTICS_API_URL", dixa_url)
    return tmp_path


def days() -> tuple[str, str]:
    today = dt.datetime.now(dt.UTC).date()
    return str(today - dt.timedelta(days=3)), str(today - dt.timedelta(days=2))


def run_config(node: str, **config: t.Any) -> dict[str, t.Any]:
    return {"ops": {node: {"config": config}}}


def test_every_meltano_job_and_schedule_is_on_dagster(project: MeltanoProject, defs: t.Any) -> None:
    assert project.jobs, "meltano.yml declares no jobs"
    assert {j.name for j in defs.resolve_all_job_defs()} == {
        dagster_name(j.name) for j in project.jobs
    }
    for job in project.jobs:
        job_def = defs.resolve_job_def(dagster_name(job.name))
        assert job_def.tags["meltano/job"] == job.name
        writes_duckdb = any("target-duckdb" in task.loaders for task in job.tasks)
        assert (job_def.tags.get(SINGLE_WRITER_TAG) == "target-duckdb") is writes_duckdb
        nodes = {n.name: n for n in job_def.graph.nodes}
        assert sorted(nodes) == sorted(op_name(task) for task in job.tasks)
        for task in job.tasks:
            definition = nodes[op_name(task)].definition
            assert definition.tags["meltano/task"] == task.text
            assert definition.pool == task.pool
        # Each stage waits for the whole stage before it, and for nothing else.
        before: list[str] = []
        for stage in job.stages():
            for task in stage:
                assert upstream(job_def, op_name(task)) == sorted(before)
            before = [op_name(task) for task in stage]
    schedules = {s.name: s for s in defs.schedules}
    assert set(schedules) == {dagster_name(s.name) for s in project.schedules}
    for schedule in project.schedules:
        on_dagster = schedules[dagster_name(schedule.name)]
        assert on_dagster.cron_schedule == schedule.cron
        assert on_dagster.execution_timezone == "UTC"
        assert on_dagster.job_name == dagster_name(schedule.job_name)


def test_all_to_duckdb_loads_one_tap_at_a_time(project: MeltanoProject, defs: t.Any) -> None:
    job = project.job("all-to-duckdb")
    job_def = defs.resolve_job_def("all_to_duckdb")
    order = [op_name(t) for t in job.tasks]
    assert [[op_name(t) for t in s] for s in job.stages()] == [[name] for name in order]
    assert upstream(job_def, order[0]) == []
    for before, after in itertools.pairwise(order):
        assert upstream(job_def, after) == [before]


def test_a_meltano_job_runs_in_process_into_duckdb(
    project: MeltanoProject, defs: t.Any, isolated: Path, dixa_url: str, dixa_app: GatedDixa
) -> None:
    """One job end to end; meanwhile a second worker starts the same job (same state ID) and
    is refused by Meltano's lock (the ops never pass --force)."""
    (task,) = project.job(JOB).tasks
    start, end = days()
    suffix = f"orchestrator-{uuid.uuid4().hex[:8]}"
    config = run_config(
        op_name(task),
        state_id_suffix=suffix,
        env={"TAP_ANALYTICS_START_DATE": start, "TAP_ANALYTICS_END_DATE": end},
    )
    job_def = defs.resolve_job_def(dagster_name(JOB))
    dixa_app.release.clear()
    second: list[t.Any] = []

    def start_second_while_first_runs() -> None:
        try:
            if dixa_app.started.wait(120):  # the first run is inside the API now
                second.append(job_def.execute_in_process(run_config=config, raise_on_error=False))
        finally:
            dixa_app.release.set()

    helper = threading.Thread(target=start_second_while_first_runs)
    helper.start()
    try:
        result = job_def.execute_in_process(run_config=config, raise_on_error=False)
    finally:
        dixa_app.release.set()
        helper.join(120)
    assert result.success, _failure(result)
    assert len(second) == 1, "the second run never started"
    assert not second[0].success
    assert "pipeline is already running" in _failure(second[0])

    # The same tap, same sandbox, same range, run directly: the rows that must have landed.
    direct = run_sync(
        TapAnalytics,
        {"api_url": dixa_url, "api_token": DEFAULT_TOKEN, "start_date": start, "end_date": end},
    )
    expected = {
        stream: len(set(keys_of(records, direct.schemas[stream]["key_properties"])))
        for stream, records in direct.records.items()
    }
    assert expected.get("closed_conversations", 0) > 0, expected

    with duckdb.connect(str(isolated / "warehouse.duckdb"), read_only=True) as con:
        tables = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables where table_schema = ?",
                [SCHEMA],
            ).fetchall()
        }
        assert tables == set(expected)
        for stream, count in expected.items():
            keys = ", ".join(f'"{k}"' for k in direct.schemas[stream]["key_properties"])
            rows, distinct = con.execute(
                f'select count(*), count(distinct ({keys})) from "{SCHEMA}"."{stream}"'
            ).fetchone()
            assert (stream, rows, distinct) == (stream, count, count)
        # The job ends with the transform layer: the marts hold the Dixa agent-days.
        platforms = con.execute(
            "select distinct platform from cs_reporting.cs_agent_daily"
        ).fetchall()
        assert platforms == [("dixa",)]

    # Meltano kept the state under the run's own state ID, with the bookmark of the range.
    state_id = f"sandbox:{task.extractors[0]}-to-{task.loaders[0]}:{suffix}"
    got = subprocess.run(
        [find_meltano(), "state", "get", state_id],
        cwd=PROJECT_ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        check=True,
    )
    bookmarks = json.loads(got.stdout)["singer_state"]["bookmarks"]
    assert bookmarks["closed_conversations"]["replication_key_value"] >= end


def test_a_failing_pipeline_fails_the_op_with_the_taps_reason(
    project: MeltanoProject, defs: t.Any, isolated: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (task,) = project.job(JOB).tasks
    monkeypatch.setenv("TAP_ANALYTICS_API_TOKEN", WRONG_TOKEN)
    start, end = days()
    result = defs.resolve_job_def(dagster_name(JOB)).execute_in_process(
        run_config=run_config(
            op_name(task),
            state_id_suffix=f"orchestrator-{uuid.uuid4().hex[:8]}",
            env={"TAP_ANALYTICS_START_DATE": start, "TAP_ANALYTICS_END_DATE": end},
        ),
        raise_on_error=False,
    )
    assert not result.success
    failure = _failure(result)
    assert f"`meltano run {task.text}` failed (exit 1)" in failure
    assert "api_token" in failure
    logged = "\n".join(str(e.message) for e in result.all_events if e.message)
    assert WRONG_TOKEN not in failure + logged


def test_credentials_in_run_config_are_refused_before_meltano_runs(
    project: MeltanoProject, defs: t.Any, isolated: Path
) -> None:
    (task,) = project.job(JOB).tasks
    result = defs.resolve_job_def(dagster_name(JOB)).execute_in_process(
        run_config=run_config(op_name(task), env={"TAP_ANALYTICS_API_TOKEN": WRONG_TOKEN}),
        raise_on_error=False,
    )
    assert not result.success
    failure = _failure(result)
    assert "TAP_ANALYTICS_API_TOKEN" in failure
    assert WRONG_TOKEN not in failure
    assert not (isolated / "meltano.db").exists()  # Meltano never started


def synthetic(schedule_env: dict[str, str]) -> MeltanoProject:
    return parse_project(
        Path("/p"),
        {"jobs": [{"job_name": "twice", "tasks": ["tap-a target-b", "dbt:run", "tap-a target-b"]}]},
        {
            "schedules": {
                "job": [
                    {
                        "name": "twice-daily",
                        "cron_interval": "0 6,18 * * *",
                        "env": schedule_env,
                        "job": {"name": "twice", "tasks": []},
                    }
                ]
            }
        },
    )


def test_a_schedules_env_reaches_every_op_of_its_job() -> None:
    defs = definitions_from_project(
        synthetic({"TAP_A_LOOKBACK_DAYS": "3"}), schedules_running=False
    )
    job_def = defs.resolve_job_def("twice")
    assert upstream(job_def, "dbt_run") == ["tap_a__target_b"]
    assert upstream(job_def, "tap_a__target_b_2") == ["dbt_run"]
    (schedule,) = list(defs.schedules or [])
    assert isinstance(schedule, dg.ScheduleDefinition)
    assert schedule.name == "twice_daily"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED
    env = {"env": {"TAP_A_LOOKBACK_DAYS": "3"}}
    (request,) = schedule.evaluate_tick(dg.build_schedule_context()).run_requests or []
    assert request.run_config == {
        "ops": {
            "tap_a__target_b": {"config": env},
            "dbt_run": {"config": env},
            "tap_a__target_b_2": {"config": env},
        }
    }


def test_credentials_in_a_schedules_env_are_refused_at_load() -> None:
    with pytest.raises(MeltanoProjectError, match=r"'twice-daily'.*\(TAP_A_API_TOKEN\)"):
        definitions_from_project(synthetic({"TAP_A_API_TOKEN": WRONG_TOKEN}))


def test_the_resource_builds_the_meltano_command(project: MeltanoProject) -> None:
    from orchestrate.dagster_defs import MeltanoRunConfig

    (task,) = project.job(JOB).tasks
    resource = MeltanoResource(meltano_bin="/opt/m", environment="prod", timeout_seconds=600)
    assert resource.command(
        task, MeltanoRunConfig(state_id_suffix="backfill-2026-10", full_refresh=True)
    ) == [
        "/opt/m",
        "--environment",
        "prod",
        "run",
        "--state-id-suffix",
        "backfill-2026-10",
        "--full-refresh",
        "--timeout",
        "600",
        "tap-analytics",
        "target-duckdb",
        "dbt-duckdb:build",
    ]


def upstream(job_def: t.Any, node: str) -> list[str]:
    structure = job_def.graph.dependency_structure
    return sorted(dep.node.name for dep in structure.all_upstream_outputs_from_node(node))


def _failure(result: t.Any) -> str:
    texts = []
    for event in result.all_events:
        if event.is_step_failure:
            error = event.step_failure_data.error
            user = event.step_failure_data.user_failure_data
            texts.append(user.description if user and user.description else str(error))
    return "\n".join(texts)
