"""Auth modes, settings checks, the Domain API, agent lists and error handling."""

from __future__ import annotations

import datetime as dt
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from singer_sdk.exceptions import ConfigValidationError

import sandbox.liveperson as lp
from tap_agentactivity.tap import TapAgentActivity
from tapkit import TapError
from tapkit.testing import run_sync

from .conftest import Clock
from .helpers import bearer_config, oauth_config

STREAM = "agent_activity"
ACTIVITY = "/operations/api/account/12345678/agentactivity"
SECRETS = (lp.CONSUMER_SECRET, lp.ACCESS_TOKEN_SECRET, lp.BEARER_TOKEN, lp.ACCESS_TOKEN)


def config_errors(config: dict) -> list[str]:
    with pytest.raises(ConfigValidationError) as info:
        TapAgentActivity(config=config, validate_config=True)
    return list(info.value.errors)


def test_bearer_token_works(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T10:03:00")
    result = run_sync(TapAgentActivity, bearer_config(url, start_date="2026-11-20T09:00:00Z"))
    assert len({r["interval_end"] for r in result.records[STREAM]}) == 12


def test_oauth_requests_are_signed_per_try(app, url, clock: Clock) -> None:
    """A retried request carries a fresh nonce (the sandbox refuses a replayed one)."""
    clock.set("2026-11-20T10:03:00")
    app.faults.add("status", status=502, count=2)
    result = run_sync(TapAgentActivity, oauth_config(url, start_date="2026-11-20T09:00:00Z"))
    assert app.stats["fault:status"] == 2
    assert result.records[STREAM]


@pytest.mark.parametrize(
    ("overrides", "named"),
    [
        ({"consumer_secret": "wrong-consumer-secret"}, "consumer_key"),
        ({"access_token": "wrong-access-token"}, "access_token"),
    ],
)
def test_wrong_oauth_credentials_stop_with_the_settings_named(
    app, url, clock: Clock, caplog, overrides, named
) -> None:
    clock.set("2026-11-20T10:03:00")
    with caplog.at_level(logging.DEBUG):
        result = run_sync(TapAgentActivity, oauth_config(url, **overrides), raise_errors=False)
    message = str(result.error)
    assert "HTTP 401" in message and named in message
    assert app.stats[f"GET {ACTIVITY}"] == 1, "a 401 is not retried"
    logged = "\n".join(r.getMessage() for r in caplog.records) + message
    for secret in (*SECRETS, *overrides.values()):
        assert secret not in logged


def test_wrong_bearer_names_bearer_token(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T10:03:00")
    result = run_sync(
        TapAgentActivity, bearer_config(url, bearer_token="not-the-token"), raise_errors=False
    )
    assert "bearer_token" in str(result.error) and "not-the-token" not in str(result.error)


def test_exactly_one_auth_mode() -> None:
    base = {"account_id": "12345678"}
    both = config_errors({**base, "bearer_token": "tok-1234", "consumer_key": "ck-1234"})
    assert any(e.startswith("bearer_token:") and "not both" in e for e in both)
    partial = config_errors({**base, "consumer_key": "ck-1234", "access_token": "at-1234"})
    assert len(partial) == 1 and "consumer_secret, access_token_secret" in partial[0]
    assert "ck-1234" not in partial[0]
    none = config_errors(base)
    assert any("bearer_token" in e and "consumer_key" in e for e in none)


def test_settings_checks_name_the_setting() -> None:
    base = {"account_id": "12345678", "bearer_token": "tok-1234"}
    assert any(
        e.startswith("domain:")
        for e in config_errors({**base, "domain": "https://va.data.liveperson.net/x"})
    )
    assert any(
        e.startswith("agent_ids:") for e in config_errors({**base, "agent_ids": "alice,bob"})
    )
    assert any(
        e.startswith("lookback_minutes:") for e in config_errors({**base, "lookback_minutes": -5})
    )
    assert any(e.startswith("account_id:") for e in config_errors({**base, "account_id": "12/34"}))
    assert any(
        e.startswith("api_url:") for e in config_errors({**base, "api_url": "localhost:8704"})
    )
    with pytest.raises(ConfigValidationError):
        TapAgentActivity(config={**base, "interval_minutes": 7}, validate_config=True)


def test_domain_setting_builds_the_https_base() -> None:
    tap = TapAgentActivity(
        config={
            "account_id": "12345678",
            "bearer_token": "tok-1234",
            "domain": "va.data.liveperson.net",
        }
    )
    stream = tap.streams[STREAM]
    assert stream.url_base == "https://va.data.liveperson.net"
    assert (
        stream.activity_url
        == "https://va.data.liveperson.net/operations/api/account/12345678/agentactivity"
    )
    tap = TapAgentActivity(
        config={
            "account_id": "1",
            "bearer_token": "tok-1234",
            "domain": "x.example",
            "api_url": "http://127.0.0.1:9/",
        }
    )
    assert tap.streams[STREAM].url_base == "http://127.0.0.1:9"


def test_domain_api_lookup_names_the_host(app, url, clock: Clock, caplog) -> None:
    clock.set("2026-11-20T10:03:00")
    config = oauth_config(url, api_url=None, domain_api_url=url, start_date="2026-11-20T09:00:00Z")
    with caplog.at_level(logging.INFO):
        result = run_sync(TapAgentActivity, config)
    host = url.split("://")[1]
    assert any(f"uses leDataReporting host {host}" in r.getMessage() for r in caplog.records)
    assert app.stats["GET /api/account/12345678/service/leDataReporting/baseURI.json"] == 1
    assert result.records[STREAM]


def test_domain_api_unknown_account_names_account_id(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T10:03:00")
    config = oauth_config(url, api_url=None, domain_api_url=url, account_id="999")
    result = run_sync(TapAgentActivity, config, raise_errors=False)
    assert isinstance(result.error, TapError)
    assert "`account_id`" in str(result.error) and "`domain`" in str(result.error)


def test_short_agent_list_uses_get_and_filters(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T10:03:00")
    config = oauth_config(url, agent_ids="2152260212,2152260213", start_date="2026-11-20T09:00:00Z")
    rows = run_sync(TapAgentActivity, config).records[STREAM]
    assert {r["agent_id"] for r in rows} == {"2152260212", "2152260213"}
    assert app.stats[f"GET {ACTIVITY}"] == 1


def test_long_agent_list_goes_in_a_post_body(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T10:03:00")
    many = ",".join(["2152260212", "2152260213"] + [str(3_000_000_000 + i) for i in range(120)])
    config = oauth_config(url, agent_ids=many, start_date="2026-11-20T09:00:00Z")
    rows = run_sync(TapAgentActivity, config).records[STREAM]
    assert {r["agent_id"] for r in rows} == {"2152260212", "2152260213"}
    assert app.stats[f"POST {ACTIVITY}"] == 1 and app.stats[f"GET {ACTIVITY}"] == 0


def test_429_waits_at_least_a_second_then_succeeds(app, url, clock: Clock, caplog) -> None:
    clock.set("2026-11-20T10:03:00")
    app.faults.add("status", status=429, count=1)
    with caplog.at_level(logging.WARNING):
        result = run_sync(TapAgentActivity, oauth_config(url, start_date="2026-11-20T09:00:00Z"))
    waits = [
        r.args[2]
        for r in caplog.records
        if "retry" in r.getMessage() and r.args and len(r.args) > 2
    ]
    assert waits and min(waits) >= 1.0
    assert result.records[STREAM]


@pytest.mark.parametrize("status", [400, 403, 404])
def test_other_4xx_stop_at_once(app, url, clock: Clock, status) -> None:
    clock.set("2026-11-20T10:03:00")
    app.faults.add("status", status=status, count=5)
    result = run_sync(TapAgentActivity, oauth_config(url), raise_errors=False)
    assert f"HTTP {status}" in str(result.error)
    assert app.stats[f"GET {ACTIVITY}"] == 1


def test_5xx_gives_up_after_max_retries(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T10:03:00")
    app.faults.add("status", status=500, count=10)
    result = run_sync(TapAgentActivity, oauth_config(url, max_retries=2), raise_errors=False)
    assert result.error is not None
    assert app.stats[f"GET {ACTIVITY}"] == 3


def test_malformed_answer_stops_the_run(app, url, clock: Clock) -> None:
    clock.set("2026-11-20T10:03:00")
    app.faults.add("status", status=200, count=1, body={"agentsMetrics": {"metricsPerAgent": {}}})
    result = run_sync(TapAgentActivity, oauth_config(url), raise_errors=False)
    assert isinstance(result.error, TapError)
    assert "metricsByIntervals" in str(result.error)
    assert result.records[STREAM] == []


def test_cli_reports_one_clear_line(app, url, tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("tap-agentactivity")
    config = bearer_config(url, bearer_token="wrong-bearer-value")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    done = subprocess.run(
        [str(exe), "--config", str(path)], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 1
    errors = [line for line in done.stderr.splitlines() if "ERROR" in line and "failed" in line]
    assert len(errors) == 1 and "bearer_token" in errors[0]
    assert "wrong-bearer-value" not in done.stderr + done.stdout


@pytest.mark.parametrize("kind", ["reset", "truncate", "html"])
def test_dropped_or_garbled_answers_are_retried(app, url, clock: Clock, kind) -> None:
    clock.set("2026-11-20T10:03:00")
    app.faults.add(kind, count=1)
    result = run_sync(TapAgentActivity, oauth_config(url, start_date="2026-11-20T09:00:00Z"))
    assert app.stats[f"fault:{kind}"] == 1
    assert len({r["interval_end"] for r in result.records[STREAM]}) == 12


def test_cli_sync_and_resume_from_state(app, url, tmp_path: Path) -> None:
    """The console script against the live-clock sandbox: valid Singer, unique keys, resumable."""
    exe = Path(sys.executable).with_name("tap-agentactivity")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(oauth_config(url)))

    def run(*extra: str) -> list[dict]:
        done = subprocess.run(
            [str(exe), "--config", str(path), *extra],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]

    first = run()
    records = [m["record"] for m in first if m["type"] == "RECORD"]
    keys = [
        tuple(
            r[k] for k in ("account_id", "interval_end", "agent_id", "state_id", "away_reason_id")
        )
        for r in records
    ]
    assert records and len(keys) == len(set(keys))
    state = [m["value"] for m in first if m["type"] == "STATE"][-1]
    mark = state["bookmarks"][STREAM]["replication_key_value"]
    assert max(r["interval_end"] for r in records) <= mark
    state_path = tmp_path / "state.json"
    state_path.write_text(json.dumps(state))
    second = [m["record"] for m in run("--state", str(state_path)) if m["type"] == "RECORD"]
    # Only the lookback slot and anything completed since: never the whole day again.
    floor = (lp.at(mark) - dt.timedelta(minutes=5)).isoformat()
    assert all(r["interval_start"] >= floor for r in second)
    assert len({r["interval_end"] for r in second}) <= 3
