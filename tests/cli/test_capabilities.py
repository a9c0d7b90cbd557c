"""Capabilities: what meltano/*.meltano.yml declares == what `<tap> --about` advertises ==
what this module exercises, for each of the four taps.

Each advertised capability has a test below that runs every tap through it in-process
against its simulator (catalog, discover, state, stream-maps, schema-flattening) or
through its console script (about). `batch`, `activate-version` and `structured-logging`
(singer-sdk defaults) are not advertised: nothing here exercises them.
"""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from tapkit.tap import CAPABILITIES
from tests.reliability.harness import VOLATILE, Run, Served, discover, run, served
from tests.reliability.profiles import PROFILES, Profile

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
NAMES = sorted(PROFILES)

#: capability -> the test of this module that exercises it for every tap.
TESTED = {
    "about": "test_declared_equals_advertised_equals_tested",
    "discover": "test_discover_lists_streams_with_keys_and_schemas",
    "catalog": "test_catalog_selects_what_is_synced",
    "state": "test_state_resumes_from_the_bookmark",
    "stream-maps": "test_stream_map_adds_and_removes_properties",
    "schema-flattening": "test_flattening_leaves_no_nested_value",
}

#: An incremental stream per tap for the state test.
INCREMENTAL = {
    "dixa": "metric_data",
    "lexer": "summary",
    "livechat": "chats_total_chats",
    "liveperson": "agent_activity",
}
#: The stream per tap for the flattening test: one with a nested object where the tap has
#: one (Lexer's CSV exports: extra_columns; Dixa's metric_data: filters).
NESTED = {"dixa": "metric_data", "lexer": "case_details"}
FLATTEN_EXTRA: dict[str, dict[str, t.Any]] = {
    "dixa": {"filters": {"channel": ["EMAIL"]}},
    "lexer": {"export_poll_interval_seconds": 0.005, "export_timeout_seconds": 30},
}


@pytest.fixture(params=NAMES)
def sim(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    profile: Profile = PROFILES[request.param]
    if profile.clock_class is not None and profile.server_now is not None:
        moment = profile.server_now
        monkeypatch.setattr(profile.clock_class, "now", lambda self: moment)
    with served(profile) as s:
        yield s


def _declared(tap: str) -> list[str]:
    doc = yaml.safe_load((ROOT / "meltano" / f"{tap}.meltano.yml").read_text())
    (plugin,) = [p for p in doc["plugins"]["extractors"] if p["name"] == tap]
    return list(plugin["capabilities"])


def _schema(result: Run, stream: str) -> dict[str, t.Any]:
    schemas = result.schemas
    assert stream in schemas, f"no SCHEMA for {stream}: {sorted(schemas)}"
    return schemas[stream]


def _ok(result: Run) -> Run:
    assert result.error is None, f"{result.error!r}\n" + "\n".join(result.logs[-20:])
    return result


@pytest.mark.parametrize("name", NAMES)
def test_declared_equals_advertised_equals_tested(name: str) -> None:
    tap = PROFILES[name].tap
    out = subprocess.run(
        [str(BIN / tap), "--about", "--format", "json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    advertised = json.loads(out.stdout)["capabilities"]
    assert sorted(advertised) == sorted(str(c) for c in CAPABILITIES)
    assert sorted(_declared(tap)) == sorted(advertised)
    assert sorted(TESTED) == sorted(advertised)
    for capability, test in TESTED.items():
        assert callable(globals().get(test)), f"{capability}: no test {test}"


def test_discover_lists_streams_with_keys_and_schemas(sim: Served) -> None:
    catalog = discover(sim.profile.tap_cls, sim.config(), [])
    streams = {s["tap_stream_id"]: s for s in catalog["streams"]}
    assert set(sim.profile.streams) <= set(streams)
    for name, entry in streams.items():
        assert entry["key_properties"], f"{name} has no key"
        assert set(entry["key_properties"]) <= set(entry["schema"]["properties"]), name


def test_catalog_selects_what_is_synced(sim: Served) -> None:
    stream = INCREMENTAL[sim.profile.vendor]
    config = sim.config()
    result = _ok(run(sim.profile.tap_cls, config, discover(sim.profile.tap_cls, config, [stream])))
    assert set(result.records) == {stream}
    assert {m["stream"] for m in result.messages if m["type"] == "SCHEMA"} == {stream}


def test_state_resumes_from_the_bookmark(sim: Served) -> None:
    stream = INCREMENTAL[sim.profile.vendor]
    config = sim.config()
    catalog = discover(sim.profile.tap_cls, config, [stream])
    first = _ok(run(sim.profile.tap_cls, config, catalog))
    state = first.final_state
    assert state and stream in state["bookmarks"], state
    second = _ok(run(sim.profile.tap_cls, config, catalog, state=state))
    key = _schema(first, stream)["bookmark_properties"][0]
    start_first = min(str(r[key]) for r in first.records[stream])
    start_second = min(str(r[key]) for r in second.records[stream])
    # The second run starts from the bookmark (less its lookback), not from start_date.
    assert start_second > start_first


def test_stream_map_adds_and_removes_properties(sim: Served) -> None:
    stream = sim.profile.streams[0]
    config = sim.config()
    catalog = discover(sim.profile.tap_cls, config, [stream])
    (entry,) = [s for s in catalog["streams"] if s["tap_stream_id"] == stream]
    keep = {*entry["key_properties"], entry.get("replication_key"), "_sdc_deleted_at"}
    dropped = next(p for p in entry["schema"]["properties"] if p not in keep)
    maps = {stream: {"source_tap": f"'{sim.profile.tap}'", dropped: None}}
    result = _ok(run(sim.profile.tap_cls, {**config, "stream_maps": maps}, catalog))
    props = _schema(result, stream)["schema"]["properties"]
    assert "source_tap" in props
    assert dropped not in props
    rows = result.records[stream]
    assert rows
    assert all(r["source_tap"] == sim.profile.tap and dropped not in r for r in rows)


def test_flattening_leaves_no_nested_value(sim: Served) -> None:
    name = sim.profile.vendor
    stream = NESTED.get(name, sim.profile.streams[0])
    config = sim.config(**FLATTEN_EXTRA.get(name, {}))
    catalog = discover(sim.profile.tap_cls, config, [stream])
    plain = _ok(run(sim.profile.tap_cls, config, catalog))
    flat_config = {**config, "flattening_enabled": True, "flattening_max_depth": 1}
    flat = _ok(run(sim.profile.tap_cls, flat_config, catalog))

    props = _schema(flat, stream)["schema"]["properties"]
    for column, spec in props.items():
        types = spec.get("type") or []
        assert "object" not in ([types] if isinstance(types, str) else types), column
    plain_rows = plain.records[stream]
    flat_rows = flat.records[stream]
    assert plain_rows and len(flat_rows) == len(plain_rows)
    nested = 0
    for before, after in zip(plain_rows, flat_rows, strict=True):
        assert set(after) <= set(props), set(after) - set(props)
        for column, value in before.items():
            if column in VOLATILE:
                continue
            if isinstance(value, dict):
                nested += 1
                assert json.loads(after[column]) == value, column
            else:
                assert after[column] == value, column
        assert not any(isinstance(v, dict) for v in after.values())
    # Where the tap has a nested object, the test saw it flattened.
    assert nested > 0 if name in NESTED else nested == 0
