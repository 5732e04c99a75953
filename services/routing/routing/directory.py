"""The institution directory (SPEC section 3), built from Turkey's provinces, districts and ministries.

`entries()` is plain data: every institution the system starts with. `seed(session)` writes the missing ones and
leaves every existing row alone, so what an administrator has changed since is never overwritten.
`cimer-seed-directory` runs it against routing's database.
"""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import create_engine
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from cimer_common import geography
from cimer_common.settings import get_settings
from routing import domain
from routing.models import Institution

# A row of the seed is what an administrator's new institution is: one shape for both.
Entry = domain.NewInstitution


# A directorate whose name stands alone takes its compound form after the province's name.
_AFTER_PROVINCE = {"Defterdarlık": "Defterdarlığı"}

# A seed of real ministry units the Presidency forwards to, above all for ministries with no provincial
# directorate (justice, defence, foreign affairs, energy, transport). Administrators add the rest.
MINISTRY_UNITS: dict[str, dict[str, str]] = {
    "ADALET": {"CTE": "Ceza ve Tevkifevleri Genel Müdürlüğü"},
    "CSGB": {"SGK": "Sosyal Güvenlik Kurumu Başkanlığı", "ISKUR": "Türkiye İş Kurumu Genel Müdürlüğü"},
    "DISISLERI": {"KONSOLOSLUK": "Konsolosluk Genel Müdürlüğü"},
    "ENERJI": {"MAPEG": "Maden ve Petrol İşleri Genel Müdürlüğü"},
    "HMB": {"GIB": "Gelir İdaresi Başkanlığı"},
    "ICISLERI": {
        "EGM": "Emniyet Genel Müdürlüğü",
        "JGK": "Jandarma Genel Komutanlığı",
        "NVI": "Nüfus ve Vatandaşlık İşleri Genel Müdürlüğü",
    },
    "MSB": {"ASAL": "Askeralma Genel Müdürlüğü"},
    "SAGLIK": {"TITCK": "Türkiye İlaç ve Tıbbi Cihaz Kurumu"},
    "TARIM": {"DSI": "Devlet Su İşleri Genel Müdürlüğü", "OGM": "Orman Genel Müdürlüğü"},
    "UAB": {"KGM": "Karayolları Genel Müdürlüğü"},
}

# Regional directorates of a ministry unit, by number, with the plate code of the province each is seated in.
REGIONAL_DIRECTORATES: dict[str, tuple[str, dict[int, str]]] = {
    domain.ministry_unit("UAB", "KGM"): (
        "Karayolları {n}. Bölge Müdürlüğü",
        {
            1: "34",
            2: "35",
            3: "42",
            4: "06",
            5: "33",
            6: "38",
            7: "55",
            8: "23",
            9: "21",
            10: "61",
            11: "65",
            12: "25",
            13: "07",
            14: "16",
            15: "37",
            16: "10",
            17: "34",
            18: "36",
        },
    ),
}


def _provincial_directorate_name(province: str, directorate: str) -> str:
    return f"{province} {_AFTER_PROVINCE.get(directorate, directorate)}"


def entries() -> list[Entry]:
    """Every institution of the seed, parents before their children."""
    provinces = geography.provinces()
    ministries = geography.ministries()
    rows = [
        Entry(domain.PRESIDENCY, "Cumhurbaşkanlığı İletişim Merkezi", "presidency"),
        Entry(domain.ETHICS_BOARD, "Kamu Görevlileri Etik Kurulu", "ethics_board", parent=domain.PRESIDENCY),
        Entry(domain.HR_PRESIDENCY, "İnsan Hakları Başkanlığı", "hr_presidency", parent=domain.PRESIDENCY),
    ]
    for m in ministries.values():
        rows.append(Entry(domain.ministry(m.code), m.name, "ministry", parent=domain.PRESIDENCY, ministry=m.code))
    for ministry_code, units in MINISTRY_UNITS.items():
        for unit, name in units.items():
            rows.append(
                Entry(
                    domain.ministry_unit(ministry_code, unit),
                    name,
                    "ministry_unit",
                    parent=domain.ministry(ministry_code),
                    ministry=ministry_code,
                )
            )
    for unit_code, (pattern, seats) in REGIONAL_DIRECTORATES.items():
        unit_ministry = unit_code.split("-")[1]
        for number, plate in seats.items():
            rows.append(
                Entry(
                    domain.regional_directorate(unit_code, number),
                    pattern.format(n=number),
                    "regional_directorate",
                    province=plate,
                    parent=unit_code,
                    ministry=unit_ministry,
                )
            )
    for plate, province in provinces.items():
        governorship = domain.governorship(plate)
        hr_board = domain.provincial_hr_board(plate)
        rows.append(Entry(governorship, f"{province.name} Valiliği", "governorship", plate, parent=domain.PRESIDENCY))
        rows.append(
            Entry(
                hr_board,
                f"{province.name} İl İnsan Hakları Kurulu",
                "provincial_hr_board",
                plate,
                parent=domain.HR_PRESIDENCY,
            )
        )
        for m in ministries.values():
            if m.provincial_directorate:
                rows.append(
                    Entry(
                        domain.provincial_directorate(plate, m.code),
                        _provincial_directorate_name(province.name, m.provincial_directorate),
                        "provincial_directorate",
                        plate,
                        parent=domain.ministry(m.code),
                        ministry=m.code,
                    )
                )
        for district in geography.districts().get(plate, []):
            if district.is_central:
                continue  # the governorship serves its Merkez district itself
            ascii_name = geography.ascii_code(district.name)
            rows.append(
                Entry(
                    domain.district_governorship(plate, ascii_name),
                    f"{district.name} Kaymakamlığı",
                    "district_governorship",
                    plate,
                    district.name,
                    parent=governorship,
                )
            )
            rows.append(
                Entry(
                    domain.district_hr_board(plate, ascii_name),
                    f"{district.name} İlçe İnsan Hakları Kurulu",
                    "district_hr_board",
                    plate,
                    district.name,
                    parent=hr_board,
                )
            )
    # Disciplinary boards of the institutions that have one in the seed: each ministry and each governorship.
    for row in [r for r in rows if r.type in ("ministry", "governorship")]:
        rows.append(
            Entry(
                domain.disciplinary_board(row.code),
                f"{row.name} Disiplin Kurulu",
                "disciplinary_board",
                row.province,
                parent=row.code,
                ministry=row.ministry,
            )
        )
    return rows


def seed(session: Session) -> int:
    """Insert every institution of the seed that is missing; returns how many were added."""
    statement = insert(Institution).on_conflict_do_nothing(index_elements=["code"]).returning(Institution.code)
    return len(session.scalars(statement, [asdict(e) for e in entries()]).all())


def main() -> None:
    engine = create_engine(get_settings().database_url("routing"))
    try:
        with Session(engine) as session, session.begin():
            added = seed(session)
    finally:
        engine.dispose()
    print(f"routing: {added} institutions added")
