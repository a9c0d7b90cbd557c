"""The simulators' credential-echo faults (sandbox/core.py), reached over HTTP as a
subprocess test would: each echoes what the request carried."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import pytest
import requests

from sandbox.core import serve
from sandbox.lexer import LexerApp

PAIR = "acct:pat/x+y="
BASIC = "Basic " + base64.b64encode(PAIR.encode()).decode()


@pytest.fixture
def url() -> Iterator[str]:
    with serve(LexerApp()) as base:
        yield base


def arm(url: str, **spec: object) -> None:
    answer = requests.post(f"{url}/__sandbox__/faults", json=spec, timeout=5)
    assert answer.json() == {"ok": True}


def test_echo_body_json_quotes_the_decoded_basic_pair_first(url: str) -> None:
    arm(url, kind="echo_body", status=401, format="json")
    answer = requests.get(f"{url}/v1/users", headers={"Authorization": BASIC}, timeout=5)
    assert answer.status_code == 401
    message = answer.json()["message"]
    assert message.startswith("Credentials rejected: pat/x+y=; acct:pat/x+y=; ")
    assert BASIC in message


def test_echo_body_html_pad_places_the_credential_after_the_filler(url: str) -> None:
    arm(url, kind="echo_body", status=502, format="html", pad=10)
    answer = requests.get(f"{url}/v1/users", headers={"Auth-Api-Token": "tok<&>"}, timeout=5)
    assert answer.status_code == 502
    assert answer.headers["Content-Type"] == "text/html"
    assert "<title>xxxxxxxxxxCredentials rejected: tok&lt;&amp;&gt;</title>" in answer.text


def test_echo_header_puts_the_oauth_parameters_in_the_named_header(url: str) -> None:
    arm(url, kind="echo_header", status=401, header="X-Echo")
    oauth = 'OAuth oauth_consumer_key="ck%2Fa", oauth_token="at%2Bb", oauth_signature="s%3D"'
    answer = requests.get(f"{url}/v1/users", headers={"Authorization": oauth}, timeout=5)
    assert answer.status_code == 401
    assert "ck/a; at+b; s=" in answer.headers["X-Echo"]
    assert "ck/a" not in answer.text


def test_echo_redirect_url_encodes_each_credential_in_the_location(url: str) -> None:
    arm(url, kind="echo_redirect", status=307, location="https://login.example/x")
    answer = requests.get(
        f"{url}/v1/users",
        params={"access_token": "q/t+1"},
        headers={"Authorization": "Bearer b/t+2"},
        allow_redirects=False,
        timeout=5,
    )
    assert answer.status_code == 307
    where = urlparse(answer.headers["Location"])
    assert (where.netloc, where.path) == ("login.example", "/x")
    assert parse_qs(where.query)["token"] == ["b/t+2", "Bearer b/t+2", "q/t+1"]
    assert "b/t+2" not in answer.headers["Location"]  # encoded, not raw


def test_a_non_3xx_status_redirects_with_302_and_stats_count_the_fault(url: str) -> None:
    arm(url, kind="echo_redirect")
    answer = requests.get(
        f"{url}/v1/users", headers={"Auth-Api-Token": "t-1234"}, allow_redirects=False, timeout=5
    )
    assert answer.status_code == 302
    stats = requests.get(f"{url}/__sandbox__/stats", timeout=5).json()
    assert stats["fault:echo_redirect"] == 1
    assert json.loads(requests.get(f"{url}/v1/users", timeout=5).text)  # next one is real
