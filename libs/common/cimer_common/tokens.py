"""Officers' access tokens: short-lived JWTs signed by identity with an Ed25519 private key and verified by anyone
holding the public key (the gateway and every service that owns data), so checking one needs no round trip.

Plain functions over PyJWT; no framework. The keys are PEM files named by the settings (`JWT_PRIVATE_KEY_FILE`
only on identity, `JWT_PUBLIC_KEY_FILE` everywhere); `cimer-keys` makes a pair for a development machine.
"""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cimer_common.errors import Unauthorized

ISSUER = "cimer-identity"
AUDIENCE = "cimer"
ALGORITHM = "EdDSA"
ACCESS_TOKEN_SECONDS = 15 * 60


@dataclass(frozen=True)
class Principal:
    """Who is acting: an officer, as their access token says."""

    user_id: str
    username: str
    institution: str
    roles: frozenset[str]
    session_id: str

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def issue_access_token(private_key_pem: bytes, principal: Principal, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": principal.user_id,
        "name": principal.username,
        "inst": principal.institution,
        "roles": sorted(principal.roles),
        "sid": principal.session_id,
        "iat": now,
        "exp": now + timedelta(seconds=ACCESS_TOKEN_SECONDS),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, _private_key(private_key_pem), algorithm=ALGORITHM)


def verify_access_token(public_key_pem: bytes, token: str) -> Principal:
    """The principal a valid token names; `Unauthorized` for an expired, forged or malformed one."""
    try:
        claims = jwt.decode(
            token,
            _public_key(public_key_pem),
            algorithms=[ALGORITHM],  # never the token's own say: no "none", no HMAC with the public key
            audience=AUDIENCE,
            issuer=ISSUER,
            options={"require": ["exp", "iat", "sub", "sid", "inst", "roles"]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthorized("token_expired") from None
    except jwt.PyJWTError:
        raise Unauthorized("invalid_token") from None
    return Principal(
        user_id=str(claims["sub"]),
        username=str(claims.get("name", "")),
        institution=str(claims["inst"]),
        roles=frozenset(str(r) for r in claims["roles"]),
        session_id=str(claims["sid"]),
    )


@cache
def _private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


@cache
def _public_key(pem: bytes) -> Any:
    return serialization.load_pem_public_key(pem)


def read_key(path: str) -> bytes:
    return Path(path).read_bytes()


def generate_key_pair(private_path: Path, public_path: Path) -> bool:
    """Write a new Ed25519 pair unless one is there; True when it wrote one."""
    if private_path.exists() and public_path.exists():
        return False
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    public_path.parent.mkdir(parents=True, exist_ok=True)
    private_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return True


def main() -> None:
    """`cimer-keys`: a signing key pair for a development machine or a test run (production mounts its own)."""
    from cimer_common.settings import get_settings

    settings = get_settings()
    private, public = Path(settings.jwt_private_key_file), Path(settings.jwt_public_key_file)
    wrote = generate_key_pair(private, public)
    print(f"keys: {'written to' if wrote else 'already in'} {private}, {public}")
    sys.exit(0)
