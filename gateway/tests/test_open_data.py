"""The open-data route (SPEC sections 8 and 12) through the real application over ASGI, with reporting played by a
stand-in: no login, JSON or CSV by `Accept` as the monthly report negotiates it, caching, its refusals in Turkish
first, and its place in the OpenAPI document."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from fastapi.testclient import TestClient

from cimer_common.errors import InvalidRequest
from gateway.api.deps import rpc_client
from gateway.api.routes import open_data, reports
from gateway.main import create_app

DATA = {
    "period": "2026-03",
    "threshold": 5,
    "received": [{"institution": "GOV-06", "subject": "health", "count": 7}],
    "positive": [],
    "negative": [{"institution": "other", "subject": "other", "count": 6}],
}
CSV = "\ufeffperiod,measure,institution,subject,count\r\n2026-03,received,GOV-06,health,7\r\n"


class Reporting:
    """What the gateway calls, answering as reporting would (or raising what it would raise)."""

    def __init__(self, refusal: Exception | None = None):
        self.refusal = refusal
        self.calls: list[tuple[str, str, dict[str, Any]]] = []

    async def call(self, service: str, method: str, **kwargs: Any) -> Any:
        self.calls.append((service, method, kwargs))
        if self.refusal is not None:
            raise self.refusal
        if method == "open_data":
            return DATA
        assert method == "open_data_document" and kwargs["form"] == "csv"
        return {
            "content_type": "text/csv; charset=utf-8",
            "filename": f"cimer-acik-veri-{kwargs['period']}.csv",
            "body": base64.b64encode(CSV.encode("utf-8")).decode(),
        }


@pytest.fixture
def reporting() -> Reporting:
    return Reporting()


def gateway(reporting: Reporting) -> TestClient:
    app = create_app()
    app.dependency_overrides[rpc_client] = lambda: reporting
    return TestClient(app)  # no lifespan: no broker, reporting is the stand-in


def test_anyone_reads_a_month_s_open_data_as_json_without_logging_in(reporting):
    response = gateway(reporting).get("/api/v1/open-data/monthly", params={"period": "2026-03"})
    assert response.status_code == 200 and response.json() == DATA
    assert response.headers["content-type"] == "application/json"
    assert response.headers["cache-control"] == "public, max-age=3600"
    assert response.headers["vary"] == "Accept"
    assert reporting.calls == [("reporting", "open_data", {"period": "2026-03"})]


@pytest.mark.parametrize("accept", ["text/csv", "text/csv; charset=utf-8", "application/json;q=0.5, text/csv"])
def test_or_as_csv_with_accept_text_csv(reporting, accept):
    response = gateway(reporting).get(
        "/api/v1/open-data/monthly", params={"period": "2026-03"}, headers={"Accept": accept}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == 'attachment; filename="cimer-acik-veri-2026-03.csv"'
    assert response.headers["cache-control"] == "public, max-age=3600" and response.headers["vary"] == "Accept"
    assert response.content.decode("utf-8") == CSV
    assert reporting.calls == [("reporting", "open_data_document", {"period": "2026-03", "form": "csv"})]


def test_a_form_open_data_does_not_come_in_is_answered_as_json(reporting):
    response = gateway(reporting).get(
        "/api/v1/open-data/monthly", params={"period": "2026-03"}, headers={"Accept": "application/pdf"}
    )
    assert response.status_code == 200 and response.json() == DATA


@pytest.mark.parametrize("period", ["2026-13", "26-03", "2026-3", "9999-01", ""])
def test_a_malformed_period_is_refused_before_reporting_is_asked(reporting, period):
    client = gateway(reporting)
    response = client.get("/api/v1/open-data/monthly", params={"period": period})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert detail["code"] == "invalid_request" and detail["message"].startswith("İstek geçersiz")
    assert [error["field"] for error in detail["errors"]] == ["query.period"]
    assert reporting.calls == []
    english = client.get("/api/v1/open-data/monthly", params={"period": period}, headers={"Accept-Language": "en"})
    assert english.json()["detail"]["message"].startswith("The request is invalid")
    assert client.get("/api/v1/open-data/monthly").status_code == 422  # no period at all


@pytest.mark.parametrize(
    ("code", "turkish", "english"),
    [
        ("period_in_future", "Henüz gelmemiş", "yet to come"),
        ("period_not_finished", "tamamlanmış aylar", "finished months only"),
    ],
)
def test_a_month_not_over_is_refused_with_reporting_s_reason(code, turkish, english):
    client = gateway(Reporting(InvalidRequest(code, "period")))
    response = client.get("/api/v1/open-data/monthly", params={"period": "2099-01"})
    assert response.status_code == 422
    assert response.json()["detail"]["code"] == code and turkish in response.json()["detail"]["message"]
    assert "cache-control" not in response.headers  # a refusal is not kept
    response = client.get("/api/v1/open-data/monthly", params={"period": "2099-01"}, headers={"Accept-Language": "en"})
    assert english in response.json()["detail"]["message"]


def test_the_route_is_in_the_openapi_document_without_a_login():
    operation = create_app().openapi()["paths"]["/api/v1/open-data/monthly"]["get"]
    assert "security" not in operation
    (period,) = operation["parameters"][:1]
    assert (period["name"], period["in"], period["required"]) == ("period", "query", True)
    assert period["schema"]["pattern"] == r"^20\d{2}-(0[1-9]|1[0-2])$"
    assert {"application/json", "text/csv"} <= set(operation["responses"]["200"]["content"])
    assert "422" in operation["responses"]


def test_both_routes_negotiate_the_form_with_one_function():
    assert reports.wanted_format("text/csv") == "csv" and reports.wanted_format("application/pdf") == "pdf"
    assert reports.wanted_format(None) == "json" and reports.wanted_format("*/*") == "json"
    assert reports.wanted_format("application/pdf", open_data.FORMATS) == "json"
    assert reports.wanted_format("TEXT/CSV;q=0.9", open_data.FORMATS) == "csv"
