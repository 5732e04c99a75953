"""`cimer-synthetic-year`: load a realistic synthetic year of applications into reporting's `applications` table,
for benchmarks and for looking at reports, with PostgreSQL's COPY in batches.

The mixes (fixed seed, so two runs load the same rows): province by population (Istanbul ~18%, Ankara ~7%, İzmir
~5%); channel web 70%, phone 25%, in person 5%; kind petition 75%, information request 15%, human rights 7%,
ethics 3%; first holder by routing's rules roughly (the kind's board, else the province's governorship, the
Presidency for ~10%); ~40% of what a governorship holds forwarded to the provincial directorate of the subject's
ministry (the Presidency's to the ministry); `scope` the holders and their coordinators; ~60% positive; response
time lognormal, median ~9 days; overdue when unanswered past the deadline; what is unanswered at the year's end
stays open.

It reads the table's columns from `information_schema` and writes those it knows: a column it needs that is
missing, or one it does not know that cannot be left empty, stops it with a clear message. It refuses a database
whose name does not say `test`, `bench` or `synthetic` unless told `--any-database`.
"""

from __future__ import annotations

import argparse
import itertools
import math
import random
import sys
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from cimer_common import geography
from cimer_common.schemas import SUBJECT_MINISTRY
from cimer_common.settings import get_settings

TABLE = "applications"
TURKEY = timezone(timedelta(hours=3), "+03")  # no daylight saving time since 2016: a fixed offset is exact
SEED = 20260301
COUNT = 5_500_000
BATCH = 100_000
SAFE_NAMES = ("test", "bench", "synthetic")

# The columns without which the rows would not be a year of applications to report on.
REQUIRED = (
    "application_id",
    "period",
    "received_at",
    "kind",
    "subject",
    "channel",
    "province",
    "deadline",
    "first_institution",
    "institution",
    "answered_at",
    "outcome",
    "overdue_at",
    "scope",
)
# Written when the table has them.
OPTIONAL = ("petition_type", "assigned_at", "answered_by", "extended_at")

# Population in thousands by plate code (TÜİK, roughly the 2023 figures): the provinces' weights.
POPULATION = {
    "01": 2270, "02": 610, "03": 750, "04": 510, "05": 335, "06": 5800, "07": 2700, "08": 170, "09": 1150,
    "10": 1270, "11": 230, "12": 280, "13": 360, "14": 320, "15": 275, "16": 3200, "17": 560, "18": 200,
    "19": 520, "20": 1060, "21": 1820, "22": 415, "23": 600, "24": 240, "25": 750, "26": 910, "27": 2160,
    "28": 450, "29": 150, "30": 290, "31": 1560, "32": 450, "33": 1920, "34": 15700, "35": 4480, "36": 275,
    "37": 390, "38": 1440, "39": 370, "40": 245, "41": 2100, "42": 2300, "43": 580, "44": 740, "45": 1470,
    "46": 1120, "47": 870, "48": 1050, "49": 400, "50": 310, "51": 370, "52": 770, "53": 350, "54": 1100,
    "55": 1380, "56": 330, "57": 225, "58": 640, "59": 1170, "60": 600, "61": 820, "62": 90, "63": 2170,
    "64": 375, "65": 1130, "66": 420, "67": 590, "68": 430, "69": 85, "70": 260, "71": 280, "72": 630,
    "73": 560, "74": 205, "75": 93, "76": 205, "77": 300, "78": 250, "79": 150, "80": 560, "81": 410,
}  # fmt: skip
CHANNELS = {"web": 70, "phone": 25, "in_person": 5}
KINDS = {"petition": 75, "information_request": 15, "human_rights": 7, "ethics_complaint": 3}
PETITION_TYPES = {"request": 40, "complaint": 45, "denunciation": 5, "opinion": 5, "suggestion": 5}
SUBJECTS = {
    "local_services": 16, "health": 11, "education": 9, "security": 8, "social_services": 8, "employment": 7,
    "transport": 6, "environment": 6, "finance": 5, "civil_registry": 4, "justice": 4, "agriculture": 3,
    "trade": 3, "energy": 2, "culture": 1.5, "youth_sports": 1.5, "industry": 1, "defence": 1,
    "foreign_affairs": 0.5, "other": 2.5,
}  # fmt: skip
# Ministries with a provincial directorate that a governorship forwards to (tr-ministries.csv).
PRESIDENCY = "PRESIDENCY"
ETHICS_BOARD = "ETHICS-BOARD"
HR_PRESIDENCY = "HR-PRESIDENCY"
WEB_TO_PRESIDENCY = 0.16  # of the web petitions and information requests: ~10% of all applications
NO_PROVINCE = 0.3  # of those the Presidency takes: named a central body and no province
FORWARDED = 0.40  # of those a governorship (or the Presidency) holds, when the subject's ministry has one below
POSITIVE = 0.60
MEDIAN_DAYS = 9.0
SIGMA = 0.75  # P(> 30 days) ≈ 5%
EXTENDED = 0.10  # of the information requests
PETITION_DAYS = 30
INFORMATION_DAYS = 21  # 15 working days, roughly
EXTENSION_DAYS = 21


