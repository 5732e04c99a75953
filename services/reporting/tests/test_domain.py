"""Unit tests of reporting's rules: no broker, no database."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

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


@pytest.mark.parametrize("period", ["2026-01", "2026-12", "2000-01", "2099-12"])
def test_a_well_formed_period_passes(period):
    assert domain.check_period(period) == period


@pytest.mark.parametrize(
    "period",
    ["2026-13", "2026-00", "2026-1", "26-01", "2026/01", "2026-01-01", "", " 2026-01", "0000-01", "1999-12", "9999-12"],
)
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


# --- The monthly report ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [
        ("2026-03", datetime(2026, 2, 28, 21, 0, tzinfo=UTC), datetime(2026, 3, 31, 21, 0, tzinfo=UTC)),
        ("2026-12", datetime(2026, 11, 30, 21, 0, tzinfo=UTC), datetime(2026, 12, 31, 21, 0, tzinfo=UTC)),
    ],
)
def test_a_month_is_bounded_in_turkey(period, start, end):
    assert domain.month_bounds(period) == (start, end)


@pytest.mark.parametrize(
    ("today", "period"), [(date(2026, 4, 1), "2026-03"), (date(2026, 1, 1), "2025-12"), (date(2026, 3, 31), "2026-02")]
)
def test_the_report_produced_is_the_month_before(today, period):
    assert domain.previous_period(today) == period


def test_a_month_not_begun_is_refused_and_one_not_ended_is_not_produced():
    today = date(2026, 4, 15)
    assert domain.check_not_future("2026-04", today) == "2026-04"  # on demand, as it stands so far
    assert domain.check_finished("2026-03", today) == "2026-03"
    for check, period in [(domain.check_not_future, "2026-05"), (domain.check_finished, "2026-04")]:
        with pytest.raises(InvalidRequest) as caught:
            check(period, today)
        assert (caught.value.code, caught.value.field) == ("period_in_future", "period")
    with pytest.raises(InvalidRequest) as caught:
        domain.check_not_future("2026-4", today)
    assert caught.value.code == "invalid_period"


@pytest.mark.parametrize(
    ("part", "whole", "expected"), [(2, 3, 0.667), (1, 3, 0.333), (1, 8, 0.125), (0, 4, 0.0), (4, 4, 1.0), (0, 0, None)]
)
def test_a_share_is_a_fraction_to_three_decimals(part, whole, expected):
    assert domain.share(part, whole) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [(7.25, 7.3), (7.35, 7.4), (Decimal("7.0833333"), 7.1), (0.04, 0.0), (None, None)]
)
def test_days_are_rounded_half_up_to_one_decimal(value, expected):
    assert domain.days(value) == expected


def test_mean_and_median_as_postgresql_has_them():
    assert domain.mean([5.25, 10.0, 6.0]) == pytest.approx(7.0833333)
    assert domain.median([5.25, 10.0, 6.0]) == 6.0
    assert domain.median([10.0, 5.0, 6.0, 1.0]) == 5.5
    assert domain.mean([]) is None and domain.median([]) is None


def test_response_days_are_fractional():
    received = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    assert domain.response_days(received, datetime(2026, 3, 7, 15, 0, tzinfo=UTC)) == 5.25


def test_a_report_assembles_every_figure():
    report = domain.monthly_report(
        "2026-03",
        "GOV-06",
        [("petition", "transport", "web", 2), ("information_request", "health", "phone", 1)],
        domain.Answered(total=3, positive=2, negative=1, mean_days=Decimal("7.0833"), median_days=6.0),
        open_at_month_end=4,
        overdue_at_month_end=2,
    )
    assert report["period"] == "2026-03" and report["institution"] == "GOV-06"
    assert report["received"]["total"] == 3
    assert report["received"]["by_kind"]["petition"] == 2 and report["received"]["by_channel"]["phone"] == 1
    assert report["answered"] == {
        "total": 3,
        "positive": 2,
        "negative": 1,
        "positive_share": 0.667,
        "negative_share": 0.333,
    }
    assert report["response_days"] == {"mean": 7.1, "median": 6.0}
    assert (report["open_at_month_end"], report["overdue_at_month_end"]) == (4, 2)


def test_an_empty_report_has_no_shares_or_times():
    report = domain.monthly_report("2026-03", None, [], domain.Answered(), 0, 0)
    assert report["answered"]["positive_share"] is None and report["response_days"] == {"mean": None, "median": None}


@pytest.mark.parametrize(
    ("principal", "institution", "coordinators", "allowed"),
    [
        ("PRESIDENCY", None, [], True),
        ("PRESIDENCY", "GOV-34", ["PRESIDENCY"], True),
        ("PRESIDENCY", "UNSEEN", [], True),
        ("GOV-06", "GOV-06", ["PRESIDENCY"], True),
        ("GOV-06", "DG-06-CANKAYA", ["GOV-06", "PRESIDENCY"], True),
        ("GOV-06", "GOV-34", ["PRESIDENCY"], False),
        ("GOV-06", None, [], False),
        ("MIN-SAGLIK", "PD-06-SAGLIK", ["MIN-SAGLIK", "GOV-06", "PRESIDENCY"], True),
    ],
)
def test_who_reads_which_report(principal, institution, coordinators, allowed):
    assert domain.may_read_report(principal, institution, coordinators) is allowed


def test_recipients_of_a_report():
    assert domain.recipients(None) == ["PRESIDENCY"]
    assert domain.recipients("GOV-06") == ["GOV-06", "MIN-ICISLERI"]
    assert domain.recipients("MIN-SAGLIK") == ["MIN-SAGLIK"]
    assert [domain.is_reported(c) for c in ("GOV-06", "MIN-SAGLIK", "DG-06-CANKAYA", "PRESIDENCY")] == [
        True,
        True,
        False,
        False,
    ]
