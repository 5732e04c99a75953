"""Unit tests of the seeded institution directory (SPEC section 3): no database."""

from collections import Counter

import pytest

from cimer_common import geography
from routing import directory, domain

ENTRIES = directory.entries()
BY_CODE = {e.code: e for e in ENTRIES}
COUNTS = Counter(e.type for e in ENTRIES)
MINISTRIES_WITH_DIRECTORATE = [m for m in geography.ministries().values() if m.provincial_directorate]


def test_no_code_is_used_twice():
    assert len(BY_CODE) == len(ENTRIES)


def test_every_parent_exists_and_is_listed_before_its_children():
    position = {e.code: i for i, e in enumerate(ENTRIES)}
    for e in ENTRIES:
        if e.parent is not None:
            assert e.parent in BY_CODE, e
            assert position[e.parent] < position[e.code], e


def test_only_the_presidency_has_no_parent():
    assert [e.code for e in ENTRIES if e.parent is None] == ["PRESIDENCY"]


@pytest.mark.parametrize(
    ("type_", "count"),
    [
        ("presidency", 1),
        ("ethics_board", 1),
        ("hr_presidency", 1),
        ("information_review_board", 1),
        ("ministry", 17),
        ("governorship", 81),
        ("district_governorship", 973 - 51),
        ("provincial_hr_board", 81),
        ("district_hr_board", 973 - 51),
        ("disciplinary_board", 17 + 81),
    ],
)
def test_counts(type_, count):
    assert COUNTS[type_] == count


def test_a_provincial_directorate_for_each_province_and_ministry_that_has_one():
    assert len(MINISTRIES_WITH_DIRECTORATE) == 12
    assert COUNTS["provincial_directorate"] == 81 * len(MINISTRIES_WITH_DIRECTORATE)
    assert "PD-06-ADALET" not in BY_CODE  # Adalet Bakanlığı has no İl Müdürlüğü in the data


@pytest.mark.parametrize(
    ("code", "name", "type_", "province", "parent"),
    [
        ("PRESIDENCY", "Cumhurbaşkanlığı İletişim Merkezi", "presidency", None, None),
        ("ETHICS-BOARD", "Kamu Görevlileri Etik Kurulu", "ethics_board", None, "PRESIDENCY"),
        ("HR-PRESIDENCY", "İnsan Hakları Başkanlığı", "hr_presidency", None, "PRESIDENCY"),
        ("MIN-SAGLIK", "Sağlık Bakanlığı", "ministry", None, "PRESIDENCY"),
        ("GOV-06", "Ankara Valiliği", "governorship", "06", "PRESIDENCY"),
        ("GOV-34", "İstanbul Valiliği", "governorship", "34", "PRESIDENCY"),
        ("DG-06-CANKAYA", "Çankaya Kaymakamlığı", "district_governorship", "06", "GOV-06"),
        ("DG-46-ONIKISUBAT", "Onikişubat Kaymakamlığı", "district_governorship", "46", "GOV-46"),
        ("PD-06-SAGLIK", "Ankara İl Sağlık Müdürlüğü", "provincial_directorate", "06", "MIN-SAGLIK"),
        ("PD-06-HMB", "Ankara Defterdarlığı", "provincial_directorate", "06", "MIN-HMB"),
        ("HRB-06", "Ankara İl İnsan Hakları Kurulu", "provincial_hr_board", "06", "HR-PRESIDENCY"),
        ("DHRB-06-CANKAYA", "Çankaya İlçe İnsan Hakları Kurulu", "district_hr_board", "06", "HRB-06"),
        ("BEDK", "Bilgi Edinme Değerlendirme Kurulu", "information_review_board", None, "PRESIDENCY"),
        ("DISC-MIN-SAGLIK", "Sağlık Bakanlığı Disiplin Kurulu", "disciplinary_board", None, "MIN-SAGLIK"),
        ("DISC-GOV-06", "Ankara Valiliği İl Disiplin Kurulu", "disciplinary_board", "06", "GOV-06"),
        ("DISC-GOV-34", "İstanbul Valiliği İl Disiplin Kurulu", "disciplinary_board", "34", "GOV-34"),
        ("MU-UAB-KGM", "Karayolları Genel Müdürlüğü", "ministry_unit", None, "MIN-UAB"),
        ("RD-UAB-KGM-4", "Karayolları 4. Bölge Müdürlüğü", "regional_directorate", "06", "MU-UAB-KGM"),
        ("RD-UAB-KGM-1", "Karayolları 1. Bölge Müdürlüğü", "regional_directorate", "34", "MU-UAB-KGM"),
    ],
)
def test_named_institutions(code, name, type_, province, parent):
    e = BY_CODE[code]
    assert (e.name, e.type, e.province, e.parent) == (name, type_, province, parent)


