"""Whatever a client sends, within the published schema or outside it, the answer is never a 5xx: schemathesis
(`bench/fuzz.py`) generates the requests from the gateway's own `/openapi.json`, stateless and following its links
(a filing, then its status, reading, forwarding, answering, extending), against the running system, anonymously and
as each kind of officer. `make chaos` runs the same with at least 10,000 requests.

Its command line is used rather than its pytest plugin, which does not run on the pinned pytest 9.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

_spec = importlib.util.spec_from_file_location("fuzz", Path(__file__).resolve().parents[2] / "bench" / "fuzz.py")
assert _spec and _spec.loader
fuzz = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(fuzz)


@pytest.mark.parametrize("caller", fuzz.CALLERS, ids=[caller or "anonymous" for caller in fuzz.CALLERS])
def test_no_request_gets_a_server_error(system, caller):
    run = fuzz.fuzz_as(system.base_url, caller, max_examples=30, password=DEMO_PASSWORD)
    assert run["returncode"] == 0, run["output"]
    assert run["requests"] > 100, run["output"]  # the hook counted what was sent: the run did run
