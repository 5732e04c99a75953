"""The bus as a trust boundary: who connects as whom, what the broker lets each one do, and how a message says
who sent it.

Every component (each service, the gateway, the operator's tools) connects with a RabbitMQ user of its own,
`cimer-<component>`. Its permissions (configure, write and read regular expressions per vhost, and topic
permissions on the RPC exchange) are derived here from the event catalogue and the table of who may call which
RPC, so the broker enforces the same rules the code states. Every message a component publishes carries the AMQP
`user_id` property, which RabbitMQ checks against the connection's user: a consumer can trust it, and does
(`outbox.EventConsumer`, `rpc.rpc`). `guest` (or a production administrator) is used by set-up alone.

Institutions plugged into the bus (SPEC section 10) get a user `institution-<CODE>` that may read its own queue
and publish commands with routing keys that start with its code, nothing else (`institutions.py`).
"""

from __future__ import annotations

import json
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

from cimer_common.events import CATALOGUE
from cimer_common.events import COMMANDS_EXCHANGE as COMMANDS_EXCHANGE
from cimer_common.events import INSTITUTIONS_EXCHANGE as INSTITUTIONS_EXCHANGE
from cimer_common.settings import SERVICES

GATEWAY = "gateway"
OPERATOR = "operator"  # `cimer-institution`: tells routing which institutions are plugged in
COMPONENTS = (*SERVICES, GATEWAY, OPERATOR)

RPC_EXCHANGE = "nameko-rpc"
# Each service's dead letters (`dead_letters.py`) wait in a queue of its own, bound to a topic exchange with the
# service's name: setting a message aside needs no right to publish to every queue by name (the default exchange),
# and the topic permissions let a service write and bind only its own letters, never read what others set aside.
DEAD_LETTER_EXCHANGE = "cimer.dead-letters.by-service"
# Messages to institutions' own systems (SPEC section 10) go through INSTITUTIONS_EXCHANGE, a direct exchange
# with the institution's code as routing key, bound to the institution's durable queue when it is plugged in.
# Their commands come through COMMANDS_EXCHANGE, a topic exchange (`<CODE>.<command>`) that routing consumes.
COMMANDS_QUEUE = "cimer.commands.routing"
COMMANDS = ("forward", "return", "answer", "extend")
INSTITUTION_USER_PREFIX = "institution-"
GATEWAY_BROADCAST_PREFIX = "cimer.gateway."  # each gateway instance's own queue for a broadcast event

# Every durable queue of the system (services' RPC and event queues, the dead letters, the institutions' and their
# commands') is a quorum queue: replicated on the cluster's nodes, a publish confirmed only once a majority wrote
# it, so losing a node loses nothing and leaves the queue available. What lives as long as one process does (RPC
# reply queues, a process's own broadcast queue) stays classic: a quorum queue cannot be exclusive or auto-deleted.
#
# The delivery limit is a backstop the broker keeps, not the poison rule: consumers count failures themselves and
# set a poison aside after a few (`outbox.POISON_AFTER_FAILURES`), but put a message back as often as an outage
# lasts (a database away: about one return a second), and RabbitMQ 4 drops a message returned 20 times unless told
# otherwise. A million returns is over a week of outage. Not -1: RabbitMQ 3.10 takes that as a limit of none and
# drops a message at its first return (tests/interface/test_queues.py proves both).
DELIVERY_LIMIT = 1_000_000
QUEUE_ARGUMENTS: dict[str, Any] = {"x-queue-type": "quorum", "x-delivery-limit": DELIVERY_LIMIT}

# Whoever checks officers' tokens: it hears `session_revoked` (the catalogue's broadcast) and loads identity's list
# of recent revocations (`cimer_common.revocations`).
TOKEN_CHECKERS = next(e.broadcast_to for e in CATALOGUE.values() if e.name == "session_revoked")

