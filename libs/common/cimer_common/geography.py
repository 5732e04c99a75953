"""Turkey's provinces, districts and ministries, read once from the CSV files copied from `shared/data/`.

This is reference data that every service may read (intake checks a province and district against it, routing
builds the institution directory from it); the institution directory itself belongs to the routing service.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

# Turkish letters that have no ASCII capital of their own; codes such as DG-06-CANKAYA use the ASCII form.
_ASCII = str.maketrans("çğıöşüÇĞİÖŞÜâîûÂÎÛ", "cgiosuCGIOSUaiuAIU")


def ascii_code(name: str) -> str:
    """`Çankaya` → `CANKAYA`, `Kahramanmaraş` → `KAHRAMANMARAS`, `Eyüpsultan` → `EYUPSULTAN`."""
    return "".join(ch for ch in name.translate(_ASCII).upper() if ch.isalnum())


def fold(text: str) -> str:
    """A comparison key for Turkish names that ignores case and diacritics (`İzmir` == `izmir` == `IZMIR`)."""
    return ascii_code(text.replace("I", "ı").replace("İ", "i"))


@dataclass(frozen=True)
class Province:
    code: str  # the plate code, "06"
    name: str
    region: str


@dataclass(frozen=True)
class District:
    province: str
    name: str

    @property
    def is_central(self) -> bool:
        # A province's *Merkez* district is served by the governorship itself: it has no Kaymakamlık.
        return self.name == "Merkez"


@dataclass(frozen=True)
class Ministry:
    code: str
    name: str
    provincial_directorate: str | None  # the name of its provincial directorate, where it has one


def _rows(filename: str) -> list[dict[str, str]]:
    text = resources.files("cimer_common").joinpath("data", filename).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def provinces() -> dict[str, Province]:
    return {r["plate_code"]: Province(r["plate_code"], r["name"], r["region"]) for r in _rows("tr-provinces.csv")}


@cache
def districts() -> dict[str, list[District]]:
    by_province: dict[str, list[District]] = {}
    for r in _rows("tr-districts.csv"):
        by_province.setdefault(r["plate_code"], []).append(District(r["plate_code"], r["district"]))
    return by_province


@cache
def ministries() -> dict[str, Ministry]:
    return {
        r["code"]: Ministry(r["code"], r["ministry"], r["provincial_directorate"] or None)
        for r in _rows("tr-ministries.csv")
    }


def find_district(province: str, name: str) -> District | None:
    key = fold(name)
    return next((d for d in districts().get(province, []) if fold(d.name) == key), None)
