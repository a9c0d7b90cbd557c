"""The kit's REST stream: rate limit before sending, retry what can be retried, stop with
a clear message on what cannot, never log a secret.

Vendor streams subclass :class:`KitRESTStream`, set ``vendor_name`` and
``auth_settings``, and provide ``url_base`` and authentication (``http_headers`` or an
authenticator). Two ways to send:

* the SDK's own ``request_records`` / paginator machinery (catalogue-style streams); or
* :meth:`KitRESTStream.send`, for streams that drive their own loop (date windows, async
  jobs, CSV downloads).

Both go through :meth:`KitRESTStream.request_decorator`, the SDK's public hook around the
function that sends one request: every attempt (retries included) is refused while a plan
is made, spends the shared rate-limit budget and is counted; 429s are waited out, 5xx,
timeouts and dropped connections retried; and every response passes the same
:meth:`KitRESTStream.validate_response`.
"""

from __future__ import annotations

import copy
import functools
import logging
import random
import time
import typing as t
from urllib.parse import urlparse

import backoff
import requests
from singer_sdk import RESTStream, Tap, metrics
from singer_sdk.exceptions import FatalAPIError, RetriableAPIError
from singer_sdk.singerlib.catalog import REPLICATION_INCREMENTAL

from tapkit.errors import (
    FatalRequestError,
    MalformedResponseError,
    RateLimitedError,
    TapError,
    parse_retry_after,
    redact,
)
from tapkit.plan import Cost, PlanNeedsAPI, StreamPlan
from tapkit.progress import PROGRESS_INTERVAL, Progress
from tapkit.ratelimit import RateLimiter, credential_key, shared_limiter
from tapkit.run import RunContext

RETRIABLE_EXCEPTIONS: tuple[type[Exception], ...] = (
    RetriableAPIError,
    ConnectionResetError,
    requests.exceptions.Timeout,
    requests.exceptions.ConnectionError,
    requests.exceptions.ChunkedEncodingError,
    requests.exceptions.ContentDecodingError,
)

#: Marks a response whose body :meth:`KitRESTStream.check_json` has not decoded.
_NOT_DECODED = object()

STATUS_HINTS = {
    400: "the API rejected the request as invalid",
    401: "the credentials were not accepted: check {auth}",
    403: "the credentials lack permission for this resource: check {auth} and its scopes",
    404: "the resource was not found: check `{url_setting}` and the ids in your settings",
}


