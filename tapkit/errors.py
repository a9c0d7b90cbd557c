"""Errors that reach the user as one clear line, and secret redaction."""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable
from urllib.parse import quote, quote_plus

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


#: Shorter secrets are not redacted (they would blank out ordinary words).
MIN_SECRET_LENGTH = 4


def _base64_cores(raw: bytes) -> set[str]:
    """The base64 text that ``raw`` produces wherever it sits inside a longer encoded
    value (a ``user:password`` pair): for each of the three byte alignments, the
    characters whose six bits all come from ``raw``, in the standard and URL-safe
    alphabets."""
    cores: set[str] = set()
    for offset in range(3):
        encoded = base64.b64encode(b"\0" * offset + raw).decode()
        first = -(-8 * offset // 6)
        last = 8 * (offset + len(raw)) // 6
        core = encoded[first:last]
        if len(core) >= 2 * MIN_SECRET_LENGTH:
            cores.add(core)
            cores.add(core.replace("+", "-").replace("/", "_"))
    return cores


def secret_forms(secret: str) -> set[str]:
    """Every form in which ``secret`` may come back in an answer: as is, URL-encoded (in a
    path, a query string or a form), HTML-escaped, JSON-escaped, and base64-encoded alone
    or inside a longer value (Basic ``account:token``)."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote(secret, safe="/:"),
        quote_plus(secret),
        html.escape(secret),
        html.escape(secret, quote=False),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        base64.b64encode(secret.encode()).decode(),
        base64.urlsafe_b64encode(secret.encode()).decode(),
    }
    forms |= _base64_cores(secret.encode())
    return {form for form in forms if len(form) >= MIN_SECRET_LENGTH}


def redact(text: str, secrets: Iterable[str | None]) -> str:
    """Replace every occurrence of each non-trivial secret, in any form of
    :func:`secret_forms`, with ``***``. Overlapping or nested occurrences (one secret
    inside another, two that share characters) are hidden as one span, so no part of
    either is left showing."""
    forms: set[str] = set()
    for secret in secrets:
        if secret and len(str(secret)) >= MIN_SECRET_LENGTH:
            forms |= secret_forms(str(secret))
    if not forms or not text:
        return text
    spans: list[tuple[int, int]] = []
    for form in forms:
        start = text.find(form)
        while start != -1:
            spans.append((start, start + len(form)))
            start = text.find(form, start + 1)
    if not spans:
        return text
    spans.sort()
    out: list[str] = []
    cursor = 0
    end = -1
    for start, stop in spans:
        if start <= end:
            end = max(end, stop)
            continue
        if end >= 0:
            out.append("***")
            cursor = end
        out.append(text[cursor:start])
        end = stop
    out.append("***")
    out.append(text[end:])
    return "".join(out)


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
