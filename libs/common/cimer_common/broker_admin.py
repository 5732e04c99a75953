"""Setting up the broker's users, as an administrator, through RabbitMQ's management HTTP API.

- `cimer-broker provision`: every component's user with exactly the permissions of `broker.permissions_of`,
  in the vhost of `AMQP_URI`; passwords are kept in `BROKER_CREDENTIALS_FILE` and reused (a running component
  keeps working when it is run again). `make up`, `make test` and `make bench` run it first.
- `cimer-institution plug CODE` / `unplug CODE` (SPEC section 10): an institution's own credentials and queue.

The administrator is `BROKER_ADMIN_URI` (default: `AMQP_URI`, guest on a development machine) on
`BROKER_MANAGEMENT_URL` (default `http://<AMQP host>:15672`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any
from urllib.parse import quote, unquote

import requests

from cimer_common import broker
from cimer_common.settings import SERVICES


class BrokerAdminError(Exception):
    pass


class Management:
    def __init__(self, amqp_uri: str | None = None, admin_uri: str | None = None, url: str | None = None):
        self.amqp_uri = amqp_uri or os.environ.get("AMQP_URI", "pyamqp://guest:guest@127.0.0.1:5672/")
        # Users, permissions and queues are the cluster's: any node's API will do, the first address's by default.
        first = broker.first_address(self.amqp_uri)
        admin = broker.first_address(admin_uri or os.environ.get("BROKER_ADMIN_URI") or self.amqp_uri)
        self.auth = (unquote(admin.username or "guest"), unquote(admin.password or "guest"))
        host = first.hostname or "127.0.0.1"
        self.url = (url or os.environ.get("BROKER_MANAGEMENT_URL") or f"http://{host}:15672").rstrip("/")
        self.vhost = unquote(first.path.lstrip("/")) or "/"
        self.session = requests.Session()

    def _call(self, method: str, path: str, body: Any = None, ok: tuple[int, ...] = (200, 201, 204)) -> Any:
        response = self.session.request(method, f"{self.url}/api/{path}", json=body, auth=self.auth, timeout=15)
        if response.status_code not in ok:
            raise BrokerAdminError(f"{method} /api/{path}: {response.status_code} {response.text[:300]}")
        return (
            response.json()
            if response.content and response.headers.get("content-type", "").startswith("application/json")
            else None
        )

    def _v(self) -> str:
        return quote(self.vhost, safe="")

    def put_user(self, user: str, password: str, tags: str = "") -> None:
        self._call("PUT", f"users/{quote(user, safe='')}", {"password": password, "tags": tags})

    def delete_user(self, user: str) -> None:
        self._call("DELETE", f"users/{quote(user, safe='')}", ok=(204, 404))

    def grant(self, user: str, permissions: broker.Permissions) -> None:
        name = quote(user, safe="")
        self._call(
            "PUT",
            f"permissions/{self._v()}/{name}",
            {"configure": permissions.configure, "write": permissions.write, "read": permissions.read},
        )
        current = self._call("GET", f"topic-permissions/{self._v()}/{name}", ok=(200, 404))
        current = current if isinstance(current, list) else []  # 404: none yet
        for stale in {p["exchange"] for p in current} - set(permissions.topics):
            self._call("DELETE", f"topic-permissions/{self._v()}/{name}/{quote(stale, safe='')}")
        for exchange, (write, read) in permissions.topics.items():
            self._call(
                "PUT", f"topic-permissions/{self._v()}/{name}", {"exchange": exchange, "write": write, "read": read}
            )

    def connections(self, user: str) -> list[dict[str, Any]]:
        """`user`'s connections in this vhost: name, and `timeout`, the heartbeat the two sides agreed."""
        found = self._call("GET", "connections?columns=name,user,vhost,timeout") or []
        return [c for c in found if c.get("user") == user and c.get("vhost") == self.vhost]

    def consumers(self) -> list[dict[str, Any]]:
        """Every consumer in this vhost: its queue, and its channel's connection and user."""
        return list(self._call("GET", f"consumers/{self._v()}") or [])

    def close_connections(self, user: str, reason: str) -> int:
        closed = 0
        for connection in self.connections(user):
            self.session.delete(
                f"{self.url}/api/connections/{quote(connection['name'], safe='')}",
                auth=self.auth,
                headers={"X-Reason": reason},
                timeout=15,
            )
            closed += 1
        return closed

    def declare_exchange(self, name: str, kind: str) -> None:
        self._call("PUT", f"exchanges/{self._v()}/{quote(name, safe='')}", {"type": kind, "durable": True})

    def declare_queue(self, name: str) -> None:
        body = {"durable": True, "auto_delete": False, "arguments": broker.QUEUE_ARGUMENTS}
        self._call("PUT", f"queues/{self._v()}/{quote(name, safe='')}", body)

    def queues(self) -> list[dict[str, Any]]:
        """Every queue of this vhost: name, type, durable, exclusive, auto_delete, arguments, consumers, messages."""
        columns = "name,type,durable,exclusive,auto_delete,arguments,consumers,messages"
        return list(self._call("GET", f"queues/{self._v()}?columns={columns}") or [])

    def queue(self, name: str) -> dict[str, Any] | None:
        found = self._call("GET", f"queues/{self._v()}/{quote(name, safe='')}", ok=(200, 404))
        return found if isinstance(found, dict) and "name" in found else None

    def delete_queue(self, name: str, if_empty: bool = False) -> None:
        """`if_empty`: only if it holds no message and has no consumer (a classic queue's; a quorum queue has none)."""
        condition = "?if-empty=true&if-unused=true" if if_empty else ""
        self._call("DELETE", f"queues/{self._v()}/{quote(name, safe='')}{condition}")

    def bindings(self, queue: str) -> list[dict[str, Any]]:
        """`queue`'s bindings: source (the exchange; "" for the default one), routing_key, arguments, and
        properties_key (what `unbind` names one by)."""
        return list(self._call("GET", f"queues/{self._v()}/{quote(queue, safe='')}/bindings") or [])

    def bind(self, exchange: str, queue: str, routing_key: str, arguments: dict[str, Any] | None = None) -> None:
        path = f"bindings/{self._v()}/e/{quote(exchange, safe='')}/q/{quote(queue, safe='')}"
        self._call("POST", path, {"routing_key": routing_key, "arguments": arguments or {}})

    def unbind(self, binding: dict[str, Any]) -> None:
        """Remove a binding as `bindings` lists it."""
        exchange, queue = quote(binding["source"], safe=""), quote(binding["destination"], safe="")
        key = quote(binding["properties_key"], safe="")
        self._call("DELETE", f"bindings/{self._v()}/e/{exchange}/q/{queue}/{key}", ok=(204, 404))


