"""Unit tests of the seeded institution directory (SPEC section 3): no database."""

from collections import Counter

import pytest

from cimer_common import geography
from routing import directory

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
        ("DISC-MIN-SAGLIK", "Sağlık Bakanlığı Disiplin Kurulu", "disciplinary_board", None, "MIN-SAGLIK"),
        ("DISC-GOV-06", "Ankara Valiliği Disiplin Kurulu", "disciplinary_board", "06", "GOV-06"),
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
