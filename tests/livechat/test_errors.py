"""Every error path: settings, auth, validation, 404, versions, rate limits, server faults;
messages name what to fix and never carry a secret."""

from __future__ import annotations

import base64
import json
import logging
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError

from sandbox.livechat import DEFAULT_ACCOUNT_ID, DEFAULT_PAT, NO_SCOPE_TOKEN
from tap_livechat_reports.client import LiveChatStream
from tap_livechat_reports.tap import TapLivechatReports
from tapkit import TapError
from tapkit.testing import run_sync

from .conftest import OAUTH_TOKEN, Sandbox

ONE_DAY = {"start_date": "2026-10-05", "end_date": "2026-10-05"}


def config_errors(config: dict[str, t.Any]) -> list[str]:
    with pytest.raises(ConfigValidationError) as info:
        TapLivechatReports(config=config, validate_config=True)
    return list(info.value.errors)


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"access_token": "dal:abc"}, "personal_access_token / access_token"),
        ({"personal_access_token": None}, "personal_access_token / access_token"),
        ({"account_id": None}, "account_id"),
        ({"personal_access_token": None, "access_token": "dal:abc"}, "account_id"),
        ({"api_version": "v3"}, "api_version"),
        ({"group_ids": [-1]}, "group_ids"),
        ({"agent_ids": [""]}, "agent_ids"),
        ({"tags": ["  "]}, "tags"),
        ({"timezone": "Europe/Atlantis"}, "timezone"),
        ({"end_date": "2026-10-01"}, "end_date"),
        ({"api_url": "api.livechatinc.com"}, "api_url"),
        ({"lookback_days": -1}, "lookback_days"),
    ],
)
def test_bad_settings_name_the_setting(
    sandbox: Sandbox, overrides: dict[str, t.Any], setting: str
) -> None:
    errors = config_errors(sandbox.config(**overrides))
    assert any(e.startswith(setting) for e in errors), errors
    assert not any(DEFAULT_PAT in e for e in errors)


def test_distribution_must_be_day_or_hour(sandbox: Sandbox) -> None:
    with pytest.raises(ConfigValidationError) as info:
        TapLivechatReports(config=sandbox.config(distribution="month"), validate_config=True)
    assert "month" in str(info.value.errors)


def secrets() -> list[str]:
    encoded = base64.b64encode(f"{DEFAULT_ACCOUNT_ID}:{DEFAULT_PAT}".encode()).decode()
    return [DEFAULT_PAT, encoded, OAUTH_TOKEN]


def fail(sandbox: Sandbox, caplog: pytest.LogCaptureFixture, **overrides: t.Any) -> str:
    with caplog.at_level(logging.INFO):
        result = run_sync(
            TapLivechatReports,
            sandbox.config(**{**ONE_DAY, **overrides}),
            streams=["chats_total_chats"],
            raise_errors=False,
        )
    assert result.error is not None
    message = str(result.error.args[0] if result.error.args else result.error)
    for secret in secrets():
        assert secret not in message
        assert secret not in caplog.text
    return message


