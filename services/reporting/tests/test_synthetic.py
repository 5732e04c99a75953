"""Tests of `synthetic`: a small synthetic year loaded into a migrated test database, its mixes roughly right."""

from collections import Counter
from datetime import datetime

import psycopg
import pytest

from cimer_common.settings import get_settings
from cimer_common.testing import reset_database
from reporting import synthetic

COUNT = 2000
YEAR = 2025


@pytest.fixture
def url():
    reset_database("reporting")
    return get_settings().owner_database_url("reporting")  # the loader's: TRUNCATE and VACUUM are the owner's


def _connect(url):
    return psycopg.connect(synthetic._libpq_url(url))


def test_main_loads_the_count_with_plausible_mixes(url, capsys):
    assert synthetic.main(["--year", str(YEAR), "--count", str(COUNT), "--batch", "700", "--no-progress"]) == 0
    assert f"loaded {COUNT:,} applications of {YEAR}" in capsys.readouterr().out
    with _connect(url) as connection:
        rows = connection.execute(
            """SELECT period, received_at, kind, petition_type, subject, channel, province, deadline,
                      first_institution, institution, answered_at, outcome, overdue_at, scope
               FROM applications"""
        ).fetchall()
    assert len(rows) == COUNT
    n = len(rows)

    def share(values, value):
        return Counter(values)[value] / n

    (periods, received, kinds, petition_types, _subjects, channels, provinces, deadlines, firsts, holders, answered,
     outcomes, overdue, scopes) = zip(*rows, strict=True)  # fmt: skip
    assert set(periods) == {f"{YEAR}-{month:02d}" for month in range(1, 13)}
    assert all(r.astimezone(synthetic.TURKEY).year == YEAR for r in received)
    assert all(p == r.astimezone(synthetic.TURKEY).strftime("%Y-%m") for p, r in zip(periods, received, strict=True))
    assert 0.65 < share(channels, "web") < 0.75
    assert 0.21 < share(channels, "phone") < 0.29
    assert 0.02 < share(channels, "in_person") < 0.08
    assert 0.71 < share(kinds, "petition") < 0.79
    assert 0.12 < share(kinds, "information_request") < 0.18
    assert 0.04 < share(kinds, "human_rights") < 0.10
    assert 0.01 < share(kinds, "ethics_complaint") < 0.05
    assert all((t is None) == (k != "petition") for k, t in zip(kinds, petition_types, strict=True))
    assert 0.15 < share(provinces, "34") < 0.22
    assert 0.05 < share(provinces, "06") < 0.09
    assert 0.03 < share(provinces, "35") < 0.07
    assert len(set(provinces) - {None}) > 60
    assert 0.07 < share(firsts, "PRESIDENCY") < 0.13
    governorships = [f for f in firsts if f.startswith("GOV-")]
    assert len(governorships) / n > 0.7
    directorates = [h for h in holders if h.startswith("PD-")]
    assert 0.2 < len(directorates) / len(governorships) < 0.4
    for first, holder, province, scope in zip(firsts, holders, provinces, scopes, strict=True):
        assert scope == sorted(set(scope))
        assert first in scope and holder in scope and "PRESIDENCY" in scope
        if first.startswith("GOV-"):
            assert first == f"GOV-{province}"
        if holder.startswith("PD-"):
            ministry = holder.rsplit("-", 1)[1]
            assert set(scope) == {holder, f"MIN-{ministry}", first, "PRESIDENCY"}
    done = [o for o in outcomes if o is not None]
    assert 0.55 < Counter(done)["positive"] / len(done) < 0.65
    assert all((a is None) == (o is None) for a, o in zip(answered, outcomes, strict=True))
    open_share = sum(a is None for a in answered) / n
    assert 0.01 < open_share < 0.06
    days = sorted((a - r).total_seconds() / 86400 for a, r in zip(answered, received, strict=True) if a is not None)
    median = days[len(days) // 2]
    assert 7.5 < median < 10.5
    assert sum(d <= 30 for d in days) / len(days) > 0.9
    overdue_share = sum(o is not None for o in overdue) / n
    assert 0.03 < overdue_share < 0.11
    for r, d, a, o in zip(received, deadlines, answered, overdue, strict=True):
        assert d > r.date()
        if a is not None:
            assert a > r
        if o is not None:
            assert o.astimezone(synthetic.TURKEY).date() > d and (a is None or a > o)
            assert o < datetime(YEAR + 1, 1, 1, tzinfo=synthetic.TURKEY)


def test_the_same_seed_loads_the_same_rows():
    assert synthetic.Year(YEAR, seed=7).application() == synthetic.Year(YEAR, seed=7).application()
    assert synthetic.Year(YEAR, seed=7).application() != synthetic.Year(YEAR, seed=8).application()


def test_truncate_replaces_and_refuses_to_append(url):
    synthetic.load(url, YEAR, 100, progress=False)
    with pytest.raises(synthetic.SchemaError, match="--truncate"):
        synthetic.load(url, YEAR, 100, progress=False)
    synthetic.load(url, YEAR, 30, truncate=True, progress=False)
    with _connect(url) as connection:
        assert connection.execute("SELECT count(*) FROM applications").fetchone()[0] == 30


def test_a_missing_column_fails_clearly(url):
    with _connect(url) as connection:
        connection.execute("ALTER TABLE applications DROP COLUMN outcome")  # undone by the rollback below
        columns = synthetic.table_columns(connection)
        connection.rollback()
    assert "scope" in columns and columns["scope"].type.endswith("[]")
    with pytest.raises(synthetic.SchemaError, match=r"lacks the column.* outcome"):
        synthetic.columns_to_write(columns)


def test_main_says_why_it_stops(monkeypatch, capsys):
    monkeypatch.setenv("REPORTING_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/cimer_reporting")
    assert synthetic.main(["--count", "10", "--no-progress"]) == 2
    assert "refusing to load synthetic applications into 'cimer_reporting'" in capsys.readouterr().err


def test_an_unknown_required_column_fails_clearly():
    columns = {name: synthetic.Column(name, "text", True, False) for name in synthetic.REQUIRED}
    columns["signed_by"] = synthetic.Column("signed_by", "text", False, False)
    with pytest.raises(synthetic.SchemaError, match="signed_by"):
        synthetic.columns_to_write(columns)
    columns["signed_by"] = synthetic.Column("signed_by", "text", True, False)
    assert "signed_by" not in synthetic.columns_to_write(columns)


def test_refuses_a_database_not_named_for_tests():
    with pytest.raises(synthetic.SchemaError, match="refusing"):
        synthetic.check_database_name("postgresql+psycopg://postgres@127.0.0.1:5432/cimer_reporting", False)
    synthetic.check_database_name("postgresql+psycopg://postgres@127.0.0.1:5432/cimer_reporting", True)


def test_applications_come_in_the_order_received_over_the_whole_year():
    rows = list(synthetic.Year(YEAR).applications(1000))
    assert len(rows) == 1000
    received = [row["received_at"] for row in rows]
    assert received == sorted(received)
    assert {row["period"] for row in rows} == {f"{YEAR}-{month:02d}" for month in range(1, 13)}
