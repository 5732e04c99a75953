"""Unit tests of reporting's rules: no broker, no database."""

import random
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from cimer_common import geography
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


# --- Every governorship and ministry gets its report ------------------------------------------------------------


def test_every_governorship_and_ministry_is_reported_whether_anything_reached_it_or_not():
    seen = ["GOV-06", "DG-06-CANKAYA", "PD-06-SAGLIK", "PRESIDENCY", "MIN-YENI"]
    reported = domain.reported_institutions(seen, ["01", "06"], ["SAGLIK"])
    assert reported == ["GOV-01", "GOV-06", "MIN-SAGLIK", "MIN-YENI"]
    # Nothing seen yet (a quiet month, a new system): still each of them, for a report of zeros.
    assert domain.reported_institutions([], ["81"], ["MEB"]) == ["GOV-81", "MIN-MEB"]


def test_the_state_s_governorships_and_ministries_come_from_the_reference_data():
    reported = domain.reported_institutions([], geography.provinces(), geography.ministries())
    assert len(reported) == 81 + 17
    assert {"GOV-01", "GOV-06", "GOV-81", "MIN-SAGLIK", "MIN-ICISLERI", "MIN-MEB"} <= set(reported)
    assert all(domain.is_reported(code) for code in reported)


# --- Open data ------------------------------------------------------------------------------------------------------


def row(institution, subject, count):
    return {"institution": institution, "subject": subject, "count": count}


def test_a_month_with_small_counts_merges_them_into_other():
    groups = [
        ("GOV-06", "health", 12),
        ("GOV-06", "education", 3),  # small: into GOV-06's other,
        ("GOV-06", "transport", 2),  # with this,
        ("GOV-06", "other", 1),  # and GOV-06's own `other` subject: 6, shown
        ("GOV-34", "transport", 7),
        ("GOV-34", "health", 4),  # small, and GOV-34's other stays 4: into the state-wide row
        ("DG-06-CANKAYA", "transport", 2),  # an institution with only small counts: all to the state-wide row
        ("MIN-SAGLIK", "health", 5),  # exactly the threshold: shown
    ]
    assert domain.merge_small_counts(groups) == [
        row("GOV-06", "health", 12),
        row("GOV-06", "other", 6),
        row("GOV-34", "transport", 7),
        row("MIN-SAGLIK", "health", 5),
        row("other", "other", 6),  # GOV-34's 4 and DG-06-CANKAYA's 2
    ]


def test_a_state_wide_rest_below_the_threshold_is_suppressed_and_no_total_gives_it_away():
    groups = [("GOV-06", "health", 9), ("GOV-34", "transport", 3), ("DG-06-CANKAYA", "education", 1)]
    shown = domain.merge_small_counts(groups)
    assert shown == [row("GOV-06", "health", 9)]  # the 4 others: nowhere, not even as a total
    data = domain.open_data("2026-03", groups, [], [])
    assert set(data) == {"period", "threshold", "received", "positive", "negative"}
    assert "total" not in str(data)


def test_counts_of_one_institution_and_subject_are_added_up_before_the_rule():
    # The answers arrive grouped by outcome too, and an unknown subject is `other`: 3 + 2 is 5, shown.
    assert domain.merge_small_counts([("GOV-06", "health", 3), ("GOV-06", "health", 2)]) == [row("GOV-06", "health", 5)]
    assert domain.merge_small_counts([("GOV-06", None, 3), ("GOV-06", "other", 3)]) == [row("GOV-06", "other", 6)]


def test_an_institution_not_known_yet_counts_in_the_state_wide_row():
    assert domain.merge_small_counts([(None, "health", 6)]) == [row("other", "other", 6)]
    # With the small rest of the institutions known: 2 + 3 is 5, shown; 2 + 2 is not.
    assert domain.merge_small_counts([(None, "health", 2), ("GOV-06", "health", 3)]) == [row("other", "other", 5)]
    assert domain.merge_small_counts([(None, "health", 2), ("GOV-06", "health", 2)]) == []


def test_zero_and_empty_months_show_nothing():
    assert domain.merge_small_counts([]) == []
    assert domain.merge_small_counts([("GOV-06", "health", 0), ("GOV-06", "other", 0)]) == []
    assert domain.open_data("2026-03", [], [], []) == {
        "period": "2026-03",
        "threshold": 5,
        "received": [],
        "positive": [],
        "negative": [],
    }


