"""Access tokens: what identity signs, anyone with the public key can check, and nothing else passes."""

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from cimer_common.errors import Unauthorized
from cimer_common.tokens import Principal, generate_key_pair, issue_access_token, verify_access_token

PRINCIPAL = Principal("user-1", "gov-06", "GOV-06", frozenset({"officer", "coordinator"}), "session-1")


@pytest.fixture(scope="module")
def keys(tmp_path_factory):
    folder = tmp_path_factory.mktemp("keys")
    generate_key_pair(folder / "a.pem", folder / "a.pub")
    generate_key_pair(folder / "b.pem", folder / "b.pub")
    return {name: (folder / name).read_bytes() for name in ("a.pem", "a.pub", "b.pem", "b.pub")}


def refusal(public_key, token):
    with pytest.raises(Unauthorized) as caught:
        verify_access_token(public_key, token)
    return caught.value.code


def test_a_signed_token_names_its_principal(keys):
    assert verify_access_token(keys["a.pub"], issue_access_token(keys["a.pem"], PRINCIPAL)) == PRINCIPAL


def test_an_expired_token_is_refused(keys):
    old = issue_access_token(keys["a.pem"], PRINCIPAL, now=datetime.now(UTC) - timedelta(minutes=16))
    assert refusal(keys["a.pub"], old) == "token_expired"


def test_a_token_signed_by_another_key_is_refused(keys):
    assert refusal(keys["a.pub"], issue_access_token(keys["b.pem"], PRINCIPAL)) == "invalid_token"


def claims(**overrides):
    now = datetime.now(UTC)
    return {"iss": "cimer-identity", "aud": "cimer", "sub": "x", "sid": "s", "inst": "PRESIDENCY", "roles": ["admin"],
            "iat": now, "exp": now + timedelta(minutes=5), **overrides}  # fmt: skip


def test_unsigned_tokens_and_algorithm_confusion_are_refused(keys):
    assert refusal(keys["a.pub"], jwt.encode(claims(), key=None, algorithm="none")) == "invalid_token"
    # The public key used as an HMAC secret: the classic forgery against a verifier that trusts the token's `alg`.
    header = jwt.utils.base64url_encode(b'{"alg":"HS256","typ":"JWT"}').decode()
    body = jwt.utils.base64url_encode(json.dumps(claims(), default=lambda d: int(d.timestamp())).encode()).decode()
    signature = hmac.new(keys["a.pub"], f"{header}.{body}".encode(), hashlib.sha256).digest()
    forged = f"{header}.{body}.{jwt.utils.base64url_encode(signature).decode()}"
    assert refusal(keys["a.pub"], forged) == "invalid_token"


def test_a_token_for_another_audience_or_issuer_is_refused(keys):
    private_key = serialization.load_pem_private_key(keys["a.pem"], password=None)
    for wrong in ({"aud": "elsewhere"}, {"iss": "someone-else"}):
        token = jwt.encode(claims(**wrong), private_key, algorithm="EdDSA")
        assert refusal(keys["a.pub"], token) == "invalid_token"
