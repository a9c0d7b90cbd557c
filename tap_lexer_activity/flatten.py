"""How an answer becomes rows, per :attr:`Report.shape` (see tap_lexer_activity.reports).

Aggregate answers become rows (:func:`aggregate_rows`); series answers become buckets
(:func:`series_buckets`) that the series stream places on local days. An answer of
another shape than the docs' raises :class:`Malformed`, which the stream turns into one
clear error: the run stops rather than load partial data.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Callable
from dataclasses import dataclass

from tap_lexer_activity.reports import Report

#: ``user_volume``'s team-wide rows: the ``user_id`` of the whole team.
TEAM = "all"


class Malformed(Exception):
    """An answer (or part of one) that is not what the docs show."""

    def __init__(self, body: t.Any, expected: str) -> None:
        super().__init__(expected)
        self.body = body
        self.expected = expected


@dataclass(frozen=True)
class Bucket:
    """One bucket of a series answer: its dimensions, the API's label, its fields."""

    dims: tuple[tuple[str, t.Any], ...]
    label: dt.datetime
    fields: dict[str, t.Any]


def id_text(value: t.Any) -> str | None:
    """An agent id as text (the docs send it as a number in one report, text in another);
    a missing one stays None so the key check stops the run instead of loading "None"."""
    return None if value is None or value == "" else str(value)


def aggregate_rows(
    report: Report, body: t.Any, base: t.Mapping[str, t.Any]
) -> list[dict[str, t.Any]]:
    """The rows of one window's answer, each starting from ``base`` (the window)."""
    if report.shape == "object":
        if not isinstance(body, dict):
            raise Malformed(body, "an object")
        return [{**base, **body}]
    if not isinstance(body, list):
        raise Malformed(body, "a list")
    if report.shape == "user_volume":
        return [row for item in body for row in user_volume_rows(item, base)]
    rows = [{**base, **item} for item in body]
    for row in rows:
        for name in report.text_ids:
            row[name] = id_text(row.get(name))
    return rows


def user_volume_rows(item: t.Any, base: t.Mapping[str, t.Any]) -> list[dict[str, t.Any]]:
    """``user_volume`` is documented with two shapes under one type: team-wide totals
    per state (``[{"state", "volume"}]``) and per-agent ``states`` maps. Both become rows
    keyed (window, user_id, state), with ``user_id = "all"`` for the team-wide shape."""
    if isinstance(item.get("states"), dict):
        return [
            {
                **base,
                "user_id": id_text(item.get("user_id")),
                "first_name": item.get("first_name"),
                "last_name": item.get("last_name"),
                "state": state,
                "volume": volume,
            }
            for state, volume in item["states"].items()
        ]
    if "state" in item:
        return [{**base, "user_id": TEAM, "state": item["state"], "volume": item.get("volume")}]
    raise Malformed(item, "a state row or an agent with `states`")


def series_buckets(
    report: Report, body: t.Any, offset: dt.tzinfo, warn: Callable[[str], None]
) -> list[Bucket]:
    """The buckets of a series answer; labels without an offset are in ``offset``."""
    if report.shape == "nps_volume":
        return nps_volume_buckets(body)
    return date_range_buckets(report, body, offset, warn)


def date_range_buckets(
    report: Report, body: t.Any, offset: dt.tzinfo, warn: Callable[[str], None]
) -> list[Bucket]:
    """``{"<series>": [{"value", "date_range": {"date_from"}}]}``, labels
    ``"YYYY-MM-DD HH:MM"`` in the request's offset."""
    if not isinstance(body, dict):
        raise Malformed(body, "an object of series")
    out = []
    for key, items in body.items():
        if report.series_key is not None and key != report.series_key:
            warn(f"ignoring series '{key}' (the docs name only '{report.series_key}')")
            continue
        if not isinstance(items, list):
            raise Malformed(items, "a list of buckets")
        for item in items:
            try:
                text = item["date_range"]["date_from"]
                naive = dt.datetime.strptime(text, "%Y-%m-%d %H:%M")
            except (KeyError, TypeError, ValueError):
                raise Malformed(item, "a bucket with date_range.date_from") from None
            if "value" not in item:  # a bucket without its number is not a zero
                raise Malformed(item, "a bucket with a `value`")
            dims: tuple[tuple[str, t.Any], ...] = ()
            if report.series_key is None:
                if item.get("state", key) != key:
                    raise Malformed(item, f"a bucket of state '{key}'")
                dims = (("state", key),)
            out.append(
                Bucket(dims, naive.replace(tzinfo=offset), {report.value_column: item["value"]})
            )
    return out


def nps_volume_buckets(body: t.Any) -> list[Bucket]:
    """``[{"date", "timestamp", "data"}]``, one bucket per day, ``date`` with its offset."""
    if not isinstance(body, list):
        raise Malformed(body, "a list of daily buckets")
    out = []
    for item in body:
        try:
            label = dt.datetime.fromisoformat(str(item["date"]).replace("Z", "+00:00"))
        except (KeyError, TypeError, ValueError):
            raise Malformed(item, "a bucket with `date`") from None
        if label.tzinfo is None:
            raise Malformed(item, "a `date` with its UTC offset")
        data = item.get("data")
        if not isinstance(data, dict):
            raise Malformed(item, "a bucket with `data`")
        out.append(Bucket((), label, {"timestamp": item.get("timestamp"), **data}))
    return out


def dst_day_fields(
    report: Report, row: t.Mapping[str, t.Any], mark: dt.datetime
) -> dict[str, t.Any]:
    """Fields of a DST-change day computed from its summed ``measures``.

    ``nps_volume``: ``nps_score`` = (promoters - detractors) / received x 100, as the
    docs' NPS Summary sample computes it (9, 2, 12 -> 58.33), 0.0 with none received; its
    ``timestamp`` is the day's own label instant ``mark`` (its local midnight, or the
    next one under end labels), not the 24-hour bucket's. Other reports: none.
    """
    if report.shape != "nps_volume":
        return {}
    received = row.get("total_received") or 0
    score = (row["total_promoters"] - row["total_detractors"]) / received * 100 if received else 0.0
    return {"nps_score": score, "timestamp": int(mark.timestamp())}
