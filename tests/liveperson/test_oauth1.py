"""OAuth 1.0a signing checked against RFC 5849's own example values.

The tap signs with ``oauthlib`` (:class:`tap_agentactivity.oauth1.OAuth1Authenticator`);
the helpers below are oauthlib's RFC 5849 steps, named as in the RFC.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

import requests
from oauthlib.oauth1 import Client
from oauthlib.oauth1.rfc5849 import signature as rfc5849
from oauthlib.oauth1.rfc5849.utils import escape as percent_encode

from tap_agentactivity.oauth1 import OAuth1Authenticator

base_string_uri = rfc5849.base_string_uri


def hmac_sha1_signature(base_string: str, consumer_secret: str, token_secret: str) -> str:
    """RFC 5849 §3.4.2, as the tap's client signs (oauthlib's plain ``sign_hmac_sha1`` is
    deprecated in favour of this one)."""
    client = Client("", client_secret=consumer_secret, resource_owner_secret=token_secret)
    return rfc5849.sign_hmac_sha1_with_client(base_string, client)


def request_parameters(
    url: str, body: bytes | str | None, content_type: str | None
) -> list[tuple[str, str]]:
    """RFC 5849 §3.4.1.3.1: the query's parameters, plus a form-encoded body's."""
    form = (content_type or "").startswith("application/x-www-form-urlencoded")
    text = body.decode() if isinstance(body, bytes) else body
    return rfc5849.collect_parameters(urlsplit(url).query, text if form else None)


def signature_base_string(method: str, url: str, pairs: list[tuple[str, str]]) -> str:
    """RFC 5849 §3.4.1.1."""
    return rfc5849.signature_base_string(
        method, base_string_uri(url), rfc5849.normalize_parameters(pairs)
    )


# RFC 5849 §1.2: the client's authenticated request for the photo.
PHOTO_URL = "http://photos.example.net/photos?file=vacation.jpg&size=original"
PHOTO_OAUTH = [
    ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
    ("oauth_token", "nnch734d00sl2jdk"),
    ("oauth_signature_method", "HMAC-SHA1"),
    ("oauth_timestamp", "137131202"),
    ("oauth_nonce", "chapoH"),
]


def test_rfc5849_section_1_2_signature() -> None:
    pairs = request_parameters(PHOTO_URL, None, None) + PHOTO_OAUTH
    base = signature_base_string("GET", PHOTO_URL, pairs)
    assert base == (
        "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26"
        "oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26"
        "oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26"
        "oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal"
    )
    signature = hmac_sha1_signature(base, "kd94hf93k423kf44", "pfkkdhi9sl3r4s00")
    # The RFC's header carries it percent-encoded: "MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D".
    assert percent_encode(signature) == "MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D"


def test_rfc5849_section_3_4_1_base_string_with_form_body() -> None:
    url = "http://example.com/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b"
    body = "c2&a3=2+q"
    pairs = [
        *request_parameters(url, body, "application/x-www-form-urlencoded"),
        ("oauth_consumer_key", "9djdj82h48djs9d2"),
        ("oauth_token", "kkk9d7dh3k39sjv7"),
        ("oauth_signature_method", "HMAC-SHA1"),
        ("oauth_timestamp", "137131201"),
        ("oauth_nonce", "7d8f3e4a"),
    ]
    assert signature_base_string("POST", url, pairs) == (
        "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q"
        "%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_"
        "key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_m"
        "ethod%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk"
        "9d7dh3k39sjv7"
    )


def test_json_body_is_not_signed() -> None:
    assert request_parameters("https://h/p?a=1", b'{"b": "2"}', "application/json") == [("a", "1")]


def test_rfc5849_base_string_uri_examples() -> None:
    # §3.4.1.2
    assert base_string_uri("HTTP://EXAMPLE.COM:80/r%20v/X?id=123") == "http://example.com/r%20v/X"
    assert base_string_uri("https://www.example.net:8080/?q=1") == "https://www.example.net:8080/"
    assert base_string_uri("https://a.example:443/x") == "https://a.example/x"


def test_percent_encoding_keeps_only_unreserved() -> None:
    assert percent_encode("Ladies + Gentlemen") == "Ladies%20%2B%20Gentlemen"
    assert percent_encode("An encoded string!") == "An%20encoded%20string%21"
    assert percent_encode("Dogs, Cats & Mice") == "Dogs%2C%20Cats%20%26%20Mice"
    assert percent_encode("☃") == "%E2%98%83"
    assert percent_encode("a-b.c_d~e") == "a-b.c_d~e"


def test_signer_header_is_one_line_and_verifiable() -> None:
    signer = OAuth1Authenticator("ck", "cs", "tk", "ts", timestamp="1700000000", nonce="n0nce")
    prepared = requests.Request("GET", PHOTO_URL).prepare()
    header = signer(prepared).headers["Authorization"]
    assert header.startswith("OAuth ") and "\n" not in header
    params = {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header)}
    assert params["oauth_timestamp"] == "1700000000"
    assert params["oauth_nonce"] == "n0nce"
    assert params["oauth_version"] == "1.0"
    unsigned = [(k, v) for k, v in params.items() if k != "oauth_signature"]
    base = signature_base_string(
        "GET", PHOTO_URL, request_parameters(PHOTO_URL, None, None) + unsigned
    )
    assert params["oauth_signature"] == hmac_sha1_signature(base, "cs", "ts")


def test_signer_uses_a_fresh_nonce_each_time() -> None:
    signer = OAuth1Authenticator("ck", "cs", "tk", "ts")
    first = signer(requests.Request("GET", PHOTO_URL).prepare()).headers["Authorization"]
    second = signer(requests.Request("GET", PHOTO_URL).prepare()).headers["Authorization"]
    assert first != second


def _signed_params(prepared: requests.PreparedRequest) -> dict[str, str]:
    header = prepared.headers["Authorization"]
    return {k: unquote(v) for k, v in re.findall(r'(\w+)="([^"]*)"', header)}


def _expected_signature(
    method: str, url: str, params: dict[str, str], body_pairs: list[tuple[str, str]]
) -> str:
    unsigned = [(k, v) for k, v in params.items() if k != "oauth_signature"]
    pairs = request_parameters(url, None, None) + body_pairs + unsigned
    return hmac_sha1_signature(signature_base_string(method, url, pairs), "cs", "ts")


def test_authenticator_does_not_sign_a_json_body() -> None:
    url = "https://h.example/p?a=1"
    request = requests.Request("POST", url, json={"b": "2"}).prepare()
    params = _signed_params(OAuth1Authenticator("ck", "cs", "tk", "ts")(request))
    assert params["oauth_signature"] == _expected_signature("POST", url, params, [])


def test_authenticator_signs_a_form_body() -> None:
    url = "https://h.example/p?a=1"
    request = requests.Request("POST", url, data={"b": "2 3"}).prepare()
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    params = _signed_params(OAuth1Authenticator("ck", "cs", "tk", "ts")(request))
    assert params["oauth_signature"] == _expected_signature("POST", url, params, [("b", "2 3")])
    assert params["oauth_signature"] != _expected_signature("POST", url, params, [])


def test_header_keeps_the_former_parameter_order() -> None:
    """The wire format the tap sent before oauthlib signed: consumer key first, the
    signature last (RFC 5849 leaves the order free; the header stays as it was)."""
    signer = OAuth1Authenticator("ck", "cs", "tk", "ts", timestamp="1700000000", nonce="n0nce")
    header = signer(requests.Request("GET", PHOTO_URL).prepare()).headers["Authorization"]
    names = " ".join(name.removeprefix("oauth_") for name in re.findall(r'(\w+)="', header))
    assert names == "consumer_key token signature_method timestamp nonce version signature"
