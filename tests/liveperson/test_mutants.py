"""Gaps that mutation testing (docs/mutation.md) found in the LivePerson tap."""

from __future__ import annotations

from tap_agentactivity.tap import TapAgentActivity

CREDENTIALS = ("consumer_key", "consumer_secret", "access_token", "access_token_secret")


def test_every_oauth_credential_is_declared_secret() -> None:
    """Meltano keeps secret settings out of meltano.yml and masks them: each of the four
    OAuth 1.0a credentials must be declared secret."""
    props = TapAgentActivity.config_jsonschema["properties"]
    assert {name: props[name].get("secret") for name in CREDENTIALS} == dict.fromkeys(
        CREDENTIALS, True
    )
