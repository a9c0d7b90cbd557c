"""tap-agentactivity: settings and stream list."""

from __future__ import annotations

import re
import typing as t

from singer_sdk import typing as th

from tap_agentactivity import streams
from tap_agentactivity.client import OAUTH_SETTINGS
from tap_agentactivity.domain import DEFAULT_DOMAIN_API
from tap_agentactivity.planning import ALLOWED_INTERVALS, MAX_TIMEFRAME_MINUTES
from tapkit import Cost, KitTap, TapError, api_url_setting, http_settings, run_cli
from tapkit.plan import StreamPlan, TapPlan

AGENT_IDS = re.compile(r"^(all|\d+(,\d+)*)$")
HOST = re.compile(r"^[A-Za-z0-9.-]+(:\d+)?$")


def _secret(name: str, title: str, description: str) -> th.Property:
    return th.Property(name, th.StringType, secret=True, title=title, description=description)


class TapAgentActivity(KitTap):
    """LivePerson Operational Realtime agent activity (agent state distribution)."""

    name = "tap-agentactivity"
    url_settings = ("api_url", "domain_api_url")

    config_jsonschema = th.PropertiesList(
        th.Property(
            "account_id",
            th.StringType,
            required=True,
            title="Account id",
            description="LivePerson account (site) id.",
        ),
        th.Property(
            "domain",
            th.StringType,
            title="Domain",
            description=(
                "Host of the account's leDataReporting service (e.g. va.data.liveperson.net). "
                "Default: looked up through LivePerson's Domain API."
            ),
        ),
        _secret("consumer_key", "App key", "OAuth 1.0a consumer key (the API key's App key)."),
        _secret("consumer_secret", "Secret", "OAuth 1.0a consumer secret (the API key's Secret)."),
        _secret("access_token", "Access token", "OAuth 1.0a access token of the API key."),
        _secret(
            "access_token_secret",
            "Access token secret",
            "OAuth 1.0a access token secret of the API key.",
        ),
        _secret(
            "bearer_token",
            "Bearer token",
            "A bearer token instead of the four OAuth 1.0a settings (not documented for this API).",
        ),
        th.Property(
            "agent_ids",
            th.StringType,
            default="all",
            title="Agent ids",
            description="`all`, or comma separated agent ids (long lists are sent in a POST body).",
        ),
        th.Property(
            "interval_minutes",
            th.IntegerType,
            default=5,
            allowed_values=list(ALLOWED_INTERVALS),
            title="Interval (minutes)",
            description=(
                "Length of each emitted interval on the UTC grid: 5 (the API's own slots, "
                "recommended) or 10, 15, 20, 30, 60 (whole 5-minute slots summed)."
            ),
        ),
        th.Property(
            "lookback_minutes",
            th.IntegerType(minimum=0, maximum=MAX_TIMEFRAME_MINUTES),
            default=5,
            title="Lookback (minutes)",
            description="Minutes before the bookmark fetched again each run (the API refreshes every ~10 s).",
        ),
        th.Property(
            "start_date",
            th.DateTimeType,
            title="Start date",
            description="Floor: no interval starting before it is emitted (the API only keeps 24 hours).",
        ),
        api_url_setting(
            "Override of the agentactivity base URL, scheme and host (tests, proxies)."
        ),
        th.Property(
            "domain_api_url",
            th.StringType,
            default=DEFAULT_DOMAIN_API,
            title="Domain API URL",
            description="Base URL of LivePerson's Domain API.",
        ),
        # LivePerson's retry guidance: 5xx retried 3 times with growing pauses (5, 10, 15 s).
        *http_settings(
            max_requests=10,
            window_seconds=1.0,
            max_retries=3,
            backoff_base_seconds=5.0,
            backoff_max_seconds=120.0,
        ),
    ).to_dict()

    def discover_streams(self) -> list[t.Any]:
        return [streams.AgentActivityStream(tap=self)]

    def plan_overhead(self, plan: TapPlan) -> dict[str, StreamPlan]:
        """The Domain API lookup of the account's host, once per run, unless ``api_url``
        or ``domain`` names it (sent without the credential, outside the budget)."""
        if self.config.get("api_url") or self.config.get("domain") or not plan.requests:
            return {}
        lookup = StreamPlan(cost=Cost(1, unbudgeted=1), seconds_per_request=0.0)
        return {"Domain API: the account's host (set `domain` to skip)": lookup}

    def extra_config_errors(self) -> list[str]:
        errors = super().extra_config_errors()
        cfg = self.config
        account = str(cfg.get("account_id") or "").strip()
        if cfg.get("account_id") is not None and (
            not account or not re.fullmatch(r"[A-Za-z0-9_-]+", account)
        ):
            errors.append(f"account_id: '{account}' is not a LivePerson account id (e.g. 12345678)")
        errors.extend(self.auth_errors())
        domain = cfg.get("domain")
        if domain and not HOST.match(str(domain).strip()):
            errors.append(
                f"domain: give the host only, without scheme or path (e.g. va.data.liveperson.net), got '{domain}'"
            )
        agents = cfg.get("agent_ids")
        if agents is not None and not AGENT_IDS.match(str(agents).replace(" ", "")):
            errors.append(
                "agent_ids: must be `all` or comma separated numeric agent ids, e.g. 2152260212,2152260213"
            )
        return errors

    def auth_errors(self) -> list[str]:
        """Exactly one way to authenticate: the four OAuth 1.0a settings, or bearer_token."""
        cfg = self.config
        given = [name for name in OAUTH_SETTINGS if cfg.get(name)]
        if cfg.get("bearer_token"):
            if given:
                return [
                    f"bearer_token: set either bearer_token or the OAuth 1.0a settings, not both "
                    f"(also set: {', '.join(given)})"
                ]
            return []
        if not given:
            return [
                "consumer_key: no credentials; set consumer_key, consumer_secret, access_token "
                "and access_token_secret (a LivePerson API key), or bearer_token"
            ]
        missing = [name for name in OAUTH_SETTINGS if name not in given]
        if missing:
            return [
                f"{', '.join(missing)}: missing; OAuth 1.0a needs all four of "
                f"{', '.join(OAUTH_SETTINGS)} (set: {', '.join(given)})"
            ]
        return []


def main() -> None:
    run_cli(TapAgentActivity)


__all__ = ["TapAgentActivity", "TapError", "main"]
