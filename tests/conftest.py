"""Shared test fixtures: every test runs offline against the sandbox simulators."""

from __future__ import annotations

import os

import pytest

from tapkit.ratelimit import reset_limiters

os.environ.setdefault("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("RUN_SLOW"):
        return
    skip = pytest.mark.skip(reason="long loop: `make test-full` (RUN_SLOW=1) runs it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fresh_limiters() -> None:
    """Each test starts with an unspent client-side rate-limit budget."""
    reset_limiters()
