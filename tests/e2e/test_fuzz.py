"""Whatever a client sends, within the published schema or outside it, the answer is never a 5xx: schemathesis
generates the requests from the gateway's own `/openapi.json` (valid and invalid ones, boundary values included)
against the running system, anonymously and as each kind of officer, since most operations only reach the services
behind the gateway once the caller is logged in.

Its command line is used rather than its pytest plugin, which does not run on the pinned pytest 9.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.conftest import DEMO_PASSWORD

pytestmark = pytest.mark.e2e

HOOKS = Path(__file__).with_name("fuzz_auth.py")

# Who the fuzzer acts as: nobody, then an officer, a coordinator, the Presidency and an administrator (SPEC 9).
CALLERS = [None, "pd-06-saglik", "gov-06", "presidency", "admin"]


@pytest.mark.parametrize("caller", CALLERS, ids=[caller or "anonymous" for caller in CALLERS])
def test_no_request_gets_a_server_error(system, caller, tmp_path):
    schemathesis = Path(sys.executable).parent / "schemathesis"
    env = {**os.environ, "CIMER_FUZZ_BASE_URL": system.base_url}
    if caller:
        env |= {"SCHEMATHESIS_HOOKS": str(HOOKS), "CIMER_FUZZ_USER": caller, "CIMER_FUZZ_PASSWORD": DEMO_PASSWORD}
    result = subprocess.run(
        [
            str(schemathesis),
            "run",
            f"{system.base_url}/openapi.json",
            "--phases",
            "examples,coverage,fuzzing",
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "50",
            # No fixed seed: each run tries requests the last did not. A failure prints its seed (`Seed: N`) and a
            # curl line, and `--seed N` replays the run.
            "--request-timeout",
            "15",
            "--generation-database",
            ":memory:",
            "--no-color",
            "--report",
            "junit",
            "--report-dir",
            str(tmp_path),
            # As if from an address of its own (this gateway trusts X-Forwarded-For from 127.0.0.1, TRUSTED_PROXIES
            # in conftest, as one behind an ingress does): the failed logins it makes must not throttle the other
            # tests' logins from 127.0.0.1.
            "--header",
            f"X-Forwarded-For: 192.0.2.{10 + CALLERS.index(caller)}",
        ],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
