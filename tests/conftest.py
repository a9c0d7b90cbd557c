"""Shared test fixtures: every test runs offline against the sandbox simulators."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile

import pytest

from tapkit.ratelimit import reset_limiters

os.environ.setdefault("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
# The rate-limit budgets shared between processes live in a directory of this session (the
# taps that tests start as subprocesses inherit it), never in the user's cache.
if "TAPKIT_RATE_LIMIT_DIR" not in os.environ:
    os.environ["TAPKIT_RATE_LIMIT_DIR"] = tempfile.mkdtemp(prefix="tapkit-ratelimit-")
    atexit.register(shutil.rmtree, os.environ["TAPKIT_RATE_LIMIT_DIR"], ignore_errors=True)


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
