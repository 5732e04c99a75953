"""Unit tests of the first-destination rules (SPEC section 4): no broker, no database."""

import uuid
from datetime import UTC, date, datetime

import pytest

from cimer_common.errors import InvalidRequest
from cimer_common.events import ApplicationReceived
from routing import directory, domain


class FakeDirectory:
    """`domain.Directory` over a dict: code → (type, province, parent); `retired` codes keep their parent link but
    no longer exist for the rules."""

    def __init__(self, rows, retired=()):
        self.rows = rows
        self.retired = set(retired)

    def exists(self, code):
        return code in self.rows and code not in self.retired

    def type_of(self, code):
        return self.rows[code][0] if self.exists(code) else None

    def province_of(self, code):
        return self.rows[code][1] if self.exists(code) else None

    def parent_of(self, code):
        return self.rows[code][2] if code in self.rows else None


ROWS = {
    "PRESIDENCY": ("presidency", None, None),
    "ETHICS-BOARD": ("ethics_board", None, "PRESIDENCY"),
    "HR-PRESIDENCY": ("hr_presidency", None, "PRESIDENCY"),
    "BEDK": ("information_review_board", None, "PRESIDENCY"),
    "MIN-SAGLIK": ("ministry", None, "PRESIDENCY"),
    "MIN-ADALET": ("ministry", None, "PRESIDENCY"),
    "MIN-UAB": ("ministry", None, "PRESIDENCY"),
    "MU-UAB-KGM": ("ministry_unit", None, "MIN-UAB"),  # MIN-UAB has no disciplinary board here, on purpose
    "MU-SAGLIK-TITCK": ("ministry_unit", None, "MIN-SAGLIK"),
    "DISC-MIN-SAGLIK": ("disciplinary_board", None, "MIN-SAGLIK"),
    "GOV-06": ("governorship", "06", "PRESIDENCY"),
    "GOV-34": ("governorship", "34", "PRESIDENCY"),
    "GOV-35": ("governorship", "35", "PRESIDENCY"),
    "DISC-GOV-06": ("disciplinary_board", "06", "GOV-06"),
    "DG-06-CANKAYA": ("district_governorship", "06", "GOV-06"),
    "DG-06-MAMAK": ("district_governorship", "06", "GOV-06"),  # its district board is missing below, on purpose
    "DG-34-KADIKOY": ("district_governorship", "34", "GOV-34"),
    "PD-06-SAGLIK": ("provincial_directorate", "06", "MIN-SAGLIK"),
    "PD-35-MEB": ("provincial_directorate", "35", "MIN-MEB"),  # MIN-MEB is missing: a dangling parent link
    "RD-UAB-KGM-4": ("regional_directorate", "06", "MU-UAB-KGM"),
    "HRB-06": ("provincial_hr_board", "06", "HR-PRESIDENCY"),
    "HRB-34": ("provincial_hr_board", "34", "HR-PRESIDENCY"),
    "DHRB-06-CANKAYA": ("district_hr_board", "06", "HRB-06"),
}
DIRECTORY = FakeDirectory(ROWS)
# The seeded directory (`directory.entries()`), as the service starts with it.
SEEDED = FakeDirectory({e.code: (e.type, e.province, e.parent) for e in directory.entries()})


def received(**overrides):
    data = {
        "application_id": uuid.uuid4(),
        "tracking_number": "260000000018",
        "kind": "petition",
        "petition_type": "complaint",
        "channel": "web",
        "subject": "transport",
        "province": "06",
        "district": "Çankaya",
        "anonymous": False,
        "confidential": False,
        "reachable": True,
        "received_at": datetime(2026, 3, 2, 9, tzinfo=UTC),
        "deadline": date(2026, 4, 1),
    }
    data.update(overrides)
    return ApplicationReceived.model_validate(data)


def destination(**overrides):
    return domain.first_destination(received(**overrides), DIRECTORY)


