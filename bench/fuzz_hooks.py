"""schemathesis hooks (loaded through `SCHEMATHESIS_HOOKS`, `bench/fuzz.py`): the fuzzer acts as the officer named in
`CIMER_FUZZ_USER` (anonymously when it is not set), never changes that account's own password, and counts the
requests it sends into `CIMER_FUZZ_COUNT_FILE`.

It logs in through the gateway like any client. A 401 makes schemathesis log in again and replay the request
(its default `retry_on`), so a fuzzed `POST /auth/logout`, which ends the session it was sent with, does not leave
the rest of the run unauthenticated.
"""

from __future__ import annotations

import atexit
import os
from pathlib import Path

import httpx
import schemathesis

SENT = 0


@schemathesis.hook
def after_call(context, case, response):
    global SENT
    SENT += 1


@schemathesis.hook
def before_call(context, case, kwargs):
    # An administrator may change their own password; the fuzzer doing it to the account it runs as would lock the
    # rest of its run out (its next login fails). Everything else about its own account stays fuzzed.
    own = os.environ.get("CIMER_FUZZ_USER")
    path = case.path_parameters or {}
    if own and case.method.upper() == "PATCH" and path.get("username") == own and isinstance(case.body, dict):
        case.body.pop("password", None)


@atexit.register
def _report() -> None:
    if os.environ.get("CIMER_FUZZ_COUNT_FILE"):
        Path(os.environ["CIMER_FUZZ_COUNT_FILE"]).write_text(str(SENT))


if os.environ.get("CIMER_FUZZ_USER"):

    @schemathesis.auth()
    class OfficerToken:
        def get(self, case, context):
            response = httpx.post(
                f"{os.environ['CIMER_FUZZ_BASE_URL']}/api/v1/auth/login",
                json={"username": os.environ["CIMER_FUZZ_USER"], "password": os.environ["CIMER_FUZZ_PASSWORD"]},
                timeout=15,
            )
            response.raise_for_status()
            return response.json()["access_token"]

        def set(self, case, data, context):
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}
