"""The streaming CSV reader and the column mapping, without a server."""

from __future__ import annotations

import csv
import io
import itertools
import typing as t
from collections.abc import Iterator

import pytest

from tap_lexer_activity.exports import (
    EXTRA,
    converter_for,
    csv_rows,
    iter_lines,
    normalise,
    plan_columns,
)

TRICKY = [
    ["Mention ID", "Notes", "Agent Name"],
    ["1", 'He said "hi", then left', "Zoë"],
    ["2", "Line one\r\nLine two, comma\nLine three", "Ana 🙂"],
    ["3", "", ""],
    ["4", "trailing newline\n", "x"],
]


def encode(rows: list[list[str]], *, bom: bool = True) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode()


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64, 100_000])
def test_bom_quoted_newlines_and_multibyte_characters_survive_any_chunking(chunk: int) -> None:
    raw = encode(TRICKY)
    chunks = [raw[i : i + chunk] for i in range(0, len(raw), chunk)]
    assert list(csv_rows(chunks)) == TRICKY


def test_a_file_without_a_final_newline_and_with_blank_lines() -> None:
    raw = b"a,b\r\n1,2\r\n\r\n3,4"
    assert list(csv_rows([raw])) == [["a", "b"], ["1", "2"], ["3", "4"]]


def test_empty_and_header_only_files() -> None:
    assert list(csv_rows([])) == []
    assert list(csv_rows([b""])) == []
    assert list(csv_rows([b"\xef\xbb\xbfa,b\r\n"])) == [["a", "b"]]


def test_lines_split_only_on_line_feed() -> None:
    text = "a\x1cb\rc\u2028d\ne"
    assert list(iter_lines([text.encode()])) == ["a\x1cb\rc\u2028d\n", "e"]


def test_rows_are_read_lazily_from_an_endless_stream() -> None:
    def endless() -> Iterator[bytes]:
        yield b"id,notes\r\n"
        for n in itertools.count():
            yield f'{n},"note\n{n}"\r\n'.encode()

    first = list(itertools.islice(csv_rows(endless()), 1001))
    assert first[0] == ["id", "notes"]
    assert first[-1] == ["999", "note\n999"]


def test_invalid_utf8_raises() -> None:
    with pytest.raises(UnicodeDecodeError):
        list(csv_rows([b"a,b\r\n\xff\xfe,1\r\n"]))


def test_normalise_headers() -> None:
    assert normalise("Customer Wait Time (s)") == "customer_wait_time_s"
    assert normalise("  Mention ID ") == "mention_id"
    assert normalise("%") == ""


DECLARED: dict[str, dict[str, t.Any]] = {
    "mention_id": {"type": ["string", "null"]},
    "score": {"type": ["integer", "null"]},
    "csv_form_id": {"type": ["integer", "null"]},
}


def test_columns_map_to_declared_properties_or_the_catch_all() -> None:
    plan = plan_columns(
        ["Mention ID", "Score", "Form ID", "Score", "", "New Col", "New Col"], DECLARED
    )
    assert [(c.prop, c.key) for c in plan] == [
        ("mention_id", "Mention ID"),
        ("score", "Score"),
        ("csv_form_id", "Form ID"),  # `form_id` is the tap's own column
        (None, "Score"),  # a repeated header still lands, under its own name
        (None, "column_5"),
        (None, "New Col"),
        (None, "New Col (7)"),
    ]
    assert EXTRA == "extra_columns"


def test_converters_follow_the_schema_type() -> None:
    to_int = converter_for({"type": ["integer", "null"]})
    to_num = converter_for({"type": ["number", "null"]})
    to_bool = converter_for({"type": ["boolean", "null"]})
    to_dt = converter_for({"type": ["string", "null"], "format": "date-time"})
    assert converter_for({"type": ["string", "null"]}) is None
    assert to_int is not None and to_num is not None and to_bool is not None and to_dt is not None
    assert to_int("12") == 12 and to_int("12.0") == 12
    assert to_num("1.5") == 1.5
    assert to_bool("TRUE") is True and to_bool("no") is False
    assert to_dt("2026-10-01T00:51:44Z") == "2026-10-01T00:51:44+00:00"
    assert to_dt("2026-10-01 10:00:00") == "2026-10-01T10:00:00+00:00"
    for convert, bad in ((to_int, "1.5"), (to_num, "nan"), (to_bool, "maybe"), (to_dt, "soon")):
        with pytest.raises(ValueError):
            convert(bad)
