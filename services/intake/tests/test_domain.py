"""Unit tests of intake's rules: no broker, no database."""

from datetime import UTC, datetime, timedelta

import pytest

from cimer_common.errors import DomainError, InvalidApplication
from cimer_common.schemas import ApplicationCreate
from intake import domain

VALID_ID = "10000000146"


def application(**overrides):
    data = {
        "kind": "petition",
        "petition_type": "complaint",
        "channel": "web",
        "subject": "transport",
        "title": "Yol bozuk",
        "body": "Mahallemizdeki yol aylardır bozuk.",
        "province": "06",
        "district": "Çankaya",
        "applicant": {"national_id": VALID_ID, "first_name": "Ayşe", "last_name": "Yılmaz", "email": "a@example.org"},
    }
    data.update(overrides)
    return ApplicationCreate.model_validate(data)


def refusal(app):
    with pytest.raises(InvalidApplication) as caught:
        domain.check(app)
    return caught.value.code


def test_a_valid_petition_passes():
    domain.check(application())


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"petition_type": None}, "petition_type_required"),
        ({"kind": "human_rights"}, "petition_type_not_allowed"),
        (
            {"kind": "information_request", "petition_type": None, "channel": "phone"},
            "information_request_not_by_phone",
        ),
        ({"petition_type": "request", "applicant": None}, "applicant_required"),
        ({"petition_type": "request", "confidential": True}, "confidential_not_allowed"),
        ({"applicant": None, "confidential": True}, "confidential_needs_applicant"),
        ({"applicant": {"national_id": "10000000147", "first_name": "A", "last_name": "B"}}, "invalid_national_id"),
        ({"applicant": {"national_id": "00000000146", "first_name": "A", "last_name": "B"}}, "invalid_national_id"),
        ({"kind": "ethics_complaint", "petition_type": None}, "official_required"),
        (
            {"official": {"name": "X", "rank": "below_general_director", "institution": "MIN-SAGLIK"}},
            "official_not_allowed",
        ),
        ({"province": "82", "district": None}, "unknown_province"),
        ({"district": "Kadıköy"}, "unknown_district"),
        ({"province": None}, "district_needs_province"),
        ({"province": None, "district": None}, "province_or_institution_required"),
    ],
)
def test_each_rule_refuses_with_its_code(overrides, code):
    assert refusal(application(**overrides)) == code


@pytest.mark.parametrize("petition_type", ["complaint", "denunciation"])
def test_complaints_and_denunciations_may_be_anonymous(petition_type):
    domain.check(application(petition_type=petition_type, applicant=None))


def test_district_is_matched_without_regard_to_case_or_diacritics():
    assert domain.canonical_district(application(district="CANKAYA")) == "Çankaya"


def test_tracking_numbers_have_twelve_digits_and_a_check_digit():
    number = domain.tracking_number(datetime(2026, 3, 1, tzinfo=UTC), 1234)
    assert len(number) == 12 and number.startswith("26000001234")
    assert domain.normalise_tracking_number(number) == number
    assert domain.normalise_tracking_number(f"{number[:2]} {number[2:6]} {number[6:]}") == number
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert domain.normalise_tracking_number(wrong) is None
    assert domain.normalise_tracking_number("abc") is None


def test_access_codes_are_random_and_checked_by_keyed_hash():
    codes = {domain.new_access_code() for _ in range(200)}
    assert len(codes) == 200
    code = codes.pop()
    stored = domain.hash_access_code("pepper", "260000012345", code)
    assert domain.access_code_matches("pepper", "260000012345", code.lower(), stored)
    assert not domain.access_code_matches("other", "260000012345", code, stored)
    assert not domain.access_code_matches("pepper", "260000012346", code, stored)


def test_the_status_throttle_counts_failures_in_the_window_and_says_how_long_to_wait():
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    assert domain.MAX_STATUS_LOOKUP_FAILURES == 20 and timedelta(minutes=10) == domain.STATUS_LOOKUP_WINDOW
    nineteen = [now - timedelta(seconds=s) for s in range(19)]
    assert domain.throttle_retry_after(nineteen, now) is None
    # The 20th failure, the oldest 9 minutes ago: it leaves the window in 60 seconds.
    twenty = [*nineteen, now - timedelta(minutes=9)]
    assert domain.throttle_retry_after(twenty, now) == 60
    # Failures older than the window do not count.
    assert domain.throttle_retry_after([*nineteen, now - timedelta(minutes=10)], now) is None
    # With more than 20, the 20th most recent must leave; never less than one second.
    many = [now - timedelta(seconds=s) for s in range(30)]
    assert domain.throttle_retry_after(many, now) == 600 - 19
    assert domain.throttle_retry_after([now - timedelta(minutes=10) + timedelta(milliseconds=1)] * 20, now) == 1


def test_the_throttle_counts_an_ipv6_client_by_its_64_and_an_ipv4_one_by_its_address():
    assert domain.clean_client_address(" 198.51.100.7 ") == "198.51.100.7"
    assert domain.clean_client_address("2001:db8:5:7:ffff:1:2:3") == "2001:db8:5:7::/64"
    assert domain.clean_client_address("2001:DB8:5:7::1") == "2001:db8:5:7::/64"
    assert domain.clean_client_address("::ffff:198.51.100.7") == "198.51.100.7"  # IPv4 seen through IPv6
    assert domain.clean_client_address("testclient") == "testclient"  # not an address: as given, trimmed
    assert domain.clean_client_address("  ") is None and domain.clean_client_address(None) is None
    assert domain.MAX_STATUS_LOOKUP_FAILURES_PER_NUMBER < domain.MAX_STATUS_LOOKUP_FAILURES


