"""Errors that reach the user as one clear line, and secret redaction."""

from __future__ import annotations

from collections.abc import Iterable

from singer_sdk.exceptions import FatalAPIError, RetriableAPIError


class TapError(Exception):
    """An error whose message tells the user what to fix; shown without a traceback."""


class StateError(TapError):
    """The state handed to the tap cannot be used."""


class FatalRequestError(FatalAPIError):
    """The API refused a request in a way retrying cannot fix (400, 401, 403, 404)."""


class RateLimitedError(RetriableAPIError):
    """HTTP 429; ``retry_after`` is the server's ``Retry-After`` in seconds, if given."""

    def __init__(self, message: str, response: object = None, retry_after: float | None = None):
        super().__init__(message, response)  # type: ignore[arg-type]
        self.retry_after = retry_after


class MalformedResponseError(RetriableAPIError):
    """A 2xx response whose body is not what the API documents (truncated, HTML, ...)."""


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each non-trivial secret with ``***``."""
    for secret in secrets:
        if secret and len(str(secret)) >= 4:
            text = text.replace(str(secret), "***")
    return text


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    import email.utils
    import time

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(when.timestamp() - time.time(), 0.0)