WEB = [
    ("local matter, chosen province", {"province": "06"}, "GOV-06"),
    ("another province", {"province": "34", "district": None}, "GOV-34"),
    ("names a ministry", {"target_institution": "MIN-SAGLIK"}, "PRESIDENCY"),
    ("names a ministry unit", {"target_institution": "MU-UAB-KGM"}, "PRESIDENCY"),
    ("names the Presidency", {"target_institution": "PRESIDENCY"}, "PRESIDENCY"),
    ("names the Ethics Board", {"target_institution": "ETHICS-BOARD"}, "PRESIDENCY"),
    ("names the Human Rights Presidency", {"target_institution": "HR-PRESIDENCY"}, "PRESIDENCY"),
    ("names the information review board", {"target_institution": "BEDK"}, "PRESIDENCY"),
    ("names a ministry's disciplinary board", {"target_institution": "DISC-MIN-SAGLIK"}, "PRESIDENCY"),
    (
        "names a ministry, no province",
        {"province": None, "district": None, "target_institution": "MIN-ADALET"},
        "PRESIDENCY",
    ),
    (
        "names a provincial directorate of another province",
        {"province": "06", "district": None, "target_institution": "PD-35-MEB"},
        "GOV-35",
    ),
    ("names a Kaymakamlık", {"province": None, "district": None, "target_institution": "DG-34-KADIKOY"}, "GOV-34"),
    (
        "names a regional directorate",
        {"province": None, "district": None, "target_institution": "RD-UAB-KGM-4"},
        "GOV-06",
    ),
    ("names an unknown institution", {"province": "34", "district": None, "target_institution": "XYZ-1"}, "GOV-34"),
    (
        "neither province nor known institution",
        {"province": None, "district": None, "target_institution": "XYZ-1"},
        "PRESIDENCY",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "expected"), WEB, ids=[c for c, _, _ in WEB])
def test_web(case, overrides, expected):
    assert destination(channel="web", **overrides) == expected


PHONE = [
    ("the officer's governorship", {"recorded_by": "GOV-34", "province": "34"}, "GOV-34"),
    ("the officer's province wins over the application's", {"recorded_by": "GOV-34", "province": "06"}, "GOV-34"),
    ("even when the caller names a ministry", {"recorded_by": "GOV-06", "target_institution": "MIN-SAGLIK"}, "GOV-06"),
    ("an officer at a Kaymakamlık: its province's governorship", {"recorded_by": "DG-06-CANKAYA"}, "GOV-06"),
    ("no recording officer: the application's province", {"recorded_by": None, "province": "34"}, "GOV-34"),
    (
        "an unknown officer institution: the application's province",
        {"recorded_by": "GOV-99", "province": "35"},
        "GOV-35",
    ),
    ("nothing to go by", {"recorded_by": None, "province": None, "district": None}, "PRESIDENCY"),
]


@pytest.mark.parametrize(("case", "overrides", "expected"), PHONE, ids=[c for c, _, _ in PHONE])
def test_phone(case, overrides, expected):
    assert destination(channel="phone", **overrides) == expected


IN_PERSON = [
    ("at a Kaymakamlık", {"recorded_by": "DG-06-CANKAYA"}, "DG-06-CANKAYA"),
    ("at a governorship", {"recorded_by": "GOV-34", "province": "06"}, "GOV-34"),
    ("at a ministry", {"recorded_by": "MIN-SAGLIK"}, "MIN-SAGLIK"),
    (
        "at a bureau the directory no longer knows: as from the web",
        {"recorded_by": "DG-06-GONE", "province": "06"},
        "GOV-06",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "expected"), IN_PERSON, ids=[c for c, _, _ in IN_PERSON])
def test_in_person(case, overrides, expected):
    assert destination(channel="in_person", **overrides) == expected


def below(institution):
    return {"official_rank": "below_general_director", "official_institution": institution}


