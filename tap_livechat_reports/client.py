"""The LiveChat base stream: versioned base URL, Basic (PAT) or Bearer (OAuth) auth, the
API's JSON error body, and the ``Legacy``/``Deprecation`` lifecycle headers."""

from __future__ import annotations

import dataclasses
import typing as t

import requests
from singer_sdk import SchemaDirectory
from singer_sdk.authenticators import BasicAuthenticator, BearerTokenAuthenticator

from tap_livechat_reports import schemas
from tapkit import DateWindowStream, KitStreamSchema, WindowPolicy
from tapkit.errors import redact

SCHEMAS = SchemaDirectory(schemas)
DEFAULT_API_URL = "https://api.livechatinc.com"
DEFAULT_API_VERSION = "3.6"
LIFECYCLE_HEADERS = ("Legacy", "Deprecation")


def version_tuple(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def authenticator(config: t.Mapping[str, t.Any]) -> BasicAuthenticator | BearerTokenAuthenticator:
    """``Basic base64(<account_id>:<PAT>)`` for a PAT, ``Bearer <token>`` for OAuth."""
    if config.get("personal_access_token"):
        return BasicAuthenticator(
            username=str(config["account_id"]), password=str(config["personal_access_token"])
        )
    return BearerTokenAuthenticator(token=str(config["access_token"]))


@dataclasses.dataclass
class LiveChatRun:
    """What one run learns once and every stream shares: the tap creates one and hands
    it to each stream (``stream.run``)."""

    #: How the API reads ``filters.to`` (``inclusive`` or ``exclusive``), asked once per
    #: run (see ``ReportStream.to_reading``).
    to_reading: str | None = None


class LiveChatStream(DateWindowStream):
    """Every LiveChat report stream: POST with a JSON body, one local day per request."""

    vendor_name = "LiveChat Reports API"
    auth_settings = ("account_id", "personal_access_token", "access_token")
    schema = KitStreamSchema(SCHEMAS)
    http_method = "POST"
    # One request per local day: the report's `total`/`summary` then describes exactly the
    # day its rows carry, and non-additive values (unique visitors) stay per day.
    window_policy = WindowPolicy(max_days=1)

    def __init__(self, *args: t.Any, run: LiveChatRun | None = None, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        #: The run this stream belongs to (shared with the tap's other streams).
        self.run = run if run is not None else LiveChatRun()

    @property
    def api_version(self) -> str:
        return str(self.config.get("api_version") or DEFAULT_API_VERSION)

    @property
    def url_base(self) -> str:
        base = str(self.config.get("api_url") or DEFAULT_API_URL).rstrip("/")
        return f"{base}/v{self.api_version}/reports"

    @property
    def http_headers(self) -> dict[str, str]:
        return {"Content-Type": "application/json", "Accept": "application/json"}

    @property
    def authenticator(self) -> BasicAuthenticator | BearerTokenAuthenticator:
        return authenticator(self.config)

    def secrets(self) -> list[str]:
        found = super().secrets()
        if self.config.get("personal_access_token") or self.config.get("access_token"):
            # The encoded credential too: a response may echo the header.
            found.append(self.authenticator.auth_headers["Authorization"].split(" ", 1)[1])
        return found

    def api_error_text(self, response: requests.Response) -> str:
        """``{"error": {"type": "validation", "message": "..."}}`` -> ``validation: ...``."""
        try:
            body = response.json()
        except ValueError:
            return super().api_error_text(response)
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            parts = [str(err[k]) for k in ("type", "message") if err.get(k)]
            text = ": ".join(parts)[:300]
            if err.get("type") == "unsupported_version":
                text += f"; set `api_version` to a current version (default {DEFAULT_API_VERSION})"
            return text
        return super().api_error_text(response)

    def validate_response(self, response: requests.Response) -> None:
        self.warn_lifecycle(response)
        super().validate_response(response)

    def warn_lifecycle(self, response: requests.Response) -> None:
        """Log the API's lifecycle headers once per run (a warning, never an error)."""
        for header in LIFECYCLE_HEADERS:
            value = response.headers.get(header)
            if value:
                stage = "legacy" if header == "Legacy" else "deprecated"
                self.warn_once(
                    ("header", header),
                    "LiveChat Reports API v%s is %s until %s (`%s` response header): "
                    "set `api_version` to a current version (default %s).",
                    self.api_version,
                    stage,
                    redact(value, self.secrets()),  # a header may echo the credential
                    header,
                    DEFAULT_API_VERSION,
                )
