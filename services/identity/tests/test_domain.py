"""Unit tests of identity's rules: no broker, no database."""

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from cimer_common import access
from cimer_common.errors import InvalidRequest
from identity import domain

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

# --- Roles -----------------------------------------------------------------------------------------------------


def test_the_roles_are_those_of_the_specification():
    assert list(domain.ROLES) == ["call_centre", "bureau", "officer", "coordinator", "board", "admin"]


def test_the_roles_are_the_access_rules_own_list():
    assert domain.ROLES is access.ROLES


def test_roles_come_back_once_each_in_a_fixed_order():
    assert domain.check_roles(["coordinator", "officer", "coordinator"]) == ["officer", "coordinator"]


def test_a_generator_of_roles_is_accepted():
    assert domain.check_roles(role for role in ("admin",)) == ["admin"]


@pytest.mark.parametrize(
    ("roles", "code"),
    [
        ([], "roles_required"),
        (["superuser"], "unknown_role"),
        (["officer", "Officer"], "unknown_role"),
        (["officer", ""], "unknown_role"),
    ],
)
def test_a_bad_role_list_is_refused(roles, code):
    with pytest.raises(InvalidRequest) as caught:
        domain.check_roles(roles)
    assert (caught.value.code, caught.value.field) == (code, "roles")


# --- Usernames and passwords -----------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["gov-06", "dg-06-cankaya", "a.b_c", "abc", "x" * 64, "12345678901234"])
def test_good_usernames(username):
    assert domain.check_username(username) == username


@pytest.mark.parametrize(
    "username", ["ab", "x" * 65, "Gov-06", "-gov", "gov 06", "gövde", "", None, 42, "10000000146", "tc10000000146"]
)
def test_bad_usernames_and_anything_like_a_national_id(username):
    with pytest.raises(InvalidRequest) as caught:
        domain.check_username(username)
    assert (caught.value.code, caught.value.field) == ("invalid_username", "username")


@pytest.mark.parametrize(
    ("password", "code"),
    [("short", "password_too_short"), ("x" * 11, "password_too_short"), ("x" * 257, "password_too_long")],
)
def test_bad_passwords(password, code):
    with pytest.raises(InvalidRequest) as caught:
        domain.check_password(password)
    assert caught.value.code == code


def test_a_password_of_twelve_to_256_characters_is_accepted():
    assert domain.check_password("x" * 12) and domain.check_password("x" * 256)


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("gov-06@valilik.gov.tr", "gov-06@valilik.gov.tr"),
        ("  a@b  ", "a@b"),
        ("x" * 310 + "@gov.tr.xx", "x" * 310 + "@gov.tr.xx"),
        ("", None),
        ("   ", None),
    ],
)
def test_good_emails_and_none(email, expected):
    assert domain.check_email(email) == expected


@pytest.mark.parametrize(
    "email",
    ["gov-06", "@gov.tr", "gov-06@", "a@b@c", "x" * 311 + "@gov.tr.xx", "a b@c", "a@b\r\nBcc: x@y", None, 42, ["a@b"]],
)
def test_bad_emails(email):
    with pytest.raises(InvalidRequest) as caught:
        domain.check_email(email)
    assert (caught.value.code, caught.value.field) == ("invalid_email", "email")


def test_a_username_is_folded_and_a_national_id_typed_into_it_is_masked():
    assert domain.fold_username("  GOV-06 ") == "gov-06"
    assert domain.fold_username("10000000146") == "10*******46"
    assert domain.fold_username("a\x00b" + "c" * 100) == "ab" + "c" * 62


# --- The login throttle ----------------------------------------------------------------------------------------


def ago(*minutes):
    return [NOW - timedelta(minutes=m) for m in minutes]


def test_fewer_failures_than_the_limit_do_not_throttle():
    assert domain.retry_after(ago(1, 2, 3, 4), 5, NOW) is None


def test_the_limit_reached_waits_until_the_oldest_leaves_the_window():
    # Failures 14, 10, 5, 2 and 1 minutes ago: the one of 14 minutes ago leaves the 15-minute window in 60 s.
    assert domain.retry_after(ago(1, 2, 5, 10, 14), 5, NOW) == 60


def test_failures_outside_the_window_do_not_count():
    assert domain.retry_after(ago(1, 2, 3, 4, 15, 16, 60), 5, NOW) is None


