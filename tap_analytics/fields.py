"""Typed record fields: from a record's ``fieldsMetadata`` (plus the ``_type`` seen in a
sample page) to JSON-schema columns, and from a ``MetricRecord`` to a flat row.

Dixa wraps every record value in a typed field (``{"value": 4, "_type": "LongField"}``).
The catalogue's ``fieldsMetadata`` names the fields but not their types, so discovery reads
one sample page to learn each field's ``_type``. A field never seen in the sample becomes a
text column (any primitive is stored as its text). A value whose type does not fit its
column, a field missing from the schema and a field of an undocumented ``_type`` are kept,
never dropped: the first two in ``unmapped_fields``, the last as JSON text in its column.
A number never leaves its column: a whole Double in an integer column loads as that
integer, a fractional one stops the run (the column must be rediscovered as a number).

Every row's key is ``record_key``: :func:`identity` (the record's id field(s), its primary
timestamp and its instant fields, never a label; a hash of the values only where the
record carries no id field), to which the stream adds the day (``window_start``) and
``#n`` for the n-th alike record of a day.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import typing as t

from tapkit.errors import TapError
from tapkit.run import Once
from tapkit.schema import DELETED_AT, DELETED_AT_SCHEMA, WINDOW_COLUMNS, kit_properties

#: ``_type`` -> JSON schema of the unwrapped value (API-FACTS §2.4).
FIELD_TYPES: dict[str, dict[str, t.Any]] = {
    "BooleanField": {"type": ["boolean", "null"]},
    "DoubleField": {"type": ["number", "null"]},
    "InstantField": {"type": ["string", "null"], "format": "date-time"},
    "IntField": {"type": ["integer", "null"]},
    "LongField": {"type": ["integer", "null"]},
    "StringField": {"type": ["string", "null"]},
    "TimestampField": {"type": ["string", "null"], "format": "date-time"},
    "UUIDField": {"type": ["string", "null"]},
}
LIST_TYPE = "ListField"
#: Types whose values carry a human ``label`` (a ``<column>_label`` column).
LABELLED = {"StringField", "UUIDField"}
TEXT: dict[str, t.Any] = {"type": ["string", "null"]}
#: Id fields a record may carry: the docs' record example has ``csid``, the catalogue's
#: ``fieldsMetadata`` names ``conversation_id``; whichever a record has is in its key.
ID_FIELDS = ("id", "csid", "conversation_id")
#: Types whose value is an instant (e.g. ``closed_at``: it tells a second close apart).
INSTANT_TYPES = {"InstantField", "TimestampField"}
RECORD_KEY = "record_key"

#: Columns every record stream has (a field with one of these names gets ``_field``).
FIXED_COLUMNS: dict[str, dict[str, t.Any]] = {
    "record_id": {"type": ["string"], "description": "The Dixa record id of this stream."},
    # The window a row was fetched in: the kit's own columns (tapkit.schema).
    **kit_properties(WINDOW_COLUMNS),
    "primary_timestamp": {
        "type": ["string", "null"],
        "format": "date-time",
        "description": "The record's primaryTimestampField.timestamp.",
    },
    "primary_timestamp_field": {
        "type": ["string", "null"],
        "description": "The record's primaryTimestampField.name.",
    },
    "unmapped_fields": {
        "type": ["object", "null"],
        "properties": {},
        "additionalProperties": True,
        "description": "Raw typed fields that have no column or did not fit their column's type.",
    },
    RECORD_KEY: {
        "type": ["string"],
        "description": (
            "The record's identity: its id field(s) (csid, conversation_id, id), primary "
            "timestamp and instant fields, never a label (a SHA-256 of its values where it "
            "has no id field), then its day (window_start); '#n' marks the n-th identical "
            "record of a day."
        ),
    },
    "value": {
        "type": ["string", "null"],
        "description": "The record's own value (MetricRecord.value).",
    },
}
RESERVED = set(FIXED_COLUMNS) | {"value_label", DELETED_AT}


@functools.lru_cache(maxsize=4096)
def column_name(field: str) -> str:
    """The column of a field: lower snake case; ``_field`` appended on a clash.

    Cached: every record names the same few fields, and the regex was a tenth of a
    record's cost."""
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", field).strip("_").lower() or "field"
    if name[0].isdigit():
        name = f"f_{name}"
    return f"{name}_field" if name in RESERVED else name


