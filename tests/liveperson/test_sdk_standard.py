"""The SDK's standard tap tests (``singer_sdk.testing.get_tap_test_class``) against the
LivePerson sandbox, served for this module on the real clock (the API's last 24 hours)."""

from __future__ import annotations

import atexit
import contextlib

import pytest
from singer_sdk.testing import get_tap_test_class

import sandbox.liveperson as lp
from sandbox.core import serve
from tap_agentactivity.tap import TapAgentActivity

from .helpers import SEED, oauth_config

# The test class is built from a config at import, before any fixture runs: the server
# is started here and stopped when the interpreter exits.
_server = contextlib.ExitStack()
URL = _server.enter_context(serve(lp.build(seed=SEED)))
atexit.register(_server.close)

# `_sdc_deleted_at` is set only on tombstones (keys a re-fetched interval no longer lists),
# which a first run cannot have: the record test's "field never seen" warning is expected
# for that column alone (any other missing column still fails).
TestTapAgentActivity = pytest.mark.filterwarnings(
    r"ignore:Fields in transformed catalog but not in records. \(\{'_sdc_deleted_at'\}\)"
    ":UserWarning"
)(get_tap_test_class(TapAgentActivity, config=oauth_config(URL, lookback_minutes=60)))
