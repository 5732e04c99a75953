"""Interface tests of the scheduled notices: the daily digest (once per institution and day, whoever records
it), the 30-day status notice (once per application), and the sender as a plain function (two senders never
send one notice twice)."""

import uuid
from datetime import UTC, date, datetime, timedelta

import eventlet
import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import create_engine, select
from sqlalchemy.orm import sessionmaker

from cimer_common.events import ApplicationAnswered, ApplicationAssigned, ApplicationReceived
from cimer_common.testing import assigned_event, publish, received_event, reset_database
from notification import delivery, domain, handlers
from notification.models import Delivery, Notice

pytestmark = pytest.mark.interface

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture
def transaction():
    engine = create_engine(reset_database("notification"))
    yield sessionmaker(engine, expire_on_commit=False).begin
    engine.dispose()


def assigned(institution, at, tracking_number="260000000018"):
    return ApplicationAssigned(
        application_id=uuid.uuid4(),
        tracking_number=tracking_number,
        institution=institution,
        reason="initial",
        assigned_at=at,
    )


def received(at, **overrides):
    return ApplicationReceived.model_validate(
        received_event(received_at=at, deadline=date(2026, 12, 1), **overrides).payload
    )


class Recorder:
    def __init__(self, fail=False):
        self.mails, self.texts, self.fail = [], [], fail

    def mail(self, to, subject, text, html, attachments=()):
        if self.fail:
            raise delivery.DeliveryFailed("smtp down")
        self.mails.append((to, subject, text))

    def sms(self, to, text):
        self.texts.append((to, text))


class Contacts:
    def __init__(self, officers=None, applicants=None):
        self._officers, self._applicants, self.delivered = officers or {}, applicants or {}, []

    def applicants(self, notices):
        return [self._applicants.get(application_id) for application_id, _ in notices]

    def receipts_done(self, application_ids):
        self.delivered.extend(application_ids)

    def officers(self, wanted):
        return [self._officers.get(institution, []) for institution, _ in wanted]

    def report_document(self, period, institution):
        raise AssertionError("no report here")

    def answer_attachments(self, application_id, answered_at):
        return []


def test_the_digest_lists_a_days_assignments_once_per_institution(transaction):
    day = date(2026, 11, 26)
    morning = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)  # 09:00 in Istanbul
    with transaction() as session:
        handlers.record_assigned(session, assigned("GOV-06", morning, "260000000018"))
        handlers.record_assigned(session, assigned("GOV-06", morning + timedelta(hours=2), "260000012353"))
        handlers.record_assigned(session, assigned("GOV-34", morning))
        # 23:30 in Istanbul on the 26th is still the 26th; 00:30 on the 27th is not
        handlers.record_assigned(session, assigned("GOV-06", datetime(2026, 11, 26, 20, 30, tzinfo=UTC), "1"))
        handlers.record_assigned(session, assigned("GOV-06", datetime(2026, 11, 26, 21, 30, tzinfo=UTC), "2"))
    for _ in range(2):  # a second replica, or a restart, the same day
        with transaction() as session:
            handlers.record_digests(session, date(2026, 11, 27))
    with transaction() as session:
        digests = session.scalars(select(Notice).where(Notice.kind == domain.DIGEST).order_by(Notice.recipient)).all()
    assert [(n.recipient, n.facts["day"]) for n in digests] == [
        ("institution:GOV-06", day.isoformat()),
        ("institution:GOV-34", day.isoformat()),
    ]
    assert [a["tracking_number"] for a in digests[0].facts["assignments"]] == ["260000000018", "260000012353", "1"]

    contacts = Contacts(officers={"GOV-06": [{"username": "mehmet", "email": "mehmet@valilik.gov.tr"}]})
    channels = Recorder()
    delivery.deliver_due(transaction, channels, contacts, NOW)
    subjects = [subject for _, subject, _ in channels.mails if "özet" in subject]
    assert subjects == ["CİMER günlük özet, 26.11.2026: 3 yeni başvuru"]


def test_the_30_day_status_notice_is_owed_once_to_an_unanswered_petition(transaction):
    old, recent = received(NOW - timedelta(days=31)), received(NOW - timedelta(days=10))
    answered = received(NOW - timedelta(days=40))
    information = received(NOW - timedelta(days=40), kind="information_request")
    anonymous = received(NOW - timedelta(days=40), anonymous=True, reachable=False)
    with transaction() as session:
        for event in (old, recent, answered, information, anonymous):
            handlers.record_received(session, event)
        handlers.record_assigned(
            session,
            ApplicationAssigned(
                application_id=old.application_id,
                tracking_number=old.tracking_number,
                institution="DG-06-CANKAYA",
                reason="forwarded",
                assigned_at=NOW - timedelta(days=20),
            ),
        )
    with transaction() as session:
        handlers.record_answered(
            session,
            ApplicationAnswered(
                application_id=answered.application_id,
                tracking_number=answered.tracking_number,
                institution="GOV-06",
                outcome="negative",
                text="Hayır.",
                answered_at=NOW - timedelta(days=5),
            ),
        )
    for _ in range(2):
        with transaction() as session:
            handlers.record_status_notices(session, NOW)
    with transaction() as session:
        owed = session.scalars(select(Notice).where(Notice.kind == domain.STATUS_30_DAYS)).all()
    assert [(n.application_id, n.facts["holder"]) for n in owed] == [(old.application_id, "DG-06-CANKAYA")]


