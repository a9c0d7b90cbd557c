"""tap-analytics: settings, catalogue look-ups and dynamic discovery (a stream per record id)."""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Iterator

from singer_sdk import typing as th

from tap_analytics.client import DEFAULT_ANALYTICS_PATH, DEFAULT_API_URL, DEFAULT_PAGE_LIMIT
from tap_analytics.fields import RECORD_KEY, record_schema, stream_name
from tap_analytics.streams import (
    FIXED_NAMES,
    FIXED_STREAMS,
    MetricsStream,
    RecordDataStream,
    entry_selected,
    instant,
    rfc3339,
    stale_catalog,
)
from tapkit import KitTap, TapError, http_settings, run_cli, window_settings
from tapkit.windows import parse_datetime

#: Periods sampled at discovery to learn each field's ``_type`` (most recent first).
SAMPLE_PERIODS_DAYS = (7, 90)


class TapAnalytics(KitTap):
    """Dixa Analytics API: catalogues, filter values, metric data and one stream per record id."""

    name = "tap-analytics"
    #: Discovery reads the API (a stream per record id), so the SDK checks the settings
    #: before `--discover` too: a bad one is one line naming it, not a traceback.
    dynamic_catalog = True

    config_jsonschema = th.PropertiesList(
        th.Property(
            "api_token",
            th.StringType,
            required=True,
            secret=True,
            title="API token",
            description="Dixa API token, sent as the Authorization header.",
        ),
        *window_settings(default_lookback_days=1),
        th.Property(
            "api_url",
            th.StringType,
            default=DEFAULT_API_URL,
            title="API URL",
            description="Base URL of the Dixa API.",
        ),
        th.Property(
            "analytics_path",
            th.StringType,
            default=DEFAULT_ANALYTICS_PATH,
            title="Analytics path",
            description="Path of the Analytics API under api_url (Dixa is renaming it to the Intelligence API).",
        ),
        th.Property(
            "page_limit",
            th.IntegerType,
            default=DEFAULT_PAGE_LIMIT,
            title="Page limit",
            description="Records per page (pageLimit) for catalogues, filter values and records.",
        ),
        th.Property(
            "metric_ids",
            th.ArrayType(th.StringType),
            title="Metric ids",
            description="Metrics to sync into metric_data. Default: every metric in the catalogue.",
        ),
        th.Property(
            "record_ids",
            th.ArrayType(th.StringType),
            title="Record ids",
            description="Record ids that become streams. Default: every record in the catalogue.",
        ),
        th.Property(
            "filters",
            th.ObjectType(additional_properties=th.ArrayType(th.StringType)),
            title="Filters",
            description="Filter attribute -> values, applied to every metric and record that accepts the attribute.",
        ),
        *http_settings(max_requests=4, window_seconds=0.4),
    ).to_dict()

    _catalogues: dict[str, list[dict[str, t.Any]]]
    _end_inclusive: bool

    # -- settings ------------------------------------------------------------------------

    def extra_config_errors(self) -> list[str]:
        errors = super().extra_config_errors()
        limit = self.config.get("page_limit")
        if isinstance(limit, int) and limit < 1:
            errors.append(f"page_limit: must be 1 or more, got {limit}")
        for key in ("metric_ids", "record_ids"):
            ids = self.config.get(key)
            if ids is not None and (
                not ids or not all(isinstance(x, str) and x.strip() for x in ids)
            ):
                errors.append(
                    f'{key}: must be a non-empty list of ids, e.g. ["csat"], or left unset for all'
                )
        filters = self.config.get("filters")
        if filters is not None:
            if not isinstance(filters, dict) or not all(
                isinstance(v, list) and v and all(isinstance(x, str) for x in v)
                for v in filters.values()
            ):
                errors.append(
                    'filters: must map attribute -> list of values, e.g. {"channel": ["EMAIL"]}'
                )
        return errors

    def configured(self, key: str) -> list[str] | None:
        ids = self.config.get(key)
        return [str(x) for x in ids] if ids else None

    # -- catalogues ----------------------------------------------------------------------

    @property
    def fetcher(self) -> MetricsStream:
        """A stream used to send catalogue and sample requests outside any sync."""
        if not hasattr(self, "_fetcher"):
            self._fetcher = MetricsStream(tap=self)
        return self._fetcher

    def catalogue(self, kind: str) -> list[dict[str, t.Any]]:
        """Every entry of the ``metrics`` or ``records`` catalogue (fetched once per run)."""
        if not hasattr(self, "_catalogues"):
            self._catalogues = {}
        if kind not in self._catalogues:
            url = self.fetcher.analytics_url(kind)
            entries: list[dict[str, t.Any]] = []
            for page in self.fetcher.pages("GET", url, what=f"the {kind} catalogue"):
                entries.extend(e for e in page if isinstance(e, dict) and e.get("id"))
            self._catalogues[kind] = entries
        return self._catalogues[kind]

    def catalogue_entry(self, kind: str, ident: str) -> dict[str, t.Any]:
        for entry in self.catalogue(kind):
            if entry["id"] == ident:
                return entry
        setting = "metric_ids" if kind == "metrics" else "record_ids"
        known = ", ".join(sorted(str(e["id"]) for e in self.catalogue(kind))) or "none"
        msg = f"{setting}: '{ident}' is not in the Dixa {kind} catalogue (known: {known})"
        raise TapError(msg)

    def metric_ids(self) -> list[str]:
        configured = self.configured("metric_ids")
        if configured is None:
            return [str(e["id"]) for e in self.catalogue("metrics")]
        for ident in configured:
            self.catalogue_entry("metrics", ident)  # fails early, naming the setting
        return configured

    def filter_attributes(self) -> list[str]:
        names = {
            str(f["filterAttribute"])
            for kind in ("metrics", "records")
            for entry in self.catalogue(kind)
            for f in entry.get("filters") or []
            if isinstance(f, dict) and f.get("filterAttribute")
        }
        return sorted(names)

    def filters_for(self, entry: dict[str, t.Any]) -> dict[str, list[str]]:
        """The configured filters this metric or record accepts."""
        configured: dict[str, list[str]] = self.config.get("filters") or {}
        if not configured:
            return {}
        accepted = {
            f.get("filterAttribute") for f in entry.get("filters") or [] if isinstance(f, dict)
        }
        return {k: list(v) for k, v in configured.items() if k in accepted}

    def record_filters(self, record_id: str) -> dict[str, list[str]]:
        if not self.config.get("filters"):
            return {}  # no catalogue request needed
        return self.filters_for(self.catalogue_entry("records", record_id))

    # -- discovery -----------------------------------------------------------------------

    def now(self) -> dt.datetime:
        """The current instant (a seam for tests)."""
        return dt.datetime.now(dt.UTC)

    def sample_rows(self, record_id: str, *, warn: bool = True) -> list[dict[str, t.Any]]:
        """One page of recent rows of a record id, to learn its fields' ``_type``."""
        now = self.now().replace(microsecond=0)
        tz = str(self.config.get("timezone") or "UTC")
        for days in SAMPLE_PERIODS_DAYS:
            body = {
                "id": record_id,
                "periodFilter": {
                    "_type": "Interval",
                    "start": rfc3339(now - dt.timedelta(days=days)),
                    "end": rfc3339(now),
                },
                "timezone": tz,
            }
            pages = self.fetcher.pages(
                "POST",
                self.fetcher.analytics_url("records"),
                body=body,
                what=f"a sample of '{record_id}'",
            )
            first = next(pages, [])
            pages.close()
            if first:
                return [r for r in first if isinstance(r, dict)]
        if not warn:
            return []
        self.logger.warning(
            "Record '%s' had no rows in the last %d days: its columns are typed as text.",
            record_id,
            SAMPLE_PERIODS_DAYS[-1],
        )
        return []

    # -- the Interval's end: exclusive or inclusive ------------------------------------------

    def interval_end_inclusive(self, prefer: t.Sequence[str]) -> bool:
        """Whether the API reads an Interval's ``end`` as inclusive (the docs do not say).

        Asked once per run, of a record (those in ``prefer`` first, then every other
        record in the catalogue): a row stamped ``T`` (from the discovery-style sample) is
        looked for in ``[T - 1 s, T]`` (there only if ``end`` is inclusive) and, failing
        that, in ``[T, T + 1 s]`` (which shows that the period applies to the primary
        timestamp at all: the docs' example row of ``closed_conversations`` has
        ``created_at`` while the period may select on the close). When no record tells,
        the half-open reading is kept and the run says so."""
        known_reading: bool | None = getattr(self, "_end_inclusive", None)
        if known_reading is not None:
            return known_reading
        self._end_inclusive = False
        second = dt.timedelta(seconds=1)
        for record_id in self.probe_candidates(prefer):
            moment = self.sample_instant(record_id)
            if moment is None:
                continue
            if self.period_has(record_id, moment - second, moment, moment):
                self._end_inclusive = True
                self.logger.info(
                    "The API reads an Interval's end as inclusive: days are asked up to "
                    "the last millisecond before the next local midnight."
                )
                return True
            if self.period_has(record_id, moment, moment + second, moment):
                return False
        self.logger.warning(
            "Could not tell whether the API reads an Interval's end as inclusive (no "
            "record was found by its own timestamp); days are asked half-open."
        )
        return False

    def probe_candidates(self, prefer: t.Sequence[str]) -> Iterator[str]:
        """``prefer`` (record ids known to exist), then the catalogue's other records
        (fetched only if needed)."""
        tried = set()
        for record_id in prefer:
            tried.add(record_id)
            yield record_id
        for entry in self.catalogue("records"):
            if str(entry["id"]) not in tried:
                yield str(entry["id"])

    def sample_instant(self, record_id: str) -> dt.datetime | None:
        """The primary timestamp of the first row of a recent sample, if any."""
        for row in self.sample_rows(record_id, warn=False):
            primary = row.get("primaryTimestampField")
            if isinstance(primary, dict) and isinstance(primary.get("timestamp"), str):
                try:
                    return parse_datetime(primary["timestamp"])
                except ValueError:
                    return None
        return None

    def period_has(
        self, record_id: str, start: dt.datetime, end: dt.datetime, moment: dt.datetime
    ) -> bool:
        """Whether ``[start, end]`` of ``record_id`` holds a row stamped ``moment``."""
        body = {
            "id": record_id,
            "periodFilter": {"_type": "Interval", "start": instant(start), "end": instant(end)},
            "timezone": str(self.config.get("timezone") or "UTC"),
        }
        url = self.fetcher.analytics_url("records")
        # The first page only: a one-second period holds a page's worth of rows at most
        # in any plausible account, and no page key is ever followed for a probe.
        pages = self.fetcher.pages("POST", url, body=body, what=f"a probe of '{record_id}'")
        first = next(pages, [])
        pages.close()
        for row in first:
            primary = row.get("primaryTimestampField") if isinstance(row, dict) else None
            stamp = primary.get("timestamp") if isinstance(primary, dict) else None
            try:
                if isinstance(stamp, str) and parse_datetime(stamp) == moment:
                    return True
            except ValueError:
                continue
        return False

    def record_streams_from_api(
        self, record_ids: list[str] | None, taken: set[str]
    ) -> list[RecordDataStream]:
        if record_ids is None:
            entries = list(self.catalogue("records"))
        else:
            entries = [self.catalogue_entry("records", ident) for ident in record_ids]
        out = []
        for entry in entries:
            schema, key = record_schema(entry, self.sample_rows(str(entry["id"])))
            name = stream_name(str(entry["id"]), taken)
            taken.add(name)
            out.append(
                RecordDataStream(
                    self, name=name, schema=schema, record_id=str(entry["id"]), key=key
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
            key = RECORD_KEY
            out.append(
                RecordDataStream(
                    self, name=entry.tap_stream_id, schema=schema, record_id=record_id, key=key
                )
            )
            taken.add(entry.tap_stream_id)
            found.add(record_id)
        return out, found

    def discover_streams(self) -> list[t.Any]:
        fixed: list[t.Any] = [cls(tap=self) for cls in FIXED_STREAMS]
        record_ids = self.configured("record_ids")
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
