"""The LivePerson base stream: base URI (setting or Domain API), OAuth 1.0a or bearer auth,
LivePerson's retry guidance mapped onto the kit."""

from __future__ import annotations

import typing as t
from urllib.parse import quote, urlsplit

from singer_sdk import SchemaDirectory, StreamSchema

from tap_agentactivity import schemas
from tap_agentactivity.oauth1 import BearerAuth, OAuth1Signer
from tapkit import FatalRequestError, KitRESTStream, TapError

SCHEMAS = SchemaDirectory(schemas)

OAUTH_SETTINGS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
DOMAIN_SERVICE = "leDataReporting"
DEFAULT_DOMAIN_API = "https://api.liveperson.net"


class LivePersonStream(KitRESTStream):
    """Every LivePerson stream: one base URI per run, signed requests, no 4xx retries."""

    vendor_name = "LivePerson agent activity API"
    # LivePerson: "4xx: do not retry" (429 aside, which the kit always waits out, >= 1 s).
    extra_retry_statuses: t.Sequence[int] = ()
    min_rate_limit_wait = 1.0
    schema = StreamSchema(SCHEMAS)

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
        tap = t.cast("t.Any", self._tap)
        cached = getattr(tap, "_lp_base_url", None)
        if cached is None:
            cached = self.resolve_base_url()
            tap._lp_base_url = cached
        return str(cached)

    def resolve_base_url(self) -> str:
        """``api_url``, else ``https://{domain}``, else the Domain API's answer."""
        if self.config.get("api_url"):
            return str(self.config["api_url"]).rstrip("/")
        if self.config.get("domain"):
            return f"https://{str(self.config['domain']).strip()}"
        domain_api = str(self.config.get("domain_api_url") or DEFAULT_DOMAIN_API).rstrip("/")
        url = (
            f"{domain_api}/api/account/{quote(self.account_id, safe='')}"
            f"/service/{DOMAIN_SERVICE}/baseURI.json"
        )
        try:
            # The Domain API needs no credential, so none is sent to it.
            body = self.send_json("GET", url, params={"version": "1.0"}, authenticate=False)
        except FatalRequestError as exc:
            msg = (
                f"The LivePerson Domain API could not find the {DOMAIN_SERVICE} host of "
                f"account '{self.account_id}': {exc.args[0] if exc.args else exc}. Check "
                "`account_id`, or set `domain` to your data host (e.g. va.data.liveperson.net)."
            )
            raise TapError(msg) from exc
        host = body.get("baseURI") if isinstance(body, dict) else None
        if not host or not isinstance(host, str) or "/" in host:
            msg = (
                f"The LivePerson Domain API answered {body!r} for account "
                f"'{self.account_id}' without a usable baseURI; set `domain` instead."
            )
            raise TapError(msg)
        # Same scheme as the Domain API (https in production; http for a local sandbox).
        scheme = urlsplit(domain_api).scheme or "https"
        self.logger.info(
            "LivePerson Domain API: account %s uses %s host %s (set `domain` to skip this lookup)",
            self.account_id,
            DOMAIN_SERVICE,
            host,
        )
        return f"{scheme}://{host}"

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Accept": "application/json"}

    @property
    def authenticator(self) -> t.Any:
        tap = t.cast("t.Any", self._tap)
        auth = getattr(tap, "_lp_auth", None)
        if auth is None:
            cfg = self.config
            if cfg.get("bearer_token"):
                auth = BearerAuth(str(cfg["bearer_token"]))
            else:
                auth = OAuth1Signer(*(str(cfg[name]) for name in OAUTH_SETTINGS))
            tap._lp_auth = auth
        return auth