def test_wrong_pat_is_a_401_naming_the_auth_settings(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    message = fail(sandbox, caplog, personal_access_token=DEFAULT_PAT + "x")
    assert "HTTP 401" in message
    assert "authentication: Invalid access token" in message
    assert "`personal_access_token`" in message and "`access_token`" in message
    assert sandbox.app.stats["requests"] == 1  # never retried


def test_pat_sent_as_bearer_is_refused(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    message = fail(
        sandbox, caplog, account_id=None, personal_access_token=None, access_token=DEFAULT_PAT
    )
    assert "HTTP 401" in message


def test_token_without_the_scope_is_a_403(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    message = fail(
        sandbox, caplog, account_id=None, personal_access_token=None, access_token=NO_SCOPE_TOKEN
    )
    assert "HTTP 403" in message and "authorization" in message and "scopes" in message


def test_validation_error_stops_with_the_apis_message(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    body = {"error": {"type": "validation", "message": "filters: must contain exactly one pair"}}
    sandbox.app.faults.add("status", status=400, body=body)
    message = fail(sandbox, caplog)
    assert "HTTP 400" in message and "validation: filters: must contain exactly one pair" in message
    assert sandbox.app.stats["requests"] == 1


def test_wrong_api_url_is_a_404_naming_api_url(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    message = fail(sandbox, caplog, api_url=sandbox.url + "/livechat")
    assert "HTTP 404" in message and "`api_url`" in message


def test_unsupported_version_is_a_clear_error(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    message = fail(sandbox, caplog, api_version="2.9")
    assert "unsupported_version" in message


def test_legacy_version_warns_and_skips_streams_it_lacks(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        result = run_sync(
            TapLivechatReports,
            sandbox.config(**ONE_DAY, api_version="3.5"),
            streams=["chats_total_chats", "chats_duration", "chats_groups", "stats_visitors"],
        )
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    legacy = [w for w in warnings if "legacy until 2027-02-07" in w]
    assert len(legacy) == 1, warnings  # once per run, not once per request
    assert "api_version" in legacy[0]
    assert any("chats/groups is new in API v3.6" in w for w in warnings)
    assert len(result.records["chats_total_chats"]) == 1
    assert "chats_groups" not in result.records and "stats_visitors" not in result.records


def test_deprecation_header_is_logged(sandbox: Sandbox, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        run_sync(
            TapLivechatReports,
            sandbox.config(**ONE_DAY, api_version="3.4"),
            streams=["chats_total_chats"],
        )
    assert any("deprecated until 2026-12-31" in r.getMessage() for r in caplog.records)


def test_visitors_fall_back_to_customers_unique_visitors(
    sandbox_factory: t.Any, caplog: pytest.LogCaptureFixture
) -> None:
    documented = sandbox_factory()
    current = sandbox_factory(visitors_paths=("customers/unique_visitors",))
    config = {"start_date": "2026-10-05", "end_date": "2026-10-07"}
    expected = run_sync(TapLivechatReports, documented.config(**config), streams=["stats_visitors"])
    with caplog.at_level(logging.INFO):
        got = run_sync(TapLivechatReports, current.config(**config), streams=["stats_visitors"])
    assert got.records["stats_visitors"] == expected.records["stats_visitors"]
    assert (
        current.app.stats["POST /v3.6/reports/stats/visitors"] == 1
    )  # tried once, then remembered
    assert current.app.stats["POST /v3.6/reports/customers/unique_visitors"] == 3
    assert any("customers/unique_visitors answered" in r.getMessage() for r in caplog.records)


def test_visitors_with_neither_path_is_a_clear_error(sandbox_factory: t.Any) -> None:
    sb = sandbox_factory(visitors_paths=())
    result = run_sync(
        TapLivechatReports, sb.config(**ONE_DAY), streams=["stats_visitors"], raise_errors=False
    )
    assert isinstance(result.error, TapError)
    assert "stats/visitors" in str(result.error) and "customers/unique_visitors" in str(
        result.error
    )


def test_429_waits_and_retries(sandbox_factory: t.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(LiveChatStream, "min_rate_limit_wait", 0.05)
    sb = sandbox_factory(rate_limit_max=2, rate_limit_window=0.2)
    result = run_sync(
        TapLivechatReports,
        sb.config(start_date="2026-10-05", end_date="2026-10-07"),
        streams=["chats_total_chats", "chats_duration"],
    )
    assert sb.app.stats["429"] >= 1
    assert (
        len(result.records["chats_total_chats"]) == 3 and len(result.records["chats_duration"]) == 3
    )


def test_budget_prevents_429s(sandbox_factory: t.Any) -> None:
    sb = sandbox_factory(rate_limit_max=3, rate_limit_window=0.3)
    run_sync(
        TapLivechatReports,
        sb.config(
            start_date="2026-10-05",
            end_date="2026-10-07",
            rate_limit_max_requests=3,
            rate_limit_window_seconds=0.35,
        ),
        streams=["chats_total_chats", "chats_duration"],
    )
    assert sb.app.stats["429"] == 0
    # 2 streams x 3 days, and the run's one question about `filters.to` (sb.probes()).
    assert len(sb.probes()) == 1
    assert sb.app.stats["requests"] == 7


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("status", {"status": 503, "count": 2}),
        (
            "status",
            {"status": 500, "count": 1, "body": {"error": {"type": "internal", "message": "x"}}},
        ),
        ("reset", {"count": 1}),
        ("truncate", {"count": 1}),
        ("html", {"count": 1}),
    ],
)
def test_transient_faults_are_retried(
    sandbox: Sandbox, kind: str, options: dict[str, t.Any]
) -> None:
    sandbox.app.faults.add(kind, **options)
    result = run_sync(TapLivechatReports, sandbox.config(**ONE_DAY), streams=["chats_total_chats"])
    assert len(result.records["chats_total_chats"]) == 1
    assert sandbox.app.faults.injected[kind] == options["count"]


def test_persistent_5xx_gives_up_after_max_retries(sandbox: Sandbox) -> None:
    sandbox.app.faults.add("status", status=503, count=100)
    result = run_sync(
        TapLivechatReports,
        sandbox.config(**ONE_DAY, max_retries=2),
        streams=["chats_total_chats"],
        raise_errors=False,
    )
    assert result.error is not None
    assert sandbox.app.stats["requests"] == 3


def test_cli_prints_one_clear_line_and_exits_1(sandbox: Sandbox, tmp_path: Path) -> None:
    config = sandbox.config(**ONE_DAY, personal_access_token="wrong-secret-value")
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    exe = Path(sys.executable).parent / "tap-livechat-reports"
    proc = subprocess.run(
        [str(exe), "--config", str(path)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    errors = [line for line in proc.stderr.splitlines() if "tap-livechat-reports failed" in line]
    assert len(errors) == 1
    assert "HTTP 401" in errors[0] and "personal_access_token" in errors[0]
    assert "wrong-secret-value" not in proc.stderr + proc.stdout
    assert not proc.stdout.count('"type": "RECORD"')


def test_fatal_error_type(sandbox: Sandbox) -> None:
    with pytest.raises(FatalAPIError):
        run_sync(
            TapLivechatReports,
            sandbox.config(**ONE_DAY, account_id="nobody"),
            streams=["chats_tags"],
        )


def test_an_api_answering_for_days_not_asked_stops_before_loading(sandbox_factory: t.Any) -> None:
    # The simulator's `docs_samples` dataset answers every request with the vendor's
    # sample (days in April 2021): no reading of `filters.to` fits, so nothing is loaded.
    sb = sandbox_factory(dataset="docs_samples")
    result = run_sync(
        TapLivechatReports,
        sb.config(**ONE_DAY),
        streams=["chats_ranking", "chats_total_chats"],
        raise_errors=False,
    )
    assert isinstance(result.error, TapError)
    message = str(result.error)
    assert "\n" not in message and "filters.to" in message and "2021-04-08" in message
    assert not any(result.records.values())
