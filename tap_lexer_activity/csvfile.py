"""The export files: a CSV byte stream decoded as it arrives, and the columns and id of
its rows (see docs/lexer-exports.md).

Bytes -> incremental UTF-8 (BOM dropped) -> lines -> ``csv.reader``: memory does not grow
with the file.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
import typing as t
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tap_lexer_activity.reports import BY_NAME
from tapkit import TapError

EXTRA = "extra_columns"
ID_SETTING = "export_id_columns"

# A free-text field may be long (notes); the csv module's default cap is 128 KiB.
csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))


# -- streaming CSV ----------------------------------------------------------------------


def iter_lines(chunks: Iterable[bytes], encoding: str = "utf-8-sig") -> Iterator[str]:
    """Decode byte chunks incrementally and yield lines with their ``\\n`` kept.

    Only ``\\n`` splits: ``csv.reader`` then joins the lines of a quoted field itself (a
    ``\\r`` or other Unicode line break inside a field is left alone). A UTF-8 BOM at the
    start is dropped; a character split across chunks is decoded whole.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""
    for chunk in chunks:
        if not chunk:
            continue
        text = pending + decoder.decode(chunk)
        parts = text.split("\n")
        pending = parts.pop()
        for part in parts:
            yield part + "\n"
    pending += decoder.decode(b"", final=True)
    if pending:
        yield pending


def csv_rows(chunks: Iterable[bytes]) -> Iterator[list[str]]:
    """Rows of a CSV byte stream (the first is the header); blank lines are skipped."""
    for row in csv.reader(iter_lines(chunks)):
        if row:
            yield row


def normalise(header: str) -> str:
    """``"Customer Wait Time (s)"`` -> ``"customer_wait_time_s"``."""
    return re.sub(r"[^0-9a-z]+", "_", header.strip().lower()).strip("_")


def row_hash(parts: t.Sequence[t.Any]) -> str:
    text = json.dumps(list(parts), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


# -- columns and keys -------------------------------------------------------------------


def column_keys(header: t.Sequence[str]) -> list[str]:
    """The ``extra_columns`` key of each column: its header as written; a blank header
    is ``column_<n>`` and a repeated one gets `` (<n>)`` so that every copy is kept."""
    keys: list[str] = []
    used: set[str] = set()
    for index, raw in enumerate(header):
        key = raw if raw.strip() else f"column_{index + 1}"
        while key in used:
            key = f"{key} ({index + 1})"
        used.add(key)
        keys.append(key)
    return keys


@dataclass(frozen=True)
class KeyChoice:
    """Which column of a file gives ``row_key``: ``how`` is ``setting`` or ``detected``
    (``index`` set), ``off`` (the setting says none) or ``absent`` (``reason`` says why)."""

    how: str
    index: int | None = None
    header: str | None = None
    reason: str = ""


def choose_id_column(stream: str, header: t.Sequence[str], configured: str | None) -> KeyChoice:
    """The id column of a file: the configured header (exact, else the one header equal
    to it once normalised), else the one header that looks like the stream's id.
    A configured header that the file lacks raises ``TapError``."""
    if configured is not None:
        if not configured.strip():
            return KeyChoice("off")
        exact = [i for i, h in enumerate(header) if h == configured]
        loose = [i for i, h in enumerate(header) if normalise(h) == normalise(configured)]
        found = exact or loose
        if len(found) != 1:
            shown = ", ".join(repr(h) for h in header)
            problem = "has no such column" if not found else f"has {len(found)} such columns"
            raise TapError(
                f"{ID_SETTING}.{stream} is {configured!r}, but the {stream} file {problem} "
                f"(its columns: {shown[:300]}): set it to the header of the file's id column, "
                'or to "" to key rows by a hash of their content'
            )
        return KeyChoice("setting", found[0], header[found[0]])
    names = BY_NAME[stream].id_candidates if stream in BY_NAME else ()
    hits = [i for i, h in enumerate(header) if normalise(h) in names]
    if len(hits) == 1:
        return KeyChoice("detected", hits[0], header[hits[0]])
    if hits:
        reason = "several columns could be the id (" + ", ".join(repr(header[i]) for i in hits)
        return KeyChoice("absent", reason=reason + ")")
    return KeyChoice("absent", reason="no column of the header looks like an id")
