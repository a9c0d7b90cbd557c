"""One profile per tap: how to build its simulator, its config, the streams a fault run
syncs, and its secrets. Every reliability test is written once against this interface."""

from __future__ import annotations

import datetime as dt
import typing as t
from dataclasses import dataclass, field

import sandbox.dixa as dixa
import sandbox.lexer as lexer
import sandbox.livechat as livechat
import sandbox.liveperson as liveperson
from sandbox import build_app
from sandbox.core import SandboxApp
from tap_agentactivity.streams import AgentActivityStream
from tap_agentactivity.tap import TapAgentActivity
from tap_analytics.tap import TapAnalytics
from tap_lexer_activity.tap import TapLexerActivity
from tap_livechat_reports.tap import TapLivechatReports
from tapkit import KitTap
from tapkit.tap import secret_values

#: LivePerson keeps 24 hours relative to the server's clock: tests pin it (and the tap's).
LIVEPERSON_NOW = dt.datetime(2026, 11, 20, 10, 2, 30, tzinfo=dt.UTC)

#: Settings every in-process fault run shares: fast retries, one-second timeouts.
FAST_HTTP: dict[str, t.Any] = {
    "max_retries": 2,
    "backoff_base_seconds": 0.01,
    "backoff_max_seconds": 0.05,
    "request_timeout_seconds": 1,
}


@dataclass(frozen=True)
class Profile:
    """Everything the suite needs to know about one tap."""

    tap: str
    vendor: str
    tap_cls: type[KitTap]
    #: Meltano namespace (the warehouse schema).
    namespace: str
    #: Factory options of the in-process simulator (compressed limits keep tests fast).
    app_options: dict[str, t.Any]
    #: Factory options of the subprocess simulator used through Meltano.
    subprocess_options: dict[str, t.Any]
    #: base url -> the test config (fast retries are added by :meth:`config`).
    make_config: t.Callable[[str], dict[str, t.Any]]
    #: base url -> env overrides for a `meltano run` against a simulator on that url.
    make_env: t.Callable[[str], dict[str, str]]
    #: Streams a fault run syncs (small, but with several requests and windows).
    streams: tuple[str, ...]
    #: Streams a Meltano kill run syncs.
    kill_streams: tuple[str, ...]
    #: The server-side clock to pin, if the vendor's data depends on "now".
    server_now: dt.datetime | None = None
    #: The stream class whose ``now()`` is pinned to ``server_now`` in-process.
    clock_class: type | None = None
    #: Setting -> a bad value and the setting its error must name.
    bad_settings: dict[str, t.Any] = field(default_factory=dict)
    #: Settings holding the credential (for wrong-credential tests).
    credential_settings: tuple[str, ...] = ()

    def build_app(self, **overrides: t.Any) -> SandboxApp:
        app = build_app(self.vendor, **{**self.app_options, **overrides})
        if self.server_now is not None:
            app.set_now(self.server_now)
        return app

    def config(self, url: str, **overrides: t.Any) -> dict[str, t.Any]:
        config = {**self.make_config(url), **FAST_HTTP, **overrides}
        return {k: v for k, v in config.items() if v is not None}

    def secrets(self, config: t.Mapping[str, t.Any]) -> list[str]:
        return secret_values(self.tap_cls, config)

    def primary_keys(self, config: dict[str, t.Any]) -> dict[str, list[str]]:
        tap = self.tap_cls(config=config, validate_config=False)
        return {name: list(s.primary_keys or []) for name, s in tap.streams.items()}

    @property
    def env_prefix(self) -> str:
        return self.tap.upper().replace("-", "_")


def _lexer_config(url: str) -> dict[str, t.Any]:
    return {
        "api_token": lexer.DEFAULT_TOKEN,
        "api_url": f"{url}/v1",
        "exports_api_url": f"{url}/api/public/v1",
        "start_date": "2026-04-01",
        "end_date": "2026-04-06",
        "timezone": "Australia/Sydney",
        "lookback_days": 1,
        "rate_limit_max_requests": 1000,
        "rate_limit_window_seconds": 1.0,
    }


