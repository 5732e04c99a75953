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


# --- Attachments (SPEC section 12) -----------------------------------------------------------------------------------

PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


@pytest.mark.parametrize(
    ("content", "name", "expected"),
    [
        (PDF, "dilekçe.pdf", ("application/pdf", "dilekçe.pdf")),
        (PNG, "fotoğraf.PNG", ("image/png", "fotoğraf.png")),
        (JPEG, "resim.jpeg", ("image/jpeg", "resim.jpg")),
        (PDF, "belge.exe", ("application/pdf", "belge.pdf")),  # the content names it, not the sender
        (PDF, "../../etc/passwd", ("application/pdf", "passwd.pdf")),
        (PDF, "C:\\Users\\ayse\\tapu.pdf", ("application/pdf", "tapu.pdf")),
        (PDF, "", ("application/pdf", "ek.pdf")),
        (PDF, 'a"b<c>\x00d.pdf', ("application/pdf", "abcd.pdf")),
        (PDF, "x" * 500 + ".pdf", ("application/pdf", "x" * 196 + ".pdf")),
    ],
)
def test_an_attachment_is_typed_by_its_content_and_named_safely(content, name, expected):
    assert domain.check_attachment(content, name, 0, True) == expected


@pytest.mark.parametrize(
    ("content", "already", "open_for_it", "code"),
    [
        (b"MZ\x90\x00 a program", 0, True, "attachment_type_not_allowed"),
        (b"<html><script>", 0, True, "attachment_type_not_allowed"),
        (b"GIF89a", 0, True, "attachment_type_not_allowed"),
        (b"", 0, True, "attachment_empty"),
        (PDF + b"\x00" * (10 * 1024 * 1024), 0, True, "attachment_too_large"),
        (PDF, 5, True, "too_many_attachments"),
        (PDF, 0, False, "attachments_closed"),
    ],
)
def test_an_attachment_that_breaks_a_rule_is_refused(content, already, open_for_it, code):
    with pytest.raises(DomainError) as refused:
        domain.check_attachment(content, "belge.pdf", already, open_for_it)
    assert refused.value.code == code


def test_ten_megabytes_exactly_is_allowed():
    content = PDF + b"\x00" * (10 * 1024 * 1024 - len(PDF))
    assert domain.check_attachment(content, "büyük.pdf", 4, True)[0] == "application/pdf"


# --- Duplicates (SPEC section 12) ------------------------------------------------------------------------------------

FILED_AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def filed(key="b", at=FILED_AT, **overrides):
    values = {
        "key": key,
        "received_at": at,
        "status": "assigned",
        "subject": "transport",
        "province": "06",
        "district": "Çankaya",
        "target_institution": None,
        "national_id": VALID_ID,
        **overrides,
    }
    return domain.Filed(**values)


def earlier(**overrides):
    return filed("a", FILED_AT - timedelta(days=1), **overrides)


def test_the_same_applicant_is_close_whatever_the_text_and_place():
    close = domain.closeness(filed(), earlier(subject="health", province="34", district=None), 0.1)
    assert close == domain.Closeness(same_applicant=True, similar_text=False, similarity=0.1)


def test_a_similar_text_of_the_same_subject_and_place_is_close_whoever_applied():
    close = domain.closeness(filed(), earlier(national_id="10000000078"), 0.62)
    assert close == domain.Closeness(same_applicant=False, similar_text=True, similarity=0.62)
    both = domain.closeness(filed(), earlier(), 0.9)
    assert both is not None and both.same_applicant and both.similar_text
    # Anonymous applications have no applicant to match, but their texts are compared.
    anonymous = domain.closeness(filed(national_id=None), earlier(national_id=None), 0.7)
    assert anonymous == domain.Closeness(same_applicant=False, similar_text=True, similarity=0.7)


@pytest.mark.parametrize(
    ("new", "other", "similarity"),
    [
        (filed(national_id=None), earlier(national_id=None), domain.SIMILAR_TEXT_AT_LEAST - 0.01),  # not alike
        (filed(), earlier(national_id="10000000078", subject="health"), 0.9),  # another subject
        (filed(), earlier(national_id="10000000078", province="34", district="Kadıköy"), 0.9),  # another province
        (filed(), earlier(national_id="10000000078", district="Mamak"), 0.9),  # another district
        (filed(), earlier(status="answered"), 0.9),  # the other is no longer open
        (filed(status="closed"), earlier(), 0.9),  # nor the new one
        (filed(), filed("a", FILED_AT - domain.DUPLICATE_WINDOW - timedelta(seconds=1)), 0.9),  # not recent
        (filed(), filed("b"), 1.0),  # itself
    ],
)
def test_what_is_not_close(new, other, similarity):
    assert domain.closeness(new, other, similarity) is None


def test_the_window_and_the_threshold_are_inclusive():
    at_the_edge = filed("a", FILED_AT - domain.DUPLICATE_WINDOW, national_id=None)
    assert domain.closeness(filed(), at_the_edge, domain.SIMILAR_TEXT_AT_LEAST) is not None


def test_a_missing_district_matches_any_of_the_province_and_no_province_means_the_named_institution():
    assert domain.same_place(filed(district=None), earlier(district="Mamak"))
    assert domain.same_place(filed(district="ÇANKAYA"), earlier(district="Çankaya"))
    ministry = {"province": None, "district": None, "target_institution": "MIN-SAGLIK"}
    assert domain.same_place(filed(**ministry), earlier(**ministry))
    assert not domain.same_place(filed(**ministry), earlier(**{**ministry, "target_institution": "MIN-MEB"}))
    assert not domain.same_place(filed(**ministry), earlier())
    nowhere = {"province": None, "district": None, "target_institution": None}
    assert not domain.same_place(filed(**nowhere), earlier(**nowhere))


