"""Shared by every tap's ``test_secrets.py``: run a tap against a simulator whose answer
echoes the request's credential (in an error body, a header or a redirect), in-process
and through its console script, and check that no secret, in any form, reaches a log
line, an error line, a STATE or a record.

The forms looked for are written here independently of :func:`tapkit.errors.redact`
(raw, URL-encoded, HTML-escaped, base64 alone and inside a Basic pair), so a redaction
that misses one fails these tests. A failure names the secret by its setting, never by
its value.
"""

from __future__ import annotations

import base64
import contextlib
import html
import io
import json
import logging
import subprocess
import sys
import typing as t
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from singer_sdk import Tap

from sandbox.core import SandboxApp
from tapkit.ratelimit import reset_limiters
from tapkit.tap import failure_line
from tapkit.testing import SyncResult, catalog_selecting

#: The echo kinds of sandbox/core.py, each as the fault that stops the run (401 or 302):
#: what the user then reads is the one error line.
FATAL_ECHOES: dict[str, dict[str, t.Any]] = {
    "body-json": {"kind": "echo_body", "status": 401, "format": "json"},
    "body-html": {"kind": "echo_body", "status": 401, "format": "html"},
    "header": {"kind": "echo_header", "status": 401, "header": "WWW-Authenticate"},
    "redirect": {"kind": "echo_redirect", "status": 302},
    # The echo starts 270 characters in: a message cut at 300 characters would show
    # the first part of the credential unless it is redacted before the cut.
    "body-json-cut": {"kind": "echo_body", "status": 401, "format": "json", "pad": 270},
    "body-html-cut": {"kind": "echo_body", "status": 401, "format": "html", "pad": 250},
}
#: The same echoes once, on a retried answer: the run logs a retry line, then recovers and
#: writes records and STATE (which must not carry the secret either).
RECOVERED_ECHOES: dict[str, dict[str, t.Any]] = {
    "body-json-503": {"kind": "echo_body", "status": 503, "format": "json"},
    "body-html-502": {"kind": "echo_body", "status": 502, "format": "html"},
    "body-html-200": {"kind": "echo_body", "status": 200, "format": "html"},
    "body-json-429": {"kind": "echo_body", "status": 429, "format": "json", "retry_after": 0},
    "header-deprecation": {"kind": "echo_header", "status": 503, "header": "Deprecation"},
}
#: (A header echo is never quoted by a message today, except LiveChat's lifecycle headers,
#: so those tests guard against a change that starts logging headers.)
#: Echoes whose content the tap's message quotes (the body's text, the Location): the
#: output must show the redaction mark where the secret was.
QUOTED = {
    "body-json",
    "body-html",
    "redirect",
    "body-json-cut",
    "body-html-cut",
    "body-json-503",
    "body-html-502",
    "body-json-429",
}


#: A secret's first or last this many characters count as a leak too (a cut message).
PART = 8


def forms_of(secret: str) -> list[str]:
    """Every form of ``secret`` that must not appear in the output, and its first and
    last :data:`PART` characters (what a message cut mid-secret would show)."""
    forms = {
        secret[:PART],
        secret[-PART:],
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        html.escape(secret),
        base64.b64encode(secret.encode()).decode(),
    }
    return sorted(f for f in forms if len(f) >= 4)


@dataclass
class Credential:
    """One credential setting of one tap, and how the simulator is built to accept it."""

    label: str
    tap_cls: type[Tap]
    script: str
    build: t.Callable[[], SandboxApp]
    config: t.Callable[[str], dict[str, t.Any]]
    streams: list[str]
    #: setting name -> value that must never show
    secrets: dict[str, str]
    #: further forms that must never show (a Basic pair's base64)
    extra_forms: dict[str, str] = field(default_factory=dict)

    def forbidden(self) -> list[tuple[str, str]]:
        out = [(name, form) for name, value in self.secrets.items() for form in forms_of(value)]
        out += list(self.extra_forms.items())
        return out


def assert_clean(credential: Credential, text: str, where: str) -> None:
    for name, form in credential.forbidden():
        if form in text:
            # The value itself is not printed: the failure names the setting.
            pytest.fail(f"{credential.label}: a form of `{name}` appears in {where}")


@dataclass
class Outcome:
    text: str
    records: int
    error: BaseException | None = None
    returncode: int | None = None


def run_in_process(
    credential: Credential, url: str, app: SandboxApp, fault: dict[str, t.Any], caplog: t.Any
) -> Outcome:
    """Sync with ``fault`` queued; every log record, the error, its console line, every
    RECORD and STATE are returned as one text."""
    config = credential.config(url)
    catalog = catalog_selecting(credential.tap_cls(config=config), credential.streams)
    app.faults.add(**fault)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        result = _sync(credential, config, catalog)
    parts = [r.getMessage() for r in caplog.records]
    parts += [
        "".join(str(a) for a in (r.exc_info[1].args if r.exc_info and r.exc_info[1] else ()))
        for r in caplog.records
    ]
    if result.error is not None:
        parts += [str(result.error), repr(result.error)]
        parts.append(failure_line(credential.tap_cls, result.error) or "")
    parts += [json.dumps(m) for m in result.messages]
    records = sum(len(rows) for rows in result.records.values())
    return Outcome("\n".join(parts), records, result.error)


