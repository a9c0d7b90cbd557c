"""The shared kit of the four taps: date windows, rate limiting, retries with Retry-After,
clear errors, and the base class of a date-windowed report stream. It knows no vendor."""

from tapkit.client import KitRESTStream
from tapkit.errors import FatalRequestError, RateLimitedError, StateError, TapError
from tapkit.plan import Cost, PlanNeedsAPI, plan_tap
from tapkit.ratelimit import RateLimiter, shared_limiter
from tapkit.reports import DateWindowStream, utc_iso
from tapkit.schema import (
    BUCKET_COLUMNS,
    DELETED_AT,
    PERIOD_COLUMNS,
    WINDOW_COLUMNS,
    KitStreamSchema,
)
from tapkit.tap import (
    KitTap,
    api_token_setting,
    api_url_setting,
    http_settings,
    run_cli,
    window_settings,
)
from tapkit.tombstones import VanishedKeysMixin
from tapkit.windows import Window, WindowPolicy, plan_windows, resolve_range

__all__ = [
    "BUCKET_COLUMNS",
    "DELETED_AT",
    "PERIOD_COLUMNS",
    "WINDOW_COLUMNS",
    "Cost",
    "DateWindowStream",
    "FatalRequestError",
    "KitRESTStream",
    "KitStreamSchema",
    "KitTap",
    "PlanNeedsAPI",
    "RateLimitedError",
    "RateLimiter",
    "StateError",
    "TapError",
    "VanishedKeysMixin",
    "Window",
    "WindowPolicy",
    "api_token_setting",
    "api_url_setting",
    "http_settings",
    "plan_tap",
    "plan_windows",
    "resolve_range",
    "run_cli",
    "shared_limiter",
    "utc_iso",
    "window_settings",
]
