"""The table of the tap's streams: every fixed stream, and the rule that makes one stream
per record id. The stream classes read their name, keys, replication key and request
from here; the tests check the simulator's routes, the docs page and the README against
it (tests/dixa/test_table.py).

``shape`` names the generic class that serves a row:

* ``catalogue``: a catalogue (``source``), every page, full table; an entry that a later
  listing no longer has is emitted as deleted (:class:`streams.CatalogueStream`).
* ``filter_values``: the same for the values of every filter attribute the catalogues
  name (:class:`streams.FilterValuesStream`).
* ``metric``: one aggregate request per metric id and local day, a row per measure.
* ``records``: every page of one record id's rows per local day (one stream per entry of
  the records catalogue, named after the record id).
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Report:
    """One stream (or, for ``records``, the template of the streams per record id)."""

    name: str
    method: str
    #: Under the analytics path (``/v1/analytics``); ``{...}`` is filled per request.
    path: str
    keys: tuple[str, ...]
    shape: str
    #: The ``id`` sent in each request comes from here (a catalogue, or the filters).
    source: str
    replication_key: str | None = None
    #: What a row counts or measures.
    measures: str = ""
    #: Which of the configured ``filters`` a request carries.
    filters: str = ""
    #: The tap version that added the stream.
    since: str = "0.1.0"

    @property
    def endpoint(self) -> str:
        return f"{self.method} /v1/analytics{self.path}"


FIXED: tuple[Report, ...] = (
    Report("metrics", "GET", "/metrics", ("id",), "catalogue", "metrics"),
    Report("records", "GET", "/records", ("id",), "catalogue", "records"),
    Report(
        "filter_values",
        "GET",
        "/filter/{attribute}",
        ("attribute", "value"),
        "filter_values",
        "every filterAttribute of either catalogue",
    ),
    Report(
        "metric_data",
        "POST",
        "/metrics",
        ("metric_id", "window_start", "timezone", "filters_key", "measure"),
        "metric",
        "metrics catalogue (or metric_ids)",
        replication_key="window_start",
        measures="value per measure of the entry's aggregations",
        filters="those of `filters` the metric's entry accepts",
    ),
)
#: One stream per entry of the records catalogue (or of ``record_ids``), named after it.
RECORDS = Report(
    "<record id>",
    "POST",
    "/records",
    ("record_key",),
    "records",
    "records catalogue (or record_ids)",
    replication_key="window_start",
    measures="the record's own value and typed fields (fieldsMetadata + a sample page)",
    filters="those of `filters` the record's entry accepts",
)
REPORTS: dict[str, Report] = {r.name: r for r in FIXED}
FIXED_NAMES = frozenset(REPORTS)
