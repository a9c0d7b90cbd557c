"""Client-side rate limiting, budgeted before a request is sent.

One limiter per credential (and API host), shared by every stream of the process, so a
multi-stream run spends one budget. The limiter is a token bucket whose tokens each come
back ``window_seconds`` after they were spent (a sliding-window log). That is never more
permissive than the API's own window, whether the API counts in a sliding or a fixed
window, so a run that respects it does not see 429s.

"At most N per W seconds" also expresses a classic rate-plus-burst bucket: 10 requests per
second with a burst of 4 is ``N=4, W=0.4``.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import deque
from collections.abc import Callable


class RateLimiter:
    """At most ``max_requests`` sends in any ``window_seconds``."""

    def __init__(
        self,
        max_requests: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests < 1 or window_seconds <= 0:
            msg = "rate limit needs max_requests >= 1 and window_seconds > 0"
            raise ValueError(msg)
        self.max_requests = max_requests
        self.window_seconds = float(window_seconds)
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[float] = deque()
        self._lock = threading.Lock()
        self.total_waited = 0.0
        self.acquired = 0

    def _expire(self, now: float) -> None:
        while self._sent and self._sent[0] <= now - self.window_seconds:
            self._sent.popleft()

    def seconds_until_free(self) -> float:
        """Seconds until one more request may be sent (0 when one may go now)."""
        with self._lock:
            now = self._clock()
            self._expire(now)
            if len(self._sent) < self.max_requests:
                return 0.0
            return max(self._sent[0] + self.window_seconds - now, 0.0)

    def acquire(self) -> float:
        """Block until a request may be sent, record it, and return the send time.

        Call :meth:`complete` with that value once the response is in: the server counts
        the request when it arrives, which is after the send and before the response, so
        the slot is re-stamped at completion to never free up earlier than the server's.
        """
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                self._expire(now)
                if len(self._sent) < self.max_requests:
                    self._sent.append(now)
                    self.acquired += 1
                    self.total_waited += waited
                    return now
                delay = self._sent[0] + self.window_seconds - now
            delay = max(delay, 0.001)
            self._sleep(delay)
            waited += delay

    def complete(self, stamp: float) -> None:
        """Move the slot taken at ``stamp`` to now (the response has arrived)."""
        with self._lock:
            now = self._clock()
            try:
                self._sent.remove(stamp)
            except ValueError:
                return  # already expired or replaced by a penalty
            self._sent.append(now)
            if len(self._sent) > 1 and self._sent[-2] > now:
                self._sent = deque(sorted(self._sent))

    def penalize(self, seconds: float) -> None:
        """After a 429, treat the budget as spent for ``seconds`` from now."""
        with self._lock:
            now = self._clock()
            stamp = now + seconds - self.window_seconds
            stamps = [max(stamp, s) for s in self._sent]
            stamps += [stamp] * (self.max_requests - len(stamps))
            self._sent = deque(sorted(stamps))


_REGISTRY: dict[tuple[str, str, int, float], RateLimiter] = {}
_REGISTRY_LOCK = threading.Lock()


def credential_key(*parts: object) -> str:
    """A stable, non-reversible key for a credential (never keep the secret itself)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:16]


def shared_limiter(
    credential: str, host: str, max_requests: int, window_seconds: float
) -> RateLimiter:
    """The process-wide limiter for one credential on one host."""
    key = (credential, host, int(max_requests), float(window_seconds))
    with _REGISTRY_LOCK:
        limiter = _REGISTRY.get(key)
        if limiter is None:
            limiter = RateLimiter(max_requests, window_seconds)
            _REGISTRY[key] = limiter
        return limiter


def reset_limiters() -> None:
    """Forget every shared limiter (tests that reuse credentials across runs)."""
    with _REGISTRY_LOCK:
        _REGISTRY.clear()
