"""Helpers for the tap-agentactivity tests: configs, true values, table checks."""

from __future__ import annotations

import datetime as dt
import typing as t

import sandbox.liveperson as lp
from sandbox import liveperson_data as data

SEED = 11
SLOT = dt.timedelta(minutes=5)
KEY = ("account_id", "interval_end", "agent_id", "state_id", "away_reason_id")
DURATIONS = ("total", "chatting", "not_chatting", "chatting_in_max_concurrency")


def oauth_config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    config: dict[str, t.Any] = {
        "account_id": lp.DEFAULT_ACCOUNT,
        "api_url": url,
        "consumer_key": lp.CONSUMER_KEY,
        "consumer_secret": lp.CONSUMER_SECRET,
        "access_token": lp.ACCESS_TOKEN,
        "access_token_secret": lp.ACCESS_TOKEN_SECRET,
        "backoff_base_seconds": 0.01,
        "backoff_max_seconds": 0.05,
    }
    config.update(overrides)
    return {k: v for k, v in config.items() if v is not None}


def bearer_config(url: str, **overrides: t.Any) -> dict[str, t.Any]:
    base = oauth_config(url, bearer_token=lp.BEARER_TOKEN)
    for name in ("consumer_key", "consumer_secret", "access_token", "access_token_secret"):
        base.pop(name)
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def slot_starts(first: dt.datetime, stop: dt.datetime) -> list[dt.datetime]:
    out = []
    cursor = first
    while cursor < stop:
        out.append(cursor)
        cursor += SLOT
    return out


def truth_rows(
    first: dt.datetime, stop: dt.datetime, *, reasons: bool = True
) -> dict[tuple, dict[str, int]]:
    """The sandbox's true seconds for every 5-minute slot in ``[first, stop)``, keyed like rows."""
    out: dict[tuple, dict[str, int]] = {}
    for start in slot_starts(first, stop):
        end_iso = (start + SLOT).isoformat()
        for (agent, state, reason), values in data.slot_truth(
            SEED, start, start + SLOT, reasons
        ).items():
            out[(lp.DEFAULT_ACCOUNT, end_iso, agent, state, reason)] = values
    return out


def key_of(row: dict[str, t.Any]) -> tuple:
    return tuple(row[k] for k in KEY)


def upsert(table: dict[tuple, dict[str, t.Any]], rows: t.Iterable[dict[str, t.Any]]) -> None:
    """What a warehouse with primary keys does with the rows."""
    for row in rows:
        table[key_of(row)] = row


def values_of(table: dict[tuple, dict[str, t.Any]]) -> dict[tuple, dict[str, int]]:
    return {k: {c: row[c] for c in DURATIONS} for k, row in table.items()}
