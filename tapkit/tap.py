"""The kit's tap base: shared settings, settings checks that name the setting, and a
console entry point that turns known failures into one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import re
import signal
import sys
import threading
import typing as t
from urllib.parse import urlparse

import jsonschema
import requests
from singer_sdk import Tap
from singer_sdk import typing as th
from singer_sdk.contrib.msgspec import MsgSpecWriter
from singer_sdk.exceptions import (
    ConfigValidationError,
    FatalAPIError,
    MapperNotInitialized,
    RetriableAPIError,
)
from singer_sdk.helpers.capabilities import (
    CapabilitiesEnum,
    PluginCapabilities,
    TapCapabilities,
)

from tapkit.errors import StateError, TapError, redact
from tapkit.reports import DateWindowStream
from tapkit.run import RunContext
from tapkit.windows import WindowError, config_day, get_zone, local_midnight, parse_datetime

#: The distribution that ships the four taps; the SDK reads ``--version`` (and the
#: version in ``--about``) from its installed metadata, whose only source is pyproject.toml.
DISTRIBUTION = "cs-analytics-taps"

#: What every tap of the kit advertises (``--about``) and what meltano/*.meltano.yml
#: declares: only capabilities a test exercises for each of the four taps
#: (tests/cli/test_capabilities.py). The SDK's defaults also advertise batch,
#: activate-version and structured-logging, which no test here exercises.
CAPABILITIES: list[CapabilitiesEnum] = [
    TapCapabilities.CATALOG,
    TapCapabilities.STATE,
    TapCapabilities.DISCOVER,
    PluginCapabilities.ABOUT,
    PluginCapabilities.STREAM_MAPS,
    PluginCapabilities.FLATTENING,
]

#: The settings of the tap run last in this process, by tap name: the console entry
#: point names the setting behind an unreachable host with them.
_LAST_CONFIG: dict[str, t.Mapping[str, t.Any]] = {}


def window_settings(*, default_lookback_days: int = 1) -> list[th.Property]:
    """Settings every date-windowed tap shares."""
    return [
        th.Property(
            "start_date",
            th.DateTimeType,
            required=True,
            title="Start date",
            description="First day to sync (ISO 8601). Also the floor under lookback.",
        ),
        th.Property(
            "end_date",
            th.DateTimeType,
            title="End date",
            description="Last day to sync, inclusive (for backfills). Default: today.",
        ),
        th.Property(
            "timezone",
            th.StringType,
            default="UTC",
            title="Timezone",
            description="IANA timezone whose midnights bound every day window.",
        ),
        th.Property(
            "lookback_days",
            th.IntegerType(minimum=0),
            default=default_lookback_days,
            title="Lookback days",
            description="Days before the bookmark fetched again on each run (late changes).",
        ),
    ]


def api_token_setting(description: str) -> th.Property:
    """The vendor's API token (``api_token``): required and secret; ``description`` says
    whose token it is and how it is sent."""
    return th.Property(
        "api_token",
        th.StringType,
        required=True,
        secret=True,
        title="API token",
        description=description,
    )


def api_url_setting(description: str, *, default: str | None = None) -> th.Property:
    """The API's base URL (``api_url``: the setting the kit checks is an http(s) URL and
    names in 404 messages); ``default`` is the vendor's host, None for no default."""
    return th.Property(
        "api_url",
        th.StringType,
        default=default,
        title="API URL",
        description=description,
    )