def test_a_web_filing_is_counted_by_its_address_and_its_contacts_each_in_one_form():
    applicant = {"national_id": "10000000146", "first_name": "A", "last_name": "B"}
    web = ApplicationCreate.model_validate(
        {
            "kind": "petition", "petition_type": "complaint", "subject": "transport", "title": "Yol",
            "body": "Yol aylardır bozuk.", "province": "06",
            "applicant": {**applicant, "email": " Ayse@Example.ORG", "phone": "+90 (555) 111-22-33"},
        }
    )  # fmt: skip
    assert domain.filing_keys(web, "2001:db8:1:2::9") == [
        ("address", "2001:db8:1:2::/64"),
        ("email", "ayse@example.org"),
        ("phone", "5551112233"),
    ]
    for written in ("+90 555 111 22 33", "0555 111 22 33", "555-111-22-33", "(0555) 1112233"):
        assert domain.national_phone(written) == "5551112233"
    assert domain.national_phone("+49 30 1234567") == "49301234567" and domain.national_phone("(((((((") == ""
    assert domain.filing_keys(web.model_copy(update={"applicant": None}), None) == []
    assert domain.filing_keys(web.model_copy(update={"channel": "phone"}), "198.51.100.1") == []  # an officer's
    one, other = (domain.filing_key_hash("pepper", "email", "ayse@example.org") for _ in range(2))
    assert one == other and "ayse" not in one and one != domain.filing_key_hash("other", "email", "ayse@example.org")


def test_a_filing_waits_for_the_last_of_its_keys_to_free_up():
    now = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
    limits = domain.filing_limits(per_address=2, per_contact=1)
    kinds = {"a": "address", "e": "email"}
    assert domain.filing_retry_after({"a": [now], "e": []}, kinds, limits, now) is None
    # The address's second filing, 10 minutes ago, frees it in 50 minutes; the e-mail's, an hour ago, in 23 hours.
    marks = {"a": [now - timedelta(minutes=10), now - timedelta(minutes=5)], "e": [now - timedelta(hours=1)]}
    assert domain.filing_retry_after(marks, kinds, limits, now) == 23 * 3600
    assert domain.filing_retry_after({"a": marks["a"], "e": []}, kinds, limits, now) == 50 * 60


# --- The sealed access code --------------------------------------------------------------------------------------


def test_a_sealed_access_code_unseals_with_the_same_key():
    from cryptography.fernet import Fernet

    key = Fernet.generate_key().decode()
    code = domain.new_access_code()
    sealed = domain.seal_access_code(key, code)
    assert code not in sealed
    assert domain.unseal_access_code(key, sealed) == code
    assert domain.seal_access_code(key, code) != sealed  # a fresh IV each time: equal codes do not look equal


def test_a_sealed_access_code_does_not_unseal_with_another_key_or_when_changed():
    from cryptography.fernet import Fernet, InvalidToken

    key, other = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    sealed = domain.seal_access_code(key, "ABCDEFGH")
    with pytest.raises(InvalidToken):
        domain.unseal_access_code(other, sealed)
    changed = sealed[:-5] + ("A" if sealed[-5] != "A" else "B") + sealed[-4:]
    with pytest.raises(InvalidToken):
        domain.unseal_access_code(key, changed)


def test_the_overview_puts_the_most_overdue_first_then_the_most_open_and_totals_them():
    assert domain.overview(
        [("GOV-06", 3, 0), ("PD-06-SAGLIK", 1, 1), ("DG-06-MAMAK", 2, 1), ("DG-06-CANKAYA", 2, 1), ("X", 0, 0)]
    ) == {
        "open": 8,
        "overdue": 3,
        "items": [
            {"institution": "DG-06-CANKAYA", "open": 2, "overdue": 1},
            {"institution": "DG-06-MAMAK", "open": 2, "overdue": 1},
            {"institution": "PD-06-SAGLIK", "open": 1, "overdue": 1},
            {"institution": "GOV-06", "open": 3, "overdue": 0},
        ],
    }
    assert domain.overview([]) == {"open": 0, "overdue": 0, "items": []}


# --- The applicant's rating of the answer (SPEC section 12) ---------------------------------------------------------


def test_a_rating_after_the_answer_is_taken_once():
    answered = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert domain.check_feedback(answered, None, 4, True, "  Thank you.  ") == (4, True, "Thank you.")
    assert domain.check_feedback(answered, None, 1, False, None) == (1, False, None)
    assert domain.check_feedback(answered, None, 5, False, "   ") == (5, False, None)


@pytest.mark.parametrize(
    ("answered", "rated", "rating", "solved", "comment", "code"),
    [
        (False, False, 4, True, None, "feedback_not_allowed"),
        (True, True, 4, True, None, "already_rated"),
        (True, False, 0, True, None, "invalid_rating"),
        (True, False, 6, True, None, "invalid_rating"),
        (True, False, True, True, None, "invalid_rating"),
        (True, False, 4.5, True, None, "invalid_rating"),
        (True, False, 4, "yes", None, "invalid_solved"),
        (True, False, 4, True, "x" * 2_001, "comment_too_long"),
    ],
)
def test_a_rating_that_breaks_a_rule_is_refused(answered, rated, rating, solved, comment, code):
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    with pytest.raises(DomainError) as refused:
        domain.check_feedback(at if answered else None, at if rated else None, rating, solved, comment)
    assert refused.value.code == code