# Who may call each RPC: the gateway calls everything it exposes; an internal RPC that hands out personal data or
# documents answers only the service entitled to it. Anything not listed here is the gateway's alone.
RPC_CALLERS: dict[tuple[str, str], tuple[str, ...]] = {
    ("intake", "notice_contacts"): ("notification",),
    ("intake", "receipts_done"): ("notification",),
    ("intake", "answer_attachments"): ("notification",),
    ("identity", "officer_contacts"): ("notification",),
    ("reporting", "stored_report_document"): ("notification",),
    ("routing", "get_institution"): (GATEWAY, "identity", OPERATOR),
    ("routing", "plug_institution"): (OPERATOR,),
    ("identity", "revoked_sessions"): TOKEN_CHECKERS,
    **{(service, "replay_dead_letter"): (OPERATOR,) for service in SERVICES},
}
# The RPCs each component calls (its topic permission on the RPC exchange); the gateway's are the public API's.
RPC_CALLS: dict[str, tuple[str, ...]] = {
    "notification": (
        "intake.notice_contacts",
        "intake.receipts_done",
        "intake.answer_attachments",
        "identity.officer_contacts",
        "reporting.stored_report_document",
    ),
    "identity": ("routing.get_institution",),
    OPERATOR: (
        "routing.get_institution",
        "routing.plug_institution",
        *(f"{service}.replay_dead_letter" for service in SERVICES),
    ),
}
for _service in (c for c in TOKEN_CHECKERS if c in SERVICES):
    RPC_CALLS[_service] = (*RPC_CALLS.get(_service, ()), "identity.revoked_sessions")


def user_of(component: str) -> str:
    return f"cimer-{component}"


def component_of(user: str | None) -> str | None:
    """`cimer-intake` → `intake`; None for anyone else (an institution, guest, nobody)."""
    if user and user.startswith("cimer-") and user[len("cimer-") :] in COMPONENTS:
        return user[len("cimer-") :]
    return None


def institution_user(code: str) -> str:
    return f"{INSTITUTION_USER_PREFIX}{code}"


def institution_of(user: str | None) -> str | None:
    """`institution-MIN-SAGLIK` → `MIN-SAGLIK`; None for anyone else."""
    if user and user.startswith(INSTITUTION_USER_PREFIX) and len(user) > len(INSTITUTION_USER_PREFIX):
        return user[len(INSTITUTION_USER_PREFIX) :]
    return None


def institution_queue(code: str) -> str:
    return f"cimer.institution.{code}"


def dead_letter_queue(service: str) -> str:
    return f"cimer.dead-letters.{service}"


def event_queue(producer: str, event_type: str, consumer: str) -> str:
    """The queue of one consumer (`service.method`) of `producer`'s `event_type`: nameko's name for it."""
    return f"evt-{producer}-{event_type}--{consumer}"


@cache
def _declared_queues() -> dict[str, tuple[tuple[str, str], ...]]:
    """Each durable queue the system declares by name (as a quorum queue, `QUEUE_ARGUMENTS`), with the (exchange,
    routing key) of each binding it gives it: each service's RPC queue (bound as nameko binds it), every consumer's
    event queue, the dead letters and the institutions' commands."""
    queues: dict[str, tuple[tuple[str, str], ...]] = {}
    for service in SERVICES:
        queues[f"rpc-{service}"] = ((RPC_EXCHANGE, f"{service}.*"),)
        queues[dead_letter_queue(service)] = ((DEAD_LETTER_EXCHANGE, service),)
    queues[COMMANDS_QUEUE] = tuple((COMMANDS_EXCHANGE, f"*.{command}") for command in COMMANDS)
    for event in CATALOGUE.values():
        for consumer in event.consumers:
            queues[event_queue(event.producer, event.name, consumer)] = ((f"{event.producer}.events", event.name),)
        for consumer in event.retired_consumers:  # unbound: it gives back what it held, and takes nothing new
            queues[event_queue(event.producer, event.name, consumer)] = ()
    return queues


def retired_queues() -> list[str]:
    """The queues of consumers this version retired (`EventType.retired_consumers`)."""
    return [event_queue(e.producer, e.name, c) for e in CATALOGUE.values() for c in e.retired_consumers]


