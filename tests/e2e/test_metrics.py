"""Each process serves Prometheus metrics on a port of its own (`cimer_common.metrics`, `gateway.metrics`),
and the figures move when an application flows through: the gateway counts the request, intake the filing, routing
the assignment it made, notification and reporting the events they took; the outboxes and dead letters are
measured when scraped, and a timer says when it last ran."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.conftest import TEST_ENV, wait_for
from tests.e2e.test_application_flow import PETITION

pytestmark = pytest.mark.e2e

OFFSET = int(TEST_ENV["METRICS_PORT_OFFSET"])
# The Procfile's ports; a second process of a service serves 10 ports up.
PORTS = {"gateway": 9100, "intake": 9101, "routing": 9102, "notification": 9103, "reporting": 9104, "identity": 9105}


def samples(component: str) -> dict[tuple[str, frozenset], float]:
    """Every sample of every process of `component`, summed over its processes."""
    found: dict[tuple[str, frozenset], float] = {}
    for port in (PORTS[component] + OFFSET, PORTS[component] + OFFSET + 10):
        try:
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        except httpx.ConnectError:
            continue  # no second process of this one
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                key = (sample.name, frozenset(sample.labels.items()))
                found[key] = found.get(key, 0.0) + sample.value
    return found


def value(component: str, name: str, **labels: str) -> float:
    """The sum of the samples named `name` whose labels include `labels`."""
    return sum(v for (n, ls), v in samples(component).items() if n == name and set(labels.items()) <= ls)


RETIRED_FROM = ("notification", "reporting")  # `application_received`'s retired consumers


def test_the_figures_move_when_an_application_flows_through(api):
    before = {
        "gateway": value("gateway", "cimer_gateway_http_requests_total", handler="/api/v1/applications", status="201"),
        "intake": value("intake", "cimer_messages_total", entrypoint="file_application", outcome="ok"),
        "routing": value("routing", "cimer_messages_total", entrypoint="handle_application_received", outcome="ok"),
        # (the first assignment carries the application to these two)
        "notification": value(
            "notification", "cimer_messages_total", entrypoint="handle_application_assigned", outcome="ok"
        ),
        "reporting": value("reporting", "cimer_messages_total", entrypoint="handle_application_assigned", outcome="ok"),
    }
    retired = {s: value(s, "cimer_messages_total", entrypoint="handle_application_received") for s in RETIRED_FROM}
    response = api.post("/api/v1/applications", json=PETITION)
    assert response.status_code == 201, response.text

    # (each process counts once its answer is on its way: a moment after the 201)
    wait_for(
        lambda: (
            value("gateway", "cimer_gateway_http_requests_total", handler="/api/v1/applications", status="201")
            == before["gateway"] + 1
        )
    )
    wait_for(
        lambda: (
            value("intake", "cimer_messages_total", entrypoint="file_application", outcome="ok") == before["intake"] + 1
        )
    )
    wait_for(
        lambda: (
            value("routing", "cimer_messages_total", entrypoint="handle_application_received", outcome="ok")
            > before["routing"]
        )
    )
    wait_for(
        lambda: (
            value("notification", "cimer_messages_total", entrypoint="handle_application_assigned", outcome="ok")
            > before["notification"]
        )
    )
    wait_for(
        lambda: (
            value("reporting", "cimer_messages_total", entrypoint="handle_application_assigned", outcome="ok")
            > before["reporting"]
        )
    )
    assert value("routing", "cimer_batch_size_count", entrypoint="handle_application_received") > 0
    # Their retired consumers' queues are unbound: nothing new reaches them.
    assert {
        s: value(s, "cimer_messages_total", entrypoint="handle_application_received") for s in RETIRED_FROM
    } == retired
    assert value("intake", "cimer_handler_seconds_count", entrypoint="file_application") >= 1


def test_what_is_read_when_scraped_is_there_for_every_service():
    measured = {"cimer_outbox_backlog", "cimer_outbox_oldest_seconds", "cimer_dead_letters"}
    for service in ("intake", "routing", "notification", "reporting", "identity"):
        # (measured at each process's start, again every METRICS_MEASURE_SECONDS)
        wait_for(lambda s=service: measured <= {name for name, labels in samples(s) if ("service", s) in labels})
        assert value(service, "cimer_dead_letters", service=service) == 0
    assert ("cimer_overdue_applications", frozenset({("service", "routing")})) in samples("routing")
    # A timer says when it last ran to its end (notification's sender runs every half second here).
    wait_for(lambda: value("notification", "cimer_timer_last_success_timestamp_seconds", timer="deliver_notices") > 0)
