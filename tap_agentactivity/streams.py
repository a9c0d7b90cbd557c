"""The ``agent_activity`` stream: complete 5-minute slots (or whole fixed-grid intervals
summed from them), one row per (interval end, agent, state, away reason or ``"none"``).

Flow of one run: bookmark (minus lookback, floored by ``start_date``) -> timeframe ->
one request with ``interval=5`` -> complete slots only -> rows -> bookmark = end of the
last complete interval. State is the SDK's incremental state on ``interval_end``.

A re-fetched interval (lookback) replaces what was loaded for it: the API leaves out an
agent without data and an away reason without time, so a key that an earlier run emitted
for an interval and that the new answer no longer lists arrives as a tombstone (the key
with ``_sdc_deleted_at`` set), from the kit's :meth:`VanishedKeysMixin.tombstones`; the
keys of the last intervals (as far back as the lookback reaches) are kept in the state.
"""

from __future__ import annotations

import datetime as dt
import typing as t
from collections.abc import Iterator
from urllib.parse import quote

from tap_agentactivity.client import SCHEMAS, LivePersonStream
from tap_agentactivity.planning import (
    API_INTERVAL_MINUTES,
    MAX_TIMEFRAME_MINUTES,
    Answer,
    ShapeError,
    Slot,
    buckets,
    ceil_grid,
    complete_slots,
    floor_grid,
    plan_timeframe,
)
from tapkit import (
    Cost,
    KitStreamSchema,
    StateError,
    TapError,
    VanishedKeysMixin,
    Window,
    utc_iso,
)

API_VERSION = "1"
NO_REASON = "none"
#: Longer agent lists go in a POST body, as the docs advise.
MAX_GET_AGENT_IDS_CHARS = 1000
DURATIONS = {
    "total": "total",
    "chatting": "chatting",
    "notChatting": "not_chatting",
    "chattingInMaxConcurrency": "chatting_in_max_concurrency",
}

RowKey = tuple[str, int, str]


def parse_instant(value: str) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def hours(delta: dt.timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.2f}"


