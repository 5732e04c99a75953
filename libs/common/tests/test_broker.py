"""Unit tests of the trust boundary's tables (`cimer_common.broker`): what each component's broker user may touch,
checked the way RabbitMQ checks it (a regular expression searched in the resource's name or the routing key)."""

import re

import pytest

from cimer_common import broker
from cimer_common.events import CATALOGUE


def allows(pattern: str, name: str) -> bool:
    return re.search(pattern, name) is not None


@pytest.mark.parametrize("service", ["intake", "routing", "notification", "reporting", "identity"])
def test_a_service_writes_only_to_its_own_events_exchange(service):
    write = broker.permissions_of(service).write
    for other in ("intake", "routing", "notification", "reporting", "identity"):
        assert allows(write, f"{other}.events") == (other == service)


def test_a_service_reads_only_its_own_rpc_queue_and_the_queues_of_its_own_handlers():
    read = broker.permissions_of("notification").read
    assert allows(read, "rpc-notification") and not allows(read, "rpc-intake")
    assert allows(read, "evt-intake-application_received--notification.handle_application_received")
    assert not allows(read, "evt-intake-application_received--routing.handle_application_received")
    assert allows(read, "cimer.dead-letters.notification")  # its own letters, to replay one
    assert not allows(read, "cimer.dead-letters.intake")  # never what others set aside
    assert not allows(read, "cimer.institution.MIN-SAGLIK")


def test_every_consumer_may_read_the_queues_of_the_events_the_catalogue_gives_it():
    for event in CATALOGUE.values():
        for consumer in event.consumers:
            service = consumer.split(".")[0]
            queue = f"evt-{event.producer}-{event.name}--{consumer}"
            assert allows(broker.permissions_of(service).read, queue), queue
            assert allows(broker.permissions_of(event.producer).configure, queue), queue  # its outbox declares it


def test_only_intake_and_routing_write_to_institutions_and_only_routing_takes_their_commands():
    for component in broker.COMPONENTS:
        permissions = broker.permissions_of(component)
        assert allows(permissions.write, broker.INSTITUTIONS_EXCHANGE) == (component in ("intake", "routing"))
        assert allows(permissions.read, broker.COMMANDS_QUEUE) == (component == "routing")


def rpc_calls(component: str) -> str:
    return broker.permissions_of(component).topics[broker.RPC_EXCHANGE][0]


def test_personal_data_rpcs_can_be_asked_only_by_the_service_entitled_to_them():
    for method in ("intake.notice_contacts", "identity.officer_contacts", "reporting.stored_report_document"):
        callers = [c for c in broker.COMPONENTS if allows(rpc_calls(c), method)]
        assert callers == ["notification"], method
    gateway = rpc_calls("gateway")
    assert allows(gateway, "intake.file_application") and allows(gateway, "routing.forward")
    assert not allows(gateway, "routing.plug_institution")
    assert allows(rpc_calls("operator"), "routing.plug_institution")
    assert not allows(rpc_calls("operator"), "intake.notice_contacts")


def test_the_services_own_check_agrees_with_the_broker():
    for (service, method), callers in broker.RPC_CALLERS.items():
        for component in broker.COMPONENTS:
            entitled = broker.may_call(component, service, method)
            assert entitled == (component in callers)
            if component != broker.GATEWAY and not entitled:
                assert not allows(rpc_calls(component), f"{service}.{method}")
    assert broker.may_call("gateway", "intake", "file_application")
    assert not broker.may_call(None, "intake", "file_application")  # nobody vouched for: nothing


def test_an_institution_reads_its_own_queue_and_commands_under_its_own_code():
    permissions = broker.institution_permissions("MIN-SAGLIK")
    assert permissions.configure == "^$"
    assert allows(permissions.read, "cimer.institution.MIN-SAGLIK")
    assert not allows(permissions.read, "cimer.institution.MIN-SAGLIKX")
    assert not allows(permissions.read, "cimer.institution.MIN-ICISLERI")
    assert allows(permissions.write, broker.COMMANDS_EXCHANGE) and not allows(permissions.write, "nameko-rpc")
    keys = permissions.topics[broker.COMMANDS_EXCHANGE][0]
    assert all(allows(keys, f"MIN-SAGLIK.{command}") for command in broker.COMMANDS)
    assert not allows(keys, "MIN-ICISLERI.forward") and not allows(keys, "MIN-SAGLIK.delete")


def test_names_map_to_components_and_institutions():
    assert broker.component_of("cimer-routing") == "routing"
    assert broker.component_of("cimer-nobody") is None and broker.component_of("guest") is None
    assert broker.institution_of("institution-MIN-SAGLIK") == "MIN-SAGLIK"
    assert broker.institution_of("cimer-routing") is None and broker.institution_of(None) is None


def test_a_component_connects_as_itself(monkeypatch, tmp_path):
    monkeypatch.setenv("BROKER_CREDENTIALS_FILE", str(tmp_path / "credentials.json"))
    base = "pyamqp://guest:guest@127.0.0.1:5672/cimer_test"
    assert broker.component_uri("intake", base) == base  # nothing provisioned here: the address as given
    broker.store_passwords({"cimer-intake": "s3cr/t"})
    assert broker.component_uri("intake", base) == "pyamqp://cimer-intake:s3cr%2Ft@127.0.0.1:5672/cimer_test"
    assert broker.user_in(broker.component_uri("intake", base)) == "cimer-intake"
    assert (tmp_path / "credentials.json").stat().st_mode & 0o077 == 0
    monkeypatch.setenv("INTAKE_AMQP_URI", "amqp://mine:pw@broker:5672/%2F")
    assert broker.component_uri("intake", base) == "amqp://mine:pw@broker:5672/%2F"


def test_the_console_s_rpcs_are_the_gateway_s_alone():
    """`routing.forward_targets` and `intake.overview` are public API (not in `RPC_CALLERS`, so the gateway's by
    default): the broker lets the gateway ask them and no other component, and the services agree."""
    for service, method in (("routing", "forward_targets"), ("intake", "overview")):
        callers = [c for c in broker.COMPONENTS if allows(rpc_calls(c), f"{service}.{method}")]
        assert callers == ["gateway"], method
        assert [c for c in broker.COMPONENTS if broker.may_call(c, service, method)] == ["gateway"], method


def test_only_the_operator_asks_a_service_to_replay_its_dead_letters():
    for service in ("intake", "routing", "notification", "reporting", "identity"):
        assert broker.may_call("operator", service, "replay_dead_letter")
        assert not broker.may_call("gateway", service, "replay_dead_letter")
        assert not broker.may_call("routing", service, "replay_dead_letter")
        assert allows(rpc_calls("operator"), f"{service}.replay_dead_letter")
        assert not allows(rpc_calls("gateway"), f"{service}.replay_dead_letter")
    read = broker.permissions_of("operator").read
    assert allows(read, "cimer.dead-letters.intake") and not allows(
        read, "evt-intake-application_received--routing.handle_application_received"
    )