def replicated_queues() -> set[str]:
    """The durable queues the system declares by name; the institutions' own queues are quorum queues too
    (`replicated_queue`)."""
    return set(_declared_queues())


def replicated_queue(name: str) -> bool:
    return name in _declared_queues() or name.startswith(institution_queue(""))


def bindings_of(queue: str) -> list[tuple[str, str]]:
    """(exchange, routing key) of each binding the system gives `queue`, one of `replicated_queue`'s."""
    if queue.startswith(institution_queue("")):
        return [(INSTITUTIONS_EXCHANGE, queue.removeprefix(institution_queue("")))]
    return list(_declared_queues().get(queue, ()))


# nameko binds a reply queue with a bare UUID as its key (and callers name it as `reply_to`); the gateway's own
# client names its reply queue.
_REPLY_KEYS = (r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", r"rpc\.reply-gateway-.*")


def may_call(caller: str | None, service: str, method: str) -> bool:
    return caller in RPC_CALLERS.get((service, method), (GATEWAY,))


# --- Permissions -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Permissions:
    configure: str
    write: str
    read: str
    # exchange → (write, read) regular expressions on routing and binding keys
    topics: dict[str, tuple[str, str]]


def _any_of(patterns: Iterable[str]) -> str:
    unique = sorted(set(patterns))
    return f"^({'|'.join(unique)})$" if unique else "^$"


def _literal(name: str) -> str:
    return re.escape(name)


def _consumed_by(service: str) -> set[str]:
    """The producers whose events `service` hears: as a consumer, or each of its processes as a broadcast."""
    return {
        e.producer
        for e in CATALOGUE.values()
        if any(c.split(".")[0] == service for c in e.consumers) or service in e.broadcast_to
    }


def _produces(service: str) -> bool:
    return any(e.producer == service for e in CATALOGUE.values())


def permissions_of(component: str) -> Permissions:
    """What the broker lets `component` do in the system's vhost: nothing it does not need."""
    rpc = _literal(RPC_EXCHANGE)
    if component == GATEWAY:
        # Its exclusive reply queue, and a queue per broadcast it hears (session_revoked); the exchanges it only
        # checks (passive declare), so it may not delete or redefine any.
        own_queues = [r"rpc\.reply-gateway-.*", rf"{_literal(GATEWAY_BROADCAST_PREFIX)}.*"]
        broadcasts = {e.producer for e in CATALOGUE.values() if GATEWAY in e.broadcast_to}
        return Permissions(
            configure=_any_of(own_queues),
            write=_any_of([rpc, *own_queues]),
            read=_any_of([rpc, *own_queues, *(_literal(f"{p}.events") for p in broadcasts)]),
            # Binding keys: its reply queues' names (its own client) or UUIDs (nameko's, in tests).
            topics={RPC_EXCHANGE: (_any_of(_gateway_calls()), _any_of(_REPLY_KEYS))},
        )
    if component == OPERATOR:
        reply = r"rpc\.reply-operator-.*"
        # It reads every service's dead letters (to list, show and discard them); replaying is the service's own act.
        letters = [_literal(dead_letter_queue(service)) for service in SERVICES]
        return Permissions(
            configure=_any_of([rpc, reply]),
            write=_any_of([rpc, reply]),
            read=_any_of([rpc, reply, *letters]),
            topics={RPC_EXCHANGE: (_any_of(_literal(c) for c in RPC_CALLS[OPERATOR]), _any_of([_REPLY_KEYS[0]]))},
        )
    service = component
    reply = rf"rpc\.reply-{service}-.*"
    own_rpc = _literal(f"rpc-{service}")
    own_events = _literal(f"{service}.events")
    # Its consumers' queues (declared and bound by its outbox) and its own consumer queues.
    produced_queues = [rf"evt-{service}-.*"] if _produces(service) else []
    # (a broadcast's queue ends with the process's own identifier, `outbox.BroadcastConsumer`)
    consumer_queues = [rf"evt-[a-z]+-[a-z_]+--{service}\.[a-z_]+(-[0-9a-f]{{32}})?"]
    sources = [_literal(f"{p}.events") for p in _consumed_by(service)]
    dead_letters = [_literal(dead_letter_queue(service)), _literal(DEAD_LETTER_EXCHANGE)]
    configure = [rpc, own_rpc, reply, own_events, *produced_queues, *consumer_queues, *sources, *dead_letters]
    write = [rpc, own_rpc, reply, own_events, *produced_queues, *consumer_queues, *dead_letters]
    read = [rpc, own_rpc, reply, own_events, *consumer_queues, *sources, *dead_letters]
    if service in ("intake", "routing"):  # they write to institutions' queues (assignments; command outcomes)
        configure.append(_literal(INSTITUTIONS_EXCHANGE))
        write.append(_literal(INSTITUTIONS_EXCHANGE))
    if service == "routing":  # it takes institutions' commands
        configure += [_literal(COMMANDS_EXCHANGE), _literal(COMMANDS_QUEUE)]
        write.append(_literal(COMMANDS_QUEUE))
        read += [_literal(COMMANDS_EXCHANGE), _literal(COMMANDS_QUEUE)]
    calls = [_literal(c) for c in RPC_CALLS.get(service, ())]
    return Permissions(
        configure=_any_of(configure),
        write=_any_of(write),
        read=_any_of(read),
        # Replies go to any caller's reply queue; requests only to the RPCs it is entitled to call.
        topics={
            RPC_EXCHANGE: (_any_of([*_REPLY_KEYS, *calls]), _any_of([rf"{service}\..*", _REPLY_KEYS[0]])),
            DEAD_LETTER_EXCHANGE: (_any_of([service]), _any_of([service])),
        },
    )


def _gateway_calls() -> list[str]:
    """Every RPC of every service except those entitled to other callers only."""
    internal = [
        _literal(f"{service}.{method}") for (service, method), callers in RPC_CALLERS.items() if GATEWAY not in callers
    ]
    services = "|".join(SERVICES)
    if not internal:
        return [rf"({services})\.[a-z_]+"]
    return [rf"(?!({'|'.join(internal)})$)({services})\.[a-z_]+"]


def institution_permissions(code: str) -> Permissions:
    """An institution's system: consume from its own queue, publish its own commands; configure nothing."""
    code_pattern = _literal(code)
    return Permissions(
        configure="^$",
        write=_any_of([_literal(COMMANDS_EXCHANGE)]),
        read=_any_of([_literal(institution_queue(code))]),
        topics={COMMANDS_EXCHANGE: (_any_of(rf"{code_pattern}\.{c}" for c in COMMANDS), "^$")},
    )


# --- Credentials ------------------------------------------------------------------------------------------------


def credentials_file() -> Path:
    """Where `cimer-broker provision` keeps the components' passwords on a development or CI machine."""
    return Path(os.environ.get("BROKER_CREDENTIALS_FILE", "var/broker/credentials.json"))


def stored_passwords() -> dict[str, str]:
    path = credentials_file()
    if not path.exists():
        return {}
    stored: dict[str, str] = json.loads(path.read_text())
    return stored


def addresses(amqp_uri: str) -> list[str]:
    """A broker's addresses: `AMQP_URI` may name several nodes of one cluster, separated by `;` (kombu's form for
    failover), each with the same user and vhost; a client that loses its node connects to the next."""
    return [address.strip() for address in amqp_uri.split(";") if address.strip()]


def with_user(amqp_uri: str, user: str, password: str) -> str:
    def one(address: str) -> str:
        parts = urlsplit(address)
        host = parts.hostname or "127.0.0.1"
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}{f':{parts.port}' if parts.port else ''}"
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))

    return ";".join(one(address) for address in addresses(amqp_uri))


