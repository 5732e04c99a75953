"""Interface tests of duplicates at intake (SPEC section 12), through its real entrypoints on RabbitMQ and
PostgreSQL: the scan (the timer's entrypoint, called here) flags a new application close to a recent open one,
by its applicant or by its subject, place and similar text; an officer is shown only the ones they may read, and a
confidential applicant's other applications only to whoever may see them; the holder's officer links and unlinks
a pair, with an audit line; a second scan changes nothing."""

import queue
import uuid
from datetime import UTC, datetime

import pytest
from nameko.testing.services import entrypoint_hook, entrypoint_waiter
from sqlalchemy import select, text

from cimer_common import testing
from cimer_common.errors import Forbidden, InvalidRequest, NotFound
from cimer_common.outbox import consumer_queue
from cimer_common.testing import assigned_event, next_event, publish, service_database, token_for
from intake import domain, handlers
from intake.models import Application, DuplicateLink

pytestmark = pytest.mark.interface

RECEIVED = consumer_queue("intake", "application_received", "routing.handle_application_received").name
AUDIT = consumer_queue("intake", "activity_recorded", "identity.handle_activity_recorded").name

OFFICER_GOV_06 = token_for("gov-06", "GOV-06", "officer")
COORDINATOR_GOV_06 = token_for("gov-06-coord", "GOV-06", "coordinator")
OFFICER_DG_CANKAYA = token_for("dg", "DG-06-CANKAYA", "officer")
OFFICER_GOV_34 = token_for("gov-34", "GOV-34", "officer")
PRESIDENCY = token_for("presidency", "PRESIDENCY", "officer", "coordinator")

AYSE = testing.PETITION["applicant"]  # national ID 10000000146
MEHMET = {"national_id": "10000000078", "first_name": "Mehmet", "last_name": "Kaya", "email": "m@example.org"}
FATMA = {"national_id": "10000000214", "first_name": "Fatma", "last_name": "Demir", "email": "f@example.org"}
ALI = {"national_id": "10000000382", "first_name": "Ali", "last_name": "Çelik", "email": "c@example.org"}
ROAD = {**testing.PETITION, "title": "Yol bozuk", "body": "Mahallemizdeki yol aylardır bozuk, çukurlardan geçilmiyor."}
ROAD_AGAIN = {**ROAD, "body": "Mahallemizdeki yol aylardır bozuk; çukurlar yüzünden araçlar geçemiyor."}
HOSPITAL = {
    **testing.PETITION,
    "subject": "health",
    "title": "Hastane randevusu",
    "body": "Randevu sistemine iki haftadır ulaşamıyorum; yardımınızı rica ederim.",
}


def call(container, method, *args, **kwargs):
    with entrypoint_hook(container, method) as entrypoint:
        return entrypoint(*args, **kwargs)


def file_and_assign(container, amqp_uri, application, institution="GOV-06", coordinators=("GOV-06",)):
    accepted = call(container, "file_application", application)
    received = next_event(amqp_uri, RECEIVED)["payload"]
    with entrypoint_waiter(container, "handle_application_assigned"):
        publish(
            amqp_uri,
            assigned_event(
                received["application_id"], accepted["tracking_number"], institution, coordinators=list(coordinators)
            ),
        )
    return accepted["tracking_number"]


def duplicates(container, token, number):
    return {d["tracking_number"]: d for d in call(container, "get_application", token, number)["duplicates"]}


def audit_lines(amqp_uri, action):
    """The audit lines of `action` intake has sent so far (the others are read and dropped)."""
    found = []
    while True:
        try:
            payload = next_event(amqp_uri, AUDIT, timeout=1)["payload"]
        except queue.Empty:
            return found
        if payload["action"] == action:
            found.append(payload)


