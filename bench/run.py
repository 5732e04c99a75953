"""`make bench`: how fast the whole system takes applications, beside the floors of the same machine, in one run.

1. Starts the whole system as `make up` does (every `Procfile` entry, each as many times as `CIMER_CONCURRENCY`
   says, workers per process from `MAX_WORKERS`/`<SERVICE>_MAX_WORKERS`) on a vhost and databases of its own,
   emptied first.
2. Drives the gateway with `bench/load.py`, a process of its own: a warm-up; closed loop at `--concurrency` for
   `--duration` s (accepted/s, POST latency, and the CPU every process spent per application from its POST until
   the system settled: every event consumed, every outbox published, every notice due sent); then a ladder of
   open loops from `--ladder-from`/s up by `--ladder-factor`, each for `--duration` s on a quiet system, until
   a rate is not sustained (`SUSTAINED`: POST p99, 201 → `assigned` p99 on a sample, settled within 5 s); then
   the flood at `--rate` (250/s); public status look-ups, closed loop.
3. Checks that nothing was lost (every accepted application ends `assigned`, intake's own record of it) and that
   no consumer applied an application twice (each service's own records).
4. Stops the system and measures the floors: `bench/baseline.py` (FastAPI + one INSERT, same load, same loop,
   its server's and PostgreSQL's CPU per request) and `bench/broker.py` (RabbitMQ publish-with-confirm, an
   application's size).
5. Writes `bench/results.json` (`ratio`, `cpu_ratio`, `sustained_ratio` against the floor) and prints a table.

`--profile` records the services and the gateway with py-spy during the closed loop and the minute after it (what
the loop left to work off): collapsed stacks in `var/bench/profile-<process>.txt`, which `bench/profile.py` sums
up (and flame-graph tools read).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import psutil
from kombu import Connection
from sqlalchemy import create_engine, text

from cimer_common.events import CATALOGUE
from cimer_common.outbox import consumer_queue
from cimer_common.settings import SERVICES, get_settings
from cimer_common.system import ROOT, System, parse_concurrency
from cimer_common.testing import purge_queues, reset_database

BENCH = ROOT / "bench"
OUT = ROOT / "var" / "bench"
RESULTS = BENCH / "results.json"
PYTHON = sys.executable
TARGETS = {
    "accepted_per_s": 500,
    "ratio": 0.25,
    "cpu_ratio": 6,
    "sustained_ratio": 0.12,
    "accept_p99_ms_at_rate": 100,
    "routed_p99_ms": 1000,
}
# A rate is sustained when, for a whole open loop at it, every POST answers fast, every application is assigned
# fast, and nothing is left waiting (queues, outboxes, notices due) a few seconds after the load ends.
SUSTAINED = {"accept_p99_ms": 100.0, "routed_p99_ms": 1000.0, "settled_within_s": 5.0}
# The processes whose CPU is the system's (the load generator's is the machine's cost of measuring it).
NOT_THE_SYSTEM = ("load generator",)


def environment(args: argparse.Namespace) -> dict[str, str]:
    env = {
        **os.environ,
        "AMQP_URI": f"pyamqp://guest:guest@127.0.0.1:5672/{args.vhost}",
        "DATABASE_PREFIX": args.database_prefix,
        "GATEWAY_PORT": str(args.port),
        "SMTP_PORT": str(args.port + 1),
        "SMS_PROVIDER_URL": f"http://127.0.0.1:{args.port + 2}/messages",
        "MAIL_DIR": str(OUT / "mail"),
        "SMS_DIR": str(OUT / "sms"),
        "LOG_FORMAT": "json",
        "PYTHONUNBUFFERED": "1",
        "CIMER_ENVIRONMENT": "development",  # a developer's machine: the committed development secrets
        "TRUSTED_PROXIES": "127.0.0.1",  # the load generator plays the ingress: X-Forwarded-For names each citizen
        "METRICS_PORT_OFFSET": "20000",  # each process's metrics apart from a running `make up`'s (the Procfile's)
        "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    os.environ.update(env)  # get_settings() and the helpers below read the same
    return env


CLUSTER = ROOT / "scripts" / "rabbitmq-cluster.sh"


def cluster(*command: str, timeout: float = 240) -> str:
    """scripts/rabbitmq-cluster.sh: a local three-node RabbitMQ cluster, on ports of its own beside the one node."""
    done = subprocess.run(
        [str(CLUSTER), *command], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
    )
    if done.returncode:  # what the script says, and the tail of the failing node's log
        raise RuntimeError(f"rabbitmq-cluster.sh {' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip()


def start_cluster() -> None:
    """Every node of the local cluster up. Once in a while RabbitMQ 3.10's nodes, started together after a full
    stop, find their database partitioned (Mnesia's `inconsistent_database`) and one of them does not come up:
    then all are stopped and started again, once."""
    try:
        cluster("start")
    except RuntimeError as error:
        print(f"   {error}\n   the cluster did not come up: stopped and started again", flush=True)
        cluster("stop")
        cluster("start")


def on_cluster(env: dict[str, str], vhost: str) -> None:
    """Run on the local three-node cluster (started if it is not): `AMQP_URI` names every node, and a client that
    loses its node moves on to the next."""
    start_cluster()
    env["AMQP_URI"] = cluster("uris", vhost)
    env["BROKER_MANAGEMENT_URL"] = "http://127.0.0.1:15681"  # node 1's
    os.environ.update(env)


def prepare(env: dict[str, str]) -> None:
    """Each component's broker user, empty databases (migrated), empty queues, the directory, the demo officers,
    signing keys."""
    for command in (["cimer-broker", "migrate-queues"], ["cimer-broker", "provision"]):
        subprocess.run(command, env=env, check=True, capture_output=True)
    for service in SERVICES:
        reset_database(service)
    purge_queues(env["AMQP_URI"])
    for command in (["cimer-seed-directory"], ["cimer-demo-seed"], ["cimer-keys"]):
        subprocess.run(command, env=env, check=True, capture_output=True)


class Meter:
    """CPU seconds and peak memory of each process: ours by their names, PostgreSQL's and RabbitMQ's summed."""

    def __init__(self, system: System):
        self.ours = {p.name: psutil.Process(p.popen.pid) for p in system.processes}
        self.peak_rss: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def groups(self) -> dict[str, list[psutil.Process]]:
        found: dict[str, list[psutil.Process]] = {
            name: [p, *p.children(recursive=True)] for name, p in self.ours.items()
        }
        for child in psutil.Process().children():
            with contextlib.suppress(psutil.Error):
                if any(part.endswith("load.py") for part in child.cmdline()):
                    found.setdefault("load generator", []).append(child)
        for process in psutil.process_iter(["name"]):
            name = process.info["name"] or ""
            if name.startswith("postgres"):
                found.setdefault("postgresql", []).append(process)
            elif name in ("beam.smp", "erl_child_setup", "epmd"):
                found.setdefault("rabbitmq", []).append(process)
        return found

    def cpu(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for name, processes in self.groups().items():
            for process in processes:
                try:
                    times = process.cpu_times()
                except psutil.Error:
                    continue
                totals[name] = totals.get(name, 0.0) + times.user + times.system
        return totals

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            for name, processes in self.groups().items():
                rss = 0
                for process in processes:
                    with contextlib.suppress(psutil.Error):
                        rss += process.memory_info().rss
                self.peak_rss[name] = max(self.peak_rss.get(name, 0), rss)

    def __enter__(self) -> Meter:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def load(args: argparse.Namespace, name: str, mode: str, base_url: str, *extra: str) -> dict[str, Any]:
    output = OUT / f"load-{name}.json"
    command = [PYTHON, str(BENCH / "load.py"), mode, "--base-url", base_url, "--output", str(output), *extra]
    print(f"-- {name}: {' '.join(command[3:])}", flush=True)
    subprocess.run(command, check=True)
    result: dict[str, Any] = json.loads(output.read_text())
    return result


def profile(system: System, names: tuple[str, ...], seconds: float) -> list[subprocess.Popen[bytes]]:
    recorders = []
    for process in system.processes:
        if process.name in names:
            target = OUT / f"profile-{process.name}.txt"
            recorders.append(
                subprocess.Popen(
                    [
                        "py-spy",
                        "record",
                        "--subprocesses",
                        "--pid",
                        str(process.popen.pid),
                        "--duration",
                        str(int(seconds)),
                        "--rate",
                        "50",
                        "--format",
                        "raw",
                        "--output",
                        str(target),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
    return recorders


def unassigned(pairs: list[list[str]]) -> int:
    """How many of the accepted applications intake does not yet know as assigned (or beyond)."""
    engine = create_engine(get_settings().database_url("intake"))
    numbers = [tracking for tracking, _ in pairs]
    with engine.connect() as connection:
        assigned = connection.execute(
            text("SELECT count(*) FROM applications WHERE tracking_number = ANY(:numbers) AND status <> 'received'"),
            {"numbers": numbers},
        ).scalar_one()
    engine.dispose()
    return len(numbers) - int(assigned)


def unchecked(pairs: list[list[str]]) -> int:
    """How many of the accepted applications intake's scan has not yet checked for duplicates."""
    engine = create_engine(get_settings().database_url("intake"))
    with engine.connect() as connection:
        found = connection.execute(
            text(
                "SELECT count(*) FROM applications WHERE tracking_number = ANY(:numbers)"
                " AND duplicates_checked_at IS NULL"
            ),
            {"numbers": [tracking for tracking, _ in pairs]},
        ).scalar_one()
    engine.dispose()
    return int(found)


def queued_events(amqp_uri: str) -> int:
    """Events still waiting in the consumers' queues (the services' backlog)."""
    total = 0
    with Connection(amqp_uri) as connection:
        channel = connection.default_channel
        for event in CATALOGUE.values():
            for consumer in event.consumers:
                queue = consumer_queue(event.producer, event.name, consumer)(channel)
                total += queue.queue_declare(passive=True).message_count
    return total


def unfinished_work() -> dict[str, int]:
    """What the services still owe: events in their outboxes not yet published, notices due and not yet sent."""
    settings = get_settings()
    owed: dict[str, int] = {}
    for service in ("intake", "routing", "reporting", "identity"):
        engine = create_engine(settings.database_url(service))
        with engine.connect() as connection:
            owed[f"{service} outbox"] = connection.execute(
                text("SELECT count(*) FROM outbox WHERE published_at IS NULL")
            ).scalar_one()
        engine.dispose()
    engine = create_engine(settings.database_url("notification"))
    with engine.connect() as connection:
        owed["notices due"] = connection.execute(
            text(
                "SELECT count(*) FROM notices WHERE status IN ('pending', 'sending')"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= now())"
            )
        ).scalar_one()
    engine.dispose()
    return {name: count for name, count in owed.items() if count}


