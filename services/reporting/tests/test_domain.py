"""Unit tests of reporting's rules: no broker, no database."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from cimer_common.errors import InvalidRequest
from reporting import domain


@pytest.mark.parametrize(
    ("received_at", "period"),
    [
        (datetime(2026, 1, 31, 20, 59, tzinfo=UTC), "2026-01"),  # 23:59 in Istanbul
        (datetime(2026, 1, 31, 21, 0, tzinfo=UTC), "2026-02"),  # midnight in Istanbul, still January in UTC
        (datetime(2026, 12, 31, 21, 30, tzinfo=UTC), "2027-01"),
        (datetime(2026, 3, 1, 1, 0, tzinfo=timezone(timedelta(hours=5))), "2026-02"),
        (datetime(2026, 1, 31, 21, 0), "2026-02"),  # no zone: UTC
    ],
)
def test_a_period_is_the_month_in_turkey(received_at, period):
    assert domain.period_of(received_at) == period


@pytest.mark.parametrize("period", ["2026-01", "2026-12", "1999-09"])
def test_a_well_formed_period_passes(period):
    assert domain.check_period(period) == period


@pytest.mark.parametrize("period", ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", "", " 2026-01"])
def test_a_malformed_period_is_refused(period):
    with pytest.raises(InvalidRequest) as caught:
        domain.check_period(period)
    assert (caught.value.code, caught.value.field) == ("invalid_period", "period")


def test_a_month_adds_up_by_kind_subject_and_channel():
    report = domain.monthly_received(
        "2026-03",
        "GOV-06",
        [
            ("petition", "transport", "web", 3),
            ("petition", "health", "phone", 2),
            ("information_request", "transport", "web", 1),
        ],
    )
    assert report["period"] == "2026-03" and report["institution"] == "GOV-06"
    assert report["received"] == 6
    assert report["by_kind"]["petition"] == 5 and report["by_kind"]["information_request"] == 1
    assert report["by_subject"]["transport"] == 4 and report["by_subject"]["health"] == 2
    assert report["by_channel"] == {"web": 4, "phone": 2, "in_person": 0}


def test_an_empty_month_shows_every_category_at_zero():
    report = domain.monthly_received("2026-03", None, [])
    assert report["received"] == 0
    assert set(report["by_kind"]) == {"information_request", "petition", "ethics_complaint", "human_rights"}
    assert len(report["by_subject"]) == 20 and set(report["by_subject"].values()) == {0}
    assert report["by_channel"] == {"web": 0, "phone": 0, "in_person": 0}


def test_a_category_unknown_to_the_catalogue_is_still_counted():
    report = domain.monthly_received("2026-03", None, [("petition", "space", "web", 1)])
    assert report["by_subject"]["space"] == 1
