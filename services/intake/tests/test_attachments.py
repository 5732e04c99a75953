"""Interface tests of attachments (SPEC section 12) through intake's real entrypoints, on RabbitMQ and PostgreSQL:
the applicant attaches with the access code, the holder's officer attaches for the answer, whoever may read the
application reads them and nobody else, every rule refused with its reason, and the virus scan a deployment
switches on (a stand-in clamd on a local port: ClamAV lies outside the system)."""

import socket
import struct
import threading
from base64 import b64decode, b64encode
from datetime import UTC, datetime

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter

from cimer_common import testing
from cimer_common.errors import Conflict, Forbidden, InvalidRequest, NotFound, NotReady
from cimer_common.events import ApplicationAnswered
from cimer_common.outbox import consumer_queue
from cimer_common.settings import get_settings
from cimer_common.testing import assigned_event, next_event, publish, routing_event, token_for

pytestmark = pytest.mark.interface

RECEIVED = consumer_queue("intake", "application_received", "routing.handle_application_received").name
AUDIT = consumer_queue("intake", "activity_recorded", "identity.handle_activity_recorded").name
PDF = b"%PDF-1.7\n% a petition's evidence\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
GOV_06 = token_for("gov-06", "GOV-06", "officer")
EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args, **kwargs)


def refused(error, container, method, *args, **kwargs):
    with pytest.raises(error) as caught:
        call(container, method, *args, **kwargs)
    return caught.value.args[0]


def deliver(container, handler, envelope):
    with entrypoint_waiter(container, handler):
        publish(get_settings().amqp_uri, envelope)


def filed_at_gov_06(intake, amqp_uri):
    accepted = call(intake, "file_application", testing.PETITION)
    received = next_event(amqp_uri, RECEIVED)["payload"]
    deliver(
        intake, "handle_application_assigned", assigned_event(received["application_id"], accepted["tracking_number"])
    )
    return accepted, received


def attach(intake, accepted, content, name="kanıt.pdf", **who):
    return call(intake, "add_attachment", accepted["tracking_number"], name, b64encode(content).decode(), **who)


@pytest.fixture
def intake(start_service, tmp_path):
    return start_service("intake", ATTACHMENTS_DIR=str(tmp_path / "attachments"))


def test_the_applicant_and_the_holder_attach_and_whoever_may_read_reads(intake, amqp_uri, tmp_path):
    accepted, _ = filed_at_gov_06(intake, amqp_uri)
    number, code = accepted["tracking_number"], accepted["access_code"]

    mine = attach(intake, accepted, PDF, "C:\\belgeler\\kanıt.PDF", access_code=code)
    assert (mine["filename"], mine["content_type"], mine["size"], mine["side"]) == (
        "kanıt.pdf", "application/pdf", len(PDF), "applicant",
    )  # fmt: skip
    theirs = attach(intake, accepted, PNG, "tutanak.png", token=GOV_06)
    assert theirs["side"] == "institution"
    assert next_event(amqp_uri, AUDIT)["payload"]["action"] == "attach_file"

    # Kept outside the database, by content.
    stored = list((tmp_path / "attachments").rglob("*"))
    assert sum(1 for path in stored if path.is_file()) == 2

    status = call(intake, "get_status", number, code)
    assert [(a["filename"], a["side"]) for a in status["attachments"]] == [
        ("kanıt.pdf", "applicant"),
        ("tutanak.png", "institution"),
    ]
    read = call(intake, "read_attachment", number, theirs["id"], access_code=code)
    assert b64decode(read["body"]) == PNG and read["content_type"] == "image/png"

    read = call(intake, "read_attachment", number, mine["id"], token=GOV_06)
    assert b64decode(read["body"]) == PDF
    assert next_event(amqp_uri, AUDIT)["payload"]["action"] == "read_attachment"
    seen = call(intake, "get_application", GOV_06, number)
    assert {a["id"] for a in seen["attachments"]} == {mine["id"], theirs["id"]}

    # Out of scope, a wrong pair, another application's file: missing, exactly as a number that does not exist.
    outsider = token_for("gov-34", "GOV-34", "officer")
    assert refused(NotFound, intake, "read_attachment", number, mine["id"], token=outsider) == "application_not_found"
    assert refused(NotFound, intake, "add_attachment", number, "x.pdf", b64encode(PDF).decode(), token=outsider) == (
        "application_not_found"
    )
    assert refused(NotFound, intake, "read_attachment", number, mine["id"], access_code="WRONG123") == (
        "application_not_found"
    )
    other, _ = filed_at_gov_06(intake, amqp_uri)
    assert (
        refused(
            NotFound, intake, "read_attachment", other["tracking_number"], mine["id"], access_code=other["access_code"]
        )
        == "attachment_not_found"
    )
    assert refused(NotFound, intake, "read_attachment", number, "not-a-uuid", access_code=code) == (
        "attachment_not_found"
    )
    # Who may read but does not hold it (a coordinator above) may not attach for the answer.
    coordinator = token_for("presidency", "PRESIDENCY", "officer", "coordinator")
    assert refused(Forbidden, intake, "add_attachment", number, "x.pdf", b64encode(PDF).decode(), token=coordinator)


