"""`cimer-sms-provider`: a small real HTTP SMS provider on the host and port of SMS_PROVIDER_URL
(http://127.0.0.1:1026/messages), for development and tests; never deployed.

`POST <path>` with `Authorization: Bearer <SMS_API_KEY>` and JSON `{"to", "text"}` → 202 `{"id"}`, and the message
is appended as one JSON line to SMS_DIR/messages.jsonl; 401 for a wrong key, 422 for a bad body, 404 elsewhere.

Tests start it in-process: `provider = SmsProvider(directory, api_key, port=0).start()`, then `provider.url`,
`provider.messages()`, `provider.stop()`.
"""

from __future__ import annotations

import hmac
import json
import threading
import uuid
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cimer_common.settings import get_settings
from notification.local import serve_until_signalled

MAX_BODY = 64 * 1024


class SmsProvider:
    def __init__(
        self, directory: str | Path, api_key: str, host: str = "127.0.0.1", port: int = 1026, path: str = "/messages"
    ):
        self.directory = Path(directory)
        self.api_key = api_key
        self.host = host
        self.port = port
        self.path = path
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}{self.path}"

    @property
    def log_file(self) -> Path:
        return self.directory / "messages.jsonl"

    def start(self) -> SmsProvider:
        self.directory.mkdir(parents=True, exist_ok=True)
        self._server = ThreadingHTTPServer((self.host, self.port), _handler_for(self))
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, name="sms-provider", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def accept(self, to: str, text: str) -> str:
        message_id = uuid.uuid4().hex
        line = {"id": message_id, "to": to, "text": text, "received_at": datetime.now(UTC).isoformat()}
        with self._lock, self.log_file.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return message_id

    def messages(self) -> list[dict[str, Any]]:
        if not self.log_file.exists():
            return []
        lines = self.log_file.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]


def _handler_for(provider: SmsProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "cimer-sms-provider"

        def do_POST(self) -> None:
            if urlsplit(self.path).path != provider.path:
                self._reply(404, {"error": "not_found"})
                return
            given = self.headers.get("Authorization", "")
            if not hmac.compare_digest(given.encode(), f"Bearer {provider.api_key}".encode()):
                self._reply(401, {"error": "unauthorized"})
                return
            try:
                length = int(self.headers.get("Content-Length") or 0)
                if not 0 < length <= MAX_BODY:
                    raise ValueError("body missing or too long")
                body = json.loads(self.rfile.read(length))
                to, text = body["to"], body["text"]
                if not (isinstance(to, str) and to.strip() and isinstance(text, str) and text.strip()):
                    raise ValueError("to and text must be non-empty strings")
            except (ValueError, KeyError, TypeError) as error:
                self._reply(422, {"error": "invalid_body", "detail": str(error)})
                return
            self._reply(202, {"id": provider.accept(to, text)})

        def _reply(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            pass  # quiet: what was accepted is in messages.jsonl

    return Handler


def main() -> None:
    settings = get_settings()
    url = urlsplit(settings.sms_provider_url)
    provider = SmsProvider(
        settings.sms_dir, settings.sms_api_key, url.hostname or "127.0.0.1", url.port or 80, url.path or "/"
    ).start()
    print(f"cimer-sms-provider: {provider.url}, writing to {provider.log_file.resolve()}", flush=True)
    serve_until_signalled(provider.stop)


if __name__ == "__main__":
    main()
