"""`make bench`: how fast the whole system takes applications, beside the floors of the same machine, in one run.

1. Starts the whole system as `make up` does (every `Procfile` entry, each as many times as `CIMER_CONCURRENCY`
   says, workers per process from `MAX_WORKERS`/`<SERVICE>_MAX_WORKERS`) on a vhost and databases of its own,
   emptied first.
2. Drives the gateway with `bench/load.py`, a process of its own: a warm-up; closed loop at `--concurrency` for
   `--duration` s (accepted/s, POST latency); open loops at `--also-at` (40/s) and then `--rate` (250/s), each
   for `--duration` s on a quiet system (POST latency at that rate, and 201 → `assigned` on the public status
   for a sample); public status look-ups, closed loop.
3. Checks that nothing was lost: every accepted application ends `assigned` (intake's own record of it).
4. Stops the system and measures the floors: `bench/baseline.py` (FastAPI + one INSERT, same load, same loop)
   and `bench/broker.py` (RabbitMQ publish-with-confirm, an application's size).
5. Writes `bench/results.json` and prints a table; CPU seconds and peak memory of every process come with it.

`--profile` records the services and the gateway with py-spy during the closed loop: collapsed stacks in
`var/bench/profile-<process>.txt`, which `bench/profile.py` sums up (and flame-graph tools read).
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
TARGETS = {"accepted_per_s": 500, "ratio": 0.5, "accept_p99_ms_at_rate": 100, "routed_p99_ms": 1000}


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
        "PATH": f"{Path(PYTHON).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    os.environ.update(env)  # get_settings() and the helpers below read the same
    return env


def prepare(env: dict[str, str]) -> None:
    """Each component's broker user, empty databases (migrated), empty queues, the directory, the demo officers,
    signing keys."""
    subprocess.run(["cimer-broker", "provision"], env=env, check=True, capture_output=True)
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


def wait_quiet(amqp_uri: str, timeout: float) -> float:
    """Until every consumer has worked off its backlog, so that the next phase starts on an idle system."""
    started = time.monotonic()
    while queued_events(amqp_uri) and time.monotonic() - started < timeout:
        time.sleep(1)
    time.sleep(2)  # what was taken from the queues last is still being worked on
    return time.monotonic() - started


def wait_all_assigned(pairs: list[list[str]], timeout: float) -> tuple[int, float]:
    started = time.monotonic()
    missing = unassigned(pairs)
    while missing and time.monotonic() - started < timeout:
        time.sleep(1)
        missing = unassigned(pairs)
    return missing, time.monotonic() - started


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
            profiled = ("gateway", "intake", "routing", "notification", "reporting")
            recorders = profile(system, profiled, args.duration) if args.profile else []
            saturated = load(
                args, "closed-loop", "apply", base_url,
                "--concurrency", str(args.concurrency), "--duration", str(args.duration),
            )  # fmt: skip
            cpu_after, wall = meter.cpu(), time.monotonic() - wall_before
            cpu_after["load generator"] = saturated["cpu_s"]  # its own count (it has exited by now)
            for recorder in recorders:
                recorder.wait()
            missing, drained_s = wait_all_assigned(saturated["accepted"], args.drain_timeout)
            cpu_drained = {**meter.cpu(), "load generator": saturated["cpu_s"]}
            results["closed_loop"] = {k: v for k, v in saturated.items() if k != "accepted"}
            results["closed_loop"]["unassigned_after_drain"] = missing
            results["closed_loop"]["drain_s"] = round(drained_s, 1)
            results["cpu_cores_during_closed_loop"] = {
                name: round((cpu_after.get(name, 0) - cpu_before.get(name, 0)) / wall, 2) for name in sorted(cpu_after)
            }
            # What one application costs each process, from its POST until routed (the backlog drained).
            accepted_count = max(len(saturated["accepted"]), 1)
            results["cpu_ms_per_application"] = {
                name: round(1000 * (cpu_drained.get(name, 0) - cpu_before.get(name, 0)) / accepted_count, 2)
                for name in sorted(cpu_drained)
            }
            if args.quick:
                print(json.dumps({k: results["closed_loop"][k] for k in ("ok_per_s", "latency_ms", "drain_s")}))
                print(json.dumps(results["cpu_cores_during_closed_loop"]))
                per_application = results["cpu_ms_per_application"]
                print(json.dumps({**per_application, "total": round(sum(per_application.values()), 2)}))
                return results

            accepted = list(saturated["accepted"])
            open_loops = {}
            # The sustainable rates first, each on a quiet system; the flood last.
            for rate in (*args.also_at, args.rate):
                results.setdefault("quiet_s", []).append(round(wait_quiet(env["AMQP_URI"], args.drain_timeout), 1))
                at_rate = load(
                    args, f"open-loop-{rate:g}", "apply", base_url,
                    "--rate", str(rate), "--duration", str(args.duration), "--sample-every", "10",
                )  # fmt: skip
                missing_rate, drained_rate = wait_all_assigned(at_rate["accepted"], args.drain_timeout)
                open_loops[f"{rate:g}"] = {k: v for k, v in at_rate.items() if k != "accepted"}
                open_loops[f"{rate:g}"]["unassigned_after_drain"] = missing_rate
                open_loops[f"{rate:g}"]["drain_s"] = round(drained_rate, 1)
                accepted += at_rate["accepted"]
            results["open_loop"] = open_loops[f"{args.rate:g}"]
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
        baseline = load(
            args, "baseline", "apply", base_url, *common,
            "--concurrency", str(args.concurrency), "--duration", str(args.duration),
        )  # fmt: skip
        results["baseline"] = {k: v for k, v in baseline.items() if k != "accepted"}
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


def sample_application() -> dict[str, Any]:
    import random

    sys.path.insert(0, str(BENCH))
    from load import application  # type: ignore[import-not-found]

    return application(random.Random(7))[1]


def summary(system: dict[str, Any], floors: dict[str, Any], args: argparse.Namespace) -> dict[str, Any]:
    accepted_per_s = system["closed_loop"]["ok_per_s"]
    baseline_per_s = floors["baseline"]["ok_per_s"]
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
    parser.add_argument(
        "--also-at", type=float, nargs="*", default=[40.0], help="more open loops first, at lower rates"
    )
    parser.add_argument("--status-duration", type=float, default=15)
    parser.add_argument("--drain-timeout", type=float, default=300)
    parser.add_argument("--vhost", default="cimer_bench")
    parser.add_argument("--database-prefix", default="cimer_bench_system_")
    parser.add_argument("--port", type=int, default=8780)
    parser.add_argument("--profile", action="store_true", help="py-spy flame graphs of gateway and intake")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--quick", action="store_true", help="the closed loop alone, printed, nothing written")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    env = environment(args)
    prepare(env)
    system = run_system(args, env)
    if args.quick:
        return 0
    floors = run_baselines(args, env)
    results = summary(system, floors, args)
    args.output.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(table(results))
    print(f"written {args.output}")
    if results["lost"]:
        print(f"LOST: {results['lost']} accepted applications never reached assigned", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
