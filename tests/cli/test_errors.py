"""Units of the console entry point's one-line errors (the CLI runs are in
tests/reliability/test_bad_input.py)."""

from __future__ import annotations

import json
from pathlib import Path

import requests

from tap_agentactivity.tap import TapAgentActivity
from tap_lexer_activity.tap import TapLexerActivity
from tapkit.errors import StateError
from tapkit.tap import _unreadable_json_file, failure_line


def _refused(url: str) -> requests.ConnectionError:
    request = requests.Request("GET", url).prepare()
    return requests.ConnectionError(
        "HTTPConnectionPool(...): Max retries exceeded (Caused by NewConnectionError("
        "'...: Failed to establish a new connection: [Errno 111] Connection refused'))",
        request=request,
    )


def test_unreachable_host_line_names_the_setting_without_user_info_or_query() -> None:
    TapLexerActivity(
        config={
            "api_token": "tok-123456",
            "start_date": "2026-01-01",
            "api_url": "https://bob:pw-987654@proxy.example:8443/v1?sig=abcdef",
        },
        validate_config=False,
    )
    line = failure_line(TapLexerActivity, _refused("https://proxy.example:8443/v1/users"))
    assert line == (
        "tap-lexer-activity failed: cannot connect to proxy.example:8443 "
        "(api_url = https://proxy.example:8443/v1): Connection refused; check that setting "
        "and the network, then run again"
    )
    for secret in ("pw-987654", "bob", "sig=", "tok-123456"):
        assert secret not in line


def test_unreachable_default_url_and_looked_up_domain_are_named() -> None:
    TapLexerActivity(config={"api_token": "t", "start_date": "2026-01-01"}, validate_config=False)
    line = failure_line(TapLexerActivity, _refused("https://clients.lexer.io/api/public/v1/x"))
    assert line is not None
    assert "(exports_api_url = https://clients.lexer.io/api/public/v1)" in line

    TapAgentActivity(
        config={"account_id": "123", "bearer_token": "b", "domain": "va.data.liveperson.net"},
        validate_config=False,
    )
    line = failure_line(TapAgentActivity, _refused("https://va.data.liveperson.net/operations"))
    assert line is not None and "(domain = va.data.liveperson.net)" in line


def test_unknown_failures_are_not_hidden() -> None:
    assert failure_line(TapLexerActivity, ValueError("bug")) is None
    line = failure_line(TapLexerActivity, StateError("State for stream 'x' ..."))
    assert line == "tap-lexer-activity failed: State for stream 'x' ..."


def test_config_state_and_catalog_files_are_checked_before_the_sdk(tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps({"a": 1}))
    null = tmp_path / "null.json"
    null.write_text("null")
    assert _unreadable_json_file(["--config", str(good), "--state", str(good)]) is None
    assert _unreadable_json_file(["--config", "ENV"]) is None
    assert "is a JSON null, not an object" in str(_unreadable_json_file([f"--state={null}"]))
    message = str(_unreadable_json_file(["--catalog", str(tmp_path / "none.json")]))
    assert message.endswith("none.json' does not exist")
    # The first bad file is named even after a good one.
    message = str(_unreadable_json_file(["--config", str(good), "--config", str(null)]))
    assert "the config in" in message and "null.json" in message