class SchemaError(RuntimeError):
    pass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # for psycopg's COPY: `uuid`, `varchar`, `timestamptz`, `text[]`...
    nullable: bool
    has_default: bool


def table_columns(connection: psycopg.Connection[Any], table: str = TABLE) -> dict[str, Column]:
    rows = connection.execute(
        """SELECT column_name, udt_name, is_nullable = 'YES', column_default IS NOT NULL
           FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = %s
           ORDER BY ordinal_position""",
        (table,),
    ).fetchall()
    return {
        name: Column(name, udt[1:] + "[]" if udt.startswith("_") else udt, nullable, default)
        for name, udt, nullable, default in rows
    }


def columns_to_write(columns: dict[str, Column]) -> list[str]:
    """The columns this loader writes, in the table's order; `SchemaError` when the table cannot take the rows."""
    if not columns:
        raise SchemaError(f"no table {TABLE!r} in this database: run `cimer-migrate reporting` first")
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise SchemaError(f"table {TABLE!r} lacks the column(s) {', '.join(missing)}: migrate it to the newest head")
    known = set(REQUIRED) | set(OPTIONAL)
    stuck = [c.name for c in columns.values() if c.name not in known and not c.nullable and not c.has_default]
    if stuck:
        raise SchemaError(
            f"table {TABLE!r} has column(s) {', '.join(stuck)} that must be set and this loader does not know"
        )
    return [name for name in columns if name in known]


def _cumulative(weights: Mapping[str, float]) -> tuple[list[str], list[float]]:
    keys = list(weights)
    total = 0.0
    cumulative = []
    for key in keys:
        total += weights[key]
        cumulative.append(total)
    return keys, cumulative


