"""Run simulators: ``python -m sandbox lexer --port 8701`` or ``python -m sandbox all``.

``all`` starts every simulator that is available on consecutive ports from
``--port`` (lexer, livechat, dixa, liveperson) in one process.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib.util
import json
import sys
import threading
import time

from sandbox import APPS, build_app
from sandbox.core import serve, serve_forever

#: Each vendor's rate-limit window as the `sandbox` environment in meltano.yml expects it
#: (compressed the same way on both sides), for one vendor or ``all``; ``--set`` overrides.
DEMO_OPTIONS: dict[str, dict[str, object]] = {
    "lexer": {"rate_limit_window": 3.0},
}


def _options(pairs: list[str]) -> dict[str, object]:
    options: dict[str, object] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def _port_in_use(exc: OSError, vendor: str, host: str, port: int) -> SystemExit:
    """One line instead of a traceback when a port is taken."""
    if exc.errno != errno.EADDRINUSE:
        raise exc
    print(
        f"sandbox: cannot start the {vendor} simulator: {host}:{port} is already in use "
        f"(another sandbox or program listens there; stop it or pass another --port)",
        file=sys.stderr,
    )
    return SystemExit(1)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("vendor", choices=[*sorted(APPS), "all"])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8701)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="factory option, e.g. --set rate_limit_window=5 (values are JSON when they parse)",
    )
    args = parser.parse_args()
    options = _options(args.set)
    if args.vendor != "all":
        app = build_app(args.vendor, **{**DEMO_OPTIONS.get(args.vendor, {}), **options})
        try:
            serve_forever(app, args.host, args.port)
        except OSError as exc:
            raise _port_in_use(exc, args.vendor, args.host, args.port) from None
        return
    with contextlib.ExitStack() as stack:
        for offset, vendor in enumerate(["lexer", "livechat", "dixa", "liveperson"]):
            module = APPS[vendor].split(":")[0]
            if importlib.util.find_spec(module) is None:
                continue
            app = build_app(vendor, **{**DEMO_OPTIONS.get(vendor, {}), **options})
            try:
                url = stack.enter_context(serve(app, args.host, args.port + offset))
            except OSError as exc:
                raise _port_in_use(exc, vendor, args.host, args.port + offset) from None
            print(f"{vendor} sandbox listening on {url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            while threading.main_thread().is_alive():
                time.sleep(3600)


if __name__ == "__main__":
    main()