class AgentActivityStream(LivePersonStream, VanishedKeysMixin):
    """LivePerson agent state distribution per agent, state and away reason.

    Not a date-window stream (no days: a rolling 24 hours, its own :meth:`get_records`);
    it takes from the kit the tombstones of vanished keys (:class:`VanishedKeysMixin`).
    """

    name = "agent_activity"
    # _sdc_deleted_at in the schema (tombstones; see the module docstring).
    schema = KitStreamSchema(SCHEMAS)
    path = "/operations/api/account/{account_id}/agentactivity"
    primary_keys: t.ClassVar[list[str]] = [
        "account_id",
        "interval_end",
        "agent_id",
        "state_id",
        "away_reason_id",
    ]
    replication_key = "interval_end"
    is_sorted = True
    #: Its rows carry their own interval, not the kit's window columns.
    kit_columns = ()
    # Lookback re-emits the last slots below the bookmark; keys make them upserts.
    check_sorted = False
    # STATE is written once the answer's complete intervals are out (see get_records).
    STATE_MSG_FREQUENCY = 10**12

    # -- settings ------------------------------------------------------------------------

    @property
    def interval_minutes(self) -> int:
        return int(self._setting("interval_minutes", API_INTERVAL_MINUTES))

    @property
    def lookback(self) -> dt.timedelta:
        return dt.timedelta(minutes=int(self._setting("lookback_minutes", 5)))

    @property
    def agent_ids(self) -> str:
        value = self._setting("agent_ids", "all")
        if isinstance(value, list):
            value = ",".join(str(v).strip() for v in value)
        return str(value).replace(" ", "") or "all"

    @property
    def requested_agents(self) -> frozenset[str] | None:
        """The agent ids asked for (None: ``all``). An answer may list others (older docs:
        "Selecting specific agents is not currently supported"); they are not loaded."""
        agents = self.agent_ids
        return None if agents == "all" else frozenset(agents.split(","))

    def now(self) -> dt.datetime:
        """The current instant (a seam for tests)."""
        return dt.datetime.now(dt.UTC)

    def retained_span(self) -> dt.timedelta:
        """Keys are remembered for the intervals the next run fetches again: the lookback,
        widened to the interval grid, plus an interval of slack."""
        return self.lookback + 2 * dt.timedelta(minutes=self.interval_minutes)

    # -- planning ------------------------------------------------------------------------

    #: Said beside the stream in a plan.
    plan_note = "one request for the rolling 24 hours (one more if the server clock is ahead)"

    def plan_cost(self, context: t.Mapping[str, t.Any] | None) -> tuple[int, Cost]:
        """One request: the API answers the last 24 hours at most, whatever the state
        (not the day windows a date-window stream would plan)."""
        return 1, Cost(1)

    def compare_start_date(self, value: str, start_date_value: str) -> str:
        """Keep the bookmark as it is: ``start_date`` is applied as a floor in
        :meth:`fetch_from`, after the lookback, so a bookmark is never mistaken for it."""
        return value

    def bookmark(self, context: t.Any) -> dt.datetime | None:
        """The stored bookmark (end of the last complete interval), None on a first run."""
        value = self.get_starting_replication_key_value(context)
        if value in (None, "") or value == self.config.get("start_date"):
            return None  # no state: the SDK hands back start_date itself
        try:
            return parse_instant(str(value))
        except ValueError as exc:
            msg = (
                f"State for stream '{self.name}' has bookmark {value!r}, which is not a "
                "date-time. Clear it with `meltano state clear <state_id>` (or fix the "
                "state file) and run again."
            )
            raise StateError(msg) from exc

    def floor(self) -> dt.datetime | None:
        value = self.config.get("start_date")
        if not value:
            return None
        return ceil_grid(parse_instant(str(value)), self.interval_minutes)

    def fetch_from(self, bookmark: dt.datetime | None) -> dt.datetime | None:
        """Where this run's rows start: bookmark minus lookback on the interval grid,
        never before ``start_date``; None means "as far back as the API goes"."""
        since = None
        if bookmark is not None:
            since = floor_grid(bookmark - self.lookback, self.interval_minutes)
        floor = self.floor()
        if floor is not None and (since is None or since < floor):
            since = floor
        return since

    # -- requests ------------------------------------------------------------------------

    @property
    def activity_url(self) -> str:
        return f"{self.url_base}/operations/api/account/{quote(self.account_id, safe='')}/agentactivity"

    def fetch(self, timeframe: int) -> t.Any:
        agents = self.agent_ids
        params = {
            "timeframe": str(timeframe),
            "agentIds": agents,
            "interval": str(API_INTERVAL_MINUTES),
            "v": API_VERSION,
        }
        if agents != "all" and len(agents) > MAX_GET_AGENT_IDS_CHARS:
            return self.send_json("POST", self.activity_url, json=params)
        return self.send_json("GET", self.activity_url, params=params)

    def answer(self, timeframe: int) -> Answer | None:
        body = self.fetch(timeframe)
        try:
            return complete_slots(body, timeframe)
        except ShapeError as exc:
            msg = (
                f"{self.vendor_name} answered agentactivity with an undocumented shape ({exc}); "
                "the tap stops rather than load partial or overlapping intervals"
            )
            raise TapError(msg) from exc

    def covering_answer(self, since: dt.datetime | None) -> Answer | None:
        """An answer whose complete slots reach back to ``since`` (or as far as possible).

        The timeframe is planned from the local clock; if the server's clock runs ahead the
        first answer falls short, and the server's own now (its latest interval end) says
        by how much, so one more request covers it.
        """
        timeframe = plan_timeframe(self.now(), since)
        answer = self.answer(timeframe)
        for _ in range(2):
            if answer is None or since is None or since >= answer.complete_from:
                break
            if timeframe >= MAX_TIMEFRAME_MINUTES:
                break
            timeframe = plan_timeframe(answer.latest_end, since)
            self.logger.info(
                "%s: the server clock is ahead; asking again for %d minutes", self.name, timeframe
            )
            answer = self.answer(timeframe)
        return answer

    # -- rows ----------------------------------------------------------------------------

    def slot_rows(self, slot: Slot) -> dict[RowKey, dict[str, t.Any]]:
        """Rows of one slot keyed by (agent, state, reason); away reasons get rows of their own."""
        out: dict[RowKey, dict[str, t.Any]] = {}
        wanted = self.requested_agents
        for agent_id, states in slot.per_agent.items():
            if not isinstance(states, list) or (wanted is not None and str(agent_id) not in wanted):
                continue
            for state in states:
                if not isinstance(state, dict) or "id" not in state:
                    continue
                state_id = int(state["id"])
                name = state.get("name")
                out[(str(agent_id), state_id, NO_REASON)] = self.values(name, state.get("value"))
                for reason in state.get("reasons") or []:
                    if isinstance(reason, dict) and reason.get("id") not in (None, ""):
                        key = (str(agent_id), state_id, str(reason["id"]))
                        out[key] = self.values(name, reason.get("value"))
        return out

    @staticmethod
    def values(name: t.Any, value: t.Any) -> dict[str, t.Any]:
        value = value if isinstance(value, dict) else {}
        row: dict[str, t.Any] = {"state_name": name}
        for api_name, column in DURATIONS.items():
            if api_name not in value:
                raise TapError(f"LivePerson answered a state without `{api_name}`: {value!r}"[:200])
            raw = value[api_name]
            if isinstance(raw, str):
                try:
                    raw = float(raw)
                except ValueError:
                    raise TapError(
                        f"LivePerson answered `{api_name}` = {raw[:40]!r}, not a number"
                    ) from None
            row[column] = int(raw) if isinstance(raw, int | float) else None
        return row

    def interval_rows(
        self, start: dt.datetime, end: dt.datetime, slots: list[Slot]
    ) -> list[dict[str, t.Any]]:
        """Rows of one whole interval: its slots' values summed per (agent, state, reason)."""
        merged: dict[RowKey, dict[str, t.Any]] = {}
        for slot in slots:
            for key, values in self.slot_rows(slot).items():
                acc = merged.get(key)
                if acc is None:
                    merged[key] = dict(values)
                    continue
                for column in DURATIONS.values():
                    if values[column] is not None:
                        acc[column] = (acc[column] or 0) + values[column]
        common = {
            "account_id": self.account_id,
            "interval_start": utc_iso(start),
            "interval_end": utc_iso(end),
            "interval_minutes": int((end - start).total_seconds() // 60),
        }
        return [
            {
                **common,
                "agent_id": agent,
                "state_id": state,
                "away_reason_id": reason,
                **merged[(agent, state, reason)],
            }
            for agent, state, reason in sorted(merged, key=lambda k: (k[0], k[1], k[2]))
        ]

    # -- the sync ------------------------------------------------------------------------

    def get_records(self, context: t.Any) -> Iterator[dict[str, t.Any]]:
        bookmark = self.bookmark(context)
        since = self.fetch_from(bookmark)
        now = self.now()
        if since is not None and since > now + dt.timedelta(days=1):
            # A bookmark a day past this machine's clock cannot come from this API.
            self.logger.warning(
                "%s: the bookmark %s is in the future (now %s); nothing to sync. Clear the "
                "state (`meltano state clear`) if it is wrong.",
                self.name,
                since.isoformat(),
                now.isoformat(),
            )
            return
        answer = self.covering_answer(since)
        if answer is None:
            self.logger.warning("%s: the API answered with no intervals at all", self.name)
            return
        self.report_loss(bookmark, answer)
        slots = [s for s in answer.slots if since is None or s.start >= since]
        whole = buckets(slots, self.interval_minutes)
        self.logger.info(
            "%s: timeframe %d min, %d complete 5-minute slot(s), %d interval(s) of %d min",
            self.name,
            answer.timeframe,
            len(slots),
            len(whole),
            self.interval_minutes,
        )
        tracking = self.tracks_vanished_keys(context)
        for start, end, members in whole:
            rows = self.interval_rows(start, end, members)
            if tracking:
                rows += self.interval_tombstones(start, end, rows, context)
            yield from rows
        if whole:
            # Intervals where no agent was logged in have no rows, yet they are complete:
            # set the SDK's bookmark to the last complete interval's end (and never below
            # the previous bookmark, which lookback rows would otherwise leave it at).
            last_end = max(whole[-1][1], bookmark) if bookmark else whole[-1][1]
            self.advance_bookmark(utc_iso(last_end), context)
            self.emit_state()

    def interval_tombstones(
        self,
        start: dt.datetime,
        end: dt.datetime,
        rows: list[dict[str, t.Any]],
        context: t.Any,
    ) -> list[dict[str, t.Any]]:
        """Tombstones for the keys an earlier run emitted for ``[start, end)`` that ``rows``
        (this answer's rows for it) no longer list; remembers ``rows``' keys instead."""
        # The kit remembers keys per replication value (the interval's end): a window
        # that contains exactly this interval's end.
        window = Window(start=end, end=end + (end - start), request_start=start, request_end=end)
        dead = self.tombstones(window, rows, context, utc_iso(self.now()))
        for row in dead:
            row["interval_start"] = utc_iso(start)
            row["interval_minutes"] = int((end - start).total_seconds() // 60)
        return dead

    def report_loss(self, bookmark: dt.datetime | None, answer: Answer) -> None:
        """Warn with the exact span the API can no longer return (older than its 24 hours)."""
        available = answer.complete_from
        floor = self.floor()
        if bookmark is not None and (floor is None or bookmark >= floor):
            if bookmark < available:
                self.logger.warning(
                    "%s: the last run ended at %s, but LivePerson keeps only the last %d "
                    "minutes: %s hours of agent activity (%s to %s UTC) are lost; continuing "
                    "from %s. Run more often than every 24 hours to avoid gaps.",
                    self.name,
                    bookmark.isoformat(),
                    MAX_TIMEFRAME_MINUTES,
                    hours(available - bookmark),
                    bookmark.isoformat(),
                    available.isoformat(),
                    available.isoformat(),
                )
            return
        if floor is not None and floor < available:
            self.logger.warning(
                "%s: start_date %s is older than the %d minutes LivePerson keeps: %s hours "
                "(%s to %s UTC) are not available from this API; starting at %s.",
                self.name,
                floor.isoformat(),
                MAX_TIMEFRAME_MINUTES,
                hours(available - floor),
                floor.isoformat(),
                available.isoformat(),
                available.isoformat(),
            )
