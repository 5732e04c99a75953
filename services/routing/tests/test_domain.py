"""Unit tests of the first-destination rules (SPEC section 4): no broker, no database."""

import uuid
from datetime import UTC, date, datetime

import pytest

from cimer_common.events import ApplicationReceived
from routing import directory, domain


class FakeDirectory:
    """`domain.Directory` over a dict: code → (type, province)."""

    def __init__(self, rows):
        self.rows = rows

    def exists(self, code):
        return code in self.rows

    def type_of(self, code):
        return self.rows[code][0] if code in self.rows else None

    def province_of(self, code):
        return self.rows[code][1] if code in self.rows else None


DIRECTORY = FakeDirectory(
    {
        "PRESIDENCY": ("presidency", None),
        "ETHICS-BOARD": ("ethics_board", None),
        "HR-PRESIDENCY": ("hr_presidency", None),
        "MIN-SAGLIK": ("ministry", None),
        "MIN-ADALET": ("ministry", None),
        "MU-UAB-KGM": ("ministry_unit", None),
        "DISC-MIN-SAGLIK": ("disciplinary_board", None),
        "GOV-06": ("governorship", "06"),
        "GOV-34": ("governorship", "34"),
        "GOV-35": ("governorship", "35"),
        "DISC-GOV-06": ("disciplinary_board", "06"),
        "DG-06-CANKAYA": ("district_governorship", "06"),
        "DG-06-MAMAK": ("district_governorship", "06"),  # its district board is missing below, on purpose
        "DG-34-KADIKOY": ("district_governorship", "34"),
        "PD-06-SAGLIK": ("provincial_directorate", "06"),
        "PD-35-MEB": ("provincial_directorate", "35"),
        "RD-UAB-KGM-4": ("regional_directorate", "06"),
        "HRB-06": ("provincial_hr_board", "06"),
        "HRB-34": ("provincial_hr_board", "34"),
        "DHRB-06-CANKAYA": ("district_hr_board", "06"),
    }
)


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


ETHICS = [
    (
        "general director or above",
        {"official_rank": "general_director_or_above", "official_institution": "MIN-SAGLIK"},
        "ETHICS-BOARD",
    ),
    (
        "below general director: the institution's disciplinary board",
        {"official_rank": "below_general_director", "official_institution": "MIN-SAGLIK"},
        "DISC-MIN-SAGLIK",
    ),
    (
        "below, at a governorship",
        {"official_rank": "below_general_director", "official_institution": "GOV-06"},
        "DISC-GOV-06",
    ),
    (
        "below, at an institution without a board",
        {"official_rank": "below_general_director", "official_institution": "PD-06-SAGLIK"},
        "ETHICS-BOARD",
    ),
    (
        "below, at an unknown institution",
        {"official_rank": "below_general_director", "official_institution": "XYZ-1"},
        "ETHICS-BOARD",
    ),
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
        {
            "channel": "in_person",
            "recorded_by": "DG-06-CANKAYA",
            "official_rank": "below_general_director",
            "official_institution": "GOV-06",
        },
        "DISC-GOV-06",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "expected"), ETHICS, ids=[c for c, _, _ in ETHICS])
def test_ethics_complaint(case, overrides, expected):
    assert destination(kind="ethics_complaint", petition_type=None, **overrides) == expected


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
    seeded = FakeDirectory({e.code: (e.type, e.province) for e in directory.entries()})
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
        ({"channel": "phone", "recorded_by": "GOV-35", "province": None, "district": None}, "GOV-35"),
        ({"target_institution": "RD-UAB-KGM-18", "province": None, "district": None}, "GOV-36"),
        ({"target_institution": "MU-ICISLERI-EGM"}, "PRESIDENCY"),
        ({"kind": "human_rights", "petition_type": None, "province": "06"}, "HRB-06"),
    ]
    for overrides, expected in cases:
        assert domain.first_destination(received(**overrides), seeded) == expected, overrides
