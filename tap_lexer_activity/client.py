"""The Lexer base stream: base URL, the `Auth-Api-Token` header, the API's error text."""

from __future__ import annotations

import typing as t

import requests
from singer_sdk import SchemaDirectory
from singer_sdk.authenticators import APIKeyAuthenticator

from tap_lexer_activity import schemas
from tap_lexer_activity.run import LexerRun
from tapkit import KitRESTStream, KitStreamSchema

SCHEMAS = SchemaDirectory(schemas)


class LexerStream(KitRESTStream):
    """Every Lexer stream: ``Auth-Api-Token`` auth, limits shared per token."""

    vendor_name = "Lexer Activity API"
    auth_settings = ("api_token",)
    schema = KitStreamSchema(SCHEMAS)

    def __init__(self, tap: t.Any, *args: t.Any, **kwargs: t.Any) -> None:
        #: What this run learns once and every stream shares (one per tap instance).
        self.lexer_run: LexerRun = getattr(tap, "lexer_run", None) or LexerRun()
        super().__init__(tap, *args, **kwargs)

    @property
    def url_base(self) -> str:
        return str(self.config.get("api_url") or "https://api.lexer.io/v1").rstrip("/")

    @property
    def authenticator(self) -> APIKeyAuthenticator:
        return APIKeyAuthenticator(
            key="Auth-Api-Token", value=str(self.config["api_token"]), location="header"
        )

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Accept": "application/json"}

    def api_error_text(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return super().api_error_text(response)
        if isinstance(body, dict):
            parts = [str(body[k]) for k in ("error", "message") if body.get(k)]
            return " - ".join(parts)
        return super().api_error_text(response)


class LexerListStream(LexerStream):
    """GET lists (users, groups, forms): full table, key ``id``."""

    primary_keys: t.ClassVar[list[str]] = ["id"]
    replication_key = None
    records_jsonpath = "$[*]"