ETHICS = [
    (
        "general director or above",
        {"official_rank": "general_director_or_above", "official_institution": "MIN-SAGLIK"},
        "ETHICS-BOARD",
    ),
    ("below general director: the institution's disciplinary board", below("MIN-SAGLIK"), "DISC-MIN-SAGLIK"),
    ("below, at a governorship", below("GOV-06"), "DISC-GOV-06"),
    # Staff serving in a province, in an institution without a board: the governorship's İl Disiplin Kurulu.
    ("below, at a provincial directorate: the province's board", below("PD-06-SAGLIK"), "DISC-GOV-06"),
    ("below, at a Kaymakamlık: the province's board", below("DG-06-CANKAYA"), "DISC-GOV-06"),
    ("below, at a regional directorate: the province of its seat", below("RD-UAB-KGM-4"), "DISC-GOV-06"),
    ("below, at a provincial human-rights board", below("HRB-06"), "DISC-GOV-06"),
    ("below, at a district human-rights board", below("DHRB-06-CANKAYA"), "DISC-GOV-06"),
    # A ministry's units: the ministry's board.
    ("below, at a ministry unit: its ministry's board", below("MU-SAGLIK-TITCK"), "DISC-MIN-SAGLIK"),
    # No board there for them: the Ethics Board.
    ("below, at a unit of a ministry without a board", below("MU-UAB-KGM"), "ETHICS-BOARD"),
    ("below, in a province whose governorship has no board", below("DG-34-KADIKOY"), "ETHICS-BOARD"),
    ("below, under a ministry missing from the directory", below("PD-35-MEB"), "ETHICS-BOARD"),
    ("below, at the Presidency", below("PRESIDENCY"), "ETHICS-BOARD"),
    ("below, at the information review board", below("BEDK"), "ETHICS-BOARD"),
    ("below, at an unknown institution", below("XYZ-1"), "ETHICS-BOARD"),
    # A board's members are officials of the institution it belongs to.
    ("below, on a governorship's disciplinary board", below("DISC-GOV-06"), "DISC-GOV-06"),
    ("below, on a ministry's disciplinary board", below("DISC-MIN-SAGLIK"), "DISC-MIN-SAGLIK"),
    (
        "rank decides whatever the channel",
        {
            "channel": "phone",
            "recorded_by": "GOV-06",
            "official_rank": "general_director_or_above",
            "official_institution": "GOV-06",
        },
        "ETHICS-BOARD",
    ),
    (
        "in person at a Kaymakamlık, still the board",
        {"channel": "in_person", "recorded_by": "DG-06-CANKAYA", **below("GOV-06")},
        "DISC-GOV-06",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "expected"), ETHICS, ids=[c for c, _, _ in ETHICS])
def test_ethics_complaint(case, overrides, expected):
    assert destination(kind="ethics_complaint", petition_type=None, **overrides) == expected


@pytest.mark.parametrize(
    ("retired", "institution", "expected"),
    [
        # The province's board retired: the ministry above the directorate hears it.
        ({"DISC-GOV-06"}, "PD-06-SAGLIK", "DISC-MIN-SAGLIK"),
        # ... and for a Kaymakamlık, with no ministry above it, the Ethics Board.
        ({"DISC-GOV-06"}, "DG-06-CANKAYA", "ETHICS-BOARD"),
        # The ministry's board retired: the Ethics Board, not another ministry's.
        ({"DISC-MIN-SAGLIK"}, "MU-SAGLIK-TITCK", "ETHICS-BOARD"),
        # The official's own institution retired: whose staff they are is no longer known.
        ({"PD-06-SAGLIK"}, "PD-06-SAGLIK", "ETHICS-BOARD"),
        # A retired unit between an institution and its ministry is passed over, not stopped at.
        ({"MU-UAB-KGM"}, "RD-UAB-KGM-4", "DISC-GOV-06"),
    ],
)
def test_a_retired_board_or_institution_passes_the_complaint_on(retired, institution, expected):
    assert domain.disciplinary_board_for(institution, FakeDirectory(ROWS, retired=retired)) == expected


def test_the_ministry_is_found_above_a_retired_unit_and_a_cycle_ends_the_walk():
    rows = {
        **ROWS,
        "MU-SAGLIK-X": ("ministry_unit", None, "MU-SAGLIK-TITCK"),
        "LOOP-A": ("ministry_unit", None, "LOOP-B"),
        "LOOP-B": ("ministry_unit", None, "LOOP-A"),
    }
    assert domain.disciplinary_board_for("MU-SAGLIK-X", FakeDirectory(rows, retired={"MU-SAGLIK-TITCK"})) == (
        "DISC-MIN-SAGLIK"
    )
    assert domain.disciplinary_board_for("LOOP-A", FakeDirectory(rows)) == "ETHICS-BOARD"