def test_what_breaks_a_rule_is_refused_and_nothing_is_kept(intake, amqp_uri, tmp_path):
    accepted, received = filed_at_gov_06(intake, amqp_uri)
    code = accepted["access_code"]
    program = b"MZ\x90\x00\x03 a program"
    assert refused(InvalidRequest, intake, "add_attachment", accepted["tracking_number"], "belge.pdf",
                   b64encode(program).decode(), access_code=code) == "attachment_type_not_allowed"  # fmt: skip
    assert refused(InvalidRequest, intake, "add_attachment", accepted["tracking_number"], "a.pdf", "%%%",
                   access_code=code) == "invalid_request"  # fmt: skip
    for n in range(5):
        attach(intake, accepted, PDF + str(n).encode(), access_code=code)
    assert refused(Conflict, intake, "add_attachment", accepted["tracking_number"], "altıncı.pdf",
                   b64encode(PDF).decode(), access_code=code) == "too_many_attachments"  # fmt: skip
    assert len(call(intake, "get_status", accepted["tracking_number"], code)["attachments"]) == 5

    # Once answered, the applicant adds nothing more (the institution's files went with its answer).
    answered = ApplicationAnswered(
        application_id=received["application_id"],
        tracking_number=accepted["tracking_number"],
        institution="GOV-06",
        outcome="positive",
        text="Cevabımız ektedir.",
        answered_at=datetime.now(UTC),
    )
    deliver(intake, "handle_application_answered", routing_event("application_answered", answered))
    assert refused(Conflict, intake, "add_attachment", accepted["tracking_number"], "geç.pdf",
                   b64encode(PDF + b"late").decode(), access_code=code) == "attachments_closed"  # fmt: skip
    assert refused(Conflict, intake, "add_attachment", accepted["tracking_number"], "geç.pdf",
                   b64encode(PDF + b"late").decode(), token=GOV_06) == "attachments_closed"  # fmt: skip
    stored = [path for path in (tmp_path / "attachments").rglob("*") if path.is_file()]
    assert len(stored) == 5  # nothing refused was kept


def test_the_answers_files_are_given_to_notification_for_the_answers_mail(intake, amqp_uri):
    accepted, received = filed_at_gov_06(intake, amqp_uri)
    attach(intake, accepted, PDF, "başvuranın.pdf", access_code=accepted["access_code"])
    attach(intake, accepted, PNG, "ek-1.png", token=GOV_06)
    assert call(intake, "answer_attachments", received["application_id"]) == []  # not answered yet
    at = datetime.now(UTC)
    # The mail of an answer intake has not recorded yet waits for it, rather than go without its files.
    assert refused(NotReady, intake, "answer_attachments", received["application_id"], at.isoformat()) == (
        "service_unavailable"
    )
    answered = ApplicationAnswered(
        application_id=received["application_id"],
        tracking_number=accepted["tracking_number"],
        institution="GOV-06",
        outcome="positive",
        text="Cevabımız ektedir.",
        answered_at=at,
    )
    deliver(intake, "handle_application_answered", routing_event("application_answered", answered))
    [file] = call(intake, "answer_attachments", received["application_id"], at.isoformat())
    assert (file["filename"], file["content_type"], b64decode(file["body"])) == ("ek-1.png", "image/png", PNG)


