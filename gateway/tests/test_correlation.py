"""Every request's correlation id (`gateway.correlation`): the caller's X-Request-ID when it is sane, else a new
one; bound while the request is served (the RPCs it makes carry it) and returned. Through the real application,
over ASGI."""

import re

import httpx
import pytest

from gateway.main import create_app
from gateway.rpc import correlation_id
from gateway.settings import GatewaySettings


def app_with_probe():
    app = create_app(GatewaySettings())

    @app.get("/_probe")
    async def probe() -> dict:
        return {"bound": correlation_id.get()}

    return app


@pytest.mark.anyio
async def test_a_sane_request_id_is_kept_bound_while_served_and_returned_and_any_other_replaced():
    app = app_with_probe()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
        kept = await client.get("/_probe", headers={"X-Request-ID": "web-1.a:b_c"})
        assert kept.headers["X-Request-ID"] == "web-1.a:b_c" == kept.json()["bound"]
        for given in ({"X-Request-ID": "no spaces; or <tags>"}, {"X-Request-ID": "x" * 129}, {}):
            made = await client.get("/_probe", headers=given)
            assert re.fullmatch(r"[0-9a-f]{32}", made.headers["X-Request-ID"])
            assert made.json()["bound"] == made.headers["X-Request-ID"]
        missing = await client.get("/no-such-route", headers={"X-Request-ID": "r-404"})
        assert missing.status_code == 404 and missing.headers["X-Request-ID"] == "r-404"  # whoever answers
    assert correlation_id.get() is None  # not left bound after the request
