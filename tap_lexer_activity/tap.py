"""tap-lexer-activity: settings and stream list."""

from __future__ import annotations

import typing as t

from singer_sdk import typing as th

from tap_lexer_activity import streams
from tapkit import KitTap, TapError, http_settings, run_cli, window_settings

NPS_CATEGORIES = ("all", "promoters", "passives", "detractors")


class TapLexerActivity(KitTap):
    """Lexer Activity API: users, groups, forms and every activity report."""

    name = "tap-lexer-activity"
    url_settings = ("api_url", "exports_api_url")

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_token",
            th.StringType,
            required=True,
            secret=True,
            title="API token",
            description="Lexer Activity API token (sent as the Auth-Api-Token header).",
        ),
        *window_settings(default_lookback_days=1),
        th.Property(
            "api_url",
            th.StringType,
            default="https://api.lexer.io/v1",
            title="API URL",
            description="Base URL of the Activity API.",
        ),
        th.Property(
            "exports_api_url",
            th.StringType,
            default="https://clients.lexer.io/api/public/v1",
            title="Exports API URL",
            description="Base URL of the export status endpoint (another host).",
        ),
        th.Property(
            "nps_form_ids",
            th.ArrayType(th.IntegerType),
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
            allowed_values=["detect", "inclusive", "exclusive"],
            title="date_to reading",
            description=(
                "How the API reads a report's date_to: inclusive (to the end of that "
                "second) or exclusive. detect (default) asks each aggregate day both ways "
                "until an answer tells; set it once known to halve those requests."
            ),
        ),
        th.Property(
            "export_window_days",
            th.IntegerType,
            default=7,
            title="Export window (days)",
            description="Days per CSV export job (1 to 365: the API caps a range at 12 months).",
        ),
        th.Property(
            "export_poll_interval_seconds",
            th.NumberType,
            default=5,
            title="Export poll interval (s)",
            description="First wait between export status checks; later waits grow x1.5 up to 60 s.",
        ),
        th.Property(
            "export_timeout_seconds",
            th.NumberType,
            default=1800,
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

    _nps_forms: list[int] | None = None

    def discover_streams(self) -> list[t.Any]:
        classes: list[t.Any] = [*streams.LIST_STREAMS, *streams.REPORT_STREAMS]
        try:
            from tap_lexer_activity import exports
        except ImportError:  # the export streams ship with their own module
            pass
        else:
            classes.extend(exports.EXPORT_STREAMS)
        return [cls(tap=self) for cls in classes]

    def nps_form_ids(self) -> list[int]:
        """NPS forms from the setting, else every form the API flags ``nps: true``."""
        if self._nps_forms is None:
            configured = self.config.get("nps_form_ids")
            if configured:
                self._nps_forms = [int(x) for x in configured]
            else:
                forms = self.__dict__.get("_forms_fetched")
                if forms is None:  # the forms stream is not selected (or not yet synced)
                    forms_stream = self.streams["forms"]
                    forms = list(forms_stream.request_records(None))  # type: ignore[attr-defined]
                self._nps_forms = sorted(int(f["id"]) for f in forms if f.get("nps"))
                if not self._nps_forms:
                    self.logger.warning(
                        "No form has nps = true: the NPS streams have nothing to sync."
                    )
        return self._nps_forms

    def extra_config_errors(self) -> list[str]:
        errors = super().extra_config_errors()
        try:
            from tap_lexer_activity.exports import export_settings
        except ImportError:
            pass
        else:
            try:
                export_settings(self.config)
            except TapError as exc:
                errors.extend(str(exc).split("; "))
        ids = self.config.get("nps_form_ids")
        if ids is not None and not all(isinstance(x, int) and x > 0 for x in ids):
            errors.append("nps_form_ids: must be a list of positive form ids, e.g. [55, 56]")
        return errors


def main() -> None:
    run_cli(TapLexerActivity)


__all__ = ["TapError", "TapLexerActivity", "main"]
