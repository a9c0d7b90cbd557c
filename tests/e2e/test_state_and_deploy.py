"""State that survives the machine, backfills beside the schedule, Snowflake offline."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e import harness as h

pytestmark = pytest.mark.e2e

STATE = {
    "singer_state": {
        "bookmarks": {
            "summary": {
                "replication_key": "window_start",
                "replication_key_value": "2026-04-01T00:00:00+00:00",
            }
        }
    }
}


def roundtrip(env: dict[str, str]) -> None:
    state_id = f"sandbox:tap-lexer-activity-to-target-duckdb:{uuid.uuid4().hex[:8]}"
    h.meltano("state", "set", "--force", state_id, json.dumps(STATE), env=env)
    got = h.meltano("state", "get", state_id, env=env).stdout
    assert json.loads(got[got.index("{") :]) == STATE
    assert state_id in h.meltano("state", "list", env=env).stdout
    h.meltano("state", "clear", "--force", state_id, env=env)
    after = h.meltano("state", "get", state_id, env=env, check=False)
    assert "replication_key_value" not in after.stdout


def test_state_get_set_clear_roundtrip_with_the_default_backend(tmp_path) -> None:
    roundtrip(h.isolated_env(tmp_path))


@pytest.mark.skipif(not h.postgres_available(), reason="no PostgreSQL on 127.0.0.1:5432")
def test_state_roundtrip_in_a_shared_postgres_system_database(tmp_path) -> None:
    """The production setting: several workers share state in a Postgres system database."""
    with h.postgres_database() as db:
        uri = f"postgresql+psycopg://postgres@127.0.0.1:5432/{db}"
        env = h.isolated_env(tmp_path, {"MELTANO_DATABASE_URI": uri})
        roundtrip(env)
        # A second "worker" (another Meltano dir, same database) sees the same state.
        state_id = "sandbox:tap-analytics-to-target-postgres"
        h.meltano("state", "set", "--force", state_id, json.dumps(STATE), env=env)
        other = h.isolated_env(tmp_path / "worker2", {"MELTANO_DATABASE_URI": uri})
        got = h.meltano("state", "get", state_id, env=other).stdout
        assert json.loads(got[got.index("{") :]) == STATE


def test_backfill_with_a_state_id_suffix_leaves_the_scheduled_state_alone(tmp_path) -> None:
    profile = h.PROFILES["tap-lexer-activity"]
    h.ensure_installed(profile.tap, "target-duckdb")
    warehouse = tmp_path / "warehouse.duckdb"
    with h.sandbox_for(profile) as (_app, url):
        env = h.isolated_env(
            tmp_path, {**profile.env(url), "TARGET_DUCKDB_FILEPATH": str(warehouse)}
        )
        h.meltano("run", profile.tap, "target-duckdb", env=env)
        scheduled_id = "sandbox:tap-lexer-activity-to-target-duckdb"
        before = h.meltano("state", "get", scheduled_id, env=env).stdout
        backfill_env = {
            **env,
            "TAP_LEXER_ACTIVITY_START_DATE": "2026-04-01",
            "TAP_LEXER_ACTIVITY_END_DATE": "2026-04-03",
        }
        h.meltano(
            "run",
            "--state-id-suffix",
            "backfill-2026-04",
            profile.tap,
            "target-duckdb",
            env=backfill_env,
        )
        after = h.meltano("state", "get", scheduled_id, env=env).stdout
        backfill_state = h.meltano(
            "state", "get", f"{scheduled_id}:backfill-2026-04", env=env
        ).stdout
    assert after == before, "the backfill moved the scheduled state"
    assert "2026-04-03" in backfill_state
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    dates = {
        str(r[0])[:10]
        for r in con.execute("select window_date from lexer_activity.summary").fetchall()
    }
    con.close()
    assert {"2026-04-01", "2026-04-02", "2026-04-03"} <= dates


def test_snowflake_loader_resolves_key_pair_settings_from_env_and_installs(tmp_path) -> None:
    key = tmp_path / "rsa_key.p8"
    key.write_text("-----BEGIN PRIVATE KEY-----\nnot-a-real-key\n-----END PRIVATE KEY-----\n")
    env = h.isolated_env(
        tmp_path,
        {
            "TARGET_SNOWFLAKE_ACCOUNT": "xy12345.eu-west-1",
            "TARGET_SNOWFLAKE_USER": "LOADER",
            "TARGET_SNOWFLAKE_ROLE": "LOADER_ROLE",
            "TARGET_SNOWFLAKE_DATABASE": "ANALYTICS",
            "TARGET_SNOWFLAKE_WAREHOUSE": "LOADING",
            "TARGET_SNOWFLAKE_PRIVATE_KEY_PATH": str(key),
            "TARGET_SNOWFLAKE_PRIVATE_KEY_PASSPHRASE": "s3cret-passphrase",
        },
    )
    printed = h.meltano("config", "print", "target-snowflake", env=env).stdout
    config = json.loads(printed[printed.index("{") :])
    assert config["account"] == "xy12345.eu-west-1"
    assert config["private_key_path"] == str(key)
    assert config["load_method"] == "upsert"
    assert "s3cret-passphrase" not in printed  # sensitive settings stay masked
    h.ensure_installed("target-snowflake")
    about = h.meltano("invoke", "target-snowflake", "--about", "--format", "json", env=env).stdout
    settings = json.loads(about[about.index("{") :])["settings"]["properties"]
    for name in ("account", "user", "private_key", "private_key_path", "load_method"):
        assert name in settings, name
