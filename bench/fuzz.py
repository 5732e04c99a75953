"""Bad input at scale: schemathesis against every operation of the gateway's own `/openapi.json`, anonymously and
as each kind of demo officer (most operations reach the services only once the caller is logged in), stateless
(examples, boundary values, random input, valid and not) and stateful (following the OpenAPI links from a filing to
its status look-up, its reading, forwarding, answering and extending, with the values the 201 gave). The one check
is that no request gets a server error. Each caller's requests are counted by a hook (`fuzz_hooks.py`).

`make test` runs a small one (`tests/e2e/test_fuzz.py`); `make chaos` a large one (at least 10,000 requests) on the
system once it has recovered from the faults. Alone, beside a running `make up`:

    .venv/bin/python bench/fuzz.py --base-url http://127.0.0.1:8000 --max-examples 100

No fixed seed: each run tries requests the last did not; a failure prints its seed (`Seed: N`) and a curl line,
and `--seed N` replays it.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HOOKS = Path(__file__).with_name("fuzz_hooks.py")
# Who the fuzzer acts as: nobody, then an officer, a coordinator, the Presidency and an administrator (SPEC 9).
CALLERS: tuple[str | None, ...] = (None, "pd-06-saglik", "gov-06", "presidency", "admin")
PHASES = "examples,coverage,fuzzing,stateful"
DEMO_PASSWORD = os.environ.get("CIMER_DEMO_PASSWORD", "demo-password")


def fuzz_as(
    base_url: str, caller: str | None, max_examples: int, phases: str = PHASES, password: str = DEMO_PASSWORD
) -> dict[str, Any]:
    """One schemathesis run as `caller`: its exit code, the requests it sent, and the end of its output."""
    schemathesis = Path(sys.executable).parent / "schemathesis"
    with tempfile.TemporaryDirectory() as scratch:
        count = Path(scratch) / "count"
        env = {
            **os.environ,
            "CIMER_FUZZ_BASE_URL": base_url,
            "SCHEMATHESIS_HOOKS": "fuzz_hooks",
            "PYTHONPATH": f"{HOOKS.parent}{os.pathsep}{os.environ.get('PYTHONPATH', '')}",
            "CIMER_FUZZ_COUNT_FILE": str(count),
        }
        if caller:
            env |= {"CIMER_FUZZ_USER": caller, "CIMER_FUZZ_PASSWORD": password}
        command = [
            str(schemathesis), "run", f"{base_url}/openapi.json",
            "--phases", phases,
            "--checks", "not_a_server_error",
            "--max-examples", str(max_examples),
            "--request-timeout", "15",
            "--generation-database", ":memory:",
            "--no-color",
            # As if from an address of its own (the gateway trusts X-Forwarded-For from 127.0.0.1, as one behind an
            # ingress does): the failed logins and look-ups it makes must not throttle anyone else from 127.0.0.1.
            "--header", f"X-Forwarded-For: 192.0.2.{10 + CALLERS.index(caller)}",
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False, env=env)
        sent = int(count.read_text()) if count.exists() else 0
    return {"returncode": result.returncode, "requests": sent, "output": result.stdout[-6000:] + result.stderr[-2000:]}


def fuzz(
    base_url: str, max_examples: int, callers: tuple[str | None, ...] = CALLERS, password: str = DEMO_PASSWORD
) -> dict[str, Any]:
    """Every caller in turn; `requests` in all, and the callers whose run found a server error (or failed), with
    the end of its output (the seed and a curl line to replay it)."""
    runs = {caller or "anonymous": fuzz_as(base_url, caller, max_examples, password=password) for caller in callers}
    return {
        "requests": sum(run["requests"] for run in runs.values()),
        "by_caller": {name: run["requests"] for name, run in runs.items()},
        "failed": {name: run["output"] for name, run in runs.items() if run["returncode"] != 0},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--max-examples", type=int, default=100)
    args = parser.parse_args(argv)
    result = fuzz(args.base_url, args.max_examples)
    print(json.dumps({k: v for k, v in result.items() if k != "failed"} | {"failed": list(result["failed"])}))
    for name, output in result["failed"].items():
        print(f"--- {name}\n{output}", file=sys.stderr)
    return 1 if result["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
