"""The docs tell the truth about the commands and settings they show:

* every `meltano ...` command in README.md and docs/*.md parses with the pinned Meltano's
  CLI (its subcommands, options and number of arguments), so no Meltano 3 syntax such as
  `meltano config <tap> set` survives;
* each tap's page has a settings table row for every setting the tap accepts, with the
  tap's own default where the row gives one.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
from meltano.cli import cli as meltano_cli
from singer_sdk.helpers.capabilities import FLATTENING_CONFIG, STREAM_MAPS_CONFIG

from tests.reliability.profiles import PROFILES

ROOT = Path(__file__).resolve().parents[2]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SPAN = re.compile(r"`((?:[A-Z_]+=\S+\s+)*meltano\s[^`]*)`")


def commands(text: str) -> list[str]:
    """`meltano ...` in inline code and in code blocks (continuations joined)."""
    found = [m.group(1) for m in SPAN.finditer(text)]
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].strip()
            match = re.search(r"(?:^|\s)(meltano\s.*)$", line)
            if match and not line.startswith("#"):
                found.append(match.group(1))
    return found


def check(command: str) -> str | None:
    """None if ``command`` parses with Meltano's CLI, else what is wrong."""
    try:
        tokens = shlex.split(command.replace("<", "'<").replace(">", ">'"))
    except ValueError:
        tokens = command.split()
    assert tokens[0] == "meltano"
    cmd: click.Command = meltano_cli
    positional = 0
    tokens = tokens[1:]
    while tokens:
        token = tokens.pop(0)
        if token in ("...", "<", "|") or token.startswith(("$(", ">")):
            return None  # a placeholder or the shell's: the rest is not Meltano's
        if token.startswith("-"):
            name = token.split("=", 1)[0]
            params = [p for p in cmd.params if name in getattr(p, "opts", [])]
            if not params and name != "--help":
                return f"{name} is not an option of `{cmd.name}`"
            if params and not getattr(params[0], "is_flag", False) and "=" not in token:
                if params[0].nargs != 0 and tokens:
                    tokens.pop(0)
            continue
        if isinstance(cmd, click.Group):
            sub = cmd.commands.get(token)
            default = getattr(cmd, "default_cmd_name", None)
            if sub is None and default:
                sub = cmd.commands[default]
                tokens.insert(0, token)
            if sub is None:
                return f"`{token}` is not a subcommand of `{cmd.name}` ({', '.join(cmd.commands)})"
            cmd = sub
            continue
        positional += 1
        if cmd.context_settings.get("allow_interspersed_args") is False:
            return None  # `meltano invoke <plugin> ...`: the rest is the plugin's own
    # A bare group (`meltano schedule`) names the command in prose: nothing to parse.
    args = [p for p in cmd.params if isinstance(p, click.Argument)]
    if not any(a.nargs == -1 for a in args) and positional > sum(a.nargs for a in args):
        return f"`{cmd.name}` takes {sum(a.nargs for a in args)} arguments, got {positional}"
    return None


def test_the_checker_refuses_meltano_3_syntax() -> None:
    assert check("meltano config tap-x set start_date 2026-01-01") is not None
    assert check("meltano config tap-x list") is not None
    assert check("meltano run --no-such-flag tap-x target-y") is not None
    assert check("meltano config list tap-x extra") is not None
    assert check("meltano config set tap-x start_date 2026-01-01") is None
    assert check("meltano config list tap-x") is None
    assert check("meltano --environment prod run --state-id-suffix b job") is None


@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_every_meltano_command_in_the_docs_parses(doc: Path) -> None:
    found = commands(doc.read_text())
    wrong = {c: problem for c in found if (problem := check(c))}
    assert not wrong, wrong


def test_the_readme_shows_meltano_4_config_commands() -> None:
    found = commands((ROOT / "README.md").read_text())
    assert any(c.startswith("meltano config set ") for c in found), found
    assert any(c.startswith("meltano config list ") for c in found), found
    assert len(found) >= 15, found


#: singer-sdk's own settings of the stream-maps and schema-flattening capabilities (the
#: README documents them once for the four taps).
SDK_SETTINGS = {*STREAM_MAPS_CONFIG["properties"], *FLATTENING_CONFIG["properties"]}


def _settings_rows(page: str) -> dict[str, list[str]]:
    section = page.split("## Settings", 1)[1].split("\n## ", 1)[0]
    rows: dict[str, list[str]] = {}
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        cells = [c.strip() for c in line.replace("\\|", "/").strip("|").split("|")]
        for name in re.findall(r"`([a-z_]+)`", cells[0]):
            rows[name] = cells
    return rows


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_each_tap_page_documents_every_setting_with_its_default(name: str) -> None:
    profile = PROFILES[name]
    rows = _settings_rows((ROOT / "docs" / f"{profile.tap}.md").read_text())
    props = {
        k: v
        for k, v in profile.tap_cls.config_jsonschema["properties"].items()
        if k not in SDK_SETTINGS
    }
    assert {"backoff_max_seconds", "max_rate_limit_retries"} <= set(rows)
    missing = sorted(set(props) - set(rows))
    assert not missing, f"docs/{profile.tap}.md has no row for {missing}"
    for setting, spec in props.items():
        cells = rows[setting]
        shown = re.fullmatch(r"`([^`]*)`", cells[2]) if len(cells) > 2 else None
        if shown is None or "default" not in spec or cells[0] != f"`{setting}`":
            continue
        value = spec["default"]
        expected = (
            str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)
        )
        assert shown.group(1) == expected, (
            f"{setting}: the page says {shown.group(1)}, the tap {value}"
        )