def stream_name(record_id: str, taken: set[str]) -> str:
    """A stream per record id, named after it; ``record_`` prefixed on a clash."""
    name = re.sub(r"[^0-9a-zA-Z_]+", "_", record_id).strip("_").lower() or "record"
    return f"record_{name}" if name in taken else name


def observed_types(rows: t.Iterable[dict[str, t.Any]]) -> dict[str, dict[str, t.Any]]:
    """``{field name: first non-null typed field seen}`` plus ``"\x00value"`` for the
    record's own value."""
    seen: dict[str, dict[str, t.Any]] = {}
    for row in rows:
        value = row.get("value")
        if isinstance(value, dict) and "_type" in value:
            seen.setdefault("\x00value", value)
        for item in row.get("fields") or []:
            field = item.get("field") if isinstance(item, dict) else None
            if isinstance(field, dict) and "_type" in field and item.get("name"):
                name = str(item["name"])
                known = seen.get(name)
                # A list's item type needs a list with items.
                if known is None or (known.get("_type") == LIST_TYPE and not known.get("values")):
                    seen[name] = field
    return seen


def _list_item_type(sample: dict[str, t.Any]) -> str | None:
    items = sample.get("values") or []
    kinds = {i.get("_type") for i in items if isinstance(i, dict)}
    return kinds.pop() if len(kinds) == 1 else None


def column_schemas(
    name: str, sample: dict[str, t.Any] | None, description: str | None
) -> dict[str, dict[str, t.Any]]:
    """The column(s) of one field: its value, and a label column where labels exist."""
    col = column_name(name)
    kind = sample.get("_type") if sample else None
    out: dict[str, dict[str, t.Any]]
    if kind == LIST_TYPE:
        assert sample is not None
        item_kind = _list_item_type(sample)
        items = dict(FIELD_TYPES.get(item_kind or "", TEXT))
        out = {col: {"type": ["array", "null"], "items": items}}
        if item_kind in LABELLED:
            out[f"{col}_label"] = {"type": ["array", "null"], "items": dict(TEXT)}
    elif kind in FIELD_TYPES:
        out = {col: dict(FIELD_TYPES[kind])}
        if kind in LABELLED:
            out[f"{col}_label"] = dict(TEXT)
    else:
        # Unseen in the sample, or an undocumented ``_type``: text, and a label column
        # in case its values carry one.
        out = {col: dict(TEXT), f"{col}_label": dict(TEXT)}
    if description:
        out[col]["description"] = description
    return out


def record_schema(
    record: dict[str, t.Any], sample_rows: list[dict[str, t.Any]]
) -> tuple[dict[str, t.Any], str]:
    """The JSON schema of a record's stream, and its key column (always ``record_key``:
    the id field that ``fieldsMetadata`` marks non-nullable may be missing from the rows,
    as ``conversation_id`` is from the docs' own ``closed_conversations`` example)."""
    seen = observed_types(sample_rows)
    metadata = [
        m for m in record.get("fieldsMetadata") or [] if isinstance(m, dict) and m.get("field")
    ]
    props: dict[str, dict[str, t.Any]] = {
        k: dict(v) for k, v in FIXED_COLUMNS.items() if k != "value"
    }
    if "\x00value" in seen:
        kind = seen["\x00value"].get("_type")
        props["value"] = {
            **FIELD_TYPES.get(str(kind), TEXT),
            "description": FIXED_COLUMNS["value"]["description"],
        }
        if kind in LABELLED:
            props["value_label"] = dict(TEXT)
    for meta in metadata:
        name = str(meta["field"])
        props.update(column_schemas(name, seen.get(name), meta.get("description")))
    # Fields the rows carry that fieldsMetadata does not name (the docs' only example row
    # of closed_conversations has csid, initial_direction, initial_channel and
    # contact_point): a column each, typed from the sample, rather than JSON only.
    named = {str(m["field"]) for m in metadata}
    for name, sample in seen.items():
        if name != "\x00value" and name not in named and column_name(name) not in props:
            props.update(column_schemas(name, sample, None))
    props[DELETED_AT] = dict(DELETED_AT_SCHEMA)
    schema = {
        "type": "object",
        "title": str(record["id"]),
        "description": str(record.get("description") or ""),
        "properties": props,
    }
    return schema, RECORD_KEY


