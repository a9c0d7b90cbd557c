from __future__ import annotations

import contextlib
import io
import json
import typing as t
from collections.abc import Iterator

import pytest

from sandbox.core import serve
from sandbox.dixa import DEFAULT_TOKEN, DixaApp
from tapkit.ratelimit import reset_limiters
from tapkit.testing import SyncResult

#: Copenhagen leaves summer time on 2026-10-25: that local day has 25 hours.
TZ = "Europe/Copenhagen"


@pytest.fixture
def dixa_app() -> DixaApp:
    # Generous limits keep the suite fast; the test of the documented limit builds its own.
    return DixaApp(rate_per_second=1000, burst=200)


@pytest.fixture
def dixa_url(dixa_app: DixaApp) -> Iterator[str]:
    with serve(dixa_app) as url:
        yield url


@pytest.fixture
def dixa_config(dixa_url: str) -> dict[str, t.Any]:
    return {
        "api_token": DEFAULT_TOKEN,
        "api_url": dixa_url,
        "start_date": "2026-10-24",
        "end_date": "2026-10-26",
        "timezone": TZ,
        "page_limit": 20,
        "rate_limit_max_requests": 200,
        "rate_limit_window_seconds": 1.0,
        "backoff_base_seconds": 0.01,
        "max_retries": 2,
    }


def discovered(config: dict[str, t.Any], streams: list[str]) -> dict[str, t.Any]:
    """The tap's catalog with only ``streams`` selected (discovery requests happen here)."""
    from tap_analytics.tap import TapAnalytics
    from tapkit.testing import catalog_selecting

    return catalog_selecting(TapAnalytics(config=config), streams)


def sync_catalog(
    config: dict[str, t.Any],
    catalog: dict[str, t.Any],
    *,
    state: dict[str, t.Any] | None = None,
    raise_errors: bool = True,
) -> SyncResult:
    """Sync with a catalog discovered beforehand, as Meltano does: faults injected after
    discovery only meet the sync's own requests."""
    from tap_analytics.tap import TapAnalytics

    reset_limiters()
    buf = io.StringIO()
    result = SyncResult()
    try:
        with contextlib.redirect_stdout(buf):
            TapAnalytics(config=config, catalog=catalog, state=state).sync_all()
    except Exception as exc:
        result.error = exc
        if raise_errors:
            raise
    finally:
        result.messages = [json.loads(x) for x in buf.getvalue().splitlines() if x.startswith("{")]
    return result
