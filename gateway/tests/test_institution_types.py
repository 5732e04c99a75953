"""The gateway names the institution types of SPEC section 3 in three places: the body of a new institution, the
directory's `type` filter and the console's words. A type added to one and forgotten in another would be refused by
the API, or shown without a name."""

from __future__ import annotations

import re
import typing

from gateway import schemas
from gateway.api.routes import institutions
from gateway.web.texts import INSTITUTION_TYPES

SPEC_TYPES = {
    "presidency", "ministry", "ministry_unit", "governorship", "district_governorship", "provincial_directorate",
    "regional_directorate", "ethics_board", "disciplinary_board", "provincial_hr_board", "district_hr_board",
    "hr_presidency", "information_review_board",
}  # fmt: skip


def _filter_pattern() -> str:
    query = typing.get_args(institutions.InstitutionType)[1]
    (pattern,) = [m.pattern for m in query.metadata if getattr(m, "pattern", None)]
    return str(pattern)


def test_a_new_institution_may_be_of_every_type_of_the_spec():
    assert set(typing.get_args(schemas.InstitutionType)) == SPEC_TYPES


def test_the_directory_filter_takes_every_type_and_nothing_else():
    pattern = _filter_pattern()
    for type_ in SPEC_TYPES:
        assert re.fullmatch(pattern, type_), type_
    for other in ("municipality", "information_review", "hr_presidency_x", ""):
        assert not re.fullmatch(pattern, other), other


def test_every_type_has_its_words_in_both_languages():
    assert set(INSTITUTION_TYPES) == SPEC_TYPES
    assert INSTITUTION_TYPES["information_review_board"][0] == "Bilgi Edinme Değerlendirme Kurulu"
