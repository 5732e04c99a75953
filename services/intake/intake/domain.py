"""The rules of intake (SPEC section 2), as plain functions: no framework, no database.

What is checked here is what the shape alone cannot say: which kinds a channel may carry, who may stay
anonymous, a valid national ID, a district that lies in the province. Each refusal names a stable code that the
gateway turns into a Turkish (or English) message.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from cryptography.fernet import Fernet
from stdnum.tr import tckimlik

from cimer_common import access, geography
from cimer_common.access import Action
from cimer_common.calendar import TURKEY
from cimer_common.errors import Conflict, Forbidden, InvalidApplication, InvalidRequest, Unauthorized
from cimer_common.logs import mask_national_id
from cimer_common.schemas import ApplicationCreate
from cimer_common.tokens import Principal

ANONYMOUS_PETITION_TYPES = {"complaint", "denunciation"}


def check(application: ApplicationCreate) -> None:
    """Raise `InvalidApplication(code, field)` for the first rule the application breaks."""
    a = application
    if a.kind == "petition" and a.petition_type is None:
        raise InvalidApplication("petition_type_required", "petition_type")
    if a.kind != "petition" and a.petition_type is not None:
        raise InvalidApplication("petition_type_not_allowed", "petition_type")
    if a.kind == "information_request" and a.channel == "phone":
        raise InvalidApplication("information_request_not_by_phone", "channel")
    may_withhold_identity = a.kind == "petition" and a.petition_type in ANONYMOUS_PETITION_TYPES
    if a.applicant is None and not may_withhold_identity:
        raise InvalidApplication("applicant_required", "applicant")
    if a.confidential and not may_withhold_identity:
        raise InvalidApplication("confidential_not_allowed", "confidential")
    if a.confidential and a.applicant is None:
        raise InvalidApplication("confidential_needs_applicant", "applicant")
    if a.applicant is not None and not tckimlik.is_valid(a.applicant.national_id):
        raise InvalidApplication("invalid_national_id", "applicant.national_id")
    if a.kind == "ethics_complaint" and a.official is None:
        raise InvalidApplication("official_required", "official")
    if a.kind != "ethics_complaint" and a.official is not None:
        raise InvalidApplication("official_not_allowed", "official")
    if a.province is not None and a.province not in geography.provinces():
        raise InvalidApplication("unknown_province", "province")
    if a.district is not None:
        if a.province is None:
            raise InvalidApplication("district_needs_province", "district")
        if geography.find_district(a.province, a.district) is None:
            raise InvalidApplication("unknown_district", "district")
    if a.channel == "web" and a.province is None and a.target_institution is None:
        raise InvalidApplication("province_or_institution_required", "province")


def recording_officer_rules(application: ApplicationCreate, principal: Principal | None) -> ApplicationCreate:
    """Who may file through which channel, and what the officer's institution implies (SPEC sections 1 and 4).

    The web is the citizen's own channel. A phone application is recorded by an Alo 150 officer of a governorship,
    for that governorship's province; an in-person one by a bureau officer, for the bureau's own institution.
    Returns the application with the officer's province filled in where the caller left it out.
    """
    if application.channel == "web":
        return application
    if principal is None:
        raise Unauthorized("officer_login_required", "channel")
    if application.channel == "phone":
        access.require(principal, Action.RECORD_PHONE)
        province = principal.institution.removeprefix("GOV-")
        if application.province is None:
            return application.model_copy(update={"province": province})
        if application.province != province:
            raise Forbidden("other_province", "province")
        return application
    access.require(principal, Action.RECORD_IN_PERSON)
    return application


def canonical_district(application: ApplicationCreate) -> str | None:
    if application.province is None or application.district is None:
        return None
    district = geography.find_district(application.province, application.district)
    return district.name if district else None


# --- Tracking numbers and access codes -------------------------------------------------------------------------


def tracking_number(received_at: datetime, sequence: int) -> str:
    """12 digits, easy to read over the phone: 2-digit year, 9-digit sequence, Luhn check digit.

    Twelve, not eleven, so that a tracking number can never be mistaken for a national ID.
    """
    body = f"{received_at.astimezone(TURKEY).year % 100:02d}{sequence % 10**9:09d}"
    return body + _luhn_digit(body)


def _luhn_digit(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def normalise_tracking_number(text: str) -> str | None:
    """Accept `26 000 000 123 4`, `26-000000123-4`; None when it cannot be a tracking number."""
    digits = "".join(ch for ch in text if ch.isdigit())
    if len(digits) != 12 or len(digits) != len(text.replace(" ", "").replace("-", "")):
        return None
    return digits if _luhn_digit(digits[:-1]) == digits[-1] else None


ACCESS_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over Alo 150 without doubt
ACCESS_CODE_LENGTH = 8


def new_access_code() -> str:
    return "".join(secrets.choice(ACCESS_CODE_ALPHABET) for _ in range(ACCESS_CODE_LENGTH))


def hash_access_code(pepper: str, tracking: str, code: str) -> str:
    """Keyed, so that a stolen copy of the database alone cannot be used to test guesses offline."""
    message = f"{tracking}:{code.strip().upper()}".encode()
    return hmac.new(pepper.encode(), message, hashlib.sha256).hexdigest()


def access_code_matches(pepper: str, tracking: str, code: str, stored_hash: str) -> bool:
    return hmac.compare_digest(hash_access_code(pepper, tracking, code), stored_hash)


# The longest a sealed code waits for its receipt: notification tries a receipt for about a quarter of an hour
# before it gives up (and says so); a day covers that many times over, and a notification service held back for
# hours. The applicant was shown the code when they filed; the receipt repeats it.
SEALED_AT_MOST = timedelta(hours=24)
# What an application's texts read once its personal data is erased (`handlers.erase_personal_data`).
ERASED_TEXT = "[Saklama süresi dolduğu için silindi. / Erased: the retention period is over.]"


def can_be_told(request: ApplicationCreate) -> bool:
    """Whether any notice, the receipt first, can reach the applicant: not anonymous, and an e-mail address or a
    phone number given. Only then is the access code sealed for the receipt."""
    return request.applicant is not None and bool(request.applicant.email or request.applicant.phone)


def seal_access_code(key: str, code: str) -> str:
    """The code, encrypted and authenticated (Fernet) with `ACCESS_CODE_SEAL_KEY`, kept only until the receipt
    that carries it is done with (delivered or given up), and never longer than `SEALED_AT_MOST`."""
    return Fernet(key.encode()).encrypt(code.encode()).decode()


def unseal_access_code(key: str, sealed: str) -> str:
    """The code back; `cryptography.fernet.InvalidToken` for another key or a token that was changed."""
    return Fernet(key.encode()).decrypt(sealed.encode()).decode()


# --- The public status throttle ------------------------------------------------------------------------------

STATUS_LOOKUP_WINDOW = timedelta(minutes=10)
MAX_STATUS_LOOKUP_FAILURES = 20  # per client address (per /64 for IPv6), within the window
# Per tracking number, within the window: guesses at one application spread over many addresses. Fewer than an
# address may make, more than an applicant mistyping their own code does; at worst someone guessing at a number
# holds its status page for the window, while its applicant is still told everything by mail and SMS.
MAX_STATUS_LOOKUP_FAILURES_PER_NUMBER = 10


def throttle_retry_after(
    counted: Sequence[datetime],
    now: datetime,
    limit: int = MAX_STATUS_LOOKUP_FAILURES,
    window: timedelta = STATUS_LOOKUP_WINDOW,
) -> int | None:
    """Every throttle's rule (failed status look-ups, web filings): None when fewer than `limit` of the times
    `counted` for one key lie in the window that ends at `now` (one stamped a little after `now`, by a replica
    whose clock runs ahead, counts); otherwise the whole seconds (at least 1) until enough have left it for one
    more: the `limit`-th most recent must leave."""
    recent = sorted((at for at in counted if at > now - window), reverse=True)
    if len(recent) < limit:
        return None
    leaves_at = recent[limit - 1] + window
    return max(1, math.ceil((leaves_at - now).total_seconds()))


def clean_client_address(address: str | None) -> str | None:
    """What the throttle keys on: an IPv4 address as it is, an IPv6 address as its /64 (one subscriber's network:
    anyone given an IPv6 line may use every address of it), anything else trimmed to 64 characters; None (no
    throttle) when the caller gave none."""
    if address is None:
        return None
    address = address.strip()[:64]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


# --- Limits on web filings ----------------------------------------------------------------------------------------
# A receipt goes to whatever address or number a filing gives, so without a limit anyone could flood someone's
# mailbox or phone through CİMER, or script thousands of filings from one machine. Officers' filings (phone, in
# person) are not limited: they file for many citizens. The address's limit is generous, because thousands of
# mobile subscribers may share one IPv4 address behind their operator's NAT.


FILING_MARKS_KEPT = timedelta(days=1)  # the longest window of `filing_limits`: older marks count for nothing


@dataclass(frozen=True)
class FilingLimit:
    kind: str  # "address", "email", "phone"
    most: int
    window: timedelta


@cache  # asked on every web filing with the service's two settings: built once
def filing_limits(per_address: int, per_contact: int) -> dict[str, FilingLimit]:
    """The limits by kind of key: `per_address` web filings an hour from one address (an IPv6 /64),
    `per_contact` a day to one e-mail address or phone number."""
    return {
        "address": FilingLimit("address", per_address, timedelta(hours=1)),
        "email": FilingLimit("email", per_contact, FILING_MARKS_KEPT),
        "phone": FilingLimit("phone", per_contact, FILING_MARKS_KEPT),
    }


def filing_keys(request: ApplicationCreate, client_address: str | None) -> list[tuple[str, str]]:
    """What a web filing is counted by: `(kind, value)`, each value in one canonical form (an address as the
    status throttle keys it, an e-mail address in lower case, a phone number's digits), so that one target is
    one key however it is written. Nothing for an officer's filing."""
    if request.channel != "web":
        return []
    keys = []
    address = clean_client_address(client_address)
    if address is not None:
        keys.append(("address", address))
    if request.applicant is not None:
        if request.applicant.email:
            keys.append(("email", request.applicant.email.strip().lower()))
        phone = national_phone(request.applicant.phone or "")
        if phone:
            keys.append(("phone", phone))
    return keys


def national_phone(phone: str) -> str:
    """A phone number's digits as Turkey dials them without its prefixes: `+90 555 111 22 33`, `0555 111 22 33`
    and `5551112233` are one number (a foreign one keeps its country code); empty when it has no digits."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) == 12 and digits.startswith("90"):
        return digits[2:]
    if len(digits) == 11 and digits.startswith("0"):
        return digits[1:]
    return digits


def filing_key_hash(pepper: str, kind: str, value: str) -> str:
    """How a key is stored: keyed with the pepper, so the marks name no address or contact by themselves."""
    return hmac.new(pepper.encode(), f"filing:{kind}:{value}".encode(), hashlib.sha256).hexdigest()


def filing_retry_after(
    marks: dict[str, Sequence[datetime]], kinds: dict[str, str], limits: dict[str, FilingLimit], now: datetime
) -> int | None:
    """None when every key (`marks`: its recent filings, by key hash; `kinds`: each hash's kind) is under its
    limit; otherwise the seconds until the last of them to free up allows one more."""
    return longest_wait(
        throttle_retry_after(at, now, limits[kinds[key]].most, limits[kinds[key]].window) for key, at in marks.items()
    )


def longest_wait(waits: Iterable[int | None]) -> int | None:
    """Of several throttles' answers (`throttle_retry_after`: None, or seconds to wait), the one that frees last;
    None when none holds the caller back."""
    return max((wait for wait in waits if wait is not None), default=None)


# --- The inbox ---------------------------------------------------------------------------------------------------

KINDS = ("information_request", "petition", "ethics_complaint", "human_rights")


def check_inbox_filters(kind: object, overdue: object) -> None:
    if kind is not None and kind not in KINDS:
        raise InvalidRequest("invalid_request", "kind")
    if overdue is not None and not isinstance(overdue, bool):
        raise InvalidRequest("invalid_request", "overdue")


# --- What an officer is shown -------------------------------------------------------------------------------------


def applicant_view(
    applicant: dict[str, str | None] | None, confidential: bool, principal: Principal, scope: access.ApplicationScope
) -> dict[str, str | bool | None] | None:
    """The applicant as this officer may see them: nobody for an anonymous application; only the fact of
    confidentiality for a confidential one outside the Presidency; the national ID masked unless the role needs it."""
    if applicant is None:
        return None
    if confidential and not access.allowed(principal, Action.SEE_CONFIDENTIAL_APPLICANT, scope):
        return {"confidential": True}
    shown: dict[str, str | bool | None] = {**applicant, "confidential": confidential}
    national_id = applicant.get("national_id")
    if national_id and not access.allowed(principal, Action.SEE_NATIONAL_ID, scope):
        shown["national_id"] = mask_national_id(national_id)
    return shown


# --- A coordinator's overview -------------------------------------------------------------------------------------


def overview(counts: Iterable[tuple[str, int, int]]) -> dict[str, Any]:
    """The coordinator's subtree now, from (holder, open, overdue) per institution: each institution that holds
    open applications, the most overdue first, then the most open, then by code; and the totals."""
    rows = sorted(
        ((code, open_, overdue) for code, open_, overdue in counts if open_ > 0),
        key=lambda row: (-row[2], -row[1], row[0]),
    )
    return {
        "open": sum(open_ for _, open_, _ in rows),
        "overdue": sum(overdue for _, _, overdue in rows),
        "items": [{"institution": code, "open": open_, "overdue": overdue} for code, open_, overdue in rows],
    }


# --- The applicant's rating of the answer (SPEC section 12) ---------------------------------------------------------

COMMENT_MAX = 2_000


def check_feedback(
    answered_at: datetime | None, rated_at: datetime | None, rating: object, solved: object, comment: object
) -> tuple[int, bool, str | None]:
    """A rating of the answer: once, after the answer; 1 to 5 (a bool is not a number here), solved or not, and
    an optional comment."""
    if answered_at is None:
        raise Conflict("feedback_not_allowed")
    if rated_at is not None:
        raise Conflict("already_rated")
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        raise InvalidRequest("invalid_rating", "rating")
    if not isinstance(solved, bool):
        raise InvalidRequest("invalid_solved", "solved")
    if comment is not None and not isinstance(comment, str):
        raise InvalidRequest("comment_too_long", "comment")
    stripped = comment.strip() if comment else ""
    if len(stripped) > COMMENT_MAX:
        raise InvalidRequest("comment_too_long", "comment")
    return rating, solved, stripped or None


# --- Attachments (SPEC section 12) -----------------------------------------------------------------------------------

ATTACHMENTS_AT_MOST = 5  # with the application, and as many with the answer
ATTACHMENT_BYTES_AT_MOST = 10 * 1024 * 1024
FILENAME_AT_MOST = 200
# What a file is, read from its first bytes, never from its name or the type its sender declared: the extension
# the type gives it.
ATTACHMENT_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
# What an answer's mail carries of its files, in all: mail servers commonly refuse more than 25 MB, and base64
# makes a file a third larger. The rest stay on the status page.
ANSWER_MAIL_BYTES = 10 * 1024 * 1024
APPLICANT = "applicant"
INSTITUTION = "institution"  # the holder's officers: the files go with its answer


def sniff(content: bytes) -> tuple[str, str] | None:
    """The content type and extension of a PDF, PNG or JPEG, by its signature; None for anything else."""
    for signature, content_type, extension in ATTACHMENT_TYPES:
        if content.startswith(signature):
            return content_type, extension
    return None


def attachment_filename(filename: object, extension: str) -> str:
    """A name safe to store and to send back: its last path part, printable characters only, at most
    `FILENAME_AT_MOST` characters, ending in the extension its content calls for."""
    name = filename if isinstance(filename, str) else ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '"<>|:*?').strip(" .")
    stem = name.rsplit(".", 1)[0] if "." in name else name  # whatever it called itself, its content names it
    stem = stem[: FILENAME_AT_MOST - len(extension)] or "ek"
    return stem + extension


def check_attachment(content: bytes, filename: object, already: int, open_for_it: bool) -> tuple[str, str]:
    """(content type, stored name) of a file that may be attached now: the application (or its answer) still open
    to it, fewer than `ATTACHMENTS_AT_MOST` there already, not empty, at most `ATTACHMENT_BYTES_AT_MOST`, and a
    PDF, PNG or JPEG by its content."""
    if not open_for_it:
        raise Conflict("attachments_closed")
    if already >= ATTACHMENTS_AT_MOST:
        raise Conflict("too_many_attachments")
    if not content:
        raise InvalidRequest("attachment_empty", "file")
    if len(content) > ATTACHMENT_BYTES_AT_MOST:
        raise InvalidRequest("attachment_too_large", "file")
    kind = sniff(content)
    if kind is None:
        raise InvalidRequest("attachment_type_not_allowed", "file")
    return kind[0], attachment_filename(filename, kind[1])


# --- Duplicates (SPEC section 12) ------------------------------------------------------------------------------------
# A new application close to a recent open one (the same applicant, or the same subject and place with a similar
# text) is flagged to the officers who may read both; they link the pair, or dismiss it (`unlinked`), and a linked
# pair held by one institution may be answered together. Found off the filing's hot path, by a timer's scan
# (`handlers.find_duplicates`); what counts is decided here.

# An open application counts as recent within this many days of the new one.
DUPLICATE_WINDOW = timedelta(days=30)
# pg_trgm's similarity (shared trigrams over all trigrams) of the two texts, title and body, from which they tell
# the same matter again: a retelling with other words scores about 0.6-0.7, two matters of one subject under 0.15.
SIMILAR_TEXT_AT_LEAST = 0.5
OPEN_STATUSES = ("received", "assigned")
# Bounds on the scan's work whatever a flood of identical applications brings: the closest few are flagged per
# application, among the most recent candidates of its applicant, and of its subject and place.
DUPLICATES_AT_MOST = 10
DUPLICATE_CANDIDATES_AT_MOST = 300
# Small batches each second rather than large ones every few seconds: a batch's comparisons are a burst of work in
# PostgreSQL that filings then wait behind (`make bench`: the POST's p99 under a steady load).
DUPLICATE_BATCH = 25  # applications checked in one transaction
DUPLICATE_BATCHES_PER_RUN = 5  # at most, each run of the timer: what is left waits for the next
# An application still `received` is being assigned by routing (milliseconds): the scan leaves it until then, so
# it never holds the row the assignment updates; after this long it is checked however it stands.
ASSIGNMENT_SETTLES = timedelta(minutes=1)
SAME_APPLICANT = "same_applicant"
SIMILAR_TEXT = "similar_text"
FLAGGED, LINKED, UNLINKED = "flagged", "linked", "unlinked"
_STATE_ORDER = {LINKED: 0, FLAGGED: 1, UNLINKED: 2}


@dataclass(frozen=True)
class Filed:
    """What the duplicate rules compare of an application."""

    key: str  # its id as text: orders two applications received at the same instant
    received_at: datetime
    status: str
    subject: str
    province: str | None
    district: str | None
    target_institution: str | None
    national_id: str | None  # None: anonymous
    checked: bool = False  # its own check for duplicates is done


@dataclass(frozen=True)
class Closeness:
    same_applicant: bool
    similar_text: bool
    similarity: float  # of the texts, whatever the reason


def is_open(status: str) -> bool:
    return status in OPEN_STATUSES


def decides_pair(new: Filed, other: Filed) -> bool:
    """Whether the check of `new` decides its pair with `other`: `other` came first, or was checked first (it came
    later, or was not yet stored when `new` was checked, and did not see `new` then). Each pair is thus decided by
    the check of one of its two, whichever order the checks run in."""
    if new.key == other.key:
        return False
    return (other.received_at, other.key) < (new.received_at, new.key) or other.checked


def same_place(a: Filed, b: Filed) -> bool:
    """The same province, and the same district when both name one; an application naming no province (one to a
    ministry or central body) is in the place of the institution it names."""
    if a.province is None or b.province is None:
        return (
            a.province is None
            and b.province is None
            and a.target_institution is not None
            and (a.target_institution == b.target_institution)
        )
    if a.province != b.province:
        return False
    return a.district is None or b.district is None or a.district.casefold() == b.district.casefold()


def closeness(new: Filed, other: Filed, similarity: float) -> Closeness | None:
    """Why `new` is close to `other` (`similarity`: of their texts, by pg_trgm), or None: both open, within the
    window of each other, the pair decided by this check, and the same applicant (never an anonymous one), or the
    same subject and place with texts at least `SIMILAR_TEXT_AT_LEAST` alike."""
    if not (is_open(new.status) and is_open(other.status) and decides_pair(new, other)):
        return None
    if abs(new.received_at - other.received_at) > DUPLICATE_WINDOW:
        return None
    same_applicant = new.national_id is not None and new.national_id == other.national_id
    similar_text = new.subject == other.subject and same_place(new, other) and similarity >= SIMILAR_TEXT_AT_LEAST
    if not (same_applicant or similar_text):
        return None
    return Closeness(same_applicant, similar_text, round(max(0.0, min(1.0, similarity)), 3))


def closest(found: Iterable[tuple[Filed, Closeness]]) -> list[tuple[Filed, Closeness]]:
    """The few flagged of what a check found: the same applicant first, then the most alike, then the newest."""
    ranked = sorted(
        found, key=lambda pair: (not pair[1].same_applicant, -pair[1].similarity, -pair[0].received_at.timestamp())
    )
    return ranked[:DUPLICATES_AT_MOST]


def ordered_pair(a: Filed, b: Filed) -> tuple[Filed, Filed]:
    """(the later, the earlier) of two: how a pair is stored, once, whichever of the two found it."""
    return (a, b) if (a.received_at, a.key) > (b.received_at, b.key) else (b, a)


@dataclass(frozen=True)
class Side:
    """One application of a flagged pair, as far as showing the pair to an officer is concerned."""

    scope: access.ApplicationScope
    confidential: bool


def shown_reason(principal: Principal, this: Side, other: Side, same_applicant: bool, similar_text: bool) -> str | None:
    """Why the officer reading `this` is shown `other` as close to it, or None when it is not shown at all.

    Never an application they may not read: out of reach is as if it did not exist (SPEC section 7). The same
    applicant is a fact about who applied: for a confidential application it would tell the handling institution
    that its complainant is the applicant of the other one, so it is given only to whoever may see each
    confidential applicant of the pair (the Presidency's CİMER staff, SPEC section 2); to anyone else the pair is
    shown for its similar text, if its text is similar, else not at all."""
    if not access.allowed(principal, Action.READ_APPLICATION, other.scope):
        return None
    may_see_applicants = all(
        not side.confidential or access.allowed(principal, Action.SEE_CONFIDENTIAL_APPLICANT, side.scope)
        for side in (this, other)
    )
    if same_applicant and may_see_applicants:
        return SAME_APPLICANT
    return SIMILAR_TEXT if similar_text else None


def duplicates_order(item: dict[str, Any]) -> tuple[int, bool, float, str]:
    """How an application's duplicates are listed: linked, then flagged, then dismissed; the same applicant first,
    then the most alike."""
    return (
        _STATE_ORDER.get(item["state"], 3),
        item["reason"] != SAME_APPLICANT,
        -item["similarity"],
        item["tracking_number"],
    )


def link_change(state: str, linked: object) -> str | None:
    """The state an officer's decision (`linked`: link them, or not) puts a pair in; None when it is so already."""
    if not isinstance(linked, bool):
        raise InvalidRequest("invalid_request", "linked")
    wanted = LINKED if linked else UNLINKED
    return None if wanted == state else wanted


# --- One answer for linked duplicates (SPEC section 12) ----------------------------------------------------------


def names_the_applicant(text: str, tracking_number: str, first_name: str | None, last_name: str | None) -> bool:
    """Whether an answer's text names its own application: its tracking number, or its applicant by full name or
    surname (Turkish case and letters folded). Such a text, a template filled in for one application say, must not
    be sent to the applications linked to it, whose applicants are other people."""
    folded = geography.fold(text)
    if "".join(ch for ch in tracking_number if ch.isdigit()) in "".join(ch for ch in text if ch.isdigit()):
        return True
    names = [geography.fold(f"{first_name or ''}{last_name or ''}"), geography.fold(last_name or "")]
    return any(len(name) >= 3 and name in folded for name in names)
