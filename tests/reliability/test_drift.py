"""A response whose shape changed: a new field, a missing field, a string where a number
was. The run must go on where no data would be lost (the rows equal a clean run's) and
stop clearly where data would be (an error, no STATE past the delivered rows, and a rerun
once the API is fixed loses nothing). Silently loading other numbers is the one failure."""

from __future__ import annotations

import typing as t

import pytest

from .checks import states_ahead_of_records
from .harness import Served, Table, discover, record, run, secrets_in, table_of, upsert

#: profile -> (path regex, value field) of the report answer that carries the numbers.
VALUE_FIELDS: dict[str, tuple[str, str]] = {
    "lexer": ("/activity/reports", "value"),
    "livechat": ("/reports/chats/total_chats", "total"),
    "dixa": ("/analytics/metrics", "value"),
    "liveperson": ("/agentactivity", "chatting"),
}


#: Findings of this suite, open in the taps (see docs/reliability.md). strict=True: the
#: day a tap is fixed the XPASS fails, and the entry must go.
KNOWN: dict[tuple[str, str], str] = {
    ("livechat", "drop_field"): "tap_livechat_reports chats_total_chats: a missing 'total' "
    "loads window_total NULL and total 0",
}


def _differences(expected: dict[str, Table], got: dict[str, Table]) -> int:
    """Rows of ``expected`` missing from ``got`` or differing on ``expected``'s columns
    (a new column is not a difference)."""
    bad = 0
    for stream, rows in expected.items():
        have = got.get(stream, {})
        for key, row in rows.items():
            other = have.get(key)
            volatile = {"_sdc_extracted_at"}
            if other is None or any(other.get(c) != v for c, v in row.items() if c not in volatile):
                bad += 1
    return bad


@pytest.mark.parametrize(
    ("op", "must_finish"),
    [("add_field", True), ("drop_field", False), ("stringify", False)],
    ids=["new-field", "missing-field", "string-for-number"],
)
def test_changed_response_shape(
    sim: Served, op: str, must_finish: bool, request: pytest.FixtureRequest
) -> None:
    profile = sim.profile
    known = KNOWN.get((profile.vendor, op))
    if known:
        request.applymarker(pytest.mark.xfail(strict=True, reason=known))
    config = sim.config(max_retries=1)
    catalog = discover(profile.tap_cls, config, profile.streams)
    clean = run(profile.tap_cls, config, catalog)
    assert clean.error is None, clean.error
    keys = sim.keys
    expected = table_of(clean, keys)
    path, name = VALUE_FIELDS[sim.profile.vendor]
    if op == "add_field":
        # An undocumented field beside the documented value (the vendor added one).
        sim.app.faults.add(
            "mutate", op=op, field="sentiment", value=0.5, beside=name, path=path, count=10**9
        )
    else:
        sim.app.faults.add("mutate", op=op, field=name, path=path, count=10**9)
    drifted = run(profile.tap_cls, config, catalog)
    fired = sim.app.faults.injected["mutate"]
    assert fired > 0, "the changed answer was never served"
    assert not secrets_in(drifted.text(), profile.secrets(config))
    record(profile.tap, faults_injected=fired, fault_runs=1)
    if drifted.error is None:
        # Going on is only right if every number is still the vendor's.
        diff = _differences(expected, table_of(drifted, keys))
        if diff:
            record(profile.tap, silent_bad_rows=diff, open_findings=1)
        assert diff == 0, f"{op}: the run went on and loaded {diff} rows that differ"
        outcome = "finished"
    else:
        assert not must_finish, f"{op} loses no data but stopped the run: {drifted.error}"
        message = str(drifted.error)
        assert message.strip()
        assert states_ahead_of_records(drifted) == []
        sim.app.faults.clear()
        resumed = run(profile.tap_cls, config, catalog, state=drifted.final_state)
        assert resumed.error is None, resumed.error
        diff = _differences(expected, upsert(table_of(drifted, keys), resumed, keys))
        assert diff == 0, f"{op}: {diff} rows lost after the API was fixed"
        outcome = "stopped"
    record(profile.tap, faults_survived=fired)
    print(f"{profile.tap} {op}: {outcome}")


def test_new_field_reaches_no_schema_surprise(sim: Served) -> None:
    """The added field must not break SCHEMA/RECORD agreement: every record property is
    in its stream's schema (targets reject or drop the rest)."""
    profile = sim.profile
    config = sim.config()
    catalog = discover(profile.tap_cls, config, profile.streams)
    _path, name = VALUE_FIELDS[sim.profile.vendor]
    sim.app.faults.add(
        "mutate", op="add_field", field="sentiment", value=0.5, beside=name, count=10**9
    )
    result = run(profile.tap_cls, config, catalog)
    assert result.error is None, result.error
    schemas: dict[str, t.Any] = {s: m["schema"] for s, m in result.schemas.items()}
    stray = {
        (m["stream"], col)
        for m in result.messages
        if m["type"] == "RECORD"
        for col in m["record"]
        if col not in schemas[m["stream"]].get("properties", {})
    }
    assert not stray, f"record fields missing from the schema: {sorted(stray)[:5]}"
