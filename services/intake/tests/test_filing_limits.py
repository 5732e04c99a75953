"""Interface tests of the limits on web filings: by client address, and by the e-mail address or phone number a
receipt would go to, through the real entrypoint. A refused filing stores nothing."""

import pytest
from nameko.testing.services import entrypoint_hook
from sqlalchemy import func, select, update

from cimer_common import testing
from cimer_common.errors import TooManyRequests
from cimer_common.testing import service_database, token_for
from intake.models import Application, FilingMark, OutboxMessage

pytestmark = pytest.mark.interface

CALL_CENTRE_06 = token_for("cc-06", "GOV-06", "call_centre")
# The shared petition without its applicant: each test names who files it.
PETITION = {key: value for key, value in testing.PETITION.items() if key != "applicant"}


def by(email=None, phone=None):
    applicant = {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz"}
    return {**PETITION, "applicant": {**applicant, "email": email, "phone": phone}}


def stored(intake):
    with service_database(intake) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table))
            for table in (Application, OutboxMessage, FilingMark)
        )


@pytest.fixture
def intake(start_service):
    return start_service("intake", WEB_FILINGS_PER_ADDRESS=4, WEB_FILINGS_PER_CONTACT=2)


def test_a_contact_gets_no_more_receipts_a_day_than_its_limit_however_it_is_written(intake):
    with entrypoint_hook(intake, "file_application") as file:
        file(by(email="victim@example.org"), client_address="198.51.100.1")
        file(by(email=" Victim@Example.ORG "), client_address="198.51.100.2")  # one address, however written
        before = stored(intake)
        with pytest.raises(TooManyRequests) as refused:
            file(by(email="victim@example.org"), client_address="198.51.100.3")
        assert refused.value.code == "too_many_filings" and 1 <= int(refused.value.retry_after) <= 86400
        assert stored(intake) == before  # nothing of it kept: no application, no event, no mark
        file(by(phone="+90 555 111 22 33"), client_address="198.51.100.3")
        file(by(phone="0555 111 22 33"), client_address="198.51.100.4")  # the same number, dialled at home
        with pytest.raises(TooManyRequests):
            file(by(email="other@example.org", phone="5551112233"), client_address="198.51.100.5")
        file(by(email="other@example.org"), client_address="198.51.100.5")  # another contact: filed


def test_one_address_files_no_more_than_its_limit_an_hour_and_its_64_counts_as_one(intake):
    with entrypoint_hook(intake, "file_application") as file:
        for n in range(4):
            file(by(email=f"a{n}@example.org"), client_address=f"2001:db8:1:2::{n + 1}")
        with pytest.raises(TooManyRequests) as refused:
            file(by(email="a9@example.org"), client_address="2001:db8:1:2:abcd::1")
        assert 1 <= int(refused.value.retry_after) <= 3600
        file(by(email="a9@example.org"), client_address="2001:db8:1:3::1")  # another /64
        file({**PETITION, "applicant": None}, client_address="198.51.100.9")  # anonymous: the address alone

        # An hour on, the address may file again.
        with service_database(intake) as session:
            session.execute(update(FilingMark).values(at=FilingMark.at - func.make_interval(0, 0, 0, 0, 1, 1)))
        file(by(email="a10@example.org"), client_address="2001:db8:1:2::1")
        # A day on, no mark counts for anything, and all are forgotten: 4 × 2, 2, 1, and the last filing's 2.
        with service_database(intake) as session:
            session.execute(update(FilingMark).values(at=FilingMark.at - func.make_interval(0, 0, 0, 1)))
        with entrypoint_hook(intake, "forget_expired") as forget:
            assert forget()["filing_marks"] == 4 * 2 + 2 + 1 + 2
        assert stored(intake)[2] == 0  # (applications, events, marks): every mark forgotten


def test_officers_filings_are_not_limited(intake):
    with entrypoint_hook(intake, "file_application") as file:
        for _ in range(3):  # the call centre records many calls, some from one applicant
            file({**by(email="victim@example.org"), "channel": "phone", "province": None}, token=CALL_CENTRE_06)
    assert stored(intake)[2] == 0  # no mark
