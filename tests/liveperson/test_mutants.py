"""Gaps that mutation testing (docs/mutation.md) found in the LivePerson tap."""

from __future__ import annotations

import pytest

from tap_agentactivity.tap import TapAgentActivity
from tapkit.errors import TapError

from .helpers import oauth_config

CREDENTIALS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


def test_every_oauth_credential_is_declared_secret() -> None:
    """Meltano keeps secret settings out of meltano.yml and masks them: each of the four
    OAuth 1.0a credentials must be declared secret."""
    props = TapAgentActivity.config_jsonschema["properties"]
    assert {name: props[name].get("secret") for name in CREDENTIALS} == dict.fromkeys(
        CREDENTIALS, True
    )


def test_a_domain_api_answer_that_is_not_an_object_is_one_clear_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = oauth_config("http://127.0.0.1:9", api_url=None)
    config["domain_api_url"] = "http://127.0.0.1:9"
    stream = next(iter(TapAgentActivity(config=config).streams.values()))
    monkeypatch.setattr(stream.base_url, "send_json", lambda *a, **k: ["not", "an", "object"])
    with pytest.raises(TapError, match="without a usable baseURI; set `domain` instead"):
        _ = stream.url_base
