"""The export settings read once before any stream starts. The ranges of
``export_window_days``, ``export_poll_interval_seconds`` and ``export_timeout_seconds`` are
keywords of the tap's settings schema (with these defaults); ``export_id_columns`` is
checked here, each error naming the setting."""

from __future__ import annotations

import json
import typing as t
from dataclasses import dataclass, field

from tap_lexer_activity.csvfile import ID_SETTING
from tap_lexer_activity.reports import of_kind
from tapkit import TapError

DEFAULT_WINDOW_DAYS = 7
MAX_WINDOW_DAYS = 365
DEFAULT_POLL_INTERVAL = 5
DEFAULT_TIMEOUT = 1800
EXPORTS = sorted(report.name for report in of_kind("export"))


@dataclass(frozen=True)
class ExportSettings:
    window_days: int
    poll_interval: float
    timeout: float
    #: ``export_id_columns``: stream name -> header of its id column ("" = none).
    id_columns: t.Mapping[str, str] = field(default_factory=dict)


def _number(value: t.Any, default: float) -> float:
    """A setting's numeric value (JSON config numbers may arrive as Decimal or text); its
    range is the settings schema's to check (``minimum``/``maximum`` in the tap)."""
    return float(default if value is None else value)


def export_settings(config: t.Mapping[str, t.Any]) -> ExportSettings:
    """The export settings, read (ranges are checked by the settings' JSON schema before
    the tap starts); a malformed ``export_id_columns`` names the setting."""
    errors: list[str] = []
    id_columns = id_columns_setting(config.get(ID_SETTING), errors)
    if errors:
        raise TapError("; ".join(errors))
    return ExportSettings(
        int(_number(config.get("export_window_days"), DEFAULT_WINDOW_DAYS)),
        _number(config.get("export_poll_interval_seconds"), DEFAULT_POLL_INTERVAL),
        _number(config.get("export_timeout_seconds"), DEFAULT_TIMEOUT),
        id_columns,
    )


def id_columns_setting(raw: t.Any, errors: list[str]) -> dict[str, str]:
    """``export_id_columns`` checked: an object from export stream names to headers."""
    if raw is None:
        return {}
    if isinstance(raw, str):  # from an environment variable, Meltano passes JSON text
        try:
            raw = json.loads(raw)
        except ValueError:
            pass
    example = '{"case_details": "Case ID"}'
    if not isinstance(raw, t.Mapping):
        errors.append(f"{ID_SETTING}: must be an object like {example}, got {str(raw)[:80]}")
        return {}
    out = {}
    for stream, header in raw.items():
        if stream not in EXPORTS:
            known = ", ".join(EXPORTS)
            errors.append(f"{ID_SETTING}: {stream!r} is not an export stream (one of {known})")
        elif not isinstance(header, str):
            errors.append(
                f"{ID_SETTING}.{stream}: must be the header of the file's id column as text, "
                f'like {example} (or "" for none), got {str(header)[:80]}'
            )
        else:
            out[str(stream)] = header
    return out
