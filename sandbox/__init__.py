"""Offline simulators of the four vendor APIs (for the demo, the tests and benchmarks)."""

from __future__ import annotations

import importlib
import typing as t

if t.TYPE_CHECKING:
    from sandbox.core import SandboxApp

#: vendor name -> "module:factory". A factory takes keyword options and returns an app.
APPS: dict[str, str] = {
    "lexer": "sandbox.lexer:build",
    "livechat": "sandbox.livechat:build",
    "dixa": "sandbox.dixa:build",
    "liveperson": "sandbox.liveperson:build",
}


def build_app(vendor: str, **options: t.Any) -> SandboxApp:
    """Build the simulator of ``vendor`` with factory ``options``."""
    try:
        target = APPS[vendor]
    except KeyError:
        msg = f"unknown sandbox '{vendor}'; choose one of {', '.join(sorted(APPS))}"
        raise SystemExit(msg) from None
    module_name, factory = target.split(":")
    module = importlib.import_module(module_name)
    return t.cast("SandboxApp", getattr(module, factory)(**options))
