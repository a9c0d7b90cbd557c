"""Client-side rate limiting, budgeted before a request is sent.

One budget per credential (and API host), shared by every stream of the process and, on
one machine, by every process that uses the same credential: two runs on one token (a
backfill beside the schedule) spend one documented limit between them instead of one
each. The budget is a sliding-window log: each send leaves a stamp that comes back
``window_seconds`` later. That is never more permissive than the API's own window,
whether the API counts in a sliding or a fixed window, so a run that respects it does not
see 429s.

Sharing between processes: the log lives in a small file (the send times as 8-byte
floats, at most ``max_requests`` of them), read and rewritten under an exclusive lock of
the file (see :class:`FileLog`) for the few microseconds of each change. The file is named by a hash of the credential's key, the host and the
window, never by the credential. Its directory: the ``rate_limit_state_dir`` setting,
else ``$TAPKIT_RATE_LIMIT_DIR``, else ``$MELTANO_PROJECT_ROOT/.meltano/run/ratelimit``,
else the user's cache directory. Across machines nothing is shared: split the documented
limit between them with ``rate_limit_max_requests``.

"At most N per W seconds" also expresses a classic rate-plus-burst bucket: 10 requests per
second with a burst of 4 is ``N=4, W=0.4``.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import logging
import os
import sys
import threading
import time
import typing as t
from array import array
from collections.abc import Callable, Iterator
from pathlib import Path

from tapkit.run import Once

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]


logger = logging.getLogger(__name__)

#: Send stamps, ascending (an array of doubles: the file's own layout).
Stamps: t.TypeAlias = "array[float]"


class MemoryLog:
    """The send log of one process (the stamps of sends still inside the window)."""

    def __init__(self) -> None:
        self._sent: Stamps = array("d")
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Stamps]:
        """The log, held exclusively; changes made to the list are kept (with ``write``)."""
        with self._lock:
            yield self._sent

    def clear(self) -> None:
        with self._lock:
            del self._sent[:]


class FileLog:
    """A send log shared by the processes of one machine: a file of 8-byte floats, read
    and rewritten in place under an exclusive lock of the file.

    The lock is the kernel's (``fcntl.flock`` on a descriptor kept open: about a
    microsecond, released by the kernel if the process dies, so never stale); where
    ``fcntl`` does not exist (Windows) it is `filelock`'s. `filelock` is not used
    everywhere because it opens its lock file anew on every acquire: 0.3 to 0.6 ms, as
    much as a request to a local server, twice per request.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._thread_lock = threading.Lock()
        self._fd: int | None = None
        self._portable_lock = None if fcntl is not None else _filelock(path)

    def open(self) -> int:
        """The file's descriptor (created on first use; raises OSError if it cannot be)."""
        if self._fd is None:
            flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0)
            self._fd = os.open(self.path, flags, 0o600)
        return self._fd

    @contextlib.contextmanager
    def _locked(self) -> Iterator[int]:
        with self._thread_lock:
            fd = self.open()
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
                try:
                    yield fd
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            else:  # pragma: no cover - Windows
                assert self._portable_lock is not None
                with self._portable_lock:
                    yield fd

    @contextlib.contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Stamps]:
        with self._locked() as fd:
            stamps = self._read(fd)
            yield stamps
            if write:
                self._write(fd, stamps)

    @staticmethod
    def _read(fd: int) -> Stamps:
        size = os.fstat(fd).st_size
        os.lseek(fd, 0, os.SEEK_SET)
        data = b""
        while len(data) < size:
            chunk = os.read(fd, size - len(data))
            if not chunk:
                break
            data += chunk
        values = array("d")
        # A torn file (a crash mid-write) only loses part of the log: the next 429s, if
        # any, are still waited out.
        values.frombytes(data[: len(data) - len(data) % values.itemsize])
        return values

    @staticmethod
    def _write(fd: int, stamps: Stamps) -> None:
        data = stamps.tobytes()
        os.lseek(fd, 0, os.SEEK_SET)
        written = 0
        while written < len(data):
            written += os.write(fd, data[written:])
        os.ftruncate(fd, len(data))

    def clear(self) -> None:
        with self._locked() as fd:
            os.ftruncate(fd, 0)

    def close(self) -> None:
        with self._thread_lock:
            if self._fd is not None:
                os.close(self._fd)
                self._fd = None


def _filelock(path: Path) -> t.Any:  # pragma: no cover - Windows
    from filelock import FileLock

    return FileLock(str(path) + ".lock")


