"""Schemas of the kit's streams: the vendor's fields from a stream's JSON file, plus the
columns the kit itself adds to rows (declared once here, never in a stream's file).

A stream names the kit columns its rows carry in ``kit_columns`` (a date-window stream:
:data:`WINDOW_COLUMNS`; a stream keyed by the vendor's periods adds
:data:`PERIOD_COLUMNS`; a series of buckets :data:`BUCKET_COLUMNS`). Its schema file
holds only the vendor's fields: :class:`KitStreamSchema` puts the kit columns first and
refuses a file that declares one of them again.
"""

from __future__ import annotations

import typing as t

from singer_sdk import StreamSchema

#: The Singer convention for a row the source no longer has: target-duckdb deletes such
#: rows (``hard_delete``), target-postgres keeps them with the column set.
DELETED_AT = "_sdc_deleted_at"
DELETED_AT_SCHEMA: dict[str, t.Any] = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": (
        "Set (UTC instant) on a row that a later fetch of the same period no longer "
        "lists: the vendor left it out because it fell to zero or its agent/state/tag "
        "is gone. Filter `_sdc_deleted_at IS NULL` where the target keeps such rows."
    ),
}

#: Every column the kit adds to rows, with its one definition.
KIT_COLUMNS: dict[str, dict[str, t.Any]] = {
    "window_start": {
        "type": ["string"],
        "format": "date-time",
        "description": (
            "Start of the request's window (UTC instant of local midnight in `timezone`), "
            "inclusive; the replication key of date-window streams"
        ),
    },
    "window_end": {
        "type": ["string"],
        "format": "date-time",
        "description": "End of the window (UTC instant of a later local midnight), exclusive",
    },
    "window_date": {
        "type": ["string"],
        "format": "date",
        "description": "The (first) local calendar day the window covers, in `timezone`",
    },
    "timezone": {
        "type": ["string"],
        "description": "IANA timezone sent with the request; its midnights bound the window",
    },
    "distribution": {
        "type": ["string"],
        "description": "The request's `distribution` (day or hour): the grain of the period",
    },
    "period": {
        "type": ["string"],
        "description": "The period key as the API sent it (`YYYY-MM-DD` for days)",
    },
    "period_start": {
        "type": ["string"],
        "format": "date-time",
        "description": "Start of the period (UTC instant), inclusive",
    },
    "period_end": {
        "type": ["string"],
        "format": "date-time",
        "description": "End of the period (UTC instant), exclusive",
    },
    "bucket_start": {
        "type": ["string"],
        "format": "date-time",
        "description": "Start of the bucket (UTC instant); the replication key of series streams",
    },
    "bucket_date": {
        "type": ["string"],
        "format": "date",
        "description": "Calendar day of the bucket in the request's UTC offset",
    },
}

#: The window a row was fetched in (every date-window stream).
WINDOW_COLUMNS: tuple[str, ...] = ("window_start", "window_end", "window_date", "timezone")
#: The vendor's period a row describes (reports with a ``distribution``).
PERIOD_COLUMNS: tuple[str, ...] = ("distribution", "period", "period_start", "period_end")
#: The bucket of a series a row describes.
BUCKET_COLUMNS: tuple[str, ...] = ("bucket_start", "bucket_date", "timezone")


class KitSchemaError(ValueError):
    """A stream's schema file declares a column the kit owns."""


def kit_properties(names: t.Iterable[str]) -> dict[str, dict[str, t.Any]]:
    """The kit's definitions of ``names``, in that order (copies: callers may edit)."""
    return {name: dict(KIT_COLUMNS[name]) for name in names}


def merge_kit_columns(
    schema: t.Mapping[str, t.Any],
    names: t.Sequence[str],
    *,
    deleted_at: bool = False,
    source: str = "the schema",
) -> dict[str, t.Any]:
    """``schema`` with the kit columns ``names`` first (and ``_sdc_deleted_at`` last when
    the stream may emit deleted rows). A vendor schema that declares a kit column is a
    mistake in the stream's files, said in one line."""
    properties = dict(schema.get("properties") or {})
    again = [name for name in (*names, DELETED_AT) if name in properties]
    if again:
        msg = (
            f"{source} declares {', '.join(again)}, which the kit adds itself: remove "
            "them from the file (the stream's `kit_columns` names what the kit adds)"
        )
        raise KitSchemaError(msg)
    merged = {**kit_properties(names), **properties}
    if deleted_at:
        merged[DELETED_AT] = DELETED_AT_SCHEMA
    return {**schema, "properties": merged}


class KitStreamSchema(StreamSchema):
    """The SDK's schema descriptor: the stream's file holds the vendor's fields; the kit
    adds the columns named in the stream's ``kit_columns`` and, for streams that can emit
    deleted rows (date-window streams whose keys can vanish), ``_sdc_deleted_at``."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._merged: dict[str, dict[str, t.Any]] = {}

    def get_stream_schema(self, stream: t.Any, stream_class: type) -> t.Any:
        name = str(self.key or stream.name)
        merged = self._merged.get(name)
        if merged is None:
            base = super().get_stream_schema(stream, stream_class)
            merged = merge_kit_columns(
                base,
                tuple(getattr(stream, "kit_columns", ())),
                deleted_at=bool(getattr(stream, "may_emit_deleted_rows", False)),
                source=f"The schema file of stream '{name}'",
            )
            self._merged[name] = merged
        return merged
