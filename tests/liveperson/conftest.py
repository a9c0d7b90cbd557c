"""Fixtures for tap-agentactivity: an in-process LivePerson sandbox and a shared clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

import sandbox.liveperson as lp
from sandbox.core import serve
from sandbox.liveperson import LivePersonApp
from tap_agentactivity.streams import AgentActivityStream

from .helpers import SEED


@pytest.fixture(scope="session")
def _served() -> Iterator[tuple[LivePersonApp, str]]:
    # One server for the session (each shutdown costs half a second); reset per test.
    shared = lp.build(seed=SEED)
    with serve(shared) as base:
        yield shared, base


@pytest.fixture
def app(_served: tuple[LivePersonApp, str]) -> LivePersonApp:
    shared = _served[0]
    shared.stats.clear()
    shared.faults.clear()
    shared.set_now(None)
    return shared


@pytest.fixture
def url(_served: tuple[LivePersonApp, str], app: LivePersonApp) -> str:
    return _served[1]


class Clock:
    """Sets the sandbox's now and the tap's now together (or apart, for skew tests)."""

    def __init__(self, app: LivePersonApp, monkeypatch: pytest.MonkeyPatch) -> None:
        self.app = app
        self.tap_now: dt.datetime | None = None
        clock = self

        def now(_self: AgentActivityStream) -> dt.datetime:
            assert clock.tap_now is not None
            return clock.tap_now

        monkeypatch.setattr(AgentActivityStream, "now", now)

    def set(
        self, when: str | dt.datetime, *, tap_skew: dt.timedelta = dt.timedelta(0)
    ) -> dt.datetime:
        moment = lp.at(when) if isinstance(when, str) else when
        self.app.set_now(moment)
        self.tap_now = moment + tap_skew
        return moment


@pytest.fixture
def clock(app: LivePersonApp, monkeypatch: pytest.MonkeyPatch) -> Clock:
    return Clock(app, monkeypatch)