class KitRESTStream(RESTStream[t.Any]):
    """Base REST stream with budgeted rate limiting, retries and clear errors."""

    #: Shown in error messages ("Lexer API answered 401 ...").
    vendor_name: str = "the API"
    #: Settings that hold the credential (named in 401/403 messages, keyed in the limiter).
    auth_settings: tuple[str, ...] = ()
    #: The setting holding the base URL (named in 404 messages).
    url_setting: str = "api_url"
    #: The least a 429 waits, whatever the server says (LivePerson asks for >= 1 s).
    min_rate_limit_wait: float = 1.0
    #: Whether a 2xx body must be JSON (checked inside the retry loop).
    expect_json: bool = True

    extra_retry_statuses: t.Sequence[int] = (408,)
    #: Streams that drive their own loop through send() need no SDK path.
    path = ""
    #: A credential never follows a redirect (see validate_response).
    allow_redirects: bool = False
    #: Columns the kit adds to this stream's rows, declared in :mod:`tapkit.schema` and
    #: merged into the stream's schema (its file holds only the vendor's fields).
    kit_columns: t.ClassVar[tuple[str, ...]] = ()

    def __init__(self, tap: Tap, *args: t.Any, **kwargs: t.Any) -> None:
        #: The tap this stream belongs to (the SDK keeps its own reference private).
        self.tap = tap
        #: The run's flags, shared with the tap and its other streams.
        self.run_context: RunContext = getattr(tap, "run_context", None) or RunContext()
        super().__init__(tap, *args, **kwargs)

    # -- numbers that arrive as text ----------------------------------------------------

    @functools.cached_property
    def _numeric_columns(self) -> dict[str, bool]:
        """Schema columns typed integer or number -> whether integer."""
        out = {}
        for name, spec in self.schema.get("properties", {}).items():
            kinds = spec.get("type", [])
            kinds = [kinds] if isinstance(kinds, str) else kinds
            if "integer" in kinds:
                out[name] = True
            elif "number" in kinds:
                out[name] = False
        return out

    def post_process(self, row: dict, context: t.Any = None) -> dict | None:
        """A number the API sent as text is loaded as the number when that is exact;
        text that is not a number stops the run (loading it, or NULL, would change the
        vendor's figures without a word)."""
        for name, integer in self._numeric_columns.items():
            value = row.get(name)
            if isinstance(value, str):
                row[name] = self._as_number(name, value, integer)
        return row

    def _as_number(self, name: str, value: str, integer: bool) -> int | float:
        text = value.strip()
        try:
            number = float(text)
            if integer:
                if not number.is_integer():
                    raise ValueError(text)
                return int(number)
            return int(text) if text.lstrip("-").isdigit() else number
        except ValueError:
            msg = (
                f"{self.vendor_name} sent {value[:40]!r} for the {'integer' if integer else 'number'} "
                f"field '{name}' of stream '{self.name}'; the run stops rather than load "
                "a changed figure (nothing past the last complete window is marked done)"
            )
            raise TapError(msg) from None

    # -- settings -----------------------------------------------------------------------

    def _setting(self, name: str, default: t.Any) -> t.Any:
        value = self.config.get(name)
        return default if value is None else value

    @property
    def timeout(self) -> int:
        return int(self._setting("request_timeout_seconds", 60))

    def secrets(self) -> list[str]:
        """Values of every secret setting, to keep out of messages."""
        props = self.tap.config_jsonschema.get("properties", {})
        return [
            str(self.config[k])
            for k, spec in props.items()
            if spec.get("secret") and self.config.get(k)
        ]

    # -- rate limiting -------------------------------------------------------------------

    def credential_id(self) -> str:
        return credential_key(*(self.config.get(name) for name in self.auth_settings))

    @property
    def rate_limit_window(self) -> float:
        return float(self._setting("rate_limit_window_seconds", 300))

    @property
    def limiter(self) -> RateLimiter:
        host = urlparse(self.url_base).netloc
        return shared_limiter(
            self.credential_id(),
            host,
            int(self._setting("rate_limit_max_requests", 100)),
            self.rate_limit_window,
            state_dir=self.config.get("rate_limit_state_dir") or None,
        )

    # -- planning (see tapkit.plan) ------------------------------------------------------

    #: Said beside the stream in a plan (e.g. "paged: at least one request").
    plan_note: t.ClassVar[str] = ""

    def plan_partitions(self) -> list[dict[str, t.Any]] | None:
        """The partitions a run would sync; raises :class:`PlanNeedsAPI` when only the API
        can list them."""
        return t.cast("list[dict[str, t.Any]] | None", self.partitions)

    def plan_cost(self, context: t.Mapping[str, t.Any] | None) -> tuple[int, Cost]:
        """(windows, cost) of one partition, or of the stream: a stream that is not
        date-windowed reads its table with one request."""
        return 0, Cost(1)

    def plan_stream(self) -> StreamPlan:
        """This stream's part of the plan of a run (see :func:`tapkit.plan.plan_tap`)."""
        per_request = self.rate_limit_window / int(self._setting("rate_limit_max_requests", 100))
        out = StreamPlan(seconds_per_request=per_request)
        if self.plan_note:
            out.notes.append(self.plan_note)
        try:
            partitions = self.plan_partitions()
        except PlanNeedsAPI:
            out.notes.append(
                "its partitions are listed by the API, so they are not counted: name them "
                "in the settings to plan them"
            )
            out.complete = False
            return out
        if partitions is not None:
            out.partitions = len(partitions)
        for context in partitions if partitions is not None else [None]:
            windows, cost = self.plan_cost(context)
            out.windows += windows
            out.cost = out.cost + cost
        return out

    def check_plan_once(self) -> None:
        """The first stream of a run to read logs the run's plan when it is a long one."""
        log_plan_if_long = getattr(self.tap, "log_plan_if_long", None)
        if not self.run_context.plan_checked and log_plan_if_long is not None:
            self.run_context.plan_checked = True
            log_plan_if_long()

    def get_records(self, context: t.Any) -> t.Iterable[dict[str, t.Any]]:
        self.check_plan_once()
        yield from super().get_records(context)

    # -- what the API sent, and notices ------------------------------------------------

    @property
    def answer_name(self) -> str:
        """What an answer of this stream is called in messages (a report, a method)."""
        return f"stream '{self.name}'"

    def malformed(self, body: t.Any, expected: str, what: str | None = None) -> TapError:
        """The error for an answer that is not what the docs give: the tap stops (it is
        not retried) rather than load partial data. ``what`` names the answer (default
        :attr:`answer_name`)."""
        kind = type(body).__name__
        return TapError(
            f"{self.vendor_name} answered {what or self.answer_name} with a {kind} where "
            f"{expected} was documented; the tap stops rather than load partial data"
        )

    def warn_once(
        self, key: t.Hashable, message: str, *args: t.Any, level: str = "warning"
    ) -> None:
        """Log ``message % args`` the first time ``key`` comes up in this run. The run's
        keys are shared by every stream of the tap: a notice said once per stream has the
        stream's name in its key."""
        if self.run_context.first_time(key):
            getattr(self.logger, level)(message, *args)

    # -- STATE -------------------------------------------------------------------------

    def advance_bookmark(self, value: str, context: t.Mapping[str, t.Any] | None) -> None:
        """Set this stream's (partition's) bookmark to ``value`` without a record.

        A period can be complete yet have no rows (no agent logged in); the SDK advances
        the bookmark only from records it writes. This does what it does for a record
        whose replication value is ``value``, through the stream state manager's public
        ``increment_state`` (the SDK's own bookkeeping: sorted or not, partitions).
        """
        if self.replication_method == REPLICATION_INCREMENTAL and self.replication_key:
            self.state_manager.increment_state(
                {self.replication_key: value},
                context=context,  # type: ignore[arg-type]
                replication_key=self.replication_key,
            )

    def emit_state(self) -> None:
        """Write a STATE message now, if a record went out since the last one.

        The SDK writes STATE every ``STATE_MSG_FREQUENCY`` records and at the end of a
        stream; it has no public call for "this window is complete, write it now". This
        is that call, made of public members: the tap's ``state_writer`` (which also
        skips a STATE equal to the last one) and the stream state manager's
        ``is_flushed`` flag (set when a STATE goes out, cleared by each record), which
        the SDK's end-of-stream STATE honours too.
        """
        if self.state_manager.is_flushed:
            return
        _ = self.stream_state  # the stream's entry exists in the STATE written
        self.tap.state_writer.write_state(self.tap_state)
        self.state_manager.is_flushed = True

    def _refuse_while_planning(self) -> None:
        if self.run_context.planning:
            msg = f"stream '{self.name}' would call {self.vendor_name} to plan"
            raise PlanNeedsAPI(msg)

    # -- retries -------------------------------------------------------------------------

    def backoff_max_tries(self) -> int:
        return int(self._setting("max_retries", 5)) + 1

    def _error_waits(self) -> t.Generator[float, t.Any, None]:
        """Exponential backoff with full jitter for 5xx, timeouts and dropped connections."""
        base = float(self._setting("backoff_base_seconds", 1.0))
        cap = float(self._setting("backoff_max_seconds", 60.0))
        attempt = 0
        yield 0.0  # initialisation send
        while True:
            delay = min(cap, base * (2**attempt))
            attempt += 1
            yield random.uniform(delay / 2, delay)

    def _rate_limit_waits(self) -> t.Generator[float, t.Any, None]:
        """Waits after consecutive 429s of one request: from the vendor's floor
        (``min_rate_limit_wait``), doubling up to the rate-limit window, never shorter than
        the server's ``Retry-After`` nor than the wait for the budget to free. Each wait
        spends the shared budget (:meth:`RateLimiter.penalize`), so every stream and every
        process on the credential holds off too."""
        exc = yield 0.0
        window = self.rate_limit_window
        floor = self.min_rate_limit_wait
        step = 0
        while True:
            backoff_wait = min(max(window, floor), floor * 2**step)
            step += 1
            asked = getattr(exc, "retry_after", None)
            wait = max(backoff_wait, asked or 0.0, floor, self.limiter.seconds_until_free())
            self.limiter.penalize(wait)
            exc = yield wait

    def rate_limit_patience(self) -> float:
        """Seconds of waiting after consecutive 429s of one request before the run gives
        up: the rate-limit window (a neighbour on the credential has spent its budget by
        then), and never less than ``max_rate_limit_retries`` of the shortest waits."""
        most = int(self._setting("max_rate_limit_retries", 30))
        return max(self.rate_limit_window, most * self.min_rate_limit_wait)

    def _rate_limited(self, func: t.Callable) -> t.Callable:
        """Retry 429s (see :meth:`_rate_limit_waits`) until the waits for one request add
        up to more than :meth:`rate_limit_patience`, then fail with one line saying so."""

        @functools.wraps(func)
        def call(*args: t.Any, **kwargs: t.Any) -> t.Any:
            waits = self._rate_limit_waits()
            next(waits)
            waited, tries = 0.0, 0
            patience = self.rate_limit_patience()
            while True:
                try:
                    return func(*args, **kwargs)
                except RateLimitedError as exc:
                    if waited > patience:
                        raise self._rate_limit_exhausted(exc, tries, waited) from exc
                    tries += 1
                    wait = waits.send(exc)
                    self._log_backoff({"exception": exc, "tries": tries, "wait": wait})
                    time.sleep(wait)
                    waited += wait

        return call

    def _rate_limit_exhausted(
        self, exc: RateLimitedError, tries: int, waited: float
    ) -> RateLimitedError:
        first = str(exc.args[0]) if exc.args else "HTTP 429"
        window = self.rate_limit_window
        if self.rate_limit_patience() <= window:
            why = f"more than the rate-limit window, `rate_limit_window_seconds` = {window:g} s"
        else:
            why = "more than `max_rate_limit_retries` shortest waits"
        msg = (
            f"{first}; still rate-limited after {tries} retries and {waited:.1f} s of waiting "
            f"({why}): another application or run may be using the same credential (give "
            "each its own, or lower `rate_limit_max_requests` on every machine that shares it)"
        )
        return RateLimitedError(redact(msg, self.secrets()), exc.response, exc.retry_after)

    def _log_backoff(self, details: t.Any) -> None:
        exc = details.get("exception")
        self.logger.warning(
            "%s: retry %d in %.2f s after: %s",
            self.name,
            details.get("tries", 0),
            details.get("wait", 0.0),
            redact(str(exc), self.secrets()) if exc else "error",
        )

    def _budgeted(self, func: t.Callable) -> t.Callable:
        """Each call of ``func`` (one attempt: retries call it again) is refused while a
        plan is made, waits for and spends the shared rate-limit budget, and is counted.
        A call with ``authenticate=False`` (see :meth:`send`) carries no credential and
        spends no budget."""

        @functools.wraps(func)
        def call(*args: t.Any, **kwargs: t.Any) -> t.Any:
            self._refuse_while_planning()
            limiter = self.limiter if kwargs.get("authenticate", True) else None
            stamp = limiter.acquire() if limiter else 0.0
            self.progress.requests += 1
            try:
                return func(*args, **kwargs)
            finally:
                if limiter:
                    limiter.complete(stamp)

        return call

    def request_decorator(self, func: t.Callable) -> t.Callable:
        """The SDK's hook around the function that sends one request: the SDK's own
        (``request_records``) and :meth:`send_prepared` (:meth:`send`) alike."""
        rate_limited = self._rate_limited(self._budgeted(func))
        return backoff.on_exception(
            self._error_waits,
            RETRIABLE_EXCEPTIONS,
            max_tries=self.backoff_max_tries,
            giveup=lambda exc: isinstance(exc, RateLimitedError),
            jitter=None,
            on_backoff=self._log_backoff,
            logger=None,
        )(rate_limited)

    # -- validation ----------------------------------------------------------------------

    def api_error_text(self, response: requests.Response) -> str:
        """The API's own error message from a response body (vendors override)."""
        try:
            body = response.json()
        except ValueError:
            text = response.text.strip()
            return text[:300] if text else (response.reason or "")
        if isinstance(body, dict):
            for key in ("message", "error", "errors", "detail"):
                if key in body:
                    value = body[key]
                    if isinstance(value, dict):
                        value = value.get("message") or value
                    return str(value)[:300]
        return str(body)[:300]

    def _redacted(self, response: requests.Response) -> requests.Response:
        """A copy of ``response`` whose body has every secret replaced (see :func:`redact`)."""
        clean = copy.copy(response)
        clean._content = redact(response.text, self.secrets()).encode()
        clean.encoding = "utf-8"
        return clean

    def response_error_message(self, response: requests.Response) -> str:
        status = response.status_code
        method = response.request.method if response.request is not None else "GET"
        path = urlparse(response.url).path or self.path or "/"
        hint = STATUS_HINTS.get(status, "")
        auth = " / ".join(f"`{s}`" for s in self.auth_settings) or "the credentials"
        hint = hint.format(auth=auth, url_setting=self.url_setting)
        # Redacted before the API's text is read and cut short: a secret cut in half
        # would no longer match, and its first half would show.
        text = self.api_error_text(self._redacted(response))
        msg = f"{self.vendor_name} answered HTTP {status} to {method} {path}"
        if text:
            msg += f": {text}"
        if hint:
            msg += f" ({hint})"
        return redact(msg, self.secrets())

    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        if status == 429:
            raise RateLimitedError(
                self.response_error_message(response),
                response,
                parse_retry_after(response.headers.get("Retry-After")),
            )
        if status >= 500 or status in self.extra_retry_statuses:
            raise RetriableAPIError(self.response_error_message(response), response)
        if 400 <= status < 500:
            raise FatalRequestError(self.response_error_message(response))
        if 300 <= status < 400:
            # Redirects are not followed with a credential attached (a custom auth header
            # would be forwarded to whatever host the redirect names).
            where = response.headers.get("Location", "?")
            msg = (
                f"{self.vendor_name} redirected {urlparse(response.url).path} to {where}; "
                f"set `{self.url_setting}` to the final address"
            )
            raise FatalRequestError(redact(msg, self.secrets()))
        if self.expect_json and not getattr(self, "_raw_response", False):
            self.check_json(response)

    def check_json(self, response: requests.Response) -> None:
        """Raise a retriable error when a 2xx body is not valid JSON.

        The decoded body is kept on the response, so :meth:`send_json` does not decode
        it a second time (a large page costs milliseconds per decode).
        """
        try:
            response._kit_json = response.json()  # type: ignore[attr-defined]
        except ValueError as exc:
            snippet = redact(response.text, self.secrets())[:80].replace("\n", " ")
            msg = redact(
                f"{self.vendor_name} sent a malformed (non-JSON) body with HTTP "
                f"{response.status_code} for {urlparse(response.url).path}: {snippet!r}",
                self.secrets(),
            )
            raise MalformedResponseError(msg, response) from exc

    # -- sending -------------------------------------------------------------------------

    @functools.cached_property
    def progress(self) -> Progress:
        """This stream's progress, logged once a minute while it syncs."""
        return Progress(self.name, self.logger, PROGRESS_INTERVAL)

    def send_prepared(
        self,
        prepared: requests.PreparedRequest,
        context: t.Any = None,
        *,
        stream: bool = False,
        raw: bool = False,
        authenticate: bool = True,
    ) -> requests.Response:
        """Send ``prepared`` once and validate the answer: the function that
        :meth:`send` hands to :meth:`request_decorator` (as ``request_records`` hands the
        SDK's own). ``raw=True`` skips the JSON check of a 2xx body."""
        if authenticate:
            prepared = self.authenticator(prepared)
        response = self.requests_session.send(
            prepared, timeout=self.timeout, stream=stream, allow_redirects=not authenticate
        )
        self._raw_response = raw
        try:
            self.validate_response(response)
        finally:
            self._raw_response = False
        return response

    def send(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, t.Any] | None = None,
        json: t.Any = None,
        headers: dict[str, str] | None = None,
        authenticate: bool = True,
        stream: bool = False,
        raw: bool = False,
    ) -> requests.Response:
        """Send one request with the kit's limiter, retries and validation.

        ``authenticate=False`` sends no credential at all (no auth header, no session
        auth, no rate-limit budget): for URLs handed back by the API, such as download
        links that may live on a third-party host. ``raw=True`` skips the JSON check.
        """
        self._refuse_while_planning()  # before the headers: building them may need the API
        if authenticate:
            merged = {**self.http_headers, **(headers or {})}
            request = requests.Request(method, url, params=params, json=json, headers=merged)
            request.headers.setdefault("User-Agent", self.user_agent)
        else:
            request = requests.Request(method, url, params=params, json=json, headers=headers)
            request.headers["User-Agent"] = self.user_agent
        do_send = self.request_decorator(self.send_prepared)
        endpoint = urlparse(url).path
        with metrics.http_request_counter(self.name, endpoint=endpoint) as counter:
            response = do_send(
                request.prepare(), None, stream=stream, raw=raw, authenticate=authenticate
            )
            counter.increment()
        return t.cast("requests.Response", response)

    def send_json(self, method: str, url: str, **kwargs: t.Any) -> t.Any:
        """:meth:`send` and return the decoded JSON body."""
        response = self.send(method, url, **kwargs)
        decoded = getattr(response, "_kit_json", _NOT_DECODED)
        return response.json() if decoded is _NOT_DECODED else decoded


def fatal_message(exc: BaseException) -> str:
    """One line for an error that ends the run."""
    if isinstance(exc, FatalAPIError | RetriableAPIError):
        return str(exc.args[0]) if exc.args else type(exc).__name__
    return str(exc) or type(exc).__name__


logger = logging.getLogger(__name__)