def test_near_duplicates_are_flagged_shown_within_reach_linked_and_unlinked(start_service, amqp_uri):
    intake = start_service("intake")
    first = file_and_assign(intake, amqp_uri, {**ROAD, "applicant": AYSE})
    # The same applicant again, in other words: close by applicant, and by text.
    again = file_and_assign(intake, amqp_uri, {**ROAD_AGAIN, "applicant": AYSE})
    # Someone else about the same road: close by text alone.
    neighbour = file_and_assign(intake, amqp_uri, {**ROAD_AGAIN, "applicant": MEHMET})
    # Unrelated: another applicant, subject and text.
    unrelated = file_and_assign(intake, amqp_uri, {**HOSPITAL, "applicant": FATMA})
    # Close by text, but at a district governorship that the governorship's officers never held.
    elsewhere = file_and_assign(intake, amqp_uri, {**ROAD, "applicant": ALI}, "DG-06-CANKAYA", ("GOV-06",))

    call(intake, "find_duplicates")
    with service_database(intake) as session:
        pairs = session.execute(select(DuplicateLink)).scalars().all()
        numbers = dict(session.execute(select(Application.id, Application.tracking_number)).all())
        checked = session.scalars(select(Application.duplicates_checked_at)).all()
        stored = {
            frozenset((numbers[p.application_id], numbers[p.other_id])): (p.same_applicant, p.similar_text, p.state)
            for p in pairs
        }
    assert all(at is not None for at in checked)
    assert stored[frozenset((first, again))] == (True, True, "flagged")
    assert stored[frozenset((first, neighbour))] == (False, True, "flagged")
    assert stored[frozenset((again, neighbour))] == (False, True, "flagged")
    assert stored[frozenset((first, elsewhere))] == (False, True, "flagged")
    assert not [pair for pair in stored if unrelated in pair]

    # The governorship's officer sees the three it holds, each with why, and not the one it never held.
    seen = duplicates(intake, OFFICER_GOV_06, first)
    assert set(seen) == {again, neighbour}
    assert (seen[again]["reason"], seen[again]["state"], seen[again]["status"]) == (
        "same_applicant",
        "flagged",
        "assigned",
    )
    assert seen[again]["institution"] == "GOV-06" and 0.5 <= seen[again]["similarity"] < 1
    assert seen[neighbour]["reason"] == "similar_text"
    assert duplicates(intake, OFFICER_GOV_06, unrelated) == {}
    # Its coordinator reads the district governorship's too; the district governorship not the governorship's.
    assert set(duplicates(intake, COORDINATOR_GOV_06, first)) == {again, neighbour, elsewhere}
    assert duplicates(intake, OFFICER_DG_CANKAYA, elsewhere) == {}
    assert (
        call(intake, "duplicates", OFFICER_GOV_06, first)
        == call(intake, "get_application", OFFICER_GOV_06, first)["duplicates"]
    )
    audit_lines(amqp_uri, "duplicate_linked")  # the reads' lines, dropped

    # The holder's officer links the pair: both sides show it linked, with an audit line.
    linked = call(intake, "link_duplicate", OFFICER_GOV_06, first, again, True, client_address="203.0.113.7")
    assert linked["tracking_number"] == first
    assert {d["tracking_number"]: d["state"] for d in linked["duplicates"]} == {again: "linked", neighbour: "flagged"}
    assert duplicates(intake, OFFICER_GOV_06, again)[first]["state"] == "linked"
    [line] = audit_lines(amqp_uri, "duplicate_linked")
    assert (line["actor_username"], line["target"], line["client_address"]) == (
        "gov-06",
        f"{first},{again}",
        "203.0.113.7",
    )
    with service_database(intake) as session:
        link = session.execute(select(DuplicateLink).where(DuplicateLink.state == "linked")).scalar_one()
        assert (link.decided_by, link.decided_institution) == ("gov-06", "GOV-06") and link.decided_at is not None
    # The same decision again changes nothing and leaves no line.
    call(intake, "link_duplicate", OFFICER_GOV_06, again, first, True)
    assert audit_lines(amqp_uri, "duplicate_linked") == []

    # Refused: out of reach (as missing), not flagged, not the holder's officer, not a yes or no.
    for token, number, other in ((OFFICER_GOV_34, first, again), (OFFICER_DG_CANKAYA, elsewhere, first)):
        with pytest.raises(NotFound) as missing:
            call(intake, "link_duplicate", token, number, other, True)
        assert missing.value.code == "application_not_found"
    with pytest.raises(NotFound) as not_flagged:
        call(intake, "link_duplicate", OFFICER_GOV_06, first, unrelated, True)
    assert (not_flagged.value.code, not_flagged.value.field) == ("duplicate_not_found", "other")
    with pytest.raises(Forbidden):
        call(intake, "link_duplicate", COORDINATOR_GOV_06, first, neighbour, True)
    with pytest.raises(InvalidRequest):
        call(intake, "link_duplicate", OFFICER_GOV_06, first, neighbour, "yes")

    # Unlinked: they are not the same matter after all; it stays listed as dismissed.
    call(intake, "link_duplicate", OFFICER_GOV_06, first, again, False)
    assert duplicates(intake, OFFICER_GOV_06, first)[again]["state"] == "unlinked"
    assert len(audit_lines(amqp_uri, "duplicate_unlinked")) == 1

    # A second scan finds nothing new and changes nothing an officer decided.
    assert call(intake, "find_duplicates") == {"checked": 0, "flagged": 0}
    with service_database(intake) as session:
        assert len(session.execute(select(DuplicateLink)).scalars().all()) == len(pairs)
    assert duplicates(intake, OFFICER_GOV_06, first)[again]["state"] == "unlinked"