class RateLimiter:
    """At most ``max_requests`` sends in any ``window_seconds``.

    ``log`` holds the send stamps: a :class:`MemoryLog` (this process only, the default)
    or a :class:`FileLog` (every process of the machine; its clock must then be the wall
    clock, ``time.time``, which all processes share).
    """

    def __init__(
        self,
        max_requests: int,
        window_seconds: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        log: MemoryLog | FileLog | None = None,
    ) -> None:
        if max_requests < 1 or window_seconds <= 0:
            msg = "rate limit needs max_requests >= 1 and window_seconds > 0"
            raise ValueError(msg)
        self.max_requests = max_requests
        self.window_seconds = float(window_seconds)
        self._clock = clock
        self._sleep = sleep
        self.log = log or MemoryLog()
        self.total_waited = 0.0
        self.acquired = 0

    @property
    def shared(self) -> bool:
        """Whether other processes of this machine share the budget."""
        return isinstance(self.log, FileLog)

    def _expire(self, sent: Stamps, now: float) -> None:
        horizon = now - self.window_seconds
        if sent and sent[0] <= horizon:
            del sent[: bisect.bisect_right(sent, horizon)]

    def _wait_for(self, sent: Stamps, now: float) -> float:
        """Seconds until a send is allowed (0: now); ``sent`` is sorted and unexpired."""
        if len(sent) < self.max_requests:
            return 0.0
        # The slot that frees first is the one that makes the log one shorter than max.
        return max(sent[len(sent) - self.max_requests] + self.window_seconds - now, 0.0)

    def seconds_until_free(self) -> float:
        """Seconds until one more request may be sent (0 when one may go now)."""
        with self.log.transaction(write=False) as sent:
            now = self._clock()
            self._expire(sent, now)
            return self._wait_for(sent, now)

    def acquire(self) -> float:
        """Block until a request may be sent, record it, and return the send time.

        Call :meth:`complete` with that value once the response is in: the server counts
        the request when it arrives, which is after the send and before the response, so
        the slot is re-stamped at completion to never free up earlier than the server's.
        """
        waited = 0.0
        while True:
            with self.log.transaction() as sent:
                now = self._clock()
                self._expire(sent, now)
                delay = self._wait_for(sent, now)
                if delay <= 0:
                    bisect.insort(sent, now)
                    self.acquired += 1
                    self.total_waited += waited
                    return now
            delay = max(delay, 0.001)
            self._sleep(delay)
            waited += delay

    def complete(self, stamp: float) -> None:
        """Move the slot taken at ``stamp`` to now (the response has arrived)."""
        with self.log.transaction() as sent:
            now = self._clock()
            at = bisect.bisect_left(sent, stamp)
            if at < len(sent) and sent[at] == stamp:
                del sent[at]
                bisect.insort(sent, now)
            # else: already expired or replaced by a penalty

    def penalize(self, seconds: float) -> None:
        """After a 429, treat the budget as spent for ``seconds`` from now: every stream
        and process on the credential holds off until then."""
        with self.log.transaction() as sent:
            now = self._clock()
            self._expire(sent, now)
            stamp = now + seconds - self.window_seconds
            stamps = [max(stamp, s) for s in sent]
            stamps += [stamp] * (self.max_requests - len(stamps))
            del sent[:]
            sent.extend(sorted(stamps))


_REGISTRY: dict[tuple[str, str, int, float, str], RateLimiter] = {}
_REGISTRY_LOCK = threading.Lock()
#: Directories that could not be used (warned once each, in this process).
_UNUSABLE = Once()


def credential_key(*parts: object) -> str:
    """A stable, non-reversible key for a credential (never keep the secret itself)."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()
    return digest[:16]


def user_cache_dir() -> Path:
    """The user's cache directory (as platformdirs would name it, without the package)."""
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    if sys.platform == "darwin":
        return home / "Library" / "Caches"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache")


def default_state_dir() -> Path:
    """Where the shared budgets live unless ``rate_limit_state_dir`` says otherwise."""
    override = os.environ.get("TAPKIT_RATE_LIMIT_DIR")
    if override:
        return Path(override)
    project = os.environ.get("MELTANO_PROJECT_ROOT")
    if project:
        return Path(project) / ".meltano" / "run" / "ratelimit"
    return user_cache_dir() / "cs-analytics-taps" / "ratelimit"


def budget_path(credential: str, host: str, window_seconds: float, state_dir: Path) -> Path:
    """The file of one credential's budget on one host (named by a hash only)."""
    name = credential_key("budget", credential, host, repr(float(window_seconds)))
    return state_dir / f"{name}.budget"


def _file_log(
    credential: str, host: str, window_seconds: float, state_dir: str | Path | None
) -> FileLog | None:
    directory = Path(state_dir).expanduser() if state_dir else default_state_dir()
    log = FileLog(budget_path(credential, host, window_seconds, directory))
    try:
        directory.mkdir(parents=True, exist_ok=True)
        log.open()
    except OSError as exc:
        if _UNUSABLE.first_time(str(directory)):
            logger.warning(
                "Rate-limit budget directory %s is not usable (%s): the budget is this "
                "process's only; set `rate_limit_state_dir` to a writable directory to "
                "share it with other runs on this machine",
                directory,
                exc.strerror or exc,
            )
        return None
    return log


def shared_limiter(
    credential: str,
    host: str,
    max_requests: int,
    window_seconds: float,
    *,
    state_dir: str | Path | None = None,
    share: bool = True,
) -> RateLimiter:
    """The limiter for one credential on one host: one per process, and with ``share``
    one budget for every process of the machine (see the module docstring)."""
    place = str(state_dir or "") if share else "-"
    key = (credential, host, int(max_requests), float(window_seconds), place)
    with _REGISTRY_LOCK:
        limiter = _REGISTRY.get(key)
        if limiter is None:
            log = _file_log(credential, host, window_seconds, state_dir) if share else None
            if log is None:
                limiter = RateLimiter(max_requests, window_seconds)
            else:
                limiter = RateLimiter(max_requests, window_seconds, clock=time.time, log=log)
            _REGISTRY[key] = limiter
        return limiter


def reset_limiters() -> None:
    """Forget every limiter and the budgets this process spent (tests that reuse
    credentials across runs)."""
    with _REGISTRY_LOCK:
        for limiter in _REGISTRY.values():
            if isinstance(limiter.log, FileLog):
                with contextlib.suppress(OSError):
                    limiter.log.clear()
                limiter.log.close()
        _REGISTRY.clear()
