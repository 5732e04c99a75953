"""`cimer-mailbox`: a real SMTP server (aiosmtpd) on SMTP_HOST:SMTP_PORT (127.0.0.1:1025) that writes every message
it receives to MAIL_DIR (var/mail) as one .eml file, for development and tests; never deployed.

Tests start it in-process: `box = Mailbox(directory, port=0).start()`, then `box.port`, `box.messages()`,
`box.stop()`.
"""

from __future__ import annotations

import email
import email.policy
import os
import socket
import uuid
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from cimer_common.settings import get_settings
from notification.local import serve_until_signalled


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        port: int = probe.getsockname()[1]
        return port


class _FileHandler:
    def __init__(self, directory: Path):
        self.directory = directory
        self.peers: list[Any] = []  # the client's (address, port) of each message: one per SMTP connection

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        self.peers.append(session.peer)
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8")
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
        name = f"{stamp}-{uuid.uuid4().hex[:12]}.eml"
        partial = self.directory / f".{name}.part"
        partial.write_bytes(content)
        os.replace(partial, self.directory / name)  # a reader never sees half a message
        return "250 Message accepted for delivery"


class Mailbox:
    def __init__(self, directory: str | Path, host: str = "127.0.0.1", port: int = 1025):
        self.directory = Path(directory)
        self.host = host
        self.port = port or free_port(host)
        self._controller: Any = None
        self._handler = _FileHandler(self.directory)

    def start(self) -> Mailbox:
        from aiosmtpd.controller import Controller

        self.directory.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(self._handler, hostname=self.host, port=self.port, decode_data=False)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def connections(self) -> int:
        """How many SMTP connections the messages received since start came over."""
        return len(set(self._handler.peers))

    def files(self) -> list[Path]:
        return sorted(self.directory.glob("*.eml"))

    def messages(self) -> list[EmailMessage]:
        return [
            email.message_from_bytes(path.read_bytes(), policy=email.policy.default)  # type: ignore[misc]
            for path in self.files()
        ]


def main() -> None:
    settings = get_settings()
    box = Mailbox(settings.mail_dir, settings.smtp_host, settings.smtp_port).start()
    print(f"cimer-mailbox: SMTP on {box.host}:{box.port}, writing to {box.directory.resolve()}", flush=True)
    serve_until_signalled(box.stop)


if __name__ == "__main__":
    main()