def _sync(
    credential: Credential, config: dict[str, t.Any], catalog: dict[str, t.Any]
) -> SyncResult:
    """A sync with a catalog discovered beforehand (as Meltano runs it): a fault queued
    after discovery meets the sync's own first request."""
    reset_limiters()
    buf = io.StringIO()
    result = SyncResult()
    try:
        with contextlib.redirect_stdout(buf):
            credential.tap_cls(config=config, catalog=catalog).sync_all()
    except Exception as exc:
        result.error = exc
    result.messages = [json.loads(x) for x in buf.getvalue().splitlines() if x.startswith("{")]
    return result


def run_console(
    credential: Credential, url: str, app: SandboxApp, fault: dict[str, t.Any], tmp: Path
) -> Outcome:
    """Run the console script with ``fault`` queued; its stdout and stderr as one text."""
    config = credential.config(url)
    catalog = catalog_selecting(credential.tap_cls(config=config), credential.streams)
    (tmp / "config.json").write_text(json.dumps(config))
    (tmp / "catalog.json").write_text(json.dumps(catalog))
    app.faults.add(**fault)
    exe = Path(sys.executable).parent / credential.script
    proc = subprocess.run(
        [str(exe), "--config", str(tmp / "config.json"), "--catalog", str(tmp / "catalog.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    records = proc.stdout.count('"type":"RECORD"') + proc.stdout.count('"type": "RECORD"')
    return Outcome(proc.stdout + "\n" + proc.stderr, records, returncode=proc.returncode)


def check_fatal(credential: Credential, name: str, outcome: Outcome, app: SandboxApp) -> None:
    """The echo fired, the run stopped with its one line, and no form of a secret shows."""
    kind = FATAL_ECHOES[name]["kind"]
    assert app.faults.injected[kind] >= 1, "the echo never fired"
    assert_clean(credential, outcome.text, f"the output of a run under the {name} echo")
    if outcome.returncode is not None:
        assert outcome.returncode == 1
        assert f"{credential.tap_cls.name} failed:" in outcome.text
    else:
        assert outcome.error is not None
    if name in QUOTED:
        assert "***" in outcome.text, "the echo did not reach the message (test is blind)"
    assert outcome.records == 0


def check_recovered(credential: Credential, name: str, outcome: Outcome, app: SandboxApp) -> None:
    """The echo fired once, the run finished with records, and no form of a secret shows."""
    kind = RECOVERED_ECHOES[name]["kind"]
    assert app.faults.injected[kind] == 1, "the echo never fired"
    assert outcome.error is None, f"the run failed: {type(outcome.error).__name__}"
    assert outcome.records > 0
    assert_clean(credential, outcome.text, f"the output of a run under the {name} echo")
    if name in QUOTED:
        assert "***" in outcome.text, "the echo did not reach the message (test is blind)"


@contextlib.contextmanager
def served(credential: Credential) -> t.Iterator[tuple[SandboxApp, str]]:
    """The simulator built to accept ``credential``, on a local port."""
    from sandbox.core import serve

    app = credential.build()
    with serve(app) as url:
        yield app, url


def fatal_cases(credentials: list[Credential]) -> list[t.Any]:
    return [
        pytest.param(c, name, id=f"{c.label.split()[-1]}-{name}")
        for c in credentials
        for name in sorted(FATAL_ECHOES)
    ]


def recovered_cases(credentials: list[Credential]) -> list[t.Any]:
    return [
        pytest.param(c, name, id=f"{c.label.split()[-1]}-{name}")
        for c in credentials
        for name in sorted(RECOVERED_ECHOES)
    ]


def leak_tests(credentials: list[Credential]) -> tuple[t.Any, t.Any, t.Any]:
    """The three leak checks of a vendor's credentials (its test module binds them to
    ``test_*`` names): a fatal echo in-process and through the console script, and a
    retried echo after which the run recovers."""

    @pytest.mark.parametrize(("credential", "name"), fatal_cases(credentials))
    def in_process(credential: Credential, name: str, caplog: t.Any) -> None:
        with served(credential) as (app, url):
            outcome = run_in_process(credential, url, app, FATAL_ECHOES[name], caplog)
        check_fatal(credential, name, outcome, app)

    @pytest.mark.parametrize(("credential", "name"), fatal_cases(credentials))
    def from_console(credential: Credential, name: str, tmp_path: Path) -> None:
        with served(credential) as (app, url):
            outcome = run_console(credential, url, app, FATAL_ECHOES[name], tmp_path)
        check_fatal(credential, name, outcome, app)

    @pytest.mark.parametrize(("credential", "name"), recovered_cases(credentials))
    def retried(credential: Credential, name: str, caplog: t.Any) -> None:
        with served(credential) as (app, url):
            outcome = run_in_process(credential, url, app, RECOVERED_ECHOES[name], caplog)
        check_recovered(credential, name, outcome, app)

    return in_process, from_console, retried
