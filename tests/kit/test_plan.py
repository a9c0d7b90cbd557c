"""`--plan`: windows, requests and time per stream, without a request for data; the
requests it counts are the requests the run then sends."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import typing as t
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.core import serve
from sandbox.lexer import DEFAULT_TOKEN, LexerApp
from sandbox.livechat import DEFAULT_ACCOUNT_ID, DEFAULT_PAT, LiveChatApp
from tap_lexer_activity.tap import TapLexerActivity
from tap_livechat_reports.tap import TapLivechatReports
from tapkit.plan import plan_tap
from tapkit.testing import run_sync


@pytest.fixture
def lexer() -> Iterator[tuple[LexerApp, str]]:
    # export jobs: pending twice, then complete (3 status checks, as the plan assumes)
    app = LexerApp(rate_limit_max=10_000, rate_limit_window=1.0, export_pending_polls=2)
    with serve(app) as url:
        yield app, url


def lexer_config(url: str, **extra: t.Any) -> dict[str, t.Any]:
    return {
        "api_token": DEFAULT_TOKEN,
        "api_url": f"{url}/v1",
        "exports_api_url": f"{url}/api/public/v1",
        # Sydney leaves daylight time on 2026-04-05: a 25-hour day inside the range.
        "start_date": "2026-04-01",
        "end_date": "2026-04-10",
        "timezone": "Australia/Sydney",
        "nps_form_ids": [55],
        "export_poll_interval_seconds": 0.01,
        "rate_limit_max_requests": 10_000,
        "rate_limit_window_seconds": 1.0,
        # The simulator's default reading; "detect" (the tap's default) asks a day twice
        # until an answer tells, which a plan cannot foresee (see the test below).
        "date_to_reading": "inclusive",
        **extra,
    }


def test_the_lexer_plan_counts_the_requests_the_run_sends(lexer: tuple[LexerApp, str]) -> None:
    app, url = lexer
    config = lexer_config(url)
    plan = plan_tap(TapLexerActivity(config=config))
    assert app.stats["requests"] == 0  # planning asked nothing
    assert plan.complete
    assert set(plan.streams) == set(TapLexerActivity(config=config).streams)
    assert plan.streams["summary"].windows == 10
    # the series is cut where the offset changes; one more (hourly) request for the
    # 25-hour day, whose counts are summed by the hour
    assert plan.streams["states_volume"].windows == 2
    assert plan.streams["states_volume"].requests == 3
    assert plan.streams["response_volume"].requests == 2  # an average: not summed by hour
    # two export jobs of 7 and 3 days: start, 3 status checks, file
    assert plan.streams["case_details"].windows == 2
    assert plan.streams["case_details"].requests == 10

    result = run_sync(TapLexerActivity, config)
    assert result.records["summary"]
    assert app.stats["requests"] == plan.requests

    # The next run, from this run's STATE: the plan reads the bookmarks as the run does.
    state = result.final_state
    app.stats.clear()
    again = plan_tap(TapLexerActivity(config=config, state=state))
    assert again.requests < plan.requests
    run_sync(TapLexerActivity, config, state=state)
    assert app.stats["requests"] == again.requests


@pytest.fixture
def livechat() -> Iterator[tuple[LiveChatApp, str]]:
    # pages of 1,000 chats: one page a day for queued_visitors_left
    app = LiveChatApp(rate_limit_max=10_000, rate_limit_window=1.0, page_size=1000)
    with serve(app) as url:
        yield app, url


def test_the_livechat_plan_counts_the_requests_the_run_sends(
    livechat: tuple[LiveChatApp, str],
) -> None:
    app, url = livechat
    config = {
        "api_url": url,
        "account_id": DEFAULT_ACCOUNT_ID,
        "personal_access_token": DEFAULT_PAT,
        # Warsaw leaves summer time on 2026-10-25
        "start_date": "2026-10-22",
        "end_date": "2026-10-27",
        "timezone": "Europe/Warsaw",
        "rate_limit_max_requests": 10_000,
        "rate_limit_window_seconds": 1,
    }
    tap = TapLivechatReports(config=config)
    plan = plan_tap(tap)
    assert app.stats["requests"] == 0
    assert plan.streams["chats_total_chats"].windows == 6
    # One request per stream and day, plus the run's one probe of how `filters.to` is read.
    assert plan.requests == 6 * len(plan.streams) + 1
    assert list(plan.as_dict()["overhead"].values()) == [1]
    run_sync(TapLivechatReports, config)
    assert app.stats["requests"] == plan.requests


def test_an_older_api_version_plans_no_request_for_newer_methods(
    livechat: tuple[LiveChatApp, str],
) -> None:
    _app, url = livechat
    config = {
        "api_url": url,
        "account_id": DEFAULT_ACCOUNT_ID,
        "personal_access_token": DEFAULT_PAT,
        "start_date": "2026-10-22",
        "end_date": "2026-10-23",
        "api_version": "3.5",
    }
    plan = plan_tap(TapLivechatReports(config=config))
    assert plan.streams["stats_visitors"].requests == 0
    assert plan.streams["chats_total_chats"].requests == 2


def plan_cli(tmp_path: Path, config: dict[str, t.Any], *args: str) -> subprocess.CompletedProcess:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "from tap_lexer_activity.tap import main; main()",
            "--config",
            str(path),
            "--plan",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )


def test_plan_json_from_the_console_script_without_a_request(
    lexer: tuple[LexerApp, str], tmp_path: Path
) -> None:
    app, url = lexer
    config = lexer_config(
        url,
        start_date="2024-01-01",
        end_date="2026-11-25",
        timezone="UTC",
        rate_limit_max_requests=100,
        rate_limit_window_seconds=300,
    )
    del config["nps_form_ids"]  # the NPS forms would have to be listed by the API
    proc = plan_cli(tmp_path, config, "--format", "json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert app.stats["requests"] == 0
    assert set(plan) >= {"streams", "requests", "seconds"}
    summary = plan["streams"]["summary"]
    assert summary["windows"] == summary["requests"] == 1060  # 2024-01-01..2026-11-25
    assert summary["seconds"] == 1060 * 3  # 100 requests per 300 s
    assert plan["requests"] == sum(s["requests"] for s in plan["streams"].values())
    assert plan["seconds"] == pytest.approx(
        sum(s["seconds"] for s in plan["streams"].values()), abs=1
    )
    nps = plan["streams"]["nps_summary"]
    assert nps["requests"] == 0 and "notes" in nps and plan["complete"] is False


def test_plan_text_lists_every_stream_then_the_total(
    lexer: tuple[LexerApp, str], tmp_path: Path
) -> None:
    app, url = lexer
    # Lexer's documented limit: 100 requests per 300 s, 3 s a request.
    config = lexer_config(url, rate_limit_max_requests=100, rate_limit_window_seconds=300)
    proc = plan_cli(tmp_path, config)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().splitlines()
    assert lines[0].split()[:4] == ["stream", "windows", "requests", "time"]
    summary = next(line for line in lines if line.startswith("summary "))
    assert summary.split()[1:4] == ["10", "10", "30s"]
    assert lines[-1].startswith("total")
    assert app.stats["requests"] == 0


def test_a_run_planned_longer_than_an_hour_logs_the_plan_first(
    lexer: tuple[LexerApp, str], caplog: pytest.LogCaptureFixture
) -> None:
    _app, url = lexer
    # 1,000 requests per 1,000,000 s: 1,000 s a request, and this run's few go at once
    config = lexer_config(url, rate_limit_max_requests=1000, rate_limit_window_seconds=1_000_000)
    with caplog.at_level(logging.INFO):
        run_sync(TapLexerActivity, config, streams=["summary", "user_summary", "forms"])
    messages = [r.getMessage() for r in caplog.records]
    first = next(i for i, m in enumerate(messages) if "This run is planned at 21 request(s)" in m)
    assert any(m.startswith("plan | total") for m in messages[first:])
    sent = next(i for i, m in enumerate(messages) if "window(s) from" in m)
    assert first < sent  # before the first stream's windows


def test_a_short_run_logs_no_plan(
    lexer: tuple[LexerApp, str], caplog: pytest.LogCaptureFixture
) -> None:
    _app, url = lexer
    with caplog.at_level(logging.INFO):
        run_sync(TapLexerActivity, lexer_config(url), streams=["summary"])
    assert not any("This run is planned" in r.getMessage() for r in caplog.records)


def test_a_missing_config_file_is_one_line_naming_it(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "from tap_lexer_activity.tap import main; main()",
            "--config",
            str(tmp_path / "nope.json"),
            "--plan",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": os.getcwd()},
    )
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    assert "nope.json' does not exist" in proc.stderr.strip().splitlines()[-1]


def test_while_the_date_to_reading_is_detected_the_plan_counts_the_most(
    lexer: tuple[LexerApp, str],
) -> None:
    app, url = lexer
    config = lexer_config(url, date_to_reading="detect")
    plan = plan_tap(TapLexerActivity(config=config))
    assert plan.streams["summary"].requests == 2 * plan.streams["summary"].windows
    assert any("date_to_reading" in note for note in plan.streams["summary"].notes)
    pinned = plan_tap(TapLexerActivity(config=lexer_config(url)))
    assert plan.requests > pinned.requests
    run_sync(TapLexerActivity, config)
    assert pinned.requests <= app.stats["requests"] <= plan.requests
