"""Personal data kept no longer than needed (KVKK; `cimer_common.retention`), with the clock moved forward: each
service's retention job erases what its period allows and nothing younger, writes what it erased to the audit
trail, runs once however many replicas try at the same moment, and leaves the reports' figures as they were."""

import uuid
from base64 import b64encode
from datetime import UTC, datetime, timedelta

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import func, select, text

from cimer_common import retention, testing
from cimer_common.events import ApplicationAnswered
from cimer_common.outbox import consumer_queue
from cimer_common.testing import next_event, publish, routing_event, service_database, token_for
from identity import audit_verify, domain, handlers
from identity.models import AuditRecord, User, UserSession
from intake.models import Applicant, Application
from notification.models import Delivery, Notice

pytestmark = pytest.mark.interface

PETITION = {**testing.PETITION, "body": "Mahallemizdeki yol aylardır bozuk; Ayşe Yılmaz, Çankaya."}
RECEIVED = consumer_queue("intake", "application_received", "routing.handle_application_received").name
POLICY = retention.Retention.from_settings()


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args, **kwargs)


def audit_line(amqp_uri, producer):
    """The next line of the audit trail `producer` sends identity."""
    handler = (
        "identity.handle_activity_recorded" if producer == "intake" else f"identity.handle_{producer}_activity_recorded"
    )
    return next_event(amqp_uri, consumer_queue(producer, "activity_recorded", handler).name)


def answer(amqp_uri, container, received, at):
    payload = ApplicationAnswered(
        application_id=received["application_id"],
        tracking_number=received["tracking_number"],
        institution="GOV-06",
        outcome="positive",
        text="Sayın Ayşe Yılmaz, yolunuz onarıldı.",
        answered_at=at,
    )
    with entrypoint_waiter(container, "handle_application_answered"):
        publish(amqp_uri, routing_event("application_answered", payload))


def test_intake_erases_an_answered_applications_applicant_and_texts_after_the_period_and_the_reports_stay(
    start_service, amqp_uri, tmp_path
):
    files = tmp_path / "attachments"
    intake, reporting = start_service("intake", ATTACHMENTS_DIR=str(files)), start_service("reporting")
    answered_at = datetime.now(UTC)
    filed = [call(intake, "file_application", PETITION) for _ in range(2)]
    received = [next_event(amqp_uri, RECEIVED)["payload"] for _ in filed]
    # Its own file, and one both applicants sent (kept once, by content): the first goes with it, the second stays.
    own, shared = b"%PDF-1.7 a deed\n", b"%PDF-1.7 the same notice\n"
    for content, who in ((own, filed[0]), (shared, filed[0]), (shared, filed[1])):
        body = b64encode(content).decode()
        call(intake, "add_attachment", who["tracking_number"], "ek.pdf", body, access_code=who["access_code"])
    assert len([path for path in files.rglob("*") if path.is_file()]) == 2
    answer(amqp_uri, intake, received[0], answered_at)  # the second stays open
    period = answered_at.strftime("%Y-%m")
    report_before = call(reporting, "monthly_report", period)

    # A day before the period ends: no applicant goes (the delivered events of the week do, unaudited copies).
    early = call(intake, "apply_retention", (answered_at + POLICY.personal_data - timedelta(days=1)).isoformat())
    assert early["applications"] == 0 and early["outbox"] > 0
    with service_database(intake) as session:
        assert session.scalar(select(func.count()).select_from(Applicant)) == 2

    later = answered_at + POLICY.personal_data + timedelta(days=1)
    erased = call(intake, "apply_retention", later.isoformat())
    assert erased["applications"] == 1 and erased["attachments"] == 2
    kept_files = [path.read_bytes() for path in files.rglob("*") if path.is_file()]
    assert kept_files == [shared]  # the erased one's own file is gone; the other's is not
    assert call(intake, "get_status", filed[1]["tracking_number"], filed[1]["access_code"])["attachments"]
    with service_database(intake) as session:
        gone = session.get(Application, received[0]["application_id"])
        kept = session.get(Application, received[1]["application_id"])
        assert session.get(Applicant, gone.id) is None and session.get(Applicant, kept.id) is not None
        assert gone.title == gone.body and "Ayşe" not in gone.body and gone.answer_text is None
        assert gone.personal_data_erased_at == later and gone.answer_outcome == "positive"
        assert kept.body == PETITION["body"] and kept.personal_data_erased_at is None
    line = audit_line(amqp_uri, "intake")["payload"]
    assert line["action"] == "personal_data_erased" and line["target"].startswith("applications:1")
    assert call(intake, "apply_retention", later.isoformat())["applications"] == 0  # once

    # The officer still sees the application, and that its personal data is gone.
    seen = call(intake, "get_application", token_for("gov-06", "GOV-06", "officer"), filed[0]["tracking_number"])
    assert seen["applicant"] is None and seen["personal_data_erased_at"] == later.isoformat()
    # Reporting keeps no personal data: its own run takes only delivered events, and the figures do not move.
    call(reporting, "apply_retention", later.isoformat())
    assert call(reporting, "monthly_report", period) == report_before


