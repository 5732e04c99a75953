"""What the running system declares on the broker: every durable queue of ours a quorum queue (replicated, so a
node lost loses no message), and nothing else but queues that live and die with one process."""

from __future__ import annotations

from cimer_common import broker, queue_migration
from cimer_common.broker_admin import Management


def test_every_queue_of_the_system_is_a_quorum_queue_and_the_rest_short_lived(system) -> None:
    management = Management()
    queues = {queue["name"]: queue for queue in management.queues()}
    replicated = broker.replicated_queues()

    assert replicated <= set(queues), f"declared by nobody: {sorted(replicated - set(queues))}"
    for name, queue in queues.items():
        if broker.replicated_queue(name):
            assert queue["type"] == "quorum", name
            assert queue["arguments"] == broker.QUEUE_ARGUMENTS, name
        # A reply queue, a process's broadcast queue; any other in the test vhost is a test's own stand-in's.
        elif name.startswith(("rpc.reply-", "evt-", "cimer.")):
            assert queue["type"] == "classic", name
            short_lived = queue["exclusive"] or queue["auto_delete"] or "x-expires" in queue["arguments"]
            assert short_lived, f"{name}: durable, but not one of the system's quorum queues"
    assert queue_migration.pending(management) == []