HUMAN_RIGHTS = [
    ("web: the province's board", {"channel": "web", "province": "06"}, "HRB-06"),
    ("phone: the province's board", {"channel": "phone", "recorded_by": "GOV-34", "province": "34"}, "HRB-34"),
    (
        "in person at a Kaymakamlık: its district's board",
        {"channel": "in_person", "recorded_by": "DG-06-CANKAYA"},
        "DHRB-06-CANKAYA",
    ),
    (
        "in person at a Kaymakamlık without a district board: the province's",
        {"channel": "in_person", "recorded_by": "DG-06-MAMAK", "district": "Mamak"},
        "HRB-06",
    ),
    ("in person at a governorship: the province's board", {"channel": "in_person", "recorded_by": "GOV-06"}, "HRB-06"),
    (
        "no province given: the recording office's province",
        {"channel": "phone", "recorded_by": "GOV-34", "province": None, "district": None},
        "HRB-34",
    ),
    (
        "a province without a board: the Human Rights Presidency",
        {"channel": "web", "province": "35", "district": None},
        "HR-PRESIDENCY",
    ),
    (
        "no province at all: the Human Rights Presidency",
        {"channel": "web", "province": None, "district": None, "target_institution": "MIN-SAGLIK"},
        "HR-PRESIDENCY",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "expected"), HUMAN_RIGHTS, ids=[c for c, _, _ in HUMAN_RIGHTS])
def test_human_rights(case, overrides, expected):
    assert destination(kind="human_rights", petition_type=None, **overrides) == expected


def test_a_destination_missing_from_the_directory_goes_to_the_presidency():
    # GOV-07 is not in the fake directory: retired, say, by an administrator.
    assert destination(channel="web", province="07", district=None) == "PRESIDENCY"


def test_codes_of_the_rules_are_those_of_the_seeded_directory():
    """The rules build board codes by convention; the real seed must follow the same convention."""
    seeded = SEEDED
    cases = [
        (
            {
                "channel": "in_person",
                "kind": "human_rights",
                "petition_type": None,
                "recorded_by": "DG-34-KADIKOY",
                "province": "34",
                "district": "Kadıköy",
            },
            "DHRB-34-KADIKOY",
        ),
        (
            {
                "kind": "ethics_complaint",
                "petition_type": None,
                "official_rank": "below_general_director",
                "official_institution": "MIN-SAGLIK",
            },
            "DISC-MIN-SAGLIK",
        ),
        (
            {
                "kind": "ethics_complaint",
                "petition_type": None,
                "official_rank": "below_general_director",
                "official_institution": "GOV-81",
            },
            "DISC-GOV-81",
        ),
        ({"kind": "ethics_complaint", "petition_type": None, **below("PD-06-SAGLIK")}, "DISC-GOV-06"),
        ({"kind": "ethics_complaint", "petition_type": None, **below("DG-34-KADIKOY")}, "DISC-GOV-34"),
        ({"kind": "ethics_complaint", "petition_type": None, **below("RD-UAB-KGM-18")}, "DISC-GOV-36"),
        ({"kind": "ethics_complaint", "petition_type": None, **below("MU-ICISLERI-EGM")}, "DISC-MIN-ICISLERI"),
        ({"channel": "phone", "recorded_by": "GOV-35", "province": None, "district": None}, "GOV-35"),
        ({"target_institution": "RD-UAB-KGM-18", "province": None, "district": None}, "GOV-36"),
        ({"target_institution": "MU-ICISLERI-EGM"}, "PRESIDENCY"),
        ({"target_institution": "BEDK"}, "PRESIDENCY"),
        ({"kind": "human_rights", "petition_type": None, "province": "06"}, "HRB-06"),
    ]
    for overrides, expected in cases:
        assert domain.first_destination(received(**overrides), seeded) == expected, overrides


# The seeded bodies whose staff no disciplinary board of the seed is there for: the central bodies outside every
# ministry.
ETHICS_BOARD_ONLY = {"presidency", "ethics_board", "hr_presidency", "information_review_board"}