def test_no_kaymakamlik_for_a_merkez_district():
    assert not [e for e in ENTRIES if e.type == "district_governorship" and e.district == "Merkez"]
    assert "DG-05-MERKEZ" not in BY_CODE


def test_codes_are_ascii_upper_case():
    for e in ENTRIES:
        assert e.code.isascii() and e.code == e.code.upper(), e.code


def test_institutions_below_a_ministry_name_it():
    for e in ENTRIES:
        if e.type in ("ministry_unit", "regional_directorate", "provincial_directorate"):
            assert e.ministry is not None and f"MIN-{e.ministry}" in BY_CODE, e


def test_every_province_is_a_real_plate_code():
    plates = geography.provinces()
    assert {e.province for e in ENTRIES if e.province is not None} <= set(plates)


def test_the_information_review_board_sits_with_the_other_state_boards():
    boards = [BY_CODE[code] for code in ("ETHICS-BOARD", "HR-PRESIDENCY", domain.INFORMATION_REVIEW_BOARD)]
    assert {(b.parent, b.province, b.district, b.ministry) for b in boards} == {("PRESIDENCY", None, None, None)}
    assert domain.INFORMATION_REVIEW_BOARD == "BEDK"


def test_a_provincial_disciplinary_board_for_each_governorship_and_a_board_for_each_ministry():
    for plate, province in geography.provinces().items():
        board = BY_CODE[domain.disciplinary_board(domain.governorship(plate))]
        assert (board.name, board.type, board.province, board.parent, board.ministry) == (
            f"{province.name} Valiliği İl Disiplin Kurulu",
            "disciplinary_board",
            plate,
            f"GOV-{plate}",
            None,
        )
    for m in geography.ministries().values():
        board = BY_CODE[domain.disciplinary_board(domain.ministry(m.code))]
        assert (board.name, board.type, board.province, board.parent, board.ministry) == (
            f"{m.name} Disiplin Kurulu",
            "disciplinary_board",
            None,
            f"MIN-{m.code}",
            m.code,
        )


# The units seeded before every ministry had its list: assignments name these codes, so they never change.
FIRST_UNITS = {
    "MU-ADALET-CTE", "MU-CSGB-SGK", "MU-CSGB-ISKUR", "MU-DISISLERI-KONSOLOSLUK", "MU-ENERJI-MAPEG", "MU-HMB-GIB",
    "MU-ICISLERI-EGM", "MU-ICISLERI-JGK", "MU-ICISLERI-NVI", "MU-MSB-ASAL", "MU-SAGLIK-TITCK", "MU-TARIM-DSI",
    "MU-TARIM-OGM", "MU-UAB-KGM",
}  # fmt: skip


def test_every_ministry_has_its_main_units_under_it():
    units = [e for e in ENTRIES if e.type == "ministry_unit"]
    assert set(directory.MINISTRY_UNITS) == set(geography.ministries())
    for m in geography.ministries():
        own = [u for u in units if u.ministry == m]
        assert len(own) >= 4, m  # general directorates, and the major affiliated and related institutions
        assert {u.parent for u in own} == {f"MIN-{m}"}, m
        assert all(u.code.startswith(f"MU-{m}-") and u.province is None for u in own), m
        assert len({u.name for u in own}) == len(own), m  # no unit twice under two codes
    assert {u.code for u in units} >= FIRST_UNITS
    assert BY_CODE["MU-SAGLIK-KHGM"].name == "Kamu Hastaneleri Genel Müdürlüğü"
    assert BY_CODE["MU-ICISLERI-AFAD"].name == "Afet ve Acil Durum Yönetimi Başkanlığı"


class SeededDirectory:
    """`domain.Directory` over the seed, every entry active."""

    def exists(self, code):
        return code in BY_CODE

    def type_of(self, code):
        return BY_CODE[code].type if code in BY_CODE else None

    def province_of(self, code):
        return BY_CODE[code].province if code in BY_CODE else None

    def parent_of(self, code):
        return BY_CODE[code].parent if code in BY_CODE else None


def test_every_entry_is_one_an_administrator_could_have_added():
    """The seed keeps the rules of `create_institution` (codes, names, types, provinces, districts, parents and
    ministries), so nothing seeded is refused when an administrator edits it later."""
    seeded = SeededDirectory()
    for e in ENTRIES:
        if e.type != "presidency":
            assert domain.check_new_institution(e, seeded) == e, e.code