def http_settings(
    *,
    max_requests: int,
    window_seconds: float,
    max_retries: int = 5,
    backoff_base_seconds: float = 1.0,
    backoff_max_seconds: float = 60.0,
) -> list[th.Property]:
    """Rate-limit and retry settings; defaults are the vendor's documented limit and
    retry guidance."""
    return [
        th.Property(
            "rate_limit_max_requests",
            th.IntegerType(exclusive_minimum=0),
            default=max_requests,
            title="Rate limit: requests",
            description="Requests allowed per rate-limit window, per credential.",
        ),
        th.Property(
            "rate_limit_window_seconds",
            th.NumberType(exclusive_minimum=0),
            default=window_seconds,
            title="Rate limit: window (s)",
            description="Length of the rate-limit window in seconds.",
        ),
        th.Property(
            "rate_limit_state_dir",
            th.StringType,
            title="Rate limit: shared budget directory",
            description=(
                "Directory of the rate-limit budget that every run on this machine using the "
                "same credential shares (one small file per credential, named by a hash). "
                "Default: $MELTANO_PROJECT_ROOT/.meltano/run/ratelimit, else the user's "
                "cache directory."
            ),
        ),
        th.Property(
            "max_retries",
            th.IntegerType(minimum=0),
            default=max_retries,
            title="Max retries",
            description="Retries of a 5xx, timeout or dropped connection before failing.",
        ),
        th.Property(
            "backoff_base_seconds",
            th.NumberType,
            default=backoff_base_seconds,
            title="Backoff base (s)",
            description="First retry pause; doubles each retry, with jitter.",
        ),
        th.Property(
            "backoff_max_seconds",
            th.NumberType,
            default=backoff_max_seconds,
            title="Backoff cap (s)",
            description="Longest pause between two retries.",
        ),
        th.Property(
            "max_rate_limit_retries",
            th.IntegerType(minimum=0),
            default=30,
            title="Max 429 retries",
            description=(
                "HTTP 429 answers are waited out (Retry-After honoured, waits doubling up to "
                "the rate-limit window) until the waits for one request add up to more than "
                "rate_limit_window_seconds, and never less than this many of the shortest waits."
            ),
        ),
        th.Property(
            "request_timeout_seconds",
            th.IntegerType(exclusive_minimum=0),
            default=60,
            title="Request timeout (s)",
            description="Seconds to wait for a response before retrying.",
        ),
    ]


def _check_url(config: t.Mapping[str, t.Any], key: str, errors: list[str]) -> None:
    value = config.get(key)
    if value is None:
        return
    parsed = urlparse(str(value))
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        errors.append(f"{key}: '{value}' is not an http(s) URL (e.g. https://host/path)")


def bookmark_error(stream: str, value: t.Any) -> StateError:
    return StateError(
        f"State for stream '{stream}' has bookmark {value!r}, which is not a date-time. "
        "Clear it with `meltano state clear <state_id>` (or fix the state file) and run again."
    )


class NonEmptyArrayType(th.ArrayType[t.Any]):
    """A list setting that, when set, lists at least one item (``minItems``: the SDK's
    ``ArrayType`` has no keyword argument for it)."""

    @property
    def type_dict(self) -> dict[str, t.Any]:  # type: ignore[override]
        return {**super().type_dict, "minItems": 1}


def settings_errors(schema: t.Mapping[str, t.Any], settings: t.Mapping[str, t.Any]) -> list[str]:
    """What the settings' JSON schema finds wrong, one line per problem, each starting
    with the setting's name and saying what to set (the keywords ``minimum``,
    ``exclusiveMinimum``, ``maximum``, ``pattern``, ``enum``, ``type``, ``required``)."""
    validator = jsonschema.Draft7Validator(schema)
    errors = sorted(validator.iter_errors(dict(settings)), key=lambda e: [str(p) for p in e.path])
    properties = schema.get("properties") or {}
    return [_settings_error_line(error, properties) for error in errors]


def _settings_error_line(
    error: jsonschema.ValidationError, properties: t.Mapping[str, t.Any]
) -> str:
    path = list(error.path)
    name = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
    name = name.lstrip(".")
    value, rule, kind = error.instance, error.validator_value, error.validator
    if kind == "required":
        missing = re.match(r"'([^']+)'", error.message)
        return f"{missing.group(1) if missing else error.message}: missing (required)"
    setting = properties.get(path[0], {}) if path else {}
    examples = setting.get("examples") if isinstance(setting, dict) else None
    if kind == "pattern" and examples:
        return f"{name}: {value!r} is not of the expected form (e.g. {examples[0]})"
    return f"{name or 'settings'}: {_rule_text(str(kind), rule, value, error.message)}"


