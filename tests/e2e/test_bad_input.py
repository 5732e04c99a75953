"""Bad input found by fuzzing the running system answers a clear 4xx, never a 500 (SPEC section 8): the values
that once reached the database beyond what it can hold (an offset past a 64-bit integer, the year 0), each as
the fuzzer sent it, anonymously and as the officers who may call it."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(
    ("who", "path", "params", "field"),
    [
        (None, "/api/v1/institutions", {"offset": "32589158477190044730"}, "query.offset"),
        ("gov-06", "/api/v1/inbox", {"offset": "32589158477190044730"}, "query.offset"),
        ("admin", "/api/v1/admin/users", {"offset": "9223372036854775808"}, "query.offset"),
        ("gov-06", "/api/v1/reports/monthly", {"period": "0000-01", "institution": "GOV-06"}, "query.period"),
        ("presidency", "/api/v1/reports/monthly", {"period": "0000-01", "institution": "PRESIDENCY"}, "query.period"),
        ("presidency", "/api/v1/reports/monthly", {"period": "9999-12"}, "query.period"),
    ],
)
def test_a_value_beyond_what_the_system_holds_is_refused_with_a_4xx(api, login, who, path, params, field):
    response = api.get(path, params=params, headers=login(who) if who else {})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail["code"] == "invalid_request" and detail["message"]
    assert [error["field"] for error in detail["errors"]] == [field]


def test_the_largest_offset_the_api_publishes_is_served(api, login):
    # At the published bound itself the services answer an empty page, not an error.
    schema = api.get("/openapi.json").json()
    bounds = {
        path: next(p for p in schema["paths"][path]["get"]["parameters"] if p["name"] == "offset")["schema"]["maximum"]
        for path in ("/api/v1/institutions", "/api/v1/inbox", "/api/v1/admin/users")
    }
    assert len(set(bounds.values())) == 1
    offset = bounds["/api/v1/institutions"]
    assert api.get("/api/v1/institutions", params={"offset": offset}).json() == []
    inbox = api.get("/api/v1/inbox", params={"offset": offset}, headers=login("gov-06")).json()
    assert inbox["items"] == [] and inbox["offset"] == offset
    assert api.get("/api/v1/admin/users", params={"offset": offset}, headers=login("admin")).json() == []


def test_a_refusal_from_a_service_names_a_field_only_when_it_has_one(api):
    # A domain error raised without a field must not come back with the text "None" as its field.
    response = api.get("/api/v1/applications/260000000018/status", params={"access_code": "WRONG123"})
    assert response.status_code == 404
    assert "field" not in response.json()["detail"]
