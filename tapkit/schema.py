"""Schemas of the kit's streams: the vendor's fields from a stream's JSON file, plus the
columns the kit itself adds to every row of a kind of stream."""

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


class KitStreamSchema(StreamSchema):
    """The SDK's schema descriptor, with ``_sdc_deleted_at`` added for streams that can
    emit deleted rows (date-window streams whose keys can vanish)."""

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self._merged: dict[str, dict[str, t.Any]] = {}

    def get_stream_schema(self, stream: t.Any, stream_class: type) -> t.Any:
        base = super().get_stream_schema(stream, stream_class)
        if not getattr(stream, "may_emit_deleted_rows", False):
            return base
        name = str(self.key or stream.name)
        merged = self._merged.get(name)
        if merged is None:
            merged = {
                **base,
                "properties": {**base.get("properties", {}), DELETED_AT: DELETED_AT_SCHEMA},
            }
            self._merged[name] = merged
        return merged
