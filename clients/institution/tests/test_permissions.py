"""The client under an institution's real permissions: no `configure`, read on its queue, write on the commands
exchange only with routing keys that start with its code. Proves the client declares nothing and sets `user_id`."""

import queue
import secrets
from urllib.parse import urlsplit, urlunsplit

import pytest

from cimer_institution import AccessRefused, CommandNotDelivered, InstitutionClient


def with_credentials(uri, username, password):
    parts = urlsplit(uri)
    return urlunsplit(parts._replace(netloc=f"{username}:{password}@{parts.hostname}:{parts.port or 5672}"))


@pytest.fixture
def institution_user(bus, rabbitmqctl):
    """A broker user as `cimer-institution plug` makes one, for the test's queue and exchange."""
    code = f"T{bus.id}"
    username, password = f"institution-{code}", secrets.token_hex(16)
    vhost = urlsplit(bus.uri).path.lstrip("/") or "/"
    rabbitmqctl("add_user", username, password)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, username, "", f"^{bus.exchange}$", f"^{bus.queue}$")
        rabbitmqctl("set_topic_permissions", "-p", vhost, username, bus.exchange, f"^{code}\\.", ".*")
        yield code, with_credentials(bus.uri, username, password)
    finally:
        rabbitmqctl("delete_user", username)


def test_an_institution_consumes_and_commands_within_its_permissions(
    bus, institution_user, run_client, make_assignment
):
    code, uri = institution_user
    client = InstitutionClient(uri, bus.queue, bus.exchange, connection_name=f"test-{bus.id}", handle_signals=False)
    assert client.institution == code  # from the user's name, institution-CODE
    received = queue.Queue()

    @client.on_application_assigned
    def forward(message):
        received.put(client.forward(message.tracking_number, "PD-06-SAGLIK", "İl müdürlüğüne."))

    try:
        with run_client(client):
            bus.publish(make_assignment())
            command_id = received.get(timeout=5)
        command = bus.next_command()
        assert command.routing_key == f"{code}.forward"
        assert command.properties.user_id == f"institution-{code}"  # the broker let it through: it is ours
        assert command.body["command_id"] == command_id

        # Another institution's routing key: the broker's topic permission refuses it.
        impostor = InstitutionClient(uri, bus.queue, bus.exchange, institution="MIN-OTHER")
        with pytest.raises(CommandNotDelivered, match="403"):
            impostor.answer("2025-000001", "positive", "Gereği yapılmıştır.")
        impostor.close()

        # Another queue: reading it is refused, and retrying cannot help.
        reader = InstitutionClient(uri, bus.observed, bus.exchange, institution=code, handle_signals=False)
        reader.on_application_assigned(lambda message: None)
        with pytest.raises(AccessRefused, match="may not read"):
            reader.run()
    finally:
        client.close()


def test_refused_credentials_end_run_and_fail_commands(bus):
    uri = with_credentials(bus.uri, "guest", "not-the-password")
    client = InstitutionClient(uri, bus.queue, bus.exchange, institution="MIN-TEST", handle_signals=False)
    client.on_application_assigned(lambda message: None)

    with pytest.raises(AccessRefused, match="credentials"):
        client.run()
    with pytest.raises(CommandNotDelivered, match="credentials"):
        client.extend("2025-000001", "Ek süre.")
