"""Dixa Analytics streams.

* ``metrics`` and ``records``: the two catalogues, full table.
* ``filter_values``: the values of every filter attribute the catalogues name.
* ``metric_data``: one aggregated value per (metric, local day, measure), incremental.
* one stream per record id (``closed_conversations``, ``ratings``, ...): the unaggregated
  rows of each local day, every page of them, with typed columns (see :mod:`fields`).
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Iterable, Iterator

from tap_analytics.catalogue import Catalogue
from tap_analytics.client import DATA_OBJECT, SCHEMAS, DixaStream, instant, rfc3339
from tap_analytics.fields import RECORD_KEY, RowBuilder, canonical
from tap_analytics.table import FIXED, RECORDS, Report
from tapkit import (
    DateWindowStream,
    FatalRequestError,
    KitStreamSchema,
    TapError,
    Window,
    WindowPolicy,
)
from tapkit.schema import DELETED_AT
from tapkit.windows import parse_datetime

#: The last instant before a local midnight at the resolution of the docs' timestamps
#: (``2023-04-21T10:23:14.293Z``: milliseconds).
LAST_MILLISECOND = dt.timedelta(milliseconds=1)


class AnalyticsStream(DixaStream):
    """A stream of the table (:mod:`table`): name, request, keys and replication key come
    from its row; the catalogue is the run's one :class:`Catalogue`."""

    def __init__(
        self,
        tap: t.Any,
        catalogue: Catalogue,
        report: Report,
        *,
        name: str | None = None,
        schema: dict[str, t.Any] | None = None,
    ) -> None:
        super().__init__(tap=tap, name=name or report.name, schema=schema)
        self.catalogue = catalogue
        self.report = report
        self.path = report.path
        self.primary_keys = list(report.keys)
        self.replication_key = report.replication_key  # type: ignore[assignment]


# -- catalogues --------------------------------------------------------------------------


#: Where a full-table stream keeps the keys its last complete listing had.
LISTED_KEYS = "listed_keys"


class ListingStream(AnalyticsStream):
    """A full-table listing (a catalogue, filter values) whose entries can disappear: an
    agent who left is no longer a filter value. A re-run would leave that row standing,
    so the stream keeps the keys of its last complete listing in its state and, when a
    later listing no longer has one, emits it as a deleted row (``_sdc_deleted_at``),
    as the kit does for report windows."""

    schema = KitStreamSchema(SCHEMAS)
    #: The kit's schema adds ``_sdc_deleted_at`` to streams that emit deleted rows.
    may_emit_deleted_rows = True

    def listing(self) -> Iterator[dict[str, t.Any]]:
        raise NotImplementedError

    def get_records(self, context: t.Any) -> Iterator[dict[str, t.Any]]:
        keys = list(self.primary_keys or [])
        fresh: list[list[t.Any]] = []
        for row in self.listing():
            fresh.append([row.get(k) for k in keys])
            yield row
        # The listing is complete (an error above ends the run before this point).
        state = self.stream_state
        before = state.get(LISTED_KEYS)
        alive = {tuple(k) for k in fresh}
        if isinstance(before, list):
            deleted_at = dt.datetime.now(dt.UTC).isoformat()
            gone = [
                k
                for k in before
                if isinstance(k, list) and len(k) == len(keys) and tuple(k) not in alive
            ]
            if gone:
                self.logger.info(
                    "%s: %d entr(ies) no longer listed; emitted as deleted (%s set)",
                    self.name,
                    len(gone),
                    DELETED_AT,
                )
            for key in gone:
                yield {**dict(zip(keys, key, strict=True)), DELETED_AT: deleted_at}
        state[LISTED_KEYS] = sorted(fresh, key=canonical)


class CatalogueStream(ListingStream):
    """A GET catalogue (``report.source``: metrics or records), every page."""

    def listing(self) -> Iterator[dict[str, t.Any]]:
        yield from self.catalogue.entries(self.report.source)


