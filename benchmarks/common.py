"""Shared pieces of the benchmarks: sandboxes in their own process, child-process syncs
that report wall time, CPU time and peak RSS, and the minimal "floor" tap.

Why processes: the machine has two cores. A sandbox served from a thread of the process
being measured would share its GIL and bill the simulator's own work (generating data,
encoding JSON) to the tap. Each measured sync runs in a fresh child, so one run's memory
or warm caches cannot hide in another's; the sandbox runs in a third process.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable
SERVE = str(ROOT / "benchmarks" / "serve.py")
CHILD = str(ROOT / "benchmarks" / "child.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def sandbox(factory: str, **options: t.Any) -> Iterator[str]:
    """Serve ``module:factory(**options)`` from its own process; yields the base URL."""
    port = free_port()
    proc = subprocess.Popen(
        [PYTHON, SERVE, factory, "--port", str(port), "--options", json.dumps(options)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if "listening" not in line:
            raise RuntimeError(f"sandbox {factory} did not start: {line}{proc.stdout.read()}")
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        if proc.poll() is None:
            proc.kill()


def control(base: str, path: str, body: t.Any = None) -> t.Any:
    """GET (or POST ``body`` to) a ``/__sandbox__/`` control endpoint."""
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(  # noqa: S310
        f"{base}/__sandbox__/{path}", data=data, method="POST" if data is not None else "GET"
    )
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        return json.loads(resp.read())


def run_child(spec: dict[str, t.Any], *, timeout: float = 900) -> dict[str, t.Any]:
    """Run ``child.py`` with ``spec``; its stdout (the Singer stream) goes to /dev/null."""
    with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as out:
        result_path = out.name
    spec = {**spec, "result_path": result_path}
    try:
        proc = subprocess.run(
            [PYTHON, CHILD, json.dumps(spec)],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            timeout=timeout,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"child failed ({spec.get('label')}):\n{proc.stderr[-3000:]}")
        return t.cast("dict[str, t.Any]", json.loads(Path(result_path).read_text()))
    finally:
        with contextlib.suppress(OSError):
            os.unlink(result_path)


def median(values: t.Iterable[float]) -> float:
    return float(statistics.median(list(values)))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Stopwatch:
    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall, time.process_time() - self.cpu