def test_the_threshold_can_be_set():
    assert domain.merge_small_counts([("GOV-06", "health", 9)], threshold=10) == []
    assert domain.merge_small_counts([("GOV-06", "health", 9), ("GOV-34", "health", 1)], threshold=10) == [
        row("other", "other", 10)
    ]


def test_each_table_is_merged_on_its_own_and_answered_is_not_published():
    data = domain.open_data(
        "2026-03",
        received=[("GOV-06", "health", 8)],
        positive=[("GOV-06", "health", 40)],
        negative=[("GOV-06", "health", 2), ("GOV-34", "health", 6)],
    )
    assert data["received"] == [row("GOV-06", "health", 8)]
    assert data["positive"] == [row("GOV-06", "health", 40)]
    # GOV-06's 2 negative answers: were `answered` (42) shown beside the 40 positive, 42 - 40 would give them away.
    assert data["negative"] == [row("GOV-34", "health", 6)]
    assert "answered" not in data


@pytest.mark.parametrize("seed", range(200))
def test_whatever_the_month_no_count_below_the_threshold_is_shown_and_nothing_is_lost_but_a_small_rest(seed):
    rng = random.Random(seed)
    institutions = [None, "GOV-06", "GOV-34", "DG-06-CANKAYA", "MIN-SAGLIK", "PD-06-SAGLIK"]
    subjects = [None, "health", "education", "transport", "other", "energy"]
    groups = [
        (rng.choice(institutions), rng.choice(subjects), rng.choice([0, 1, 1, 2, 3, 4, 4, 5, 6, 9, 20]))
        for _ in range(rng.randint(0, 25))
    ]
    shown = domain.merge_small_counts(groups)

    assert all(r["count"] >= domain.OPEN_DATA_THRESHOLD for r in shown)
    keys = [(r["institution"], r["subject"]) for r in shown]
    assert len(keys) == len(set(keys))  # one row per institution and subject
    total = sum(count for _, _, count in groups)
    suppressed = total - sum(r["count"] for r in shown)
    assert 0 <= suppressed < domain.OPEN_DATA_THRESHOLD  # only a small state-wide rest is left out
    assert (suppressed == 0) or ("other", "other") not in keys  # left out only when the state-wide row is not shown

    # A subject's row shows exactly its count, and only when that is at least the threshold.
    cells: dict[tuple[str, str], int] = {}
    for institution, subject, count in groups:
        if institution is not None:
            cells[(institution, subject or "other")] = cells.get((institution, subject or "other"), 0) + count
    for (institution, subject), count in cells.items():
        if subject != "other":
            assert ((institution, subject) in keys) == (count >= domain.OPEN_DATA_THRESHOLD)
    for r in shown:
        if r["subject"] != "other":
            assert r["count"] == cells[(r["institution"], r["subject"])]
    # The rows come in order, the state-wide row last.
    assert keys == sorted(keys, key=lambda k: (k[0] == "other", k[0], k[1] == "other", k[1]))


def test_open_data_is_for_finished_months_only():
    today = date(2026, 4, 15)
    assert domain.check_open_data_period("2026-03", today) == "2026-03"
    assert domain.check_open_data_period("2025-12", today) == "2025-12"
    refused = [("2026-04", "period_not_finished"), ("2026-05", "period_in_future"), ("2026-4", "invalid_period")]
    for period, code in refused:
        with pytest.raises(InvalidRequest) as caught:
            domain.check_open_data_period(period, today)
        assert (caught.value.code, caught.value.field) == (code, "period")


def test_a_report_counts_the_closed_and_the_applicants_ratings():
    report = domain.monthly_report(
        "2026-03", "GOV-06", [], domain.Answered(), 0, 0, closed=7, ratings=domain.Ratings(3, Decimal("3.6667"), 2)
    )
    assert report["closed"] == 7
    assert report["ratings"] == {"count": 3, "mean": 3.67, "solved_share": 0.667}


def test_a_month_without_ratings_has_no_mean_or_share():
    report = domain.monthly_report("2026-03", None, [], domain.Answered(), 0, 0)
    assert report["closed"] == 0
    assert report["ratings"] == {"count": 0, "mean": None, "solved_share": None}
