"""Interface tests of working an application (issue 4): forward, return, answer, extend, history and the deadline
watch, through the real entrypoints of the routing service on RabbitMQ and PostgreSQL."""

import uuid
from datetime import date

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from cimer_common import calendar
from cimer_common.errors import Conflict, Forbidden, InvalidRequest, NotFound, Unauthorized
from cimer_common.outbox import consumer_queue
from cimer_common.testing import next_event, no_event, publish, received_event, service_database, token_for
from routing import directory, handlers
from routing.models import Assignment

pytestmark = pytest.mark.interface


def _queue(event, consumer):
    return consumer_queue("routing", event, consumer).name


ASSIGNED = _queue("application_assigned", "intake.handle_application_assigned")
AUDIT = _queue("activity_recorded", "identity.handle_routing_activity_recorded")
ANSWERED = _queue("application_answered", "notification.handle_application_answered")
EXTENDED = _queue("deadline_extended", "notification.handle_deadline_extended")
APPROACHING = _queue("deadline_approaching", "notification.handle_deadline_approaching")
PASSED = _queue("deadline_passed", "notification.handle_deadline_passed")
NUMBER = "260000000018"
DEADLINE = date(2026, 12, 10)  # a Thursday, with no holiday near it


@pytest.fixture
def on(monkeypatch):
    """`on(day)`: the service's today is `day` from then on."""

    def set_today(day):
        monkeypatch.setattr(calendar, "today", lambda: day)

    set_today(date(2026, 12, 1))
    return set_today


def officer(institution, *roles):
    return token_for(f"officer-{institution.lower()}", institution, *(roles or ("officer",)))


def receive(container, amqp_uri, **overrides):
    overrides = {"tracking_number": NUMBER, "deadline": DEADLINE, **overrides}
    envelope = received_event(**overrides)
    with entrypoint_waiter(container, "handle_application_received"):
        publish(amqp_uri, envelope)
    assert next_event(amqp_uri, ASSIGNED)["payload"]["reason"] == "initial"
    return envelope


