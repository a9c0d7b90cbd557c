"""The LivePerson base stream: base URI (setting or Domain API, see :mod:`.domain`), OAuth
1.0a or bearer auth (SDK authenticators), LivePerson's retry guidance mapped onto the kit."""

from __future__ import annotations

import typing as t

from singer_sdk import SchemaDirectory, StreamSchema
from singer_sdk.authenticators import APIAuthenticatorBase, BearerTokenAuthenticator

from tap_agentactivity import schemas
from tap_agentactivity.domain import BaseURL
from tap_agentactivity.oauth1 import OAuth1Authenticator
from tapkit import KitRESTStream

SCHEMAS = SchemaDirectory(schemas)

OAUTH_SETTINGS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


class LivePersonStream(KitRESTStream):
    """Every LivePerson stream: one base URI per run, signed requests, no 4xx retries."""

    vendor_name = "LivePerson agent activity API"
    # LivePerson: "4xx: do not retry" (429 aside, which the kit always waits out, >= 1 s).
    extra_retry_statuses: t.Sequence[int] = ()
    min_rate_limit_wait = 1.0
    schema = StreamSchema(SCHEMAS)

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        #: Resolved on the first request (the Domain API is asked at most once).
        self.base_url = BaseURL(self.config, self.send_json, self.logger)

    @property
    def auth_settings(self) -> tuple[str, ...]:  # type: ignore[override]
        if self.config.get("bearer_token"):
            return ("bearer_token",)
        return OAUTH_SETTINGS

    @property
    def account_id(self) -> str:
        return str(self.config["account_id"]).strip()

    @property
    def url_base(self) -> str:
        return self.base_url.value

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Accept": "application/json"}

    @property
    def authenticator(self) -> APIAuthenticatorBase:
        cfg = self.config
        if cfg.get("bearer_token"):
            return BearerTokenAuthenticator(token=str(cfg["bearer_token"]))
        return OAuth1Authenticator(*(str(cfg[name]) for name in OAUTH_SETTINGS))
