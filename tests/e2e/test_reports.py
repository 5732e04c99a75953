"""The monthly report through the gateway: JSON, CSV and a printable PDF, for coordinators in scope only; a report
for every governorship and ministry, a quiet one too; and the open data, for anyone."""

from __future__ import annotations

import pytest

from cimer_common.calendar import month_name, today
from identity.demo_seed import demo_email
from reporting.domain import previous_period
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


def test_a_governorship_to_which_nothing_came_last_month_still_gets_its_report(system):
    """SPEC section 6: each governorship's report, every month. The run's database starts empty, so last month
    nothing came anywhere; İstanbul's coordinator gets its report of zeros all the same (produced by the timer, every
    2 s in this run, and mailed with its PDF)."""
    period = previous_period(today())
    subject = f"CİMER aylık raporu, {month_name(period)}: GOV-34"
    (mail,) = wait_for(
        lambda: [m for m in system.mails_to(demo_email("gov-34")) if str(m["Subject"]) == subject], timeout=60
    )
    assert "Alınan başvuru: 0" in mail.get_body(preferencelist=("plain",)).get_content()
    (pdf,) = list(mail.iter_attachments())
    assert pdf.get_filename() == f"cimer-{period}-GOV-34.pdf" and pdf.get_content().startswith(b"%PDF")


def test_anyone_reads_last_month_s_open_data_as_json_or_csv_without_logging_in(api):
    period = previous_period(today())
    response = api.get("/api/v1/open-data/monthly", params={"period": period})
    assert response.status_code == 200, response.text
    data = response.json()
    assert (data["period"], data["threshold"]) == (period, 5)
    for measure in ("received", "positive", "negative"):
        assert all(row["count"] >= 5 for row in data[measure]), data[measure]
    assert "answered" not in data and "total" not in response.text  # nothing to subtract a held-back count from
    assert response.headers["cache-control"].startswith("public")

    csv = api.get("/api/v1/open-data/monthly", params={"period": period}, headers={"Accept": "text/csv"})
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    assert csv.text.removeprefix("\ufeff").splitlines()[0] == "period,measure,institution,subject,count"

    schema = api.get("/openapi.json").json()
    assert "security" not in schema["paths"]["/api/v1/open-data/monthly"]["get"]


def test_open_data_is_published_for_finished_months_only(api):
    this_month = today().strftime("%Y-%m")
    for period, code in [(this_month, "period_not_finished"), ("2099-12", "period_in_future")]:
        response = api.get("/api/v1/open-data/monthly", params={"period": period})
        assert response.status_code == 422 and response.json()["detail"]["code"] == code, response.text
        assert response.json()["detail"]["message"]  # in Turkish, by default
    for period in ("2026-13", "26-01", "9999-01"):
        response = api.get("/api/v1/open-data/monthly", params={"period": period}, headers={"Accept-Language": "en"})
        assert response.status_code == 422 and response.json()["detail"]["errors"][0]["field"] == "query.period"
