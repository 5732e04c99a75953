"""A service's metrics through its real entrypoints (`cimer_common.metrics`): each call counted by outcome (ok, an
expected refusal, a failure), how long it took, the outbox and the dead letters read when scraped, and all of it
served in Prometheus' text format on the service's metrics port."""

import socket
import uuid

import httpx
import pytest
from nameko.testing.services import entrypoint_hook
from prometheus_client import REGISTRY

from cimer_common import outbox
from cimer_common.errors import InvalidApplication
from cimer_common.testing import PETITION, assigned_event, publish, wait_until

pytestmark = pytest.mark.interface


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def counted(entrypoint, outcome, service="intake"):
    labels = {"service": service, "entrypoint": entrypoint, "outcome": outcome}
    return REGISTRY.get_sample_value("cimer_messages_total", labels) or 0.0


def test_calls_are_counted_by_outcome_and_served_with_what_is_read_when_scraped(start_service, amqp_uri, monkeypatch):
    monkeypatch.setattr(outbox, "POISON_AFTER_FAILURES", 1000)  # the failure below keeps failing, not set aside
    port = free_port()
    intake = start_service("intake", METRICS_PORT=port)
    ok, refused = counted("file_application", "ok"), counted("file_application", "refused")
    timed = {"service": "intake", "entrypoint": "file_application"}
    workers = REGISTRY.get_sample_value("cimer_handler_seconds_count", timed) or 0.0
    with entrypoint_hook(intake, "file_application") as file_application:
        file_application(PETITION)
        with pytest.raises(InvalidApplication):
            file_application({**PETITION, "petition_type": None})  # a petition must say which
    assert (counted("file_application", "ok"), counted("file_application", "refused")) == (ok + 1, refused + 1)
    assert REGISTRY.get_sample_value("cimer_handler_seconds_count", timed) == workers + 2

    # An assignment intake cannot apply (it does not have the application): a failure, counted as one.
    failed = counted("handle_application_assigned", "failed")
    publish(amqp_uri, assigned_event(uuid.uuid4(), "269999999993"))
    wait_until(lambda: counted("handle_application_assigned", "failed") > failed, timeout=10)

    def served():
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        return text if 'cimer_dead_letters{service="intake"}' in text else None

    text = wait_until(served, timeout=10)  # measured at start, and again when something could not be
    assert 'cimer_messages_total{entrypoint="file_application",outcome="ok",service="intake"}' in text
    assert 'cimer_outbox_backlog{service="intake"}' in text and 'cimer_outbox_oldest_seconds{service="intake"}' in text
    assert 'cimer_dead_letters{service="intake"} 0.0' in text
