"""What one run of the Lexer tap learns once and every stream of it shares.

The tap makes one :class:`LexerRun` before the SDK builds any stream; every Lexer stream
holds the same object as ``stream.lexer_run``. Nothing here outlives the tap instance.
"""

from __future__ import annotations

import logging
import typing as t
from collections.abc import Callable, Iterable

#: Readings of ``date_to`` (the ``date_to_reading`` setting; "detect" by default).
END_BOUND_READINGS = ("detect", "inclusive", "exclusive")


class LexerRun:
    """Run-scoped findings: the API's reading of ``date_to`` and the NPS forms."""

    def __init__(self) -> None:
        #: The reading of ``date_to`` detected by the first aggregate day that told
        #: (``inclusive`` or ``exclusive``); ``detect`` until then.
        self.detected_reading: str = "detect"
        #: The ``/forms`` listing, once the forms stream has synced in this run (copies:
        #: the SDK drops deselected properties from the records it writes).
        self.forms: list[dict[str, t.Any]] | None = None
        #: Lists ``/forms`` when the forms stream has not (set by the tap).
        self.list_forms: Callable[[], Iterable[dict[str, t.Any]]] | None = None
        self._nps_form_ids: list[int] | None = None

    def end_bound_reading(self, config: t.Mapping[str, t.Any]) -> str:
        """The run's reading of ``date_to``: the setting, else what was detected."""
        configured = str(config.get("date_to_reading") or "detect")
        return configured if configured != "detect" else self.detected_reading

    def nps_form_ids(self, config: t.Mapping[str, t.Any], logger: logging.Logger) -> list[int]:
        """NPS forms from the setting, else every form the API flags ``nps: true``
        (asked once per run: the forms stream's listing when it has synced)."""
        if self._nps_form_ids is None:
            configured = config.get("nps_form_ids")
            if configured:
                self._nps_form_ids = [int(x) for x in configured]
            else:
                forms = self.forms
                if forms is None:  # the forms stream is not selected (or not yet synced)
                    assert self.list_forms is not None, "the tap sets list_forms"
                    forms = list(self.list_forms())
                self._nps_form_ids = sorted(int(f["id"]) for f in forms if f.get("nps"))
                if not self._nps_form_ids:
                    logger.warning("No form has nps = true: the NPS streams have nothing to sync.")
        return self._nps_form_ids
