"""tap-analytics: settings, catalogue look-ups and dynamic discovery (a stream per record id)."""

from __future__ import annotations

import datetime as dt
import typing as t

from singer_sdk import typing as th

from tap_analytics.catalogue import Catalogue
from tap_analytics.client import DEFAULT_ANALYTICS_PATH, DEFAULT_API_URL, DEFAULT_PAGE_LIMIT
from tap_analytics.fields import RECORD_KEY, record_schema, stream_name
from tap_analytics.streams import RecordDataStream, entry_selected, fixed_streams, stale_catalog
from tap_analytics.table import FIXED_NAMES
from tapkit import KitTap, TapError, http_settings, run_cli, window_settings
from tapkit.tap import NonEmptyArrayType, api_token_setting, api_url_setting


class TapAnalytics(KitTap):
    """Dixa Analytics API: catalogues, filter values, metric data and one stream per record id."""

    name = "tap-analytics"
    #: Discovery reads the API (a stream per record id), so the SDK checks the settings
    #: before `--discover` too: a bad one is one line naming it, not a traceback.
    dynamic_catalog = True

    config_jsonschema = th.PropertiesList(
        api_token_setting("Dixa API token, sent as the Authorization header."),
        *window_settings(default_lookback_days=1),
        api_url_setting("Base URL of the Dixa API.", default=DEFAULT_API_URL),
        th.Property(
            "analytics_path",
            th.StringType,
            default=DEFAULT_ANALYTICS_PATH,
            title="Analytics path",
            description="Path of the Analytics API under api_url (Dixa is renaming it to the Intelligence API).",
        ),
        th.Property(
            "page_limit",
            th.IntegerType(minimum=1),
            default=DEFAULT_PAGE_LIMIT,
            title="Page limit",
            description="Records per page (pageLimit) for catalogues, filter values and records.",
        ),
        th.Property(
            "metric_ids",
            NonEmptyArrayType(th.StringType(pattern=r"\S")),
            examples=[["csat"]],
            title="Metric ids",
            description="Metrics to sync into metric_data. Default: every metric in the catalogue.",
        ),
        th.Property(
            "record_ids",
            NonEmptyArrayType(th.StringType(pattern=r"\S")),
            examples=[["closed_conversations"]],
            title="Record ids",
            description="Record ids that become streams. Default: every record in the catalogue.",
        ),
        th.Property(
            "filters",
            th.ObjectType(additional_properties=NonEmptyArrayType(th.StringType)),
            examples=[{"channel": ["EMAIL"]}],
            title="Filters",
            description="Filter attribute -> values, applied to every metric and record that accepts the attribute.",
        ),
        *http_settings(max_requests=4, window_seconds=0.4),
    ).to_dict()

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        #: The run's catalogue (fetched when first needed); streams share it.
        self.catalogue = Catalogue(self, now=lambda: self.now())
        super().__init__(*args, **kwargs)

    def now(self) -> dt.datetime:
        """The current instant (a seam for tests; discovery samples the days before it)."""
        return dt.datetime.now(dt.UTC)

    # -- discovery -----------------------------------------------------------------------

    def record_streams_from_api(
        self, record_ids: list[str] | None, taken: set[str]
    ) -> list[RecordDataStream]:
        if record_ids is None:
            entries = list(self.catalogue.entries("records"))
        else:
            entries = [self.catalogue.entry("records", ident) for ident in record_ids]
        out = []
        for entry in entries:
            schema, _ = record_schema(entry, self.catalogue.sample_rows(str(entry["id"])))
            name = stream_name(str(entry["id"]), taken)
            taken.add(name)
            out.append(
                RecordDataStream(
                    self, self.catalogue, name=name, schema=schema, record_id=str(entry["id"])
                )
            )
        return out

    def record_streams_from_catalog(
        self, record_ids: list[str] | None, taken: set[str]
    ) -> tuple[list[RecordDataStream], set[str]]:
        """Record streams rebuilt from the catalog handed in: no request at all."""
        assert self.input_catalog is not None
        out, found = [], set()
        for entry in self.input_catalog.streams:
            if entry.tap_stream_id in FIXED_NAMES:
                continue
            schema = entry.schema.to_dict()
            record_id = str(schema.get("title") or entry.tap_stream_id)
            if record_ids is not None and record_id not in record_ids:
                continue
            keys = list(entry.key_properties or [])
            if not keys:
                meta = entry.metadata.get(())
                keys = list(getattr(meta, "table_key_properties", None) or [])
            if keys != [RECORD_KEY] or RECORD_KEY not in (schema.get("properties") or {}):
                # A catalog from before record_key: its key (conversation_id, record_hash)
                # collapses or duplicates rows, so it is not used.
                if entry_selected(entry):
                    raise stale_catalog(entry.tap_stream_id, keys, [RECORD_KEY])
                continue
            out.append(
                RecordDataStream(
                    self,
                    self.catalogue,
                    name=entry.tap_stream_id,
                    schema=schema,
                    record_id=record_id,
                )
            )
            taken.add(entry.tap_stream_id)
            found.add(record_id)
        return out, found

    def discover_streams(self) -> list[t.Any]:
        fixed: list[t.Any] = fixed_streams(self, self.catalogue)
        record_ids = self.catalogue.configured("record_ids")
        taken = set(FIXED_NAMES)
        records: list[RecordDataStream] = []
        if self.input_catalog is not None:
            records, found = self.record_streams_from_catalog(record_ids, taken)
            missing = [r for r in record_ids or [] if r not in found]
            if missing:
                records += self.record_streams_from_api(missing, taken)
        else:
            records = self.record_streams_from_api(record_ids, taken)
        return [*fixed, *records]


def main() -> None:
    run_cli(TapAnalytics)


__all__ = ["TapAnalytics", "TapError", "main"]