def _lexer_env(url: str) -> dict[str, str]:
    return {
        "TAP_LEXER_ACTIVITY_API_URL": f"{url}/v1",
        "TAP_LEXER_ACTIVITY_EXPORTS_API_URL": f"{url}/api/public/v1",
        "TAP_LEXER_ACTIVITY_API_TOKEN": lexer.DEFAULT_TOKEN,
        "TAP_LEXER_ACTIVITY_START_DATE": "2026-09-01",
        "TAP_LEXER_ACTIVITY_END_DATE": "2026-10-15",
        "TAP_LEXER_ACTIVITY_RATE_LIMIT_MAX_REQUESTS": "1000",
    }


def _livechat_config(url: str) -> dict[str, t.Any]:
    return {
        "api_url": url,
        "account_id": livechat.DEFAULT_ACCOUNT_ID,
        "personal_access_token": livechat.DEFAULT_PAT,
        "start_date": "2026-10-03",
        "end_date": "2026-10-07",
        "timezone": "Europe/Warsaw",
        "lookback_days": 1,
        "rate_limit_max_requests": 10_000,
        "rate_limit_window_seconds": 1,
    }


def _livechat_env(url: str) -> dict[str, str]:
    return {
        "TAP_LIVECHAT_REPORTS_API_URL": url,
        "TAP_LIVECHAT_REPORTS_ACCOUNT_ID": livechat.DEFAULT_ACCOUNT_ID,
        "TAP_LIVECHAT_REPORTS_PERSONAL_ACCESS_TOKEN": livechat.DEFAULT_PAT,
        "TAP_LIVECHAT_REPORTS_START_DATE": "2026-10-01",
        "TAP_LIVECHAT_REPORTS_END_DATE": "2026-10-20",
        "TAP_LIVECHAT_REPORTS_RATE_LIMIT_MAX_REQUESTS": "1000",
    }


def _dixa_config(url: str) -> dict[str, t.Any]:
    return {
        "api_token": dixa.DEFAULT_TOKEN,
        "api_url": url,
        "start_date": "2026-10-24",
        "end_date": "2026-10-27",
        "timezone": "Europe/Copenhagen",
        "lookback_days": 1,
        "page_limit": 10,
        "record_ids": ["closed_conversations"],
        "metric_ids": ["closed_conversations", "csat"],
        "rate_limit_max_requests": 1000,
        "rate_limit_window_seconds": 1.0,
    }


def _dixa_env(url: str) -> dict[str, str]:
    return {
        "TAP_ANALYTICS_API_URL": url,
        "TAP_ANALYTICS_API_TOKEN": dixa.DEFAULT_TOKEN,
        "TAP_ANALYTICS_START_DATE": "2026-10-20",
        "TAP_ANALYTICS_END_DATE": "2026-10-27",
        "TAP_ANALYTICS_PAGE_LIMIT": "25",
        "TAP_ANALYTICS_RECORD_IDS": '["closed_conversations"]',
        "TAP_ANALYTICS_METRIC_IDS": '["closed_conversations", "csat"]',
        "TAP_ANALYTICS_RATE_LIMIT_MAX_REQUESTS": "1000",
    }


def _liveperson_config(url: str) -> dict[str, t.Any]:
    return {
        "account_id": liveperson.DEFAULT_ACCOUNT,
        "api_url": url,
        "domain_api_url": url,
        "consumer_key": liveperson.CONSUMER_KEY,
        "consumer_secret": liveperson.CONSUMER_SECRET,
        "access_token": liveperson.ACCESS_TOKEN,
        "access_token_secret": liveperson.ACCESS_TOKEN_SECRET,
        "rate_limit_max_requests": 1000,
        "rate_limit_window_seconds": 1.0,
    }