def settled(amqp_uri: str) -> bool:
    """Every event published and consumed, every notice due sent: what was accepted has been worked off."""
    return not queued_events(amqp_uri) and not unfinished_work()


def wait_settled(
    amqp_uri: str, pairs: list[list[str]], timeout: float, poll: float = 0.25, checked: bool = False
) -> float | None:
    """Seconds until every accepted application is assigned and the system has settled (and, with `checked`, every
    one checked for duplicates: intake's scan works on a timer, off the filing's path); None on timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if not unassigned(pairs) and settled(amqp_uri) and not (checked and unchecked(pairs)):
            return time.monotonic() - started
        time.sleep(poll)
    return None


def applied_twice() -> dict[str, int]:
    """Applications that some consumer applied more than once, checked in each service's own records: a second
    assignment line at intake or routing, a second assignment or receipt at notification. The benchmark's
    applications are assigned once each and never forwarded, so a second line is a double application. (Reporting's
    read model is keyed by application; what it could count twice would show here as a second assignment.)"""
    checks = {
        "intake": "SELECT count(*) FROM (SELECT application_id FROM application_history WHERE status = 'assigned'"
        " GROUP BY application_id HAVING count(*) > 1) twice",
        "routing": "SELECT count(*) FROM (SELECT application_id FROM assignment_history"
        " GROUP BY application_id HAVING count(*) > 1) twice",
        "notification": "SELECT count(*) FROM (SELECT application_id FROM assignments"
        " GROUP BY application_id HAVING count(*) > 1) twice",
        "notification receipts": "SELECT count(*) FROM (SELECT application_id FROM notices WHERE kind = 'receipt'"
        " GROUP BY application_id HAVING count(*) > 1) twice",
    }
    settings = get_settings()
    found = {}
    for name, query in checks.items():
        engine = create_engine(settings.database_url(name.split()[0]))
        with engine.connect() as connection:
            found[name] = int(connection.execute(text(query)).scalar_one())
        engine.dispose()
    return found


def sustains(loop: dict[str, Any], settled_s: float | None) -> list[str]:
    """Why an open loop at a rate was not sustained (nothing: it was)."""
    failures = []
    refused = {status: n for status, n in loop["by_status"].items() if status != "201"}
    if refused or loop["errors"]:
        failures.append(f"not all accepted: {refused or loop['errors']}")
    if loop["latency_ms"]["p99"] is None or loop["latency_ms"]["p99"] >= SUSTAINED["accept_p99_ms"]:
        failures.append(f"POST p99 {loop['latency_ms']['p99']} ms")
    if loop["routed_ms"]["p99"] is None or loop["routed_ms"]["p99"] >= SUSTAINED["routed_p99_ms"]:
        failures.append(f"201 -> assigned p99 {loop['routed_ms']['p99']} ms")
    if loop.get("routed_missing"):
        failures.append(f"{loop['routed_missing']} followed never assigned")
    if settled_s is None or settled_s > SUSTAINED["settled_within_s"]:
        failures.append("not settled in the drain timeout" if settled_s is None else f"settled after {settled_s:.1f} s")
    return failures


def ladder(start: float, factor: float, top: float) -> list[float]:
    """The open-loop rates tried in turn, each `factor` above the one before, rounded to whole applications."""
    rates, rate = [], start
    while rate <= top:
        rates.append(float(round(rate)))
        rate *= factor
    return rates


def wait_quiet(amqp_uri: str, timeout: float) -> float:
    """Until every consumer has worked off its backlog, so that the next phase starts on an idle system."""
    started = time.monotonic()
    while queued_events(amqp_uri) and time.monotonic() - started < timeout:
        time.sleep(1)
    time.sleep(2)  # what was taken from the queues last is still being worked on
    return time.monotonic() - started


def run_system(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    concurrency = parse_concurrency(os.environ.get("CIMER_CONCURRENCY", ""))
    system = System().start(env, OUT / "logs", concurrency)
    base_url = f"http://127.0.0.1:{args.port}"
    results: dict[str, Any] = {"processes": [p.name for p in system.processes]}
    try:
        system.wait_healthy(base_url)
        with Meter(system) as meter:
            load(args, "warm-up", "apply", base_url, "--concurrency", "16", "--duration", "5")

            cpu_before, wall_before = meter.cpu(), time.monotonic()
            profiled = ("gateway", "intake", "routing", "notification", "reporting", "identity")
            # The loop and what it leaves to work off after it (the notices, the read model, the audit trail).
            recorders = profile(system, profiled, args.duration + 60) if args.profile else []
            saturated = load(
                args, "closed-loop", "apply", base_url,
                "--concurrency", str(args.concurrency), "--duration", str(args.duration),
            )  # fmt: skip
            cpu_after, wall = meter.cpu(), time.monotonic() - wall_before
            cpu_after["load generator"] = saturated["cpu_s"]  # its own count (it has exited by now)
            # Until every consumer has applied what the loop caused (every notice due sent, every application
            # checked for duplicates), so the CPU below is the whole cost of an application, not the part done
            # while the loop ran.
            # (A scan switched off for a comparison, DUPLICATE_SCAN_SECONDS past the drain's timeout, is not waited
            # for.)
            scan_every = env.get("DUPLICATE_SCAN_SECONDS")  # unset: intake's own default, a second
            scanning = scan_every is None or float(scan_every) < args.drain_timeout
            drained_s = wait_settled(env["AMQP_URI"], saturated["accepted"], args.drain_timeout, checked=scanning)
            cpu_drained = {**meter.cpu(), "load generator": saturated["cpu_s"]}
            for recorder in recorders:
                recorder.wait()
            results["closed_loop"] = {k: v for k, v in saturated.items() if k != "accepted"}
            results["closed_loop"]["unassigned_after_drain"] = unassigned(saturated["accepted"])
            results["closed_loop"]["drain_s"] = None if drained_s is None else round(drained_s, 1)
            results["cpu_cores_during_closed_loop"] = {
                name: round((cpu_after.get(name, 0) - cpu_before.get(name, 0)) / wall, 2) for name in sorted(cpu_after)
            }
            # What one application costs each process, from its POST until routed (the backlog drained).
            accepted_count = max(len(saturated["accepted"]), 1)
            results["cpu_ms_per_application"] = {
                name: round(1000 * (cpu_drained.get(name, 0) - cpu_before.get(name, 0)) / accepted_count, 2)
                for name in sorted(cpu_drained)
            }
            per_application = results["cpu_ms_per_application"]
            results["system_cpu_ms_per_application"] = round(
                sum(ms for name, ms in per_application.items() if name not in NOT_THE_SYSTEM), 2
            )
            if args.quick:
                print(json.dumps({k: results["closed_loop"][k] for k in ("ok_per_s", "latency_ms", "drain_s")}))
                print(json.dumps(results["cpu_cores_during_closed_loop"]))
                print(json.dumps({**per_application, "system": results["system_cpu_ms_per_application"]}))
                return results

            accepted = list(saturated["accepted"])
            open_loops: dict[str, Any] = {}

            def open_loop(rate: float, sample_every: int) -> tuple[dict[str, Any], float | None]:
                results.setdefault("quiet_s", []).append(round(wait_quiet(env["AMQP_URI"], args.drain_timeout), 1))
                at_rate = load(
                    args, f"open-loop-{rate:g}", "apply", base_url,
                    "--rate", str(rate), "--duration", str(args.duration), "--sample-every", str(sample_every),
                )  # fmt: skip
                settled_s = wait_settled(env["AMQP_URI"], at_rate["accepted"], args.drain_timeout)
                loop = {k: v for k, v in at_rate.items() if k != "accepted"}
                loop["unassigned_after_drain"] = unassigned(at_rate["accepted"])
                loop["drain_s"] = None if settled_s is None else round(settled_s, 1)
                accepted.extend(at_rate["accepted"])
                return loop, settled_s

            # The ladder: rising rates, each on a quiet system, until one is not sustained.
            results["sustained_per_s"] = 0.0
            for rate in ladder(args.ladder_from, args.ladder_factor, args.rate):
                loop, settled_s = open_loop(rate, sample_every=5)
                loop["not_sustained"] = sustains(loop, settled_s)
                open_loops[f"{rate:g}"] = loop
                print(f"   at {rate:g}/s: {'; '.join(loop['not_sustained']) or 'sustained'}", flush=True)
                if loop["not_sustained"]:
                    break
                results["sustained_per_s"] = rate
            # Then the flood, beyond what the system takes: what it refuses, and how it recovers.
            loop, _ = open_loop(args.rate, sample_every=10)
            open_loops[f"{args.rate:g}"] = loop
            results["open_loop"] = loop
            results["open_loops"] = open_loops

            wait_quiet(env["AMQP_URI"], args.drain_timeout)
            pairs = OUT / "pairs.json"
            pairs.write_text(json.dumps(accepted[-5000:]))
            status = load(
                args, "status", "status", base_url,
                "--concurrency", str(args.concurrency), "--duration", str(args.status_duration), "--pairs", str(pairs),
            )  # fmt: skip
            results["status"] = status
            results["accepted_total"] = len(accepted)
            results["lost"] = unassigned(accepted)
            results["applied_twice"] = applied_twice()
        results["peak_rss_mb"] = {name: round(rss / 2**20, 1) for name, rss in sorted(meter.peak_rss.items())}
    finally:
        system.stop()
    return results


def run_baselines(args: argparse.Namespace, env: dict[str, str]) -> dict[str, Any]:
    # The floor's database belongs to no service: the administrator makes it, and the floor uses it as such.
    settings = get_settings()
    url = settings.admin_url(f"{args.database_prefix}baseline").replace("postgresql+psycopg://", "postgresql://")
    engine = create_engine(settings.admin_url(), isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{args.database_prefix}baseline"'))
        connection.execute(text(f'CREATE DATABASE "{args.database_prefix}baseline"'))
    engine.dispose()
    port = args.port + 10
    server_process = subprocess.Popen(
        [PYTHON, str(BENCH / "baseline.py"), "--port", str(port)], env={**env, "BASELINE_DATABASE_URL": url}
    )
    results: dict[str, Any] = {}
    try:
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base_url}/docs", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.25)
        common = ("--path", "/applications")
        load(args, "baseline-warm-up", "apply", base_url, *common, "--concurrency", "16", "--duration", "5")
        # The floor's CPU measured as the system's is: its server and PostgreSQL, not the load generator.
        floor = [psutil.Process(server_process.pid)]
        cpu_before = floor_cpu(floor)
        baseline = load(
            args, "baseline", "apply", base_url, *common,
            "--concurrency", str(args.concurrency), "--duration", str(args.duration),
        )  # fmt: skip
        cpu_after = floor_cpu(floor)
        results["baseline"] = {k: v for k, v in baseline.items() if k != "accepted"}
        served = max(baseline["by_status"].get("201", 0), 1)
        results["baseline"]["cpu_ms_per_request"] = {
            name: round(1000 * (cpu_after[name] - cpu_before[name]) / served, 3) for name in cpu_after
        }
        results["baseline"]["cpu_ms_per_request_total"] = round(
            sum(results["baseline"]["cpu_ms_per_request"].values()), 3
        )
    finally:
        server_process.terminate()
        server_process.wait(10)
    size = len(json.dumps(sample_application()).encode())
    broker = subprocess.run(
        [PYTHON, str(BENCH / "broker.py"), "--amqp-uri", env["AMQP_URI"].replace("pyamqp", "amqp", 1),
         "--size", str(size), "--duration", "10"],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    results["rabbitmq"] = json.loads(broker.stdout)
    return results


def floor_cpu(server: list[psutil.Process]) -> dict[str, float]:
    """CPU seconds of the floor's server and of PostgreSQL's processes."""
    totals = {"server": 0.0, "postgresql": 0.0}
    for name, processes in (
        ("server", server),
        ("postgresql", [p for p in psutil.process_iter(["name"]) if (p.info["name"] or "").startswith("postgres")]),
    ):
        for process in processes:
            with contextlib.suppress(psutil.Error):
                times = process.cpu_times()
                totals[name] += times.user + times.system
    return totals


def sample_application() -> dict[str, Any]:
    import random

    sys.path.insert(0, str(BENCH))
    from load import application  # type: ignore[import-not-found]

    return application(random.Random(7))[1]


def quick_record(system: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    """The closed loop alone: accepted/s, the POST's latency, and the CPU of every process per application."""
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "broker": "three-node cluster (scripts/rabbitmq-cluster.sh)" if args.cluster else "one node",
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "accepted_per_s": system["closed_loop"]["ok_per_s"],
        "latency_ms": system["closed_loop"]["latency_ms"],
        "drain_s": system["closed_loop"]["drain_s"],
        "cpu_ms_per_application": system["cpu_ms_per_application"],
        "system_cpu_ms_per_application": system["system_cpu_ms_per_application"],
    }


