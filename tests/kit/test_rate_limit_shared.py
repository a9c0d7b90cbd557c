"""One budget per credential for every process of a machine."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.core import Request, Response, SandboxApp, json_response, serve
from tapkit.ratelimit import FileLog, RateLimiter, budget_path, credential_key, shared_limiter

MAX, WINDOW = 5, 0.5
PER_PROCESS = 12

#: One run's sends: wait for the start signal, then acquire -> GET -> complete.
CLIENT = f"""
import json, os, sys, time
import requests
from tapkit.ratelimit import shared_limiter
url, state_dir, go = sys.argv[1], sys.argv[2], sys.argv[3]
limiter = shared_limiter("cred", "api.example", {MAX}, {WINDOW}, state_dir=state_dir)
session = requests.Session()
print("ready", flush=True)
while not os.path.exists(go):
    time.sleep(0.005)
codes = []
for _ in range({PER_PROCESS}):
    stamp = limiter.acquire()
    try:
        codes.append(session.get(url).status_code)
    finally:
        limiter.complete(stamp)
print(json.dumps(codes), flush=True)
"""


class CountingApp(SandboxApp):
    """Answers GET /ping; over MAX requests in any WINDOW seconds is a 429."""

    name = "counting"

    def __init__(self) -> None:
        super().__init__(rate_limit=(MAX, WINDOW))
        self.add_route("GET", r"/ping$", self.ping)

    def ping(self, req: Request) -> Response:
        limited = self.rate_limited("token")
        return limited or json_response({"ok": True})


@pytest.fixture
def counting() -> Iterator[tuple[CountingApp, str]]:
    app = CountingApp()
    with serve(app) as url:
        yield app, url


def two_runs(url: str, dirs: tuple[Path, Path], go: Path) -> list[list[int]]:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLIENT, f"{url}/ping", str(d), str(go)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for d in dirs
    ]
    try:
        for proc in procs:  # both started and holding a limiter before either sends
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "ready"
        go.touch()
        outputs = [proc.communicate(timeout=120)[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    assert all(proc.returncode == 0 for proc in procs)
    return [json.loads(out.strip().splitlines()[-1]) for out in outputs]


def test_two_processes_on_one_credential_never_exceed_the_budget_together(
    counting: tuple[CountingApp, str], tmp_path: Path
) -> None:
    app, url = counting
    shared = tmp_path / "budgets"
    codes = two_runs(url, (shared, shared), tmp_path / "go")
    assert [len(c) for c in codes] == [PER_PROCESS, PER_PROCESS]
    assert app.stats["requests"] == 2 * PER_PROCESS
    assert app.stats["429"] == 0
    assert all(code == 200 for c in codes for code in c)
    # The file is named by a hash: the credential does not appear in the directory.
    names = [p.name for p in shared.iterdir()]
    assert names and not any("cred" in name for name in names)


def test_without_a_shared_budget_the_same_two_runs_are_answered_429(
    counting: tuple[CountingApp, str], tmp_path: Path
) -> None:
    """The control: each process alone keeps its budget, together they exceed it."""
    app, url = counting
    codes = two_runs(url, (tmp_path / "a", tmp_path / "b"), tmp_path / "go")
    assert app.stats["429"] > 0
    assert any(code == 429 for c in codes for code in c)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_limiters_over_one_file_spend_one_budget(tmp_path: Path) -> None:
    clock = FakeClock()
    path = tmp_path / "x.budget"
    a = RateLimiter(3, 10.0, clock=clock, sleep=clock.sleep, log=FileLog(path))
    b = RateLimiter(3, 10.0, clock=clock, sleep=clock.sleep, log=FileLog(path))
    a.acquire()
    a.acquire()
    b.acquire()
    assert a.seconds_until_free() == b.seconds_until_free() == 10.0
    b.acquire()  # waits for the first send to leave the window
    assert clock.now == 1_010.0
    b.penalize(4.0)
    assert a.seconds_until_free() == 4.0


def test_a_torn_budget_file_is_read_as_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "x.budget"
    path.write_bytes(b"\x00" * 11)  # not a whole number of stamps
    clock = FakeClock()
    limiter = RateLimiter(2, 10.0, clock=clock, sleep=clock.sleep, log=FileLog(path))
    limiter.acquire()
    assert len(path.read_bytes()) % 8 == 0


def test_the_budget_file_lives_in_the_configured_directory_named_by_a_hash(
    tmp_path: Path,
) -> None:
    secret = "a-secret-token-value"
    key = credential_key(secret)
    limiter = shared_limiter(key, "api.example", 10, 60, state_dir=tmp_path / "rl")
    assert isinstance(limiter.log, FileLog)
    assert limiter.log.path == budget_path(key, "api.example", 60, tmp_path / "rl")
    limiter.complete(limiter.acquire())
    for file in (tmp_path / "rl").iterdir():
        assert secret not in file.name and key not in file.name
        assert secret.encode() not in file.read_bytes()


def test_an_unusable_directory_falls_back_to_this_process_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    limiter = shared_limiter("k", "api.example", 10, 60, state_dir=blocker / "sub")
    assert not limiter.shared
    assert "rate_limit_state_dir" in caplog.text
    limiter.complete(limiter.acquire())
    assert limiter.acquired == 1
