"""The benchmark's load generator, a process of its own (so its CPU is not the system's): drives an HTTP endpoint
with applications, or with public status look-ups, and writes what it saw as JSON.

Modes:
- `apply`: POST applications, a mix of web, phone and in-person ones of every kind (officers' tokens for phone
  and in person), either closed-loop at `--concurrency` for `--duration` seconds, or open-loop at `--rate` per
  second. Every `--sample-every`-th accepted application is followed: its public status is polled until it says
  `assigned`, for the time from the 201 to that.
- `status`: GET the public status of the `--pairs` given (tracking number, access code), closed-loop.

It writes `{"requests", "by_status", "elapsed_s", "latency_ms": {p50, p95, p99, max}, "accepted": [[tracking,
code], ...], "routed_ms": [...], "routed_missing"}` to `--output`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import uvloop

# The mix (SPEC section 1): most people apply on the web; Alo 150 takes a quarter; a few come in person.
CHANNELS = (("web", 0.70), ("phone", 0.25), ("in_person", 0.05))
KINDS = (("petition", 0.75), ("information_request", 0.15), ("human_rights", 0.07), ("ethics_complaint", 0.03))
PETITION_TYPES = ("request", "complaint", "denunciation", "opinion", "suggestion")
SUBJECTS = (
    "education", "health", "security", "civil_registry", "local_services", "transport", "environment",
    "social_services", "employment", "finance", "justice", "agriculture", "trade", "industry", "energy",
    "culture", "youth_sports", "other",
)  # fmt: skip
PROVINCES = [f"{n:02d}" for n in range(1, 82)]
# Who records what (the demo officers of SPEC section 9): Ankara's Alo 150, and Çankaya's bureau.
PHONE_OFFICER, PHONE_PROVINCE = "cc-06", "06"
IN_PERSON_OFFICER = "bureau-dg-06-cankaya"
OFFICER_PASSWORD = "demo-password"
FIRST_NAMES = ("Ayşe", "Mehmet", "Fatma", "Mustafa", "Emine", "Ahmet", "Zeynep", "Ali", "Elif", "Hüseyin")
LAST_NAMES = ("Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Yıldız", "Öztürk", "Aydın", "Arslan", "Doğan")
BODY = "Mahallemizdeki sorunla ilgili olarak gereğinin yapılmasını saygılarımla arz ederim. " * 4


def national_id(rng: random.Random) -> str:
    """A valid T.C. Kimlik No: nine digits (the first not 0) and its two check digits."""
    digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    tenth = (sum(digits[0:9:2]) * 7 - sum(digits[1:8:2])) % 10
    digits.append(tenth)
    digits.append(sum(digits) % 10)
    return "".join(map(str, digits))


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def application(rng: random.Random) -> tuple[str, dict[str, Any]]:
    """(channel, body) of one valid application of the mix."""
    channel = pick(rng, CHANNELS)
    kind = pick(rng, KINDS)
    if channel == "phone" and kind == "information_request":
        kind = "petition"  # Law 4982: information requests are written, never by phone
    body: dict[str, Any] = {
        "kind": kind,
        "channel": channel,
        "subject": rng.choice(SUBJECTS),
        "title": "Başvuru konusu",
        "body": BODY,
    }
    if channel == "web":
        body["province"] = rng.choice(PROVINCES)
    elif channel == "phone":
        body["province"] = PHONE_PROVINCE
    if kind == "petition":
        body["petition_type"] = rng.choice(PETITION_TYPES)
    if kind == "ethics_complaint":
        body["official"] = {"name": "Bir Kamu Görevlisi", "rank": "below_general_director", "institution": "MIN-SAGLIK"}
    anonymous = body.get("petition_type") in ("complaint", "denunciation") and rng.random() < 0.2
    if not anonymous:
        applicant: dict[str, Any] = {
            "national_id": national_id(rng),
            "first_name": rng.choice(FIRST_NAMES),
            "last_name": rng.choice(LAST_NAMES),
        }
        if rng.random() < 0.6:
            applicant["email"] = f"basvuran{rng.randrange(10**9)}@example.org"
        body["applicant"] = applicant
    if rng.random() < 0.1:
        body["language"] = "en"
    return channel, body


def percentiles(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None, "count": 0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(ordered[-1], 2), "count": len(ordered)}


class Run:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.base = args.base_url.rstrip("/")
        self.statuses: Counter[int] = Counter()
        self.latencies: list[float] = []
        self.accepted: list[list[str]] = []
        self.routed: list[float] = []
        self.routed_missing = 0
        self.followers: list[asyncio.Task[None]] = []
        self.tokens: dict[str, str] = {}
        self.errors: Counter[str] = Counter()

    async def login(self, session: aiohttp.ClientSession) -> None:
        for username in (PHONE_OFFICER, IN_PERSON_OFFICER):
            async with session.post(
                f"{self.base}/api/v1/auth/login", json={"username": username, "password": OFFICER_PASSWORD}
            ) as response:
                if response.status != 200:
                    raise SystemExit(f"login {username}: HTTP {response.status} {await response.text()}")
                self.tokens[username] = (await response.json())["access_token"]

    def headers(self, channel: str, rng: random.Random) -> dict[str, str]:
        officer = {"phone": PHONE_OFFICER, "in_person": IN_PERSON_OFFICER}.get(channel)
        token = self.tokens.get(officer or "")  # none for the baseline, which records every channel alike
        if token:
            return {"Authorization": f"Bearer {token}"}
        # A citizen's own address, as an ingress in front of the gateway would pass it on (the benchmark's gateway
        # trusts 127.0.0.1 as its proxy): the limits on web filings count by it, as they do in production.
        return {"X-Forwarded-For": f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"}

    async def apply_once(self, session: aiohttp.ClientSession, rng: random.Random) -> None:
        channel, body = application(rng)
        started = time.perf_counter()
        try:
            async with session.post(
                f"{self.base}{self.args.path}", json=body, headers=self.headers(channel, rng)
            ) as response:
                payload = await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            self.errors[type(error).__name__] += 1
            return
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.statuses[status] += 1
        self.latencies.append(elapsed_ms)
        if status == 201 and self.args.path == "/api/v1/applications":
            accepted = json.loads(payload)
            pair = [accepted["tracking_number"], accepted["access_code"]]
            self.accepted.append(pair)
            if self.args.sample_every and len(self.accepted) % self.args.sample_every == 0:
                self.followers.append(asyncio.create_task(self.follow(session, pair, time.perf_counter())))
        elif status >= 400 and len(self.errors) < 20:
            self.errors[f"HTTP {status}: {payload[:200].decode(errors='replace')}"] += 1

    async def follow(self, session: aiohttp.ClientSession, pair: list[str], accepted_at: float) -> None:
        """Poll the public status until it says assigned: the time from the 201 to routing's assignment."""
        tracking, code = pair
        deadline = accepted_at + self.args.routed_timeout
        while time.perf_counter() < deadline:
            try:
                async with session.get(
                    f"{self.base}/api/v1/applications/{tracking}/status", params={"access_code": code}
                ) as response:
                    if response.status == 200 and (await response.json())["status"] != "received":
                        self.routed.append((time.perf_counter() - accepted_at) * 1000)
                        return
            except (aiohttp.ClientError, TimeoutError):
                pass
            await asyncio.sleep(self.args.poll_interval)
        self.routed_missing += 1

    async def closed_loop(self, work: Any, until: float) -> None:
        async def worker(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < until:
                await work(rng)

        await asyncio.gather(*(worker(self.args.seed * 1000 + n) for n in range(self.args.concurrency)))

    async def open_loop(self, work: Any, until: float) -> None:
        """`--rate` requests a second on a fixed schedule, however long each takes (no coordinated omission)."""
        rng = random.Random(self.args.seed)
        interval = 1 / self.args.rate
        next_at = time.perf_counter()
        pending: set[asyncio.Task[None]] = set()
        while next_at < until:
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(work(rng))
            pending.add(task)
            task.add_done_callback(pending.discard)
            next_at += interval
        if pending:
            await asyncio.wait(pending)

    async def main(self) -> dict[str, Any]:
        connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, force_close=False)
        timeout = aiohttp.ClientTimeout(total=self.args.request_timeout)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
            if self.args.mode == "apply":
                if self.args.path == "/api/v1/applications":
                    await self.login(session)

                async def work(rng: random.Random) -> None:
                    await self.apply_once(session, rng)

            else:
                pairs = json.loads(Path(self.args.pairs).read_text())

                async def work(rng: random.Random) -> None:
                    await self.status_once(session, rng.choice(pairs))

            started = time.perf_counter()
            until = started + self.args.duration
            if self.args.rate:
                await self.open_loop(work, until)
            else:
                await self.closed_loop(work, until)
            elapsed = time.perf_counter() - started
            if self.followers:
                await asyncio.gather(*self.followers)
        return {
            "mode": self.args.mode,
            "path": self.args.path,
            "concurrency": None if self.args.rate else self.args.concurrency,
            "rate": self.args.rate or None,
            "elapsed_s": round(elapsed, 3),
            "requests": sum(self.statuses.values()),
            "by_status": {str(k): v for k, v in sorted(self.statuses.items())},
            "ok_per_s": round(sum(v for k, v in self.statuses.items() if k < 300) / elapsed, 1),
            "latency_ms": percentiles(self.latencies),
            "routed_ms": percentiles(self.routed),
            "routed_missing": self.routed_missing,
            "errors": dict(self.errors.most_common(10)),
            # This process's own CPU, which the machine spent on sending the load rather than on the system.
            "cpu_s": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 2),
            "accepted": self.accepted,
        }

    async def status_once(self, session: aiohttp.ClientSession, pair: list[str]) -> None:
        tracking, code = pair
        started = time.perf_counter()
        try:
            async with session.get(
                f"{self.base}/api/v1/applications/{tracking}/status", params={"access_code": code}
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as error:
            self.errors[type(error).__name__] += 1
            return
        self.statuses[status] += 1
        self.latencies.append((time.perf_counter() - started) * 1000)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=("apply", "status"))
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--path", default="/api/v1/applications", help="where applications are POSTed")
    parser.add_argument("--concurrency", type=int, default=64, help="closed loop: requests in flight")
    parser.add_argument("--rate", type=float, default=0, help="open loop: requests per second (0: closed loop)")
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--sample-every", type=int, default=0, help="follow every n-th accepted application")
    parser.add_argument("--poll-interval", type=float, default=0.02)
    parser.add_argument("--routed-timeout", type=float, default=60)
    parser.add_argument("--request-timeout", type=float, default=30)
    parser.add_argument("--pairs", help="status mode: JSON file of [tracking number, access code] pairs")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, required=True)
    args = parser.parse_args(argv)
    result = uvloop.run(Run(args).main())
    args.output.write_text(json.dumps(result), encoding="utf-8")
    summary = {k: v for k, v in result.items() if k != "accepted"}
    print(json.dumps(summary), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