def summary(system: dict[str, Any], floors: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    accepted_per_s = system["closed_loop"]["ok_per_s"]
    baseline_per_s = floors["baseline"]["ok_per_s"]
    system_cpu_ms = system["system_cpu_ms_per_application"]
    floor_cpu_ms = floors["baseline"]["cpu_ms_per_request_total"]
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{psutil.cpu_count()} cores, {round(psutil.virtual_memory().total / 2**30)} GB, "
        f"{platform.machine()}, {platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "concurrency": args.concurrency,
        "duration_s": args.duration,
        "accepted_per_s": accepted_per_s,
        "baseline_per_s": baseline_per_s,
        "ratio": round(accepted_per_s / baseline_per_s, 3) if baseline_per_s else None,
        "cpu_ms_per_application": system_cpu_ms,
        "baseline_cpu_ms_per_request": floor_cpu_ms,
        "cpu_ratio": round(system_cpu_ms / floor_cpu_ms, 1) if floor_cpu_ms else None,
        "sustained_per_s": system["sustained_per_s"],
        "sustained_ratio": round(system["sustained_per_s"] / baseline_per_s, 3) if baseline_per_s else None,
        "sustained_means": SUSTAINED,
        "accept_p50_ms": system["closed_loop"]["latency_ms"]["p50"],
        "accept_p95_ms": system["closed_loop"]["latency_ms"]["p95"],
        "accept_p99_ms": system["closed_loop"]["latency_ms"]["p99"],
        "rate_per_s": args.rate,
        "accepted_per_s_at_rate": system["open_loop"]["ok_per_s"],
        "accept_p99_ms_at_rate": system["open_loop"]["latency_ms"]["p99"],
        "routed_p50_ms": system["open_loop"]["routed_ms"]["p50"],
        "routed_p99_ms": system["open_loop"]["routed_ms"]["p99"],
        "routed_sample": system["open_loop"]["routed_ms"]["count"],
        "by_rate": {
            rate: {
                "accepted_per_s": loop["ok_per_s"],
                "refused": {k: v for k, v in loop["by_status"].items() if k != "201"},
                "accept_p50_ms": loop["latency_ms"]["p50"],
                "accept_p99_ms": loop["latency_ms"]["p99"],
                "routed_p50_ms": loop["routed_ms"]["p50"],
                "routed_p99_ms": loop["routed_ms"]["p99"],
                "drain_s": loop["drain_s"],
            }
            for rate, loop in system["open_loops"].items()
        },
        "status_per_s": system["status"]["ok_per_s"],
        "status_p99_ms": system["status"]["latency_ms"]["p99"],
        "rabbitmq_confirmed_per_s": floors["rabbitmq"]["confirmed_per_s"],
        "rabbitmq_confirmed_one_at_a_time_per_s": floors["rabbitmq"]["confirmed_one_at_a_time_per_s"],
        "accepted_total": system["accepted_total"],
        "lost": system["lost"],
        "applied_twice": system["applied_twice"],
        "targets": TARGETS,
        "system": system,
        "floors": floors,
    }


