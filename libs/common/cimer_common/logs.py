"""structlog set-up shared by the services and the gateway: one JSON line per event.

Every line is bound with the service, and inside a nameko worker with the entrypoint, the call id and the
correlation id that came in at the gateway (see `worker_context.py`). This module imports no nameko, so the
gateway, which runs on asyncio, uses it too.
"""

from __future__ import annotations

import logging
import logging.config
import re
from typing import Any

import structlog

# An 11-digit number that may be a national ID must never reach a log line, whatever put it there.
_NATIONAL_ID = re.compile(r"(?<!\d)[1-9]\d{10}(?!\d)")
# Nor a password in an address (`amqp://user:password@host`): nameko masks the first of a broker's several
# addresses in its own lines, not the others.
_PASSWORD_IN_URL = re.compile(r"(://[^:/@\s;]+:)([^@\s;/]+)(@)")
_service = "cimer"


def mask_national_id(national_id: str) -> str:
    """`10*******46`: the form in which a national ID may be shown to those who need not read it."""
    return f"{national_id[:2]}{'*' * 7}{national_id[-2:]}"


def mask_national_ids(text: str) -> str:
    return _NATIONAL_ID.sub(lambda m: mask_national_id(m.group(0)), text)


def scrub(text: str) -> str:
    """`text` with every national ID and every password in an address masked."""
    return mask_national_ids(_PASSWORD_IN_URL.sub(r"\1********\3", text))


def _scrub(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    for key, value in event_dict.items():
        if isinstance(value, str):
            # Searched first, replaced only when found: most values hold neither, and every line of every
            # service passes here (`make bench`).
            if _NATIONAL_ID.search(value) or ("://" in value and _PASSWORD_IN_URL.search(value)):
                event_dict[key] = scrub(value)
        elif value is None or isinstance(value, (bool, float)):
            continue  # nothing of eleven digits to hide
        else:
            # Anything else (an int, a container, bytes, an object) reaches the line as its repr or through it
            # (the JSON renderer falls back to repr), so the repr is what is searched, and replaced if it holds one.
            text = repr(value)
            if _NATIONAL_ID.search(text) or _PASSWORD_IN_URL.search(text):
                event_dict[key] = scrub(text)
    return event_dict


def _add_service(_logger: Any, _name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    # Not a context variable: every green thread starts with an empty context, and every line needs it.
    event_dict.setdefault("service", _service)
    return event_dict


def _shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        _add_service,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.format_exc_info,
        _scrub,
    ]


def formatter(log_format: str = "json") -> logging.Formatter:
    """A `logging.Formatter` factory; nameko's YAML config can name it as `"()"`."""
    renderer: Any
    if log_format == "console":
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    else:
        renderer = structlog.processors.JSONRenderer(ensure_ascii=False)
    return structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )


class _ExpectedErrorsWithoutTraceback(logging.Filter):
    """nameko logs a refusal the service raised on purpose with its traceback; one line says all there is."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and str(record.msg).startswith("(expected)"):
            record.exc_info = None
        return True


def configure(service: str, log_format: str = "json", level: str = "INFO") -> None:
    """Route structlog and the standard library (nameko, kombu, uvicorn) through one formatter."""
    global _service
    _service = service
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"structured": {"()": formatter, "log_format": log_format}},
            "filters": {"expected": {"()": _ExpectedErrorsWithoutTraceback}},
            "handlers": {
                "stdout": {"class": "logging.StreamHandler", "formatter": "structured", "filters": ["expected"]}
            },
            "root": {"handlers": ["stdout"], "level": level},
            "loggers": {
                "kombu": {"level": "WARNING"},
                "amqp": {"level": "WARNING"},
                "aiormq": {"level": "WARNING"},
                "aio_pika": {"level": "WARNING"},
                "uvicorn.access": {"level": "WARNING"},
            },
        }
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_shared_processors(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def get_logger(name: str | None = None) -> Any:
    return structlog.get_logger(name)
