"""The streaming CSV reader and the column mapping, without a server."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator

import pytest

from tap_lexer_activity.csvfile import (
    EXTRA,
    choose_id_column,
    column_keys,
    csv_rows,
    iter_lines,
    normalise,
)
from tapkit import TapError

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


def test_every_column_keeps_its_header_as_its_key() -> None:
    keys = column_keys(["Mention ID", "Score", "Form ID", "Score", "", "New Col", "New Col"])
    assert keys == [
        "Mention ID",
        "Score",
        "Form ID",
        "Score (4)",  # a repeated header still lands, under its own name
        "column_5",
        "New Col",
        "New Col (7)",
    ]
    assert EXTRA == "extra_columns"


def test_choose_id_column() -> None:
    header = ["Status", "Case ID", "Mention ID"]
    got = choose_id_column("case_details", header, None)
    assert (got.how, got.index, got.header) == ("detected", 1, "Case ID")
    got = choose_id_column("mention_sla_export", header, None)
    assert (got.how, got.index) == ("detected", 2)
    got = choose_id_column("nps_submissions", header, None)
    assert (got.how, got.index, got.reason) == (
        "absent",
        None,
        "no column of the header looks like an id",
    )
    got = choose_id_column("nps_submissions", header, "status")
    assert (got.how, got.index, got.header) == ("setting", 0, "Status")
    assert choose_id_column("case_details", header, "").how == "off"
    with pytest.raises(TapError, match=r"^export_id_columns\.case_details is 'Ref'.* no such"):
        choose_id_column("case_details", header, "Ref")
    with pytest.raises(TapError, match="has 2 such columns"):
        choose_id_column("case_details", ["case id", "Case ID "], "Case Id")
