"""Where the agentactivity API lives for an account: ``api_url``, else ``https://{domain}``,
else the answer of LivePerson's Domain API (one request, no credential)."""

from __future__ import annotations

import functools
import logging
import typing as t
from urllib.parse import quote, urlsplit

from tapkit import FatalRequestError, TapError

DOMAIN_SERVICE = "leDataReporting"
DEFAULT_DOMAIN_API = "https://api.liveperson.net"


class SendJSON(t.Protocol):
    """The kit's :meth:`~tapkit.KitRESTStream.send_json` (retries, validation)."""

    def __call__(self, method: str, url: str, **kwargs: t.Any) -> t.Any: ...


class BaseURL:
    """The base URL of one stream's requests, resolved on first use and then kept."""

    def __init__(
        self, config: t.Mapping[str, t.Any], send_json: SendJSON, logger: logging.Logger
    ) -> None:
        self.config = config
        self.send_json = send_json
        self.logger = logger

    @property
    def account_id(self) -> str:
        return str(self.config["account_id"]).strip()

    @functools.cached_property
    def value(self) -> str:
        """``api_url``, else ``https://{domain}``, else the Domain API's answer."""
        if self.config.get("api_url"):
            return str(self.config["api_url"]).rstrip("/")
        if self.config.get("domain"):
            return f"https://{str(self.config['domain']).strip()}"
        return self.lookup()

    def lookup(self) -> str:
        """Ask the Domain API for the account's ``leDataReporting`` host."""
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