# -- rows -----------------------------------------------------------------------------------


def _types(column: dict[str, t.Any]) -> set[str]:
    kind = column.get("type", [])
    return {kind} if isinstance(kind, str) else set(kind)


def fits(value: t.Any, column: dict[str, t.Any]) -> bool:
    kinds = _types(column)
    if value is None:
        return "null" in kinds
    if isinstance(value, bool):
        return "boolean" in kinds
    if isinstance(value, int):
        return bool(kinds & {"integer", "number"})
    if isinstance(value, float):
        return "number" in kinds
    if isinstance(value, str):
        return "string" in kinds
    if isinstance(value, list):
        return "array" in kinds and all(fits(v, column.get("items", {})) for v in value)
    return "object" in kinds


def _fits_kinds(value: t.Any, kinds: set[str]) -> bool:
    """:func:`fits` for a value that is not a list, given its column's types (a list
    needs :func:`fits`, which checks the items)."""
    if value is None:
        return "null" in kinds
    if isinstance(value, bool):
        return "boolean" in kinds
    if isinstance(value, int):
        return "integer" in kinds or "number" in kinds
    if isinstance(value, float):
        return "number" in kinds
    if isinstance(value, str):
        return "string" in kinds
    return "object" in kinds


def unwrap(field: dict[str, t.Any]) -> tuple[t.Any, t.Any]:
    """(value, label) of a documented typed field."""
    kind = field.get("_type")
    if kind == LIST_TYPE:
        items = [i for i in field.get("values") or [] if isinstance(i, dict)]
        values = [unwrap(i)[0] for i in items]
        labels = [i.get("label") for i in items]
        return values, labels
    if kind == "TimestampField":
        return field.get("timestamp"), None
    return field.get("value"), field.get("label")