def first_address(amqp_uri: str) -> SplitResult:
    """The first of a broker's addresses, parsed: whose user every address shares, and the node whose management
    API the set-up tools use."""
    return urlsplit(addresses(amqp_uri)[0])


def user_in(amqp_uri: str) -> str:
    return unquote(first_address(amqp_uri).username or "guest")


def component_uri(component: str, amqp_uri: str | None = None) -> str:
    """The broker address `component` connects to, as itself.

    `<COMPONENT>_AMQP_URI` wins (production sets it from the component's own secret). Otherwise `AMQP_URI` (or
    `amqp_uri`) with the component's user and the password `cimer-broker provision` stored for it locally; with no
    stored password, `AMQP_URI` as it is (a deployment that gives each component its own AMQP_URI)."""
    explicit = os.environ.get(f"{component.upper()}_AMQP_URI")
    if explicit:
        return explicit
    base = amqp_uri or os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
    password = stored_passwords().get(user_of(component))
    return with_user(base, user_of(component), password) if password else base


def publisher_identity(amqp_uri: str) -> dict[str, Any]:
    """What every message published over `amqp_uri` carries so the broker can vouch for its sender."""
    return {"user_id": user_in(amqp_uri)}


def new_password() -> str:
    return secrets.token_urlsafe(24)