class StandInClamd:
    """TEST ONLY: a ClamAV daemon's INSTREAM protocol on a local port, finding the EICAR test string."""

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.address = f"127.0.0.1:{self.server.getsockname()[1]}"
        self.scanned = 0
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return
            with connection:
                command = b""
                while not command.endswith(b"\0"):
                    command += connection.recv(1)
                assert command == b"zINSTREAM\0"
                data = b""
                while True:
                    (size,) = struct.unpack("!I", self._exactly(connection, 4))
                    if size == 0:
                        break
                    data += self._exactly(connection, size)
                self.scanned += 1
                verdict = b"stream: Eicar-Test-Signature FOUND\0" if EICAR in data else b"stream: OK\0"
                connection.sendall(verdict)

    @staticmethod
    def _exactly(connection, size):
        data = b""
        while len(data) < size:
            data += connection.recv(size - len(data))
        return data

    def close(self):
        self.server.close()


def test_a_deployment_s_virus_scanner_refuses_an_infected_file_and_an_absent_one_lets_nothing_in(
    start_service, amqp_uri, tmp_path
):
    clamd = StandInClamd()
    intake = start_service("intake", ATTACHMENTS_DIR=str(tmp_path / "attachments"), CLAMD_ADDRESS=clamd.address)
    accepted, _ = filed_at_gov_06(intake, amqp_uri)
    code = accepted["access_code"]
    assert attach(intake, accepted, PDF, access_code=code)["side"] == "applicant"
    infected = PDF + EICAR
    assert refused(InvalidRequest, intake, "add_attachment", accepted["tracking_number"], "virüs.pdf",
                   b64encode(infected).decode(), access_code=code) == "attachment_infected"  # fmt: skip
    assert clamd.scanned == 2
    clamd.close()  # switched on, but gone: wait, never let a file in unscanned
    assert refused(NotReady, intake, "add_attachment", accepted["tracking_number"], "sonra.pdf",
                   b64encode(PDF + b"2").decode(), access_code=code) == "service_unavailable"  # fmt: skip
    assert len(call(intake, "get_status", accepted["tracking_number"], code)["attachments"]) == 1


def test_a_confidential_applicant_s_own_files_are_hidden_where_their_name_is(intake, amqp_uri):
    """SPEC section 2: the handling institution never sees who made a confidential complaint; a file they sent
    (a signed petition, an ID) would tell it. The Presidency's CİMER staff, who may see them, see the files too."""
    complaint = {**testing.PETITION, "petition_type": "complaint", "confidential": True}
    accepted = call(intake, "file_application", complaint)
    received = next_event(amqp_uri, RECEIVED)["payload"]
    number = accepted["tracking_number"]
    deliver(intake, "handle_application_assigned", assigned_event(received["application_id"], number))
    theirs = attach(intake, accepted, PDF, "imzalı-dilekçe.pdf", access_code=accepted["access_code"])
    holder = call(intake, "get_application", GOV_06, number)
    assert holder["attachments"] == []
    assert refused(NotFound, intake, "read_attachment", number, theirs["id"], token=GOV_06) == "attachment_not_found"
    presidency = token_for("cimer", "PRESIDENCY", "officer", "coordinator")
    assert [a["id"] for a in call(intake, "get_application", presidency, number)["attachments"]] == [theirs["id"]]
    assert b64decode(call(intake, "read_attachment", number, theirs["id"], token=presidency)["body"]) == PDF
    # The applicant still reads their own.
    assert len(call(intake, "get_status", number, accepted["access_code"])["attachments"]) == 1
