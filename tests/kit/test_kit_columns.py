"""The kit owns its columns: declared once in tapkit.schema, merged into each stream's
schema, never declared again in a stream's file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tapkit.schema import (
    DELETED_AT,
    KIT_COLUMNS,
    WINDOW_COLUMNS,
    KitSchemaError,
    merge_kit_columns,
)

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILES = sorted(ROOT.glob("tap_*/schemas/*.json"))
#: Vendor fields that happen to share a kit column's name (the stream adds no kit column
#: of that name): Lexer's user listing has the user's own `timezone`.
VENDOR_NAMESAKES = {("tap_lexer_activity", "users.json", "timezone")}


def test_there_are_schema_files() -> None:
    assert len(SCHEMA_FILES) >= 30


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: f"{p.parent.parent.name}/{p.name}")
def test_no_schema_file_declares_a_kit_column(path: Path) -> None:
    properties = json.loads(path.read_text())["properties"]
    declared = {
        name
        for name in properties
        if name in KIT_COLUMNS or name == DELETED_AT
        if (path.parent.parent.name, path.name, name) not in VENDOR_NAMESAKES
    }
    assert not declared, f"{path.name} declares kit columns {sorted(declared)}"


def test_merge_puts_kit_columns_first_and_deleted_at_last() -> None:
    merged = merge_kit_columns(
        {"type": "object", "properties": {"agent": {"type": ["string"]}}},
        WINDOW_COLUMNS,
        deleted_at=True,
    )
    assert list(merged["properties"]) == [*WINDOW_COLUMNS, "agent", DELETED_AT]
    assert merged["properties"]["window_start"]["format"] == "date-time"


def test_merge_refuses_a_file_that_declares_a_kit_column() -> None:
    schema = {"properties": {"window_start": {"type": ["string"]}, "agent": {}}}
    with pytest.raises(KitSchemaError, match="window_start, which the kit adds itself"):
        merge_kit_columns(schema, WINDOW_COLUMNS, source="x.json")


def test_merge_does_not_share_definitions_between_streams() -> None:
    one = merge_kit_columns({"properties": {}}, WINDOW_COLUMNS)
    one["properties"]["window_start"]["description"] = "changed"
    two = merge_kit_columns({"properties": {}}, WINDOW_COLUMNS)
    assert two["properties"]["window_start"]["description"] != "changed"


def test_every_tap_stream_schema_has_its_kit_columns() -> None:
    from tap_lexer_activity.tap import TapLexerActivity
    from tap_livechat_reports.tap import TapLivechatReports

    for tap_cls in (TapLexerActivity, TapLivechatReports):
        tap = tap_cls(config={}, validate_config=False)
        for stream in tap.streams.values():
            properties = stream.schema["properties"]
            for name in getattr(stream, "kit_columns", ()):
                assert properties[name] == KIT_COLUMNS[name], (stream.name, name)
