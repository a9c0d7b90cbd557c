"""One measured sync, in its own process: ``child.py '<json spec>'``.

The spec names a tap class, its config, the selected stream(s), the message writer
(``simple``: the SDK default; ``msgspec``: ``singer_sdk.contrib.msgspec.MsgSpecWriter``) and
the mode:

* ``tap``: the real tap against a sandbox;
* ``capture``: the real tap, its RECORD payloads saved to ``records_path`` (JSON lines);
* ``floor``: a minimal singer-sdk tap with the same stream schema, keys and replication
  key that emits the captured records from memory (loaded before the clock starts).

Singer messages go to this process's stdout (the parent points it at /dev/null). The
result (records, wall and CPU seconds, peak RSS) is written as JSON to ``result_path``.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import logging
import resource
import sys
import time
import typing as t
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def tap_class(path: str) -> t.Any:
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


def use_writer(cls: t.Any, writer: str) -> None:
    """Set the class's writer explicitly either way (the kit's taps default to msgspec)."""
    if writer == "msgspec":
        from singer_sdk.contrib.msgspec import MsgSpecWriter

        cls.message_writer_class = MsgSpecWriter
    else:
        from singer_sdk.io_base import SingerWriter

        cls.message_writer_class = SingerWriter


class Counter:
    """Wraps a message writer: counts RECORD messages (and saves them when capturing)."""

    def __init__(self, writer: t.Any, capture: t.IO[str] | None) -> None:
        self.writer = writer
        self.capture = capture
        self.records = 0
        self.messages = 0
        self._write = writer.write_message

    def write_message(self, message: t.Any) -> None:
        self.messages += 1
        if getattr(message, "type", None) == "RECORD":
            self.records += 1
            if self.capture is not None:
                self.capture.write(json.dumps(message.record, default=str) + "\n")
        self._write(message)


def log_requests(path: str) -> None:
    """Append every request the tap sends (method, URL, headers, body) to ``path``, for a
    bare ``requests`` loop to replay. Sandbox credentials only."""
    import requests

    send = requests.Session.send
    fh = open(path, "w")

    def logged(self: t.Any, request: t.Any, **kwargs: t.Any) -> t.Any:
        body = request.body.decode() if isinstance(request.body, bytes) else request.body
        entry = {
            "method": request.method,
            "url": request.url,
            "headers": dict(request.headers),
            "body": body,
        }
        fh.write(json.dumps(entry) + "\n")
        fh.flush()
        return send(self, request, **kwargs)

    requests.Session.send = logged  # type: ignore[method-assign]


def floor_tap(spec: dict[str, t.Any], records: list[dict[str, t.Any]]) -> t.Any:
    """A minimal tap: one stream, the real stream's schema/keys, records from memory."""
    from singer_sdk import Stream, Tap
    from singer_sdk import typing as th
    from singer_sdk.helpers.conform import TypeConformanceLevel

    catalog_entry = spec["catalog_entry"]
    schema = catalog_entry["schema"]
    keys = catalog_entry.get("key_properties") or []
    rep_key = catalog_entry.get("replication_key")
    stream_name = catalog_entry["tap_stream_id"]

    class FloorStream(Stream):
        # The same conformance work per record as the real stream (the CSV exports
        # conform their rows themselves and switch the SDK's off).
        TYPE_CONFORMANCE_LEVEL = TypeConformanceLevel[spec.get("conformance") or "RECURSIVE"]
        name = stream_name
        primary_keys = keys
        replication_key = rep_key
        is_sorted = bool(rep_key)
        check_sorted = False

        def get_records(self, context: t.Any) -> t.Iterator[dict[str, t.Any]]:
            yield from records

    class FloorTap(Tap):
        name = "tap-floor"
        config_jsonschema = th.PropertiesList(th.Property("start_date", th.DateTimeType)).to_dict()

        def discover_streams(self) -> list[t.Any]:
            return [FloorStream(tap=self, schema=schema)]

    return FloorTap


def main() -> None:
    spec = json.loads(sys.argv[1])
    logging.disable(logging.WARNING)  # the SDK's metric logs are not the subject
    mode = spec.get("mode", "tap")
    records: list[dict[str, t.Any]] = []
    if mode == "floor":
        with open(spec["records_path"]) as fh:
            records = [json.loads(line) for line in fh]
        cls = floor_tap(spec, records)
        config: dict[str, t.Any] = {}
        catalog = None
    else:
        cls = tap_class(spec["tap"])
        config = spec["config"]
        catalog = spec.get("catalog")
    use_writer(cls, spec.get("writer", "simple"))
    if catalog is None and mode != "floor" and spec.get("streams"):
        from tapkit.testing import catalog_selecting

        probe = cls(config=config)
        wanted = spec["streams"]
        if wanted == "all":
            wanted = [s["tap_stream_id"] for s in probe.catalog_dict["streams"]]
        catalog = catalog_selecting(probe, wanted)
    if mode == "discover":
        Path(spec["catalog_path"]).write_text(json.dumps(catalog))
        Path(spec["result_path"]).write_text(json.dumps({"records": 0}))
        return
    if spec.get("requests_path"):
        log_requests(spec["requests_path"])
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    capture = open(spec["records_path"], "w") if mode == "capture" else None
    try:
        tap = cls(config=config, catalog=catalog) if mode != "floor" else cls(config=config)
        counter = Counter(tap.message_writer, capture)
        tap.message_writer.write_message = counter.write_message
        tap._state_writer._message_writer = tap.message_writer
        wall, cpu = time.perf_counter(), time.process_time()
        tap.sync_all()
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        with contextlib.suppress(Exception):
            sys.stdout.flush()
    finally:
        if capture is not None:
            capture.close()
    result = {
        "label": spec.get("label"),
        "records": counter.records,
        "messages": counter.messages,
        "wall": wall,
        "cpu": cpu,
        "baseline_rss_kb": baseline,
        "peak_rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
    }
    if spec.get("catalog_path"):
        Path(spec["catalog_path"]).write_text(json.dumps(tap.catalog_dict))
    if mode != "floor" and spec.get("streams") and spec["streams"] != "all":
        level = tap.streams[spec["streams"][0]].TYPE_CONFORMANCE_LEVEL
        result["conformance"] = level.name
    Path(spec["result_path"]).write_text(json.dumps(result))


if __name__ == "__main__":
    main()
