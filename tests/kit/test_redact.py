"""Unit tests of :func:`tapkit.errors.redact`: every form in which an API may echo a
credential is hidden, and no part of an overlapping or nested secret is left showing."""

from __future__ import annotations

import base64
import html
import json
from urllib.parse import quote, quote_plus, urlencode

import pytest

from tapkit.errors import redact, secret_forms

SECRET = "pat/with+special=chars&more"
OTHER = "sandbox-token-1234"


def test_plain_occurrences_are_all_replaced() -> None:
    text = f"token {OTHER} rejected; header was {OTHER}"
    assert redact(text, [OTHER]) == "token *** rejected; header was ***"


def test_text_without_secrets_is_unchanged() -> None:
    text = "Lexer API answered HTTP 401 to GET /v1/activity"
    assert redact(text, [OTHER, None, ""]) == text
    assert redact("", [OTHER]) == ""


def test_short_values_are_not_treated_as_secrets() -> None:
    # A three-character "secret" would blank out ordinary words of every message.
    assert redact("the key abc is short", ["abc"]) == "the key abc is short"
    assert redact("the key abcd is not", ["abcd"]) == "the key *** is not"


@pytest.mark.parametrize(
    "encoded",
    [
        quote(SECRET, safe=""),
        quote_plus(SECRET),
        quote(SECRET, safe="/:"),
        urlencode({"token": SECRET}).split("=", 1)[1],
        html.escape(SECRET),
        base64.b64encode(SECRET.encode()).decode(),
        base64.urlsafe_b64encode(SECRET.encode()).decode(),
    ],
    ids=["quote", "quote_plus", "quote-path", "urlencode", "html", "b64", "b64url"],
)
def test_encoded_forms_are_replaced(encoded: str) -> None:
    assert encoded != SECRET
    out = redact(f"Location: https://x.example/login?token={encoded}&next=1", [SECRET])
    assert encoded not in out
    assert out == "Location: https://x.example/login?token=***&next=1"


def test_json_escaped_form_is_replaced() -> None:
    secret = 'tok"with\\back'
    escaped = json.dumps(secret)[1:-1]
    assert escaped != secret
    assert (
        redact(f'{{"message": "bad token {escaped}"}}', [secret]) == '{"message": "bad token ***"}'
    )


@pytest.mark.parametrize("account", ["a", "ab", "fra", "12345678", "acct:9"])
def test_basic_pair_hides_the_token_at_any_alignment(account: str) -> None:
    """``Basic base64(account:PAT)`` holds the PAT at one of three byte alignments; each
    is hidden although only the PAT (not the pair) is listed as a secret."""
    pair = base64.b64encode(f"{account}:{SECRET}".encode()).decode()
    out = redact(f"Authorization: Basic {pair}", [SECRET])
    assert "***" in out
    # What is left of the encoded pair decodes to no more than the account and a few
    # bits of the PAT's first and last characters.
    left = out.removeprefix("Authorization: Basic ")
    head, _, tail = left.partition("***")
    assert len(head) <= len(base64.b64encode(f"{account}:".encode()).decode().rstrip("=")) + 1
    assert len(tail.rstrip("=")) <= 1
    for form in secret_forms(SECRET):
        assert form not in out


def test_overlapping_secrets_leave_no_part_showing() -> None:
    first, second = "abcd1234", "1234wxyz"
    assert redact("x abcd1234wxyz y", [first, second]) == "x *** y"
    assert redact("x abcd1234wxyz y", [second, first]) == "x *** y"


def test_nested_secrets_leave_no_tail_showing() -> None:
    # Replacing the shorter secret first would leave "gh" of the longer one behind.
    short, long_ = "abcdef", "abcdefgh"
    assert redact("1 abcdefgh 2 abcdef 3", [short, long_]) == "1 *** 2 *** 3"
    assert redact("1 abcdefgh 2 abcdef 3", [long_, short]) == "1 *** 2 *** 3"


def test_adjacent_and_repeated_secrets() -> None:
    assert redact(f"{OTHER}{OTHER}-{OTHER}", [OTHER]) == "***-***"
    assert redact(f"{OTHER}{SECRET}", [OTHER, SECRET]) == "***"


def test_several_secrets_each_in_its_own_form() -> None:
    text = (
        f"key={quote(OTHER)} basic={base64.b64encode(SECRET.encode()).decode()} "
        f"html={html.escape(SECRET)}"
    )
    assert redact(text, [OTHER, SECRET]) == "key=*** basic=*** html=***"