def test_a_confidential_applicants_other_applications_are_not_told_to_the_handling_institution(start_service, amqp_uri):
    intake = start_service("intake")
    confidential = file_and_assign(intake, amqp_uri, {**ROAD, "applicant": AYSE, "confidential": True})
    # The same applicant, openly, about something else: close only by who applied.
    open_one = file_and_assign(intake, amqp_uri, {**HOSPITAL, "applicant": AYSE})
    # The same applicant, openly, about the same road: close by who applied and by text.
    same_road = file_and_assign(intake, amqp_uri, {**ROAD_AGAIN, "applicant": AYSE})
    # Anonymous: no applicant to match, but a text to compare.
    anonymous = file_and_assign(intake, amqp_uri, {**ROAD_AGAIN, "applicant": None})
    call(intake, "find_duplicates")

    # The handling institution would learn who its confidential complainant is: it is shown only the pair whose
    # text is alike, and for that reason alone.
    seen = duplicates(intake, OFFICER_GOV_06, confidential)
    assert set(seen) == {same_road, anonymous}
    assert {d["reason"] for d in seen.values()} == {"similar_text"}
    assert confidential not in duplicates(intake, OFFICER_GOV_06, open_one)
    assert duplicates(intake, OFFICER_GOV_06, same_road)[confidential]["reason"] == "similar_text"
    with pytest.raises(NotFound) as hidden:
        call(intake, "link_duplicate", OFFICER_GOV_06, open_one, confidential, True)
    assert hidden.value.code == "duplicate_not_found"
    # The Presidency's CİMER staff, who may see who applied, are told.
    presidency = duplicates(intake, PRESIDENCY, confidential)
    assert set(presidency) == {open_one, same_road, anonymous}
    assert presidency[open_one]["reason"] == presidency[same_road]["reason"] == "same_applicant"
    assert presidency[anonymous]["reason"] == "similar_text"
    # Between two open applications of the same applicant, the governorship is told they are the same person's.
    assert duplicates(intake, OFFICER_GOV_06, open_one)[same_road]["reason"] == "same_applicant"


def test_only_open_applications_of_the_last_days_count(start_service, amqp_uri):
    intake = start_service("intake")
    old = file_and_assign(intake, amqp_uri, {**ROAD, "applicant": AYSE})
    answered = file_and_assign(intake, amqp_uri, {**ROAD, "applicant": MEHMET})
    with service_database(intake) as session:
        for application in session.scalars(select(Application)):
            if application.tracking_number == old:
                application.received_at = application.received_at.replace(year=application.received_at.year - 1)
            if application.tracking_number == answered:
                application.status = "answered"
    new = file_and_assign(intake, amqp_uri, {**ROAD_AGAIN, "applicant": AYSE})
    call(intake, "find_duplicates")
    assert duplicates(intake, OFFICER_GOV_06, new) == {}


def test_a_flood_of_alike_applications_flags_the_closest_few_the_same_applicant_first(start_service, amqp_uri):
    """The scan ranks and cuts the candidates in the database (`handlers._candidates`): of more alike applications
    than it flags, the new one is flagged with its applicant's own first (whatever its text), then the most alike,
    the newest first among equals."""
    intake = start_service("intake")
    own = file_and_assign(intake, amqp_uri, {**HOSPITAL, "applicant": AYSE})
    roads = [
        # each with an address of its own, or the filing limits would stop the flood (SPEC section 9)
        file_and_assign(intake, amqp_uri, {**ROAD, "applicant": {**MEHMET, "email": f"m{i}@example.org"}})
        for i in range(domain.DUPLICATES_AT_MOST + 1)
    ]
    new = file_and_assign(intake, amqp_uri, {**ROAD_AGAIN, "applicant": AYSE})
    call(intake, "find_duplicates")
    with service_database(intake) as session:
        ids = {a.tracking_number: a.id for a in session.scalars(select(Application))}
        by_id = {
            link.other_id: (link.same_applicant, link.similar_text)
            for link in session.scalars(select(DuplicateLink).where(DuplicateLink.application_id == ids[new]))
        }
    assert set(by_id) == {ids[own], *(ids[number] for number in roads[2:])}  # the two oldest alike ones left out
    assert by_id[ids[own]] == (True, False)
    assert all(by_id[ids[number]] == (False, True) for number in roads[2:])


