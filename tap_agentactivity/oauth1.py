"""OAuth 1.0a request signing (RFC 5849), HMAC-SHA1, credentials in the Authorization header.

LivePerson's "API key" is an OAuth 1.0a consumer key/secret plus access token/secret. A
maintained library (``oauthlib`` / ``requests-oauthlib``) would be preferable; it is not a
dependency of this project, so this module implements the small part we need: the
signature base string of RFC 5849 §3.4.1 and the HMAC-SHA1 method of §3.4.2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, quote, urlsplit

import requests

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


def percent_encode(value: str) -> str:
    """RFC 5849 §3.6: UTF-8, then every byte but the unreserved set as %XX."""
    return quote(value, safe="~-._")


def base_string_uri(url: str) -> str:
    """RFC 5849 §3.4.1.2: scheme and host lowercased, default port dropped, no query."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and not (
        (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    ):
        host = f"{host}:{port}"
    return f"{scheme}://{host}{parts.path or '/'}"


def normalized_parameters(pairs: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.3.2: encode, sort by name then value, join with & and =."""
    encoded = sorted((percent_encode(k), percent_encode(v)) for k, v in pairs)
    return "&".join(f"{k}={v}" for k, v in encoded)


def signature_base_string(method: str, url: str, pairs: Iterable[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.1."""
    return "&".join(
        [
            percent_encode(method.upper()),
            percent_encode(base_string_uri(url)),
            percent_encode(normalized_parameters(pairs)),
        ]
    )


def hmac_sha1_signature(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """RFC 5849 §3.4.2."""
    key = f"{percent_encode(consumer_secret)}&{percent_encode(token_secret)}"
    digest = hmac.new(key.encode(), base_string.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def request_parameters(
    url: str, body: bytes | str | None, content_type: str | None
) -> list[tuple[str, str]]:
    """Query parameters, plus the body's when it is form-encoded (RFC 5849 §3.4.1.3.1)."""
    pairs = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    if body and (content_type or "").startswith(FORM_CONTENT_TYPE):
        text = body.decode() if isinstance(body, bytes) else body
        pairs += parse_qsl(text, keep_blank_values=True)
    return pairs


class OAuth1Signer:
    """Signs a prepared request: ``signer(prepared)`` sets its Authorization header.

    A fresh nonce and timestamp per call, so a retried request is signed anew.
    """

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        token: str,
        token_secret: str,
        *,
        clock: Callable[[], float] = time.time,
        nonce: Callable[[], str] = lambda: secrets.token_hex(16),
    ) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.token = token
        self.token_secret = token_secret
        self._clock = clock
        self._nonce = nonce

    def oauth_parameters(self) -> dict[str, str]:
        return {
            "oauth_consumer_key": self.consumer_key,
            "oauth_token": self.token,
            "oauth_signature_method": "HMAC-SHA1",
            "oauth_timestamp": str(int(self._clock())),
            "oauth_nonce": self._nonce(),
            "oauth_version": "1.0",
        }

    def header(
        self,
        method: str,
        url: str,
        body: bytes | str | None = None,
        content_type: str | None = None,
    ) -> str:
        oauth = self.oauth_parameters()
        pairs = request_parameters(url, body, content_type) + list(oauth.items())
        base = signature_base_string(method, url, pairs)
        oauth["oauth_signature"] = hmac_sha1_signature(
            base, self.consumer_secret, self.token_secret
        )
        # One line, as LivePerson asks ("The authorization should be contained on a single line").
        return "OAuth " + ", ".join(f'{k}="{percent_encode(v)}"' for k, v in oauth.items())

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        prepared.headers["Authorization"] = self.header(
            prepared.method or "GET",
            prepared.url or "",
            prepared.body,
            prepared.headers.get("Content-Type"),
        )
        return prepared


class BearerAuth:
    """``Authorization: Bearer <token>``."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, prepared: requests.PreparedRequest) -> requests.PreparedRequest:
        prepared.headers["Authorization"] = f"Bearer {self.token}"
        return prepared
