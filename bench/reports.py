"""Benchmark (not a test) of the monthly report: time the state's report and one governorship's for one month,
against a reporting database loaded with a synthetic year (`cimer-synthetic-year`, `reporting.synthetic`).

It calls reporting's plain handler `handlers.compute_report(session, period, institution)`, the function the
service and the monthly timer run, in a read-only transaction of its own each time: one unmeasured warm-up, then
`--repetitions` timed runs; it prints median and max and writes `bench/results-reports.json`.

    DATABASE_PREFIX=cimer_bench_ .venv/bin/python -m reporting.synthetic --year 2025 --truncate   # once, ~4 min
    DATABASE_PREFIX=cimer_bench_ .venv/bin/python bench/reports.py --period 2025-03 --institution GOV-06
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from cimer_common.settings import get_settings
from reporting import handlers, synthetic

RESULTS = Path(__file__).resolve().parent / "results-reports.json"


def time_report(
    engine: Engine, report: Callable[[Session, str, str | None], Any], period: str, institution: str | None, runs: int
) -> dict[str, Any]:
    def once() -> tuple[float, Any]:
        with Session(engine) as session, session.begin():
            session.execute(text("SET TRANSACTION READ ONLY"))
            started = time.perf_counter()
            result = report(session, period, institution)
            return time.perf_counter() - started, result

    warm_up, result = once()
    timings = [once()[0] for _ in range(runs)]
    received = result["received"]["total"]
    return {
        "report": "state" if institution is None else institution,
        "period": period,
        "received": received,
        "warm_up_s": round(warm_up, 4),
        "median_s": round(statistics.median(timings), 4),
        "max_s": round(max(timings), 4),
        "min_s": round(min(timings), 4),
        "runs": runs,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--period", help="YYYY-MM (default: the loaded data's third month)")
    parser.add_argument("--institution", default="GOV-06", help="the governorship to time (default GOV-06)")
    parser.add_argument("--repetitions", type=int, default=7, help="timed runs of each report (default 7)")
    parser.add_argument("--output", type=Path, default=RESULTS, help=f"JSON results (default {RESULTS.name})")
    parser.add_argument(
        "--ensure-loaded", action="store_true", help="load the synthetic year (2025, 5.5 million) unless it is there"
    )
    args = parser.parse_args(argv)

    url = get_settings().database_url("reporting")
    engine = create_engine(url)
    if args.ensure_loaded:
        with engine.connect() as connection:
            loaded = connection.execute(text("SELECT count(*) FROM applications")).scalar_one()
        if loaded != synthetic.COUNT:
            synthetic.main(["--year", "2025", "--truncate"])
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM applications")).scalar_one()
        periods = connection.execute(text("SELECT DISTINCT period FROM applications ORDER BY 1")).scalars().all()
        version = connection.execute(text("SHOW server_version")).scalar_one()
    if not rows:
        print("applications is empty: load a synthetic year first (python -m reporting.synthetic)", file=sys.stderr)
        return 2
    period = args.period or (periods[2] if len(periods) > 2 else periods[0])
    name, report = "reporting.handlers.compute_report", handlers.compute_report

    results = [
        time_report(engine, report, period, None, args.repetitions),
        time_report(engine, report, period, args.institution, args.repetitions),
    ]
    engine.dispose()

    print(f"database {make_url(url).database}: {rows:,} applications; timing {name}, period {period}")
    print(f"{'report':<12}{'received':>10}{'warm-up s':>11}{'median s':>10}{'max s':>9}{'runs':>6}")
    for r in results:
        print(
            f"{r['report']:<12}{r['received']:>10,}{r['warm_up_s']:>11.3f}{r['median_s']:>10.3f}"
            f"{r['max_s']:>9.3f}{r['runs']:>6}"
        )
    args.output.write_text(
        json.dumps(
            {
                "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "timed": name,
                "database": make_url(url).database,
                "applications": rows,
                "postgresql": version,
                "python": platform.python_version(),
                "machine": f"{platform.machine()}, {platform.system()}",
                "results": results,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"written {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
