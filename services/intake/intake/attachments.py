"""Where attachments are kept, and the virus scan a deployment may switch on (SPEC section 12).

Files live outside the database, named by their SHA-256 under `ATTACHMENTS_DIR` (`ab/abcdef…`): the same file
sent twice is kept once, and a name can never be chosen by whoever uploads. Written to a temporary name, flushed to
disk and then renamed, so a file is either whole or absent. Only intake reads and writes here: attachments may
carry personal data, which lives with intake alone (SPEC section 7).
"""

from __future__ import annotations

import hashlib
import os
import socket
import struct
import tempfile
from pathlib import Path

from cimer_common.errors import InvalidRequest, NotReady
from cimer_common.logs import get_logger

log = get_logger(__name__)

SCAN_CHUNK = 64 * 1024
SCAN_TIMEOUT_SECONDS = 30.0


class Store:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def path_of(self, sha256: str) -> Path:
        if len(sha256) != 64 or any(ch not in "0123456789abcdef" for ch in sha256):
            raise ValueError("not a SHA-256")
        return self.root / sha256[:2] / sha256

    def put(self, content: bytes) -> str:
        """Keep `content`; returns its SHA-256, by which it is read back."""
        sha256 = hashlib.sha256(content).hexdigest()
        target = self.path_of(sha256)
        if target.exists():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(descriptor, "wb") as file:
                file.write(content)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return sha256

    def get(self, sha256: str) -> bytes:
        return self.path_of(sha256).read_bytes()

    def remove(self, sha256: str) -> None:
        self.path_of(sha256).unlink(missing_ok=True)


def scan(content: bytes, address: str) -> None:
    """Ask a ClamAV daemon (clamd's INSTREAM command, over TCP at `host:port`) whether `content` is clean; refuse it
    (`attachment_infected`) if not. An empty address means no scanner; a scanner that was switched on but does not
    answer makes the upload wait (`NotReady`), never pass unscanned."""
    if not address:
        return
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=SCAN_TIMEOUT_SECONDS) as connection:
            connection.sendall(b"zINSTREAM\0")
            for start in range(0, len(content), SCAN_CHUNK):
                chunk = content[start : start + SCAN_CHUNK]
                connection.sendall(struct.pack("!I", len(chunk)) + chunk)
            connection.sendall(struct.pack("!I", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                received = connection.recv(4096)
                if not received:
                    break
                reply += received
    except (OSError, ValueError) as failed:
        log.warning("virus scanner unreachable", error=str(failed))
        raise NotReady("service_unavailable", "30") from failed
    verdict = reply.rstrip(b"\0").decode("utf-8", "replace")
    if verdict.endswith("FOUND"):
        log.warning("attachment refused by the virus scanner", verdict=verdict)
        raise InvalidRequest("attachment_infected", "file")
    if not verdict.endswith("OK"):
        log.warning("virus scanner answered oddly", verdict=verdict)
        raise NotReady("service_unavailable", "30")
