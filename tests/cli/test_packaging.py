"""The version has one source (pyproject.toml) and every way of starting a tap reports it;
`python -m <package>` runs the tap; the licence and changelog ship with the project."""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tapkit.tap import DISTRIBUTION

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TAPS = {
    "tap-lexer-activity": "tap_lexer_activity",
    "tap-livechat-reports": "tap_livechat_reports",
    "tap-analytics": "tap_analytics",
    "tap-agentactivity": "tap_agentactivity",
}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _out(cmd: list[str]) -> str:
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout + proc.stderr


@pytest.mark.parametrize(("tap", "package"), sorted(TAPS.items()))
def test_version_comes_from_pyproject_through_every_entry_point(tap: str, package: str) -> None:
    version = _pyproject()["project"]["version"]
    # The installed distribution's metadata, which the SDK reads (KitTap.package_name).
    assert importlib.metadata.version(DISTRIBUTION) == version
    sdk = importlib.metadata.version("singer-sdk")
    for cmd in ([str(BIN / tap)], [sys.executable, "-m", package]):
        line = _out([*cmd, "--version"]).strip().splitlines()[-1]
        assert line == f"{tap} v{version}, Meltano SDK v{sdk}", line
        about = json.loads(_out([*cmd, "--about", "--format", "json"]))
        assert about["name"] == tap
        assert about["version"] == version


def test_the_console_scripts_are_the_four_taps() -> None:
    scripts = _pyproject()["project"]["scripts"]
    for tap, package in TAPS.items():
        assert scripts[tap] == f"{package}.tap:main"
        assert (ROOT / package / "__main__.py").is_file()


def test_license_is_the_apache_2_text_pyproject_declares() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "Apache-2.0"
    assert "LICENSE" in project["license-files"]
    text = (ROOT / "LICENSE").read_text()
    assert "Apache License" in text and "Version 2.0, January 2004" in text
    assert "TERMS AND CONDITIONS FOR USE, REPRODUCTION, AND DISTRIBUTION" in text
    assert "END OF TERMS AND CONDITIONS" in text
    assert len(re.findall(r"^\s+\d+\. [A-Z]", text, re.M)) >= 9  # sections 1..9


def test_changelog_has_the_current_version_on_top() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    versions = re.findall(r"^## \[(\d+\.\d+\.\d+)\]", text, re.M)
    assert versions[:2] == ["0.2.0", "0.1.0"]
    current = _pyproject()["project"]["version"]
    # The version in pyproject is the top entry or a pre-release of it (0.2.0.devN).
    assert current == versions[0] or current.startswith(versions[0] + ".dev")
