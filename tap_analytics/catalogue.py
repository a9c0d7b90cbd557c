"""The Dixa catalogue: the API's own listing of its metrics and records (with the filters
each accepts and the fields each record's rows carry), read for discovery, for the
``metrics``/``records``/``filter_values`` streams and for the measures and filters of
every data request. Fetched at most once per run, and only when something needs it.

Also here: the requests discovery sends outside any sync (one sample page per record id,
to type its fields) and the once-per-run question of whether the API reads an
Interval's ``end`` as inclusive. A plain object created by the tap; it imports no
stream module and no tap module.
"""

from __future__ import annotations

import datetime as dt
import functools
import typing as t
from collections.abc import Callable, Iterator

from tap_analytics.client import SCHEMAS, DixaStream, instant, rfc3339
from tapkit import KitStreamSchema, TapError
from tapkit.windows import parse_datetime

if t.TYPE_CHECKING:
    from singer_sdk import Tap

#: Periods sampled at discovery to learn each field's ``_type`` (most recent first).
SAMPLE_PERIODS_DAYS = (7, 90)
#: The setting that names the entries of each catalogue to sync.
SETTING = {"metrics": "metric_ids", "records": "record_ids"}


class CatalogueClient(DixaStream):
    """Sends the catalogue, sample and probe requests (counted under ``metrics``)."""

    name = "metrics"
    schema = KitStreamSchema(SCHEMAS, key="metrics")


class Catalogue:
    """The ``metrics`` and ``records`` catalogues of one run, and what follows from them."""

    def __init__(self, tap: Tap, now: Callable[[], dt.datetime]) -> None:
        self.tap = tap
        self.now = now
        self.entries_of: dict[str, list[dict[str, t.Any]]] = {}
        #: Whether the API reads an Interval's ``end`` as inclusive (asked once per run).
        self.end_inclusive: bool | None = None

    @functools.cached_property
    def client(self) -> CatalogueClient:
        return CatalogueClient(tap=self.tap)

    @property
    def config(self) -> t.Mapping[str, t.Any]:
        return self.tap.config

    def configured(self, key: str) -> list[str] | None:
        ids = self.config.get(key)
        return [str(x) for x in ids] if ids else None

    # -- the two catalogues ----------------------------------------------------------------

    def entries(self, kind: str) -> list[dict[str, t.Any]]:
        """Every entry of the ``metrics`` or ``records`` catalogue (fetched once per run)."""
        if kind not in self.entries_of:
            url = self.client.analytics_url(kind)
            found: list[dict[str, t.Any]] = []
            for page in self.client.pages("GET", url, what=f"the {kind} catalogue"):
                found.extend(e for e in page if isinstance(e, dict) and e.get("id"))
            self.entries_of[kind] = found
        return self.entries_of[kind]

    def entry(self, kind: str, ident: str) -> dict[str, t.Any]:
        for entry in self.entries(kind):
            if entry["id"] == ident:
                return entry
        known = ", ".join(sorted(str(e["id"]) for e in self.entries(kind))) or "none"
        msg = f"{SETTING[kind]}: '{ident}' is not in the Dixa {kind} catalogue (known: {known})"
        raise TapError(msg)

    def metric_ids(self) -> list[str]:
        configured = self.configured("metric_ids")
        if configured is None:
            return [str(e["id"]) for e in self.entries("metrics")]
        for ident in configured:
            self.entry("metrics", ident)  # fails early, naming the setting
        return configured

    def filter_attributes(self) -> list[str]:
        names = {
            str(f["filterAttribute"])
            for kind in ("metrics", "records")
            for entry in self.entries(kind)
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
        return self.filters_for(self.entry("records", record_id))

    # -- samples (discovery) ---------------------------------------------------------------

    def first_page(self, record_id: str, body: dict[str, t.Any], what: str) -> list[t.Any]:
        """The first page of records for ``body``; no page key is ever followed."""
        url = self.client.analytics_url("records")
        pages = self.client.pages("POST", url, body=body, what=f"{what} of '{record_id}'")
        first = next(pages, [])
        pages.close()
        return first

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
            first = self.first_page(record_id, body, "a sample")
            if first:
                return [r for r in first if isinstance(r, dict)]
        if not warn:
            return []
        self.tap.logger.warning(
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
        if self.end_inclusive is not None:
            return self.end_inclusive
        self.end_inclusive = False
        second = dt.timedelta(seconds=1)
        for record_id in self.probe_candidates(prefer):
            moment = self.sample_instant(record_id)
            if moment is None:
                continue
            if self.period_has(record_id, moment - second, moment, moment):
                self.end_inclusive = True
                self.tap.logger.info(
                    "The API reads an Interval's end as inclusive: days are asked up to "
                    "the last millisecond before the next local midnight."
                )
                return True
            if self.period_has(record_id, moment, moment + second, moment):
                return False
        self.tap.logger.warning(
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
        for entry in self.entries("records"):
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
        # The first page only: a one-second period holds a page's worth of rows at most
        # in any plausible account.
        for row in self.first_page(record_id, body, "a probe"):
            primary = row.get("primaryTimestampField") if isinstance(row, dict) else None
            stamp = primary.get("timestamp") if isinstance(primary, dict) else None
            try:
                if isinstance(stamp, str) and parse_datetime(stamp) == moment:
                    return True
            except ValueError:
                continue
        return False
