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
