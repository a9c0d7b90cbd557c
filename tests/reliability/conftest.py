"""Fixtures of the reliability suite. Its ledger session and the closing summary of its
figures are hooks of tests/conftest.py: under pytest-xdist only the controller prints the
summary, and the controller loads no conftest below tests/."""

from __future__ import annotations

import typing as t
from collections.abc import Iterator

import pytest

from .harness import Served, served
from .profiles import PROFILES, Profile
from .warehouse import drop_database


@pytest.fixture(scope="session", autouse=True)
def _private_postgres_database() -> Iterator[None]:
    """The kill tests' Postgres database is this session's own (warehouse.PG): created on
    first use, dropped here."""
    yield
    drop_database()


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