def test_each_pair_is_decided_by_the_check_of_one_of_the_two_whichever_runs_first():
    first, second = earlier(), filed()
    # The later one's check decides; the earlier one's does not, unless the later was checked first.
    assert domain.decides_pair(second, first)
    assert not domain.decides_pair(first, second)
    assert domain.decides_pair(first, filed(checked=True))
    # Received at the very same instant: their ids order them.
    twin_a, twin_b = filed("a"), filed("b")
    assert domain.decides_pair(twin_b, twin_a) and not domain.decides_pair(twin_a, twin_b)
    assert domain.ordered_pair(first, second) == (second, first) == domain.ordered_pair(second, first)


def test_the_closest_few_are_kept_the_same_applicant_first():
    found = [
        (filed(f"k{i:02d}", FILED_AT - timedelta(hours=i)), domain.Closeness(False, True, 0.5 + i / 100))
        for i in range(domain.DUPLICATES_AT_MOST + 5)
    ]
    mine = (filed("mine"), domain.Closeness(True, False, 0.05))
    kept = domain.closest([*found, mine])
    assert len(kept) == domain.DUPLICATES_AT_MOST
    assert kept[0] == mine
    assert [close.similarity for _, close in kept[1:]] == sorted((c.similarity for _, c in kept[1:]), reverse=True)


def _officer(institution, *roles):
    from cimer_common.tokens import Principal

    return Principal(user_id="u", username="u", institution=institution, roles=frozenset(roles), session_id="s")


def _side(holder, confidential=False):
    from cimer_common.access import ApplicationScope

    return domain.Side(ApplicationScope(holder, frozenset({holder}), frozenset({"GOV-06"})), confidential)


def test_an_officer_is_shown_only_what_they_may_read():
    officer = _officer("GOV-06", "officer")
    assert domain.shown_reason(officer, _side("GOV-06"), _side("GOV-06"), True, False) == domain.SAME_APPLICANT
    assert domain.shown_reason(officer, _side("GOV-06"), _side("GOV-06"), False, True) == domain.SIMILAR_TEXT
    # Held elsewhere and never here: as if it did not exist.
    assert domain.shown_reason(officer, _side("GOV-06"), _side("PD-06-SAGLIK"), True, True) is None
    coordinator = _officer("GOV-06", "coordinator")
    assert domain.shown_reason(coordinator, _side("GOV-06"), _side("PD-06-SAGLIK"), True, False) is not None


def test_the_same_applicant_of_a_confidential_application_is_told_only_to_whoever_may_see_them():
    officer = _officer("GOV-06", "officer")
    presidency = _officer("PRESIDENCY", "coordinator")
    for this, other in ((_side("GOV-06", True), _side("GOV-06")), (_side("GOV-06"), _side("GOV-06", True))):
        # The handling institution would learn who its confidential complainant is: not told.
        assert domain.shown_reason(officer, this, other, True, False) is None
        assert domain.shown_reason(officer, this, other, True, True) == domain.SIMILAR_TEXT
        assert domain.shown_reason(presidency, this, other, True, False) == domain.SAME_APPLICANT


def test_linking_and_unlinking():
    assert domain.link_change(domain.FLAGGED, True) == domain.LINKED
    assert domain.link_change(domain.FLAGGED, False) == domain.UNLINKED
    assert domain.link_change(domain.LINKED, False) == domain.UNLINKED
    assert domain.link_change(domain.UNLINKED, True) == domain.LINKED
    assert domain.link_change(domain.LINKED, True) is None
    with pytest.raises(DomainError) as refused:
        domain.link_change(domain.FLAGGED, "yes")
    assert (refused.value.code, refused.value.field) == ("invalid_request", "linked")


def test_duplicates_are_listed_linked_first_then_flagged_then_dismissed():
    items = [
        {"tracking_number": "3", "reason": "similar_text", "similarity": 0.9, "state": "unlinked"},
        {"tracking_number": "2", "reason": "similar_text", "similarity": 0.7, "state": "flagged"},
        {"tracking_number": "4", "reason": "same_applicant", "similarity": 0.1, "state": "flagged"},
        {"tracking_number": "1", "reason": "similar_text", "similarity": 0.6, "state": "linked"},
    ]
    assert [i["tracking_number"] for i in sorted(items, key=domain.duplicates_order)] == ["1", "4", "2", "3"]


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Sayın Ayşe Yılmaz, talebiniz karşılanmıştır.", True),
        ("SAYIN AYŞE YILMAZ", True),
        ("Sayın Yılmaz, talebiniz karşılanmıştır.", True),  # the surname alone
        ("2600 0000 0018 sayılı başvurunuz cevaplanmıştır.", True),  # the number, however written
        ("Sayın başvuru sahibi, talebiniz karşılanmıştır.", False),
        ("Yolunuz 12.12.2026 tarihinde onarılacaktır.", False),
    ],
)
def test_a_text_that_names_its_own_application_is_recognised(text, named):
    assert domain.names_the_applicant(text, "260000000018", "Ayşe", "Yılmaz") is named


def test_an_anonymous_application_is_named_only_by_its_number():
    assert not domain.names_the_applicant("Sayın başvuru sahibi", "260000000018", None, None)
    assert domain.names_the_applicant("260000000018 numaralı", "260000000018", None, None)
