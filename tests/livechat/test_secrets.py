"""LiveChat credentials never leak, whatever the API echoes back: the PAT (sent as
``Basic base64(account_id:PAT)``) and the OAuth access token (see tests/secret_echo.py)."""

from __future__ import annotations

import base64
import typing as t

from sandbox.livechat import LiveChatApp
from tap_livechat_reports.tap import TapLivechatReports
from tests.secret_echo import (
    Credential,
    leak_tests,
)

ACCOUNT = "acct-7f3e"
PAT = "fra:Pat/3n+Sp=cial&q<9>"
OAUTH = "dal:0auth/T0k+en=&z>"


def _config(url: str, **auth: str) -> dict[str, t.Any]:
    return {
        "api_url": url,
        **auth,
        "start_date": "2026-10-05",
        "end_date": "2026-10-05",
        "timezone": "UTC",
        "rate_limit_max_requests": 10_000,
        "rate_limit_window_seconds": 1,
        "max_retries": 3,
        "backoff_base_seconds": 0.01,
        "request_timeout_seconds": 5,
    }


def _app() -> LiveChatApp:
    return LiveChatApp(account_id=ACCOUNT, personal_access_token=PAT, oauth_token=OAUTH)


CREDENTIALS = [
    Credential(
        label="LiveChat personal_access_token",
        tap_cls=TapLivechatReports,
        script="tap-livechat-reports",
        build=_app,
        config=lambda url: _config(url, account_id=ACCOUNT, personal_access_token=PAT),
        streams=["chats_total_chats"],
        secrets={"personal_access_token": PAT},
        extra_forms={
            "personal_access_token (Basic pair)": base64.b64encode(
                f"{ACCOUNT}:{PAT}".encode()
            ).decode()
        },
    ),
    Credential(
        label="LiveChat access_token",
        tap_cls=TapLivechatReports,
        script="tap-livechat-reports",
        build=_app,
        config=lambda url: _config(url, access_token=OAUTH),
        streams=["chats_total_chats"],
        secrets={"access_token": OAUTH},
    ),
]


(
    test_a_fatal_echo_leaks_nothing_in_process,
    test_a_fatal_echo_leaks_nothing_from_the_console_script,
    test_a_retried_echo_leaks_nothing_in_logs_state_or_records,
) = leak_tests(CREDENTIALS)