class FilterValuesStream(ListingStream):
    """Values of every filter attribute named in either catalogue."""

    def listing(self) -> Iterator[dict[str, t.Any]]:
        for attribute in self.catalogue.filter_attributes():
            url = self.analytics_url("filter", attribute)
            for page in self.pages("GET", url, what=f"filter values of '{attribute}'"):
                for item in page:
                    if not isinstance(item, dict) or item.get("value") is None:
                        continue
                    yield {
                        "attribute": attribute,
                        "value": str(item["value"]),
                        "label": item.get("label"),
                    }


# -- day-windowed data -------------------------------------------------------------------


def stale_catalog(stream: str, keys: t.Sequence[str], required: t.Sequence[str]) -> TapError:
    return TapError(
        f"the catalog handed in keys stream '{stream}' by {list(keys)}, but its rows are "
        f"identified by {list(required)}: rediscover the catalog (e.g. `meltano run "
        "--refresh-catalog ...`) and fully refresh that table, whose key changed"
    )


def entry_selected(entry: t.Any) -> bool:
    """Whether a catalog entry is selected (explicitly, or by default)."""
    root = entry.metadata.get(())
    selected = getattr(root, "selected", None)
    if selected is None:
        selected = getattr(root, "selected_by_default", None)
    return selected is not False


class DayWindowStream(AnalyticsStream, DateWindowStream):
    """One request (or one paged series) per local day of the configured timezone."""

    window_policy = WindowPolicy(max_days=1)

    @property
    def required_keys(self) -> tuple[str, ...]:
        """Columns that must be in the key for a row to be identified exactly."""
        return self.report.keys

    def apply_catalog(self, catalog: t.Any) -> None:
        super().apply_catalog(catalog)
        entry = catalog.get_stream(self.name)
        if entry is None:
            return
        props = entry.schema.to_dict().get("properties") or {}
        if entry_selected(entry) and (
            not set(self.required_keys) <= set(self.primary_keys)
            or not set(self.required_keys) <= set(props)
        ):
            raise stale_catalog(self.name, self.primary_keys, self.required_keys)

    def period_body(
        self,
        ident: str,
        window: Window,
        filters: dict[str, list[str]],
        *,
        inclusive_end: bool = False,
    ) -> dict[str, t.Any]:
        # Half-open [local midnight, next local midnight), sent as UTC instants; where the
        # API reads `end` inclusively, `end` is the last millisecond before that midnight.
        end = window.end - LAST_MILLISECOND if inclusive_end else window.end
        body: dict[str, t.Any] = {
            "id": ident,
            "periodFilter": {
                "_type": "Interval",
                "start": rfc3339(window.start),
                "end": instant(end),
            },
            "timezone": str(self.tz.key),
        }
        if filters:
            body["filters"] = [
                {"attribute": k, "values": list(v)} for k, v in sorted(filters.items())
            ]
        return body


def filters_key(filters: t.Mapping[str, t.Sequence[str]]) -> str:
    """The filters applied, as canonical text (attributes and values sorted; ``{}`` for
    none): part of ``metric_data``'s key."""
    return canonical({k: sorted(str(x) for x in v) for k, v in filters.items()})


