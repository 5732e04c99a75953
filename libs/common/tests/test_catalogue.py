"""The event catalogue is the truth about the bus: the code's handlers and the generated document agree with it."""

import inspect
from pathlib import Path

import pytest
from nameko.events import BROADCAST, EventHandler

from cimer_common.events import CATALOGUE, markdown
from cimer_common.settings import SERVICES, service_class

ROOT = Path(__file__).resolve().parents[3]


def handlers_in_code(broadcast: bool = False) -> set[tuple[str, str, str]]:
    """(producer, event, "service.method") for every event entrypoint of every service class: those of a service
    (one of its processes takes each event), or with `broadcast` those every process hears."""
    found = set()
    for service in SERVICES:
        cls = service_class(service)
        for name, method in inspect.getmembers(cls, inspect.isfunction):
            for entrypoint in getattr(method, "nameko_entrypoints", ()):
                if isinstance(entrypoint, EventHandler) and (entrypoint.handler_type is BROADCAST) == broadcast:
                    found.add((entrypoint.source_service, entrypoint.event_type, f"{cls.name}.{name}"))
    return found


def test_every_handler_in_the_code_is_in_the_catalogue_and_every_catalogued_consumer_exists():
    # (a consumer retired in this version still applies what its queue held: `EventType.retired_consumers`)
    catalogued = {(e.producer, e.name, c) for e in CATALOGUE.values() for c in (*e.consumers, *e.retired_consumers)}
    assert handlers_in_code() == catalogued


def test_every_service_a_broadcast_is_for_hears_it_and_no_other():
    catalogued = {(e.producer, e.name, s) for e in CATALOGUE.values() for s in e.broadcast_to if s in SERVICES}
    assert {(p, e, consumer.split(".")[0]) for p, e, consumer in handlers_in_code(broadcast=True)} == catalogued


def test_the_events_document_is_generated_from_the_catalogue():
    document = (ROOT / "docs" / "EVENTS.md").read_text(encoding="utf-8")
    assert document == markdown(), "regenerate with: python -m cimer_common.events > docs/EVENTS.md"


@pytest.mark.parametrize("event", CATALOGUE.values(), ids=lambda e: e.name)
def test_no_payload_carries_personal_data(event):
    forbidden = {"national_id", "first_name", "last_name", "email", "phone", "address", "name"}
    assert not forbidden & set(event.payload.model_fields)