def test_with_more_failures_than_the_limit_one_more_attempt_waits_for_the_limit_th_most_recent():
    # Six inside the window: the attempt is allowed again once only four remain, when the 10-minute one leaves.
    assert domain.retry_after(ago(1, 2, 3, 4, 10, 14), 5, NOW) == 5 * 60


def test_the_wait_is_whole_seconds_rounded_up_and_never_zero():
    almost_gone = NOW - domain.LOGIN_WINDOW + timedelta(milliseconds=1)
    assert domain.retry_after([almost_gone] * 5, 5, NOW) == 1
    assert domain.retry_after([NOW - timedelta(minutes=10, seconds=0.5)] * 5, 5, NOW) == 300


def test_a_failure_stamped_by_a_clock_slightly_ahead_still_counts():
    assert domain.retry_after([NOW + timedelta(seconds=2)] * 5, 5, NOW) == 15 * 60 + 2


def test_the_policy_numbers():
    assert (domain.MAX_FAILURES_PER_USERNAME, domain.MAX_FAILURES_PER_ADDRESS) == (5, 20)
    assert timedelta(minutes=15) == domain.LOGIN_WINDOW


def test_the_login_throttle_combines_username_and_address_and_waits_for_the_longer():
    half_minutes = [m / 2 for m in range(20)]  # twenty failures, the oldest 9.5 minutes ago
    assert domain.login_retry_after(ago(1, 2, 3, 4), ago(*half_minutes[:19]), NOW) is None
    assert domain.login_retry_after(ago(1, 2, 3, 4, 10), [], NOW) == 5 * 60
    assert domain.login_retry_after([], ago(*half_minutes), NOW) == 5 * 60 + 30
    assert domain.login_retry_after(ago(1, 2, 3, 4, 10), ago(*[14] * 20), NOW) == 5 * 60
    assert domain.login_retry_after(ago(1, 2, 3, 4, 14), ago(*[5] * 20), NOW) == 10 * 60


# --- Sessions --------------------------------------------------------------------------------------------------


def test_refresh_tokens_are_random_and_kept_only_as_a_sha256():
    first, second = domain.new_refresh_token(), domain.new_refresh_token()
    assert first != second and len(first) >= 43
    assert domain.hash_refresh_token(first) == domain.hash_refresh_token(first)
    assert len(domain.hash_refresh_token(first)) == 64 and first not in domain.hash_refresh_token(first)


def test_a_session_lasts_twelve_hours_and_its_tokens_fifteen_minutes_beyond():
    assert domain.session_expires_at(NOW) == NOW + timedelta(hours=12)
    assert domain.revoked_until(NOW) == NOW + timedelta(minutes=15)
    assert domain.may_still_have_tokens(NOW - timedelta(minutes=14), NOW)
    assert not domain.may_still_have_tokens(NOW - timedelta(minutes=15), NOW)
    assert domain.seconds_left(NOW + timedelta(hours=12), NOW) == 43200
    assert domain.seconds_left(NOW - timedelta(seconds=1), NOW) == 0


# --- The audit chain -------------------------------------------------------------------------------------------


def entry(n, **overrides):
    fields = {
        "at": NOW + timedelta(seconds=n),
        "action": "read_personal_data",
        "actor_user_id": "u-1",
        "actor_username": "gov-06",
        "actor_institution": "GOV-06",
        "target": f"26000000{n:03d}0",
        "client_address": "10.0.0.1",
        "salt": "5a" * 16,  # the same entry, the same hash; `salt=None` for a fresh one
    }
    return domain.audit_entry(**{**fields, **overrides})


def chain(entries):
    records, previous = [], domain.GENESIS_HASH
    for i, e in enumerate(entries, start=1):
        digest = domain.audit_hash(previous, e)
        records.append(domain.AuditRecord(id=i, previous_hash=previous, hash=digest, entry=e))
        previous = digest
    return records


def test_the_hash_covers_the_previous_hash_and_every_field():
    e = entry(1)
    assert domain.audit_hash(domain.GENESIS_HASH, e) == domain.audit_hash(domain.GENESIS_HASH, entry(1))
    assert domain.audit_hash(domain.GENESIS_HASH, e) != domain.audit_hash("1" * 64, e)
    for field, value in [
        ("at", NOW),
        ("action", "forward"),
        ("outcome", "refused"),
        ("actor_user_id", None),
        ("actor_username", "gov-34"),
        ("actor_institution", "GOV-34"),
        ("target", "x"),
        ("client_address_seal", None),
        ("event_id", "5f0c6f86-2a33-4f7c-9a63-5a1c1b3fbb1e"),
    ]:
        assert domain.audit_hash(domain.GENESIS_HASH, replace(e, **{field: value})) != domain.audit_hash(
            domain.GENESIS_HASH, e
        ), field


