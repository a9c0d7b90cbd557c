"""The Dixa base stream: base URL and analytics path, the raw ``Authorization`` header
(the SDK's API-key authenticator), the API's ``{"message": ...}`` errors, and the opaque
``pageKey`` paging (the SDK's paginator, driven by :meth:`DixaStream.pages`)."""

from __future__ import annotations

import datetime as dt
import functools
import typing as t
from collections.abc import Generator
from urllib.parse import parse_qs, quote, urlparse

import requests
from singer_sdk import SchemaDirectory
from singer_sdk.authenticators import APIKeyAuthenticator
from singer_sdk.pagination import BaseAPIPaginator

from tap_analytics import schemas
from tapkit import KitRESTStream, TapError

SCHEMAS = SchemaDirectory(schemas)
DEFAULT_API_URL = "https://dev.dixa.io"
DEFAULT_ANALYTICS_PATH = "/v1/analytics"
DEFAULT_PAGE_LIMIT = 100
#: What every paged answer of the Analytics API is, per its docs (see ``malformed``).
DATA_OBJECT = "an object with `data`"


def rfc3339(moment: dt.datetime) -> str:
    """UTC with ``Z``: the only offset Dixa's own examples use."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def instant(moment: dt.datetime) -> str:
    """UTC with ``Z``, to the millisecond (or microsecond) when the instant has one."""
    utc = moment.astimezone(dt.UTC)
    if not utc.microsecond:
        return rfc3339(utc)
    spec = "milliseconds" if utc.microsecond % 1000 == 0 else "microseconds"
    return utc.replace(tzinfo=None).isoformat(timespec=spec) + "Z"


def next_page_key(payload: t.Any) -> str | None:
    """The opaque key of the next page, taken verbatim from the response, or None.

    The schema documents ``meta.next`` (a URL whose query carries ``pageKey``, absent on
    the last page); Dixa's own MCP client reads a top-level ``pageKey``: both are read,
    neither is ever built or edited.
    """
    if not isinstance(payload, dict):
        return None
    meta = payload.get("meta")
    if isinstance(meta, dict) and isinstance(meta.get("next"), str) and meta["next"]:
        query = parse_qs(urlparse(meta["next"].rstrip(":")).query)
        keys = query.get("pageKey")
        if keys and keys[0]:
            return keys[0]
    key = payload.get("pageKey")
    return key if isinstance(key, str) and key else None


class DecodedPage(requests.Response):
    """A page whose body the kit's ``send_json`` has already decoded: the paginator reads
    it through the Response interface without decoding a large page a second time."""

    def __init__(self, payload: t.Any) -> None:
        super().__init__()
        self.payload = payload

    def json(self, **kwargs: t.Any) -> t.Any:
        return self.payload


class PageKeyPaginator(BaseAPIPaginator[str | None]):
    """Dixa's opaque ``pageKey`` cursor. An empty page with a next key does not stop it.
    A key handed back twice (not only twice in a row) ends the paging, and
    :attr:`loop_error` says so: the stream raises it once the page's rows are out."""

    def __init__(self, what: str, vendor: str) -> None:
        super().__init__(None)
        self.what = what
        self.vendor = vendor
        self.seen: set[str] = set()
        self.loop_error: TapError | None = None

    def get_next(self, response: requests.Response) -> str | None:
        key = next_page_key(response.json())
        if key is not None and key in self.seen:
            msg = f"{self.vendor} handed back a page key it had already given for {self.what}; stopping instead of looping"
            self.loop_error = TapError(msg)
            return None
        if key is not None:
            self.seen.add(key)
        return key


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

    @functools.cached_property
    def authenticator(self) -> APIKeyAuthenticator:
        # The raw token, as Dixa's docs and clients send it (no "Bearer ").
        return APIKeyAuthenticator(key="Authorization", value=str(self.config["api_token"]))

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Accept": "application/json"}

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

    def get_new_paginator(self, what: str = "a request") -> PageKeyPaginator:
        return PageKeyPaginator(what, self.vendor_name)

    def pages(
        self, method: str, url: str, *, body: t.Any = None, what: str = "a request"
    ) -> Generator[list[dict[str, t.Any]], None, None]:
        """Every page of a paged endpoint, in order, each fetched exactly once.

        The next page is asked with the same method and body plus the ``pageKey`` the
        previous page handed back. The kit's own loop sends (windows, catalogues and
        probes all need the first page alone at times), so the SDK's paginator is driven
        through its public ``advance``/``finished``/``current_value``.
        """
        paginator = self.get_new_paginator(what)
        while not paginator.finished:
            params: dict[str, t.Any] = {"pageLimit": self.page_limit}
            if paginator.current_value is not None:
                params["pageKey"] = paginator.current_value
            payload = self.send_json(method, url, params=params, json=body)
            if not isinstance(payload, dict) or not isinstance(payload.get("data"), list):
                raise self.malformed(payload, DATA_OBJECT, what)
            paginator.advance(DecodedPage(payload))
            yield payload["data"]
            if paginator.loop_error is not None:
                raise paginator.loop_error