def test_of_two_replicas_running_at_once_one_works_and_the_other_skips(start_service):
    intake = start_service("intake")
    with service_database(intake) as session:
        assert retention.alone(session, "intake")  # another replica's run, holding the lock until it ends
        assert call(intake, "apply_retention") is None
    assert call(intake, "apply_retention") == {"applications": 0, "attachments": 0, "outbox": 0}


def test_notification_forgets_what_old_notices_were_sent_with(start_service, amqp_uri):
    notification = start_service("notification")
    now = datetime.now(UTC)
    old, recent = uuid.uuid4(), uuid.uuid4()
    with service_database(notification) as session:
        for notice_id, age in ((old, POLICY.notice_texts + timedelta(days=1)), (recent, timedelta(days=1))):
            session.add(
                Notice(
                    id=notice_id, application_id=uuid.uuid4(), tracking_number="260000000018", kind="answer",
                    recipient="applicant", language="tr", status="sent", detail="Gerekçe",
                    facts={"text": "Sayın Ayşe Yılmaz"}, created_at=now - age, sent_at=now - age,
                )
            )  # fmt: skip
            session.flush()
            session.add(
                Delivery(notice_id=notice_id, channel="email", target="applicant", recipient="a***@example.org",
                         attempt=1, result="ok", at=now - age)
            )  # fmt: skip
    assert call(notification, "apply_retention") == {"notices": 1, "outbox": 0}
    with service_database(notification) as session:
        erased, kept = session.get(Notice, old), session.get(Notice, recent)
        assert (erased.facts, erased.detail, erased.status) == (None, None, "sent")
        assert kept.facts == {"text": "Sayın Ayşe Yılmaz"}
        recipients = dict(session.execute(select(Delivery.notice_id, Delivery.recipient)).all())
        assert recipients == {old: None, recent: "a***@example.org"}
    line = audit_line(amqp_uri, "notification")["payload"]
    assert (line["action"], line["target"]) == ("notice_texts_erased", "notices:1")


def test_identity_erases_old_client_addresses_and_the_audit_chain_still_verifies(start_service):
    identity = start_service("identity")
    now = datetime.now(UTC)
    with service_database(identity) as session:
        for days in (POLICY.client_addresses.days + 1, 1):
            handlers.audit(
                session,
                domain.audit_entry(at=now - timedelta(days=days), action="login", client_address="192.0.2.7",
                                   actor_username=f"user-{days}"),
            )  # fmt: skip
    assert call(identity, "apply_retention")["audit_addresses"] == 1
    with service_database(identity) as session:
        lines = session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
        assert [(x.action, x.client_address) for x in lines] == [
            ("login", None),
            ("login", "192.0.2.7"),
            ("client_addresses_erased", None),
        ]
        assert lines[0].client_address_salt is None and lines[0].client_address_seal is not None
        assert lines[2].target == "audit_addresses:1"
    check = audit_verify.verify(identity.config["DATABASE_URL"])
    assert check.intact and check.count == 3
    # An address changed in place (its seal kept) shows.
    with service_database(identity, as_owner=True) as session:
        session.execute(text("UPDATE audit_log SET client_address = '198.51.100.1' WHERE client_address IS NOT NULL"))
    check = audit_verify.verify(identity.config["DATABASE_URL"])
    assert not check.intact and check.problem == "client address does not match its seal"


def test_identity_forgets_an_old_sessions_address_and_browser(start_service):
    identity = start_service("identity")
    now = datetime.now(UTC)
    with service_database(identity) as session:
        user = User(username="gov-06", password_hash="-", institution="GOV-06", roles=["officer"])
        session.add(user)
        session.flush()
        session.add(
            UserSession(user_id=user.id, refresh_token_hash=uuid.uuid4().hex, created_at=now - timedelta(days=400),
                        expires_at=now - timedelta(days=400), client_address="192.0.2.9", user_agent="Firefox")
        )  # fmt: skip
    assert call(identity, "apply_retention")["sessions"] == 1
    with service_database(identity) as session:
        assert session.execute(select(UserSession.client_address, UserSession.user_agent)).one() == (None, None)
