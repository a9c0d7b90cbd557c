"""Gaps that mutation testing (docs/mutation.md) found in the kit: the console paths the
other tests reach only through a subprocess (the plan, the unreachable-host line, secrets
from the environment), the advertised defaults, and `pg-timestamptz`'s connection."""

from __future__ import annotations

import json
import typing as t
from pathlib import Path

import psycopg2
import pytest
import requests

import tapkit.pg_timestamptz as pgtz
from tap_lexer_activity.tap import TapLexerActivity
from tapkit import tap as kit_tap
from tapkit.errors import TapError
from tapkit.testing import catalog_selecting

_CONFIG = {
    "api_token": "tok-mutant-secret-123",
    "api_url": "http://api.example.test:8443/v1",
    "start_date": "2026-04-01",
    "end_date": "2026-04-03",
    "date_to_reading": "inclusive",
}


def config() -> dict[str, t.Any]:
    """A fresh copy: a tap fills its defaults into the dict it is given."""
    return dict(_CONFIG)


def _write(path: Path, data: t.Any) -> str:
    path.write_text(json.dumps(data))
    return str(path)


def _plan_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, t.Any]:
    kit_tap.run_plan(TapLexerActivity, [*argv, "--plan", "--format", "json"])
    out = capsys.readouterr().out
    return t.cast("dict[str, t.Any]", json.loads(out))


def test_plan_counts_each_day_window_and_its_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = _plan_json(capsys, ["--config", _write(tmp_path / "c.json", config())])
    summary = plan["streams"]["summary"]
    assert summary["windows"] == 3  # 1 to 3 April, one request a day
    assert summary["requests"] == 3
    # seconds are the plan's estimate, not a constant: more requests take longer
    assert plan["streams"]["case_details"]["seconds"] > summary["seconds"] > 1