def test_in_the_seeded_directory_every_official_below_general_director_has_a_disciplinary_board():
    """Nearly no complaint falls back to the Ethics Board any more: each goes to a seeded disciplinary board, the
    province's for staff serving in one, the ministry's for its central organisation and units."""
    for e in directory.entries():
        board = domain.disciplinary_board_for(e.code, SEEDED)
        if e.type in ETHICS_BOARD_ONLY:
            assert board == "ETHICS-BOARD", e.code
        elif e.type == "disciplinary_board":
            assert board == e.code, e.code  # its members are officials of the institution it belongs to
        elif e.type in domain.PROVINCIAL_STAFF_TYPES:
            assert board == f"DISC-GOV-{e.province}", e.code
        else:
            assert e.type in ("ministry", "ministry_unit"), e.code
            assert board == f"DISC-MIN-{e.ministry}", e.code
        assert SEEDED.type_of(board) in ("disciplinary_board", "ethics_board"), e.code


# --- Coordinators --------------------------------------------------------------------------------------------

COORDINATORS = [
    ("the Presidency coordinates itself: nobody above it", "PRESIDENCY", []),
    ("a ministry", "MIN-SAGLIK", ["PRESIDENCY"]),
    ("a central board", "ETHICS-BOARD", ["PRESIDENCY"]),
    ("a governorship is not its own coordinator", "GOV-06", ["PRESIDENCY"]),
    ("a Kaymakamlık: its governorship once", "DG-06-CANKAYA", ["GOV-06", "PRESIDENCY"]),
    ("a governorship's board", "DISC-GOV-06", ["GOV-06", "PRESIDENCY"]),
    ("a provincial directorate: its ministry and its province", "PD-06-SAGLIK", ["MIN-SAGLIK", "PRESIDENCY", "GOV-06"]),
    (
        "a regional directorate: its unit, ministry and seat's province",
        "RD-UAB-KGM-4",
        ["MU-UAB-KGM", "MIN-UAB", "PRESIDENCY", "GOV-06"],
    ),
    ("a ministry unit seated nowhere", "MU-UAB-KGM", ["MIN-UAB", "PRESIDENCY"]),
    ("a ministry's board", "DISC-MIN-SAGLIK", ["MIN-SAGLIK", "PRESIDENCY"]),
    ("a provincial human-rights board", "HRB-06", ["HR-PRESIDENCY", "PRESIDENCY", "GOV-06"]),
    ("a district human-rights board", "DHRB-06-CANKAYA", ["HRB-06", "HR-PRESIDENCY", "PRESIDENCY", "GOV-06"]),
    ("a dangling parent link: still its province and the Presidency", "PD-35-MEB", ["GOV-35", "PRESIDENCY"]),
    ("a code the directory does not hold: the Presidency", "XYZ-1", ["PRESIDENCY"]),
]


@pytest.mark.parametrize(("case", "code", "expected"), COORDINATORS, ids=[c for c, _, _ in COORDINATORS])
def test_coordinators(case, code, expected):
    assert domain.coordinators_of(code, DIRECTORY) == expected


SEEDED_COORDINATORS = [
    ("PD-06-SAGLIK", ["MIN-SAGLIK", "PRESIDENCY", "GOV-06"]),
    ("DG-06-CANKAYA", ["GOV-06", "PRESIDENCY"]),
    ("RD-UAB-KGM-4", ["MU-UAB-KGM", "MIN-UAB", "PRESIDENCY", "GOV-06"]),
    ("RD-UAB-KGM-18", ["MU-UAB-KGM", "MIN-UAB", "PRESIDENCY", "GOV-36"]),
    ("DHRB-06-CANKAYA", ["HRB-06", "HR-PRESIDENCY", "PRESIDENCY", "GOV-06"]),
    ("HRB-06", ["HR-PRESIDENCY", "PRESIDENCY", "GOV-06"]),
    ("DISC-GOV-06", ["GOV-06", "PRESIDENCY"]),
    ("DISC-MIN-SAGLIK", ["MIN-SAGLIK", "PRESIDENCY"]),
    ("MU-ICISLERI-EGM", ["MIN-ICISLERI", "PRESIDENCY"]),
    ("GOV-34", ["PRESIDENCY"]),
    ("ETHICS-BOARD", ["PRESIDENCY"]),
    ("BEDK", ["PRESIDENCY"]),
    ("DISC-GOV-34", ["GOV-34", "PRESIDENCY"]),
    ("MU-SAGLIK-KHGM", ["MIN-SAGLIK", "PRESIDENCY"]),
    ("HR-PRESIDENCY", ["PRESIDENCY"]),
    ("PRESIDENCY", []),
]