# --- Components ----------------------------------------------------------------------------------------------------


def provision(management: Management | None = None) -> dict[str, str]:
    """Every component's user and permissions; returns user → password (also stored for local runs)."""
    management = management or Management()
    passwords = broker.stored_passwords()
    for component in broker.COMPONENTS:
        user = broker.user_of(component)
        passwords.setdefault(user, broker.new_password())
        management.put_user(user, passwords[user])
        management.grant(user, broker.permissions_of(component))
    # Each service's dead letters exist from the start, so the operator (who may only read them) can always list.
    management.declare_exchange(broker.DEAD_LETTER_EXCHANGE, "topic")
    for service in SERVICES:
        # Declared only when missing: one an earlier version made classic is `cimer-broker migrate-queues`'s.
        if management.queue(broker.dead_letter_queue(service)) is None:
            management.declare_queue(broker.dead_letter_queue(service))
        management.bind(broker.DEAD_LETTER_EXCHANGE, broker.dead_letter_queue(service), service)
    broker.store_passwords(passwords)
    return passwords


def provision_main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="cimer-broker",
        description="Set up the broker (administrator): `provision` every component's user; `migrate-queues` turns "
        "the classic queues an earlier version declared into the quorum queues this one declares, its services "
        "stopped (`queue_migration`), and unbinds the queues of the consumers it retired; `pending-queues` lists what "
        "that would migrate.",
    )
    parser.add_argument("command", choices=["provision", "migrate-queues", "pending-queues"])
    args = parser.parse_args(argv)
    management = Management()
    if args.command == "provision":
        provision(management)
        print(f"broker: {len(broker.COMPONENTS)} component users ready in vhost {management.vhost}")
        return
    from cimer_common import queue_migration

    try:
        if args.command == "pending-queues":
            print("\n".join(queue_migration.pending(management)) or "no queue to migrate")
        else:
            print(queue_migration.report(queue_migration.migrate(management)))
            for name in queue_migration.retire(management):
                print(f"{name}: retired, unbound (its consumer still applies what it holds)")
    except BrokerAdminError as error:
        sys.exit(f"cimer-broker: {error}")


