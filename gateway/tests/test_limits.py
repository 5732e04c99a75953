"""What the gateway decides before a route sees a request: whose address it is (X-Forwarded-For believed from the
trusted proxies alone) and how large a body may be. Through the real application, over ASGI."""

import httpx
import pytest
from fastapi import Request

from gateway.main import create_app
from gateway.settings import GatewaySettings


def app_with_probe(**settings):
    app = create_app(GatewaySettings(**settings))

    @app.post("/_probe")
    async def probe(request: Request) -> dict:
        body = await request.body()
        return {"client": request.client.host, "read": len(body)}

    return app


def client(app, peer):
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(peer, 40000)), base_url="http://gw")


@pytest.mark.anyio
async def test_x_forwarded_for_is_believed_from_the_trusted_proxies_alone():
    app = app_with_probe(trusted_proxies="10.0.0.0/8, 192.0.2.1")
    forwarded = {"X-Forwarded-For": "203.0.113.9"}
    async with client(app, "10.4.0.17") as ingress:
        assert (await ingress.post("/_probe", headers=forwarded)).json()["client"] == "203.0.113.9"
        assert (await ingress.post("/_probe")).json()["client"] == "10.4.0.17"  # said nothing: the peer
    async with client(app, "192.0.2.1") as ingress:
        chain = {"X-Forwarded-For": "198.51.100.4, 10.4.0.17"}  # the nearest untrusted hop is the client
        assert (await ingress.post("/_probe", headers=chain)).json()["client"] == "198.51.100.4"
    async with client(app, "127.0.0.1") as local:  # not in the list: a local client cannot pick its address
        assert (await local.post("/_probe", headers=forwarded)).json()["client"] == "127.0.0.1"


@pytest.mark.anyio
async def test_with_no_trusted_proxies_the_peer_is_the_client_whatever_it_says():
    async with client(app_with_probe(), "127.0.0.1") as local:
        said = {"X-Forwarded-For": "203.0.113.9"}
        assert (await local.post("/_probe", headers=said)).json()["client"] == "127.0.0.1"


@pytest.mark.anyio
async def test_a_body_over_the_limit_is_refused_with_413_by_its_length_or_as_it_streams():
    app = app_with_probe(max_body_bytes=1000)
    async with client(app, "198.51.100.4") as web:
        assert (await web.post("/_probe", content=b"x" * 1000)).json()["read"] == 1000

        refused = await web.post("/_probe", content=b"x" * 1001, headers={"Accept-Language": "en"})
        assert refused.status_code == 413
        assert refused.json()["detail"]["code"] == "request_too_large"
        assert refused.json()["detail"]["message"].startswith("The request is too large")

        async def chunks():  # no Content-Length: chunked, counted as it arrives
            for _ in range(5):
                yield b"y" * 300

        streamed = await web.post("/_probe", content=chunks())
        assert streamed.status_code == 413 and streamed.json()["detail"]["code"] == "request_too_large"
        assert streamed.json()["detail"]["message"].startswith("İstek çok büyük")

        # The API's own routes are behind it too: refused before any validation or call.
        application = await web.post("/api/v1/applications", content=b"{" + b" " * 5000 + b"}")
        assert application.status_code == 413


def test_requests_are_counted_by_api_route_template_and_status_and_anything_else_as_other():
    from fastapi import FastAPI
    from fastapi.testclient import TestClient
    from prometheus_client import REGISTRY

    from gateway.metrics import RequestMetrics

    app = FastAPI()

    @app.get("/api/v1/things/{code}")
    async def thing(code: str) -> dict[str, str]:
        return {"code": code}

    app.add_middleware(RequestMetrics)

    def counted(handler: str, status: str) -> float:
        labels = {"method": "GET", "handler": handler, "status": status}
        return REGISTRY.get_sample_value("cimer_gateway_http_requests_total", labels) or 0.0

    before = (counted("/api/v1/things/{code}", "200"), counted("other", "404"))
    client = TestClient(app)
    for code in ("a", "b"):
        assert client.get(f"/api/v1/things/{code}").status_code == 200
    assert client.get("/made/up").status_code == 404
    assert (counted("/api/v1/things/{code}", "200"), counted("other", "404")) == (before[0] + 2, before[1] + 1)


@pytest.mark.anyio
async def test_a_file_of_up_to_ten_megabytes_reaches_the_routes_that_take_one_and_no_more():
    """SPEC section 12: attachments of up to 10 MB; every other route keeps the small limit."""
    from gateway.api.deps import rpc_client

    class Intake:
        async def call(self, service, method, **kwargs):
            assert (service, method) == ("intake", "add_attachment")
            size = len(kwargs["body"]) * 3 // 4
            return {"id": "0" * 36, "filename": kwargs["filename"], "content_type": "application/pdf", "size": size,
                    "side": "applicant"}  # fmt: skip

    app = create_app(GatewaySettings(max_body_bytes=1000))
    app.dependency_overrides[rpc_client] = lambda: Intake()
    path = "/api/v1/applications/260000000018/attachments"
    ten = b"%PDF-1.7\n" + b"0" * (10 * 1024 * 1024 - 9)
    async with client(app, "198.51.100.4") as web:
        taken = await web.post(path, data={"access_code": "ABCD1234"}, files={"file": ("belge.pdf", ten)})
        assert taken.status_code == 201, taken.text
        too_large = await web.post(
            path, data={"access_code": "ABCD1234"}, files={"file": ("b.pdf", ten + b"1" * 70_000)}
        )
        assert too_large.status_code == 413
        elsewhere = await web.post("/api/v1/applications/260000000018/appeal", content=b"{" + b" " * 5000 + b"}")
        assert elsewhere.status_code == 413
