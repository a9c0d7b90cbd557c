"""The console script on export failures: one clear line, exit 1, no secret; and the
file of a real run through a JSON config file (numbers arrive as Decimal)."""

from __future__ import annotations

import json
import subprocess
import sys
import typing as t
from pathlib import Path

from sandbox.lexer import DEFAULT_TOKEN, LexerApp
from sandbox.lexer_exports import ExportService

EXE = str(Path(sys.executable).parent / "tap-lexer-activity")


def run_cli(
    config: dict[str, t.Any], tmp_path: Path, stream: str
) -> subprocess.CompletedProcess[str]:
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps(config))
    discovered = subprocess.run(
        [EXE, "--config", str(cfg), "--discover"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        for meta in entry["metadata"]:
            if meta["breadcrumb"] == []:
                meta["metadata"]["selected"] = entry["tap_stream_id"] == stream
    cat = tmp_path / "catalog.json"
    cat.write_text(json.dumps(catalog))
    return subprocess.run(
        [EXE, "--config", str(cfg), "--catalog", str(cat)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_failed_job_is_one_error_line_and_exit_1(
    exports: ExportService, config: dict[str, t.Any], tmp_path: Path
) -> None:
    exports.fail_rate = 1.0
    out = run_cli(config, tmp_path, "case_details")
    assert out.returncode == 1
    (token,) = exports.jobs
    errors = [line for line in out.stderr.splitlines() if "tap-lexer-activity failed:" in line]
    assert len(errors) == 1
    assert token in errors[0] and "failed" in errors[0]
    assert DEFAULT_TOKEN not in out.stderr + out.stdout
    assert '"type":"RECORD"' not in out.stdout.replace(" ", "")


def test_a_run_from_a_config_file_streams_every_row(
    app: LexerApp, exports: ExportService, config: dict[str, t.Any], tmp_path: Path
) -> None:
    out = run_cli({**config, "export_poll_interval_seconds": 0.01}, tmp_path, "mention_sla_export")
    assert out.returncode == 0, out.stderr[-500:]
    records = [json.loads(line) for line in out.stdout.splitlines() if '"RECORD"' in line]
    assert len(records) == len({r["record"]["row_key"] for r in records}) > 100
    states = [json.loads(line) for line in out.stdout.splitlines() if '"STATE"' in line]
    assert len(states) >= 3  # one after each of the three windows
    assert DEFAULT_TOKEN not in out.stderr
