"""Local stand-ins for the outside world notification talks to, real servers for development and tests:
`cimer-mailbox` (an SMTP server that files every message as an .eml file) and `cimer-sms-provider` (an HTTP SMS
provider that files every accepted message as a JSON line). Never deployed: production points SMTP_HOST/SMTP_PORT
and SMS_PROVIDER_URL at the real ones."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable


def serve_until_signalled(stop: Callable[[], None]) -> None:
    """Keep a started stand-in serving until SIGTERM or SIGINT (honcho, Ctrl-C), then `stop` it."""
    done = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: done.set())
    try:
        while not done.wait(1):
            pass
    finally:
        stop()
