"""Assertions shared by the fault, state and drift tests."""

from __future__ import annotations

import typing as t

from tapkit.testing import SyncResult


def replication_keys(run: SyncResult) -> dict[str, str]:
    out = {}
    for msg in run.messages:
        if msg["type"] == "SCHEMA" and msg.get("bookmark_properties"):
            out[msg["stream"]] = msg["bookmark_properties"][0]
    return out


def _bookmarks(state: dict[str, t.Any]) -> t.Iterator[tuple[str, str]]:
    for stream, entry in (state.get("bookmarks") or {}).items():
        if entry.get("replication_key_value") is not None:
            yield stream, str(entry["replication_key_value"])
        for part in entry.get("partitions") or []:
            if part.get("replication_key_value") is not None:
                yield stream, str(part["replication_key_value"])


def states_ahead_of_records(
    run: SyncResult, initial_state: dict[str, t.Any] | None = None
) -> list[str]:
    """STATE messages whose bookmark is past every record emitted before them (or past
    the bookmark the run started from): a resume from such a STATE would skip data the
    run never delivered."""
    rep = replication_keys(run)
    highest: dict[str, str] = {}
    for stream, value in _bookmarks(initial_state or {}):
        highest[stream] = max(highest.get(stream, ""), value)
    problems = []
    for msg in run.messages:
        if msg["type"] == "RECORD" and msg["stream"] in rep:
            value = str(msg["record"].get(rep[msg["stream"]]))
            if value > highest.get(msg["stream"], ""):
                highest[msg["stream"]] = value
        elif msg["type"] == "STATE":
            for stream, value in _bookmarks(msg["value"]):
                if stream in rep and value > highest.get(stream, ""):
                    problems.append(
                        f"{stream}: bookmark {value} > last record {highest.get(stream)}"
                    )
    return problems
