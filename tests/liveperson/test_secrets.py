"""LivePerson credentials never leak, whatever the API echoes back: the four OAuth 1.0a
secrets (two of which travel, percent-encoded, in every signed header) and the bearer
token (see tests/secret_echo.py)."""

from __future__ import annotations

import typing as t

import sandbox.liveperson as lp
from tap_agentactivity.tap import TapAgentActivity
from tests.secret_echo import (
    Credential,
    leak_tests,
)

OAUTH = {
    "consumer_key": "ck-App/K3y+Sp=c&q<9>",
    "consumer_secret": "cs-App/S3cret+Sp=c&z",
    "access_token": "at-Acc/T0ken+Sp=c&w>",
    "access_token_secret": "ats-Acc/S3cret+Sp=c&v",
}
BEARER = "br-Bear/T0ken+Sp=c&u<"


def _config(url: str, **auth: str) -> dict[str, t.Any]:
    return {
        "account_id": lp.DEFAULT_ACCOUNT,
        "api_url": url,
        **auth,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
    }


def _app() -> lp.LivePersonApp:
    return lp.build(seed=11, bearer_token=BEARER, **OAUTH)


CREDENTIALS = [
    Credential(
        label="LivePerson oauth",
        tap_cls=TapAgentActivity,
        script="tap-agentactivity",
        build=_app,
        config=lambda url: _config(url, **OAUTH),
        streams=["agent_activity"],
        secrets=dict(OAUTH),
    ),
    Credential(
        label="LivePerson bearer_token",
        tap_cls=TapAgentActivity,
        script="tap-agentactivity",
        build=_app,
        config=lambda url: _config(url, bearer_token=BEARER),
        streams=["agent_activity"],
        secrets={"bearer_token": BEARER},
    ),
]


(
    test_a_fatal_echo_leaks_nothing_in_process,
    test_a_fatal_echo_leaks_nothing_from_the_console_script,
    test_a_retried_echo_leaks_nothing_in_logs_state_or_records,
) = leak_tests(CREDENTIALS)
