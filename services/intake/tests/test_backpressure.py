"""Back-pressure: with a consumer down, intake keeps taking applications while its events wait in the consumer's
queue, up to the bound; beyond it, it refuses new ones (503 with Retry-After at the gateway) and stores nothing
of them; once the consumer has worked the queue off, it takes them again. Nothing accepted is lost meanwhile."""

import pytest
from kombu import Connection
from nameko.testing.services import entrypoint_hook
from nameko.testing.utils import get_extension
from sqlalchemy import func, select

from cimer_common.errors import NotReady
from cimer_common.outbox import Outbox, consumer_queue
from cimer_common.testing import service_database, wait_until
from intake.models import Application

pytestmark = pytest.mark.interface

PETITION = {
    "kind": "petition",
    "petition_type": "request",
    "subject": "transport",
    "title": "Yol bozuk",
    "body": "Mahallemizdeki yol aylardır bozuk.",
    "province": "06",
    "applicant": {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz"},
}
# No consumer runs in this test: routing's queue is one of those where the events wait.
ROUTING = consumer_queue("intake", "application_received", "routing.handle_application_received").name


def filed(intake):
    with service_database(intake) as session:
        return session.scalar(select(func.count()).select_from(Application))


def waiting(amqp_uri):
    with Connection(amqp_uri) as connection:
        return connection.default_channel.queue_declare(queue=ROUTING, passive=True).message_count


def test_over_its_bound_intake_takes_nothing_more_until_the_consumer_catches_up(start_service, amqp_uri):
    intake = start_service("intake", BACKLOG_BOUND=3)
    with entrypoint_hook(intake, "file_application") as file:
        for _ in range(4):
            file(PETITION)
        wait_until(lambda: waiting(amqp_uri) == 4)  # published, and waiting for routing

        def refused():
            try:
                file(PETITION)
            except NotReady as busy:
                return busy
            return None

        busy = wait_until(refused)  # as soon as the backlog is measured over the bound
        assert busy.code == "service_busy" and busy.retry_after == "30"
        accepted = filed(intake)
        assert accepted >= 4 and waiting(amqp_uri) == accepted  # each one accepted is there; the refused ones not
        assert refused() is not None

        with Connection(amqp_uri) as connection:  # the consumers (none runs here) come back and work it off
            for queue in get_extension(intake, Outbox).watched_queues:
                connection.default_channel.queue_purge(queue)
        wait_until(lambda: refused() is None)
    assert filed(intake) == accepted + 1