# --- Institutions (SPEC section 10) ------------------------------------------------------------------------------

CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,63}$")


def _operator_rpc(amqp_uri: str) -> Any:
    from cimer_common.bus import cluster_rpc  # nameko, only where a command needs it

    return cluster_rpc(broker.OPERATOR, amqp_uri)


def public_uri(management: Management, user: str, password: str) -> str:
    """The address an institution's system connects to: `BROKER_PUBLIC_URI` (how the world reaches the broker)
    or the system's own, with the institution's credentials."""
    base = broker.first_address(os.environ.get("BROKER_PUBLIC_URI") or management.amqp_uri)
    vhost = quote(management.vhost, safe="")
    port = base.port or 5672
    return f"amqp://{quote(user, safe='')}:{quote(password, safe='')}@{base.hostname}:{port}/{vhost}"


def plug(code: str, management: Management | None = None) -> dict[str, str]:
    """Create (or rotate) the institution's credentials; its queue and binding are made if missing."""
    management = management or Management()
    if not CODE.match(code):
        raise BrokerAdminError(f"not an institution code: {code!r}")
    with _operator_rpc(management.amqp_uri) as cluster:
        cluster.routing.get_institution(code=code)  # NotFound for a code the directory does not know
        queue = broker.institution_queue(code)
        management.declare_exchange(broker.INSTITUTIONS_EXCHANGE, "direct")
        management.declare_exchange(broker.COMMANDS_EXCHANGE, "topic")
        management.declare_queue(queue)
        management.bind(broker.INSTITUTIONS_EXCHANGE, queue, code)
        user, password = broker.institution_user(code), broker.new_password()
        management.put_user(user, password)
        management.grant(user, broker.institution_permissions(code))
        # A rotation: whoever still holds the old password is disconnected now, not at their next reconnect.
        management.close_connections(user, "credentials rotated")
        cluster.routing.plug_institution(code=code, plugged=True)
    return {
        "institution": code,
        "amqp_uri": public_uri(management, user, password),
        "queue": queue,
        "commands_exchange": broker.COMMANDS_EXCHANGE,
    }


def unplug(code: str, management: Management | None = None) -> None:
    """Take the credentials away; the queue and what waits in it stay."""
    management = management or Management()
    with _operator_rpc(management.amqp_uri) as cluster:
        cluster.routing.plug_institution(code=code, plugged=False)
    user = broker.institution_user(code)
    management.delete_user(user)
    management.close_connections(user, "unplugged")


def institution_main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="cimer-institution", description="Plug an institution's own system into the bus (SPEC section 10)."
    )
    parser.add_argument("command", choices=["plug", "unplug"])
    parser.add_argument("code", help="the institution's code in the directory, e.g. MIN-SAGLIK")
    args = parser.parse_args(argv)
    try:
        if args.command == "plug":
            print(json.dumps(plug(args.code)))
        else:
            unplug(args.code)
            print(json.dumps({"institution": args.code, "unplugged": True}))
    except (BrokerAdminError, requests.RequestException) as error:
        sys.exit(f"cimer-institution: {error}")
    except Exception as error:  # a remote refusal (an unknown institution) comes back as nameko's RemoteError
        sys.exit(f"cimer-institution: {type(error).__name__}: {error}")