class Year:
    """Draws the applications of `year`, one dict of column values each, from a seeded generator."""

    def __init__(self, year: int, seed: int = SEED) -> None:
        self.year = year
        self.random = random.Random(seed)  # noqa: S311 (synthetic data, reproducible by design)
        known = set(geography.provinces())
        self.provinces = _cumulative({code: people for code, people in POPULATION.items() if code in known})
        self.channels = _cumulative(CHANNELS)
        self.kinds = _cumulative(KINDS)
        self.petition_types = _cumulative(PETITION_TYPES)
        self.subjects = _cumulative(SUBJECTS)
        with_directorate = {code for code, m in geography.ministries().items() if m.provincial_directorate}
        self.ministry = {subject: code for subject, code in SUBJECT_MINISTRY.items() if code}
        self.directorate = {subject: code for subject, code in self.ministry.items() if code in with_directorate}
        # Days weighted by the working week: a weekend day gets a third of a weekday's applications.
        start = date(year, 1, 1)
        days = [start + timedelta(days=n) for n in range((date(year + 1, 1, 1) - start).days)]
        self.days = days
        self.day_weights = list(_accumulate([1.0 if day.weekday() < 5 else 0.35 for day in days]))
        self.end = datetime(year + 1, 1, 1, tzinfo=TURKEY)  # the year's end: what is unanswered then is open
        self.mu = math.log(MEDIAN_DAYS)

    def _pick(self, table: tuple[list[str], list[float]]) -> str:
        return self.random.choices(table[0], cum_weights=table[1])[0]

    def _time_of_day(self) -> int:
        # Office hours mostly; the web never closes.
        hour = self.random.gauss(13, 3.5)
        return min(int(max(hour, 0) * 3600) + self.random.randrange(60), 86399)

    def _per_day(self, count: int) -> list[int]:
        """`count` spread over the year's days by their weights, exactly (largest remainders)."""
        total = self.day_weights[-1]
        weights = [b - a for a, b in zip([0.0, *self.day_weights[:-1]], self.day_weights, strict=True)]
        shares = [count * weight / total for weight in weights]
        counts = [int(share) for share in shares]
        by_remainder = sorted(range(len(shares)), key=lambda n: counts[n] - shares[n])
        for n in by_remainder[: count - sum(counts)]:
            counts[n] += 1
        return counts

    def application(self, received_at: datetime | None = None) -> dict[str, Any]:
        """One application received at `received_at` (a random moment of the year without it)."""
        r = self.random
        if received_at is None:
            day = r.choices(self.days, cum_weights=self.day_weights)[0]
            received_at = datetime(day.year, day.month, day.day, tzinfo=TURKEY) + timedelta(seconds=self._time_of_day())
        channel = self._pick(self.channels)
        kind = self._pick(self.kinds)
        subject = self._pick(self.subjects)
        province: str | None = self._pick(self.provinces)
        petition_type = self._pick(self.petition_types) if kind == "petition" else None

        if kind == "ethics_complaint":
            first = ETHICS_BOARD
            scope = [ETHICS_BOARD, PRESIDENCY]
        elif kind == "human_rights":
            first = f"HRB-{province}"
            scope = [first, f"GOV-{province}", HR_PRESIDENCY, PRESIDENCY]
        elif channel == "web" and r.random() < WEB_TO_PRESIDENCY:
            first = PRESIDENCY
            scope = [PRESIDENCY]
            if r.random() < NO_PROVINCE:
                province = None
        else:
            first = f"GOV-{province}"
            scope = [first, PRESIDENCY]

        holder = first
        assigned_at = received_at + timedelta(seconds=r.randrange(5, 120))
        if r.random() < FORWARDED:
            if first == f"GOV-{province}" and subject in self.directorate:
                ministry = self.directorate[subject]
                holder = f"PD-{province}-{ministry}"
                scope += [holder, f"MIN-{ministry}"]
            elif first == PRESIDENCY and subject in self.ministry:
                holder = f"MIN-{self.ministry[subject]}"
                scope.append(holder)
            if holder != first:
                assigned_at += timedelta(hours=r.uniform(2, 72))

        received_day = received_at.date()
        deadline = received_day + timedelta(days=INFORMATION_DAYS if kind == "information_request" else PETITION_DAYS)
        extended_at = None
        if kind == "information_request" and r.random() < EXTENDED:
            extended_at = received_at + timedelta(days=r.uniform(3, 12))
            deadline += timedelta(days=EXTENSION_DAYS)
        # Past the deadline from midnight after its last day, in Turkey.
        passed = datetime(deadline.year, deadline.month, deadline.day, tzinfo=TURKEY) + timedelta(days=1)

        response = timedelta(days=r.lognormvariate(self.mu, SIGMA))
        answered_at: datetime | None = max(received_at + response, assigned_at + timedelta(minutes=5))
        if answered_at is not None and answered_at >= self.end:
            answered_at = None
        # Routing notices a passed deadline within the hour after midnight, unless it was answered in time.
        noticed = passed + timedelta(minutes=r.randrange(1, 60))
        overdue_at = noticed if noticed < self.end and (answered_at is None or answered_at > noticed) else None
        outcome = None
        if answered_at is not None:
            outcome = "positive" if r.random() < POSITIVE else "negative"

        return {
            "application_id": uuid.UUID(int=r.getrandbits(128), version=4),
            "period": f"{received_at.year}-{received_at.month:02d}",
            "received_at": received_at,
            "kind": kind,
            "petition_type": petition_type,
            "subject": subject,
            "channel": channel,
            "province": province,
            "deadline": deadline,
            "first_institution": first,
            "institution": holder,
            "assigned_at": assigned_at,
            "answered_at": answered_at,
            "outcome": outcome,
            "answered_by": holder if answered_at is not None else None,
            "extended_at": extended_at,
            "overdue_at": overdue_at,
            "scope": sorted(set(scope)),
        }

    def applications(self, count: int) -> Iterator[dict[str, Any]]:
        """`count` applications in the order they were received, as a real table fills up (so rows of one month
        lie together on disk, as they would)."""
        for day, n in zip(self.days, self._per_day(count), strict=True):
            midnight = datetime(day.year, day.month, day.day, tzinfo=TURKEY)
            for seconds in sorted(self._time_of_day() for _ in range(n)):
                yield self.application(midnight + timedelta(seconds=seconds))