class MetricDataStream(DayWindowStream):
    """``POST /metrics`` per metric id (a partition each) per day: every measure the
    metric offers, one row per measure."""

    schema = KitStreamSchema(SCHEMAS)

    def __init__(self, tap: t.Any, catalogue: Catalogue, report: Report) -> None:
        super().__init__(tap, catalogue, report)

    @property
    def partitions(self) -> list[dict[str, t.Any]] | None:
        return [{"metric_id": metric_id} for metric_id in self.catalogue.metric_ids()]

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterable[dict[str, t.Any]]:
        assert context is not None
        metric_id = str(context["metric_id"])
        entry = self.catalogue.entry("metrics", metric_id)
        measures = [str(a["measure"]) for a in entry.get("aggregations") or [] if a.get("measure")]
        if not measures:
            return []
        filters = self.catalogue.filters_for(entry)
        known = {str(e["id"]) for e in self.catalogue.entries("records")}
        related = [str(r) for r in entry.get("relatedRecordIds") or [] if str(r) in known]
        inclusive = self.catalogue.interval_end_inclusive(related)
        body = self.period_body(metric_id, window, filters, inclusive_end=inclusive)
        body["aggregations"] = measures
        payload = self.send_json("POST", self.analytics_url("metrics"), json=body)
        data = payload.get("data") if isinstance(payload, dict) else None
        if not isinstance(data, dict):
            raise self.malformed(payload, DATA_OBJECT, f"metric '{metric_id}'")
        by_measure = {
            a.get("measure"): a for a in data.get("aggregates") or [] if isinstance(a, dict)
        }
        base = {
            **self.window_columns(window),
            "metric_id": metric_id,
            "filters": filters or None,
            "filters_key": filters_key(filters),
        }
        # One row per aggregate the answer has. A measure it leaves out (an average of
        # nothing, a Count of nothing where the API sends no zero) is no row: if an
        # earlier run loaded one for this day, the kit emits it as deleted.
        return [
            {**base, "measure": measure, **self.typed_value(by_measure[measure])}
            for measure in measures
            if measure in by_measure
        ]

    def typed_value(self, aggregate: dict[str, t.Any] | None) -> dict[str, t.Any]:
        out: dict[str, t.Any] = {
            "value": None,
            "value_type": None,
            "presence_durations": None,
            "raw_value": None,
        }
        if aggregate is None:
            return out
        kind = aggregate.get("_type")
        value = aggregate.get("value")
        out["value_type"] = kind
        if kind == "AgentPresenceDurationValue" or isinstance(value, list):
            out["presence_durations"] = [
                {
                    "status": (d.get("status") or {}).get("status"),
                    "status_description": (d.get("status") or {}).get("description"),
                    "value": d.get("value"),
                }
                for d in value or []
                if isinstance(d, dict)
            ]
            return out
        if kind not in ("LongAggregateValue", "DoubleAggregateValue"):
            self.warn_once(
                (self.name, "aggregate type", str(kind)),
                "%s: aggregate of undocumented type %r kept in raw_value",
                self.name,
                kind,
            )
            out["raw_value"] = canonical(aggregate)
        if kind in ("LongAggregateValue", "DoubleAggregateValue"):
            # A documented numeric aggregate must carry its number: an absent value, or
            # text that is no number, would load as a changed figure. Stop instead.
            if "value" not in aggregate:
                raise TapError(f"{self.vendor_name}: a {kind} without `value` in metric_data")
            if isinstance(value, str):
                text = value
                try:
                    value = int(text) if kind == "LongAggregateValue" else float(text)
                except ValueError:
                    raise TapError(
                        f"{self.vendor_name}: {kind} value {text[:40]!r} is not a number"
                    ) from None
        if isinstance(value, int | float) and not isinstance(value, bool):
            out["value"] = value
        return out


