"""The client-side limiter: never more than N sends in any W seconds."""

from __future__ import annotations

from tapkit.ratelimit import RateLimiter, shared_limiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_budget_blocks_until_the_oldest_send_leaves_the_window() -> None:
    clock = FakeClock()
    limiter = RateLimiter(3, 10.0, clock=clock, sleep=clock.sleep)
    sends = []
    for _ in range(7):
        limiter.acquire()
        sends.append(clock.now)
    assert sends == [0.0, 0.0, 0.0, 10.0, 10.0, 10.0, 20.0]
    # In any 10 s span there are never more than 3 sends.
    for t0 in sends:
        assert sum(1 for s in sends if t0 <= s < t0 + 10.0) <= 3


def test_a_slot_is_restamped_when_the_response_arrives() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1, 10.0, clock=clock, sleep=clock.sleep)
    stamp = limiter.acquire()
    clock.now = 2.0  # the response took 2 s: the server counted it somewhere in between
    limiter.complete(stamp)
    limiter.acquire()
    assert clock.now == 12.0


def test_penalize_after_a_429_spends_the_budget() -> None:
    clock = FakeClock()
    limiter = RateLimiter(5, 10.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    limiter.penalize(4.0)
    assert limiter.seconds_until_free() == 4.0
    limiter.acquire()
    assert clock.now == 4.0


def test_one_limiter_per_credential_and_host() -> None:
    a = shared_limiter("cred-a", "api.example", 100, 300)
    assert shared_limiter("cred-a", "api.example", 100, 300) is a
    assert shared_limiter("cred-b", "api.example", 100, 300) is not a
