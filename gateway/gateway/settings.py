from __future__ import annotations

from cimer_common.settings import Settings


class GatewaySettings(Settings):
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    rpc_timeout_seconds: float = 10.0
    # Calls one gateway process waits on at once; beyond, 503 with Retry-After at once. About a second's work
    # for this machine's services (`make bench`): what is accepted is answered fast even in a flood.
    rpc_max_in_flight: int = 128
    health_timeout_seconds: float = 2.0
    # The proxies whose X-Forwarded-For names the client (addresses or networks, comma-separated: the ingress
    # controller's pods). Empty: none, the peer is the client. Every throttle counts by this address, so a wrong
    # value either lets a client pick its own address or puts every citizen behind the ingress under one.
    trusted_proxies: str = ""
    # The largest request body taken, in bytes: an application's 20,000 characters fit many times over.
    max_body_bytes: int = 262_144
    # The console's session cookies are `Secure` (HTTPS only; browsers also accept them from http://localhost).
    # Turn off only behind a plain-HTTP test rig, never in production.
    web_secure_cookies: bool = True