def _liveperson_env(url: str) -> dict[str, str]:
    return {
        "TAP_AGENTACTIVITY_API_URL": url,
        "TAP_AGENTACTIVITY_DOMAIN_API_URL": url,
        "TAP_AGENTACTIVITY_ACCOUNT_ID": liveperson.DEFAULT_ACCOUNT,
        "TAP_AGENTACTIVITY_CONSUMER_KEY": liveperson.CONSUMER_KEY,
        "TAP_AGENTACTIVITY_CONSUMER_SECRET": liveperson.CONSUMER_SECRET,
        "TAP_AGENTACTIVITY_ACCESS_TOKEN": liveperson.ACCESS_TOKEN,
        "TAP_AGENTACTIVITY_ACCESS_TOKEN_SECRET": liveperson.ACCESS_TOKEN_SECRET,
    }


COMMON_BAD: dict[str, t.Any] = {
    "timezone": "Mars/Olympus_Mons",
    "lookback_days": -3,
    "max_retries": "five",
    "rate_limit_window_seconds": 0,
    "request_timeout_seconds": -1,
}

PROFILES: dict[str, Profile] = {
    "lexer": Profile(
        tap="tap-lexer-activity",
        vendor="lexer",
        tap_cls=TapLexerActivity,
        namespace="lexer_activity",
        app_options={"rate_limit_max": 1000, "rate_limit_window": 1.0},
        subprocess_options={"rate_limit_max": 1000, "rate_limit_window": 1.0},
        make_config=_lexer_config,
        make_env=_lexer_env,
        streams=("users", "summary", "states_volume"),
        kill_streams=("users", "summary", "user_volume", "states_volume"),
        bad_settings={
            **COMMON_BAD,
            "end_date": "2026-03-01",
            "api_url": "ftp//nowhere",
            "nps_category": "everyone",
            "nps_form_ids": [-4],
        },
        credential_settings=("api_token",),
    ),
    "livechat": Profile(
        tap="tap-livechat-reports",
        vendor="livechat",
        tap_cls=TapLivechatReports,
        namespace="livechat_reports",
        app_options={"rate_limit_max": 10_000, "rate_limit_window": 1.0},
        subprocess_options={"rate_limit_max": 10_000, "rate_limit_window": 1.0},
        make_config=_livechat_config,
        make_env=_livechat_env,
        streams=("chats_total_chats", "agents_performance", "chats_queued_visitors_left"),
        kill_streams=("chats_total_chats", "chats_tags", "agents_performance"),
        bad_settings={
            **COMMON_BAD,
            "end_date": "2026-09-01",
            "api_url": "not a url",
            "distribution": "fortnight",
            "api_version": "9.9",
        },
        credential_settings=("personal_access_token",),
    ),
    "dixa": Profile(
        tap="tap-analytics",
        vendor="dixa",
        tap_cls=TapAnalytics,
        namespace="analytics",
        app_options={"rate_per_second": 1000, "burst": 200},
        subprocess_options={"rate_per_second": 1000, "burst": 200},
        make_config=_dixa_config,
        make_env=_dixa_env,
        streams=("metric_data", "closed_conversations"),
        kill_streams=("metric_data", "closed_conversations"),
        bad_settings={
            **COMMON_BAD,
            "end_date": "2026-01-01",
            "api_url": "dev.dixa.io",
            "metric_ids": ["no_such_metric"],
            "record_ids": ["no_such_record"],
            "page_limit": 0,
        },
        credential_settings=("api_token",),
    ),
    "liveperson": Profile(
        tap="tap-agentactivity",
        vendor="liveperson",
        tap_cls=TapAgentActivity,
        namespace="liveperson_agentactivity",
        app_options={},
        subprocess_options={},
        make_config=_liveperson_config,
        make_env=_liveperson_env,
        streams=("agent_activity",),
        kill_streams=("agent_activity",),
        server_now=LIVEPERSON_NOW,
        clock_class=AgentActivityStream,
        bad_settings={
            "interval_minutes": 7,
            "lookback_minutes": -5,
            "account_id": "12 34",
            "api_url": "http//x",
            "max_retries": "three",
            "rate_limit_window_seconds": -1,
            "start_date": "yesterday-ish",
        },
        credential_settings=("consumer_secret",),
    ),
}