def canonical(obj: t.Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def without_labels(obj: t.Any) -> t.Any:
    """A typed field (or record) with every ``label`` removed: labels are display names
    (a queue or agent renamed) and never part of an identity."""
    if isinstance(obj, dict):
        return {k: without_labels(v) for k, v in obj.items() if k != "label"}
    if isinstance(obj, list):
        return [without_labels(v) for v in obj]
    return obj


def _field_value(field: t.Any) -> t.Any:
    if not isinstance(field, dict):
        return None
    kind = field.get("_type")
    if kind in FIELD_TYPES or kind == LIST_TYPE:
        return unwrap(field)[0]
    return without_labels(field)


def identity(raw: dict[str, t.Any]) -> str:
    """The identity of one ``MetricRecord``, from what the docs guarantee.

    ``<id>=<value>`` for each id field the record carries (``csid`` in the docs' example,
    ``conversation_id`` in the catalogue), then the primary timestamp (required by the
    schema) and every instant field (``closed_at`` tells a second close of a reopened
    conversation apart), as ``<name>=<instant>``. A record with no id field is identified
    by a SHA-256 of its values instead (labels removed). Labels are never part of it.
    Records that are still identical are told apart by the stream (``#2``, ``#3``...).
    """
    fields: dict[str, t.Any] = {}
    for item in raw.get("fields") or []:
        if isinstance(item, dict) and item.get("name") and isinstance(item.get("field"), dict):
            fields.setdefault(str(item["name"]), item["field"])
    primary = raw.get("primaryTimestampField")
    primary = primary if isinstance(primary, dict) else {}
    primary_name = str(primary.get("name") or "primary_timestamp")
    parts = [
        f"{name}={canonical(_field_value(fields[name]))}"
        for name in ID_FIELDS
        if name in fields and _field_value(fields[name]) is not None
    ]
    if not parts:
        content = {
            k: without_labels(raw.get(k)) for k in ("primaryTimestampField", "value", "fields")
        }
        parts.append("sha256=" + hashlib.sha256(canonical(content).encode()).hexdigest())
    parts.append(f"{primary_name}={primary.get('timestamp')}")
    for name in sorted(fields):
        field = fields[name]
        if name != primary_name and field.get("_type") in INSTANT_TYPES:
            parts.append(f"{name}={unwrap(field)[0]}")
    return ";".join(parts)


class RowBuilder:
    """Flattens ``MetricRecord`` objects into rows of one record stream's schema."""

    def __init__(
        self, schema: dict[str, t.Any], warn: t.Callable[[str], None], stream: str = ""
    ) -> None:
        self.stream = stream
        self.props: dict[str, dict[str, t.Any]] = schema.get("properties", {})
        self._warn = warn
        self._warned = Once()
        # Per-record work only reads these: each column's JSON types, computed once.
        self._kinds = {col: _types(spec) for col, spec in self.props.items()}
        self._nulls: dict[tuple[str, ...], dict[str, None]] = {}

    def warn_once(self, key: tuple[str, str], message: str) -> None:
        if self._warned.first_time(key):
            self._warn(message)

    def put(
        self, row: dict[str, t.Any], unmapped: dict[str, t.Any], col: str, name: str, field: t.Any
    ) -> None:
        if not isinstance(field, dict):
            return  # a null nullable field comes without ``field``
        kind = str(field.get("_type"))
        column = self.props.get(col)
        if column is None:
            unmapped[name] = field
            self.warn_once(
                ("column", name), f"field '{name}' ({kind}) has no column; kept in unmapped_fields"
            )
            return
        kinds = self._kinds[col]
        text_column = "string" in kinds
        if kind != LIST_TYPE and kind not in FIELD_TYPES:
            self.warn_once(
                ("type", f"{name}:{kind}"),
                f"field '{name}' has the undocumented type '{kind}'; kept as JSON text",
            )
            if text_column:
                row[col] = canonical(field)
            else:
                unmapped[name] = field
            return
        value, label = unwrap(field)
        if isinstance(value, list):
            items = _types(column.get("items", {}))
            value = [self.exact_number(name, kind, v, items) for v in value]
        else:
            value = self.exact_number(name, kind, value, kinds)
        fit = fits(value, column) if isinstance(value, list) else _fits_kinds(value, kinds)
        if not fit and text_column and not isinstance(value, list | dict):
            value = canonical(value)  # a primitive in a text column (a field the sample missed)
            fit = fits(value, column)
        if not fit:
            unmapped[name] = field
            self.warn_once(
                ("fit", f"{name}:{kind}"),
                f"field '{name}' ({kind}) does not fit its {column.get('type')} column; kept in unmapped_fields",
            )
            return
        row[col] = value
        label_col = self.props.get(f"{col}_label")
        if label_col is not None and label is not None and fits(label, label_col):
            row[f"{col}_label"] = label

    def exact_number(self, name: str, kind: str, value: t.Any, kinds: set[str]) -> t.Any:
        """A Double in an integer column (the field was a Long when the catalog was
        discovered): a whole number loads as that integer; a fraction cannot be loaded
        exactly, and putting it aside would empty the column, so the run stops."""
        if not isinstance(value, float) or "number" in kinds or "integer" not in kinds:
            return value
        if value.is_integer():
            return int(value)
        where = f"stream '{self.stream}': " if self.stream else ""
        msg = (
            f"{where}field '{name}' arrived as {kind} {value!r} but its column is an integer (the "
            "field was a whole-number type when the catalog was discovered); rediscover the "
            "catalog (e.g. `meltano run --refresh-catalog ...`) so the column becomes a number"
        )
        raise TapError(msg)

    def build(self, raw: dict[str, t.Any], base: dict[str, t.Any]) -> dict[str, t.Any]:
        shape = tuple(base)
        nulls = self._nulls.get(shape)
        if nulls is None:
            nulls = self._nulls[shape] = {n: None for n in self.props if n not in base}
        row = {**base, **nulls}
        unmapped: dict[str, t.Any] = {}
        primary = raw.get("primaryTimestampField") or {}
        row["primary_timestamp"] = primary.get("timestamp")
        row["primary_timestamp_field"] = primary.get("name")
        if "value" in raw:
            self.put(row, unmapped, "value", "value", raw["value"])
        for item in raw.get("fields") or []:
            if isinstance(item, dict) and item.get("name"):
                self.put(
                    row,
                    unmapped,
                    column_name(str(item["name"])),
                    str(item["name"]),
                    item.get("field"),
                )
        row[RECORD_KEY] = identity(raw)
        row["unmapped_fields"] = unmapped or None
        return row
