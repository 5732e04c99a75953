"""`make chaos`: the whole system under a steady stream of applications and officers' acts while its processes are
killed with `kill -9` one after another, RabbitMQ restarted and PostgreSQL restarted; then every application that
got a 201 is checked, in the manner of the RabbitMQ Jepsen checker:

- **lost**: a 201 was answered and intake has no such application;
- **duplicated**: applied twice by some consumer (more assignment lines at intake, routing or notification than
  the application had assignments, a second receipt), or an officer's act recorded twice (two history lines at
  intake, two audit lines at identity for one answer or extension);
- **stuck**: after the faults stop and the system is given time to recover, not where it should be: never
  assigned, not in reporting's read model, not in routing's records, or the system not settled (events still
  queued, outboxes unpublished, notices due unsent);
- **ok**: the rest.

It prints the counts and the faults it caused, writes `var/chaos/results.json`, and fails when anything is lost,
duplicated or stuck, when anything was set aside in the dead letters (an outage must be waited out, never taken
for a poison), or a request got a server error other than 503 (which says: nothing taken, try again). A process
that exits on its own (nameko stops a container whose RPC reply cannot be sent while the broker is away) is
started again, as Kubernetes would, and counted apart from the kills.

After the faults, back-pressure (`--away`): routing is stopped for a minute and a half under the same load, intake
(its `BACKLOG_BOUND` set low, `--backlog-bound`) takes applications until that many wait for routing, then answers
503, and routing started again works them off; the run fails if the bound was not reached, was overrun, or the
backlog was not worked off. Then it feeds the recovered system bad input (`fuzz.py`: schemathesis, stateless and
stateful, as every kind of caller, at least `--fuzz-at-least` requests) and fails on any server error. `--short`
is the version `make test` runs (a few kills and one broker restart; its fuzzing and back-pressure are the other
tiers').
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import random
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import fuzz  # bench/fuzz.py: bad input, as each kind of caller
import httpx
import run as bench  # bench/run.py: the same start, the same measures of a settled system
from load import OFFICER_PASSWORD
from sqlalchemy import create_engine, text

from cimer_common import broker, dead_letters
from cimer_common.settings import get_settings
from cimer_common.system import System

OUT = bench.ROOT / "var" / "chaos"
FAILOVER_S = 10  # `--cluster`: how long a node's loss may keep its queues and clients away
VICTIMS = ("intake", "routing", "notification", "reporting", "identity")
OFFICERS = ("gov-06", "gov-34", "pd-06-saglik", "min-saglik")
SBIN = "/usr/sbin:/sbin:/usr/local/sbin"


# --- Faults ------------------------------------------------------------------------------------------------------


def _run(command: list[str], timeout: float = 120) -> None:
    env = {"PATH": f"{SBIN}:/usr/bin:/bin"}
    subprocess.run(command, check=True, capture_output=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)


def restart_broker() -> None:
    """Stop and start the RabbitMQ application on its node: every connection dropped, the durable queues and
    persistent messages read back from disk."""
    _run(["rabbitmqctl", "-q", "stop_app"])
    _run(["rabbitmqctl", "-q", "start_app"])
    _run(["rabbitmqctl", "-q", "await_startup"])


def restart_postgres() -> None:
    """Restart the local PostgreSQL cluster (fast shutdown: every session cut, committed work kept)."""
    listing = subprocess.run(
        ["pg_lsclusters", "-h"], check=True, capture_output=True, text=True, env={"PATH": f"{SBIN}:/usr/bin:/bin"}
    ).stdout.split()
    version, cluster = listing[0], listing[1]
    unit = f"postgresql@{version}-{cluster}"
    by_systemd = (
        shutil.which("systemctl") and subprocess.run(["systemctl", "is-active", "--quiet", unit]).returncode == 0
    )
    if by_systemd:
        _run(["systemctl", "restart", unit])  # systemd runs it: restarted through it, or it would think it died
    else:
        _run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart", "--", "-m", "fast"])


class Supervisor:
    """What Kubernetes does for a container that exits: start it again. nameko stops a service's container when a
    worker's result cannot be handled (an RPC's reply with the broker away), and the pod's restart is part of the
    recovery being tested; the run counts these restarts apart from the kills. `hold` keeps a process down on
    purpose (the back-pressure phase)."""

    def __init__(self, system: System):
        self.system = system
        self.restarted: Counter[str] = Counter()
        self.hold: set[str] = set()
        self.stop = threading.Event()
        self.lock = threading.Lock()

    def run(self) -> None:
        while not self.stop.wait(1):
            with self.lock:
                for label in self.system.exited():
                    if label not in self.hold:
                        self.system.start_again(label)
                        self.restarted[label] += 1
                        print(f"   {label} had exited: started again", flush=True)


class Faults:
    """Every `every` seconds the next service process in turn is killed and restarted; every `broker_every`-th
    kill the broker is restarted too, every `postgres_every`-th PostgreSQL."""

    def __init__(self, system: System, args: argparse.Namespace, supervisor: Supervisor):
        self.system, self.args, self.supervisor = system, args, supervisor
        self.done: Counter[str] = Counter()
        self.stop = threading.Event()

    def run(self) -> None:
        victims = itertools.cycle(VICTIMS)
        for n in itertools.count(1):
            if self.stop.wait(self.args.kill_every):
                return
            victim = next(victims)
            with self.supervisor.lock:
                self.system.kill_and_restart(victim)
            self.done[f"kill -9 {victim}"] += 1
            print(f"   fault {n}: kill -9 {victim}", flush=True)
            if self.args.broker_every and n % self.args.broker_every == 0:
                restart_broker()
                self.done["rabbitmq restart"] += 1
                print("   fault: rabbitmq restarted", flush=True)
            if self.args.postgres_every and n % self.args.postgres_every == 0:
                restart_postgres()
                self.done["postgresql restart"] += 1
                print("   fault: postgresql restarted", flush=True)


class NodeFaults:
    """`--cluster`: the broker is three nodes, every queue of ours a quorum queue. Under the load: one node stopped
    (the first, which the services reach first and where their queues' leaders start), started again; then a
    second; then the whole cluster stopped and started. Each step at its share of `--duration`."""

    PLAN = ((0.15, "stop-node", "1"), (0.35, "start-node", "1"), (0.45, "stop-node", "2"), (0.65, "start-node", "2"),
            (0.75, "stop", None), (0.8, "start", None))  # fmt: skip

    def __init__(self, args: argparse.Namespace):
        self.args = args
        self.done: Counter[str] = Counter()
        self.stop = threading.Event()
        self.down: dict[str, datetime] = {}
        self.outages: list[tuple[str, datetime, datetime]] = []  # one node down: (node, from, until)

    def run(self) -> None:
        started = time.monotonic()
        for share, command, node in self.PLAN:
            if self.stop.wait(max(0.0, started + share * self.args.duration - time.monotonic())):
                break
            if command == "start-node":
                self.outages.append((node, self.down.pop(node), datetime.now(UTC)))
            if command == "start":
                bench.start_cluster()
            else:
                bench.cluster(command, *([node] if node else []))
            if command == "stop-node":
                self.down[node] = datetime.now(UTC)
            what = f"{command} {node}" if node else f"cluster {command}"
            self.done[what] += 1
            print(f"   fault: {what}", flush=True)
        bench.start_cluster()  # every node up again, however the plan ended


def while_a_node_was_down(outages: list[tuple[str, datetime, datetime]]) -> list[dict[str, Any]]:
    """What the system took in and worked while one node of three was down (from `FAILOVER_S` after it stopped,
    the time for its queues' leaders to move and its clients to reconnect): applications received at intake, and
    first assignments routing made (their history lines)."""
    found = []
    for node, down, up in outages:
        since = down + timedelta(seconds=FAILOVER_S)
        window = {"since": since, "until": up}
        received = rows(
            "intake", "SELECT count(*) FROM applications WHERE received_at BETWEEN :since AND :until", **window
        )
        assigned = rows(
            "intake",
            "SELECT count(*) FROM application_history WHERE status = 'assigned' AND at BETWEEN :since AND :until",
            **window,
        )
        seconds = round((up - since).total_seconds(), 1)
        found.append({"node": node, "seconds": seconds, "received": received[0][0], "assigned": assigned[0][0]})
    return found


# --- Back-pressure -----------------------------------------------------------------------------------------------


def consumer_away(
    system: System, supervisor: Supervisor, args: argparse.Namespace, base_url: str, amqp_uri: str
) -> tuple[dict, list]:
    """Routing stopped for `args.away` seconds under the same load: intake keeps taking applications while their
    events wait in routing's queue, up to the bound, then answers 503 (nothing taken, come back); routing started
    again works the queue off. Returns what was seen, and the applications accepted meanwhile (checked with the
    rest)."""
    print(f"-- back-pressure: routing away for {args.away:.0f} s, bound {args.backlog_bound}", flush=True)
    with supervisor.lock:
        supervisor.hold.add("routing")
        system.kill("routing")
    highest, stop = [0], threading.Event()

    def watch() -> None:
        while not stop.wait(1):
            with contextlib.suppress(Exception):
                highest[0] = max(highest[0], bench.queued_events(amqp_uri))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        loaded = bench.load(
            args, "away", "apply", base_url, "--rate", str(args.rate), "--duration", str(args.away),
            "--request-timeout", "20", "--seed", str(args.seed + 1),
        )  # fmt: skip
    finally:
        stop.set()
        watcher.join()
        with supervisor.lock:
            supervisor.hold.discard("routing")
            system.start_again("routing")
    accepted, refused = len(loaded["accepted"]), loaded["by_status"].get("503", 0)
    seen = {
        "seconds": args.away,
        "bound": args.backlog_bound,
        "requests": loaded["by_status"],
        "highest_backlog": highest[0],
        # Held: the bound was reached (some refused) and not overrun by more than what arrives between two of
        # intake's looks at the backlog (every second) and the requests in flight.
        "held": refused > 0 and accepted <= args.backlog_bound + 3 * args.rate + 64,
    }
    return seen, loaded["accepted"]


# --- Officers at work --------------------------------------------------------------------------------------------


class Officers:
    """The demo officers at work while the faults go on: each looks at its inbox and answers, extends or forwards
    what it holds, once per application. An act answered 2xx is recorded as done; one that got no answer (a
    process killed under it) may or may not have happened, and is recorded as unsure."""

    def __init__(self, base_url: str, seed: int):
        self.client = httpx.Client(base_url=base_url, timeout=15)
        self.rng = random.Random(seed)
        self.tokens: dict[str, str] = {}
        self.acted: dict[str, str] = {}  # tracking number → act, each application acted on once
        self.done: list[tuple[str, str]] = []
        self.unsure: list[tuple[str, str]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(0.5):
            for officer in OFFICERS:
                with contextlib.suppress(httpx.HTTPError):  # a process away for a moment: the next round tries again
                    self.work(officer)

    def call(self, officer: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if officer not in self.tokens:
            login = self.client.post("/api/v1/auth/login", json={"username": officer, "password": OFFICER_PASSWORD})
            login.raise_for_status()
            self.tokens[officer] = login.json()["access_token"]
        response = self.client.request(
            method, path, headers={"Authorization": f"Bearer {self.tokens[officer]}"}, **kwargs
        )
        if response.status_code == 401:
            del self.tokens[officer]  # expired or revoked: logged in again next time
        return response

    def work(self, officer: str) -> None:
        inbox = self.call(officer, "GET", "/api/v1/inbox", params={"limit": 10})
        if inbox.status_code != 200:
            return
        for item in inbox.json()["items"]:
            number = item["tracking_number"]
            if number in self.acted or self.stop.is_set():
                continue
            moves = self.call(officer, "GET", f"/api/v1/applications/{number}/forward-targets")
            if moves.status_code != 200:
                continue
            allowed = moves.json()
            act, body = self.choose(allowed)
            if act is None:
                continue
            self.acted[number] = act
            try:
                response = self.call(officer, "POST", f"/api/v1/applications/{number}/{act}", json=body)
            except httpx.HTTPError:
                self.unsure.append((number, act))
                continue
            if response.is_success:
                self.done.append((number, act))
            elif response.status_code >= 500:
                self.unsure.append((number, act))

    def choose(self, allowed: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
        roll = self.rng.random()
        if allowed["may_extend"] and roll < 0.2:
            return "extend", {"reason": "Kurumlar arası yazışma sürüyor; ek süre gerekli."}
        if allowed["targets"] and roll < 0.4:
            return "forward", {"to_institution": allowed["targets"][0]["code"], "note": "Görev alanınıza giriyor."}
        if allowed["may_answer"]:
            return "answer", {"outcome": "positive", "text": "Başvurunuz incelendi ve gereği yapıldı."}
        return None, {}


# --- The checker -------------------------------------------------------------------------------------------------


def rows(service: str, query: str, **params: Any) -> list[Any]:
    engine = create_engine(get_settings().database_url(service))
    with engine.connect() as connection:
        found = list(connection.execute(text(query), params))
    engine.dispose()
    return found


# The history line each act leaves at intake, and the audit line at identity.
ACT_HISTORY = {"answer": "answered", "extend": "extended"}  # (a forward's line is a new `assigned`)
ACT_AUDIT = ("answer", "extend", "forward")


def check(accepted: list[list[str]], acts_done: list[tuple[str, str]], acts_unsure: list[tuple[str, str]]) -> dict:
    """Each accepted application as ok, lost, duplicated or stuck (an application is counted under the worst)."""
    numbers = [number for number, _ in accepted]
    intake = {
        row.tracking_number: row
        for row in rows(
            "intake",
            "SELECT a.tracking_number, a.status, a.id,"
            " count(h.*) FILTER (WHERE h.status = 'answered') AS answered,"
            " count(h.*) FILTER (WHERE h.status = 'extended') AS extended,"
            " count(h.*) FILTER (WHERE h.status = 'assigned') AS assigned"
            " FROM applications a LEFT JOIN application_history h ON h.application_id = a.id"
            " WHERE a.tracking_number = ANY(:numbers) GROUP BY a.id",
            numbers=numbers,
        )
    }
    in_routing = {
        row.tracking_number
        for row in rows("routing", "SELECT tracking_number FROM assignments WHERE tracking_number = ANY(:n)", n=numbers)
    }
    ids = [row.id for row in intake.values()]
    in_reporting = {
        row.application_id
        for row in rows(
            "reporting", "SELECT application_id FROM applications WHERE application_id = ANY(:ids)", ids=ids
        )
    }
    by_id = {row.id: row.tracking_number for row in intake.values()}

    def per_application(service: str, query: str) -> Counter[str]:
        return Counter({by_id[row[0]]: row[1] for row in rows(service, query, i=ids) if row[0] in by_id})

    routed = per_application(
        "routing", "SELECT application_id, count(*) FROM assignment_history WHERE application_id = ANY(:i) GROUP BY 1"
    )
    told = per_application(
        "notification", "SELECT application_id, count(*) FROM assignments WHERE application_id = ANY(:i) GROUP BY 1"
    )
    # A receipt sent twice down one channel to one address (one receipt notice per application is a constraint;
    # what could go twice is its sending, were a send not logged before a crash).
    receipts = per_application(
        "notification",
        "SELECT application_id, max(sent) FROM (SELECT n.application_id, count(*) AS sent FROM deliveries d"
        " JOIN notices n ON n.id = d.notice_id WHERE n.kind = 'receipt' AND d.result = 'ok'"
        " AND n.application_id = ANY(:i) GROUP BY n.application_id, d.channel, d.target) sends GROUP BY 1",
    )
    audited = Counter(
        (row.target, row.action)
        for row in rows("identity", "SELECT target, action FROM audit_log WHERE action = ANY(:a)", a=list(ACT_AUDIT))
    )
    forwards = Counter(number for number, act in [*acts_done, *acts_unsure] if act == "forward")
    verdict: dict[str, str] = {}
    why: dict[str, list[str]] = {}
    for number in numbers:
        found = intake.get(number)
        problems: list[tuple[str, str]] = []
        if found is None:
            problems.append(("lost", "not at intake"))
        else:
            assignments = 1 + forwards[number]  # each forward assigns it anew
            for where, count in (
                ("intake's history", found.assigned),
                ("routing's history", routed[number]),
                ("notification's assignments", told[number]),
            ):
                if count > assignments:
                    problems.append(("duplicated", f"{count} assignments in {where} for {assignments}"))
            if receipts[number] > 1:
                problems.append(("duplicated", f"a receipt sent {receipts[number]} times to one address"))
            if found.status == "received":
                problems.append(("stuck", "never assigned"))
            if number not in in_routing:
                problems.append(("stuck", "not at routing"))
            if found.id not in in_reporting:
                problems.append(("stuck", "not in reporting's read model"))
            for column in ("answered", "extended"):
                if getattr(found, column) > 1:
                    problems.append(("duplicated", f"{getattr(found, column)} '{column}' lines"))
        for action in ("answer", "extend"):  # once each at most (a forward may come again from the next holder)
            if audited[(number, action)] > 1:
                problems.append(("duplicated", f"{audited[(number, action)]} audit lines '{action}'"))
        worst = next((kind for kind in ("lost", "duplicated", "stuck") if kind in {k for k, _ in problems}), "ok")
        verdict[number] = worst
        if problems:
            why[number] = [f"{kind}: {reason}" for kind, reason in problems]
    for number, act in acts_done:  # an act answered 2xx must have left its lines
        found = intake.get(number)
        if act in ACT_HISTORY and found is not None and getattr(found, ACT_HISTORY[act]) == 0:
            verdict[number] = "lost"
            why.setdefault(number, []).append(f"lost: {act} answered 2xx, no history line at intake")
        if not audited[(number, act)]:
            verdict[number] = "lost"
            why.setdefault(number, []).append(f"lost: {act} answered 2xx, no audit line")
    counts = Counter(verdict.values())
    return {
        "applications": len(numbers),
        **{kind: counts.get(kind, 0) for kind in ("ok", "lost", "duplicated", "stuck")},
        "examples": dict(itertools.islice(why.items(), 10)),
    }


def operator_uri(env: dict[str, str]) -> str:
    return broker.component_uri(broker.OPERATOR, env["AMQP_URI"])


def unsettled(amqp_uri: str) -> dict[str, int]:
    return {**bench.unfinished_work(), "queued events": bench.queued_events(amqp_uri)}


# --- The run -----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=600, help="seconds of load and faults")
    parser.add_argument("--rate", type=float, default=10, help="applications a second")
    parser.add_argument("--kill-every", type=float, default=5, help="seconds between two kills")
    parser.add_argument("--broker-every", type=int, default=10, help="restart RabbitMQ every n-th kill (0: never)")
    parser.add_argument("--postgres-every", type=int, default=25, help="restart PostgreSQL every n-th kill")
    parser.add_argument("--recover-timeout", type=float, default=300, help="how long the system may take after")
    parser.add_argument("--short", action="store_true", help="make test's: 60 s, a kill every 6 s, one broker restart")
    parser.add_argument("--vhost", default="cimer_bench")
    parser.add_argument("--database-prefix", default="cimer_bench_")
    parser.add_argument("--port", type=int, default=8790)
    parser.add_argument("--seed", type=int, default=int(time.time()))
    parser.add_argument(
        "--fuzz-examples", type=int, default=60, help="bad input afterwards: schemathesis' examples per operation"
    )
    parser.add_argument("--fuzz-at-least", type=int, default=10_000, help="requests the fuzzing must send")
    parser.add_argument("--away", type=float, default=90, help="seconds routing stays down for back-pressure")
    parser.add_argument("--backlog-bound", type=int, default=300, help="intake's BACKLOG_BOUND in this run")
    parser.add_argument(
        "--cluster",
        action="store_true",
        help="on a local three-node RabbitMQ cluster: nodes stopped and started instead of processes killed",
    )
    args = parser.parse_args(argv)
    if args.short:  # (make test fuzzes in its end-to-end tier)
        args.duration, args.kill_every, args.broker_every, args.postgres_every = 60, 6, 6, 0
        args.fuzz_examples, args.away = 0, 0  # (and back-pressure in its interface tier)
    if args.cluster:  # the node faults alone; back-pressure and bad input are the single node's run's
        args.fuzz_examples, args.away = 0, 0
    if not shutil.which("rabbitmqctl", path=f"{SBIN}:/usr/bin"):
        raise SystemExit("make chaos restarts the local RabbitMQ: rabbitmqctl is needed")

    out = OUT / "cluster" if args.cluster else OUT
    bench.OUT = out
    out.mkdir(parents=True, exist_ok=True)
    env = bench.environment(args)
    env["BACKLOG_BOUND"] = str(args.backlog_bound)
    if args.cluster:
        bench.on_cluster(env, args.vhost)
    bench.prepare(env)
    system = System().start(env, out / "logs")
    base_url = f"http://127.0.0.1:{args.port}"
    supervisor = Supervisor(system)
    faults: Faults | NodeFaults = NodeFaults(args) if args.cluster else Faults(system, args, supervisor)
    officers = Officers(base_url, args.seed)
    try:
        system.wait_healthy(base_url)
        print(f"-- chaos: {args.duration:.0f} s at {args.rate}/s, seed {args.seed}", flush=True)
        threading.Thread(target=supervisor.run, daemon=True).start()  # until the end of the run
        workers = [threading.Thread(target=faults.run), threading.Thread(target=officers.run)]
        for worker in workers:
            worker.start()
        loaded = bench.load(
            args, "chaos", "apply", base_url, "--rate", str(args.rate), "--duration", str(args.duration),
            "--request-timeout", "20", "--seed", str(args.seed),
        )  # fmt: skip
        faults.stop.set()
        officers.stop.set()
        for worker in workers:
            worker.join()
        accepted = loaded["accepted"]
        print(f"-- faults over; {len(accepted)} accepted; waiting for the system to recover", flush=True)
        recovered_s = faults_recovered_s = bench.wait_settled(env["AMQP_URI"], accepted, args.recover_timeout)
        away: dict[str, Any] = {}
        if args.away and recovered_s is not None:
            away, accepted_away = consumer_away(system, supervisor, args, base_url, env["AMQP_URI"])
            accepted = accepted + accepted_away
            worked_off = bench.wait_settled(env["AMQP_URI"], accepted, args.recover_timeout)
            away["worked_off_s"] = None if worked_off is None else round(worked_off, 1)
            recovered_s = worked_off
        result = {
            "broker": "three-node cluster, quorum queues" if args.cluster else "one node",
            "seed": args.seed,
            "duration_s": args.duration,
            "rate_per_s": args.rate,
            "faults": dict(faults.done),
            "exited_and_started_again": dict(supervisor.restarted),
            "requests": loaded["by_status"],
            "request_errors": loaded["errors"],
            "acts": {"done": len(officers.done), "unsure": len(officers.unsure)},
            "recovered_s": None if faults_recovered_s is None else round(faults_recovered_s, 1),
            "unsettled": {} if recovered_s is not None else unsettled(env["AMQP_URI"]),
            "back_pressure": away,
            "while_a_node_was_down": while_a_node_was_down(faults.outages) if isinstance(faults, NodeFaults) else [],
            **check(accepted, officers.done, officers.unsure),
            # Nothing should have been set aside: an outage is waited out, never taken for a poison.
            "dead_letters": [dead_letters.summary(x) for x in dead_letters.list_letters(operator_uri(env))],
        }  # fmt: skip
        if args.fuzz_examples:  # the recovered system, fed bad input by every kind of caller
            print(f"-- fuzzing: {args.fuzz_examples} examples per operation, as each caller", flush=True)
            result["fuzz"] = fuzz.fuzz(base_url, args.fuzz_examples, password=OFFICER_PASSWORD)
    finally:
        supervisor.stop.set()
        faults.stop.set()
        officers.stop.set()
        with supervisor.lock:
            system.stop()
        if args.cluster:
            bench.cluster("stop")
    (out / "results.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))
    # A 5xx other than 503 is a fault let through to the citizen (a 503 says: nothing taken, try again).
    statuses = [result["requests"], result["back_pressure"].get("requests", {})]
    server_errors = sum(n for by in statuses for status, n in by.items() if status.startswith("5") and status != "503")
    failed = result["lost"] or result["duplicated"] or result["stuck"] or server_errors or result["dead_letters"]
    # With one node of three down, the system keeps taking applications in and working them.
    failed = failed or any(not (w["received"] and w["assigned"]) for w in result["while_a_node_was_down"])
    if result["back_pressure"]:  # the bound reached and held, everything worked off after
        failed = failed or not result["back_pressure"]["held"] or result["back_pressure"]["worked_off_s"] is None
    if "fuzz" in result:  # a server error to bad input, or too little of it sent to count
        failed = failed or result["fuzz"]["failed"] or result["fuzz"]["requests"] < args.fuzz_at_least
    return 1 if failed or recovered_s is None else 0


if __name__ == "__main__":
    sys.exit(main())
