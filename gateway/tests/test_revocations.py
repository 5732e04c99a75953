"""The gateway's revoked sessions: no officer served and not ready before they are known, and identity's list
loaded again and again, so an announcement missed while the broker connection was down is made up for."""

import asyncio
import uuid

import httpx
import pytest

from cimer_common.errors import NotReady
from cimer_common.revocations import Revocations
from cimer_common.settings import get_settings
from cimer_common.testing import token_for
from gateway import auth
from gateway.main import create_app
from gateway.rpc import ServiceUnavailable
from gateway.web.frame import ACCESS_COOKIE


class Identity:
    """Stands in for the RPC client: what identity answers to `revoked_sessions`, one answer per call."""

    def __init__(self, *answers):
        self.answers, self.calls, self.connected = list(answers), 0, True

    async def subscribe(self, producer, event_type, handler):
        self.on_revoked = handler

    async def call(self, service, method, **kwargs):
        assert (service, method) == ("identity", "revoked_sessions")
        self.calls += 1
        answer = self.answers.pop(0) if self.answers else []
        if isinstance(answer, Exception):
            raise answer
        return answer


@pytest.mark.anyio
async def test_no_officer_is_served_until_the_revocations_are_known_while_citizens_are():
    app = create_app()
    revocations, rpc = Revocations(), Identity()
    app.state.revocations, app.state.rpc = revocations, rpc
    app.state.verifier = auth.Verifier(get_settings().jwt_public_key_file, revocations)
    token = token_for("pd-06-saglik", "PD-06-SAGLIK", "officer")
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        # In rotation all the same: a citizen's filing or status look-up needs no token.
        assert (await client.get("/ready")).status_code == 200
        inbox = await client.get("/api/v1/inbox", headers={"Authorization": f"Bearer {token}"})
        assert inbox.status_code == 503 and inbox.headers["Retry-After"] == "5"
        assert inbox.json()["detail"]["code"] == "service_unavailable"
        # The console's pages say so in a page, not in JSON.
        page = await client.get("/console/", headers={"Cookie": f"{ACCESS_COOKIE}={token}"})
        assert page.status_code == 503 and page.headers["content-type"].startswith("text/html")


@pytest.mark.anyio
async def test_identitys_list_is_loaded_until_it_answers_and_then_again_and_again(monkeypatch):
    monkeypatch.setattr(auth, "RETRY_SECONDS", 0.01)
    monkeypatch.setattr(auth, "RELOAD_SECONDS", 0.01)
    missed = str(uuid.uuid4())
    revocations = Revocations()
    identity = Identity(
        ServiceUnavailable("identity down"), NotReady("service_unavailable"), [], [{"session_id": missed, "until": "…"}]
    )
    follower = auth.RevocationsFollower(revocations)
    await follower.follow(identity)
    for _ in range(200):
        if identity.calls >= 4:
            break
        await asyncio.sleep(0.01)
    assert revocations.loaded
    # Revoked while this gateway's queue was gone (a broker reconnect): refused once the next list comes.
    assert revocations.is_revoked(missed)
    heard = str(uuid.uuid4())
    await identity.on_revoked({"payload": {"session_id": heard}})
    assert revocations.is_revoked(heard)
    follower.task.cancel()
