"""Bad input: every setting with a wrong type or an impossible value is one clear error
naming the setting; wrong credentials stop the run on the first request with the vendor's
answer; a missing or malformed --config/--state file, a corrupt bookmark of any selected
stream, an unreachable host and a start_date in the future each give one clear line; no
secret (right or wrong) is ever printed."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import typing as t
from pathlib import Path

import pytest

from tapkit.errors import StateError
from tapkit.ratelimit import reset_limiters
from tapkit.tap import failure_line

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


def _one_line(tap_cls: type, exc: BaseException) -> str:
    """The line the console script prints for ``exc``; fails if it would print a
    traceback instead (an exception the tap does not turn into a clear error)."""
    line = failure_line(tap_cls, exc)
    assert line is not None, f"not a clear error (the CLI prints a traceback): {exc!r}"
    assert "\n" not in line and "Traceback" not in line, line
    return line


def _cli(tap: str, args: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / tap), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **env},
    )


def _lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip()]


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
            except Exception as exc:
                error = exc
        if error is None:
            # Some values can only be refused by the API itself, at sync time.
            result = run(profile.tap_cls, config, catalog)
            error = result.error
            logs = [*logs, *result.logs]
        assert error is not None, f"{setting}={value!r} was accepted"
        line = _one_line(profile.tap_cls, error)
        assert setting in line, f"the error does not name {setting}: {line}"
        assert not secrets_in(line + "\n".join(logs), profile.secrets(config))
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


# -- files, state, hosts and dates ------------------------------------------------------


@pytest.mark.parametrize("name", sorted(PROFILES))
@pytest.mark.parametrize(
    ("option", "content", "needle"),
    [
        ("--config", None, "does not exist"),
        ("--config", "[1, 2]", "is a JSON array, not an object"),
        ("--config", '{"start_date": ', "is not valid JSON"),
        ("--state", None, "does not exist"),
        ("--state", '"bookmarks"', "is a JSON string, not an object"),
    ],
    ids=["config-missing", "config-array", "config-truncated", "state-missing", "state-string"],
)
def test_unusable_config_or_state_file_is_one_line(
    name: str, option: str, content: str | None, needle: str, tmp_path: Path
) -> None:
    profile = PROFILES[name]
    config = profile.config("http://127.0.0.1:9")
    (tmp_path / "config.json").write_text(json.dumps(config))
    if content is not None:
        (tmp_path / "bad.json").write_text(content)
    args = ["--config", "config.json"]
    args = [option, "bad.json"] if option == "--config" else [*args, option, "bad.json"]
    proc = _cli(profile.tap, args, tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    lines = _lines(proc.stderr)
    assert len(lines) == 1, lines
    assert "bad.json" in lines[0] and needle in lines[0], lines[0]
    assert option.strip("-") in lines[0]
    assert not secrets_in(proc.stderr + proc.stdout, profile.secrets(config))
    record(profile.tap, bad_inputs=1)


#: A selected incremental stream per tap whose bookmark is corrupted: the last one synced.
LAST_INCREMENTAL = {
    "lexer": "states_volume",
    "livechat": "chats_queued_visitors_left",
    "dixa": "closed_conversations",
    "liveperson": "agent_activity",
}


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_corrupt_bookmark_of_any_selected_stream_stops_before_the_first_request(
    name: str, pin_clock: t.Any
) -> None:
    profile = PROFILES[name]
    pin_clock(profile)
    stream = LAST_INCREMENTAL[name]
    assert stream in profile.streams
    with served(profile) as sim:
        config = sim.config()
        catalog = discover(profile.tap_cls, config, profile.streams)
        # Every other stream has a good bookmark; the last stream's is corrupt.
        good = run(profile.tap_cls, config, catalog).final_state or {}
        state = json.loads(json.dumps(good))
        entry = state["bookmarks"][stream]
        targets = [entry, *(entry.get("partitions") or [])]
        for target in targets[-1:]:
            target["replication_key_value"] = "last tuesday"
        before = sim.requests()
        result = run(profile.tap_cls, config, catalog, state=state)
        assert isinstance(result.error, StateError), repr(result.error)
        assert sim.requests() == before, "requests were sent before the corrupt bookmark stopped"
        assert not [m for m in result.messages if m["type"] == "RECORD"]
        line = _one_line(profile.tap_cls, result.error)
        assert f"'{stream}'" in line and "last tuesday" in line, line
        assert "meltano state clear" in line
        record(profile.tap, bad_inputs=1)


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_start_date_in_the_future_warns_once_and_loads_no_report(name: str, tmp_path: Path) -> None:
    """Chosen behaviour: exit 0 (a start_date ahead may be deliberate, e.g. a schedule set
    up before go-live) with one WARNING line that nothing is due; list streams still sync."""
    profile = PROFILES[name]
    with served(profile) as sim:
        config = sim.config(start_date="2099-01-01")
        config.pop("end_date", None)
        (tmp_path / "config.json").write_text(json.dumps(config))
        proc = _cli(profile.tap, ["--config", "config.json"], tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    warnings = [
        line for line in proc.stderr.splitlines() if "WARNING" in line and "start_date" in line
    ]
    assert len(warnings) == 1, warnings
    assert "2099-01-01 is in the future" in warnings[0] and "nothing is due" in warnings[0]
    messages = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    incremental = {
        m["stream"] for m in messages if m["type"] == "SCHEMA" and m.get("bookmark_properties")
    }
    assert incremental, "no incremental stream ran"
    loaded = {m["stream"] for m in messages if m["type"] == "RECORD"}
    assert not loaded & incremental, sorted(loaded & incremental)
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_unreachable_host_names_the_setting_and_the_host(name: str, tmp_path: Path) -> None:
    profile = PROFILES[name]
    # Port 9 (discard) on the loopback: nothing listens, the connection is refused.
    config = profile.config("http://127.0.0.1:9", max_retries=0)
    (tmp_path / "config.json").write_text(json.dumps(config))
    proc = _cli(profile.tap, ["--config", "config.json"], tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    last = _lines(proc.stderr)[-1]
    assert "cannot connect to 127.0.0.1:9" in last, last
    assert "api_url = http://127.0.0.1:9" in last, last
    assert not secrets_in(proc.stderr + proc.stdout, profile.secrets(config))
    record(profile.tap, bad_inputs=1)


def test_discover_with_a_non_numeric_rate_limit_window_is_one_line(tmp_path: Path) -> None:
    """tap-analytics reads the API at discovery: its settings are checked first."""
    profile = PROFILES["dixa"]
    config = profile.config("http://127.0.0.1:9", rate_limit_window_seconds="abc")
    (tmp_path / "config.json").write_text(json.dumps(config))
    proc = _cli(profile.tap, ["--config", "config.json", "--discover"], tmp_path)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    errors = [line for line in proc.stderr.splitlines() if "ERROR" in line]
    assert len(errors) == 1, errors
    assert "rate_limit_window_seconds" in errors[0] and "'abc'" in errors[0]
    assert not secrets_in(proc.stderr + proc.stdout, profile.secrets(config))
    record(profile.tap, bad_inputs=1)
