"""OAuth 1.0a request signing (RFC 5849, HMAC-SHA1) as an SDK authenticator.

LivePerson's "API key" is an OAuth 1.0a consumer key/secret plus access token/secret.
``oauthlib`` signs; this class only hands it what RFC 5849 §3.4.1.3.1 says to sign: the
URL (its query included) and, for a form-encoded body only, the body's parameters (a JSON
body is not signed, as ``requests-oauthlib`` does too).
"""

from __future__ import annotations

import logging
import typing as t

import requests
from oauthlib.oauth1 import Client
from singer_sdk.authenticators import APIAuthenticatorBase

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"

# oauthlib logs each signature base string at DEBUG, access token and consumer key in it
# (both secret settings); a run at `--log-level=debug` must not write them out.
logging.getLogger("oauthlib.oauth1.rfc5849").setLevel(logging.INFO)


#: The header's parameter order before oauthlib signed (RFC 5849 §3.5.1 leaves it free):
#: the header on the wire stays as it was, consumer key first.
HEADER_ORDER = (
    "oauth_consumer_key",
    "oauth_token",
    "oauth_signature_method",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_version",
)


class OrderedClient(Client):
    """oauthlib's client, its ``oauth_*`` parameters in :data:`HEADER_ORDER`."""

    def get_oauth_params(self, request: t.Any) -> list[tuple[str, str]]:
        params = super().get_oauth_params(request)
        rank = {name: i for i, name in enumerate(HEADER_ORDER)}
        return sorted(params, key=lambda pair: rank.get(pair[0], len(rank)))


class OAuth1Authenticator(APIAuthenticatorBase):
    """Sets a one-line ``Authorization: OAuth ...`` header on each request.

    A fresh nonce and timestamp per request, so a retried request is signed anew
    (``client_options`` pass on to :class:`oauthlib.oauth1.Client`; tests fix them).
    """

    def __init__(
        self,
        consumer_key: str,
        consumer_secret: str,
        token: str,
        token_secret: str,
        **client_options: t.Any,
    ) -> None:
        super().__init__()
        self.client = OrderedClient(
            consumer_key,
            client_secret=consumer_secret,
            resource_owner_key=token,
            resource_owner_secret=token_secret,
            **client_options,
        )

    def authenticate_request(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        content_type = request.headers.get("Content-Type") or ""
        body, headers = None, None
        if request.body and content_type.startswith(FORM_CONTENT_TYPE):
            raw = request.body
            body = raw.decode() if isinstance(raw, bytes) else raw
            headers = {"Content-Type": FORM_CONTENT_TYPE}
        _, signed, _ = self.client.sign(
            request.url or "", request.method or "GET", body=body, headers=headers
        )
        # One line, as LivePerson asks ("The authorization should be contained on a single line").
        request.headers["Authorization"] = signed["Authorization"]
        return request
