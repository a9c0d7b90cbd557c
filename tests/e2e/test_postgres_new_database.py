"""`meltano run dixa-to-postgres` against a server without the warehouse database: the job's
first step (`pg-timestamptz:ensure-database`) creates it and the load goes through, where
target-postgres alone used to end in some 300 lines."""

from __future__ import annotations

import uuid

import pytest

from tests.e2e import harness as h

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not h.postgres_available(), reason="no PostgreSQL on 127.0.0.1:5432"),
]


def test_a_postgres_job_creates_its_missing_database(tmp_path) -> None:
    import psycopg2

    profile = h.PROFILES["tap-analytics"]
    h.ensure_installed(profile.tap, "target-postgres", "pg-timestamptz")
    name = "e2e_new_" + uuid.uuid4().hex[:10]
    try:
        with h.sandbox_for(profile) as (_app, url):
            env = h.isolated_env(tmp_path, {**profile.env(url), **h.postgres_env(name)})
            proc = h.meltano("run", "dixa-to-postgres", env=env)
        assert f"created database {name}" in proc.stdout + proc.stderr
        tables = h.postgres_tables(name, profile.schema)
        assert tables and sum(rows for rows, _ in tables.values()) > 0
    finally:
        admin = psycopg2.connect(dbname="postgres", **h.PG)
        admin.autocommit = True
        admin.cursor().execute(f'drop database if exists "{name}" with (force)')
        admin.close()
