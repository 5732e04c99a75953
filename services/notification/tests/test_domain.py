"""Unit tests of notification's rules: no broker, no database."""

import uuid
from datetime import UTC, date, datetime

import pytest

from cimer_common.events import ApplicationAssigned, ApplicationReceived
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


# --- After the answer (SPEC section 12) ----------------------------------------------------------------------------


def assigned(reason, **overrides):
    data = {
        "application_id": uuid.uuid4(),
        "tracking_number": "260000012345",
        "institution": "BEDK",
        "previous_institution": "PD-06-SAGLIK",
        "reason": reason,
        "assigned_at": datetime(2026, 3, 10, 9, 0, tzinfo=UTC),
        "deadline": date(2026, 4, 21),
    }
    data.update(overrides)
    return ApplicationAssigned.model_validate(data)


def test_an_appeal_tells_the_board_and_the_applicant_with_the_boards_deadline():
    reach = domain.Reach(can_be_told=True, language="en")
    dues = domain.notices_for_assigned(assigned("appealed"), reach)
    assert [(d.kind, d.recipient) for d in dues] == [
        (domain.NEW_ASSIGNMENT, "institution:BEDK"),
        (domain.APPEAL_RECEIVED, domain.APPLICANT),
    ]
    assert dues[1].language == "en" and dues[1].facts["deadline"] == "2026-04-21"


def test_an_order_to_answer_tells_the_applicant_the_boards_words_and_the_new_deadline():
    event = assigned("ordered", institution="PD-06-SAGLIK", note="The request must be answered.")
    dues = domain.notices_for_assigned(event, domain.Reach(can_be_told=True, language="tr"))
    told = [d for d in dues if d.recipient == domain.APPLICANT]
    assert [d.kind for d in told] == [domain.ANSWER_ORDERED]
    assert told[0].facts == {
        "institution": "PD-06-SAGLIK",
        "deadline": "2026-04-21",
        "text": "The request must be answered.",
    }


@pytest.mark.parametrize("reason", ["initial", "forwarded", "returned"])
def test_an_ordinary_move_tells_only_the_officers(reason):
    dues = domain.notices_for_assigned(assigned(reason), domain.Reach(can_be_told=True, language="tr"))
    assert [d.kind for d in dues] == [domain.NEW_ASSIGNMENT]


def test_an_applicant_who_cannot_be_told_hears_nothing_of_the_appeal():
    dues = domain.notices_for_assigned(assigned("appealed"), domain.Reach(can_be_told=False, language="tr"))
    assert [d.kind for d in dues] == [domain.NEW_ASSIGNMENT]


def test_each_answer_of_an_applications_life_is_a_notice_of_its_own_kind():
    kinds = [domain.ANSWER_KINDS[appeal] for appeal in (None, "upheld", "ordered")]
    assert len(set(kinds)) == 3 and set(kinds) <= domain.APPLICANT_KINDS
