"""Bad input: every setting with a wrong type or an impossible value is one clear error
naming the setting; wrong credentials stop the run on the first request with the vendor's
answer, and no secret (right or wrong) is ever printed."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import typing as t
from pathlib import Path

import pytest
from singer_sdk.exceptions import ConfigValidationError

from tapkit.ratelimit import reset_limiters

from .harness import ROOT, capture_logs, discover, record, run, secrets_in, served
from .profiles import PROFILES


def _cases() -> list[tuple[str, str, t.Any]]:
    return [
        (name, setting, value)
        for name, profile in sorted(PROFILES.items())
        for setting, value in profile.bad_settings.items()
    ]


def _error_text(exc: BaseException) -> str:
    parts = [str(exc)]
    parts.extend(str(e) for e in getattr(exc, "errors", None) or [])
    return "\n".join(parts)


@pytest.mark.parametrize(
    ("name", "setting", "value"), _cases(), ids=[f"{n}-{s}" for n, s, _ in _cases()]
)
def test_bad_setting_is_an_error_naming_it(
    name: str, setting: str, value: t.Any, request: pytest.FixtureRequest
) -> None:
    profile = PROFILES[name]

    with served(profile) as sim:
        config = sim.config(**{setting: value})
        reset_limiters()
        error: BaseException | None = None
        with capture_logs() as logs, contextlib.redirect_stdout(io.StringIO()):
            try:
                # Settings checks; ids checked against the API fail at discovery.
                catalog = discover(profile.tap_cls, config, profile.streams)
            except (ConfigValidationError, Exception) as exc:
                error = exc
        if error is None:
            # Some values can only be refused by the API itself, at sync time.
            result = run(profile.tap_cls, config, catalog)
            error = result.error
            logs = [*logs, *result.logs]
        assert error is not None, f"{setting}={value!r} was accepted"
        text = _error_text(error)
        assert setting in text, f"the error does not name {setting}: {text}"
        assert "Traceback" not in text
        assert not secrets_in(text + "\n".join(logs), profile.secrets(config))
        record(profile.tap, bad_inputs=1)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_bad_setting_via_cli_is_one_line_and_exit_1(name: str, tmp_path: Path) -> None:
    profile = PROFILES[name]
    config = profile.config("http://127.0.0.1:9", timezone="Mars/Olympus_Mons")
    if name == "liveperson":
        config = profile.config("http://127.0.0.1:9", interval_minutes=7)
    (tmp_path / "config.json").write_text(json.dumps(config))
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / profile.tap), "--config", "config.json"],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    err = proc.stderr.decode()
    assert proc.returncode != 0
    assert "Traceback" not in err, err[-2000:]
    setting = "interval_minutes" if name == "liveperson" else "timezone"
    naming = [line for line in err.splitlines() if setting in line]
    assert naming, err[-2000:]
    assert len([line for line in err.splitlines() if "ERROR" in line or "failed" in line]) <= 3
    assert not secrets_in(err + proc.stdout.decode(), profile.secrets(config))


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_wrong_credentials_stop_on_the_first_request(name: str, pin_clock: t.Any) -> None:
    profile = PROFILES[name]
    pin_clock(profile)

    with served(profile) as sim:
        good = sim.config()
        setting = profile.credential_settings[0]
        wrong = {setting: "wrong-" + str(good[setting])[::-1]}
        config = sim.config(**wrong)
        before = sim.requests()
        try:
            catalog = discover(profile.tap_cls, config, profile.streams)
        except Exception as exc:  # discovery that reads the API (Dixa) fails here
            result_error: BaseException | None = exc
            text = _error_text(exc)
        else:
            result = run(profile.tap_cls, config, catalog)
            result_error = result.error
            text = result.text()
        assert result_error is not None, "wrong credentials were accepted"
        assert sim.requests() - before == 1, "the run went on after the credential was refused"
        message = _error_text(result_error)
        assert "401" in message or "403" in message, message
        assert f"`{setting}`" in message or setting in message, message
        secrets = [*profile.secrets(good), *profile.secrets(config)]
        assert not secrets_in(text + message, secrets)
        record(profile.tap, bad_inputs=1)
