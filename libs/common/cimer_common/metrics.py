"""Prometheus metrics of a nameko service, served at `http://<host>:METRICS_PORT/metrics` (9102 in Kubernetes,
one port per process locally; 0: none). A service class declares `metrics = Metrics()` (or with its own gauges);
the figures are the same in every service:

- `cimer_messages_total{service, entrypoint, outcome}`: what each entrypoint took (an RPC request, an event, an
  institution's command; a batch counts its events), `ok`, `refused` (an expected refusal: bad input, not found)
  or `failed`;
- `cimer_handler_seconds{service, entrypoint}`: how long each worker took, from its start until its result was
  handled (an RPC's reply sent; a failed event's pause before it goes back to its queue included);
- `cimer_batch_size{service, entrypoint}`: the events in each batch of an `@on_events` consumer;
- `cimer_timer_last_success_timestamp_seconds{service, timer}`: when each timer last ran to its end;
- measured every `METRICS_MEASURE_SECONDS` (15) by a thread of the service's own, and served as last measured (a
  scrape never waits on the database or the broker): `cimer_outbox_backlog{service}` (rows not yet published) and
  `cimer_outbox_oldest_seconds` (the age of the oldest), `cimer_dead_letters{service}` (what waits in its dead
  letters), and the service's own gauges (routing's `cimer_overdue_applications`). A figure that could not be
  measured (the database or the broker away) is left out rather than shown stale.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import eventlet
import structlog
from kombu.connection import Connection
from nameko.extensions import DependencyProvider
from nameko.timer import Timer
from prometheus_client import REGISTRY, Counter, Gauge, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy.orm import Session

from cimer_common import broker

log = structlog.get_logger(__name__)

MESSAGES = Counter(
    "cimer_messages",
    "Messages each entrypoint took, by outcome (ok, refused, failed)",
    ["service", "entrypoint", "outcome"],
)
HANDLER_SECONDS = Histogram(
    "cimer_handler_seconds",
    "How long each worker took, until its result was handled (an RPC's reply sent, a failed event's pause)",
    ["service", "entrypoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
BATCH_SIZE = Histogram(
    "cimer_batch_size", "Events in each batch", ["service", "entrypoint"], buckets=(1, 2, 5, 10, 20, 50, 100, 200)
)
TIMER_LAST_SUCCESS = Gauge(
    "cimer_timer_last_success_timestamp_seconds", "When each timer last ran to its end", ["service", "timer"]
)

# A service's own gauge: name → (help, function of a session giving the value).
ServiceGauges = dict[str, tuple[str, Callable[[Session], float]]]
MEASURE_SECONDS = float(os.environ.get("METRICS_MEASURE_SECONDS", "15"))


class _Scraped(Collector):
    """The figures each service container of the process last measured (one collector for all: the registry
    refuses two that name the same metrics)."""

    def __init__(self) -> None:
        self.sources: dict[str, Metrics] = {}

    def collect(self) -> Iterator[GaugeMetricFamily]:
        backlog = GaugeMetricFamily("cimer_outbox_backlog", "Outbox rows not yet published", labels=["service"])
        oldest = GaugeMetricFamily(
            "cimer_outbox_oldest_seconds", "Age of the oldest outbox row not yet published", labels=["service"]
        )
        letters = GaugeMetricFamily("cimer_dead_letters", "Messages waiting in the dead letters", labels=["service"])
        own: dict[str, GaugeMetricFamily] = {}
        for service, source in list(self.sources.items()):
            latest = dict(source.latest)
            for name, (text, _) in source.gauges.items():
                family = own.setdefault(name, GaugeMetricFamily(name, text, labels=["service"]))
                if name in latest:
                    family.add_metric([service], latest[name])
            if "backlog" in latest:
                backlog.add_metric([service], latest["backlog"])
                oldest.add_metric([service], latest["oldest"])
            if "dead_letters" in latest:
                letters.add_metric([service], latest["dead_letters"])
        yield from (backlog, oldest, letters, *own.values())


SCRAPED = _Scraped()
REGISTRY.register(SCRAPED)
_serving: int | None = None


def serve(port: int) -> None:
    """The process's metrics endpoint, once (several containers may share a process, as in the tests)."""
    global _serving
    if not port or _serving is not None:
        return
    try:
        start_http_server(port)
        _serving = port
    except OSError as error:  # another process of the same service on this machine took the port first
        log.warning("metrics not served", port=port, error=str(error))