def test_alike_applications_to_one_ministry_or_in_one_province_are_flagged_and_no_others(start_service, amqp_uri):
    """The place of the scan's candidates (`handlers._closest`): naming no province, the institution named; naming
    a province without a district, any of its districts."""
    intake = start_service("intake")
    ministry = {**ROAD, "province": None, "district": None, "target_institution": "MIN-SAGLIK"}
    first = file_and_assign(intake, amqp_uri, {**ministry, "applicant": MEHMET})
    elsewhere = file_and_assign(intake, amqp_uri, {**ministry, "target_institution": "MIN-MEB", "applicant": FATMA})
    again = file_and_assign(intake, amqp_uri, {**ministry, "body": ROAD_AGAIN["body"], "applicant": ALI})
    in_district = file_and_assign(intake, amqp_uri, {**ROAD, "applicant": {**MEHMET, "email": "m2@example.org"}})
    in_province = file_and_assign(intake, amqp_uri, {**ROAD_AGAIN, "district": None, "applicant": AYSE})
    call(intake, "find_duplicates")
    with service_database(intake) as session:
        number = {a.id: a.tracking_number for a in session.scalars(select(Application))}
        flagged = {
            (number[link.application_id], number[link.other_id])
            for link in session.scalars(select(DuplicateLink).where(DuplicateLink.similar_text))
        }
    assert (again, first) in flagged and (in_province, in_district) in flagged
    assert not {pair for pair in flagged if elsewhere in pair}
    assert (in_district, first) not in flagged and (in_province, first) not in flagged  # a province is not a ministry


def test_one_run_of_the_scan_checks_several_batches(start_service, amqp_uri):
    """A run of the timer takes up to `DUPLICATE_BATCHES_PER_RUN` batches of `DUPLICATE_BATCH` (small batches, so
    filings never wait behind one long burst of comparisons); a second run finds nothing left."""
    intake = start_service("intake")
    filed = domain.DUPLICATE_BATCH + 2
    for i in range(filed):
        file_and_assign(intake, amqp_uri, {**ROAD, "applicant": {**FATMA, "email": f"f{i}@example.org"}})
    assert call(intake, "find_duplicates")["checked"] == filed  # more than one batch, in one run
    with service_database(intake) as session:
        assert all(a.duplicates_checked_at is not None for a in session.scalars(select(Application)))
    assert call(intake, "find_duplicates") == {"checked": 0, "flagged": 0}


def rows_read(plan: dict, relation: str) -> int:
    """How many rows of `relation` a plan (EXPLAIN ANALYZE's JSON) read, over all its loops."""
    own = 0
    if plan.get("Relation Name") == relation:
        own = (plan["Actual Rows"] + plan.get("Rows Removed by Filter", 0)) * plan["Actual Loops"]
    return own + sum(rows_read(child, relation) for child in plan.get("Plans", []))


def test_an_applicants_other_applications_are_found_by_the_national_id_whatever_the_statistics(start_service, amqp_uri):
    """The applicant's candidates are found from the national ID (`handlers._same_applicant`), each application
    then by its key, however many open applications the window holds and whatever the planner's statistics say.
    Taken when the tables held one application, they say one still when they hold hundreds: the planner then went
    through every open application of the window and looked the applicant up once for each (`bench/README.md`)."""
    intake = start_service("intake")
    file_and_assign(intake, amqp_uri, {**ROAD, "applicant": AYSE})
    with service_database(intake, as_owner=True) as session:
        session.execute(text("ANALYZE applications, applicants"))
        copied = [c.name for c in Application.__table__.columns if c.name not in ("id", "tracking_number")]
        session.execute(  # 400 more open applications in the window, none of them Ayşe's
            text(
                f"INSERT INTO applications (id, tracking_number, {', '.join(copied)}) "
                "SELECT md5(a.id::text || g)::uuid, 'T' || lpad(g::text, 11, '0'), "
                f"{', '.join(f'a.{name}' for name in copied)} FROM applications a, generate_series(1, 400) g"
            )
        )
        session.execute(  # of 400 other applicants
            text(
                "INSERT INTO applicants (application_id, national_id, first_name, last_name) "
                "SELECT id, lpad(substr(tracking_number, 2), 11, '9'), 'Mehmet', 'Kaya' FROM applications "
                "WHERE tracking_number LIKE 'T%'"
            )
        )
    statement = handlers._same_applicant_statement()
    new = {
        "new_id": uuid.uuid4(), "new_received_at": datetime.now(UTC), "new_text": ROAD["body"],
        "new_national_id": AYSE["national_id"], "new_subject": ROAD["subject"], "new_province": ROAD["province"],
        "new_district": ROAD["district"], "new_target_institution": None,
    }  # fmt: skip
    with service_database(intake) as session:
        expanded = statement.compile(dialect=session.bind.dialect).construct_expanded_state(new)
        explained = (
            session.connection()
            .exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + expanded.statement, expanded.parameters)
            .scalar_one()
        )
        assert len(session.execute(statement, new).all()) == 1  # the one of hers
    plan = explained[0]["Plan"]
    # The planner may read the applicants whole for want of statistics, but never once for each open application;
    # of the applications, hers alone.
    assert rows_read(plan, "applicants") <= 401 + 1 and rows_read(plan, "applications") <= 2, plan