def _accumulate(values: Sequence[float]) -> Iterator[float]:
    total = 0.0
    for value in values:
        total += value
        yield total


def _libpq_url(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def check_database_name(url: str, any_database: bool) -> None:
    name = make_url(url).database or ""
    if not any_database and not any(word in name for word in SAFE_NAMES):
        raise SchemaError(
            f"refusing to load synthetic applications into {name!r}: its name says none of {', '.join(SAFE_NAMES)} "
            "(pass --any-database if you mean it)"
        )


def load(
    url: str,
    year: int,
    count: int,
    truncate: bool = False,
    seed: int = SEED,
    batch: int = BATCH,
    progress: bool = True,
    any_database: bool = False,
) -> dict[str, Any]:
    """Load `count` synthetic applications of `year`; how many and how fast."""
    check_database_name(url, any_database)
    from tqdm import tqdm

    generator = Year(year, seed)
    started = time.monotonic()
    with psycopg.connect(_libpq_url(url)) as connection:
        columns = table_columns(connection)
        names = columns_to_write(columns)
        existing = connection.execute(f"SELECT EXISTS (SELECT 1 FROM {TABLE})").fetchone()  # noqa: S608
        if truncate:
            connection.execute(f"TRUNCATE {TABLE}")
        elif existing and existing[0]:
            raise SchemaError(f"table {TABLE!r} already has rows: pass --truncate to replace them")
        connection.commit()
        statement = f"COPY {TABLE} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
        types = [columns[name].type for name in names]
        rows = generator.applications(count)
        with tqdm(total=count, unit="row", unit_scale=True, disable=not progress, desc="applications") as bar:
            left = count
            while left > 0:
                size = min(batch, left)
                with connection.cursor() as cursor, cursor.copy(statement) as copy:
                    copy.set_types(types)
                    for row in itertools.islice(rows, size):
                        copy.write_row([row[name] for name in names])
                connection.commit()
                left -= size
                bar.update(size)
        loaded_in = time.monotonic() - started
        # As autovacuum would in time: statistics for the planner, and the visibility map for index-only scans.
        connection.autocommit = True
        connection.execute(f"VACUUM (ANALYZE) {TABLE}")
    elapsed = time.monotonic() - started
    return {
        "rows": count,
        "columns": names,
        "seconds": round(elapsed, 2),
        "rows_per_second": round(count / loaded_in) if loaded_in else None,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="cimer-synthetic-year",
        description="Load a synthetic year of applications into reporting's database, as its owner role "
        "(settings.owner_database_url: it empties and vacuums the table).",
    )
    parser.add_argument("--year", type=int, default=datetime.now(UTC).year - 1, help="the year (default: last year)")
    parser.add_argument("--count", type=int, default=COUNT, help=f"how many applications (default {COUNT:,})")
    parser.add_argument("--truncate", action="store_true", help="empty the table first")
    parser.add_argument("--seed", type=int, default=SEED, help=f"random seed (default {SEED})")
    parser.add_argument("--batch", type=int, default=BATCH, help=f"rows per COPY and commit (default {BATCH:,})")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--any-database", action="store_true", help="load even where the database name says no test/bench/synthetic"
    )
    args = parser.parse_args(argv)
    if args.count < 0 or args.batch < 1:
        parser.error("--count must be 0 or more and --batch 1 or more")
    url = get_settings().owner_database_url("reporting")  # TRUNCATE and VACUUM are the owner's
    try:
        result = load(
            url,
            args.year,
            args.count,
            truncate=args.truncate,
            seed=args.seed,
            batch=args.batch,
            progress=not args.no_progress,
            any_database=args.any_database,
        )
    except (SchemaError, psycopg.OperationalError) as error:
        print(f"cimer-synthetic-year: {error}", file=sys.stderr)
        return 2
    print(
        f"loaded {result['rows']:,} applications of {args.year} into {make_url(url).database} "
        f"in {result['seconds']} s ({result['rows_per_second']:,} rows/s)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
