"""Every documented error path: clear fatal errors naming the setting, retries for 5xx,
429 and malformed bodies, settings checks, the console script's one-line error."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
from singer_sdk.exceptions import ConfigValidationError, FatalAPIError, RetriableAPIError

from sandbox.dixa import DixaApp
from tap_analytics.tap import TapAnalytics
from tapkit.testing import run_sync

from .conftest import discovered, serve, sync_catalog

RECORDS = r"/v1/analytics/records$"


def test_a_wrong_token_stops_at_once_naming_the_setting_without_leaking_it(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    secret = "wrong-but-secret-token-123"
    with pytest.raises(FatalAPIError) as info:
        TapAnalytics(config={**dixa_config, "api_token": secret})
    message = str(info.value)
    assert "HTTP 401" in message and "`api_token`" in message
    assert "User is unauthorized" in message
    assert secret not in message
    assert dixa_app.stats["requests"] == 1  # no retry of a 401


def test_a_bearer_prefixed_token_is_accepted(dixa_config: dict[str, t.Any]) -> None:
    result = run_sync(
        TapAnalytics, {**dixa_config, "api_token": "Bearer sandbox-dixa-token"}, streams=["metrics"]
    )
    assert len(result.records["metrics"]) == 2  # the docs' catalogue


def test_server_errors_are_retried(dixa_app: DixaApp, dixa_config: dict[str, t.Any]) -> None:
    config = {**dixa_config, "record_ids": ["ratings"], "max_retries": 5}
    catalog = discovered(config, ["ratings"])
    dixa_app.faults.add(
        "status",
        status=500,
        count=2,
        path=RECORDS,
        body={"message": "There was an internal server error"},
    )
    dixa_app.faults.add("reset", count=1, path=RECORDS)
    dixa_app.faults.add("html", count=1, path=RECORDS)
    dixa_app.faults.add("truncate", count=1, path=RECORDS)
    result = sync_catalog(config, catalog)
    assert dixa_app.stats["fault:status"] == 2 and dixa_app.stats["fault:reset"] == 1
    assert dixa_app.stats["fault:html"] == 1 and dixa_app.stats["fault:truncate"] == 1
    clean = sync_catalog(config, catalog)
    assert result.records["ratings"] == clean.records["ratings"] != []


def test_persistent_server_errors_give_up_with_the_api_message(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    dixa_app.faults.add(
        "status",
        status=500,
        count=50,
        path=r"/v1/analytics/metrics$",
        body={"message": "There was an internal server error while processing the request"},
    )
    result = run_sync(TapAnalytics, dixa_config, streams=["metric_data"], raise_errors=False)
    assert isinstance(result.error, RetriableAPIError)
    assert "HTTP 500" in str(result.error) and "internal server error" in str(result.error)
    # max_retries = 2: three tries of the first request, then stop.
    assert dixa_app.stats["fault:status"] == 3


def test_a_429_waits_and_continues(dixa_app: DixaApp, dixa_config: dict[str, t.Any]) -> None:
    config = {**dixa_config, "record_ids": ["ratings"]}
    catalog = discovered(config, ["ratings"])
    dixa_app.faults.add(
        "status", status=429, count=1, path=RECORDS, body={"message": "Too Many Requests"}
    )
    result = sync_catalog(config, catalog)
    assert dixa_app.stats["429"] == 1
    assert len(result.records["ratings"]) > 0


def test_the_documented_rate_limit_is_respected_without_429s() -> None:
    app = DixaApp()  # 4 per 0.4 s, as documented (10/s, burst 4)
    with serve(app) as url:
        config = {
            "api_token": app.token,
            "api_url": url,
            "start_date": "2026-10-24",
            "end_date": "2026-10-25",
            "record_ids": ["ratings"],
        }
        result = run_sync(TapAnalytics, config, streams=["ratings", "metric_data", "metrics"])
    assert app.stats["requests"] >= 10  # well past the burst of 4
    assert app.stats["429"] == 0
    assert result.records["metric_data"]


def test_a_400_stops_the_run_with_the_api_message(
    dixa_app: DixaApp, dixa_config: dict[str, t.Any]
) -> None:
    config = {**dixa_config, "record_ids": ["ratings"]}
    catalog = discovered(config, ["ratings"])
    dixa_app.faults.add(
        "status", status=400, count=1, path=RECORDS, body={"message": "Invalid value for: body"}
    )
    result = sync_catalog(config, catalog, raise_errors=False)
    assert isinstance(result.error, FatalAPIError)
    assert "HTTP 400 to POST /v1/analytics/records: Invalid value for: body" in str(result.error)
    assert "check `timezone`, `filters`" in str(result.error)


def test_a_refused_page_limit_names_the_setting(dixa_config: dict[str, t.Any]) -> None:
    with pytest.raises(FatalAPIError, match=r"query parameter pageLimit .*check `page_limit`"):
        TapAnalytics(config={**dixa_config, "page_limit": 500})


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ({"page_limit": 0}, "page_limit: must be 1 or more"),
        ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not an IANA timezone"),
        ({"filters": {"channel": "EMAIL"}}, "filters"),
        ({"record_ids": []}, "record_ids: must list at least 1 item(s)"),
        (
            {"metric_ids": ["csat", " "]},
            "metric_ids[1]: ' ' is not of the expected form (e.g. ['csat'])",
        ),
        ({"filters": {"channel": []}}, "filters.channel: must list at least 1 item(s)"),
        ({"api_url": "dev.dixa.io"}, "api_url: 'dev.dixa.io' is not an http(s) URL"),
        ({"end_date": "2026-01-01"}, "end_date: 2026-01-01 is before start_date"),
    ],
)
def test_bad_settings_are_named(
    dixa_config: dict[str, t.Any], override: dict[str, t.Any], fragment: str
) -> None:
    with pytest.raises(ConfigValidationError) as info:
        TapAnalytics(config={**dixa_config, **override})
    assert any(fragment in e for e in info.value.errors), info.value.errors


def test_the_console_script_prints_one_clear_line(
    dixa_config: dict[str, t.Any], tmp_path: Path
) -> None:
    secret = "another-wrong-token-456"
    config = tmp_path / "config.json"
    config.write_text(json.dumps({**dixa_config, "api_token": secret}))
    script = Path(sys.executable).with_name("tap-analytics")
    proc = subprocess.run(
        [str(script), "--config", str(config)], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    errors = [line for line in proc.stderr.splitlines() if "tap-analytics failed" in line]
    assert len(errors) == 1 and "HTTP 401" in errors[0] and "`api_token`" in errors[0]
    assert secret not in proc.stderr
