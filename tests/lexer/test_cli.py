"""The console script: --about, --discover, and one clear line for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

EXE = str(Path(sys.executable).parent / "tap-lexer-activity")


def run(args: list[str], config: dict | None, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    cmd = [EXE, *args]
    if config is not None:
        path = tmp_path / "config.json"
        path.write_text(json.dumps(config))
        cmd += ["--config", str(path)]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def test_about_lists_settings_and_marks_the_token_secret(tmp_path) -> None:
    out = run(["--about", "--format", "json"], None, tmp_path)
    assert out.returncode == 0
    about = json.loads(out.stdout)
    props = about["settings"]["properties"]
    assert props["api_token"]["secret"] is True
    assert {
        "start_date",
        "end_date",
        "timezone",
        "lookback_days",
        "rate_limit_max_requests",
    } <= set(props)


def test_discover_lists_every_stream_with_keys(tmp_path, lexer_config) -> None:
    out = run(["--discover"], lexer_config, tmp_path)
    assert out.returncode == 0, out.stderr
    streams = {s["tap_stream_id"]: s for s in json.loads(out.stdout)["streams"]}
    for name in [
        "users",
        "groups",
        "forms",
        "summary",
        "user_volume",
        "states_volume",
        "nps_volume",
    ]:
        assert name in streams
        assert streams[name]["key_properties"]


@pytest.mark.parametrize(
    ("override", "needle"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone: 'Mars/Olympus' is not an IANA timezone"),
        (
            {"start_date": "2026-04-10", "end_date": "2026-04-01"},
            "end_date: 2026-04-01 is before start_date",
        ),
        ({"lookback_days": -2}, "lookback_days: must be 0 or more"),
        ({"api_url": "not a url"}, "api_url: 'not a url' is not an http(s) URL"),
        ({"rate_limit_max_requests": 0}, "rate_limit_max_requests: must be greater than 0"),
        ({"nps_category": "everyone"}, "everyone"),
    ],
)
def test_bad_settings_give_one_line_naming_the_setting(
    tmp_path, lexer_config, override, needle
) -> None:
    out = run([], {**lexer_config, **override}, tmp_path)
    assert out.returncode == 1
    assert needle in out.stderr
    assert "Traceback" not in out.stderr


def test_wrong_token_exits_non_zero_with_the_vendor_message_and_no_secret(
    tmp_path, lexer_config
) -> None:
    secret = "definitely-not-the-token-987"
    out = run([], {**lexer_config, "api_token": secret, "end_date": "2026-04-01"}, tmp_path)
    assert out.returncode == 1
    assert "HTTP 401" in out.stderr and "api token not matching" in out.stderr
    assert "Traceback" not in out.stderr
    assert secret not in out.stderr + out.stdout
