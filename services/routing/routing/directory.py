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

# The main units of every ministry: its general directorates, the independent departments and inspection boards
# citizens' matters reach, and its major affiliated and related institutions (bağlı, ilgili and ilişkili
# kuruluşlar). The ministry forwards to them, and its disciplinary board hears ethics complaints about their staff.
# Auxiliary units (strategy, legal counsel, press, internal audit) are left to administrators, as are the units' own
# provincial and regional offices. Codes are `MU-<ministry>-<unit>`, the unit being the abbreviation the institution
# goes by (its web address where two would share one); an existing code is never changed, since assignments name it.
#
# Each list follows the ministry's organisation chart (teşkilat şeması) on its official site, cited above it, and the
# ministries' chapters of Presidential Decree No. 1 (1 sayılı Cumhurbaşkanlığı Teşkilatı Hakkında Cumhurbaşkanlığı
# Kararnamesi). They were written from those sources as known when this seed was made, not fetched at build time:
# before relying on a unit, check it against the current chart (units are renamed and merged), and change the
# directory through `update_institution` rather than here once it is in use.
MINISTRY_UNITS: dict[str, dict[str, str]] = {
    # adalet.gov.tr, Teşkilat Şeması
    "ADALET": {
        "CTE": "Ceza ve Tevkifevleri Genel Müdürlüğü",
        "CIGM": "Ceza İşleri Genel Müdürlüğü",
        "HIGM": "Hukuk İşleri Genel Müdürlüğü",
        "ASIGM": "Adli Sicil ve İstatistik Genel Müdürlüğü",
        "PGM": "Personel Genel Müdürlüğü",
        "BIGM": "Bilgi İşlem Genel Müdürlüğü",
        "MGM": "Mevzuat Genel Müdürlüğü",
        "DIABGM": "Dış İlişkiler ve Avrupa Birliği Genel Müdürlüğü",
        "MHDB": "Mağdur Hakları Daire Başkanlığı",
        "ATK": "Adli Tıp Kurumu Başkanlığı",
        "TAA": "Türkiye Adalet Akademisi",
    },
    # aile.gov.tr, Teşkilat Şeması
    "AILE": {
        "ATHGM": "Aile ve Toplum Hizmetleri Genel Müdürlüğü",
        "CHGM": "Çocuk Hizmetleri Genel Müdürlüğü",
        "EYHGM": "Engelli ve Yaşlı Hizmetleri Genel Müdürlüğü",
        "KSGM": "Kadının Statüsü Genel Müdürlüğü",
        "SYGM": "Sosyal Yardımlar Genel Müdürlüğü",
        "SYGDB": "Şehit Yakınları ve Gaziler Dairesi Başkanlığı",
    },
    # csgb.gov.tr, Teşkilat Şeması
    "CSGB": {
        "CGM": "Çalışma Genel Müdürlüğü",
        "ISGGM": "İş Sağlığı ve Güvenliği Genel Müdürlüğü",
        "UIGM": "Uluslararası İşgücü Genel Müdürlüğü",
        "RTB": "Rehberlik ve Teftiş Başkanlığı",
        "SGK": "Sosyal Güvenlik Kurumu Başkanlığı",
        "ISKUR": "Türkiye İş Kurumu Genel Müdürlüğü",
        "MYK": "Mesleki Yeterlilik Kurumu Başkanlığı",
    },
    # csb.gov.tr, Teşkilat Şeması
    "CSIDB": {
        "MPGM": "Mekânsal Planlama Genel Müdürlüğü",
        "AKDGM": "Altyapı ve Kentsel Dönüşüm Hizmetleri Genel Müdürlüğü",
        "YIGM": "Yapı İşleri Genel Müdürlüğü",
        "MHGM": "Mesleki Hizmetler Genel Müdürlüğü",
        "CBSGM": "Coğrafi Bilgi Sistemleri Genel Müdürlüğü",
        "CYGM": "Çevre Yönetimi Genel Müdürlüğü",
        "CEDGM": "Çevresel Etki Değerlendirmesi, İzin ve Denetim Genel Müdürlüğü",
        "MEGM": "Milli Emlak Genel Müdürlüğü",
        "TVKGM": "Tabiat Varlıklarını Koruma Genel Müdürlüğü",
        "IDB": "İklim Değişikliği Başkanlığı",
        "TKGM": "Tapu ve Kadastro Genel Müdürlüğü",
        "TOKI": "Toplu Konut İdaresi Başkanlığı",
        "ILBANK": "İller Bankası Anonim Şirketi",
    },
    # mfa.gov.tr, Teşkilat Şeması
    "DISISLERI": {
        "KONSOLOSLUK": "Konsolosluk Genel Müdürlüğü",
        "PROTOKOL": "Protokol Genel Müdürlüğü",
        "DA": "Diplomasi Akademisi",
        "ABB": "Avrupa Birliği Başkanlığı",
    },
    # enerji.gov.tr, Teşkilat Şeması
    "ENERJI": {
        "EIGM": "Enerji İşleri Genel Müdürlüğü",
        "MAPEG": "Maden ve Petrol İşleri Genel Müdürlüğü",
        "NEUPGM": "Nükleer Enerji ve Uluslararası Projeler Genel Müdürlüğü",
        "MTA": "Maden Tetkik ve Arama Genel Müdürlüğü",
        "TENMAK": "Türkiye Enerji, Nükleer ve Maden Araştırma Kurumu",
        "EPDK": "Enerji Piyasası Düzenleme Kurumu",
        "TEIAS": "Türkiye Elektrik İletim A.Ş. Genel Müdürlüğü",
        "EUAS": "Elektrik Üretim A.Ş. Genel Müdürlüğü",
        "BOTAS": "Boru Hatları ile Petrol Taşıma A.Ş. Genel Müdürlüğü",
        "TPAO": "Türkiye Petrolleri Anonim Ortaklığı Genel Müdürlüğü",
    },
    # gsb.gov.tr, Teşkilat Şeması
    "GSB": {
        "GHGM": "Gençlik Hizmetleri Genel Müdürlüğü",
        "SHGM": "Spor Hizmetleri Genel Müdürlüğü",
        "KYK": "Kredi ve Yurtlar Genel Müdürlüğü",
        "SPORTOTO": "Spor Toto Teşkilat Başkanlığı",
    },
    # hmb.gov.tr, Teşkilat Şeması
    "HMB": {
        "GIB": "Gelir İdaresi Başkanlığı",
        "MUHASEBAT": "Muhasebat Genel Müdürlüğü",
        "BUMKO": "Bütçe ve Mali Kontrol Genel Müdürlüğü",
        "KFGM": "Kamu Finansmanı Genel Müdürlüğü",
        "GPGM": "Gelir Politikaları Genel Müdürlüğü",
        "KIGM": "Kamu İşletmeleri Genel Müdürlüğü",
        "DEIGM": "Dış Ekonomik İlişkiler Genel Müdürlüğü",
        "MASAK": "Mali Suçları Araştırma Kurulu Başkanlığı",
        "VDK": "Vergi Denetim Kurulu Başkanlığı",
        "KIK": "Kamu İhale Kurumu",
    },
    # icisleri.gov.tr, Teşkilat Şeması
    "ICISLERI": {
        "EGM": "Emniyet Genel Müdürlüğü",
        "JGK": "Jandarma Genel Komutanlığı",
        "SG": "Sahil Güvenlik Komutanlığı",
        "NVI": "Nüfus ve Vatandaşlık İşleri Genel Müdürlüğü",
        "IIGM": "İller İdaresi Genel Müdürlüğü",
        "YYGM": "Yerel Yönetimler Genel Müdürlüğü",
        "STIGM": "Sivil Toplumla İlişkiler Genel Müdürlüğü",
        "GOC": "Göç İdaresi Başkanlığı",
        "AFAD": "Afet ve Acil Durum Yönetimi Başkanlığı",
        "MTK": "Mülkiye Teftiş Kurulu Başkanlığı",
    },
    # ktb.gov.tr, Teşkilat Şeması
    "KTB": {
        "KVMGM": "Kültür Varlıkları ve Müzeler Genel Müdürlüğü",
        "THGM": "Telif Hakları Genel Müdürlüğü",
        "SGM": "Sinema Genel Müdürlüğü",
        "KYGM": "Kütüphaneler ve Yayımlar Genel Müdürlüğü",
        "GSGM": "Güzel Sanatlar Genel Müdürlüğü",
        "AREGEM": "Araştırma ve Eğitim Genel Müdürlüğü",
        "YIGM": "Yatırım ve İşletmeler Genel Müdürlüğü",
        "TGM": "Tanıtma Genel Müdürlüğü",
        "DT": "Devlet Tiyatroları Genel Müdürlüğü",
        "DOB": "Devlet Opera ve Balesi Genel Müdürlüğü",
        "VGM": "Vakıflar Genel Müdürlüğü",
        "TGA": "Türkiye Turizm Tanıtım ve Geliştirme Ajansı",
        "TIKA": "Türk İşbirliği ve Koordinasyon Ajansı Başkanlığı",
        "YTB": "Yurtdışı Türkler ve Akraba Topluluklar Başkanlığı",
    },
    # meb.gov.tr, Teşkilat Şeması
    "MEB": {
        "TEGM": "Temel Eğitim Genel Müdürlüğü",
        "OGM": "Ortaöğretim Genel Müdürlüğü",
        "MTEGM": "Mesleki ve Teknik Eğitim Genel Müdürlüğü",
        "DOGM": "Din Öğretimi Genel Müdürlüğü",
        "OERHGM": "Özel Eğitim ve Rehberlik Hizmetleri Genel Müdürlüğü",
        "OOKGM": "Özel Öğretim Kurumları Genel Müdürlüğü",
        "HBOGM": "Hayat Boyu Öğrenme Genel Müdürlüğü",
        "OYGGM": "Öğretmen Yetiştirme ve Geliştirme Genel Müdürlüğü",
        "ODSGM": "Ölçme, Değerlendirme ve Sınav Hizmetleri Genel Müdürlüğü",
        "YEGITEK": "Yenilik ve Eğitim Teknolojileri Genel Müdürlüğü",
        "YYEGM": "Yükseköğretim ve Yurt Dışı Eğitim Genel Müdürlüğü",
        "PGM": "Personel Genel Müdürlüğü",
        "DHGM": "Destek Hizmetleri Genel Müdürlüğü",
        "ABDIGM": "Avrupa Birliği ve Dış İlişkiler Genel Müdürlüğü",
        "TTKB": "Talim ve Terbiye Kurulu Başkanlığı",
    },
    # msb.gov.tr, Teşkilat Şeması
    "MSB": {
        "ASAL": "Askeralma Genel Müdürlüğü",
        "KKK": "Kara Kuvvetleri Komutanlığı",
        "DKK": "Deniz Kuvvetleri Komutanlığı",
        "HKK": "Hava Kuvvetleri Komutanlığı",
        "HGM": "Harita Genel Müdürlüğü",
        "MSU": "Milli Savunma Üniversitesi",
    },
    # saglik.gov.tr, Teşkilat Şeması
    "SAGLIK": {
        "SHGM": "Sağlık Hizmetleri Genel Müdürlüğü",
        "HSGM": "Halk Sağlığı Genel Müdürlüğü",
        "KHGM": "Kamu Hastaneleri Genel Müdürlüğü",
        "ASHGM": "Acil Sağlık Hizmetleri Genel Müdürlüğü",
        "SBSGM": "Sağlık Bilgi Sistemleri Genel Müdürlüğü",
        "SYGM": "Sağlık Yatırımları Genel Müdürlüğü",
        "YHGM": "Yönetim Hizmetleri Genel Müdürlüğü",
        "ABDIGM": "Avrupa Birliği ve Dış İlişkiler Genel Müdürlüğü",
        "TITCK": "Türkiye İlaç ve Tıbbi Cihaz Kurumu",
        "TUSEB": "Türkiye Sağlık Enstitüleri Başkanlığı",
    },
    # sanayi.gov.tr, Teşkilat Şeması
    "SANAYI": {
        "SGM": "Sanayi Genel Müdürlüğü",
        "SBGM": "Sanayi Bölgeleri Genel Müdürlüğü",
        "BTGM": "Bilim ve Teknoloji Genel Müdürlüğü",
        "KAGM": "Kalkınma Ajansları Genel Müdürlüğü",
        "UGDGM": "Ürün Güvenliği ve Denetimi Genel Müdürlüğü",
        "SAVGM": "Stratejik Araştırmalar ve Verimlilik Genel Müdürlüğü",
        "TUBITAK": "Türkiye Bilimsel ve Teknolojik Araştırma Kurumu",
        "TSE": "Türk Standardları Enstitüsü",
        "TURKPATENT": "Türk Patent ve Marka Kurumu",
        "KOSGEB": "Küçük ve Orta Ölçekli İşletmeleri Geliştirme ve Destekleme İdaresi Başkanlığı",
        "TUA": "Türkiye Uzay Ajansı",
    },
    # tarimorman.gov.tr, Teşkilat Şeması
    "TARIM": {
        "GKGM": "Gıda ve Kontrol Genel Müdürlüğü",
        "BUGEM": "Bitkisel Üretim Genel Müdürlüğü",
        "HAYGEM": "Hayvancılık Genel Müdürlüğü",
        "BSGM": "Balıkçılık ve Su Ürünleri Genel Müdürlüğü",
        "TRGM": "Tarım Reformu Genel Müdürlüğü",
        "TAGEM": "Tarımsal Araştırmalar ve Politikalar Genel Müdürlüğü",
        "DKMP": "Doğa Koruma ve Milli Parklar Genel Müdürlüğü",
        "CEM": "Çölleşme ve Erozyonla Mücadele Genel Müdürlüğü",
        "SYGM": "Su Yönetimi Genel Müdürlüğü",
        "DSI": "Devlet Su İşleri Genel Müdürlüğü",
        "OGM": "Orman Genel Müdürlüğü",
        "MGM": "Meteoroloji Genel Müdürlüğü",
        "TKDK": "Tarım ve Kırsal Kalkınmayı Destekleme Kurumu",
        "TMO": "Toprak Mahsulleri Ofisi Genel Müdürlüğü",
        "ESK": "Et ve Süt Kurumu Genel Müdürlüğü",
        "TIGEM": "Tarım İşletmeleri Genel Müdürlüğü",
    },
    # ticaret.gov.tr, Teşkilat Şeması
    "TICARET": {
        "GGM": "Gümrükler Genel Müdürlüğü",
        "GMGM": "Gümrükler Muhafaza Genel Müdürlüğü",
        "TKPGGM": "Tüketicinin Korunması ve Piyasa Gözetimi Genel Müdürlüğü",
        "ITGM": "İç Ticaret Genel Müdürlüğü",
        "ESKGM": "Esnaf, Sanatkârlar ve Kooperatifçilik Genel Müdürlüğü",
        "IHRACAT": "İhracat Genel Müdürlüğü",
        "ITHALAT": "İthalat Genel Müdürlüğü",
        "ANLASMALAR": "Anlaşmalar Genel Müdürlüğü",
        "RYKGM": "Risk Yönetimi ve Kontrol Genel Müdürlüğü",
        "REKABET": "Rekabet Kurumu",
    },
    # uab.gov.tr, Teşkilat Şeması
    "UAB": {
        "KGM": "Karayolları Genel Müdürlüğü",
        "SHGM": "Sivil Havacılık Genel Müdürlüğü",
        "DGM": "Denizcilik Genel Müdürlüğü",
        "KDGM": "Karayolu Düzenleme Genel Müdürlüğü",
        "DDGM": "Demiryolu Düzenleme Genel Müdürlüğü",
        "TMKTDGM": "Tehlikeli Mal ve Kombine Taşımacılık Düzenleme Genel Müdürlüğü",
        "HGM": "Haberleşme Genel Müdürlüğü",
        "AYGM": "Altyapı Yatırımları Genel Müdürlüğü",
        "DHMI": "Devlet Hava Meydanları İşletmesi Genel Müdürlüğü",
        "TCDD": "Türkiye Cumhuriyeti Devlet Demiryolları İşletmesi Genel Müdürlüğü",
        "TCDDT": "TCDD Taşımacılık A.Ş. Genel Müdürlüğü",
        "KEGM": "Kıyı Emniyeti Genel Müdürlüğü",
        "BTK": "Bilgi Teknolojileri ve İletişim Kurumu",
        "PTT": "Posta ve Telgraf Teşkilatı A.Ş. Genel Müdürlüğü",
    },
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
        Entry(
            domain.INFORMATION_REVIEW_BOARD,
            "Bilgi Edinme Değerlendirme Kurulu",
            "information_review_board",
            parent=domain.PRESIDENCY,
        ),
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
    # The disciplinary boards that ethics complaints below general-director rank go to
    # (`domain.disciplinary_board_for`): each ministry's, for its central organisation and units, and each
    # governorship's İl Disiplin Kurulu, for the staff serving in its province (Kaymakamlıklar, provincial and
    # regional directorates, provincial and district boards) as well as its own.
    for row in [r for r in rows if r.type in ("ministry", "governorship")]:
        board = "İl Disiplin Kurulu" if row.type == "governorship" else "Disiplin Kurulu"
        rows.append(
            Entry(
                domain.disciplinary_board(row.code),
                f"{row.name} {board}",
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
