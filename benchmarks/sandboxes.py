"""Simulators scaled for the benchmarks (the documented behaviour, more data).

``scaled_dixa(scale=N)``: the Dixa simulator where every record row of a record id is
served ``N`` times, each copy with its own conversation id (``csid * N + copy``), so one
day can hold a million rows over thousands of pages. Pages are built on demand from the
day's conversations, so the simulator's memory does not grow with ``N``.
"""

from __future__ import annotations

import functools
import typing as t
from collections.abc import Sequence

from sandbox import dixa_data as data
from sandbox.core import Request, Response
from sandbox.dixa import DixaApp

ID_FIELDS = ("conversation_id", "csid")


class ScaledRows(Sequence[dict[str, t.Any]]):
    """The rows of one request, ``scale`` copies of each, materialised per slice."""

    def __init__(self, record_id: str, convs: Sequence[data.Conversation], scale: int) -> None:
        self.record_id = record_id
        self.convs = convs
        self.scale = scale

    def __len__(self) -> int:
        return len(self.convs) * self.scale

    def row(self, index: int) -> dict[str, t.Any]:
        conv = self.convs[index // self.scale]
        copy = index % self.scale
        row = data.record_row(self.record_id, conv)
        for item in row["fields"]:
            field = item.get("field")
            if item.get("name") in ID_FIELDS and isinstance(field, dict):
                field["value"] = conv.csid * self.scale + copy
        return row

    @t.overload
    def __getitem__(self, index: int) -> dict[str, t.Any]: ...

    @t.overload
    def __getitem__(self, index: slice) -> list[dict[str, t.Any]]: ...

    def __getitem__(self, index: int | slice) -> t.Any:
        if isinstance(index, slice):
            return [self.row(i) for i in range(*index.indices(len(self)))]
        return self.row(index)


class ScaledDixaApp(DixaApp):
    def __init__(self, *, scale: int = 1, **options: t.Any) -> None:
        super().__init__(**options)
        self.scale = int(scale)
        self._convs = functools.lru_cache(maxsize=64)(self._records)

    def _records(
        self,
        record_id: str,
        start: float,
        end: float,
        filters: tuple[tuple[str, tuple[str, ...]], ...],
    ) -> tuple[data.Conversation, ...]:
        parsed = {k: set(v) for k, v in filters}
        return tuple(data.records(self.seed, record_id, start, end, parsed))

    def records_data(self, req: Request) -> Response:
        self.authenticate(req)
        body = self.read_body(req)
        entry = self.entry_for(body, "records")
        start, end = self.period(body)
        filters = self.filters(body, data.accepted_filters(entry))
        key = tuple((k, tuple(sorted(v))) for k, v in sorted(filters.items()))
        convs = self._convs(entry["id"], start, end, key)
        rows = ScaledRows(entry["id"], convs, self.scale)
        return self.paged(req, rows, self.digest(req, body))  # type: ignore[arg-type]


def scaled_dixa(**options: t.Any) -> ScaledDixaApp:
    return ScaledDixaApp(**options)