def test_the_client_address_is_covered_through_its_salted_seal_so_it_can_be_erased():
    e = entry(1, salt=None)
    assert e.client_address == "10.0.0.1" and len(e.client_address_salt) == 32
    assert e.client_address_seal == domain.seal_address("10.0.0.1", e.client_address_salt)
    assert entry(1, salt=None).client_address_seal != e.client_address_seal  # a fresh salt each time
    assert "10.0.0.1" not in domain.canonical_json(e) and e.client_address_salt not in domain.canonical_json(e)
    erased = replace(e, client_address=None, client_address_salt=None)
    assert domain.audit_hash(domain.GENESIS_HASH, erased) == domain.audit_hash(domain.GENESIS_HASH, e)
    records = chain([entry(0), e, entry(2)])
    records[1] = replace(records[1], entry=erased)
    assert domain.verify_chain(records).intact
    records[1] = replace(records[1], entry=replace(e, client_address="10.0.0.2"))
    check = domain.verify_chain(records)
    assert (check.broken_at, check.problem) == (2, "client address does not match its seal")
    assert domain.audit_entry(at=NOW, action="x").client_address_seal is None


def test_the_canonical_form_is_sorted_json_with_utc_iso_time_whatever_the_zone():
    istanbul = timezone(timedelta(hours=3))
    e = entry(0, at=datetime(2026, 11, 27, 15, 0, tzinfo=istanbul))
    text = domain.canonical_json(e)
    assert '"at":"2026-11-27T12:00:00.000000+00:00"' in text
    assert text.index('"action"') < text.index('"actor_user_id"') < text.index('"at"') < text.index('"target"')
    assert domain.audit_hash("", e) == domain.audit_hash("", replace(e, at=NOW))


def test_an_entry_never_holds_a_national_id_and_fits_its_columns():
    e = domain.audit_entry(at=NOW, action="login_failed", target="10000000146", outcome="invalid_credentials")
    assert e.target == "10*******46"
    assert len(domain.audit_entry(at=NOW, action="x", target="t" * 1000).target) == 255


def test_an_intact_chain_verifies():
    check = domain.verify_chain(chain([entry(n) for n in range(5)]))
    assert check.intact and check.count == 5 and check.head == chain([entry(n) for n in range(5)])[-1].hash


def test_an_empty_chain_verifies():
    check = domain.verify_chain([])
    assert check.intact and check.count == 0 and check.head == domain.GENESIS_HASH


def test_a_changed_record_is_named():
    records = chain([entry(n) for n in range(5)])
    records[2] = replace(records[2], entry=replace(records[2].entry, target="260000009990"))
    check = domain.verify_chain(records)
    assert not check.intact and check.broken_at == 3 and "hash" in (check.problem or "")


def test_a_changed_record_with_a_recomputed_hash_breaks_the_next_link():
    records = chain([entry(n) for n in range(5)])
    forged = replace(records[2].entry, outcome="refused")
    records[2] = replace(records[2], entry=forged, hash=domain.audit_hash(records[2].previous_hash, forged))
    check = domain.verify_chain(records)
    assert check.broken_at == 4 and "previous_hash" in (check.problem or "")


def test_a_deleted_record_breaks_the_link_of_the_next():
    records = chain([entry(n) for n in range(5)])
    del records[1]
    check = domain.verify_chain(records)
    assert not check.intact and check.broken_at == 3


def test_a_deleted_first_record_is_seen():
    records = chain([entry(n) for n in range(3)])[1:]
    assert domain.verify_chain(records).broken_at == 2


def test_an_inserted_record_is_seen_even_when_its_own_hash_is_right():
    records = chain([entry(n) for n in range(4)])
    intruder = entry(99, action="answer")
    inserted = domain.AuditRecord(
        id=25, previous_hash=records[1].hash, hash=domain.audit_hash(records[1].hash, intruder), entry=intruder
    )
    check = domain.verify_chain([*records[:2], inserted, *records[2:]])
    assert not check.intact and check.broken_at == 3  # the record after the intruder no longer links
