"""`cimer-service <name>`: run one service, configured from the environment, the same way for every service.

eventlet must patch the standard library before anything opens a socket, and psycopg must be told to wait through
`select` before it is imported (see `db.py`); doing both here, first, is what makes the services cooperative.
"""

from __future__ import annotations

import eventlet

eventlet.monkey_patch()

import os  # noqa: E402
import sys  # noqa: E402

os.environ.setdefault("PSYCOPG_WAIT_FUNC", "wait_select")

from cimer_common import logs  # noqa: E402
from cimer_common.settings import SERVICES, get_settings, nameko_config, service_class  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in SERVICES:
        sys.exit(f"usage: cimer-service {{{','.join(SERVICES)}}}")
    service = args[0]
    settings = get_settings()
    logs.configure(service, settings.log_format, settings.log_level)
    from nameko.cli.run import run

    logs.get_logger(__name__).info("service starting", max_workers=settings.max_workers)
    run([service_class(service)], nameko_config(service))


if __name__ == "__main__":
    main()
