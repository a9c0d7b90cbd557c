"""Profile one throughput case with pyinstrument (``pip install pyinstrument``; it is not
a project dependency):

    .venv/bin/python benchmarks/profile_case.py dixa [--quick] [--html out.html]

The sandbox runs in its own process; the tap runs here, output to /dev/null, under the
profiler. Discovery happens before the profiler starts.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_throughput import cases
from benchmarks.child import tap_class, use_writer
from benchmarks.common import sandbox


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("case", help="part of a case name: lexer, dixa, livechat, liveperson")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--writer", default="simple")
    parser.add_argument("--html")
    args = parser.parse_args()
    from pyinstrument import Profiler

    from tapkit.testing import catalog_selecting

    case = next(c for c in cases(args.quick) if args.case.lower() in c.name.lower())
    logging.disable(logging.WARNING)
    with sandbox(case.factory, **case.options) as base:
        config = case.config(base)
        cls = tap_class(case.tap)
        use_writer(cls, args.writer)
        catalog = catalog_selecting(cls(config=config), [case.stream])
        profiler = Profiler(interval=0.0005)
        with open(os.devnull, "w") as null, contextlib.redirect_stdout(null):
            profiler.start()
            cls(config=config, catalog=catalog).sync_all()
            profiler.stop()
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    print(
        profiler.output_text(
            unicode=True, color=False, show_all=os.environ.get("PROFILE_ALL") == "1"
        )
    )


if __name__ == "__main__":
    main()
