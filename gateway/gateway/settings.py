from __future__ import annotations

from cimer_common.settings import Settings


class GatewaySettings(Settings):
    gateway_host: str = "127.0.0.1"
    gateway_port: int = 8000
    rpc_timeout_seconds: float = 10.0
    health_timeout_seconds: float = 2.0