def table(r: dict[str, Any]) -> str:
    latencies = f"{r['accept_p50_ms']} / {r['accept_p95_ms']} / {r['accept_p99_ms']}"
    routed = f"{r['routed_p50_ms']} / {r['routed_p99_ms']}"
    rows = [
        ("accepted applications/s (closed loop)", r["accepted_per_s"], f">= {TARGETS['accepted_per_s']}"),
        ("baseline: FastAPI + INSERT /s", r["baseline_per_s"], ""),
        ("ratio", r["ratio"], f">= {TARGETS['ratio']}"),
        ("CPU ms per application, system; floor per request",
         f"{r['cpu_ms_per_application']}; {r['baseline_cpu_ms_per_request']}", ""),
        ("cpu_ratio", r["cpu_ratio"], f"<= {TARGETS['cpu_ratio']}"),
        ("sustained applications/s (open loop ladder)", r["sustained_per_s"], ""),
        ("sustained_ratio", r["sustained_ratio"], f">= {TARGETS['sustained_ratio']}"),
        ("POST p50 / p95 / p99 ms (closed loop)", latencies, ""),
        (f"POST p99 ms at {r['rate_per_s']:g}/s", r["accept_p99_ms_at_rate"], f"< {TARGETS['accept_p99_ms_at_rate']}"),
        ("201 -> assigned p50 / p99 ms", routed, f"p99 < {TARGETS['routed_p99_ms']}"),
        *(
            (f"at {rate}/s: accepted/s, POST p99 ms, routed p50 / p99 ms",
             f"{v['accepted_per_s']}, {v['accept_p99_ms']}, {v['routed_p50_ms']} / {v['routed_p99_ms']}", "")
            for rate, v in r["by_rate"].items()
        ),
        ("public status look-ups/s", r["status_per_s"], ""),
        ("RabbitMQ publish+confirm/s (window / one at a time)",
         f"{r['rabbitmq_confirmed_per_s']} / {r['rabbitmq_confirmed_one_at_a_time_per_s']}", ""),
        ("accepted, of which not assigned at the end", f"{r['accepted_total']}, {r['lost']}", "0 lost"),
        ("applied twice (intake, routing, notification, receipts)",
         ", ".join(str(n) for n in r["applied_twice"].values()), "0"),
    ]  # fmt: skip
    lines = [f"{'measure':<58}{'value':>30}  target", "-" * 100]
    lines += [f"{name:<58}{value!s:>30}  {target}" for name, value, target in rows]
    lines += ["", f"{'process':<16}{'CPU cores (closed loop)':>24}{'CPU ms / application':>22}{'peak RSS MB':>14}"]
    cpu, per_application = r["system"]["cpu_cores_during_closed_loop"], r["system"]["cpu_ms_per_application"]
    for name in sorted(set(cpu) | set(r["system"]["peak_rss_mb"])):
        lines.append(
            f"{name:<16}{cpu.get(name, '-')!s:>24}{per_application.get(name, '-')!s:>22}"
            f"{r['system']['peak_rss_mb'].get(name, '-')!s:>14}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--concurrency", type=int, default=64, help="closed loop: requests in flight")
    parser.add_argument("--duration", type=float, default=30, help="seconds of each loop")
    parser.add_argument("--rate", type=float, default=250, help="open loop: applications per second (the target's)")
    parser.add_argument("--ladder-from", type=float, default=20, help="open loop: the first rate tried")
    parser.add_argument("--ladder-factor", type=float, default=1.25, help="open loop: each rate over the one before")
    parser.add_argument("--status-duration", type=float, default=15)
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--vhost", default="cimer_bench")
    parser.add_argument("--database-prefix", default="cimer_bench_system_")
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--profile", action="store_true", help="py-spy on every service and the gateway")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--quick", action="store_true", help="the closed loop alone, printed (and written to --output if given)"
    )
    parser.add_argument("--cluster", action="store_true", help="on a local three-node RabbitMQ cluster (--quick)")
    args = parser.parse_args(argv)
    if args.cluster and not args.quick:  # the floors are measured on the one node, in a run of their own
        parser.error("--cluster measures the closed loop alone: add --quick")
    OUT.mkdir(parents=True, exist_ok=True)
    env = environment(args)
    if args.cluster:
        on_cluster(env, args.vhost)
    prepare(env)
    try:
        system = run_system(args, env)
    finally:
        if args.cluster:
            cluster("stop")  # three nodes' memory back
    if args.quick:
        if args.output != RESULTS:  # a quick run's figures, kept where asked (`make bench`: the cluster's)
            args.output.write_text(json.dumps(quick_record(system, args), indent=2) + "\n", encoding="utf-8")
        return 0
    floors = run_baselines(args, env)
    results = summary(system, floors, args)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"written {args.output}")
    if results["lost"]:
        print(f"LOST: {results['lost']} accepted applications never reached assigned", file=sys.stderr)
        return 1
    if any(results["applied_twice"].values()):
        print(f"APPLIED TWICE: {results['applied_twice']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