@pytest.mark.parametrize(("code", "expected"), SEEDED_COORDINATORS, ids=[c for c, _ in SEEDED_COORDINATORS])
def test_coordinators_in_the_seeded_directory(code, expected):
    assert domain.coordinators_of(code, SEEDED) == expected


def test_every_seeded_institution_but_the_presidency_has_it_among_its_coordinators_and_never_itself():
    for e in directory.entries():
        coordinators = domain.coordinators_of(e.code, SEEDED)
        assert e.code not in coordinators, e.code
        assert len(coordinators) == len(set(coordinators)), e.code
        assert ("PRESIDENCY" in coordinators) == (e.code != "PRESIDENCY"), e.code
        if e.province is not None and e.type != "governorship":
            assert f"GOV-{e.province}" in coordinators, e.code


def test_a_retired_ancestor_is_passed_over_not_stopped_at():
    retired = FakeDirectory(ROWS, retired={"MU-UAB-KGM", "GOV-06"})
    assert domain.coordinators_of("RD-UAB-KGM-4", retired) == ["MIN-UAB", "PRESIDENCY"]
    assert domain.coordinators_of("DG-06-CANKAYA", retired) == ["PRESIDENCY"]


def test_a_cycle_in_the_data_ends_the_walk():
    looping = FakeDirectory(
        {
            "PRESIDENCY": ("presidency", None, None),
            "GOV-06": ("governorship", "06", "PRESIDENCY"),
            "A": ("ministry_unit", "06", "B"),
            "B": ("ministry_unit", None, "C"),
            "C": ("ministry_unit", None, "A"),  # A → B → C → A
            "SELF": ("ministry_unit", None, "SELF"),
        }
    )
    assert domain.coordinators_of("A", looping) == ["B", "C", "GOV-06", "PRESIDENCY"]
    assert domain.coordinators_of("SELF", looping) == ["PRESIDENCY"]


# --- Administration of the directory -------------------------------------------------------------------------


def new_institution(**overrides):
    data = {
        "code": "PD-06-NEW",
        "name": "Ankara Yeni İl Müdürlüğü",
        "type": "provincial_directorate",
        "province": "06",
        "district": None,
        "parent": "MIN-SAGLIK",
        "ministry": "SAGLIK",
    }
    data.update(overrides)
    return domain.NewInstitution(**data)


def refusal(call):
    with pytest.raises(InvalidRequest) as refused:
        call()
    return refused.value.args


@pytest.mark.parametrize(
    "code", ["AB", "GOV-06", "DG-06-CANKAYA", "0X", "A-", "A" * 64, "MU-UAB-KGM", "PD-06-SAGLIK-2"]
)
def test_valid_codes(code):
    assert domain.check_code(code) == code


@pytest.mark.parametrize(
    "code",
    ["", "A", "-AB", "gov-06", "GOV_06", "GOV 06", "GÖV-06", "A" * 65, "GOV-06\n", "9", None, 6, ["GOV-06"]],
)
def test_invalid_codes(code):
    assert refusal(lambda: domain.check_code(code)) == ("invalid_code", "code")


NAMES = [
    ("  Ankara   Valiliği ", "Ankara Valiliği"),
    ("Çankaya Kaymakamlığı", "Çankaya Kaymakamlığı"),
    ("x" * 200, "x" * 200),
]


@pytest.mark.parametrize(("name", "stored"), NAMES)
def test_names_are_stored_without_stray_spaces(name, stored):
    assert domain.check_name(name) == stored


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "name_required"),
        ("   ", "name_required"),
        (None, "name_required"),
        ("x" * 201, "name_too_long"),
        ("e\x005", "name_not_printable"),
        ("Valilik\x1b[31m", "name_not_printable"),
    ],
)
def test_invalid_names(name, code):
    assert refusal(lambda: domain.check_name(name)) == (code, "name")


