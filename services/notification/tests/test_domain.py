"""Unit tests of notification's rules: no broker, no database."""

import uuid
from datetime import UTC, date, datetime

import pytest

from cimer_common.events import ApplicationReceived
from notification import domain


def received(**overrides):
    data = {
        "application_id": uuid.uuid4(),
        "tracking_number": "260000012345",
        "kind": "petition",
        "petition_type": "complaint",
        "channel": "web",
        "subject": "transport",
        "province": "06",
        "anonymous": False,
        "confidential": False,
        "reachable": True,
        "language": "tr",
        "received_at": datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
        "deadline": date(2026, 4, 1),
    }
    data.update(overrides)
    return ApplicationReceived.model_validate(data)


def test_an_identified_reachable_applicant_is_owed_a_receipt():
    assert domain.notices_for_received(received()) == [
        domain.NoticeDue(kind="receipt", recipient="applicant", language="tr")
    ]


def test_the_receipt_is_in_the_language_the_applicant_asked_for():
    [notice] = domain.notices_for_received(received(language="en"))
    assert notice.language == "en"


@pytest.mark.parametrize(
    ("anonymous", "reachable"),
    [(True, False), (True, True), (False, False)],
    ids=["anonymous", "anonymous-yet-reachable", "no-contact-left"],
)
def test_an_applicant_who_cannot_be_told_is_owed_nothing(anonymous, reachable):
    assert domain.notices_for_received(received(anonymous=anonymous, reachable=reachable)) == []


def test_a_confidential_applicant_is_still_told():
    # Confidentiality hides the applicant from the handling institution, not from CİMER's own notices.
    assert len(domain.notices_for_received(received(confidential=True))) == 1


def test_an_applicant_notice_is_held_until_reach_is_known_and_dropped_when_they_cannot_be_told():
    assert domain.applicant_notice(domain.ANSWER, None) == [
        domain.NoticeDue(kind="answer", recipient="applicant", language="tr", status="held")
    ]
    assert domain.applicant_notice(domain.ANSWER, domain.Reach(can_be_told=False, language="tr")) == []
    [due] = domain.applicant_notice(domain.EXTENSION, domain.Reach(can_be_told=True, language="en"), detail="why")
    assert (due.status, due.language, due.detail) == ("pending", "en", "why")
