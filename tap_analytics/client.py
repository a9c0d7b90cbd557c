"""The Dixa base stream: base URL and analytics path, the raw ``Authorization`` header,
the API's ``{"message": ...}`` errors, and the opaque ``pageKey`` paging loop."""

from __future__ import annotations

import typing as t
from collections.abc import Generator
from urllib.parse import parse_qs, quote, urlparse

import requests
from singer_sdk import SchemaDirectory

from tap_analytics import schemas
from tapkit import KitRESTStream, TapError

SCHEMAS = SchemaDirectory(schemas)
DEFAULT_API_URL = "https://dev.dixa.io"
DEFAULT_ANALYTICS_PATH = "/v1/analytics"
DEFAULT_PAGE_LIMIT = 100


def next_page_key(payload: dict[str, t.Any]) -> str | None:
    """The opaque key of the next page, taken verbatim from the response, or None.

    The schema documents ``meta.next`` (a URL whose query carries ``pageKey``, absent on
    the last page); Dixa's own MCP client reads a top-level ``pageKey``: both are read,
    neither is ever built or edited.
    """
    meta = payload.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("next"), str) and meta["next"]:
        query = parse_qs(urlparse(meta["next"].rstrip(":")).query)
        keys = query.get("pageKey")
        if keys and keys[0]:
            return keys[0]
    key = payload.get("pageKey")
    return key if isinstance(key, str) and key else None


class DixaStream(KitRESTStream):
    """Every Dixa Analytics stream: ``Authorization: <token>``, one budget per token."""

    vendor_name = "Dixa Analytics API"
    auth_settings = ("api_token",)
    # Dixa allows 10 requests/s: a 429 is over within a fraction of a second.
    min_rate_limit_wait = 0.5

    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url") or DEFAULT_API_URL).rstrip("/")

    @property
    def analytics_base(self) -> str:
        path = str(self.config.get("analytics_path") or DEFAULT_ANALYTICS_PATH).strip("/")
        return f"{self.url_base}/{path}"

    def analytics_url(self, *parts: str) -> str:
        return "/".join([self.analytics_base, *(quote(p, safe="") for p in parts)])

    @property
    def http_headers(self) -> dict[str, str]:
        # The raw token, as Dixa's docs and clients send it (no "Bearer ").
        return {
            "Authorization": str(self.config["api_token"]),
            "Content-Type": "application/json",
            "Accept": "application/json",
        }

    @property
    def page_limit(self) -> int:
        return int(self.config.get("page_limit") or DEFAULT_PAGE_LIMIT)

    def api_error_text(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return super().api_error_text(response)
        if isinstance(body, dict) and body.get("message"):
            return str(body["message"])[:300]
        return super().api_error_text(response)

    def response_error_message(self, response: requests.Response) -> str:
        message = super().response_error_message(response)
        if response.status_code == 400:
            text = self.api_error_text(response)
            if "pageLimit" in text:
                message += " (check `page_limit`: Dixa's own client keeps it between 1 and 300)"
            elif "pageKey" in text:
                message += " (a page key expired or was refused: run again; the day restarts from its first page)"
            elif "body" in text or "request" in text:
                message += " (check `timezone`, `filters`, `metric_ids` and `record_ids`)"
        return message

    def malformed(self, what: str, got: t.Any) -> TapError:
        return TapError(
            f"{self.vendor_name} answered {what} with a {type(got).__name__} where the docs "
            "give an object with `data`; the tap stops rather than load partial data"
        )

    def pages(
        self, method: str, url: str, *, body: t.Any = None, what: str = "a request"
    ) -> Generator[list[dict[str, t.Any]], None, None]:
        """Every page of a paged endpoint, in order, each fetched exactly once.

        The next page is asked with the same method and body plus the ``pageKey`` the
        previous page handed back; an empty page with a next key does not stop the loop.
        """
        params: dict[str, t.Any] = {"pageLimit": self.page_limit}
        seen: set[str] = set()
        while True:
            payload = self.send_json(method, url, params=params, json=body)
            if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
                raise self.malformed(what, payload)
            yield payload["data"]
            key = next_page_key(payload)
            if key is None:
                return
            if key in seen:
                msg = f"{self.vendor_name} handed back a page key it had already given for {what}; stopping instead of looping"
                raise TapError(msg)
            seen.add(key)
            params = {"pageLimit": self.page_limit, "pageKey": key}
