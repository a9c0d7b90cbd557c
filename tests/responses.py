"""A `requests.Response` built in memory, for tests of how a stream reads an API's answer
(error text, status hints) without a server."""

from __future__ import annotations

import json
import typing as t

import requests


def json_response(
    status: int, body: t.Any, url: str, *, reason: str | None = None
) -> requests.Response:
    """A POST to ``url`` answered with ``status`` and ``body`` as JSON."""
    response = requests.Response()
    response.status_code = status
    if reason is not None:
        response.reason = reason
    response._content = json.dumps(body).encode()
    response.headers["Content-Type"] = "application/json"
    response.url = url
    response.request = requests.Request("POST", url).prepare()
    return response
