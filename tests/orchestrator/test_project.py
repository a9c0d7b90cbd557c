"""Reading Meltano jobs and schedules, and planning which tasks may run side by side (no
orchestrator needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrate.meltano_project import (
    MeltanoJob,
    MeltanoProjectError,
    MeltanoTask,
    find_meltano,
    load_meltano_project,
    parse_project,
    secret_env_names,
)


def job(*tasks: str) -> MeltanoJob:
    return MeltanoJob("j", tuple(MeltanoTask.parse(t) for t in tasks))


def stage_texts(j: MeltanoJob) -> list[list[str]]:
    return [[t.text for t in stage] for stage in j.stages()]


def test_pipelines_into_postgres_share_a_stage() -> None:
    j = job("tap-a target-postgres", "tap-b target-postgres", "tap-c target-postgres")
    assert stage_texts(j) == [
        ["tap-a target-postgres", "tap-b target-postgres", "tap-c target-postgres"]
    ]


def test_duckdb_allows_one_writer_so_its_tasks_run_in_turn() -> None:
    j = job("tap-a target-duckdb", "tap-b target-duckdb", "tap-c target-postgres")
    assert stage_texts(j) == [
        ["tap-a target-duckdb"],
        ["tap-b target-duckdb", "tap-c target-postgres"],
    ]


def test_one_extractor_never_runs_beside_itself() -> None:
    # Same credential (one rate limit) and one Meltano run directory per plugin.
    j = job("tap-a target-postgres", "tap-a target-snowflake")
    assert stage_texts(j) == [["tap-a target-postgres"], ["tap-a target-snowflake"]]


def test_a_non_extract_load_task_waits_for_everything_before_it() -> None:
    j = job("tap-a target-postgres", "tap-b target-postgres", "dbt:run", "tap-c target-postgres")
    assert stage_texts(j) == [
        ["tap-a target-postgres", "tap-b target-postgres"],
        ["dbt:run"],
        ["tap-c target-postgres"],
    ]


def test_pools_are_per_extractor() -> None:
    assert MeltanoTask.parse("tap-analytics target-duckdb").pool == "meltano_tap_analytics"
    assert MeltanoTask.parse("tap-analytics target-postgres").pool == "meltano_tap_analytics"
    assert MeltanoTask.parse("dbt:run").pool == "meltano_dbt_run"
    assert job("tap-a target-duckdb", "tap-b target-postgres").single_writer_loaders == (
        "target-duckdb",
    )
    assert job("tap-a target-postgres").single_writer_loaders == ()


def test_cli_json_is_mapped() -> None:
    project = parse_project(
        Path("/p"),
        {"jobs": [{"job_name": "a-to-b", "tasks": ["tap-a target-b", "tap-c target-b"]}]},
        {
            "schedules": {
                "job": [
                    {
                        "name": "a-hourly",
                        "interval": "@hourly",
                        "cron_interval": "0 * * * *",
                        "env": {"TAP_A_LOOKBACK_DAYS": "2"},
                        "job": {"name": "a-to-b", "tasks": ["tap-a target-b"]},
                    }
                ],
                "elt": [{"name": "legacy", "extractor": "tap-a", "loader": "target-b"}],
            }
        },
    )
    assert [t.blocks for t in project.job("a-to-b").tasks] == [
        ("tap-a", "target-b"),
        ("tap-c", "target-b"),
    ]
    (schedule,) = project.schedules
    assert (schedule.name, schedule.cron, schedule.job_name) == ("a-hourly", "0 * * * *", "a-to-b")
    assert dict(schedule.env) == {"TAP_A_LOOKBACK_DAYS": "2"}
    assert project.skipped_schedules == ("legacy",)
    with pytest.raises(MeltanoProjectError, match=r"no Meltano job named 'nope'.*jobs: a-to-b"):
        project.job("nope")


def test_credentials_are_recognised_by_name() -> None:
    env = {
        "TAP_ANALYTICS_API_TOKEN": "x",
        "TAP_AGENTACTIVITY_CONSUMER_SECRET": "x",
        "TARGET_POSTGRES_PASSWORD": "x",
        "TARGET_SNOWFLAKE_PRIVATE_KEY": "x",
        "MELTANO_DATABASE_URI": "x",
        "TAP_ANALYTICS_START_DATE": "2026-01-01",
        "TARGET_DUCKDB_FILEPATH": "/tmp/w.duckdb",
    }
    assert secret_env_names(env) == [
        "MELTANO_DATABASE_URI",
        "TAP_AGENTACTIVITY_CONSUMER_SECRET",
        "TAP_ANALYTICS_API_TOKEN",
        "TARGET_POSTGRES_PASSWORD",
        "TARGET_SNOWFLAKE_PRIVATE_KEY",
    ]


def test_a_directory_without_meltano_yml_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(MeltanoProjectError, match="MELTANO_PROJECT_ROOT"):
        load_meltano_project(tmp_path)


def test_a_failing_cli_is_reported_with_its_command(tmp_path: Path) -> None:
    (tmp_path / "meltano.yml").write_text("this: [is not, a project\n")
    with pytest.raises(MeltanoProjectError, match=r"`meltano job list` failed \(exit \d+\)"):
        load_meltano_project(tmp_path, meltano_bin=find_meltano())


def test_a_missing_cli_names_the_setting(tmp_path: Path) -> None:
    (tmp_path / "meltano.yml").write_text("version: 1\n")
    with pytest.raises(MeltanoProjectError, match="could not start the Meltano CLI"):
        load_meltano_project(tmp_path, meltano_bin=str(tmp_path / "no-such-meltano"))
