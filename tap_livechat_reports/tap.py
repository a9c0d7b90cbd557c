"""tap-livechat-reports: settings and stream list."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_livechat_reports import streams
from tap_livechat_reports.client import DEFAULT_API_URL, DEFAULT_API_VERSION, LiveChatRun
from tapkit import (
    Cost,
    KitTap,
    TapError,
    api_url_setting,
    http_settings,
    run_cli,
    window_settings,
)
from tapkit.plan import StreamPlan, TapPlan

DISTRIBUTIONS = ("day", "hour")


class TapLivechatReports(KitTap):
    """LiveChat Reports API v3.6: every report as an incremental stream."""

    name = "tap-livechat-reports"

    config_jsonschema = th.PropertiesList(
        th.Property(
            "account_id",
            th.StringType,
            title="Account ID",
            description="LiveChat account ID: the Basic-auth user name of a personal access token.",
        ),
        th.Property(
            "personal_access_token",
            th.StringType,
            secret=True,
            title="Personal access token",
            description="PAT with the reports_read scope; sent as Basic base64(account_id:PAT).",
        ),
        th.Property(
            "access_token",
            th.StringType,
            secret=True,
            title="OAuth access token",
            description="OAuth access token with reports_read (sent as Bearer). Instead of a PAT.",
        ),
        *window_settings(default_lookback_days=2),
        api_url_setting(
            "Base URL of the API; requests go to <api_url>/v<api_version>/reports/...",
            default=DEFAULT_API_URL,
        ),
        th.Property(
            "api_version",
            th.StringType(pattern=r"^\d+\.\d+$"),
            examples=["3.6"],
            default=DEFAULT_API_VERSION,
            title="API version",
            description="Reports API version in the path. Legacy/Deprecation headers are logged.",
        ),
        th.Property(
            "distribution",
            th.StringType,
            default="day",
            allowed_values=list(DISTRIBUTIONS),
            title="Distribution",
            description="Period of the distributed reports: day (default) or hour.",
        ),
        th.Property(
            "group_ids",
            th.ArrayType(th.IntegerType(minimum=0)),
            title="Group IDs",
            description="Only chats/agents of these groups (filters.groups.values).",
        ),
        th.Property(
            "agent_ids",
            th.ArrayType(th.StringType(pattern=r"\S")),
            examples=[["agent@example.com"]],
            title="Agent IDs",
            description="Only these agents (logins, e.g. emails) (filters.agents.values).",
        ),
        th.Property(
            "tags",
            th.ArrayType(th.StringType(pattern=r"\S")),
            examples=[["sales"]],
            title="Tags",
            description="Only chats with one of these tags (filters.tags.values).",
        ),
        *http_settings(max_requests=120, window_seconds=60),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        #: What this run learns once and every stream shares (how `filters.to` is read;
        #: notices said once are the kit's RunContext); set before the SDK builds the streams.
        self.run = LiveChatRun()
        super().__init__(*args, **kwargs)

    def discover_streams(self) -> list[t.Any]:
        return [cls(tap=self, run=self.run) for cls in streams.STREAMS]

    def plan_overhead(self, plan: TapPlan) -> dict[str, StreamPlan]:
        """The one request per run that reads how the API takes ``filters.to``, sent
        before the first report window (see ``ReportStream.to_reading``)."""
        windowed = [
            p
            for name, p in plan.streams.items()
            if p.windows and isinstance(self.streams[name], streams.ReportStream)
        ]
        if not windowed:
            return {}
        probe = StreamPlan(cost=Cost(1), seconds_per_request=windowed[0].seconds_per_request)
        return {f"{streams.PROBE_METHOD}: how the API reads filters.to": probe}

    def extra_config_errors(self) -> list[str]:
        errors = super().extra_config_errors()
        config = self.config
        pat, oauth, account = (
            config.get("personal_access_token"),
            config.get("access_token"),
            config.get("account_id"),
        )
        if pat and oauth:
            errors.append(
                "personal_access_token / access_token: set exactly one way to authenticate "
                "(account_id + personal_access_token, or access_token), not both"
            )
        elif pat and not account:
            errors.append("account_id: required with personal_access_token (Basic auth user name)")
        elif oauth and account:
            errors.append(
                "account_id: only used with personal_access_token; remove it when "
                "authenticating with access_token"
            )
        elif not pat and not oauth:
            errors.append(
                "personal_access_token / access_token: no credential; set account_id + "
                "personal_access_token (PAT) or access_token (OAuth)"
            )
        return errors


def main() -> None:
    run_cli(TapLivechatReports)


__all__ = ["TapError", "TapLivechatReports", "main"]