def test_information_requests_past_30_days_do_not_hold_back_a_petitions_status_notice(transaction, monkeypatch):
    """A batch's worth of unanswered information requests (owed no 30-day notice) filed before a petition: the
    petition still gets its notice, and the ones that waited longest go first."""
    monkeypatch.setattr(handlers, "STATUS_BATCH", 5)
    information = [received(NOW - timedelta(days=60), kind="information_request") for _ in range(8)]
    petitions = [received(NOW - timedelta(days=days)) for days in (31, 45, 40)]
    with transaction() as session:
        for event in (*information, *petitions):
            handlers.record_received(session, event)
    with transaction() as session:
        assert handlers.record_status_notices(session, NOW) == 3
    with transaction() as session:
        owed = session.scalars(select(Notice).where(Notice.kind == domain.STATUS_30_DAYS)).all()
    assert {n.application_id for n in owed} == {p.application_id for p in petitions}

    monkeypatch.setattr(handlers, "STATUS_BATCH", 2)
    later = [received(NOW - timedelta(days=days)) for days in (35, 50, 32)]
    with transaction() as session:
        for event in later:
            handlers.record_received(session, event)
    with transaction() as session:
        assert handlers.record_status_notices(session, NOW) == 2
    with transaction() as session:
        owed = session.scalars(select(Notice.application_id).where(Notice.kind == domain.STATUS_30_DAYS)).all()
    assert later[2].application_id not in owed  # 32 days: after the 50 and the 35, in the next batch


def test_two_senders_never_send_one_notice_twice(transaction):
    events = [received(NOW) for _ in range(20)]
    with transaction() as session:
        for event in events:
            handlers.record_received(session, event)
    contacts = Contacts(
        applicants={
            str(e.application_id): {"email": f"a{i}@example.org", "language": "tr", "access_code": "K7PX-93QD"}
            for i, e in enumerate(events)
        }
    )
    channels = Recorder()
    rounds = [
        eventlet.spawn(delivery.deliver_due, transaction, channels, contacts, NOW, delivery.Policy(batch=7))
        for _ in range(4)
    ]
    assert max(round_.wait() for round_ in rounds) <= 7  # a round takes at most its batch
    while delivery.deliver_due(transaction, channels, contacts, NOW):
        pass
    assert sorted(to for to, _, _ in channels.mails) == sorted(f"a{i}@example.org" for i in range(20))
    assert sorted(contacts.delivered) == sorted(str(e.application_id) for e in events)


def test_a_failed_attempt_waits_its_back_off(transaction):
    event = received(NOW)
    with transaction() as session:
        handlers.record_received(session, event)
    contacts = Contacts(applicants={str(event.application_id): {"email": "a@example.org", "access_code": "X"}})
    policy = delivery.Policy(retry_base_seconds=30, max_attempts=2)
    assert delivery.deliver_due(transaction, Recorder(fail=True), contacts, NOW, policy) == 1
    assert delivery.deliver_due(transaction, Recorder(), contacts, NOW + timedelta(seconds=29), policy) == 0
    channels = Recorder()
    assert delivery.deliver_due(transaction, channels, contacts, NOW + timedelta(seconds=30), policy) == 1
    assert len(channels.mails) == 1
    with transaction() as session:
        results = session.scalars(select(Delivery.result).order_by(Delivery.id)).all()
    assert results == ["failed", "ok"]


class Died(BaseException):
    """The sender's process gone in the middle of a notice (what a channel's failure never is)."""


class DiesOnSms(Recorder):
    def sms(self, to, text):
        raise Died()


def test_a_send_is_logged_as_it_is_made_so_a_sender_that_dies_after_it_never_makes_it_again(transaction):
    """Each send is written to the delivery log by a statement committed as it runs, before the next send: the mail
    of a sender that died before its text message is on record, and the sender that takes the notice once the
    lease has run out sends the text alone."""
    event = received(NOW)
    with transaction() as session:
        handlers.record_received(session, event)
    reach = {"email": "a@example.org", "phone": "+905321234567", "access_code": "K7PX-93QD"}
    contacts = Contacts(applicants={str(event.application_id): reach})
    dying = DiesOnSms()
    with pytest.raises(Died):
        delivery.deliver_due(transaction, dying, contacts, NOW)
    assert len(dying.mails) == 1
    with transaction() as session:
        assert session.execute(select(Delivery.channel, Delivery.result)).all() == [("email", "ok")]
    after = Recorder()
    assert delivery.deliver_due(transaction, after, contacts, NOW + delivery.Policy().lease) == 1
    assert after.mails == [] and len(after.texts) == 1


def test_a_receipt_given_up_is_reported_done_so_intake_forgets_its_code(transaction):
    event = received(NOW)
    with transaction() as session:
        handlers.record_received(session, event)
    contacts = Contacts(applicants={str(event.application_id): {"email": "a@example.org", "access_code": "X"}})
    policy = delivery.Policy(retry_base_seconds=30, max_attempts=2)
    delivery.deliver_due(transaction, Recorder(fail=True), contacts, NOW, policy)
    assert contacts.delivered == []  # one more attempt to come: intake keeps the code for it
    delivery.deliver_due(transaction, Recorder(fail=True), contacts, NOW + timedelta(seconds=30), policy)
    assert contacts.delivered == [str(event.application_id)]
    with transaction() as session:
        assert session.scalars(select(Notice.status)).all() == [domain.FAILED]


def test_the_schedule_timer_records_the_digest(start_service, amqp_uri):
    container = start_service("notification", NOTIFY_PAUSED="true")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    with entrypoint_waiter(container, "handle_application_assigned") as result:
        publish(amqp_uri, assigned_event(uuid.uuid4(), "260000000018", institution="GOV-06", assigned_at=yesterday))
    result.get()
    with entrypoint_hook(container, "schedule_notices") as schedule:
        assert schedule()["digests"] == 1
        assert schedule()["digests"] == 0
