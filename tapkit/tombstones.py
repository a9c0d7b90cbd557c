"""Tombstones for keys that vanish from a re-fetched period.

APIs leave out what is zero (a state nobody is in, an agent who left): a key that an
earlier run emitted for a period and that the new answer no longer lists would otherwise
stand in the warehouse for ever. A stream with :class:`VanishedKeysMixin` remembers, in
its own state, the keys it emitted for each recent replication value (``vanished_keys``)
and emits for each key that vanished a *tombstone*: the key, the replication value and
``_sdc_deleted_at``. target-duckdb (``hard_delete``) deletes such rows; target-postgres
keeps them with ``_sdc_deleted_at`` set (a soft delete that the project's post-load step
purges).

The mixin decides nothing about how periods are fetched: :class:`tapkit.reports.
DateWindowStream` calls :meth:`VanishedKeysMixin.tombstones` once per window, a stream
with its own loop (LivePerson's intervals) once per period it re-fetched.
"""

from __future__ import annotations

import datetime as dt
import typing as t

from tapkit.client import KitRESTStream
from tapkit.errors import StateError
from tapkit.schema import DELETED_AT
from tapkit.windows import Window, parse_datetime

#: Columns that place a row in time; a key made only of these (and of the partition's
#: own values) has one row per window, which cannot vanish.
TIME_COLUMNS = frozenset(
    {"window_start", "window_end", "window_date", "timezone", "bucket_start", "bucket_date"}
)
#: The state entry where a stream keeps the keys it emitted per recent day.
KEYS_STATE = "vanished_keys"


class VanishedKeysMixin(KitRESTStream):
    """Tombstones for the keys a re-fetched period no longer lists (see the module
    docstring). A stream using it says how long keys are remembered
    (:meth:`retained_span`) and calls :meth:`tombstones` with each re-fetched period's rows
    when :meth:`tracks_vanished_keys` is true."""

    #: Rows of a window are held and sorted by the replication key before they go out.
    #: A stream whose rows all carry their window's own replication value (nothing to
    #: sort) may set this False: rows then go out as they arrive, and memory does not
    #: grow with the size of a window. The STATE still follows the finished window.
    buffer_window_rows: t.ClassVar[bool] = True
    #: Emit tombstones for keys that a re-fetched window no longer lists (see the module
    #: docstring). Needs the whole window before deciding, so only buffered streams can;
    #: an unbuffered stream (a record stream: a record, once returned, does not vanish)
    #: never tracks.
    track_vanished_keys: t.ClassVar[bool] = True

    def dimension_keys(self, context: t.Mapping[str, t.Any] | None) -> list[str]:
        """Key columns beyond time and partition: the ones whose rows can vanish."""
        fixed = {*TIME_COLUMNS, self.replication_key, *(context or {})}
        return [key for key in self.primary_keys or [] if key not in fixed]

    def tracks_vanished_keys(self, context: t.Mapping[str, t.Any] | None) -> bool:
        return (
            self.track_vanished_keys
            and self.buffer_window_rows
            and bool(self.dimension_keys(context))
        )

    @property
    def may_emit_deleted_rows(self) -> bool:
        """Whether the schema carries ``_sdc_deleted_at`` (read by the kit's schema)."""
        return (
            self.track_vanished_keys and self.buffer_window_rows and bool(self.dimension_keys({}))
        )

    def retained_span(self) -> dt.timedelta:
        """How long before a period's end the keys it emitted are remembered: as far back
        as a later run may fetch again."""
        raise NotImplementedError

    def key_of(self, row: t.Mapping[str, t.Any]) -> list[t.Any]:
        return [row.get(key) for key in self.primary_keys or []]

    def tombstones(
        self,
        window: Window,
        rows: list[dict[str, t.Any]],
        context: t.Mapping[str, t.Any] | None,
        deleted_at: str,
    ) -> list[dict[str, t.Any]]:
        """Rows for the keys remembered for ``window``'s days that ``rows`` no longer
        list; remembers ``rows``' keys instead and forgets days that no later run can
        fetch again."""
        state = self.get_context_state(context)  # type: ignore[arg-type]
        remembered: dict[str, list[list[t.Any]]] = state.get(KEYS_STATE) or {}
        if not isinstance(remembered, dict):
            msg = (
                f"State for stream '{self.name}' has a malformed '{KEYS_STATE}' entry. Clear "
                "it with `meltano state clear <state_id>` (or fix the state file) and run again."
            )
            raise StateError(msg)
        # A stream that tracks keys has a replication key (its state is incremental).
        rk = t.cast("str", self.replication_key)
        fresh: dict[str, list[list[t.Any]]] = {}
        for row in rows:
            fresh.setdefault(str(row[rk]), []).append(self.key_of(row))
        dead: list[dict[str, t.Any]] = []
        for day in sorted(remembered):
            if not window.contains(parse_datetime(day)):
                continue
            alive = {tuple(key) for key in fresh.get(day, [])}
            for key in remembered.pop(day):
                # A key remembered under another key shape (the stream's key changed
                # between versions) cannot name a row of today's table: skip it.
                if len(key) == len(self.primary_keys or []) and tuple(key) not in alive:
                    dead.append(
                        {
                            **dict(zip(self.primary_keys or [], key, strict=True)),
                            rk: day,
                            DELETED_AT: deleted_at,
                        }
                    )
        remembered.update(fresh)
        horizon = window.end - self.retained_span()
        for day in [d for d in remembered if parse_datetime(d) < horizon]:
            del remembered[day]
        state[KEYS_STATE] = remembered
        if dead:
            self.logger.info(
                "%s: %d row(s) no longer in the answer for %s..%s; emitted as deleted (%s set)",
                self.name,
                len(dead),
                window.start.date(),
                window.end.date(),
                DELETED_AT,
            )
        return dead
