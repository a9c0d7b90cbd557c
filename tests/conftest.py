"""Shared test fixtures: every test runs offline against the sandbox simulators."""

from __future__ import annotations

import atexit
import itertools
import os
import shutil
import tempfile
import typing as t

import pytest

from tapkit.ratelimit import reset_limiters

os.environ.setdefault("MELTANO_SEND_ANONYMOUS_USAGE_STATS", "false")
# The rate-limit budgets shared between processes live in a directory of this session (the
# taps that tests start as subprocesses inherit it), never in the user's cache.
if "TAPKIT_RATE_LIMIT_DIR" not in os.environ:
    os.environ["TAPKIT_RATE_LIMIT_DIR"] = tempfile.mkdtemp(prefix="tapkit-ratelimit-")
    atexit.register(shutil.rmtree, os.environ["TAPKIT_RATE_LIMIT_DIR"], ignore_errors=True)
# The Meltano plugins this session has installed (tests/e2e/harness.py ensure_installed):
# each folder installs what it uses, once per session, serialised across xdist workers.
if "TESTS_MELTANO_INSTALLED_FILE" not in os.environ:
    _installs = tempfile.mkdtemp(prefix="tests-meltano-install-")
    os.environ["TESTS_MELTANO_INSTALLED_FILE"] = os.path.join(_installs, "installed")
    atexit.register(shutil.rmtree, _installs, ignore_errors=True)


def pytest_configure(config: pytest.Config) -> None:
    # The reliability suite's ledger: one session for the run (the controller's, which
    # xdist workers inherit through the environment; workers only append).
    if not hasattr(config, "workerinput"):
        from tests.reliability.harness import start_session

        start_session()


def pytest_terminal_summary(terminalreporter: t.Any) -> None:
    from tests.reliability.harness import ledger_dir
    from tests.reliability.report import summary_lines

    folder = ledger_dir()
    if not any(folder.glob("ledger-*.jsonl")):
        return
    terminalreporter.section("reliability figures")
    for line in summary_lines(folder):
        terminalreporter.write_line(line)


#: Columns that the SDK's standard attribute tests (singer_sdk.testing) may find null in every
#: record of their suite's sync, and why. The SDK then warns "No records were available to
#: test" (an error here) only sometimes: its warning is shown once per code location, so it
#: depended on the order the tests ran in. For these columns alone that is expected (values,
#: when present, are still checked); any other all-null column still fails.
ALL_NULL_IN_SDK_SUITES = {
    # Set only on tombstones (a key that a re-fetched window no longer lists): only a later
    # run of the same state can emit one.
    "_sdc_deleted_at": "tombstones only",
    # LiveChat agents_availability: minutes per hour, null under `distribution` day (the
    # suite's setting; `hours` carries the day's figure).
    "agents_availability.minutes": "hourly distribution only",
}
_NOTHING_TO_TEST = pytest.mark.filterwarnings(
    "ignore:No records were available to test.:UserWarning"
)


def _all_null_here(name: str) -> bool:
    if "test_tap_stream_attribute_" not in name or not name.endswith("]"):
        return False
    attribute = name[name.index("[") + 1 : -1]
    return attribute in ALL_NULL_IN_SDK_SUITES or (
        attribute.rpartition(".")[2] in ALL_NULL_IN_SDK_SUITES
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if _all_null_here(item.name):
            item.add_marker(_NOTHING_TO_TEST)
    if os.environ.get("RUN_SLOW"):
        return
    skip = pytest.mark.skip(reason="long loop: `make test-full` (RUN_SLOW=1) runs it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


_SESSION_RATE_LIMIT_DIR = os.environ["TAPKIT_RATE_LIMIT_DIR"]
_tests_started = itertools.count()


#: Test files whose tests share an expensive session fixture (the loaded warehouses of
#: tests/transform/conftest.py): under pytest-xdist each file goes whole to one worker, so
#: the fixture is built once, not once per worker. Every other test is scheduled alone.
SHARED_SESSION_FIXTURES = ("tests/transform/test_models.py",)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: t.Any) -> t.Any:
    """`--dist loadgroup` (make test) with the groups above. xdist's own grouping by the
    `xdist_group` mark does not take effect under pytest 9.2 (pytest-xdist issue 1386: the
    nodeid suffix it relies on is dropped), so the controller groups by file here."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return path if path in SHARED_SESSION_FIXTURES else nodeid

    return SharedFixtureScheduling(config, log)


@pytest.fixture(autouse=True)
def _fresh_limiters(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with an unspent client-side rate-limit budget, in a budget directory
    of its own: the taps a test starts as subprocesses (Meltano) leave their budget files
    behind, and a later test whose simulator gets the same port (the budget file is named
    by credential, host and window) would otherwise start on their spent budget."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    own = os.path.join(_SESSION_RATE_LIMIT_DIR, f"{worker}-{next(_tests_started)}")
    monkeypatch.setenv("TAPKIT_RATE_LIMIT_DIR", own)
    reset_limiters()