class RecordDataStream(DayWindowStream):
    """One record id's unaggregated rows, day by day, every page of each day.

    Every row of a day carries that day's ``window_start``, so rows go out page by page
    as they arrive (``buffer_window_rows = False``): a day of a million records does not
    sit in memory. Only the day's keys are kept (repeat numbering, page-key restart).

    Every record the API returns is one row: the key is the record's identity
    (:func:`fields.identity`) and its day, and the n-th record of a day with the same
    identity (a conversation closed twice that the answer does not tell apart) gets
    ``#n``. With filters, records that a re-fetched day no longer lists are emitted as
    deleted (:meth:`vanished`)."""

    buffer_window_rows = False

    def __init__(
        self,
        tap: t.Any,
        catalogue: Catalogue,
        *,
        name: str,
        schema: dict[str, t.Any],
        record_id: str,
    ) -> None:
        super().__init__(tap, catalogue, RECORDS, name=name, schema=schema)
        self.record_id = record_id
        self._builder: RowBuilder | None = None

    @property
    def builder(self) -> RowBuilder:
        if self._builder is None:
            # The catalog handed in (if any) is the schema the warehouse has.
            self._builder = RowBuilder(
                self.effective_schema,
                lambda msg: self.logger.warning("%s: %s", self.name, msg),
                self.name,
            )
        return self._builder

    def records_for_window(
        self, window: Window, context: t.Mapping[str, t.Any] | None
    ) -> Iterator[dict[str, t.Any]]:
        filters = self.catalogue.record_filters(self.record_id)
        inclusive = self.catalogue.interval_end_inclusive([self.record_id])
        body = self.period_body(self.record_id, window, filters, inclusive_end=inclusive)
        emitted: set[t.Any] = set()
        try:
            yield from self.day_rows(window, body, emitted)
        except FatalRequestError as exc:
            # A refused page key (expired between two pages) cannot be repaired by
            # editing it: the day is asked again from its first page, once; rows that
            # already went out are not sent twice.
            if "pageKey" not in str(exc):
                raise
            self.logger.warning(
                "%s: page key refused during %s; fetching that day again from its first page",
                self.name,
                window.start.date(),
            )
            sent_before = set(emitted)
            for row in self.day_rows(window, body, emitted):
                if row[RECORD_KEY] not in sent_before:
                    yield row
        if filters:
            yield from self.vanished(window, emitted, context)

    def vanished(
        self, window: Window, keys: set[t.Any], context: t.Mapping[str, t.Any] | None
    ) -> list[dict[str, t.Any]]:
        """Deleted rows for the records an earlier run loaded for this day that the
        filtered answer no longer lists (a record whose agent, queue or tags changed no
        longer matches the filters). Without filters a record, once returned, stays."""
        if DELETED_AT not in (self.schema.get("properties") or {}):
            self.warn_once(
                (self.name, "no deleted_at"),
                "%s: the catalog has no %s column, so records that no longer match "
                "`filters` cannot be deleted; rediscover the catalog",
                self.name,
                DELETED_AT,
            )
            return []
        rk = self.replication_key
        start = self.window_columns(window)[rk]
        listed = [{rk: start, RECORD_KEY: key} for key in keys]
        deleted_at = dt.datetime.now(dt.UTC).isoformat()
        return self.tombstones(window, listed, context, deleted_at)

    def day_rows(
        self, window: Window, body: dict[str, t.Any], seen: set[t.Any]
    ) -> Iterator[dict[str, t.Any]]:
        """The day's rows, page by page; ``seen`` collects their keys."""
        base = {**self.window_columns(window), "record_id": self.record_id}
        day = f"window_start={base['window_start']}"
        url = self.analytics_url("records")
        repeats: dict[str, int] = {}
        for page in self.pages("POST", url, body=body, what=f"records of '{self.record_id}'"):
            for raw in page:
                if not isinstance(raw, dict):
                    raise self.malformed(raw, DATA_OBJECT, f"records of '{self.record_id}'")
                if self.at_window_end(raw, window):
                    continue
                row = self.builder.build(raw, base)
                # The day is part of the identity: a record whose period instant is not
                # among its fields (the docs' example row: created_at, while the period
                # may select on the close) can come back alike on another day.
                ident = f"{row[RECORD_KEY]};{day}"
                repeats[ident] = repeats.get(ident, 0) + 1
                n = repeats[ident]
                row[RECORD_KEY] = ident if n == 1 else f"{ident}#{n}"
                seen.add(row[RECORD_KEY])
                yield row

    @staticmethod
    def at_window_end(raw: dict[str, t.Any], window: Window) -> bool:
        """Whether the record is stamped exactly at the window's end (the next local
        midnight). The docs do not say whether an Interval's ``end`` is inclusive: if it
        is, such a record comes back in this day's answer and again in the next day's
        (whose ``start`` is that instant); it belongs to the next day only."""
        primary = raw.get("primaryTimestampField")
        stamp = primary.get("timestamp") if isinstance(primary, dict) else None
        if not isinstance(stamp, str):
            return False
        try:
            moment = parse_datetime(stamp)
        except ValueError:
            return False
        return moment == window.end


#: The generic class that serves each ``shape`` of the table.
SHAPES: dict[str, type[AnalyticsStream]] = {
    "catalogue": CatalogueStream,
    "filter_values": FilterValuesStream,
    "metric": MetricDataStream,
}


def fixed_streams(tap: t.Any, catalogue: Catalogue) -> list[AnalyticsStream]:
    """The table's fixed streams, in its order."""
    return [SHAPES[report.shape](tap, catalogue, report) for report in FIXED]


__all__ = ["RECORD_KEY", "RecordDataStream", "fixed_streams"]