def test_plan_reads_the_catalog_and_later_config_files_win(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    catalog = catalog_selecting(TapLexerActivity(config=config()), ["summary"])
    later = _write(tmp_path / "later.json", {"end_date": "2026-04-05"})
    plan = _plan_json(
        capsys,
        [
            "--config",
            _write(tmp_path / "c.json", config()),
            "--config",
            later,
            "--catalog",
            _write(tmp_path / "catalog.json", catalog),
            "--state",
            _write(tmp_path / "state.json", {}),
        ],
    )
    assert set(plan["streams"]) == {"summary"}
    assert plan["streams"]["summary"]["windows"] == 5


def test_plan_takes_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for key, value in _CONFIG.items():
        monkeypatch.setenv(f"TAP_LEXER_ACTIVITY_{key.upper()}", value)
    plan = _plan_json(capsys, ["--config", "ENV"])
    assert plan["streams"]["summary"]["windows"] == 3


def test_plan_help_names_the_file_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        kit_tap._plan_arguments(TapLexerActivity, ["--help"])
    usage = capsys.readouterr().out
    assert "--state FILE" in usage and "--catalog FILE" in usage


@pytest.mark.parametrize("flag", ["--config", "--state", "--catalog"])
def test_plan_file_that_is_not_an_object_is_one_clear_error_naming_its_flag(
    tmp_path: Path, flag: str
) -> None:
    good = _write(tmp_path / "c.json", config())
    bad = _write(tmp_path / "bad.json", ["not", "an", "object"])
    argv = ["--config", bad] if flag == "--config" else ["--config", good, flag, bad]
    with pytest.raises(TapError) as caught:
        kit_tap.run_plan(TapLexerActivity, [*argv, "--plan"])
    assert str(caught.value) == f"{flag} file '{bad}' does not hold a JSON object"


def _connection_error(cls: type[requests.ConnectionError], url: str) -> requests.ConnectionError:
    request = requests.Request("GET", url).prepare()
    return cls("[Errno -2] Name or service not known", request=request)


def test_unreachable_host_names_the_host_and_the_setting() -> None:
    TapLexerActivity(config=config())  # the config the message reads
    exc = _connection_error(requests.ConnectionError, "http://api.example.test:8443/v1/x?t=1")
    assert kit_tap.unreachable_message(TapLexerActivity, exc) == (
        "cannot connect to api.example.test:8443 (api_url = http://api.example.test:8443/v1): "
        "Name or service not known; check that setting and the network, then run again"
    )


def test_unreachable_host_after_a_connect_timeout() -> None:
    TapLexerActivity(config=config())
    exc = _connection_error(requests.ConnectTimeout, "http://api.example.test:8443/v1/x")
    message = kit_tap.unreachable_message(TapLexerActivity, exc)
    assert ": connection timed out; check that setting" in message


def test_a_secret_set_only_in_the_environment_is_redacted_from_the_failure_line(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = "env-only-secret-789"
    monkeypatch.setenv("TAP_LEXER_ACTIVITY_API_TOKEN", secret)
    monkeypatch.setattr(kit_tap, "_LAST_CONFIG", {})
    line = kit_tap.failure_line(TapLexerActivity, TapError(f"401 for token {secret}"))
    assert line is not None and line.startswith("tap-lexer-activity failed: 401 for token")
    assert secret not in line


def test_the_advertised_timezone_default_is_the_one_a_run_uses() -> None:
    props = TapLexerActivity.config_jsonschema["properties"]
    assert props["timezone"]["default"] == "UTC"
    stream = TapLexerActivity(config=config()).streams["summary"]
    assert str(t.cast("t.Any", stream).tz.key) == "UTC"


class _Cursor:
    def __init__(self, con: _Connection) -> None:
        self.con = con
        self.rowcount = 0

    def execute(self, query: t.Any, params: t.Any = None) -> None:
        self.con.executed.append((query, params))
        self.rowcount = 2

    def fetchall(self) -> list[tuple[str, ...]]:
        return [("lexer_activity", "summary", "window_start")]


class _Connection:
    def __init__(self) -> None:
        self.executed: list[tuple[t.Any, t.Any]] = []
        self.closed = False

    def __enter__(self) -> _Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def cursor(self) -> _Cursor:
        return _Cursor(self)

    def close(self) -> None:
        self.closed = True


def test_pg_timestamptz_connects_with_its_own_settings_over_the_loaders(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[dict[str, t.Any]] = []
    con = _Connection()

    def connect(**kwargs: t.Any) -> _Connection:
        seen.append(kwargs)
        return con

    monkeypatch.setattr(psycopg2, "connect", connect)
    for name in ("HOST", "PORT", "USER", "PASSWORD", "DATABASE"):
        monkeypatch.delenv(f"PG_TIMESTAMPTZ_{name}", raising=False)
        monkeypatch.delenv(f"TARGET_POSTGRES_{name}", raising=False)
    monkeypatch.setenv("TARGET_POSTGRES_HOST", "loader-host")
    monkeypatch.setenv("TARGET_POSTGRES_PORT", "6543")
    monkeypatch.setenv("PG_TIMESTAMPTZ_HOST", "own-host")
    monkeypatch.setenv("TARGET_POSTGRES_DATABASE", "dw")
    assert pgtz.main(["--schema", "lexer_activity"]) == 0
    assert seen == [
        {
            "host": "own-host",
            "port": 6543,
            "user": "postgres",
            "password": None,
            "dbname": "dw",
            "connect_timeout": 10,
        }
    ]
    assert con.closed
    out = capsys.readouterr().out
    assert "1 column(s) converted to timestamptz" in out
    assert "lexer_activity.summary.window_start" in out


def test_pg_timestamptz_failure_is_one_line_without_the_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def connect(**kwargs: t.Any) -> t.NoReturn:
        raise psycopg2.OperationalError("connection refused\n")

    monkeypatch.setattr(psycopg2, "connect", connect)
    monkeypatch.setenv("PG_TIMESTAMPTZ_PASSWORD", "pg-secret-456")
    assert pgtz.main([]) == 1
    err = capsys.readouterr().err
    assert err == "pg-timestamptz failed: OperationalError: connection refused\n"
    with pytest.raises(SystemExit):
        pgtz.main(["--help"])
    assert "usage: pg-timestamptz" in capsys.readouterr().out


def test_text_plan_names_the_partitions_it_counted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _write(tmp_path / "c.json", {**config(), "nps_form_ids": [11, 12]})
    kit_tap.run_plan(TapLexerActivity, ["--config", path, "--plan"])
    lines = capsys.readouterr().out.splitlines()
    nps = next(line for line in lines if line.startswith("nps_summary "))
    assert "2 partition(s)" in nps