def store_passwords(passwords: dict[str, str]) -> None:
    path = credentials_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(json.dumps(passwords, indent=2, sort_keys=True))


# --- Kubernetes ----------------------------------------------------------------------------------------------------

CLUSTER = "cimer-rabbitmq"  # the RabbitmqCluster of deploy/k8s/infra
VHOST = "/"


def secret_of(component: str) -> str:
    """The Secret (keys `username`, `password`) a component's user imports and its pods read."""
    return f"cimer-broker-{component}"


def manifests(vhost: str = VHOST) -> list[dict[str, Any]]:
    """The components' users and permissions as the RabbitMQ messaging topology operator's resources, from the
    same tables `cimer-broker provision` applies locally (`deploy/k8s/infra/broker-users.yaml` is generated from
    this, for the broker's namespace; a test keeps the two equal)."""
    cluster = {"name": CLUSTER}
    documents: list[dict[str, Any]] = []
    for component in COMPONENTS:
        user = user_of(component)
        labels = {"app.kubernetes.io/part-of": "cimer", "app.kubernetes.io/component": component}
        permissions = permissions_of(component)
        documents.append(
            {
                "apiVersion": "rabbitmq.com/v1beta1",
                "kind": "User",
                "metadata": {"name": user, "labels": labels},
                "spec": {
                    "rabbitmqClusterReference": cluster,
                    "importCredentialsSecret": {"name": secret_of(component)},
                },
            }
        )
        documents.append(
            {
                "apiVersion": "rabbitmq.com/v1beta1",
                "kind": "Permission",
                "metadata": {"name": user, "labels": labels},
                "spec": {
                    "vhost": vhost,
                    "userReference": {"name": user},
                    "permissions": {
                        "configure": permissions.configure,
                        "write": permissions.write,
                        "read": permissions.read,
                    },
                    "rabbitmqClusterReference": cluster,
                },
            }
        )
        for exchange, (write, read) in permissions.topics.items():
            documents.append(
                {
                    "apiVersion": "rabbitmq.com/v1beta1",
                    "kind": "TopicPermission",
                    "metadata": {"name": f"{user}-{exchange}", "labels": labels},
                    "spec": {
                        "vhost": vhost,
                        "userReference": {"name": user},
                        "permissions": {"exchange": exchange, "write": write, "read": read},
                        "rabbitmqClusterReference": cluster,
                    },
                }
            )
    return documents


def manifests_yaml() -> str:
    import yaml

    header = (
        "# Generated from libs/common/cimer_common/broker.py by `python -m cimer_common.broker`; do not edit.\n"
        "# Each component's own broker user, with only the permissions it needs (the trust boundary of the bus),\n"
        "# for the RabbitMQ messaging topology operator, in the broker's namespace. Each User imports its credentials\n"
        "# from the Secret cimer-broker-<component> there (keys `username`: cimer-<component>, `password`); the\n"
        '# component\'s pods read the same credentials as `AMQP_URI` (../README.md, "The Secrets").\n'
    )
    return header + "---\n".join(yaml.safe_dump(d, sort_keys=False, width=200) for d in manifests())


if __name__ == "__main__":
    import sys

    sys.stdout.write(manifests_yaml())
