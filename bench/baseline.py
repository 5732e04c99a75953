"""The benchmark's floor: a minimal FastAPI endpoint that takes the same application, inserts the same row into
PostgreSQL and answers 201, on the same machine, server (uvicorn) and driver (psycopg 3) as the gateway and intake.
No bus, no services, no outbox: what HTTP and a database cost in Python, and nothing else.

    BASELINE_DATABASE_URL=postgresql://127.0.0.1/cimer_bench_baseline python bench/baseline.py --port 8790

The table is intake's own `applications` (created from intake's models when missing).
"""

from __future__ import annotations

import argparse
import os
import secrets
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import uvicorn
from fastapi import FastAPI, status
from psycopg_pool import AsyncConnectionPool
from sqlalchemy import create_engine

from cimer_common.schemas import ApplicationAccepted, ApplicationCreate
from intake.models import Base

INSERT = """
INSERT INTO applications (id, tracking_number, access_code_hash, kind, petition_type, channel, subject, title,
    body, province, anonymous, confidential, language, status, received_at, deadline)
VALUES (%s, lpad(nextval('tracking_number_seq')::text, 12, '0'), %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,
    'received', %s, %s)
RETURNING tracking_number
"""


def create_app(url: str) -> FastAPI:
    pool = AsyncConnectionPool(url, min_size=10, max_size=10, open=False)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await pool.open()
        yield
        await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.post("/applications", status_code=status.HTTP_201_CREATED, response_model=ApplicationAccepted)
    async def file_application(application: ApplicationCreate) -> ApplicationAccepted:
        now = datetime.now(UTC)
        code = secrets.token_hex(4)
        async with pool.connection() as connection:
            cursor = await connection.execute(
                INSERT,
                (
                    uuid.uuid4(), code, application.kind, application.petition_type, application.channel,
                    application.subject, application.title, application.body, application.province,
                    application.applicant is None, application.confidential, application.language, now, now.date(),
                ),
            )  # fmt: skip
            row = await cursor.fetchone()
        assert row is not None
        return ApplicationAccepted(
            tracking_number=row[0], access_code=code, status="received", deadline=str(now.date())
        )

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8790)
    args = parser.parse_args()
    url = os.environ["BASELINE_DATABASE_URL"]
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    Base.metadata.create_all(engine)
    engine.dispose()
    uvicorn.run(create_app(url), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
