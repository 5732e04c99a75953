"""The monthly report through the gateway: JSON, CSV and a printable PDF, for coordinators in scope only."""

from __future__ import annotations

import pytest

from cimer_common.calendar import today
from tests.e2e.conftest import wait_for

pytestmark = pytest.mark.e2e

APPLICATION = {
    "kind": "petition", "petition_type": "request", "subject": "education", "province": "06",
    "title": "Okul", "body": "Okulumuzun çatısı akıyor, onarım bekliyoruz.",
    "applicant": {"national_id": "10000000146", "first_name": "Ayşe", "last_name": "Yılmaz"},
}  # fmt: skip


def test_a_coordinator_reads_this_months_report_in_three_forms(api, login):
    assert api.post("/api/v1/applications", json=APPLICATION).status_code == 201
    period = today().strftime("%Y-%m")
    query = {"period": period, "institution": "GOV-06"}

    def counted():
        report = api.get("/api/v1/reports/monthly", params=query, headers=login("gov-06"))
        assert report.status_code == 200, report.text
        return report.json()["received"]["total"] >= 1  # once reporting has heard of the application

    wait_for(counted)

    csv = api.get("/api/v1/reports/monthly", params=query, headers={**login("gov-06"), "Accept": "text/csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert "section" in csv.text.splitlines()[0]

    pdf = api.get("/api/v1/reports/monthly", params=query, headers={**login("gov-06"), "Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize(
    ("who", "institution", "expected"),
    [
        ("presidency", None, 200),  # the state report: the Presidency's
        ("gov-06", None, 403),
        ("gov-34", "GOV-06", 403),  # another governorship's
        ("dg-06-cankaya", "GOV-06", 403),  # an officer, not a coordinator
        ("admin", "GOV-06", 403),
    ],
)
def test_reports_only_for_coordinators_in_scope(api, login, who, institution, expected):
    params = {"period": today().strftime("%Y-%m"), **({"institution": institution} if institution else {})}
    assert api.get("/api/v1/reports/monthly", params=params, headers=login(who)).status_code == expected


def test_a_bad_period_is_a_4xx(api, login):
    for period in ("2026-13", "26-01", "9999-01"):
        response = api.get("/api/v1/reports/monthly", params={"period": period}, headers=login("presidency"))
        assert 400 <= response.status_code < 500, (period, response.text)