def rpc(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as call:
        return call(*args, **kwargs)


def refused(error, container, method, *args, **kwargs):
    with pytest.raises(error) as caught:
        rpc(container, method, *args, **kwargs)
    assert type(caught.value) is error
    return caught.value.args


def test_the_holders_forward_presidency_to_ministry_to_provincial_directorate(routing, amqp_uri, on):
    envelope = receive(routing, amqp_uri, target_institution="MIN-SAGLIK", subject="health", district=None)
    presidency = token_for("presidency", "PRESIDENCY", "officer", user_id="u-presidency")

    moved = rpc(
        routing, "forward", presidency, NUMBER, "MIN-SAGLIK", note="Bakanlığınızın konusu.", client_address="10.0.0.1"
    )
    assert moved == {
        "tracking_number": NUMBER,
        "institution": "MIN-SAGLIK",
        "previous_institution": "PRESIDENCY",
        "reason": "forwarded",
    }
    event = next_event(amqp_uri, ASSIGNED)
    assert event["type"] == "application_assigned" and event["producer"] == "routing"
    payload = event["payload"]
    assert payload["application_id"] == envelope.payload["application_id"]
    assert (payload["institution"], payload["previous_institution"], payload["reason"]) == (
        "MIN-SAGLIK",
        "PRESIDENCY",
        "forwarded",
    )
    assert payload["coordinators"] == ["PRESIDENCY"] and payload["note"] == "Bakanlığınızın konusu."
    audit = next_event(amqp_uri, AUDIT)["payload"]
    assert audit["action"] == "forward" and audit["target"] == NUMBER and audit["client_address"] == "10.0.0.1"
    assert (audit["actor_user_id"], audit["actor_username"], audit["actor_institution"]) == (
        "u-presidency",
        "presidency",
        "PRESIDENCY",
    )

    rpc(routing, "forward", officer("MIN-SAGLIK"), NUMBER, "PD-06-SAGLIK")
    payload = next_event(amqp_uri, ASSIGNED)["payload"]
    assert (payload["institution"], payload["previous_institution"], payload["reason"], payload["note"]) == (
        "PD-06-SAGLIK",
        "MIN-SAGLIK",
        "forwarded",
        None,
    )
    assert payload["coordinators"] == ["MIN-SAGLIK", "PRESIDENCY", "GOV-06"]
    assert next_event(amqp_uri, AUDIT)["payload"]["actor_institution"] == "MIN-SAGLIK"

    with service_database(routing) as session:
        assignment = session.scalars(select(Assignment)).one()
        assert assignment.institution == "PD-06-SAGLIK" and assignment.previous_institution == "MIN-SAGLIK"
        assert assignment.deadline == DEADLINE  # forwarding never resets the deadline
        assert assignment.subject == "health" and assignment.province == "06"
    assert [(h["from"], h["to"], h["reason"]) for h in rpc(routing, "history", officer("PD-06-SAGLIK"), NUMBER)] == [
        (None, "PRESIDENCY", "initial"),
        ("PRESIDENCY", "MIN-SAGLIK", "forwarded"),
        ("MIN-SAGLIK", "PD-06-SAGLIK", "forwarded"),
    ]


def test_a_move_off_the_edges_is_refused_and_a_return_goes_back_to_the_sender(routing, amqp_uri, on):
    receive(routing, amqp_uri, target_institution="MIN-SAGLIK", subject="health", district=None)
    rpc(routing, "forward", officer("PRESIDENCY"), NUMBER, "MIN-SAGLIK")
    rpc(routing, "forward", officer("MIN-SAGLIK"), NUMBER, "PD-06-SAGLIK")
    for _ in range(2):
        next_event(amqp_uri, ASSIGNED)

    pd = officer("PD-06-SAGLIK")
    assert refused(InvalidRequest, routing, "forward", pd, NUMBER, "GOV-06") == (
        "forward_not_allowed",
        "to_institution",
    )
    assert refused(InvalidRequest, routing, "forward", pd, NUMBER, "PD-06-SAGLIK")[0] == "forward_not_allowed"
    assert refused(NotFound, routing, "forward", pd, NUMBER, "GOV-99")[0] == "institution_not_found"
    no_event(amqp_uri, ASSIGNED, timeout=0.5)

    returned = rpc(routing, "forward", pd, NUMBER, "MIN-SAGLIK", note="Bizim konumuz değil.")
    assert returned["reason"] == "returned" and returned["previous_institution"] == "PD-06-SAGLIK"
    payload = next_event(amqp_uri, ASSIGNED)["payload"]
    assert (payload["institution"], payload["previous_institution"], payload["reason"]) == (
        "MIN-SAGLIK",
        "PD-06-SAGLIK",
        "returned",
    )
    audits = [next_event(amqp_uri, AUDIT)["payload"]["action"] for _ in range(3)]
    assert audits == ["forward", "forward", "return"]

    # Returned again, it goes one step further back: to the Presidency, which sent it to the ministry.
    assert rpc(routing, "forward", officer("MIN-SAGLIK"), NUMBER, "PRESIDENCY")["reason"] == "returned"
    with service_database(routing) as session:
        assignment = session.scalars(select(Assignment)).one()
        assert (assignment.institution, assignment.previous_institution) == ("PRESIDENCY", None)


def test_a_retired_institution_is_never_a_target(routing, amqp_uri, on):
    receive(routing, amqp_uri, target_institution="MIN-SAGLIK")
    with service_database(routing) as session:
        session.execute(text("UPDATE institutions SET active = false WHERE code = 'MIN-SAGLIK'"))
    assert refused(InvalidRequest, routing, "forward", officer("PRESIDENCY"), NUMBER, "MIN-SAGLIK")[0] == (
        "forward_not_allowed"
    )


def test_only_the_holders_officers_work_it_and_outsiders_do_not_learn_it_exists(routing, amqp_uri, on):
    receive(routing, amqp_uri, target_institution="MIN-SAGLIK", subject="health", district=None)
    rpc(routing, "forward", officer("PRESIDENCY"), NUMBER, "MIN-SAGLIK")

    # The Presidency held it: it may still read it, but no longer work it.
    presidency = officer("PRESIDENCY")
    assert refused(Forbidden, routing, "forward", presidency, NUMBER, "GOV-06") == ("forbidden", "work_application")
    assert refused(Forbidden, routing, "answer", presidency, NUMBER, "positive", "Yanıt metni burada.")[0] == (
        "forbidden"
    )
    assert len(rpc(routing, "history", presidency, NUMBER)) == 2
    # A coordinator above the holder reads but does not work it.
    assert refused(Forbidden, routing, "forward", token_for("c", "PRESIDENCY", "coordinator"), NUMBER, "PD-06-SAGLIK")
    # An officer it never reached: as if it did not exist, like a number that does not.
    outsider = officer("GOV-34")
    for args in ((NUMBER, "GOV-06"), ("269999999999", "GOV-06")):
        assert refused(NotFound, routing, "forward", outsider, *args) == ("application_not_found", None)
    assert refused(NotFound, routing, "answer", outsider, NUMBER, "positive", "Yanıt metni burada.")[0] == (
        "application_not_found"
    )
    assert refused(NotFound, routing, "extend", outsider, NUMBER, "Bir gerekçe yazıldı.")[0] == "application_not_found"
    assert refused(NotFound, routing, "history", outsider, NUMBER)[0] == "application_not_found"
    # An administrator reads no application.
    assert refused(NotFound, routing, "history", token_for("admin", "PRESIDENCY", "admin"), NUMBER)
    assert refused(Unauthorized, routing, "forward", None, NUMBER, "GOV-06") == ("login_required", None)


def test_the_holder_answers_once(routing, amqp_uri, on):
    envelope = receive(routing, amqp_uri)  # a web petition in Ankara: GOV-06
    gov = officer("GOV-06")
    assert refused(InvalidRequest, routing, "answer", gov, NUMBER, "maybe", "Yanıt metni burada.") == (
        "invalid_outcome",
        "outcome",
    )
    assert refused(InvalidRequest, routing, "answer", gov, NUMBER, "positive", "   kısa    ") == (
        "answer_text_required",
        "text",
    )
    assert refused(InvalidRequest, routing, "answer", gov, NUMBER, "positive", "x" * 10_001)[0] == (
        "answer_text_required"
    )

    answered = rpc(routing, "answer", gov, NUMBER, "negative", "  Yolunuz programa alınmıştır.  ", client_address="::1")
    assert (answered["tracking_number"], answered["status"], answered["outcome"]) == (NUMBER, "answered", "negative")
    payload = next_event(amqp_uri, ANSWERED)["payload"]
    assert payload["application_id"] == envelope.payload["application_id"]
    assert (payload["institution"], payload["outcome"], payload["text"]) == (
        "GOV-06",
        "negative",
        "Yolunuz programa alınmıştır.",
    )
    audit = next_event(amqp_uri, AUDIT)["payload"]
    assert (audit["action"], audit["target"], audit["client_address"]) == ("answer", NUMBER, "::1")

    assert refused(Conflict, routing, "answer", gov, NUMBER, "positive", "Yanıt metni burada.") == (
        "already_answered",
        None,
    )
    assert refused(Conflict, routing, "forward", gov, NUMBER, "DG-06-CANKAYA")[0] == "already_answered"
    no_event(amqp_uri, ANSWERED, timeout=0.5)
    with service_database(routing) as session:
        assignment = session.scalars(select(Assignment)).one()
        assert (assignment.status, assignment.outcome) == ("answered", "negative")


def test_an_information_request_is_extended_once_before_its_deadline(routing, amqp_uri, on):
    receive(routing, amqp_uri, kind="information_request", petition_type=None)
    gov = officer("GOV-06")
    assert refused(InvalidRequest, routing, "extend", gov, NUMBER, "kısa") == ("extension_reason_required", "reason")

    extended = rpc(routing, "extend", gov, NUMBER, "  Başka kurumlardan bilgi istendi.  ", client_address="10.0.0.2")
    assert extended == {
        "tracking_number": NUMBER,
        "deadline": calendar.extended_deadline(DEADLINE).isoformat(),
        "previous_deadline": DEADLINE.isoformat(),
    }
    payload = next_event(amqp_uri, EXTENDED)["payload"]
    assert (payload["institution"], payload["previous_deadline"], payload["deadline"], payload["reason"]) == (
        "GOV-06",
        "2026-12-10",
        "2026-12-31",
        "Başka kurumlardan bilgi istendi.",
    )
    audit = next_event(amqp_uri, AUDIT)["payload"]
    assert (audit["action"], audit["client_address"]) == ("extend", "10.0.0.2")

    assert refused(Conflict, routing, "extend", gov, NUMBER, "Bir kez daha uzatılsın.") == ("already_extended", None)
    no_event(amqp_uri, EXTENDED, timeout=0.5)


def test_a_petition_is_never_extended_nor_a_deadline_that_has_passed(routing, amqp_uri, on):
    receive(routing, amqp_uri)
    gov = officer("GOV-06")
    assert refused(InvalidRequest, routing, "extend", gov, NUMBER, "Bilgi bekleniyor efendim.") == (
        "extension_not_allowed",
        "kind",
    )
    receive(routing, amqp_uri, kind="information_request", petition_type=None, tracking_number="260000000026")
    on(date(2026, 12, 11))
    assert refused(InvalidRequest, routing, "extend", gov, "260000000026", "Bilgi bekleniyor efendim.") == (
        "deadline_passed",
        "deadline",
    )
    no_event(amqp_uri, EXTENDED, timeout=0.5)


def scan(container):
    rpc(container, "watch_deadlines")


def test_the_deadline_watch_warns_once_before_and_once_after(routing, amqp_uri, on):
    envelope = receive(routing, amqp_uri, channel="in_person", recorded_by="PD-06-SAGLIK")
    answered = receive(routing, amqp_uri, tracking_number="260000000026")
    rpc(routing, "answer", officer("GOV-06"), "260000000026", "positive", "Talebiniz karşılandı.")

    on(date(2026, 12, 4))  # 4 working days left: too early
    scan(routing)
    no_event(amqp_uri, APPROACHING, timeout=0.5)

    on(date(2026, 12, 7))  # Monday: 8, 9, 10 December left
    for _ in range(3):
        scan(routing)
    payload = next_event(amqp_uri, APPROACHING)["payload"]
    assert payload["application_id"] == envelope.payload["application_id"]
    assert (payload["institution"], payload["coordinators"], payload["deadline"], payload["working_days_left"]) == (
        "PD-06-SAGLIK",
        ["MIN-SAGLIK", "PRESIDENCY", "GOV-06"],
        "2026-12-10",
        3,
    )
    no_event(amqp_uri, APPROACHING, timeout=0.5)

    on(DEADLINE)  # the last day: not yet passed
    scan(routing)
    no_event(amqp_uri, PASSED, timeout=0.5)

    on(date(2026, 12, 11))
    for _ in range(3):
        scan(routing)
    payload = next_event(amqp_uri, PASSED)["payload"]
    assert (payload["tracking_number"], payload["institution"], payload["deadline"]) == (
        NUMBER,
        "PD-06-SAGLIK",
        "2026-12-10",
    )
    assert payload["coordinators"] == ["MIN-SAGLIK", "PRESIDENCY", "GOV-06"]
    no_event(amqp_uri, PASSED, timeout=0.5)
    no_event(amqp_uri, APPROACHING, timeout=0.2)
    reporting = _queue("deadline_passed", "reporting.handle_deadline_passed")
    assert next_event(amqp_uri, reporting)["payload"]["tracking_number"] == NUMBER
    assert answered  # the answered one was never warned about


def test_an_application_found_late_gets_only_the_passed_notice(routing, amqp_uri, on):
    receive(routing, amqp_uri)
    on(date(2026, 12, 20))
    scan(routing)
    assert next_event(amqp_uri, PASSED)["payload"]["tracking_number"] == NUMBER
    no_event(amqp_uri, APPROACHING, timeout=0.5)


def test_after_an_extension_the_holder_is_warned_again_for_the_new_deadline(routing, amqp_uri, on):
    receive(routing, amqp_uri, kind="information_request", petition_type=None)
    on(date(2026, 12, 8))
    scan(routing)
    assert next_event(amqp_uri, APPROACHING)["payload"]["deadline"] == "2026-12-10"
    rpc(routing, "extend", officer("GOV-06"), NUMBER, "Başka kurumlardan bilgi istendi.")

    scan(routing)
    no_event(amqp_uri, APPROACHING, timeout=0.5)
    on(date(2026, 12, 28))  # the new deadline is 31 December
    scan(routing)
    scan(routing)
    payload = next_event(amqp_uri, APPROACHING)["payload"]
    assert (payload["deadline"], payload["working_days_left"]) == ("2026-12-31", 3)
    no_event(amqp_uri, APPROACHING, timeout=0.5)
    on(date(2027, 1, 4))
    scan(routing)
    assert next_event(amqp_uri, PASSED)["payload"]["deadline"] == "2026-12-31"


class RecordingOutbox:
    def __init__(self):
        self.events = []

    def add(self, session, event_type, payload):
        self.events.append((event_type, payload))


def test_a_row_another_replica_is_scanning_is_skipped_not_notified_twice(routing, amqp_uri):
    receive(routing, amqp_uri)
    engine = create_engine(routing.config["DATABASE_URL"])
    try:
        with Session(engine) as first, first.begin():
            first.execute(select(Assignment).with_for_update())  # another replica holds the row
            with Session(engine) as second, second.begin():
                outbox = RecordingOutbox()
                assert handlers.watch_deadlines(second, outbox, date(2026, 12, 20)) == 0
                assert outbox.events == []
            outbox = RecordingOutbox()
            assert handlers.watch_deadlines(first, outbox, date(2026, 12, 20)) == 1
            assert [name for name, _ in outbox.events] == ["deadline_passed"]
        with Session(engine) as third, third.begin():
            assert handlers.watch_deadlines(third, RecordingOutbox(), date(2026, 12, 21)) == 0
    finally:
        engine.dispose()


def test_the_facts_of_the_application_are_kept_for_the_rules(routing, amqp_uri):
    envelope = receive(routing, amqp_uri, subject="transport", province="06", district="Çankaya")
    with service_database(routing) as session:
        assignment = session.get(Assignment, uuid.UUID(envelope.payload["application_id"]))
        assert (assignment.subject, assignment.province, assignment.district, assignment.status) == (
            "transport",
            "06",
            "Çankaya",
            "assigned",
        )
        assert (assignment.extended, assignment.previous_institution, assignment.approaching_notified_at) == (
            False,
            None,
            None,
        )


# --- What the holder may do (`forward_targets`): the console offers only these ----------------------------------


def options(container, holder, number=NUMBER, **kwargs):
    return rpc(container, "forward_targets", officer(holder), number, **kwargs)


def codes(found):
    return [t["code"] for t in found["targets"]]


def test_a_governorship_may_forward_inside_its_own_province_only(routing, amqp_uri, on):
    receive(routing, amqp_uri)  # a web petition about a road in Çankaya: GOV-06, locally solvable
    found = options(routing, "GOV-06", limit=100)
    assert (found["return_to"], found["may_answer"], found["may_extend"]) == (None, True, False)
    assert all(set(t) == {"code", "name", "type"} for t in found["targets"])
    assert {"DG-06-CANKAYA", "PD-06-SAGLIK", "RD-UAB-KGM-4"} <= set(codes(found))
    assert {t["type"] for t in found["targets"]} <= {
        "district_governorship",
        "provincial_directorate",
        "regional_directorate",
    }  # a road in a district never goes up to the Presidency
    # Never another province's: Ankara's district governorships and directorates, and the highways region seated
    # in Ankara.
    assert all(code.startswith(("DG-06-", "PD-06-")) or code == "RD-UAB-KGM-4" for code in codes(found))
    names = [t["name"] for t in found["targets"]]
    assert names == sorted(names)  # by name (the test databases' collation is C.UTF-8)
    assert set(codes(found)) == {
        e.code
        for e in directory.entries()
        if e.province == "06" and e.type in ("district_governorship", "provincial_directorate", "regional_directorate")
    }
    # `q` narrows, folded like the directory's search; `limit` cuts; both by name.
    assert codes(options(routing, "GOV-06", q="çankaya")) == ["DG-06-CANKAYA"]
    assert codes(options(routing, "GOV-06", q="CANKAYA")) == ["DG-06-CANKAYA"]
    assert codes(options(routing, "GOV-06", q="saglik")) == ["PD-06-SAGLIK"]
    assert codes(options(routing, "GOV-06", q="kadıköy")) == []  # İstanbul's
    few = options(routing, "GOV-06", limit=3)
    assert codes(few) == codes(found)[:3]


def test_a_matter_for_a_ministry_may_go_up_and_the_presidency_offers_ministries_and_governorships(
    routing, amqp_uri, on
):
    receive(routing, amqp_uri, subject="justice", district=None)  # a ministry's matter, naming no district
    assert "PRESIDENCY" in codes(options(routing, "GOV-06", q="cumhurbaskanligi"))
    # Up only with the officer's reason, which travels with the application to the Presidency.
    for note in (None, "   "):
        assert refused(InvalidRequest, routing, "forward", officer("GOV-06"), NUMBER, "PRESIDENCY", note=note) == (
            "reason_required",
            "note",
        )
    no_event(amqp_uri, ASSIGNED, timeout=0.5)
    rpc(routing, "forward", officer("GOV-06"), NUMBER, "PRESIDENCY", note="Bakanlık düzeyinde çözülecek bir konu.")
    assert next_event(amqp_uri, ASSIGNED)["payload"]["note"] == "Bakanlık düzeyinde çözülecek bir konu."
    # Kept with the move, where the Presidency reads it.
    moves = rpc(routing, "history", officer("PRESIDENCY"), NUMBER)
    assert (moves[-1]["to"], moves[-1]["note"]) == ("PRESIDENCY", "Bakanlık düzeyinde çözülecek bir konu.")
    found = options(routing, "PRESIDENCY", limit=100)
    # The sender is offered as the return, not among the forwards.
    assert found["return_to"] == {"code": "GOV-06", "name": "Ankara Valiliği", "type": "governorship"}
    assert "GOV-06" not in codes(found) and "PRESIDENCY" not in codes(found)
    types = {t["type"] for t in found["targets"]}
    assert types == {"ministry", "governorship", "ethics_board", "hr_presidency"}
    assert {"MIN-SAGLIK", "MIN-ADALET", "GOV-34", "ETHICS-BOARD", "HR-PRESIDENCY"} <= set(codes(found))
    assert len(codes(found)) == 17 + 80 + 2  # every ministry, every other governorship, the two boards
    assert codes(options(routing, "PRESIDENCY", q="istanbul")) == ["GOV-34"]
    assert codes(options(routing, "PRESIDENCY", q="adalet")) == ["MIN-ADALET"]

    # Forwarded on, the ministry sees the Presidency as where a return goes.
    rpc(routing, "forward", officer("PRESIDENCY"), NUMBER, "MIN-ADALET")
    found = options(routing, "MIN-ADALET")
    assert found["return_to"]["code"] == "PRESIDENCY"
    # Its units; the Ministry of Justice has no provincial directorate.
    assert set(codes(found)) == {f"MU-ADALET-{unit}" for unit in directory.MINISTRY_UNITS["ADALET"]}


def test_a_retired_institution_is_offered_neither_as_target_nor_as_return(routing, amqp_uri, on):
    receive(routing, amqp_uri)
    rpc(routing, "forward", officer("GOV-06"), NUMBER, "DG-06-CANKAYA")
    next_event(amqp_uri, ASSIGNED)
    with service_database(routing) as session:
        session.execute(text("UPDATE institutions SET active = false WHERE code IN ('GOV-06', 'PD-06-SAGLIK')"))
    found = options(routing, "DG-06-CANKAYA")
    assert found["return_to"] is None and found["targets"] == [] and found["may_answer"] is True
    receive(routing, amqp_uri, tracking_number="260000000026", channel="in_person", recorded_by="GOV-34")
    assert "PD-34-SAGLIK" in codes(options(routing, "GOV-34", "260000000026", q="saglik"))
    with service_database(routing) as session:
        session.execute(text("UPDATE institutions SET active = false WHERE code = 'PD-34-SAGLIK'"))
    assert "PD-34-SAGLIK" not in codes(options(routing, "GOV-34", "260000000026", q="saglik"))


def test_may_extend_follows_the_rule_of_extend(routing, amqp_uri, on):
    receive(routing, amqp_uri, kind="information_request", petition_type=None)
    assert options(routing, "GOV-06")["may_extend"] is True
    on(date(2026, 12, 11))  # the deadline has passed
    assert options(routing, "GOV-06")["may_extend"] is False
    on(date(2026, 12, 1))
    rpc(routing, "extend", officer("GOV-06"), NUMBER, "Başka kurumlardan bilgi istendi.")
    assert options(routing, "GOV-06")["may_extend"] is False  # once only
    rpc(routing, "answer", officer("GOV-06"), NUMBER, "positive", "Bilgi ekte gönderilmiştir.")
    assert options(routing, "GOV-06") == {
        "return_to": None,
        "targets": [],
        "may_answer": False,
        "may_extend": False,
        "may_decide_appeal": False,
    }


def test_forward_targets_are_refused_as_forward_is(routing, amqp_uri, on):
    receive(routing, amqp_uri, target_institution="MIN-SAGLIK", subject="health", district=None)
    rpc(routing, "forward", officer("PRESIDENCY"), NUMBER, "MIN-SAGLIK")
    # It held it: reads, does not work it.
    assert refused(Forbidden, routing, "forward_targets", officer("PRESIDENCY"), NUMBER) == (
        "forbidden",
        "work_application",
    )
    assert refused(Forbidden, routing, "forward_targets", token_for("c", "PRESIDENCY", "coordinator"), NUMBER)
    # Never reached it, or a number that does not exist: missing alike.
    for number in (NUMBER, "269999999999"):
        assert refused(NotFound, routing, "forward_targets", officer("GOV-34"), number) == (
            "application_not_found",
            None,
        )
    assert refused(Unauthorized, routing, "forward_targets", None, NUMBER) == ("login_required", None)
    assert codes(options(routing, "MIN-SAGLIK", limit=1000)) == codes(options(routing, "MIN-SAGLIK", limit=100))