def test_a_valid_new_institution_is_returned_as_it_will_be_stored():
    checked = domain.check_new_institution(new_institution(name=" Ankara  Yeni Müdürlük "), DIRECTORY)
    assert checked == new_institution(name="Ankara Yeni Müdürlük")


VALID_NEW = [
    ("a ministry unit, seated nowhere", {"code": "MU-SAGLIK-HSGM", "type": "ministry_unit", "province": None}),
    (
        "a Kaymakamlık, the district spelled loosely",
        {
            "code": "DG-06-YENI",
            "type": "district_governorship",
            "district": "cankaya",
            "parent": "GOV-06",
            "ministry": None,
        },
    ),
    (
        "a new ministry names itself",
        {"code": "MIN-YENI", "type": "ministry", "province": None, "parent": "PRESIDENCY", "ministry": "YENI"},
    ),
    (
        "a regional directorate under a unit",
        {"code": "RD-UAB-KGM-19", "type": "regional_directorate", "parent": "MU-UAB-KGM", "ministry": "UAB"},
    ),
    (
        "a board with no ministry",
        {"code": "DISC-PD-06-SAGLIK", "type": "disciplinary_board", "ministry": None, "parent": "PD-06-SAGLIK"},
    ),
    (
        "an information review board",
        {
            "code": "BEDK-2",
            "type": "information_review_board",
            "province": None,
            "parent": "PRESIDENCY",
            "ministry": None,
        },
    ),
]


@pytest.mark.parametrize(("case", "overrides"), VALID_NEW, ids=[c for c, _ in VALID_NEW])
def test_valid_new_institutions(case, overrides):
    domain.check_new_institution(new_institution(**overrides), DIRECTORY)


def test_a_district_is_stored_as_the_reference_data_spells_it():
    checked = domain.check_new_institution(
        new_institution(
            code="DG-06-X", type="district_governorship", district="ÇANKAYA", parent="GOV-06", ministry=None
        ),
        DIRECTORY,
    )
    assert checked.district == "Çankaya"


INVALID_NEW = [
    ("a bad code", {"code": "pd-06-new"}, ("invalid_code", "code")),
    ("no name", {"name": " "}, ("name_required", "name")),
    ("an unknown type", {"type": "municipality"}, ("invalid_type", "type")),
    ("a type that is not text", {"type": ["ministry"]}, ("invalid_type", "type")),
    ("a second presidency", {"type": "presidency", "province": None, "ministry": None}, ("presidency_exists", "type")),
    ("an unknown province", {"province": "82"}, ("unknown_province", "province")),
    ("a province by name", {"province": "Ankara"}, ("unknown_province", "province")),
    ("a local body without a province", {"province": None}, ("province_required", "province")),
    (
        "a district without a province",
        {"type": "ministry_unit", "province": None, "district": "Çankaya"},
        ("district_needs_province", "district"),
    ),
    ("a district of another province", {"district": "Kadıköy"}, ("unknown_district", "district")),
    (
        "a Kaymakamlık without a district",
        {"type": "district_governorship", "parent": "GOV-06", "ministry": None},
        ("district_required", "district"),
    ),
    ("no parent", {"parent": None}, ("parent_required", "parent")),
    ("an unknown parent", {"parent": "MIN-YOK"}, ("unknown_parent", "parent")),
    ("itself as parent: not there yet", {"parent": "PD-06-NEW"}, ("unknown_parent", "parent")),
    ("an unknown ministry", {"ministry": "YOK"}, ("unknown_ministry", "ministry")),
    ("a ministry that is not a ministry in the directory", {"ministry": "UAB-KGM"}, ("unknown_ministry", "ministry")),
    ("a provincial directorate without its ministry", {"ministry": None}, ("ministry_required", "ministry")),
    (
        "a ministry naming another",
        {"code": "MIN-YENI", "type": "ministry", "province": None, "parent": "PRESIDENCY", "ministry": "SAGLIK"},
        ("ministry_code_mismatch", "ministry"),
    ),
]


