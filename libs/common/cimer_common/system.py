"""The whole system as local processes: every entry of the `Procfile` (what `make up` runs through honcho), each
as many times as `concurrency` says, each logging to a file of its own. The end-to-end tests and the benchmark
start it this way, so they run exactly what `make up` runs.

`concurrency` has honcho's form, `intake=2,routing=1`: a service started twice is two nameko processes on the
same queues (RabbitMQ shares the work between them). The gateway runs once per machine: a second would want the
same port.
"""

from __future__ import annotations

import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[3]


def procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    entries = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, command = line.split(":", 1)
            entries[name.strip()] = command.strip()
    return entries


def parse_concurrency(text: str) -> dict[str, int]:
    """`intake=2, routing=1` → {"intake": 2, "routing": 1}; a name not given runs once."""
    counts: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, _, count = item.partition("=")
        if not count.strip().isdigit() or int(count) < 0:
            raise ValueError(f"concurrency {item!r}: expected name=count")
        counts[name.strip()] = int(count)
    return counts


@dataclass
class Process:
    name: str  # `intake.2` for the second intake
    popen: subprocess.Popen[bytes]
    log: Path
    command: list[str] = field(default_factory=list)
    index: int = 1


@dataclass
class System:
    processes: list[Process] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)

    def start(
        self, env: dict[str, str], logs: Path, concurrency: dict[str, int] | None = None, only: set[str] | None = None
    ) -> System:
        logs.mkdir(parents=True, exist_ok=True)
        self.env = env
        for name, command in procfile().items():
            if only is not None and name not in only:
                continue
            for index in range(1, (concurrency or {}).get(name, 1) + 1):
                label = name if index == 1 else f"{name}.{index}"
                self.processes.append(self._spawn(label, command.split(), logs / f"{label}.log", "wb", index))
        return self

    def _spawn(self, label: str, command: list[str], log: Path, mode: str, index: int = 1) -> Process:
        env = self.env
        if index > 1:  # a second process of a service serves its metrics 10 ports up, a third 20 (METRICS_PORT)
            env = {**env, "METRICS_PORT_OFFSET": str(int(env.get("METRICS_PORT_OFFSET", "0")) + 10 * (index - 1))}
        with log.open(mode) as out:
            popen = subprocess.Popen(  # noqa: S603 - the commands of our own Procfile
                command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT
            )
        return Process(label, popen, log, command, index)

    def kill_and_restart(self, label: str) -> None:
        """`kill -9` the process `label` (no chance to finish anything it holds), then start it again, its log
        continued: what a node's crash and the orchestrator's restart do to a pod (`make chaos`)."""
        self.kill(label)
        self.start_again(label)

    def kill(self, label: str) -> None:
        """`kill -9` the process `label`, left down (`start_again` brings it back)."""
        process = next(p for p in self.processes if p.name == label)
        if process.popen.poll() is None:
            process.popen.kill()
            process.popen.wait()

    def exited(self) -> list[str]:
        """The processes that have ended on their own (a service whose container stopped, as nameko's does when it
        cannot send an RPC's reply while the broker is away)."""
        return [p.name for p in self.processes if p.popen.poll() is not None]

    def start_again(self, label: str) -> None:
        index, process = next((i, p) for i, p in enumerate(self.processes) if p.name == label)
        self.processes[index] = self._spawn(label, process.command, process.log, "ab", process.index)

    def wait_healthy(self, base_url: str, timeout: float = 90.0) -> None:
        """Until the gateway answers /health; fails at once if a process has exited."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            exited = [p.name for p in self.processes if p.popen.poll() is not None]
            if exited:
                raise RuntimeError(f"{', '.join(exited)} exited at start; see {self.processes[0].log.parent}")
            try:
                if httpx.get(f"{base_url}/health", timeout=3).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        raise RuntimeError(f"the system did not become healthy in {timeout:.0f}s; see {self.processes[0].log.parent}")

    def stop(self, timeout: float = 15.0) -> None:
        for process in self.processes:
            if process.popen.poll() is None:
                process.popen.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                process.popen.kill()
