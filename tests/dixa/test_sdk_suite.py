"""The SDK's standard tap tests (singer_sdk.testing.get_tap_test_class), against the
simulator, beside the tap's own tests.

Decided per warning (filterwarnings stays "error"):

* "Fields in transformed catalog but not in records: ({'_sdc_deleted_at'})": the data is
  right. ``_sdc_deleted_at`` is set only on the row of an entry that a later listing no
  longer has (the Singer convention); a first sync has none. Only that exact message
  (no other missing field) is accepted.
* "No records were available to test." for the object attributes below: the test cannot
  apply, since the column is null in every row of this sync (no ``filters`` configured;
  no field the schema lacks). Those parameters are left out, and
  ``test_left_out_attributes_are_null_in_every_row`` checks the reason still holds.
"""

from __future__ import annotations

import contextlib
import typing as t
from collections.abc import Iterator

import pytest
from singer_sdk.testing import get_tap_test_class

from sandbox.core import serve
from sandbox.dixa import DEFAULT_TOKEN, DixaApp
from tap_analytics.tap import TapAnalytics
from tapkit.ratelimit import reset_limiters

# The SDK builds the test class (and discovers the tap's streams) when this module is
# imported, so the simulator starts here and stops when the module's tests are done.
_SERVER = contextlib.ExitStack()
_URL = _SERVER.enter_context(serve(DixaApp(rate_per_second=1000, burst=200)))
CONFIG: dict[str, t.Any] = {
    "api_token": DEFAULT_TOKEN,
    "api_url": _URL,
    "start_date": "2026-10-24",
    "end_date": "2026-10-25",
    "timezone": "Europe/Copenhagen",
    "page_limit": 50,
    "rate_limit_max_requests": 1000,
    "rate_limit_window_seconds": 1.0,
    "backoff_base_seconds": 0.01,
    "max_retries": 2,
}


@pytest.fixture(scope="module", autouse=True)
def simulator() -> Iterator[None]:
    reset_limiters()
    yield
    _SERVER.close()


pytestmark = pytest.mark.filterwarnings(
    # (its colon and braces are written as "." here: pytest splits the text on colons)
    r"ignore:Fields in transformed catalog but not in records. ..'_sdc_deleted_at'..$"
    ":UserWarning"
)

TestTapAnalyticsStandard = get_tap_test_class(TapAnalytics, config=CONFIG)

#: Object attributes null in every row of this sync (see the module docstring).
NULL_OBJECTS = {
    "metric_data.filters",
    "closed_conversations.unmapped_fields",
    "ratings.unmapped_fields",
}
_OBJECT_TEST = "test_tap_stream_attribute_is_object"
_applicable = [p for p in TestTapAnalyticsStandard.params[_OBJECT_TEST] if p.id not in NULL_OBJECTS]
if _applicable:
    TestTapAnalyticsStandard.params[_OBJECT_TEST] = _applicable
else:  # every object attribute of this sync is one of them: the test has nothing to run
    del TestTapAnalyticsStandard.params[_OBJECT_TEST]
    delattr(TestTapAnalyticsStandard, _OBJECT_TEST)


def _left_out_attributes_are_null_in_every_row(self: t.Any, runner: t.Any) -> None:
    for ident in sorted(NULL_OBJECTS):
        stream, column = ident.split(".")
        rows = runner.records[stream]
        assert rows, f"{stream} has no rows"
        assert all(row.get(column) is None for row in rows), ident


TestTapAnalyticsStandard.test_left_out_attributes_are_null_in_every_row = (  # type: ignore[attr-defined]
    _left_out_attributes_are_null_in_every_row
)
