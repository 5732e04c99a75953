"""The rule that tells a poison from an outage (`outbox.RetriedLater.poisoned`): only failures in a row that were
not an outage count, a success forgets them, and the message is set aside at the bound, once."""

from types import SimpleNamespace

from cimer_common import outbox
from cimer_common.errors import NotReady
from cimer_common.outbox import EventConsumer


def consumer():
    handler = EventConsumer("routing", "application_assigned")
    handler.set_aside_calls = []
    handler.set_aside = lambda body, message, reason: handler.set_aside_calls.append(reason)
    return handler


def message(event_id="e-1"):
    return SimpleNamespace(properties={"message_id": event_id}, payload={"id": event_id}, delivery_tag=1)


def test_an_outage_never_makes_a_poison_however_long_it_lasts():
    handler = consumer()
    assert not any(handler.poisoned(message(), NotReady("service_unavailable")) for _ in range(100))
    assert handler.set_aside_calls == []


def test_the_same_failure_in_a_row_sets_the_message_aside_at_the_bound_once():
    handler = consumer()
    failures = [handler.poisoned(message(), LookupError("unknown")) for _ in range(outbox.POISON_AFTER_FAILURES)]
    assert failures == [False] * (outbox.POISON_AFTER_FAILURES - 1) + [True]
    assert handler.set_aside_calls == [f"failed {outbox.POISON_AFTER_FAILURES} times: LookupError: unknown"]


def test_a_success_forgets_the_failures_and_other_messages_count_apart():
    handler = consumer()
    for _ in range(outbox.POISON_AFTER_FAILURES - 1):
        handler.poisoned(message("e-1"), LookupError("unknown"))
        handler.poisoned(message("e-2"), LookupError("unknown"))
    handler.forget_failures(message("e-1"))
    assert not handler.poisoned(message("e-1"), LookupError("unknown"))
    assert handler.poisoned(message("e-2"), LookupError("unknown"))
