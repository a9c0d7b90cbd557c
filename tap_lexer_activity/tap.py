"""tap-lexer-activity: settings and stream list."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_lexer_activity import exports, streams
from tap_lexer_activity.export_settings import (
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TIMEOUT,
    DEFAULT_WINDOW_DAYS,
    MAX_WINDOW_DAYS,
    export_settings,
)
from tap_lexer_activity.run import END_BOUND_READINGS, LexerRun
from tapkit import (
    KitTap,
    TapError,
    api_token_setting,
    api_url_setting,
    http_settings,
    run_cli,
    window_settings,
)

NPS_CATEGORIES = ("all", "promoters", "passives", "detractors")


class TapLexerActivity(KitTap):
    """Lexer Activity API: users, groups, forms and every activity report."""

    name = "tap-lexer-activity"
    url_settings = ("api_url", "exports_api_url")

    config_jsonschema = th.PropertiesList(
        api_token_setting("Lexer Activity API token (sent as the Auth-Api-Token header)."),
        *window_settings(default_lookback_days=1),
        api_url_setting("Base URL of the Activity API.", default="https://api.lexer.io/v1"),
        th.Property(
            "exports_api_url",
            th.StringType,
            default="https://clients.lexer.io/api/public/v1",
            title="Exports API URL",
            description="Base URL of the export status endpoint (another host).",
        ),
        th.Property(
            "nps_form_ids",
            th.ArrayType(th.IntegerType(exclusive_minimum=0)),
            examples=[[55, 56]],
            title="NPS form ids",
            description="NPS forms to report on. Default: every form with nps = true.",
        ),
        th.Property(
            "nps_category",
            th.StringType,
            default="all",
            allowed_values=list(NPS_CATEGORIES),
            title="NPS category",
            description="nps_category sent with NPS reports: all, promoters, passives, detractors.",
        ),
        th.Property(
            "date_to_reading",
            th.StringType,
            default="detect",
            allowed_values=list(END_BOUND_READINGS),
            title="date_to reading",
            description=(
                "How the API reads a report's date_to: inclusive (to the end of that "
                "second) or exclusive. detect (default) asks each aggregate day both ways "
                "until an answer tells; set it once known to halve those requests."
            ),
        ),
        th.Property(
            "export_window_days",
            th.IntegerType(minimum=1, maximum=MAX_WINDOW_DAYS),
            default=DEFAULT_WINDOW_DAYS,
            title="Export window (days)",
            description="Days per CSV export job (1 to 365: the API caps a range at 12 months).",
        ),
        th.Property(
            "export_poll_interval_seconds",
            th.NumberType(exclusive_minimum=0),
            default=DEFAULT_POLL_INTERVAL,
            title="Export poll interval (s)",
            description="First wait between export status checks; later waits grow x1.5 up to 60 s.",
        ),
        th.Property(
            "export_timeout_seconds",
            th.NumberType(exclusive_minimum=0),
            default=DEFAULT_TIMEOUT,
            title="Export timeout (s)",
            description="Longest wait for one export job before the run fails naming its token.",
        ),
        th.Property(
            "export_id_columns",
            th.ObjectType(
                th.Property("mention_sla_export", th.StringType),
                th.Property("case_details", th.StringType),
                th.Property("nps_submissions", th.StringType),
            ),
            title="Export id columns",
            description=(
                "Header of each CSV export's id column, e.g. "
                '{"case_details": "Case ID", "mention_sla_export": "Mention ID"}; "" for none. '
                "Rows with the same id upsert into one row. Without an entry the tap uses the one "
                "column whose header looks like an id, else keys rows by a hash of their "
                "content (a changed row then becomes a new row) and warns."
            ),
        ),
        *http_settings(max_requests=100, window_seconds=300),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        #: What this run learns once and every stream shares (see tap_lexer_activity.run).
        self.lexer_run = LexerRun()
        super().__init__(*args, **kwargs)

    def discover_streams(self) -> list[t.Any]:
        classes = [*streams.LIST_STREAMS, *streams.REPORT_STREAMS, *exports.EXPORT_STREAMS]
        found = [cls(tap=self) for cls in classes]
        forms = next(stream for stream in found if stream.name == "forms")
        self.lexer_run.list_forms = lambda: forms.request_records(None)
        return found

    def extra_config_errors(self) -> list[str]:
        errors = super().extra_config_errors()
        try:
            export_settings(self.config)
        except TapError as exc:
            errors.extend(str(exc).split("; "))
        return errors


def main() -> None:
    run_cli(TapLexerActivity)


__all__ = ["TapError", "TapLexerActivity", "main"]
