"""Serve one sandbox app in this process: ``serve.py module:factory --port N --options JSON``.

Like ``python -m sandbox <vendor>``, but any factory (the benchmarks' scaled simulators
too) and options as one JSON object.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.core import serve_forever


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("factory")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--options", default="{}")
    args = parser.parse_args()
    module, name = args.factory.split(":")
    app = getattr(importlib.import_module(module), name)(**json.loads(args.options))
    serve_forever(app, "127.0.0.1", args.port)


if __name__ == "__main__":
    main()