class Metrics(DependencyProvider):  # type: ignore[misc]
    def __init__(self, gauges: ServiceGauges | None = None):
        self.gauges = gauges or {}

    def setup(self) -> None:
        self.service = self.container.service_name
        self.amqp_uri = self.container.config["AMQP_URI"]
        self._started: dict[int, float] = {}
        self._engine: Any = None
        self._broker: Connection | None = None
        self._running = False
        self.latest: dict[str, float] = {}

    def start(self) -> None:
        from cimer_common.db import Database
        from cimer_common.outbox import Outbox

        self._outbox = next((e for e in self.container.dependencies if isinstance(e, Outbox)), None)
        database = next((e for e in self.container.dependencies if isinstance(e, Database)), None)
        self._engine = database.engine if database is not None else None
        SCRAPED.sources[self.service] = self
        self._running = True
        self.container.spawn_managed_thread(self._measure_every, identifier="metrics_measure")
        serve(int(self.container.config.get("METRICS_PORT") or 0))

    def stop(self) -> None:
        self._running = False
        if SCRAPED.sources.get(self.service) is self:
            del SCRAPED.sources[self.service]
        if self._broker is not None:
            self._broker.release()
            self._broker = None

    kill = stop

    # --- What each worker did ------------------------------------------------------------------------------------

    def worker_setup(self, worker_ctx: Any) -> None:
        self._started[id(worker_ctx)] = time.perf_counter()

    def worker_result(self, worker_ctx: Any, result: Any = None, exc_info: Any = None) -> None:
        from cimer_common.outbox import EventBatchConsumer

        entrypoint = worker_ctx.entrypoint
        name = entrypoint.method_name
        started = self._started.pop(id(worker_ctx), None)
        if started is not None:
            HANDLER_SECONDS.labels(self.service, name).observe(time.perf_counter() - started)
        if exc_info is None:
            outcome = "ok"
        elif isinstance(exc_info[1], tuple(getattr(entrypoint, "expected_exceptions", ()) or ())):
            outcome = "refused"
        else:
            outcome = "failed"
        if isinstance(entrypoint, Timer):
            if exc_info is None:
                TIMER_LAST_SUCCESS.labels(self.service, name).set(time.time())
            return
        if isinstance(entrypoint, EventBatchConsumer):
            taken = len(worker_ctx.args[0])
            BATCH_SIZE.labels(self.service, name).observe(taken)
            failures = getattr(exc_info[1], "failures", None) if exc_info is not None else None
            if failures is not None:  # `PartlyApplied`: the others of the batch were applied
                MESSAGES.labels(self.service, name, "failed").inc(len(failures))
                MESSAGES.labels(self.service, name, "ok").inc(taken - len(failures))
                return
            MESSAGES.labels(self.service, name, outcome).inc(taken)
            return
        MESSAGES.labels(self.service, name, outcome).inc()

    # --- Measured in the background ------------------------------------------------------------------------------

    def _measure_every(self) -> None:
        while self._running:
            self.latest = self.measure_all()
            # Soon again when something could not be measured (the broker or the database still starting).
            complete = "dead_letters" in self.latest and ("backlog" in self.latest or self._outbox is None)
            eventlet.sleep(MEASURE_SECONDS if complete else 1.0)

    def measure_all(self) -> dict[str, float]:
        latest: dict[str, float] = {}
        for name, (_, value) in self.gauges.items():
            if (measured := self.measure(value)) is not None:
                latest[name] = measured
        if (waiting := self.outbox_waiting()) is not None:
            latest["backlog"], latest["oldest"] = waiting
        if (count := self.dead_letters()) is not None:
            latest["dead_letters"] = count
        return latest

    def measure(self, value: Callable[[Session], float]) -> float | None:
        if self._engine is None:
            return None
        try:
            with Session(self._engine) as session:
                return float(value(session))
        except Exception as error:  # the database away: no figure rather than a wrong one
            log.warning("metric not measured", error=f"{type(error).__name__}: {error}")
            return None

    def outbox_waiting(self) -> tuple[int, float] | None:
        if self._outbox is None:
            return None
        try:
            return self._outbox.waiting()
        except Exception as error:
            log.warning("outbox not measured", error=f"{type(error).__name__}: {error}")
            return None

    def dead_letters(self) -> int | None:
        """Counted on one broker connection kept for it (made again after a failure)."""
        try:
            if self._broker is None:
                self._broker = Connection(self.amqp_uri, connect_timeout=2)
            channel = self._broker.default_channel
            queue = broker.dead_letter_queue(self.service)
            return int(channel.queue_declare(queue=queue, passive=True).message_count)
        except Exception as error:  # the broker away: no figure, and a new connection next time
            log.warning("dead letters not counted", error=f"{type(error).__name__}: {error}")
            if self._broker is not None:
                self._broker.release()
                self._broker = None
            return None
