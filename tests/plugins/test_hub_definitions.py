"""The taps' plugin definitions in the Meltano Hub's format (plugins/extractors/): up to
date with the generator, and true to what each tap advertises: every setting the tap
accepts and nothing else, each with the right kind, secrets sensitive and only secrets."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
TAPS = ["tap-lexer-activity", "tap-livechat-reports", "tap-analytics", "tap-agentactivity"]
HUB_KEYS = {
    "name",
    "namespace",
    "variant",
    "pip_url",
    "executable",
    "label",
    "description",
    "docs",
    "repo",
    "keywords",
    "capabilities",
    "settings",
    "settings_group_validation",
}


def about(tap: str) -> dict[str, t.Any]:
    exe = Path(sys.executable).parent / tap
    out = subprocess.run(
        [str(exe), "--about", "--format", "json"], capture_output=True, text=True, check=True
    ).stdout
    return t.cast("dict[str, t.Any]", json.loads(out))


def definition(tap: str) -> dict[str, t.Any]:
    path = ROOT / "plugins" / "extractors" / f"{tap}--cs-analytics.yml"
    return t.cast("dict[str, t.Any]", yaml.safe_load(path.read_text()))


def expected_kind(prop: dict[str, t.Any]) -> set[str]:
    """Kinds that carry a JSON-schema property faithfully through Meltano."""
    types = set(prop["type"] if isinstance(prop["type"], list) else [prop["type"]]) - {"null"}
    if prop.get("format") == "date-time":
        return {"date_iso8601"}
    if types == {"integer"}:
        return {"integer", "options"}
    if types == {"number"}:
        return {"string"}  # Meltano cannot pass `decimal` from env; the taps parse strings
    if types == {"string"}:
        return {"string", "options"}
    if len(types) == 1:
        return {types.pop()}
    return {"string"}


def test_the_shipped_files_are_what_the_generator_writes() -> None:
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "hub_definitions.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("tap", TAPS)
def test_definition_matches_the_tap(tap: str) -> None:
    info = about(tap)
    plugin = definition(tap)
    assert HUB_KEYS <= set(plugin), HUB_KEYS - set(plugin)
    assert plugin["name"] == tap and plugin["executable"] == tap
    assert plugin["pip_url"] == "cs-analytics-taps"
    # Every setting the tap accepts, and nothing else.
    props = info["settings"]["properties"]
    settings = {s["name"]: s for s in plugin["settings"]}
    assert len(settings) == len(plugin["settings"]), "a setting is listed twice"
    assert set(settings) == set(props)
    for name, prop in props.items():
        s = settings[name]
        assert s["kind"] in expected_kind(prop), (name, s["kind"], prop.get("type"))
        assert bool(s.get("sensitive")) is bool(prop.get("secret")), name
        assert s.get("label") and "description" in s, name
        if s["kind"] == "options":
            assert s["options"] and all({"label", "value"} <= set(o) for o in s["options"])
        if "default" in prop and prop["default"] is not None:
            assert s["value"] == prop["default"], name
    # Required settings have no default, and each credential alternative names settings
    # that exist and covers every required one.
    required = set(info["settings"].get("required", []))
    assert all("value" not in settings[r] for r in required)
    groups = plugin["settings_group_validation"]
    assert groups
    for group in groups:
        assert set(group) <= set(settings), group
        assert required <= set(group), (required, group)
    # Capabilities: declared here = declared in the project, each advertised by the tap.
    project = yaml.safe_load((ROOT / "meltano" / f"{tap}.meltano.yml").read_text())
    (mine,) = [p for p in project["plugins"]["extractors"] if p["name"] == tap]
    assert sorted(plugin["capabilities"]) == sorted(mine["capabilities"])
    assert set(plugin["capabilities"]) <= set(info["capabilities"])
    assert plugin["namespace"] == mine["namespace"]


@pytest.mark.parametrize("tap", TAPS)
def test_every_sensitive_setting_of_the_project_is_sensitive_in_the_definition(tap: str) -> None:
    project = yaml.safe_load((ROOT / "meltano" / f"{tap}.meltano.yml").read_text())
    (mine,) = [p for p in project["plugins"]["extractors"] if p["name"] == tap]
    sensitive = {s["name"] for s in mine["settings"] if s.get("sensitive")}
    ours = {s["name"] for s in definition(tap)["settings"] if s.get("sensitive")}
    assert sensitive == ours
