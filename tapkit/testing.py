"""Helpers for tests and benchmarks: run a tap in-process and collect its Singer messages."""

from __future__ import annotations

import contextlib
import io
import json
import typing as t
from collections import defaultdict
from dataclasses import dataclass, field

from singer_sdk import Tap

from tapkit.ratelimit import reset_limiters


@dataclass
class SyncResult:
    messages: list[dict[str, t.Any]] = field(default_factory=list)
    error: BaseException | None = None

    @property
    def records(self) -> dict[str, list[dict[str, t.Any]]]:
        out: dict[str, list[dict[str, t.Any]]] = defaultdict(list)
        for msg in self.messages:
            if msg["type"] == "RECORD":
                out[msg["stream"]].append(msg["record"])
        return out

    @property
    def schemas(self) -> dict[str, dict[str, t.Any]]:
        return {m["stream"]: m for m in self.messages if m["type"] == "SCHEMA"}

    @property
    def states(self) -> list[dict[str, t.Any]]:
        return [m["value"] for m in self.messages if m["type"] == "STATE"]

    @property
    def final_state(self) -> dict[str, t.Any] | None:
        states = self.states
        return states[-1] if states else None


def catalog_selecting(tap: Tap, streams: t.Iterable[str]) -> dict[str, t.Any]:
    """The tap's discovered catalog with only ``streams`` selected."""
    wanted = set(streams)
    catalog = tap.catalog_dict
    for entry in catalog["streams"]:
        chosen = entry["tap_stream_id"] in wanted
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = chosen
    return catalog


def run_sync(
    tap_cls: type[Tap],
    config: dict[str, t.Any],
    *,
    state: dict[str, t.Any] | None = None,
    streams: t.Iterable[str] | None = None,
    raise_errors: bool = True,
    fresh_limiters: bool = True,
) -> SyncResult:
    """Run a full sync in-process; returns every message written (even on failure)."""
    if fresh_limiters:
        reset_limiters()
    catalog = None
    if streams is not None:
        catalog = catalog_selecting(tap_cls(config=config, validate_config=True), streams)
    buf = io.StringIO()
    result = SyncResult()
    try:
        with contextlib.redirect_stdout(buf):
            tap = tap_cls(config=config, state=state, catalog=catalog)
            tap.sync_all()
    except Exception as exc:
        result.error = exc
        if raise_errors:
            raise
    finally:
        for line in buf.getvalue().splitlines():
            line = line.strip()
            if line.startswith("{"):
                result.messages.append(json.loads(line))
    return result


def keys_of(records: t.Iterable[dict[str, t.Any]], key_props: t.Sequence[str]) -> list[tuple]:
    return [tuple(r.get(k) for k in key_props) for r in records]


class Warehouse:
    """What a target holds after every run of a test: an upsert by each stream's key
    (as target-postgres and target-duckdb do), and a row that arrives with
    ``_sdc_deleted_at`` set is deleted (target-duckdb's ``hard_delete``; on
    target-postgres it stays with the column set, and readers filter it out).

    Tests load every run's output in order and compare :meth:`rows` with the truth of
    the last run: what the warehouse holds, not what the messages said.
    """

    def __init__(self) -> None:
        self.tables: dict[str, dict[tuple[t.Any, ...], dict[str, t.Any]]] = defaultdict(dict)
        self.keys: dict[str, list[str]] = {}
        self.deleted: dict[str, int] = defaultdict(int)

    def load(self, result: SyncResult) -> Warehouse:
        from tapkit.schema import DELETED_AT

        for msg in result.messages:
            if msg["type"] == "SCHEMA":
                keys = list(msg.get("key_properties") or [])
                if not keys:
                    msg_ = f"stream {msg['stream']} has no key: a target cannot upsert it"
                    raise AssertionError(msg_)
                self.keys[msg["stream"]] = keys
            elif msg["type"] == "RECORD":
                stream, record = msg["stream"], msg["record"]
                key = tuple(record.get(k) for k in self.keys[stream])
                if any(part is None for part in key):
                    raise AssertionError(f"{stream}: a key column is null in {record}")
                if record.get(DELETED_AT):
                    self.deleted[stream] += self.tables[stream].pop(key, None) is not None
                else:
                    self.tables[stream][key] = record
        return self

    def rows(self, stream: str) -> list[dict[str, t.Any]]:
        return list(self.tables[stream].values())