@pytest.mark.parametrize(("case", "overrides", "expected"), INVALID_NEW, ids=[c for c, _, _ in INVALID_NEW])
def test_invalid_new_institutions(case, overrides, expected):
    assert refusal(lambda: domain.check_new_institution(new_institution(**overrides), DIRECTORY)) == expected


def test_a_new_institution_cannot_close_a_loop_through_a_dangling_parent_link():
    # An institution already names the new code as its parent (links are plain codes, not foreign keys).
    dangling = FakeDirectory({**ROWS, "ORPHAN": ("ministry_unit", None, "PD-06-NEW")})
    assert refusal(lambda: domain.check_new_institution(new_institution(parent="ORPHAN"), dangling)) == (
        "parent_cycle",
        "parent",
    )


def test_a_retired_parent_or_ministry_is_refused():
    retired = FakeDirectory(ROWS, retired={"MIN-SAGLIK"})
    assert refusal(lambda: domain.check_new_institution(new_institution(), retired)) == ("unknown_parent", "parent")
    assert refusal(lambda: domain.check_new_institution(new_institution(parent="GOV-06"), retired)) == (
        "unknown_ministry",
        "ministry",
    )


PARENT_CHANGES = [
    ("a Kaymakamlık to another governorship", "DG-06-CANKAYA", "GOV-34", None),
    ("a unit to another ministry", "MU-UAB-KGM", "MIN-SAGLIK", None),
    ("the same parent again", "DG-06-CANKAYA", "GOV-06", None),
    ("under itself", "GOV-06", "GOV-06", "parent_cycle"),
    ("under its own child", "GOV-06", "DG-06-CANKAYA", "parent_cycle"),
    ("under a grandchild", "MIN-UAB", "RD-UAB-KGM-4", "parent_cycle"),
    ("the root under anything", "PRESIDENCY", "GOV-06", "parent_cycle"),
    ("under an unknown institution", "DG-06-CANKAYA", "GOV-99", "unknown_parent"),
]


@pytest.mark.parametrize(("case", "code", "parent", "error"), PARENT_CHANGES, ids=[c for c, _, _, _ in PARENT_CHANGES])
def test_parent_changes(case, code, parent, error):
    if error is None:
        assert domain.check_parent(code, parent, DIRECTORY) == parent
    else:
        assert refusal(lambda: domain.check_parent(code, parent, DIRECTORY)) == (error, "parent")


def test_a_parent_under_a_retired_one_is_still_walked_for_a_cycle():
    retired = FakeDirectory(ROWS, retired={"GOV-06"})
    assert refusal(lambda: domain.check_parent("PRESIDENCY", "DG-06-CANKAYA", retired)) == ("parent_cycle", "parent")


def test_a_cycle_already_in_the_data_does_not_hang_the_check():
    looping = FakeDirectory(
        {"A": ("ministry_unit", None, "B"), "B": ("ministry_unit", None, "A"), "C": ("ministry_unit", None, None)}
    )
    assert domain.would_make_cycle("C", "A", looping) is False
    assert domain.would_make_cycle("B", "A", looping) is True


@pytest.mark.parametrize(
    ("code", "active", "error"),
    [
        ("GOV-06", False, None),
        ("GOV-06", True, None),
        ("PRESIDENCY", True, None),
        ("PRESIDENCY", False, "presidency_cannot_be_retired"),
        ("GOV-06", "false", "invalid_active"),
        ("GOV-06", 0, "invalid_active"),
    ],
)
def test_retiring_and_reinstating(code, active, error):
    if error is None:
        assert domain.check_active(code, active) is active
    else:
        assert refusal(lambda: domain.check_active(code, active)) == (error, "active")


def test_every_type_of_the_spec_is_known():
    assert {
        "presidency", "ministry", "ministry_unit", "governorship", "district_governorship", "provincial_directorate",
        "regional_directorate", "ethics_board", "disciplinary_board", "provincial_hr_board", "district_hr_board",
        "hr_presidency", "information_review_board",
    } == domain.TYPES  # fmt: skip
    assert {e.type for e in directory.entries()} <= domain.TYPES
