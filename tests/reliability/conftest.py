"""Fixtures of the reliability suite and the closing summary of its figures."""

from __future__ import annotations

import typing as t
from collections.abc import Iterator

import pytest

from .harness import Served, ledger_dir, served, start_session
from .profiles import PROFILES, Profile
from .report import summary_lines


def pytest_configure(config: pytest.Config) -> None:
    # A historic hook: it runs when this conftest registers, before any test of the
    # session (in the controller, not in xdist workers, which only append).
    if not hasattr(config, "workerinput"):
        start_session()


def pytest_terminal_summary(terminalreporter: t.Any) -> None:
    folder = ledger_dir()
    if not any(folder.glob("ledger-*.jsonl")):
        return
    terminalreporter.section("reliability figures")
    for line in summary_lines(folder):
        terminalreporter.write_line(line)


@pytest.fixture(params=sorted(PROFILES), ids=sorted(PROFILES))
def profile(request: pytest.FixtureRequest) -> Profile:
    return PROFILES[request.param]


@pytest.fixture
def pin_clock(monkeypatch: pytest.MonkeyPatch) -> t.Callable[[Profile], None]:
    def pin(profile: Profile) -> None:
        if profile.clock_class is not None and profile.server_now is not None:
            moment = profile.server_now
            monkeypatch.setattr(profile.clock_class, "now", lambda self: moment)

    return pin


@pytest.fixture
def sim(profile: Profile, pin_clock: t.Callable[[Profile], None]) -> Iterator[Served]:
    pin_clock(profile)
    with served(profile) as s:
        yield s
