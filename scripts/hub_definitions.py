"""Write (or check) the taps' plugin definitions in the Meltano Hub's format.

    python scripts/hub_definitions.py          # write plugins/extractors/<tap>--<variant>.yml
    python scripts/hub_definitions.py --check  # exit 1 if a shipped file is out of date

Each definition is built from what the tap itself advertises (`<tap> --about --format json`:
every setting, its JSON-schema type, title, description, default, secret flag) and from the
project's declaration in meltano/<tap>.meltano.yml (capabilities, the alternative
credentials in `settings_group_validation`, the labels of `options` settings). A new
project adds a tap with

    meltano add --plugin-type extractor tap-lexer-activity \
        --from-ref plugins/extractors/tap-lexer-activity--cs-analytics.yml
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tomllib
import typing as t
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "plugins" / "extractors"
VARIANT = "cs-analytics"

#: tap -> (label, description, docs page, keywords)
TAPS: dict[str, tuple[str, str, str, list[str]]] = {
    "tap-lexer-activity": (
        "Lexer Activity",
        "Lexer Activity API: users, groups, forms, activity reports and the CSV exports",
        "docs/tap-lexer-activity.md",
        ["api", "customer service", "lexer", "meltano_sdk"],
    ),
    "tap-livechat-reports": (
        "LiveChat Reports",
        "LiveChat Reports API v3.6: chats, agents, tags and stats reports",
        "docs/tap-livechat-reports.md",
        ["api", "customer service", "livechat", "meltano_sdk"],
    ),
    "tap-analytics": (
        "Dixa Analytics",
        "Dixa Analytics API: metrics and records by day",
        "docs/tap-analytics.md",
        ["api", "customer service", "dixa", "meltano_sdk"],
    ),
    "tap-agentactivity": (
        "LivePerson Agent Activity",
        "LivePerson agent activity (Operational Realtime API) in 5-minute intervals",
        "docs/tap-agentactivity.md",
        ["api", "customer service", "liveperson", "meltano_sdk"],
    ),
}

#: Meltano kind of a JSON-schema type. Numbers are `string`: Meltano cannot pass its
#: `decimal` kind from environment variables; the taps read numeric strings as numbers.
KIND_OF_TYPE = {
    "boolean": "boolean",
    "integer": "integer",
    "number": "string",
    "array": "array",
    "object": "object",
    "string": "string",
}


def project() -> dict[str, t.Any]:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def repository() -> str:
    return str(project()["urls"]["Repository"])


def about(tap: str) -> dict[str, t.Any]:
    exe = Path(sys.executable).parent / tap
    out = subprocess.run(
        [str(exe), "--about", "--format", "json"], capture_output=True, text=True, check=True
    ).stdout
    return t.cast("dict[str, t.Any]", json.loads(out))


def declared(tap: str) -> dict[str, t.Any]:
    doc = yaml.safe_load((ROOT / "meltano" / f"{tap}.meltano.yml").read_text())
    (plugin,) = [p for p in doc["plugins"]["extractors"] if p["name"] == tap]
    return t.cast("dict[str, t.Any]", plugin)


def json_types(prop: t.Mapping[str, t.Any]) -> set[str]:
    kind = prop.get("type", [])
    return ({kind} if isinstance(kind, str) else set(kind)) - {"null"}


def kind(prop: t.Mapping[str, t.Any], *, options: bool = False) -> str:
    """The Meltano setting kind for a JSON-schema property."""
    if options or prop.get("enum"):
        return "options"
    types = json_types(prop)
    if prop.get("format") == "date-time" and types == {"string"}:
        return "date_iso8601"
    if len(types) != 1:
        return "string"
    return KIND_OF_TYPE[types.pop()]


def setting(
    name: str, prop: t.Mapping[str, t.Any], mine: t.Mapping[str, t.Any] | None
) -> dict[str, t.Any]:
    options = (mine or {}).get("options")
    out: dict[str, t.Any] = {
        "name": name,
        "kind": kind(prop, options=bool(options or prop.get("enum"))),
        "label": prop.get("title") or name.replace("_", " ").capitalize(),
        "description": prop.get("description") or (mine or {}).get("description", ""),
    }
    if prop.get("secret"):
        out["sensitive"] = True
    if "default" in prop and prop["default"] is not None:
        out["value"] = prop["default"]
    if options:
        out["options"] = options
    elif prop.get("enum"):
        out["options"] = [{"label": str(v).capitalize(), "value": v} for v in prop["enum"]]
    return out


def definition(tap: str) -> dict[str, t.Any]:
    label, description, docs, keywords = TAPS[tap]
    info = about(tap)
    mine = declared(tap)
    mine_settings = {s["name"]: s for s in mine.get("settings", [])}
    repo = repository()
    out: dict[str, t.Any] = {
        "name": tap,
        "namespace": mine["namespace"],
        "variant": VARIANT,
        "label": label,
        "description": description,
        "docs": f"{repo}/blob/main/{docs}",
        "repo": repo,
        "pip_url": project()["name"],
        "executable": tap,
        "keywords": keywords,
        "maintenance_status": "active",
        "capabilities": sorted(mine["capabilities"]),
        "settings_group_validation": mine.get("settings_group_validation", []),
        "settings": [
            setting(name, prop, mine_settings.get(name))
            for name, prop in info["settings"]["properties"].items()
        ],
    }
    return out


def path_of(tap: str) -> Path:
    return OUT / f"{tap}--{VARIANT}.yml"


HEADER = (
    "# Meltano Hub plugin definition, generated by scripts/hub_definitions.py from the tap's\n"
    "# --about and meltano/{tap}.meltano.yml: do not edit by hand.\n"
    "# meltano add --plugin-type extractor {tap} --from-ref <this file>\n"
)


def render(tap: str) -> str:
    body = yaml.safe_dump(definition(tap), sort_keys=False, allow_unicode=True, width=100)
    return HEADER.format(tap=tap) + body


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if a file is out of date")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    stale = []
    for tap in TAPS:
        text = render(tap)
        path = path_of(tap)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(text)
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print(
            f"out of date (run python scripts/hub_definitions.py): {', '.join(stale)}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