#: What a broken JSON-schema keyword asks of a setting, in words.
_RULE_TEXT = {
    "minimum": "must be {rule} or more, got {value}",
    "exclusiveMinimum": "must be greater than {rule}, got {value}",
    "maximum": "must be {rule} or less, got {value}",
    "exclusiveMaximum": "must be less than {rule}, got {value}",
    "pattern": "{value!r} is not of the expected form (regular expression {rule})",
    "enum": "must be one of {choices}; got {value!r}",
    "minItems": "must list at least {rule} item(s), or be left unset; got {value!r}",
    "type": "must be of type {kinds}, got {value!r}",
}


def _rule_text(kind: str, rule: t.Any, value: t.Any, fallback: str) -> str:
    template = _RULE_TEXT.get(kind)
    if template is None:
        return fallback
    rules = [str(r) for r in _as_list(rule)]
    return template.format(
        rule=rule, value=value, choices=", ".join(rules), kinds=" or ".join(rules)
    )


def _as_list(value: t.Any) -> list[t.Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


class KitMessageWriter(MsgSpecWriter):
    """The SDK's msgspec writer, also into a text-only stdout (an ``io.StringIO`` that a
    caller swapped in has no ``.buffer``: the line is written decoded)."""

    def write_message(self, message: t.Any) -> None:
        line = self.format_message(message)
        out = sys.stdout
        buffer = getattr(out, "buffer", None)
        if buffer is not None:
            buffer.write(line)
        else:
            out.write(line.decode())
        out.flush()


class KitTap(Tap):
    """Tap with the kit's settings checks and signal handling."""

    package_name = DISTRIBUTION
    capabilities: t.ClassVar[list[CapabilitiesEnum]] = CAPABILITIES
    #: The SDK's msgspec writer (singer-sdk[msgspec]): the same Singer messages, encoded
    #: in C instead of simplejson (docs/benchmarks.md has the figures).
    message_writer_class = KitMessageWriter

    #: URL settings checked for shape (and named when their host cannot be reached).
    url_settings: tuple[str, ...] = ("api_url",)

    def extra_config_errors(self) -> list[str]:
        """Settings checks beyond the JSON schema; each message names its setting."""
        config = self.config
        errors: list[str] = []
        if config.get("timezone") is not None:
            try:
                get_zone(str(config["timezone"]))
            except WindowError as exc:
                errors.append(f"timezone: {exc}")
        dates: dict[str, dt.datetime] = {}
        for key in ("start_date", "end_date"):
            if config.get(key):
                try:
                    dates[key] = parse_datetime(config[key])
                except WindowError as exc:
                    errors.append(f"{key}: {exc}")
        if (
            "start_date" in dates
            and "end_date" in dates
            and dates["end_date"] < dates["start_date"]
        ):
            errors.append(
                f"end_date: {config['end_date']} is before start_date {config['start_date']}"
            )
        for key in self.url_settings:
            _check_url(config, key, errors)
        return errors

    def __init__(
        self,
        *,
        config: dict[str, t.Any] | None = None,
        parse_env_config: bool = False,
        validate_config: bool = True,
        **kwargs: t.Any,
    ) -> None:
        #: This run's flags, shared with every stream (made before the SDK builds one).
        self.run_context = RunContext(settings_to_check=validate_config)
        settings = self.read_settings(config, parse_env_config=parse_env_config)
        _LAST_CONFIG[self.name] = dict(settings)
        if validate_config:
            # Checked here, before the SDK's own check of the same schema, so that each
            # message starts with the setting it is about (the SDK's ends with it).
            errors = settings_errors(self.config_jsonschema, settings)
            if errors:
                raise ConfigValidationError("Config validation failed", errors=errors)
        super().__init__(
            config=settings, parse_env_config=False, validate_config=validate_config, **kwargs
        )

    @classmethod
    def read_settings(
        cls, config: t.Mapping[str, t.Any] | None, *, parse_env_config: bool = False
    ) -> dict[str, t.Any]:
        """The settings as the SDK is to see them: ``config``, then the environment's
        ``<TAP_NAME>_<SETTING>`` variables over it, numbers that arrive as text read as
        numbers (:meth:`coerce_numbers`)."""
        settings = dict(config or {})
        if parse_env_config:
            cls.logger.info("Parsing env var for settings config...")
            # The SDK reads the environment inside its constructor, after which it checks
            # the settings at once: nothing public runs in between, so the kit reads the
            # environment itself, with the SDK's own parser (the one private member the
            # kit uses; the SDK is then told not to read it again).
            settings.update(cls._env_var_config)
        return cls.coerce_numbers(settings)

    @classmethod
    def coerce_numbers(cls, config: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
        """``config`` with numeric strings read as numbers for number/integer settings.

        Settings often arrive as text (environment variables; Meltano passes fractional
        settings as strings because its `decimal` kind cannot be written to JSON).
        """
        props = cls.config_jsonschema.get("properties", {})
        out = dict(config)
        for key, value in config.items():
            if not isinstance(value, str):
                continue
            types = props.get(key, {}).get("type", [])
            types = [types] if isinstance(types, str) else types
            try:
                if "integer" in types and value.strip().lstrip("-").isdigit():
                    out[key] = int(value)
                elif "number" in types:
                    out[key] = float(value)
            except ValueError:
                continue  # left for the schema check to report
        return out

    def begin_run(self) -> None:
        """The kit's part of the constructor, once the SDK has read and checked the
        settings and before it uses them: the settings checks beyond the JSON schema
        (:meth:`extra_config_errors`), and the signal handlers.

        The SDK checks the settings inside its constructor and offers no hook right
        after; the first public hooks it calls next are :meth:`setup_mapper` (unless
        ``setup_mapper=False``) and then :meth:`load_state`. Both call this; it runs once.
        """
        if self.run_context.begun:
            return
        self.run_context.begun = True
        if self.run_context.settings_to_check:
            self.run_context.settings_to_check = False
            extra = self.extra_config_errors()
            if extra:
                raise ConfigValidationError("Config validation failed", errors=extra)
        self.install_signal_handlers()

    def setup_mapper(self) -> None:
        self.begin_run()
        super().setup_mapper()

    def log_plan_if_long(self) -> None:
        """Log the plan first when the run is planned to take more than an hour."""
        from tapkit.plan import LONG_RUN_SECONDS, duration, plan_tap

        try:
            plan = plan_tap(self)
        except Exception as exc:  # a plan is advice: never the reason a run fails
            self.logger.debug("No plan for this run: %s", exc)
            return
        if plan.seconds <= LONG_RUN_SECONDS:
            return
        self.logger.warning(
            "This run is planned at %d request(s), about %s at the configured rate limit "
            "(`%s --plan` prints this before a run; a backfill can go in slices, see the "
            "README). The plan:",
            plan.requests,
            duration(plan.seconds),
            self.name,
        )
        for line in plan.lines():
            self.logger.warning("plan | %s", line)

    @property
    def tz_name(self) -> str:
        return str(self.config.get("timezone") or "UTC")

    # -- checks before the first request -------------------------------------------------

    def check_bookmarks(self, state: t.Mapping[str, t.Any]) -> None:
        """Every selected stream's bookmark in ``state`` must be a date-time: a corrupt one
        stops the run before any request, not after thousands of rows of earlier streams.

        It must read as the SDK reads it too (a string, ``datetime.fromisoformat``), where
        a stream's sync begins: this check is what turns a bookmark the SDK cannot read
        into a :class:`StateError` naming the stream and the fix."""
        bookmarks = state.get("bookmarks") or {}
        if not isinstance(bookmarks, dict):
            msg = (
                "the state's 'bookmarks' is not a JSON object; clear the state "
                "(`meltano state clear <state_id>`) or fix the state file"
            )
            raise StateError(msg)
        streams = self.streams if bookmarks else {}
        for name, entry in bookmarks.items():
            stream = streams.get(name)
            if stream is None or not stream.replication_key:
                continue
            if not (stream.selected or stream.has_selected_descendents):
                continue
            if not isinstance(entry, dict):
                raise bookmark_error(name, entry)
            partitions = entry.get("partitions") or []
            if not isinstance(partitions, list):
                raise bookmark_error(name, partitions)
            values = [entry.get("replication_key_value")]
            values += [p.get("replication_key_value") for p in partitions if isinstance(p, dict)]
            for value in values:
                if value in (None, ""):
                    continue
                try:
                    parse_datetime(str(value))
                    if not isinstance(value, str):
                        raise TypeError(value)
                    dt.datetime.fromisoformat(value)
                except (WindowError, TypeError, ValueError) as exc:
                    raise bookmark_error(name, value) from exc

    def warn_if_start_in_future(self) -> bool:
        """One WARNING line when ``start_date`` is after today: no date window is due, so
        the report streams load nothing (the run still ends with exit 0). True if so."""
        start = self.config.get("start_date")
        if not start:
            return False
        try:
            tz = get_zone(self.tz_name)
            first = local_midnight(config_day(start), tz)
        except WindowError:
            return False  # reported by the settings checks
        now = dt.datetime.now(dt.UTC)
        if first <= now:
            return False
        self.logger.warning(
            "start_date %s is in the future (now %s): nothing is due yet, so no report "
            "data is loaded until then; set an earlier start_date to load past data.",
            start,
            now.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z"),
        )
        return True

    def load_state(self, state: dict[str, t.Any]) -> None:
        # The SDK's hook for checking the input state; it runs before any sync request.
        self.begin_run()
        if state:
            self.check_bookmarks(state)
        super().load_state(state)
        try:
            self.mapper  # noqa: B018 - set up for a sync, not for --discover
        except MapperNotInitialized:
            return
        self.warn_if_start_in_future()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT run :meth:`stop_on_signal` (installed over the SDK's own
        handlers, which write the last STATE but exit 0)."""
        if threading.current_thread() is not threading.main_thread():
            return  # pragma: no cover - signal handlers can only be set there
        for name in ("SIGINT", "SIGTERM"):
            if hasattr(signal, name):
                signal.signal(getattr(signal, name), self.stop_on_signal)

    def stop_on_signal(self, signum: int, frame: t.Any) -> None:  # pragma: no cover
        """Write the last STATE (bookmarks held at their floors) and exit 128 + signal
        number: a killed sync must not look like a successful one to the orchestrator."""
        try:
            for stream in self.streams.values():
                if isinstance(stream, DateWindowStream):
                    stream.hold_bookmark_floors()
            self.state_writer.write_state(self.state)
        finally:
            self.logger.warning("Stopped by signal %d; the last STATE above is resumable.", signum)
            sys.exit(128 + signum)


def secret_values(tap_cls: type[Tap], config: t.Mapping[str, t.Any]) -> list[str]:
    props = tap_cls.config_jsonschema.get("properties", {})
    return [str(config[k]) for k, v in props.items() if v.get("secret") and config.get(k)]


#: File options of the Singer CLI and what each file is, for messages.
_JSON_FILE_OPTIONS = {
    "--config": "config",
    "--state": "state",
    "--catalog": "catalog",
    "--properties": "catalog",
}
_FIXES = {
    "config": 'give a JSON object of settings, e.g. {"start_date": "2026-01-01"}',
    "state": "fix the file, or clear the stored state (`meltano state clear <state_id>`)",
    "catalog": "fix the file or discover the catalog again",
}


def _unreadable_json_file(argv: t.Sequence[str]) -> str | None:
    """The message for a --config/--state/--catalog file that is missing, not JSON or not
    a JSON object (the SDK would print a traceback), or None. Never quotes the content
    (a config file holds secrets)."""
    import json

    for i, arg in enumerate(argv):
        option, _, inline = arg.partition("=")
        if option not in _JSON_FILE_OPTIONS:
            continue
        path = inline or (argv[i + 1] if i + 1 < len(argv) else "")
        if not path or (option == "--config" and path == "ENV"):
            continue
        what = _JSON_FILE_OPTIONS[option]
        try:
            with open(path, encoding="utf-8") as fh:
                content = json.load(fh)
        except FileNotFoundError:
            return f"{option} file '{path}' does not exist"
        except OSError as exc:
            return f"{option} file '{path}' cannot be read: {exc.strerror}"
        except ValueError as exc:
            return f"the {what} in '{path}' is not valid JSON ({exc}); {_FIXES[what]}"
        if not isinstance(content, dict):
            kind = {
                "NoneType": "null",
                "bool": "boolean",
                "list": "array",
                "str": "string",
                "int": "number",
                "float": "number",
            }.get(type(content).__name__, type(content).__name__)
            return f"the {what} in '{path}' is a JSON {kind}, not an object; {_FIXES[what]}"
    return None


def _plan_arguments(tap_cls: type[Tap], argv: t.Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog=tap_cls.name,
        description="Print what a run would cost (windows, requests, time), without a "
        "request for data.",
    )
    parser.add_argument("--plan", action="store_true", required=True)
    parser.add_argument("--config", action="append", default=[], metavar="FILE|ENV")
    parser.add_argument("--state", metavar="FILE")
    parser.add_argument("--catalog", "--properties", dest="catalog", metavar="FILE")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    return parser.parse_args(list(argv))


def _json_file(flag: str, path: str) -> dict[str, t.Any]:
    """The JSON object in ``path`` (given as ``flag``), or one clear TapError."""
    try:
        with open(path, encoding="utf-8") as fh:
            loaded = json.load(fh)
    except OSError as exc:
        msg = f"{flag} file '{path}' cannot be read: {exc.strerror}"
        raise TapError(msg) from None
    except ValueError as exc:
        msg = f"{flag} file '{path}' is not valid JSON ({exc})"
        raise TapError(msg) from None
    if not isinstance(loaded, dict):
        msg = f"{flag} file '{path}' does not hold a JSON object"
        raise TapError(msg)
    return loaded


def run_plan(tap_cls: type[Tap], argv: t.Sequence[str]) -> None:
    """``<tap> --config C [--state S] [--catalog K] --plan [--format json]``."""
    from tapkit.plan import plan_tap

    args = _plan_arguments(tap_cls, argv)
    config: dict[str, t.Any] = {}
    for path in (c for c in args.config if c != "ENV"):  # later files win, as in a run
        config.update(_json_file("--config", path))
    # The state and the catalog are read here, as a run reads them: the SDK deprecates
    # passing their paths (a warning now, an error in a later release).
    tap = tap_cls(
        config=config,
        state=_json_file("--state", args.state) if args.state else None,
        catalog=_json_file("--catalog", args.catalog) if args.catalog else None,
        parse_env_config="ENV" in args.config,
        validate_config=True,
        setup_mapper=False,
    )
    plan = plan_tap(tap)
    print(plan.as_json() if args.format == "json" else plan.text(), flush=True)


def _connection_error(exc: BaseException) -> requests.ConnectionError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, requests.ConnectionError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _host(url: str) -> str:
    """``host[:port]`` of ``url``, without any user name or password."""
    parsed = urlparse(url)
    if not parsed.hostname:
        return ""
    return f"{parsed.hostname}:{parsed.port}" if parsed.port else parsed.hostname


def _plain_url(url: str) -> str:
    """``url`` without user info, query or fragment (which may hold credentials)."""
    parsed = urlparse(url)
    return f"{parsed.scheme}://{_host(url)}{parsed.path}"


def unreachable_message(tap_cls: type[Tap], exc: requests.ConnectionError) -> str:
    """``cannot connect to <host> (<setting> = <url>): <reason>``: the host and the
    setting that points there, so the fix is obvious (a sandbox URL left in production
    config, a typo, a firewall)."""
    import re

    host = _host(str(getattr(exc.request, "url", None) or "")) or "the API host"
    config = _LAST_CONFIG.get(tap_cls.name, {})
    props = tap_cls.config_jsonschema.get("properties", {})
    names = tuple(getattr(tap_cls, "url_settings", ("api_url",)))
    named = []
    for key in names:
        value = config.get(key, props.get(key, {}).get("default"))
        if value and _host(str(value)) == host:
            named.append(f"{key} = {_plain_url(str(value))}")
    domain = str(config.get("domain") or "").strip()
    if not named and domain and domain == host:
        named.append(f"domain = {domain}")
    setting = ", ".join(named) or f"a host none of {', '.join(names)} names"
    found = re.search(r"\[Errno -?\d+\] ([^'\")\]]+)", str(exc))
    reason = found.group(1).strip() if found else type(exc).__name__
    if isinstance(exc, requests.ConnectTimeout):
        reason = "connection timed out"
    return (
        f"cannot connect to {host} ({setting}): {reason}; check that setting and the "
        "network, then run again"
    )


#: Failures the console entry point shows as one line (anything else is a bug: traceback).
CLEAR_FAILURES: tuple[type[BaseException], ...] = (
    TapError,
    FatalAPIError,
    RetriableAPIError,
    requests.RequestException,
)


def failure_line(tap_cls: type[Tap], exc: BaseException) -> str | None:
    """The one line the console entry point prints for ``exc`` (exit code 1), or None
    when ``exc`` is not a known failure (the SDK then prints a traceback).

    A settings error (``ConfigValidationError``) is printed by the SDK, one line per
    setting; it is joined here with ``; ``.
    """
    if isinstance(exc, ConfigValidationError):
        message = "; ".join(str(e) for e in exc.errors) or str(exc)
    elif isinstance(exc, CLEAR_FAILURES):
        message = str(exc.args[0]) if exc.args else type(exc).__name__
        if isinstance(exc, RetriableAPIError):
            message = f"gave up after retries: {message}"
        if isinstance(exc, requests.RequestException):
            message = f"network error, gave up after retries: {type(exc).__name__}"
        unreachable = _connection_error(exc)
        if unreachable is not None:
            message = unreachable_message(tap_cls, unreachable)
    else:
        return None
    # Secrets are already redacted by the streams; this is a last guard.
    secrets = [*_env_secrets(tap_cls), *secret_values(tap_cls, _LAST_CONFIG.get(tap_cls.name, {}))]
    return f"{tap_cls.name} failed: {redact(message, secrets)}"


def run_cli(tap_cls: type[Tap]) -> None:
    """Console entry point: known failures become one clear line and exit code 1."""
    log = logging.getLogger(tap_cls.name)
    problem = _unreadable_json_file(sys.argv[1:])
    if problem:
        logging.basicConfig(format="%(message)s")
        log.error("%s failed: %s", tap_cls.name, problem)
        sys.exit(1)
    try:
        if "--plan" in sys.argv[1:]:
            try:
                run_plan(tap_cls, sys.argv[1:])
            except ConfigValidationError as exc:
                # A run has the SDK print settings errors; --plan is the kit's own.
                log.error("%s", failure_line(tap_cls, exc))
                sys.exit(1)
            return
        tap_cls.cli()
    except CLEAR_FAILURES as exc:
        log.error("%s", failure_line(tap_cls, exc))
        sys.exit(1)


def _env_secrets(tap_cls: type[Tap]) -> list[str]:
    import os

    props = tap_cls.config_jsonschema.get("properties", {})
    prefix = tap_cls.name.upper().replace("-", "_")
    return [
        os.environ[f"{prefix}_{k.upper()}"]
        for k, v in props.items()
        if v.get("secret") and f"{prefix}_{k.upper()}" in os.environ
    ]
