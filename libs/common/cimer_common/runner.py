"""`cimer-service <name>`: run one service, configured from the environment, the same way for every service.

eventlet must patch the standard library before anything opens a socket, and psycopg must wait through `select`
(see `cimer_common/__init__.py`); doing both here, first, is what makes the services cooperative.
"""

from __future__ import annotations

# isort: off
import cimer_common  # noqa: F401 - first: it quiets eventlet's import warning and picks psycopg's wait
import eventlet
# isort: on

eventlet.monkey_patch()

import sys  # noqa: E402

from cimer_common import logs  # noqa: E402
from cimer_common.settings import (  # noqa: E402
    SERVICES,
    DevelopmentSecretInUse,
    get_settings,
    nameko_config,
    service_class,
)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in SERVICES:
        sys.exit(f"usage: cimer-service {{{','.join(SERVICES)}}}")
    service = args[0]
    settings = get_settings()
    logs.configure(service, settings.log_format, settings.log_level)
    try:
        settings.check_secrets(service)
    except DevelopmentSecretInUse as refusal:
        logs.get_logger(__name__).error("service refused to start", reason=str(refusal))
        sys.exit(f"cimer-service: {refusal}")
    from nameko.cli.run import run

    logs.get_logger(__name__).info("service starting", max_workers=settings.max_workers)
    run([service_class(service)], nameko_config(service))


if __name__ == "__main__":
    main()
